"""Amazon's invoice view (Finances Invoices API 2026-06-25) of a world at a clock."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time
from decimal import Decimal
from typing import Any

from vendor_recon.simulator.accounts import WorldAccount
from vendor_recon.simulator.catalog import quantize_money
from vendor_recon.simulator.deductions import CHARGEBACK, COOP, Deduction
from vendor_recon.simulator.matching import AmazonInvoice, ItemMatch
from vendor_recon.simulator.settlement import Settlement
from vendor_recon.simulator.timestamps import iso_seconds
from vendor_recon.simulator.vendor_documents import CREDIT_NOTE, InvoiceLine

AR_KINDS = (CHARGEBACK, COOP)
PAYERS = {"NA": "AMAZON_US", "EU": "AMAZON_EU", "FE": "AMAZON_JP"}


@dataclass(frozen=True)
class FinanceInvoice:
    """One invoice of Amazon's view: header and every line item, as of a clock."""

    header: dict[str, Any]
    items: list[dict[str, Any]]
    issued_at: datetime
    updated_at: datetime


def finance_invoices(
    settlement: Settlement,
    account: WorldAccount,
    shipment_ids: Mapping[tuple[str, str], str],
    as_of: datetime,
) -> list[FinanceInvoice]:
    """Every invoice Amazon shows the account at `as_of`, by issue date.

    `shipment_ids` maps (PO number, vendor SKU) to the ASN that shipped it.
    """
    region = account.region
    found = [
        _ap_invoice(invoice, region, shipment_ids, as_of)
        for invoice in settlement.amazon_invoices
        if invoice.invoice.account_id == account.account_id
        and invoice.created_at <= as_of
    ]
    found += [
        _ar_invoice(deduction, account, settlement.deducted, as_of)
        for deduction in settlement.deductions
        if deduction.account_id == account.account_id
        and deduction.kind in AR_KINDS
        and deduction.created_at <= as_of
    ]
    found.sort(key=lambda f: (f.issued_at, f.header["invoiceIdentifier"]))
    return found


def currency(amount: Decimal, currency_code: str) -> dict[str, Any]:
    """A `Currency`: the amount stays a Decimal, written as a JSON number."""
    return {
        "currencyCode": currency_code,
        "currencyAmount": quantize_money(amount, currency_code),
    }


def status_of(invoice: AmazonInvoice, as_of: datetime) -> str:
    if invoice.rejected_at is not None and invoice.rejected_at <= as_of:
        return "REJECTED"
    if invoice.paid_at is None or invoice.paid_at > as_of:
        return "IN_PROGRESS"
    vendor_invoice = invoice.invoice
    paid_in_full = invoice.amount_due == vendor_invoice.total
    return "PAID" if paid_in_full else "PARTIALLY_PAID"


def remaining_of(invoice: AmazonInvoice, as_of: datetime) -> Decimal:
    """What Amazon still owes on the invoice (its total, until it pays)."""
    total = invoice.invoice.total
    if status_of(invoice, as_of) in ("PAID", "PARTIALLY_PAID"):
        return total - invoice.amount_paid - invoice.discount
    return total


