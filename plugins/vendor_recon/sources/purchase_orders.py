"""Purchase orders, read by created window and by changed window, then merged.

A pull by changed date alone misses orders that never change, and a pull by
created date alone misses later changes; the loader deduplicates the overlap.
"""

from __future__ import annotations

from typing import Any

from sp_api.api import VendorOrders

from vendor_recon.sources.base import Pull, SourceSpec, optional_date


def _details(order: dict[str, Any]) -> dict[str, Any]:
    return order.get("orderDetails") or {}


def _updated_at(order: dict[str, Any]):
    details = _details(order)
    dates = [
        optional_date(details.get(name))
        for name in (
            "purchaseOrderDate",
            "purchaseOrderChangedDate",
            "purchaseOrderStateChangedDate",
        )
    ]
    present = [value for value in dates if value is not None]
    return max(present) if present else None


SPEC = SourceSpec(
    name="purchase_orders",
    operation="getPurchaseOrders",
    api_class=VendorOrders,
    method_name="get_purchase_orders",
    list_key="orders",
    record_definition="Order",
    model_file="vendorOrders.json",
    pulls=(
        Pull("created", "createdAfter", "createdBefore"),
        Pull("changed", "changedAfter", "changedBefore"),
    ),
    document_key=lambda order: order.get("purchaseOrderNumber"),
    document_updated_at=_updated_at,
    pull_dates={
        "created": lambda o: optional_date(_details(o).get("purchaseOrderDate")),
        "changed": lambda o: optional_date(_details(o).get("purchaseOrderChangedDate")),
    },
    fixed_params={"includeDetails": "true", "sortOrder": "ASC"},
)
