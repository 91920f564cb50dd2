"""The vendor's ASNs for a PO: what ships, when, and how the ASN says it."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import datetime, timedelta

from vendor_recon.simulator.fulfilment import LATE, MISSING, OrderFulfilment
from vendor_recon.simulator.timeline import PurchaseOrder, PurchaseOrderLine
from vendor_recon.simulator.vendor_documents import (
    ORIGINAL,
    REPLACE,
    AsnVersion,
    Quantity,
    Shipment,
    ShippedItem,
    quantity_in,
)

ASN_CASES_SHARE = 0.7
ASN_SKU_ONLY_SHARE = 0.1


def shipped_lines(
    po: PurchaseOrder, fate: OrderFulfilment
) -> list[tuple[PurchaseOrderLine, int]]:
    """(line, eaches shipped): accepted less cancelled, plus any over-shipment."""
    if po.acknowledged_at is None:
        return []
    shipped = []
    always = datetime.max.replace(tzinfo=po.created_at.tzinfo)
    for line, line_fate in zip(po.lines, fate.lines, strict=True):
        expected = line.expected_eaches(always)
        if not line_fate.ships or expected == 0:
            continue
        extra = line_fate.over_units * line.received_unit_size
        shipped.append((line, expected + extra))
    return shipped


def shipped_at_for(rng: random.Random, po: PurchaseOrder, on_time: bool) -> datetime:
    """Before the first receipt, after the acknowledgement and every cancellation;
    inside the ship window when the vendor ships on time."""
    earliest = max(
        [po.acknowledged_at, *(c.at for li in po.lines for c in li.cancellations)]
    ) + timedelta(hours=2)
    receipts = [r.at for line in po.lines for r in line.receipts]
    if receipts:
        transit = timedelta(seconds=rng.randint(4 * 3600, 20 * 3600))
        shipped_at = min(receipts) - transit
    else:
        shipped_at = po.ship_window[0] + timedelta(hours=rng.randint(2, 30))
    if on_time:
        latest = po.ship_window[1] - timedelta(seconds=rng.randint(2 * 3600, 20 * 3600))
        shipped_at = min(shipped_at, latest)
    return max(earliest, shipped_at)


def shipment_for(
    rng: random.Random,
    po: PurchaseOrder,
    fate: OrderFulfilment,
    shipped: list[tuple[PurchaseOrderLine, int]],
    shipped_at: datetime,
) -> Shipment | None:
    identifier = f"{po.vendor_code}-{po.purchase_order_number}-1"
    if fate.asn == MISSING:
        return None
    sku_only = rng.random() < ASN_SKU_ONLY_SHARE
    items = tuple(
        ShippedItem(
            po.purchase_order_number,
            None if sku_only else line.asin,
            line.vendor_sku,
            quantity_in(eaches, line.unit_size, rng.random() < ASN_CASES_SHARE),
        )
        for line, eaches in shipped
    )
    if fate.asn == LATE:
        confirmed_at = max(shipped_at, po.ship_window[1]) + timedelta(
            seconds=rng.randint(24 * 3600, 72 * 3600)
        )
    else:
        confirmed_at = shipped_at + timedelta(seconds=rng.randint(0, 3 * 3600))
    versions = [AsnVersion(ORIGINAL, confirmed_at, items)]
    if fate.replaced:
        wrong = items[0]
        wrong_eaches = wrong.quantity.eaches + rng.choice((-1, 1))
        if wrong_eaches < 1:
            wrong_eaches = wrong.quantity.eaches + 1
        first = replace(wrong, quantity=Quantity(wrong_eaches))
        versions = [
            AsnVersion(ORIGINAL, confirmed_at, (first, *items[1:])),
            AsnVersion(
                REPLACE,
                confirmed_at + timedelta(hours=rng.randint(12, 48)),
                items,
            ),
        ]
    return Shipment(
        account_id=po.account_id,
        shipment_identifier=identifier,
        vendor_code=po.vendor_code,
        ship_from_party_id=f"{po.vendor_code}WH",
        ship_to_party_id=po.ship_to_party_id,
        shipped_at=shipped_at,
        estimated_delivery_at=shipped_at + timedelta(days=2),
        versions=tuple(versions),
    )
