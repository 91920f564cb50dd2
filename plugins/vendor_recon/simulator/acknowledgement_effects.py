"""What an accepted acknowledgement changes in Amazon's Order and OrderStatus."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from vendor_recon.simulator.timeline import LineAcknowledgement
from vendor_recon.simulator.timestamps import iso_millis, iso_seconds, parse_timestamp
from vendor_recon.simulator.vendor_documents import eaches_of

Document = dict[str, Any]
# Amazon's status knows accepted and rejected units only: a backordered unit
# is one the vendor will still ship, so it counts as accepted.
ACCEPTING = ("Accepted", "Backordered")
# How an acknowledged item names its PO line, most precise first.
LINE_KEYS = ("itemSequenceNumber", "amazonProductIdentifier", "vendorProductIdentifier")


@dataclass(frozen=True)
class LineAnswer:
    """The vendor's answer for one PO line, in the line's unit of measure."""

    item_sequence_number: str
    accepted: int
    rejected: int


@dataclass(frozen=True)
class Acknowledgement:
    """One accepted OrderAcknowledgement, resolved against its PO."""

    purchase_order_number: str
    # When Amazon took it (the submission) and the date the vendor wrote.
    processed_at: datetime
    acknowledgement_date: str
    lines: tuple[LineAnswer, ...]


def resolve(
    document: Document, order: Document | None, processed_at: datetime
) -> Acknowledgement | list[str]:
    """The acknowledgement of `order`, or why it cannot apply to it at all."""
    number = document["purchaseOrderNumber"]
    if order is None:
        return [f"purchase order {number} is not one of this vendor's"]
    problems = []
    details = order["orderDetails"]
    if document["sellingParty"]["partyId"] != details["sellingParty"]["partyId"]:
        problems.append(
            f"purchase order {number} was placed with vendor code "
            f"{details['sellingParty']['partyId']}, not "
            f"{document['sellingParty']['partyId']}"
        )
    answers = []
    for index, item in enumerate(document["items"], start=1):
        line = _line_for(details["items"], item)
        if line is None:
            problems.append(f"purchase order {number} has no line like item {index}")
            continue
        answer = _answer(number, line, item)
        if isinstance(answer, str):
            problems.append(answer)
        else:
            answers.append(answer)
    if problems:
        return problems
    return Acknowledgement(
        number, processed_at, document["acknowledgementDate"], tuple(answers)
    )


def submission_problems(
    document: Document, order: Document | None, as_of: datetime
) -> list[str]:
    """Why Amazon would reject the acknowledgement when it arrives at `as_of`.

    Beyond `resolve`: the PO must be open, the date not ahead of Amazon's
    clock, and no line acknowledged beyond what is ordered now.
    """
    answer = resolve(document, order, as_of)
    if not isinstance(answer, Acknowledgement):
        return answer
    assert order is not None
    number = answer.purchase_order_number
    problems = []
    if order["purchaseOrderState"] == "Closed":
        problems.append(f"purchase order {number} is closed")
    if parse_timestamp(answer.acknowledgement_date) > as_of:
        problems.append(f"purchase order {number}: acknowledgementDate is ahead")
    ordered = {
        line["itemSequenceNumber"]: line["orderedQuantity"]["amount"]
        for line in order["orderDetails"]["items"]
    }
    for line in answer.lines:
        acknowledged = line.accepted + line.rejected
        if acknowledged > ordered[line.item_sequence_number]:
            problems.append(
                f"purchase order {number} line {line.item_sequence_number}: "
                f"{acknowledged} acknowledged of "
                f"{ordered[line.item_sequence_number]} ordered"
            )
    return problems


def acknowledged_order(order: Document, answers: list[Acknowledgement]) -> Document:
    """The Order once the acknowledgements are in: New becomes Acknowledged."""
    if not answers or order["purchaseOrderState"] == "Closed":
        return order
    order = copy.deepcopy(order)
    details = order["orderDetails"]
    first = min(answer.processed_at for answer in answers)
    if order["purchaseOrderState"] == "Acknowledged":
        first = min(first, parse_timestamp(details["purchaseOrderStateChangedDate"]))
    order["purchaseOrderState"] = "Acknowledged"
    details["purchaseOrderStateChangedDate"] = iso_seconds(first)
    return order


def acknowledged_status(status: Document, answers: list[Acknowledgement]) -> Document:
    """The OrderStatus once the acknowledgements are in, latest one winning."""
    if not answers:
        return status
    status = copy.deepcopy(status)
    for item in status["itemStatus"]:
        mine = [
            (answer, line)
            for answer in answers
            for line in answer.lines
            if line.item_sequence_number == item["itemSequenceNumber"]
        ]
        if mine:
            _acknowledge_item(item, mine)
    latest = max(answer.processed_at for answer in answers)
    updated = max(parse_timestamp(status["lastUpdatedDate"]), latest)
    status["lastUpdatedDate"] = iso_millis(updated)
    return status


def _line_for(lines: list[Document], item: Document) -> Document | None:
    """The PO line an item names: by sequence number, else ASIN, else SKU."""
    for key in (
        "itemSequenceNumber",
        "amazonProductIdentifier",
        "vendorProductIdentifier",
    ):
        if item.get(key):
            return next((line for line in lines if line.get(key) == item[key]), None)
    return None


def _answer(number: str, line: Document, item: Document) -> LineAnswer | str:
    ordered = line["orderedQuantity"]
    # The status counts in the line's own unit: cases of unitSize, or eaches.
    size = eaches_of({**ordered, "amount": 1})
    where = f"purchase order {number} line {line['itemSequenceNumber']}"
    accepted = rejected = 0
    for answer in item["itemAcknowledgements"]:
        code = answer["acknowledgementCode"]
        if code == "Backordered" and not line.get("isBackOrderAllowed", False):
            return f"{where} does not allow backorders"
        eaches = eaches_of(answer["acknowledgedQuantity"])
        if eaches % size:
            return f"{where}: {eaches} eaches are not whole cases of {size}"
        if code in ACCEPTING:
            accepted += eaches // size
        else:
            rejected += eaches // size
    return LineAnswer(line["itemSequenceNumber"], accepted, rejected)


def _acknowledge_item(
    item: Document, mine: list[tuple[Acknowledgement, LineAnswer]]
) -> None:
    unit = item["orderedQuantity"]["orderedQuantity"]

    def quantity(amount: int) -> Document:
        return {**unit, "amount": amount}

    status = item["acknowledgementStatus"]
    # (when Amazon took it, accepted, rejected, detail) of every acknowledgement.
    history = [
        (
            parse_timestamp(detail["acknowledgementDate"]),
            detail["acceptedQuantity"]["amount"],
            detail["rejectedQuantity"]["amount"],
            detail,
        )
        for detail in status.get("acknowledgementStatusDetails", [])
    ]
    for answer, line in mine:
        detail = {
            "acknowledgementDate": iso_millis(
                parse_timestamp(answer.acknowledgement_date)
            ),
            "acceptedQuantity": quantity(line.accepted),
            "rejectedQuantity": quantity(line.rejected),
        }
        history.append((answer.processed_at, line.accepted, line.rejected, detail))
    history.sort(key=lambda entry: entry[0], reverse=True)
    _, accepted, rejected, _ = history[0]
    item["acknowledgementStatus"] = {
        "confirmationStatus": LineAcknowledgement(
            accepted, rejected
        ).confirmation_status,
        "acceptedQuantity": quantity(accepted),
        "rejectedQuantity": quantity(rejected),
        # Newest first, as orderedQuantityDetails are listed.
        "acknowledgementStatusDetails": [entry[3] for entry in history],
    }
    # A PO shows receiving once acknowledged; nothing has been received yet.
    item.setdefault(
        "receivingStatus",
        {"receiveStatus": "NOT_RECEIVED", "receivedQuantity": quantity(0)},
    )
