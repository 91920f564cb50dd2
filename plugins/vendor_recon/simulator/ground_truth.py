"""What every PO line really is as of a clock, computed from the timeline itself."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from vendor_recon.simulator.accounts import WorldAccount
from vendor_recon.simulator.reconciliation import MONEY_COLUMNS
from vendor_recon.simulator.timeline import PurchaseOrder

PO_LINE_COLUMNS = (
    "account_id",
    "region",
    "vendor_code",
    "purchase_order_number",
    "item_sequence_number",
    "asin",
    "vendor_sku",
    "purchase_order_date",
    "purchase_order_state",
    "ship_window_end_at",
    "currency_code",
    "po_unit_cost",
    "ordered_units",
    "cancelled_units",
    "accepted_units",
    "rejected_units",
    "received_units",
    "last_received_at",
)
# The whole contract of fct_po_line_reconciliation, in its order.
GROUND_TRUTH_COLUMNS = PO_LINE_COLUMNS + MONEY_COLUMNS


def ground_truth_rows(
    accounts: Iterable[WorldAccount],
    purchase_orders: Iterable[PurchaseOrder],
    as_of: datetime,
) -> list[dict[str, Any]]:
    """One row per line of every PO visible at `as_of`, the PO columns only;
    unknown is None, not 0."""
    regions = {account.account_id: account.region for account in accounts}
    rows = []
    for po in purchase_orders:
        if not po.is_visible(as_of):
            continue
        acknowledged = po.is_acknowledged(as_of)
        shows_receiving = po.shows_receiving(as_of)
        for line in po.lines:
            acknowledgement = line.acknowledgement if acknowledged else None
            rows.append(
                {
                    "account_id": po.account_id,
                    "region": regions[po.account_id],
                    "vendor_code": po.vendor_code,
                    "purchase_order_number": po.purchase_order_number,
                    "item_sequence_number": line.item_sequence_number,
                    "asin": line.asin,
                    "vendor_sku": line.vendor_sku,
                    "purchase_order_date": po.created_at.date(),
                    "purchase_order_state": po.state(as_of),
                    "ship_window_end_at": po.ship_window[1],
                    "currency_code": po.currency_code,
                    "po_unit_cost": line.net_cost,
                    "ordered_units": line.current_amount(as_of) * line.unit_size,
                    "cancelled_units": line.cancelled_amount(as_of) * line.unit_size,
                    "accepted_units": None
                    if acknowledgement is None
                    else acknowledgement.accepted * line.unit_size,
                    "rejected_units": None
                    if acknowledgement is None
                    else acknowledgement.rejected * line.unit_size,
                    "received_units": line.received_eaches(as_of)
                    if shows_receiving
                    else None,
                    "last_received_at": line.last_received_at(as_of),
                }
            )
    return rows
