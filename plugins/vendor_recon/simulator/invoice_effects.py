"""A submitted invoice as the Finances Invoices API shows it before matching."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from decimal import Decimal
from typing import Any

from vendor_recon.simulator.accounts import WorldAccount
from vendor_recon.simulator.catalog import quantize_money
from vendor_recon.simulator.finance import (
    PAYERS,
    FinanceInvoice,
    breakdown,
    currency,
    related_identifier,
)
from vendor_recon.simulator.timestamps import iso_seconds, parse_timestamp
from vendor_recon.simulator.vendor_documents import (
    CREDIT_NOTE,
    PaymentTerms,
    eaches_of,
)

Document = dict[str, Any]


def identifier_of(invoice: Document) -> str:
    """Amazon's invoiceIdentifier of an AP invoice: `number~payee code`."""
    return f"{invoice['id']}~{invoice['remitToParty']['partyId']}"


def invoice_problems(
    account: WorldAccount, invoices: list[Document], known: Collection[str]
) -> list[str]:
    """Why Amazon would reject the invoices; `known`: identifiers it holds."""
    problems = []
    seen = set(known)
    for invoice in invoices:
        identifier = identifier_of(invoice)
        payee = invoice["remitToParty"]["partyId"]
        if payee not in account.vendor_codes:
            problems.append(f"invoice {invoice['id']}: {payee} is not this vendor's")
        if identifier in seen:
            problems.append(f"invoice {invoice['id']}: the number is used already")
        seen.add(identifier)
        code = invoice["invoiceTotal"]["currencyCode"]
        if code != account.currency_code:
            problems.append(
                f"invoice {invoice['id']}: {code}, not {account.currency_code}"
            )
    return problems


def submitted_invoice(
    invoice: Document, account: WorldAccount, submitted_at: datetime
) -> FinanceInvoice:
    """Amazon's view of an invoice it has taken and not yet matched or paid.

    Matching, due dates, payments and ASN links come with Amazon's processing,
    which the simulator does not run for submitted invoices.
    """
    code = account.currency_code
    sign = -1 if invoice["invoiceType"] == CREDIT_NOTE else 1
    total = sign * Decimal(invoice["invoiceTotal"]["amount"])
    payee = invoice["remitToParty"]["partyId"]
    numbers = sorted(
        {i["purchaseOrderNumber"] for i in invoice.get("items", []) if _po(i)}
    )
    header: Document = {
        "invoiceNumber": invoice["id"],
        "invoiceIdentifier": identifier_of(invoice),
        "invoiceStatus": "IN_PROGRESS",
        "invoiceType": "AP_INVENTORY",
        "payer": {"partnerId": PAYERS[account.region], "partnerType": "AMAZON"},
        "payee": {
            "partnerId": payee,
            "partnerType": "VENDOR",
            "partnerEntities": [payee],
        },
        "issueDate": iso_seconds(parse_timestamp(invoice["date"])),
    }
    terms = _terms(invoice.get("paymentTerms"))
    if terms is not None:
        header["paymentTerms"] = terms.label()
    header["invoiceAmount"] = currency(total, code)
    header["invoiceAmountBreakdowns"] = [
        breakdown(
            "Total", total, code, [breakdown("InvoiceAmountWithoutTax", total, code)]
        )
    ]
    header["invoiceSettlementBreakdowns"] = []
    orders = [related_identifier("PURCHASE_ORDER_IDS", numbers)] if numbers else []
    header["relatedIdentifiers"] = [*orders, related_identifier("VENDOR_CODE", [payee])]
    header["creationDate"] = iso_seconds(submitted_at)
    header["lastUpdatedDate"] = iso_seconds(submitted_at)
    items = [
        _item(index, item, sign, code)
        for index, item in enumerate(invoice.get("items", []), start=1)
    ]
    return FinanceInvoice(header, items, parse_timestamp(invoice["date"]), submitted_at)


def _item(index: int, item: Document, sign: int, code: str) -> Document:
    eaches = eaches_of(item["invoicedQuantity"])
    unit_cost = Decimal(item["netCost"]["amount"])
    amount = sign * quantize_money(eaches * unit_cost, code)
    identifiers = [
        {"itemIdentifierName": name, "itemIdentifierValue": item[key]}
        for name, key in (
            ("ASIN", "amazonProductIdentifier"),
            ("EAN", "vendorProductIdentifier"),
        )
        if item.get(key)
    ]
    answer: Document = {
        "lineItemId": str(index),
        "unitCost": currency(unit_cost, code),
        "quantity": eaches,
        "totalAmount": currency(amount, code),
        "totalAmountBreakdown": [breakdown("ItemCostWithoutTax", amount, code)],
        "lineItemContext": {"lineItemType": "GOODS", "itemIdentifiers": identifiers},
    }
    if _po(item):
        answer["relatedItemIdentifiers"] = [
            related_identifier("PURCHASE_ORDER_IDS", [item["purchaseOrderNumber"]])
        ]
    return answer


def _po(item: Document) -> bool:
    return bool(item.get("purchaseOrderNumber"))


def _terms(terms: Document | None) -> PaymentTerms | None:
    if not terms or terms.get("netDueDays") is None:
        return None
    discount = terms.get("discountPercent")
    return PaymentTerms(
        int(terms["netDueDays"]),
        Decimal(discount) if discount is not None else None,
        terms.get("discountDueDays"),
    )
