"""The vendor's own ASNs and invoices, as Amazon's ShipmentConfirmation and Invoice."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from vendor_recon.simulator.catalog import quantize_money
from vendor_recon.simulator.documents import money
from vendor_recon.simulator.timeline import CASES, EACHES
from vendor_recon.simulator.timestamps import iso_seconds

INVOICE, CREDIT_NOTE = "Invoice", "CreditNote"
ORIGINAL, REPLACE = "Original", "Replace"


@dataclass(frozen=True)
class Quantity:
    """Eaches, and how the document expresses them (Cases need a whole count)."""

    eaches: int
    unit_of_measure: str = EACHES
    unit_size: int = 1

    def document(self) -> dict[str, Any]:
        if self.unit_of_measure == CASES:
            return {
                "amount": self.eaches // self.unit_size,
                "unitOfMeasure": CASES,
                "unitSize": self.unit_size,
            }
        return {"amount": self.eaches, "unitOfMeasure": EACHES, "unitSize": 1}


def eaches_of(quantity: dict[str, Any]) -> int:
    """The eaches of a model's ItemQuantity: Cases count `unitSize` each."""
    if quantity.get("unitOfMeasure") == CASES:
        return int(quantity["amount"]) * int(quantity.get("unitSize") or 1)
    return int(quantity["amount"])


def quantity_in(eaches: int, unit_size: int, prefer_cases: bool) -> Quantity:
    if prefer_cases and unit_size > 1 and eaches % unit_size == 0:
        return Quantity(eaches, CASES, unit_size)
    return Quantity(eaches)


@dataclass(frozen=True)
class ShippedItem:
    purchase_order_number: str
    # None when the vendor's EDI sent only its own product id.
    asin: str | None
    vendor_sku: str
    quantity: Quantity


@dataclass(frozen=True)
class AsnVersion:
    confirmation_type: str
    confirmed_at: datetime
    items: tuple[ShippedItem, ...]


@dataclass(frozen=True)
class Shipment:
    account_id: str
    shipment_identifier: str
    vendor_code: str
    ship_from_party_id: str
    ship_to_party_id: str
    shipped_at: datetime
    estimated_delivery_at: datetime
    versions: tuple[AsnVersion, ...]

    def document(self, version: AsnVersion) -> dict[str, Any]:
        """The `ShipmentConfirmation` the vendor sent for one version."""
        return {
            "shipmentIdentifier": self.shipment_identifier,
            "shipmentConfirmationType": version.confirmation_type,
            "shipmentType": "LessThanTruckLoad",
            "shipmentStructure": "PalletizedStandardCase",
            "shipmentConfirmationDate": iso_seconds(version.confirmed_at),
            "shippedDate": iso_seconds(self.shipped_at),
            "estimatedDeliveryDate": iso_seconds(self.estimated_delivery_at),
            "sellingParty": {"partyId": self.vendor_code},
            "shipFromParty": {"partyId": self.ship_from_party_id},
            "shipToParty": {"partyId": self.ship_to_party_id},
            "shippedItems": [
                _shipped_item(index, item)
                for index, item in enumerate(version.items, start=1)
            ],
        }


def _shipped_item(index: int, item: ShippedItem) -> dict[str, Any]:
    document: dict[str, Any] = {"itemSequenceNumber": str(index)}
    if item.asin is not None:
        document["amazonProductIdentifier"] = item.asin
    document["vendorProductIdentifier"] = item.vendor_sku
    document["shippedQuantity"] = item.quantity.document()
    document["itemDetails"] = {"purchaseOrderNumber": item.purchase_order_number}
    return document


@dataclass(frozen=True)
class InvoiceLine:
    purchase_order_number: str
    asin: str | None
    vendor_sku: str
    quantity: Quantity
    # Per each, whatever unit the quantity is written in.
    net_cost: Decimal

    def amount(self, currency_code: str) -> Decimal:
        return quantize_money(self.quantity.eaches * self.net_cost, currency_code)


@dataclass(frozen=True)
class PaymentTerms:
    net_due_days: int
    discount_percent: Decimal | None = None
    discount_due_days: int | None = None

    def document(self) -> dict[str, Any]:
        terms: dict[str, Any] = {"type": "Basic"}
        if self.discount_percent is not None:
            terms["discountPercent"] = str(self.discount_percent)
            terms["discountDueDays"] = self.discount_due_days
        terms["netDueDays"] = self.net_due_days
        return terms

    def label(self) -> str:
        """Amazon's spelling in the Finances API, e.g. `NET30` or `2/5 NET30`."""
        if self.discount_percent is None:
            return f"NET{self.net_due_days}"
        discount = f"{self.discount_percent}/{self.discount_due_days}"
        return f"{discount} NET{self.net_due_days}"


@dataclass(frozen=True)
class VendorInvoice:
    account_id: str
    invoice_number: str
    invoice_type: str
    vendor_code: str
    issued_at: datetime
    currency_code: str
    bill_to_party_id: str
    ship_to_party_id: str
    terms: PaymentTerms | None
    lines: tuple[InvoiceLine, ...]
    reference_invoice_number: str | None = None

    @property
    def sign(self) -> int:
        return -1 if self.invoice_type == CREDIT_NOTE else 1

    @property
    def total(self) -> Decimal:
        """invoiceTotal as written: positive, for credit notes too."""
        return sum((line.amount(self.currency_code) for line in self.lines), Decimal(0))

    @property
    def purchase_order_numbers(self) -> list[str]:
        return sorted({line.purchase_order_number for line in self.lines})

    def document(self) -> dict[str, Any]:
        """The `Invoice` of a submitInvoices body."""
        document: dict[str, Any] = {
            "invoiceType": self.invoice_type,
            "id": self.invoice_number,
            "date": iso_seconds(self.issued_at),
            "remitToParty": {"partyId": self.vendor_code},
            "shipToParty": {"partyId": self.ship_to_party_id},
            "billToParty": {"partyId": self.bill_to_party_id},
        }
        if self.terms is not None:
            document["paymentTerms"] = self.terms.document()
        document["invoiceTotal"] = money(self.total, self.currency_code)
        document["items"] = [
            self._item(index, line) for index, line in enumerate(self.lines, start=1)
        ]
        return document

    def _item(self, index: int, line: InvoiceLine) -> dict[str, Any]:
        item: dict[str, Any] = {"itemSequenceNumber": index}
        if line.asin is not None:
            item["amazonProductIdentifier"] = line.asin
        item["vendorProductIdentifier"] = line.vendor_sku
        item["invoicedQuantity"] = line.quantity.document()
        item["netCost"] = money(line.net_cost, self.currency_code)
        item["purchaseOrderNumber"] = line.purchase_order_number
        if self.reference_invoice_number is not None:
            item["creditNoteDetails"] = {
                "referenceInvoiceNumber": self.reference_invoice_number
            }
        return item

    def payload_sha256(self) -> str:
        text = json.dumps(self.document(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()
