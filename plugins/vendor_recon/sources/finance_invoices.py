"""Amazon's view of each vendor invoice: headers by window, then every line page.

Headers are read by issue date (windows of at most 90 days) and by
modification date (`invoicesModifiedAfter`, so a status change or a payment on
an old invoice is seen); each header is then fetched with `getInvoice` until
`nextTokenForLineItems` runs out. One raw document is one invoice with all its
line items: {"invoiceHeader": ..., "invoiceItems": [...]}.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from vendor_recon.landing import LandingWriter
from vendor_recon.sources.base import (
    MAX_PAGES,
    Pull,
    PullStats,
    call_page,
    optional_date,
)
from vendor_recon.sources.windows import Window, slices, to_iso
from vendor_recon.spapi import schemas
from vendor_recon.spapi.client import AccountApi
from vendor_recon.spapi.errors import ExtractionError, PayloadShapeError
from vendor_recon.spapi.finance_invoices_api import FinanceInvoices

log = logging.getLogger(__name__)

NAME = "finance_invoices"
MODEL = "financesInvoices_2026-06-25.json"
MAX_SPAN = timedelta(days=90)
PULLS = (
    Pull("issued", "fromIssueDate", "toIssueDate"),
    Pull("modified", "invoicesModifiedAfter", ""),
)


def extract(api: AccountApi, window: Window, writer: LandingWriter) -> PullStats:
    """Land every invoice issued or modified in `window`, with all its lines."""
    stats = PullStats()
    client = api.client(FinanceInvoices)
    marketplace = api.account.primary_marketplace_id
    for piece in slices(window, MAX_SPAN):
        after, before = piece.iso()
        _read_headers(
            api,
            client,
            PULLS[0],
            piece,
            {
                "marketplaceId": marketplace,
                "fromIssueDate": after,
                "toIssueDate": before,
            },
            writer,
            stats,
        )
        stats.slices += 1
    _read_headers(
        api,
        client,
        PULLS[1],
        window,
        {"marketplaceId": marketplace, "invoicesModifiedAfter": to_iso(window.start)},
        writer,
        stats,
    )
    stats.slices += 1
    log.info(
        "account %s, %s: read %s invoices in %s header pages (%s quarantined)",
        api.account.account_id,
        NAME,
        stats.records,
        stats.pages,
        stats.quarantined,
    )
    return stats


def _read_headers(api, client, pull, piece, params, writer, stats) -> None:
    _check_names(api, "getInvoiceHeaders", params)
    token = None
    seen: set[str] = set()
    for page in range(MAX_PAGES):
        page_params = dict(params)
        if token:
            page_params["nextToken"] = token
        headers, token = call_page(
            api,
            "getInvoiceHeaders",
            client.get_invoice_headers,
            page_params,
            page,
            lambda body: _header_page(api, body),
        )
        rows = [
            _invoice_row(api, client, index, header, piece, pull, stats)
            for index, header in enumerate(headers)
        ]
        writer.write_page(
            operation="getInvoiceHeaders+getInvoice",
            pull=pull.name,
            window=piece,
            page_number=page,
            params=page_params,
            rows=rows,
        )
        stats.pages += 1
        if not token:
            return
        if token in seen:
            break
        seen.add(token)
    raise ExtractionError(
        api.account.account_id,
        "getInvoiceHeaders",
        f"paging does not end: nextToken repeats after page {len(seen)}",
    )


def _header_page(api: AccountApi, body: dict[str, Any]) -> tuple[list, str | None]:
    headers = body.get("invoices")
    if not isinstance(headers, list):
        raise PayloadShapeError(
            api.account.account_id,
            "getInvoiceHeaders",
            "field 'invoices': missing or not a list (an empty answer is not "
            "an empty result)",
        )
    return headers, body.get("nextToken") or None


def _invoice_row(api, client, index, header, piece, pull, stats) -> dict[str, Any]:
    problems = schemas.record_problems(MODEL, "InvoiceHeader", header)
    identifier = header.get("invoiceIdentifier") if isinstance(header, dict) else None
    items: list[Any] = []
    if identifier and not problems:
        items = _all_line_items(api, client, identifier)
        for number, item in enumerate(items):
            problems += [
                f"invoiceItems.{number}.{problem}"
                for problem in schemas.record_problems(MODEL, "InvoiceItem", item)
            ]
    updated = optional_date(header.get("lastUpdatedDate")) if not problems else None
    issued = optional_date(header.get("issueDate")) if not problems else None
    # Only the issue-date pull has a date of the invoice's own to judge by.
    outside = None
    if pull.name == "issued" and issued is not None:
        outside = not piece.contains(issued)
        stats.out_of_window += outside
    if problems:
        stats.quarantined += 1
        log.warning(
            "getInvoice %s quarantined: %s", identifier, "; ".join(problems[:3])
        )
    stats.records += 1
    return {
        "record_number": index,
        "document_key": identifier,
        "document_updated_at": updated,
        "record": {"invoiceHeader": header, "invoiceItems": items},
        "quarantine_reason": "; ".join(problems) or None,
        "is_outside_window": outside,
    }


def _all_line_items(api, client, identifier: str) -> list[Any]:
    params = {"marketplaceId": api.account.primary_marketplace_id}
    items: list[Any] = []
    token = None
    for _ in range(MAX_PAGES):
        page_params = dict(params)
        if token:
            page_params["nextTokenForLineItems"] = token
        body, _ = api.call(
            "getInvoice",
            lambda **kw: client.get_invoice(identifier, **kw),
            page_params,
        )
        page_items = body.get("invoiceItems")
        if not isinstance(body.get("invoiceHeader"), dict) or not isinstance(
            page_items, list
        ):
            raise PayloadShapeError(
                api.account.account_id,
                "getInvoice",
                f"invoice {identifier}: fields 'invoiceHeader' and 'invoiceItems' "
                "must be present",
            )
        items.extend(page_items)
        token = body.get("nextTokenForLineItems")
        if not token:
            return items
    raise ExtractionError(
        api.account.account_id, "getInvoice", f"invoice {identifier}: paging never ends"
    )


def _check_names(api: AccountApi, operation: str, params: dict) -> None:
    unknown = sorted(set(params) - schemas.operation_parameters(operation))
    if unknown:
        raise ExtractionError(
            api.account.account_id,
            operation,
            f"parameter(s) {', '.join(unknown)} not in Amazon's model",
        )
