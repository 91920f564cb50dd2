"""The SP-API sources the daily job reads, by name, and how each is extracted."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from vendor_recon.landing import LandingWriter
from vendor_recon.sources import (
    finance_invoices,
    purchase_order_statuses,
    purchase_orders,
    vendor_reports,
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
    vendor_reports.NAME: vendor_reports.extract,
}
ALWAYS = ("purchase_orders", "purchase_order_statuses", finance_invoices.NAME)


def sources_for(account) -> tuple[str, ...]:
    """Every account reads orders, statuses and invoices; vendor reports need a
    role of their own and are read where the account lists `options.reports`."""
    if account.options.get("reports") is not None:
        return (*ALWAYS, vendor_reports.NAME)
    return ALWAYS
