"""How Amazon matches a counted invoice to its POs, and when it would pay it."""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from vendor_recon.simulator.catalog import quantize_money
from vendor_recon.simulator.timeline import PurchaseOrder, PurchaseOrderLine
from vendor_recon.simulator.vendor_documents import (
    CREDIT_NOTE,
    InvoiceLine,
    VendorInvoice,
)

ALWAYS = datetime.max.replace(tzinfo=UTC)
DEFAULT_NET_DUE_DAYS = 60
# Amazon's payment run: daily, early morning UTC.
PAYMENT_RUN = time(6, 0)
REJECTED_SHARE = 0.03
PRICE_CLAIM_SHARE = 0.5


@dataclass(frozen=True)
class ItemMatch:
    """How Amazon matched one invoice line to its PO line (None: no PO line)."""

    line: PurchaseOrderLine | None
    matched_eaches: int
    paid_unit_cost: Decimal
    matched_amount: Decimal
    quantity_variance_amount: Decimal
    price_variance_amount: Decimal


@dataclass(frozen=True)
class AmazonInvoice:
    """A counted vendor invoice as Amazon processes it."""

    invoice: VendorInvoice
    created_at: datetime
    due_date: date
    rejected_at: datetime | None
    matches: tuple[ItemMatch, ...]
    amount_due: Decimal
    discount: Decimal
    payment_number: str | None = None
    paid_at: datetime | None = None

    @property
    def amount_paid(self) -> Decimal:
        return self.amount_due - self.discount


def counted_invoices(invoices: Iterable[VendorInvoice]) -> list[VendorInvoice]:
    """The earliest invoice per (account, vendor code, number); the rest are dupes."""
    best: dict[tuple[str, str, str], VendorInvoice] = {}
    for invoice in invoices:
        key = (invoice.account_id, invoice.vendor_code, invoice.invoice_number)
        held = best.get(key)
        if held is None or (invoice.issued_at, invoice.payload_sha256()) < (
            held.issued_at,
            held.payload_sha256(),
        ):
            best[key] = invoice
    return list(best.values())


def line_for(po: PurchaseOrder | None, item: InvoiceLine) -> PurchaseOrderLine | None:
    """The PO line an item names by ASIN, else by vendor SKU."""
    if po is None:
        return None
    for line in po.lines:
        if (item.asin is not None and item.asin == line.asin) or (
            item.asin is None and item.vendor_sku == line.vendor_sku
        ):
            return line
    return None


def process(
    rng: random.Random,
    invoice: VendorInvoice,
    pos: Mapping[tuple[str, str], PurchaseOrder],
) -> AmazonInvoice:
    currency = invoice.currency_code
    matches = []
    for item in invoice.lines:
        po = pos.get((invoice.account_id, item.purchase_order_number))
        line = line_for(po, item)
        billed = item.amount(currency)
        if invoice.invoice_type == CREDIT_NOTE:
            matches.append(
                ItemMatch(line, item.quantity.eaches, item.net_cost, billed, *_zero(2))
            )
            continue
        if line is None:
            matches.append(
                ItemMatch(None, 0, item.net_cost, Decimal(0), billed, Decimal(0))
            )
            continue
        matched = min(item.quantity.eaches, line.expected_eaches(ALWAYS))
        paid_cost = item.net_cost
        price_variance = Decimal(0)
        if item.net_cost > line.net_cost and rng.random() >= PRICE_CLAIM_SHARE:
            # Short-paid at the PO cost now; otherwise paid in full, claimed later.
            paid_cost = line.net_cost
            price_variance = quantize_money(
                matched * (item.net_cost - line.net_cost), currency
            )
        matches.append(
            ItemMatch(
                line,
                matched,
                paid_cost,
                quantize_money(matched * paid_cost, currency),
                quantize_money(
                    (item.quantity.eaches - matched) * item.net_cost, currency
                ),
                price_variance,
            )
        )
    amount_due = sum((m.matched_amount for m in matches), Decimal(0))
    terms = invoice.terms
    net_days = terms.net_due_days if terms is not None else DEFAULT_NET_DUE_DAYS
    created_at = invoice.issued_at + timedelta(hours=1)
    rejected_at = None
    if invoice.invoice_type != CREDIT_NOTE and rng.random() < REJECTED_SHARE:
        rejected_at = created_at + timedelta(hours=rng.randint(6, 30))
    return AmazonInvoice(
        invoice=invoice,
        created_at=created_at,
        due_date=invoice.issued_at.date() + timedelta(days=net_days),
        rejected_at=rejected_at,
        matches=tuple(matches),
        amount_due=amount_due,
        discount=Decimal(0),
    )


def _zero(count: int) -> list[Decimal]:
    return [Decimal(0)] * count


def ensure_a_rejection(rng: random.Random, drafts: list[AmazonInvoice]) -> None:
    if any(d.rejected_at for d in drafts):
        return
    candidates = [
        i for i, d in enumerate(drafts) if d.invoice.invoice_type != CREDIT_NOTE
    ]
    if candidates:
        index = rng.choice(candidates)
        draft = drafts[index]
        drafts[index] = replace_invoice(
            draft, rejected_at=draft.created_at + timedelta(hours=rng.randint(6, 30))
        )


def replace_invoice(invoice: AmazonInvoice, **changes: object) -> AmazonInvoice:
    return replace(invoice, **changes)  # type: ignore[arg-type]


def _first_run(at: datetime) -> datetime:
    """Amazon's first daily payment run at or after `at`."""
    run = datetime.combine(at.date(), PAYMENT_RUN, tzinfo=UTC)
    return run if run >= at else run + timedelta(days=1)


def run_for(invoice: AmazonInvoice) -> tuple[datetime | None, Decimal]:
    """When Amazon pays an invoice and the discount it takes, or (None, 0)."""
    vendor_invoice = invoice.invoice
    if invoice.rejected_at is not None or vendor_invoice.invoice_type == CREDIT_NOTE:
        return None, Decimal(0)
    receipts = [
        r.at
        for match in invoice.matches
        if match.line is not None
        for r in match.line.receipts
    ]
    if not receipts:
        # Amazon pays only for goods it has counted in.
        return None, Decimal(0)
    arrived = min(receipts)
    issued = vendor_invoice.issued_at
    terms = vendor_invoice.terms
    if terms is not None and terms.discount_percent is not None:
        discount_by = issued.date() + timedelta(days=terms.discount_due_days or 0)
        run = _first_run(max(arrived, _at_run_time(discount_by)))
        if run.date() <= discount_by:
            discount = quantize_money(
                invoice.amount_due * terms.discount_percent / 100,
                vendor_invoice.currency_code,
            )
            return run, discount
    return _first_run(max(arrived, _at_run_time(invoice.due_date))), Decimal(0)


def _at_run_time(day: date) -> datetime:
    return datetime.combine(day, PAYMENT_RUN, tzinfo=UTC)
