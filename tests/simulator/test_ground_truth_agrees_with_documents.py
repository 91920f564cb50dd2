"""Ground truth recomputed from the Amazon documents alone, at several clocks."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from vendor_recon.simulator.ground_truth import GROUND_TRUTH_COLUMNS, PO_LINE_COLUMNS
from vendor_recon.simulator.timestamps import parse_timestamp, parse_window
from vendor_recon.simulator.validation import validate_response
from vendor_recon.simulator.world import World

WINDOW = re.compile(
    r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ--\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$"
)


def eaches(quantity: dict) -> int:
    return quantity["amount"] * quantity["unitSize"]


def rows_from_documents(world: World, as_of: datetime) -> list[dict]:
    """What a consumer can know from getPurchaseOrders and getPurchaseOrdersStatus."""
    rows = []
    for account in world.accounts:
        orders = {
            o["purchaseOrderNumber"]: o
            for o in world.orders_as_of(account.account_id, as_of)
        }
        for status in world.statuses_as_of(account.account_id, as_of):
            order = orders[status["purchaseOrderNumber"]]
            details = order["orderDetails"]
            items = {i["itemSequenceNumber"]: i for i in details["items"]}
            for item in status["itemStatus"]:
                order_item = items[item["itemSequenceNumber"]]
                ordered = item["orderedQuantity"]
                assert ordered["orderedQuantity"] == order_item["orderedQuantity"]
                acknowledgement = item["acknowledgementStatus"]
                unknown = acknowledgement["confirmationStatus"] == "UNCONFIRMED"
                receiving = item.get("receivingStatus")
                last_received = (receiving or {}).get("lastReceiveDate")
                rows.append(
                    {
                        "account_id": account.account_id,
                        "region": account.region,
                        "vendor_code": details["sellingParty"]["partyId"],
                        "purchase_order_number": order["purchaseOrderNumber"],
                        "item_sequence_number": item["itemSequenceNumber"],
                        "asin": order_item["amazonProductIdentifier"],
                        "vendor_sku": order_item["vendorProductIdentifier"],
                        "purchase_order_date": parse_timestamp(
                            details["purchaseOrderDate"]
                        ).date(),
                        "purchase_order_state": order["purchaseOrderState"],
                        "ship_window_end_at": parse_window(details["shipWindow"])[1],
                        "currency_code": order_item["netCost"]["currencyCode"],
                        "po_unit_cost": Decimal(order_item["netCost"]["amount"]),
                        "ordered_units": eaches(ordered["orderedQuantity"]),
                        "cancelled_units": sum(
                            eaches(d["cancelledQuantity"])
                            for d in ordered["orderedQuantityDetails"]
                            if "cancelledQuantity" in d
                        ),
                        "accepted_units": None
                        if unknown
                        else eaches(acknowledgement["acceptedQuantity"]),
                        "rejected_units": None
                        if unknown
                        else eaches(acknowledgement["rejectedQuantity"]),
                        "received_units": None
                        if receiving is None
                        else eaches(receiving["receivedQuantity"]),
                        "last_received_at": parse_timestamp(last_received)
                        if last_received
                        else None,
                    }
                )
    return rows


def by_key(rows: list[dict]) -> dict:
    return {(r["purchase_order_number"], r["item_sequence_number"]): r for r in rows}


@pytest.mark.parametrize("days_after_start", [0.5, 1, 3, 8, 14, 30])
def test_ground_truth_equals_what_the_documents_say(fortnight_world, days_after_start):
    as_of = fortnight_world.start + timedelta(days=days_after_start)
    truth = fortnight_world.ground_truth_po_lines(as_of)
    assert truth
    # The money columns are checked against the vendor's files elsewhere.
    po_columns = [{k: row[k] for k in PO_LINE_COLUMNS} for row in truth]
    assert by_key(rows_from_documents(fortnight_world, as_of)) == by_key(po_columns)


def test_ground_truth_has_exactly_the_agreed_columns(small_world):
    rows = small_world.ground_truth_po_lines(small_world.end + timedelta(days=10))
    assert rows
    for row in rows:
        assert tuple(row) == GROUND_TRUTH_COLUMNS
        assert row["ship_window_end_at"].tzinfo is not None
        assert isinstance(row["po_unit_cost"], Decimal)


def test_ordered_quantity_details_add_up(fortnight_world):
    as_of = fortnight_world.end + timedelta(days=10)
    seen_cancellation = False
    for account in fortnight_world.accounts:
        for status in fortnight_world.statuses_as_of(account.account_id, as_of):
            for item in status["itemStatus"]:
                ordered = item["orderedQuantity"]
                total = sum(
                    d.get("orderedQuantity", {}).get("amount", 0)
                    - d.get("cancelledQuantity", {}).get("amount", 0)
                    for d in ordered["orderedQuantityDetails"]
                )
                assert total == ordered["orderedQuantity"]["amount"]
                seen_cancellation |= len(ordered["orderedQuantityDetails"]) > 1
    assert seen_cancellation


def test_the_clock_hides_orders_created_later(fortnight_world):
    world = fortnight_world
    later = world.purchase_orders[-1]
    as_of = later.created_at - timedelta(seconds=1)
    visible = {
        o["purchaseOrderNumber"] for o in world.orders_as_of(later.account_id, as_of)
    }
    assert later.purchase_order_number not in visible
    truth = {r["purchase_order_number"] for r in world.ground_truth_po_lines(as_of)}
    assert later.purchase_order_number not in truth
    visible_then = world.orders_as_of(later.account_id, later.created_at)
    assert later.purchase_order_number in {
        o["purchaseOrderNumber"] for o in visible_then
    }


def test_the_clock_hides_receipts_after_it(fortnight_world):
    world = fortnight_world
    po, line = next(
        (po, line)
        for po in world.purchase_orders
        for line in po.lines
        if len(line.receipts) >= 2
    )
    second = line.receipts[1]

    def received(as_of: datetime) -> tuple[int, datetime]:
        row = next(
            r
            for r in world.ground_truth_po_lines(as_of)
            if (r["purchase_order_number"], r["item_sequence_number"])
            == (po.purchase_order_number, line.item_sequence_number)
        )
        return row["received_units"], row["last_received_at"]

    first_eaches = line.receipts[0].eaches
    assert received(second.at - timedelta(seconds=1)) == (
        first_eaches,
        line.receipts[0].at,
    )
    assert received(second.at) == (first_eaches + second.eaches, second.at)


def test_unknown_is_none_not_zero(fortnight_world):
    world = fortnight_world
    po = next(
        po
        for po in world.purchase_orders
        if not po.shows_receiving_before_acknowledgement and po.acknowledged_at
    )
    before_ack = po.acknowledged_at - timedelta(seconds=1)
    rows = [
        r
        for r in world.ground_truth_po_lines(before_ack)
        if r["purchase_order_number"] == po.purchase_order_number
    ]
    assert rows
    for row in rows:
        assert row["purchase_order_state"] == "New"
        assert (row["accepted_units"], row["rejected_units"]) == (None, None)
        assert row["received_units"] is None
    (status,) = [
        s
        for s in world.statuses_as_of(po.account_id, before_ack)
        if s["purchaseOrderNumber"] == po.purchase_order_number
    ]
    for item in status["itemStatus"]:
        assert item["acknowledgementStatus"]["confirmationStatus"] == "UNCONFIRMED"
        assert "receivingStatus" not in item


def test_documents_carry_amazon_formats(fortnight_world):
    as_of = fortnight_world.end + timedelta(days=10)
    received_units = set()
    changed = 0
    for account in fortnight_world.accounts:
        orders = fortnight_world.orders_as_of(account.account_id, as_of)
        statuses = fortnight_world.statuses_as_of(account.account_id, as_of)
        validate_response("getPurchaseOrders", 200, {"payload": {"orders": orders}})
        validate_response(
            "getPurchaseOrdersStatus", 200, {"payload": {"ordersStatus": statuses}}
        )
        for order in orders:
            details = order["orderDetails"]
            assert WINDOW.match(details["shipWindow"])
            assert details["purchaseOrderType"] == "RegularOrder"
            assert details["paymentMethod"] == "Invoice"
            assert details["sellingParty"]["partyId"] in account.vendor_codes
            assert re.fullmatch(r"[A-Z]{3}\d", details["shipToParty"]["partyId"])
            changed += "purchaseOrderChangedDate" in details
            for item in details["items"]:
                amount = item["netCost"]["amount"]
                assert item["netCost"]["currencyCode"] == account.currency_code
                if account.currency_code == "JPY":
                    assert "." not in amount
                else:
                    assert re.fullmatch(r"\d+\.\d\d", amount)
        for status in statuses:
            for item in status["itemStatus"]:
                size = item["orderedQuantity"]["orderedQuantity"]["unitSize"]
                received = item.get("receivingStatus", {}).get("receivedQuantity")
                if received and size > 1:
                    received_units.add(received["unitOfMeasure"])
    assert changed
    # Cases lines report receipts in Cases or in Eaches: consumers must convert.
    assert received_units == {"Cases", "Eaches"}


def test_changed_date_appears_only_once_changed(fortnight_world):
    po = next(
        po
        for po in fortnight_world.purchase_orders
        if any(line.cancellations for line in po.lines)
    )
    changed_at = min(c.at for line in po.lines for c in line.cancellations)

    def details(as_of: datetime) -> dict:
        for order in fortnight_world.orders_as_of(po.account_id, as_of):
            if order["purchaseOrderNumber"] == po.purchase_order_number:
                return order["orderDetails"]
        raise AssertionError("PO not visible")

    assert "purchaseOrderChangedDate" not in details(changed_at - timedelta(seconds=1))
    assert parse_timestamp(details(changed_at)["purchaseOrderChangedDate"]) == (
        changed_at
    )


def test_as_of_must_be_aware(small_world):
    with pytest.raises(ValueError, match="timezone-aware"):
        small_world.ground_truth_po_lines(datetime(2025, 3, 4))
    assert small_world.ground_truth_po_lines(datetime(2000, 1, 1, tzinfo=UTC)) == []
