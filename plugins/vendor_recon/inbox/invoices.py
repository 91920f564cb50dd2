"""Invoice files: the body of submitInvoices, each `Invoice` per Amazon's model."""

from __future__ import annotations

from typing import Any

from vendor_recon.inbox.json_documents import read_documents

OPERATION = "file:invoices"


def read(data: bytes, **_context: Any) -> list[dict[str, Any]]:
    """`{"invoices": [Invoice, ...]}` -> one row per invoice, keyed by `id`."""
    return read_documents(
        data,
        list_key="invoices",
        operation="submitInvoices",
        definition="Invoice",
        key_field="id",
        date_field="date",
    )
