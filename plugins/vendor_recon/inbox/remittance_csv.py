"""Vendor Central remittance exports (CSV) -> normalised remittance lines.

Headers are matched case-insensitively ignoring spaces, '_', '#' and '.', with
the synonyms of docs/reconciliation-rules.md; a file missing a required column
is rejected whole, a line with a bad value is quarantined on its own.
"""

from __future__ import annotations

import csv
import io
import re
from typing import Any

from vendor_recon.inbox.normalise import (
    line_key,
    line_updated_at,
    money,
    parse_amount,
    parse_currency,
    parse_date,
)
from vendor_recon.inbox.records import FileRejected, bad, decode_text, good

OPERATION = "file:remittances"

# field -> (the heading the rules doc uses, the headings it accepts)
COLUMNS: dict[str, tuple[str, tuple[str, ...]]] = {
    "payment_number": ("Payment Number", ("Payment ID", "Payment #")),
    "payment_date": ("Payment Date", ()),
    "invoice_number": ("Invoice Number", ("Invoice #", "Invoice ID")),
    "invoice_date": ("Invoice Date", ()),
    "invoice_description": ("Invoice Description", ("Description",)),
    "invoice_currency": ("Invoice Currency", ("Currency",)),
    "invoice_amount": ("Invoice Amount", ()),
    "amount_paid": ("Amount Paid", ("Paid Amount",)),
    "discount_taken": ("Discount Taken", ("Terms Discount Taken",)),
    "amount_remaining": ("Amount Remaining", ("Remaining Amount",)),
}
OPTIONAL = frozenset({"invoice_description"})
AMOUNTS = ("invoice_amount", "amount_paid", "discount_taken", "amount_remaining")


def header_key(text: str) -> str:
    return re.sub(r"[\s_#.]+", "", text).lower()


_BY_HEADER = {
    header_key(heading): name
    for name, (main, synonyms) in COLUMNS.items()
    for heading in (main, *synonyms)
}


def read(data: bytes, *, region: str, **_context: Any) -> list[dict[str, Any]]:
    """One row per data line; `line_number` counts data lines from 1."""
    reader = csv.reader(io.StringIO(decode_text(data), newline=""))
    header = next((cells for cells in reader if any(c.strip() for c in cells)), None)
    if header is None:
        raise FileRejected("(header)", "the file is empty; expected a header row")
    positions = _positions(header)

    rows = []
    line_number = 0
    for cells in reader:
        if not any(cell.strip() for cell in cells):
            continue
        line_number += 1
        where = f"line {reader.line_num}"
        raw = dict(zip(header, cells, strict=False))
        if len(cells) > len(header):
            problem = ("(line)", f"{len(cells)} cells, the header has {len(header)}")
            rows.append(bad(line_number - 1, where, [problem], raw))
            continue
        line, problems = _line(cells, header, positions, region, line_number)
        if problems:
            rows.append(bad(line_number - 1, where, problems, raw))
        else:
            rows.append(
                good(line_number - 1, line_key(line), line_updated_at(line), line)
            )
    return rows


def _positions(header: list[str]) -> dict[str, int]:
    positions: dict[str, int] = {}
    for index, heading in enumerate(header):
        name = _BY_HEADER.get(header_key(heading))
        if name is None:
            continue
        if name in positions:
            raise FileRejected(
                heading,
                f"columns {header[positions[name]]!r} and {heading!r} both mean "
                f"{COLUMNS[name][0]!r}",
            )
        positions[name] = index
    missing = [
        name for name in COLUMNS if name not in positions and name not in OPTIONAL
    ]
    if missing:
        described = "; ".join(_described(name) for name in missing)
        raise FileRejected(
            COLUMNS[missing[0]][0],
            f"required column(s) missing: {described} (found: {', '.join(header)})",
        )
    return positions


def _described(name: str) -> str:
    main, synonyms = COLUMNS[name]
    return f"{main!r}" + (f" or {', '.join(map(repr, synonyms))}" if synonyms else "")


def _line(cells, header, positions, region, line_number):
    """The normalised line and the problems found, each (column as written, why)."""
    line: dict[str, Any] = {"line_number": line_number, "source_format": "csv"}
    problems: list[tuple[str, str]] = []
    for name, index in positions.items():
        heading = header[index]
        value = cells[index].strip() if index < len(cells) else ""
        if not value:
            if name in OPTIONAL:
                line[name] = None
            else:
                problems.append((heading, "empty"))
            continue
        try:
            line[name] = _convert(name, value, region)
        except ValueError as exc:
            problems.append((heading, str(exc)))
    line.setdefault("invoice_description", None)
    return line, problems


def _convert(name: str, value: str, region: str) -> str:
    if name in AMOUNTS:
        return money(parse_amount(value))
    if name.endswith("_date"):
        return parse_date(value, region).isoformat()
    if name == "invoice_currency":
        return parse_currency(value)
    return value
