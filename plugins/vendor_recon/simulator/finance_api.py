"""getInvoiceHeaders and getInvoice of the Finances Invoices API over a world."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from vendor_recon.simulator import paging
from vendor_recon.simulator.api import ApiAnswer, ApiRequest, error_answer
from vendor_recon.simulator.timestamps import iso_seconds, parse_timestamp

if TYPE_CHECKING:
    from vendor_recon.simulator.world import World

BASE = "/finances/invoices/2026-06-25"
# (path, operationId) for the app's routing table.
ROUTES = (
    (f"{BASE}/invoices", "getInvoiceHeaders"),
    (f"{BASE}/invoices/{{invoiceIdentifier}}", "getInvoice"),
)
MAX_WINDOW = timedelta(days=90)
# The model's default page sizes; tests lower them to see paging.
HEADERS_PAGE_SIZE = 100
LINE_ITEMS_PAGE_SIZE = 600
HEADER_PARAMETERS = frozenset(
    {
        "nextToken",
        "marketplaceId",
        "fromIssueDate",
        "toIssueDate",
        "invoicesModifiedAfter",
    }
)
INVOICE_PARAMETERS = frozenset(
    {"marketplaceId", "invoiceIdentifier", "nextTokenForLineItems"}
)


class _Invalid(ValueError):
    def __init__(self, message: str, details: str = ""):
        super().__init__(message)
        self.message, self.details = message, details


def get_invoice_headers(world: World, request: ApiRequest) -> ApiAnswer:
    """Headers issued in [fromIssueDate, toIssueDate), oldest first, 100 a page."""
    params = {k: v for k, v in request.params.items() if k in HEADER_PARAMETERS and v}
    try:
        _check_marketplace(request, params)
        start, end = _issue_window(request, params)
        modified_after = _timestamp(params, "invoicesModifiedAfter")
        fingerprint = paging.filter_fingerprint(
            request.operation_id, request.account.account_id, params
        )
        offset = _offset(params.get("nextToken"), fingerprint, "nextToken")
    except _Invalid as exc:
        return error_answer(400, "InvalidInput", exc.message, exc.details)

    invoices = [
        invoice
        for invoice in world.finance_invoices_as_of(
            request.account.account_id, request.as_of
        )
        if start <= invoice.issued_at < end
        and (modified_after is None or invoice.updated_at > modified_after)
    ]
    chunk, following = paging.page(invoices, offset, HEADERS_PAGE_SIZE)
    body = {
        "invoices": [invoice.header for invoice in chunk],
        "numOfRecords": len(chunk),
    }
    if following is not None:
        body["nextToken"] = paging.encode_token(following, fingerprint)
    return ApiAnswer(200, body)


def get_invoice(world: World, request: ApiRequest) -> ApiAnswer:
    """One invoice's header and a page of its line items (600 a page)."""
    params = {k: v for k, v in request.params.items() if k in INVOICE_PARAMETERS and v}
    identifier = params.get("invoiceIdentifier", "")
    try:
        _check_marketplace(request, params)
        fingerprint = paging.filter_fingerprint(
            request.operation_id,
            request.account.account_id,
            {k: v for k, v in params.items() if k != "nextTokenForLineItems"},
        )
        offset = _offset(
            params.get("nextTokenForLineItems"), fingerprint, "nextTokenForLineItems"
        )
    except _Invalid as exc:
        return error_answer(400, "InvalidInput", exc.message, exc.details)
    for invoice in world.finance_invoices_as_of(
        request.account.account_id, request.as_of
    ):
        if invoice.header["invoiceIdentifier"] == identifier:
            items, following = paging.page(invoice.items, offset, LINE_ITEMS_PAGE_SIZE)
            body = {"invoiceHeader": invoice.header, "invoiceItems": items}
            if following is not None:
                body["nextTokenForLineItems"] = paging.encode_token(
                    following, fingerprint
                )
            return ApiAnswer(200, body)
    return error_answer(
        404,
        "NotFound",
        "The requested invoice was not found.",
        f"invoiceIdentifier {identifier}",
    )


HANDLERS = {"getInvoiceHeaders": get_invoice_headers, "getInvoice": get_invoice}


def _check_marketplace(request: ApiRequest, params: dict[str, str]) -> None:
    marketplace = params.get("marketplaceId")
    if marketplace is None:
        raise _Invalid("marketplaceId is required.")
    if marketplace != request.account.marketplace_id:
        raise _Invalid(
            "The marketplace is not one of this vendor's.",
            f"marketplaceId={marketplace}",
        )


def _issue_window(
    request: ApiRequest, params: dict[str, str]
) -> tuple[datetime, datetime]:
    start = _timestamp(params, "fromIssueDate")
    end = _timestamp(params, "toIssueDate")
    if (start is None) != (end is None):
        raise _Invalid("Give both fromIssueDate and toIssueDate, or neither.")
    if start is None or end is None:
        return request.as_of - MAX_WINDOW, request.as_of
    asked = f"fromIssueDate={iso_seconds(start)}, toIssueDate={iso_seconds(end)}"
    if end <= start:
        raise _Invalid("toIssueDate must be later than fromIssueDate.", asked)
    if end - start > MAX_WINDOW:
        raise _Invalid("The issue date range must not exceed 90 days.", asked)
    return start, end


def _timestamp(params: dict[str, str], name: str) -> datetime | None:
    text = params.get(name)
    if text is None:
        return None
    try:
        return parse_timestamp(text)
    except ValueError:
        raise _Invalid(
            f"{name} must be an ISO-8601 date-time.", f"{name}={text}"
        ) from None


def _offset(token: str | None, fingerprint: str, name: str) -> int:
    if token is None:
        return 0
    try:
        return paging.decode_token(token, fingerprint)
    except paging.BadToken as exc:
        raise _Invalid(f"Invalid {name}.", str(exc)) from None
