"""The SP-API sources the daily job reads, by name."""

from __future__ import annotations

from vendor_recon.sources import purchase_order_statuses, purchase_orders
from vendor_recon.sources.base import SourceSpec

SOURCES: dict[str, SourceSpec] = {
    spec.name: spec for spec in (purchase_orders.SPEC, purchase_order_statuses.SPEC)
}
