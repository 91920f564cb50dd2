"""PO statuses (acknowledgements, cancellations, receipts) by updated window.

Read by `updatedAfter`/`updatedBefore`, never by created window: a receipt
weeks after the order only shows up as an update.
"""

from __future__ import annotations

from sp_api.api import VendorOrders

from vendor_recon.sources.base import Pull, SourceSpec, optional_date

SPEC = SourceSpec(
    name="purchase_order_statuses",
    operation="getPurchaseOrdersStatus",
    api_class=VendorOrders,
    method_name="get_purchase_orders_status",
    list_key="ordersStatus",
    record_definition="OrderStatus",
    model_file="vendorOrders.json",
    pulls=(Pull("updated", "updatedAfter", "updatedBefore"),),
    document_key=lambda status: status.get("purchaseOrderNumber"),
    document_updated_at=lambda s: (
        optional_date(s.get("lastUpdatedDate"))
        or optional_date(s.get("purchaseOrderDate"))
    ),
    pull_dates={"updated": lambda s: optional_date(s.get("lastUpdatedDate"))},
    fixed_params={"sortOrder": "ASC"},
)