def _ap_invoice(
    invoice: AmazonInvoice,
    region: str,
    shipment_ids: Mapping[tuple[str, str], str],
    as_of: datetime,
) -> FinanceInvoice:
    vendor_invoice = invoice.invoice
    code = vendor_invoice.currency_code
    sign = vendor_invoice.sign
    status = status_of(invoice, as_of)
    paid = status in ("PAID", "PARTIALLY_PAID")
    events = [invoice.created_at]
    if invoice.rejected_at is not None and invoice.rejected_at <= as_of:
        events.append(invoice.rejected_at)
    if paid:
        events.append(invoice.paid_at)  # type: ignore[arg-type]

    total = sign * vendor_invoice.total
    quantity_variance = sum(
        (m.quantity_variance_amount for m in invoice.matches), Decimal(0)
    )
    price_variance = sum((m.price_variance_amount for m in invoice.matches), Decimal(0))
    settlements = []
    if paid:
        settlements.append(breakdown("AmountPaid", sign * invoice.amount_paid, code))
        if invoice.discount:
            settlements.append(breakdown("QuickPayDiscount", -invoice.discount, code))
    elif status == "IN_PROGRESS":
        settlements.append(
            breakdown("QueuedForPayment", sign * invoice.amount_due, code)
        )
    if status != "REJECTED":
        if quantity_variance:
            settlements.append(
                breakdown("QuantityVarianceAmount", -quantity_variance, code)
            )
        if price_variance:
            settlements.append(breakdown("PriceVariance", -price_variance, code))

    related = [
        related_identifier("PURCHASE_ORDER_IDS", vendor_invoice.purchase_order_numbers),
        related_identifier("VENDOR_CODE", [vendor_invoice.vendor_code]),
    ]
    if paid:
        related.append(
            related_identifier("UNIQUE_PAYMENT_IDS", [invoice.payment_number])
        )
    header: dict[str, Any] = {
        "invoiceNumber": vendor_invoice.invoice_number,
        "invoiceIdentifier": (
            f"{vendor_invoice.invoice_number}~{vendor_invoice.vendor_code}"
        ),
        "invoiceStatus": status,
        "invoiceType": "AP_INVENTORY",
        "payer": {"partnerId": PAYERS[region], "partnerType": "AMAZON"},
        "payee": {
            "partnerId": vendor_invoice.vendor_code,
            "partnerType": "VENDOR",
            "partnerEntities": [vendor_invoice.vendor_code],
        },
        "issueDate": iso_seconds(vendor_invoice.issued_at),
    }
    if vendor_invoice.invoice_type != CREDIT_NOTE:
        header["dueDate"] = iso_seconds(
            datetime.combine(invoice.due_date, time(0), tzinfo=UTC)
        )
    if vendor_invoice.terms is not None:
        header["paymentTerms"] = vendor_invoice.terms.label()
    header["invoiceAmount"] = currency(total, code)
    header["invoiceAmountBreakdowns"] = [
        breakdown(
            "Total", total, code, [breakdown("InvoiceAmountWithoutTax", total, code)]
        )
    ]
    header["invoiceSettlementBreakdowns"] = settlements
    header["relatedIdentifiers"] = related
    header["creationDate"] = iso_seconds(invoice.created_at)
    header["lastUpdatedDate"] = iso_seconds(max(events))

    items = [
        _ap_item(index, line, match, sign, code, paid, status, shipment_ids)
        for index, (line, match) in enumerate(
            zip(vendor_invoice.lines, invoice.matches, strict=True), start=1
        )
    ]
    return FinanceInvoice(header, items, vendor_invoice.issued_at, max(events))


def _ap_item(
    index: int,
    line: InvoiceLine,
    match: ItemMatch,
    sign: int,
    code: str,
    paid: bool,
    status: str,
    shipment_ids: Mapping[tuple[str, str], str],
) -> dict[str, Any]:
    amount = sign * line.amount(code)
    # Amazon knows the ASIN of a PO line even when the vendor sent only its SKU.
    asin = match.line.asin if match.line is not None else line.asin
    identifiers = []
    if asin is not None:
        identifiers.append({"itemIdentifierName": "ASIN", "itemIdentifierValue": asin})
    identifiers.append(
        {"itemIdentifierName": "EAN", "itemIdentifierValue": line.vendor_sku}
    )
    rejected = status == "REJECTED"
    matched = 0 if rejected else match.matched_eaches
    matching: dict[str, Any] = {
        "matchedQuantity": matched,
        "matchedAmount": currency(
            Decimal(0) if rejected else sign * match.matched_amount, code
        ),
        "quantityVariance": line.quantity.eaches - matched,
        "priceVariance": currency(match.price_variance_amount, code),
    }
    if paid:
        matching["paidQuantity"] = match.matched_eaches
        matching["paidAmount"] = currency(sign * match.matched_amount, code)
    reasons = []
    if not rejected and line.quantity.eaches > match.matched_eaches:
        defect = "UNRECOGNISED_ASIN" if match.line is None else "OVERBILLING"
        reasons.append({"varianceType": "PQV", "defectTypes": [defect]})
    if match.price_variance_amount:
        reasons.append({"varianceType": "PPV", "defectTypes": ["OTHER"]})
    if reasons:
        matching["varianceReasons"] = reasons
    related = [related_identifier("PURCHASE_ORDER_IDS", [line.purchase_order_number])]
    shipment = shipment_ids.get((line.purchase_order_number, line.vendor_sku))
    if shipment is not None:
        related.append(related_identifier("ASN_IDS", [shipment]))
    return {
        "lineItemId": str(index),
        "unitCost": currency(line.net_cost, code),
        "quantity": line.quantity.eaches,
        "totalAmount": currency(amount, code),
        "totalAmountBreakdown": [breakdown("ItemCostWithoutTax", amount, code)],
        "lineItemContext": {
            "lineItemType": "GOODS",
            "itemIdentifiers": identifiers,
            "matchingContext": matching,
        },
        "relatedItemIdentifiers": related,
    }


