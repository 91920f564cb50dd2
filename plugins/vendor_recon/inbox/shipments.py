"""ASN files: the body of submitShipmentConfirmations, per Amazon's model."""

from __future__ import annotations

from typing import Any

from vendor_recon.inbox.json_documents import read_documents

OPERATION = "file:shipments"


def read(data: bytes, **_context: Any) -> list[dict[str, Any]]:
    """`{"shipmentConfirmations": [...]}` -> one row per confirmation.

    An `Original` and its `Replace` share the `shipmentIdentifier`; both land,
    as two versions of the document, and the marts pick the one that counts.
    """
    return read_documents(
        data,
        list_key="shipmentConfirmations",
        operation="submitShipmentConfirmations",
        definition="ShipmentConfirmation",
        key_field="shipmentIdentifier",
        date_field="shipmentConfirmationDate",
    )
