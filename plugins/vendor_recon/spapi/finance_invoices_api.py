"""The Finances Invoices API (2026-06-25) on python-amazon-sp-api's request path.

The library has no class for this API, so this is one in the library's own
style: endpoints declared with `sp_endpoint`, sent through `Client._request`.
"""

from __future__ import annotations

from sp_api.base import ApiResponse, Client, fill_query_params, sp_endpoint

BASE = "/finances/invoices/2026-06-25"


class FinanceInvoices(Client):
    """getInvoiceHeaders and getInvoice; the caller passes `marketplaceId`."""

    @sp_endpoint(f"{BASE}/invoices", method="GET")
    def get_invoice_headers(self, **kwargs) -> ApiResponse:
        # add_marketplace=False: the library would add MarketplaceId variants
        # this API does not document; marketplaceId is passed explicitly.
        return self._request(kwargs.pop("path"), params=kwargs, add_marketplace=False)

    @sp_endpoint(f"{BASE}/invoices/{{}}", method="GET")
    def get_invoice(self, invoiceIdentifier: str, **kwargs) -> ApiResponse:
        path = fill_query_params(kwargs.pop("path"), invoiceIdentifier)
        return self._request(path, params=kwargs, add_marketplace=False)
