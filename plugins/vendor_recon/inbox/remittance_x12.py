"""X12 820 remittance advice -> normalised remittance lines, segment by segment.

One payment per transaction set (ST..SE): BPR gives the payment date, TRN the
payment number, CUR the currency; after ENT each RMR opens a line and the DTM*003
after it gives the invoice date. A segment out of place or malformed is
quarantined with its number (segments counted from 1 at ISA); the lines around
it still land. A file that is not an interchange at all is rejected whole.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from vendor_recon.inbox.normalise import (
    line_key,
    line_updated_at,
    money,
    parse_amount,
    parse_currency,
    parse_x12_date,
)
from vendor_recon.inbox.records import FileRejected, bad, decode_text, good

OPERATION = "file:remittances"

# Where each envelope segment may follow: the states of the interchange.
_NEXT_STATE = {
    "ISA": ({"start", "after_iea"}, "after_isa"),
    "GS": ({"after_isa", "after_ge"}, "after_gs"),
    "GE": ({"after_gs", "after_se"}, "after_ge"),
    "IEA": ({"after_ge"}, "after_iea"),
}
_HEADER_ONLY = {"BPR", "TRN", "CUR"}


@dataclass
class _Payment:
    st_segment: int
    problem: tuple[str, str] | None = None  # the whole transaction set's
    number: str | None = None
    date: str | None = None
    currency: str | None = None
    lines: list[_Line] = field(default_factory=list)


@dataclass
class _Line:
    segment: int
    values: dict[str, Any]
    problems: list[tuple[str, str]] = field(default_factory=list)


def read(data: bytes, **_context: Any) -> list[dict[str, Any]]:
    """One row per RMR line, plus one per quarantined segment, in file order."""
    return _Parser(_segments(decode_text(data))).run()


def _segments(text: str) -> list[list[str]]:
    """Split on the separators the ISA segment declares (`*` and `~` as a rule)."""
    body = text.lstrip()
    if not body.startswith("ISA") or len(body) < 4:
        raise FileRejected("ISA", "not an X12 interchange: it does not start with ISA")
    separator = body[3]
    # ISA has 16 elements; ISA16 is one character and the terminator follows it.
    position = -1
    for _ in range(16):
        position = body.find(separator, position + 1)
        if position < 0:
            raise FileRejected("ISA", "the ISA segment has fewer than 16 elements")
    terminator = body[position + 2 : position + 3]
    if not terminator or terminator.isalnum():
        raise FileRejected("ISA", "no segment terminator after ISA16")
    pieces = (piece.strip() for piece in body.split(terminator))
    return [piece.split(separator) for piece in pieces if piece]


class _Parser:
    def __init__(self, segments: list[list[str]]):
        self.segments = segments
        self.state = "start"
        self.payment: _Payment | None = None
        self.line: _Line | None = None
        self.skip_line = False  # the DTM after a quarantined RMR belongs to it
        self.lines_seen = 0
        self.rows: list[tuple[int, dict[str, Any]]] = []

    def run(self) -> list[dict[str, Any]]:
        for number, elements in enumerate(self.segments, start=1):
            self._segment(number, elements)
        if self.payment is not None:
            self._close(end_of_file=True)
        return [row for _, row in sorted(self.rows, key=lambda item: item[0])]

    def _segment(self, number: int, elements: list[str]) -> None:
        tag = elements[0].strip().upper()
        if tag in _NEXT_STATE:
            allowed, after = _NEXT_STATE[tag]
            if self.state not in allowed:
                self._out_of_place(number, elements)
                return
            if tag == "GS" and _element(elements, 1) != "RA":
                self._malformed(number, elements, "GS01", "expected RA (remittance)")
            self.state = after
            return
        if tag == "ST":
            self._start(number, elements)
        elif tag == "SE":
            if self.payment is None:
                self._out_of_place(number, elements)
            else:
                self._close()
        elif self.payment is None:
            self._out_of_place(number, elements)
        elif tag in _HEADER_ONLY:
            self._header(number, elements, tag)
        elif tag == "ENT":
            self._finish_line()
            self.state = "detail"
        elif tag == "RMR":
            self._rmr(number, elements)
        elif tag == "DTM" and self.state == "detail":
            self._dtm(number, elements)
        # Other segments (N1, REF, PER, ...) carry nothing a line needs.

    def _start(self, number: int, elements: list[str]) -> None:
        if self.state not in ("after_gs", "after_se"):
            self._out_of_place(number, elements)
            return
        self.payment = _Payment(st_segment=number)
        if _element(elements, 1) != "820":
            self._malformed(number, elements, "ST01", "expected 820")
            self.payment.problem = (
                "ST01",
                f"transaction set of segment {number} is not an 820",
            )
        self.state = "header"

    def _header(self, number: int, elements: list[str], tag: str) -> None:
        if self.state != "header":
            self._out_of_place(number, elements)
            return
        payment = self.payment
        if tag == "BPR":
            # The payment date is BPR16; a short BPR carries it last.
            date_index = 16 if len(elements) > 16 else len(elements) - 1
            checks = [(2, parse_amount), (date_index, parse_x12_date)]
        else:
            checks = [(2, _required if tag == "TRN" else parse_currency)]
        values = []
        for index, check in checks:
            try:
                values.append(check(_element(elements, index)))
            except ValueError as exc:
                self._malformed(number, elements, f"{tag}{index:02d}", str(exc))
                return
        if tag == "BPR":
            payment.date = values[1].isoformat()
        elif tag == "TRN":
            payment.number = values[0]
        else:
            payment.currency = values[0]

    def _rmr(self, number: int, elements: list[str]) -> None:
        self.lines_seen += 1
        self._finish_line()
        if self.state != "detail":
            self.skip_line = True
            self._out_of_place(number, elements, line_number=self.lines_seen)
            return
        problems: list[tuple[str, str]] = []
        values: dict[str, Any] = {"line_number": self.lines_seen}
        if _element(elements, 1) != "IV":
            problems.append(("RMR01", f"{_element(elements, 1)!r}, expected IV"))
        values["invoice_number"] = _element(elements, 2) or None
        if not values["invoice_number"]:
            problems.append(("RMR02", "empty (invoice number)"))
        amounts = {}
        for index, name in ((4, "amount_paid"), (5, "invoice_amount"), (6, "discount")):
            text = _element(elements, index)
            if not text and name == "discount":
                continue
            try:
                amounts[name] = parse_amount(text) if text else None
            except ValueError as exc:
                problems.append((f"RMR{index:02d}", str(exc)))
                continue
            if amounts[name] is None:
                problems.append(
                    (f"RMR{index:02d}", f"empty ({name.replace('_', ' ')})")
                )
        if problems:
            self.skip_line = True
            self._quarantine(number, elements, problems, self.lines_seen)
            return
        invoice, paid = amounts["invoice_amount"], amounts["amount_paid"]
        discount = amounts.get("discount")
        if discount is None:
            discount = Decimal(0).quantize(invoice)
        values.update(
            invoice_amount=money(invoice),
            amount_paid=money(paid),
            discount_taken=money(discount),
            amount_remaining=money(invoice - paid - discount),
        )
        self.line = _Line(number, values)

    def _dtm(self, number: int, elements: list[str]) -> None:
        if self.skip_line:
            return
        if self.line is None:
            self._out_of_place(number, elements)
            return
        if _element(elements, 1) != "003":
            return  # another date of the line; only the invoice date is needed
        try:
            self.line.values["invoice_date"] = parse_x12_date(
                _element(elements, 2)
            ).isoformat()
        except ValueError as exc:
            self.line.problems.append(("DTM02", f"segment {number}: {exc}"))

    def _finish_line(self) -> None:
        if self.line is not None:
            self.payment.lines.append(self.line)
        self.line = None
        self.skip_line = False

    def _close(self, *, end_of_file: bool = False) -> None:
        """The end of a payment: every line gets the payment's fields, or waits."""
        self._finish_line()
        payment = self.payment
        for line in payment.lines:
            problems = list(line.problems)
            if payment.problem:
                problems.append(payment.problem)
            if end_of_file:
                problems.append(
                    (
                        "SE",
                        f"transaction set of segment {payment.st_segment} "
                        "is not closed before the end of the file",
                    )
                )
            for value, where, what in (
                (payment.number, "TRN02", "payment number"),
                (payment.date, "BPR16", "payment date"),
                (payment.currency, "CUR02", "currency"),
            ):
                if value is None:
                    problems.append((where, f"no valid {what} in the payment"))
            if "invoice_date" not in line.values:
                problems.append(("DTM02", "no DTM*003 (invoice date) after the RMR"))
            record = self._line_record(payment, line)
            if problems:
                self._quarantine(
                    line.segment, None, problems, line.values["line_number"], record
                )
            else:
                row = good(
                    record["line_number"] - 1,
                    line_key(record),
                    line_updated_at(record),
                    record,
                )
                self.rows.append((line.segment, row))
        self.payment = None
        self.state = "after_se"

    @staticmethod
    def _line_record(payment: _Payment, line: _Line) -> dict[str, Any]:
        values = line.values
        return {
            "payment_number": payment.number,
            "payment_date": payment.date,
            "invoice_number": values["invoice_number"],
            "invoice_date": values.get("invoice_date"),
            "invoice_description": None,
            "invoice_currency": payment.currency,
            "invoice_amount": values["invoice_amount"],
            "amount_paid": values["amount_paid"],
            "discount_taken": values["discount_taken"],
            "amount_remaining": values["amount_remaining"],
            "line_number": values["line_number"],
            "source_format": "x12_820",
        }

    def _out_of_place(
        self, number: int, elements: list[str], line_number: int | None = None
    ) -> None:
        tag = elements[0].strip().upper() or "(empty)"
        after = {
            "start": "before ISA",
            "header": "before ENT",
            "detail": "after ENT",
            "after_se": "between SE and the next ST or GE",
        }.get(self.state, f"in state {self.state}")
        self._quarantine(
            number, elements, [(tag, f"out of place ({after})")], line_number
        )

    def _malformed(
        self, number: int, elements: list[str], where: str, reason: str
    ) -> None:
        self._quarantine(number, elements, [(where, reason)])

    def _quarantine(
        self,
        number: int,
        elements: list[str] | None,
        problems: list[tuple[str, str]],
        line_number: int | None = None,
        record: dict[str, Any] | None = None,
    ) -> None:
        if record is None:
            record = {"segment_number": number, "segment": "*".join(elements or [])}
        record_number = line_number - 1 if line_number else None
        self.rows.append(
            (number, bad(record_number, f"segment {number}", problems, record))
        )


def _element(elements: list[str], index: int) -> str:
    return elements[index].strip() if index < len(elements) else ""


def _required(value: str) -> str:
    if not value:
        raise ValueError("empty")
    return value
