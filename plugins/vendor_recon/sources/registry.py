"""The SP-API sources the daily job reads, by name, and how each is extracted."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from vendor_recon.landing import LandingWriter
from vendor_recon.sources import (
    finance_invoices,
    purchase_order_statuses,
    purchase_orders,
)
from vendor_recon.sources.base import PullStats, SourceSpec, extract
from vendor_recon.sources.windows import Window
from vendor_recon.spapi.client import AccountApi

Extractor = Callable[[AccountApi, Window, LandingWriter], PullStats]

SOURCES: dict[str, SourceSpec] = {
    spec.name: spec for spec in (purchase_orders.SPEC, purchase_order_statuses.SPEC)
}
EXTRACTORS: dict[str, Extractor] = {
    **{name: partial(extract, spec) for name, spec in SOURCES.items()},
    finance_invoices.NAME: finance_invoices.extract,
}