def _ar_invoice(
    deduction: Deduction,
    account: WorldAccount,
    deducted: Mapping[tuple[str, str], tuple[str, datetime]],
    as_of: datetime,
) -> FinanceInvoice:
    """A debit note Amazon raises on the vendor: a chargeback or a co-op invoice."""
    code, region = account.currency_code, account.region
    amount = -deduction.amount
    settled = deducted.get((deduction.account_id, deduction.number))
    done = settled is not None and settled[1] <= as_of
    events = [deduction.created_at]
    if settled is not None and done:
        events.append(settled[1])
    related = [related_identifier("VENDOR_CODE", [deduction.vendor_code])]
    if deduction.purchase_order_number is not None:
        related.append(
            related_identifier("PURCHASE_ORDER_IDS", [deduction.purchase_order_number])
        )
    if deduction.kind == COOP:
        related.append(related_identifier("AGREEMENT_IDS", [deduction.number]))
    if settled is not None and done:
        related.append(related_identifier("UNIQUE_PAYMENT_IDS", [settled[0]]))
    header = {
        "invoiceNumber": deduction.number,
        "invoiceIdentifier": deduction.number,
        "invoiceStatus": "DEDUCTED" if done else "IN_PROGRESS",
        "invoiceType": "OTHER",
        "payer": {
            "partnerId": deduction.vendor_code,
            "partnerType": "VENDOR",
            "partnerEntities": [deduction.vendor_code],
        },
        "payee": {"partnerId": PAYERS[region], "partnerType": "AMAZON"},
        "issueDate": iso_seconds(deduction.created_at),
        "invoiceAmount": currency(amount, code),
        "invoiceAmountBreakdowns": [breakdown("Total", amount, code)],
        "invoiceSettlementBreakdowns": [],
        "relatedIdentifiers": related,
        "creationDate": iso_seconds(deduction.created_at),
        "lastUpdatedDate": iso_seconds(max(events)),
    }
    item = {
        "lineItemId": "1",
        "quantity": 1,
        "unitCost": currency(amount, code),
        "totalAmount": currency(amount, code),
        "lineItemContext": {
            "lineItemType": "SERVICES",
            "itemDescription": deduction.description,
            "serviceChargeType": "OTHER",
        },
    }
    return FinanceInvoice(header, [item], deduction.created_at, max(events))


def breakdown(
    kind: str,
    amount: Decimal,
    code: str,
    breakdowns: Iterable[dict[str, Any]] = (),
) -> dict[str, Any]:
    return {
        "breakdownType": kind,
        "breakdownAmount": currency(amount, code),
        "breakdowns": list(breakdowns),
    }


def related_identifier(name: str, values: list[Any]) -> dict[str, Any]:
    return {"relatedIdentifierName": name, "relatedIdentifierValue": list(values)}
