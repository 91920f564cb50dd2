"""Amazon's payments: invoices and deductions grouped into remittances."""

from __future__ import annotations

import logging
import random
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal

from vendor_recon.simulator.accounts import WorldAccount
from vendor_recon.simulator.deductions import Deduction, deductions_for
from vendor_recon.simulator.fulfilment import OrderFulfilment
from vendor_recon.simulator.matching import (
    AmazonInvoice,
    counted_invoices,
    ensure_a_rejection,
    process,
    replace_invoice,
    run_for,
)
from vendor_recon.simulator.timeline import PurchaseOrder
from vendor_recon.simulator.vendor_documents import CREDIT_NOTE, VendorInvoice

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RemittanceLine:
    invoice_number: str
    invoice_date: date
    description: str
    invoice_amount: Decimal
    amount_paid: Decimal
    discount_taken: Decimal

    @property
    def amount_remaining(self) -> Decimal:
        return self.invoice_amount - self.amount_paid - self.discount_taken


@dataclass(frozen=True)
class Payment:
    account_id: str
    vendor_code: str
    payment_number: str
    paid_at: datetime
    currency_code: str
    file_format: str
    lines: tuple[RemittanceLine, ...]

    @property
    def total(self) -> Decimal:
        return sum((line.amount_paid for line in self.lines), Decimal(0))


@dataclass(frozen=True)
class Settlement:
    amazon_invoices: tuple[AmazonInvoice, ...]
    deductions: tuple[Deduction, ...]
    payments: tuple[Payment, ...]
    # (account, kind, number) -> (payment number, paid at) of settled deductions.
    deducted: Mapping[tuple[str, str], tuple[str, datetime]]


def settle(
    seed: int,
    accounts: Sequence[WorldAccount],
    purchase_orders: Sequence[PurchaseOrder],
    fates: Mapping[str, OrderFulfilment],
    invoices: Sequence[VendorInvoice],
) -> Settlement:
    """Amazon's invoices, deductions and payments for every account."""
    pos = {(po.account_id, po.purchase_order_number): po for po in purchase_orders}
    amazon_invoices: list[AmazonInvoice] = []
    deductions: list[Deduction] = []
    payments: list[Payment] = []
    deducted: dict[tuple[str, str], tuple[str, datetime]] = {}
    for account in accounts:
        rng = random.Random(f"{seed}:{account.account_id}:settlement")
        counted = [
            i for i in counted_invoices(invoices) if i.account_id == account.account_id
        ]
        counted.sort(key=lambda i: (i.issued_at, i.vendor_code, i.invoice_number))
        drafts = [process(rng, invoice, pos) for invoice in counted]
        ensure_a_rejection(rng, drafts)
        found = deductions_for(rng, account, drafts, counted, pos, fates, run_for)
        paid, account_payments, settled = _pay(rng, account, drafts, found)
        amazon_invoices += paid
        deductions += found
        payments += account_payments
        deducted.update(settled)
    payments.sort(key=lambda p: (p.paid_at, p.account_id, p.payment_number))
    log.info(
        "settled %s invoices with %s payments and %s deductions",
        len(amazon_invoices),
        len(payments),
        len(deductions),
    )
    return Settlement(
        tuple(amazon_invoices), tuple(deductions), tuple(payments), deducted
    )


def _pay(
    rng: random.Random,
    account: WorldAccount,
    drafts: list[AmazonInvoice],
    claims: list[Deduction],
) -> tuple[
    list[AmazonInvoice], list[Payment], dict[tuple[str, str], tuple[str, datetime]]
]:
    """Group what is due into daily payment runs per vendor code."""
    numbers: set[str] = set()
    scheduled: dict[int, tuple[datetime, Decimal]] = {}
    for index, draft in enumerate(drafts):
        run, discount = run_for(draft)
        if run is not None:
            scheduled[index] = (run, discount)
    credit_notes = [
        (draft.created_at, index)
        for index, draft in enumerate(drafts)
        if draft.invoice.invoice_type == CREDIT_NOTE and draft.rejected_at is None
    ]

    paid = list(drafts)
    payments: list[Payment] = []
    settled: dict[tuple[str, str], tuple[str, datetime]] = {}
    for vendor_code in account.vendor_codes:
        runs: dict[datetime, list[int]] = defaultdict(list)
        for index, (run, _) in scheduled.items():
            if drafts[index].invoice.vendor_code == vendor_code:
                runs[run].append(index)
        # Credits and debits wait, in the order they arose, for a run they fit in.
        pending: list[tuple[datetime, object]] = sorted(
            [(c.created_at, c) for c in claims if c.vendor_code == vendor_code]
            + [
                (at, index)
                for at, index in credit_notes
                if drafts[index].invoice.vendor_code == vendor_code
            ],
            key=lambda pair: (pair[0], _pending_key(pair[1], drafts)),
        )
        for run in sorted(runs):
            number = _payment_number(rng, numbers)
            lines = []
            for index in sorted(
                runs[run], key=lambda i: drafts[i].invoice.invoice_number
            ):
                discount = scheduled[index][1]
                paid[index] = replace_invoice(
                    drafts[index],
                    discount=discount,
                    payment_number=number,
                    paid_at=run,
                )
                lines.append(_invoice_line(paid[index]))
            total = sum((line.amount_paid for line in lines), Decimal(0))
            while pending and pending[0][0] <= run:
                _, item = pending[0]
                if isinstance(item, Deduction):
                    line = _deduction_line(item)
                else:
                    paid[item] = replace_invoice(
                        drafts[item], payment_number=number, paid_at=run
                    )
                    line = _invoice_line(paid[item])
                if total + line.amount_paid <= 0:
                    if not isinstance(item, Deduction):
                        paid[item] = drafts[item]
                    break
                pending.pop(0)
                total += line.amount_paid
                lines.append(line)
                if isinstance(item, Deduction):
                    settled[(item.account_id, item.number)] = (number, run)
            payments.append(
                Payment(
                    account.account_id,
                    vendor_code,
                    number,
                    run,
                    account.currency_code,
                    "",
                    tuple(lines),
                )
            )
    payments.sort(key=lambda p: (p.paid_at, p.vendor_code))
    # Each account's first payment comes as CSV, its second as X12 820.
    for index, payment in enumerate(payments):
        file_format = (
            ("csv", "x12_820")[index] if index < 2 else rng.choice(("csv", "x12_820"))
        )
        payments[index] = _replace_payment(payment, file_format)
    return paid, payments, settled


def _pending_key(item: object, drafts: list[AmazonInvoice]) -> str:
    if isinstance(item, Deduction):
        return item.number
    return drafts[item].invoice.invoice_number  # type: ignore[index]


def _replace_payment(payment: Payment, file_format: str) -> Payment:
    return replace(payment, file_format=file_format)


def _payment_number(rng: random.Random, used: set[str]) -> str:
    while True:
        number = str(rng.randrange(10**9, 10**10))
        if number not in used:
            used.add(number)
            return number


def _invoice_line(invoice: AmazonInvoice) -> RemittanceLine:
    vendor_invoice = invoice.invoice
    sign = vendor_invoice.sign
    return RemittanceLine(
        invoice_number=vendor_invoice.invoice_number,
        invoice_date=vendor_invoice.issued_at.date(),
        description="Credit note" if sign < 0 else "Invoice payment",
        invoice_amount=sign * vendor_invoice.total,
        amount_paid=sign * invoice.amount_paid,
        discount_taken=invoice.discount,
    )


def _deduction_line(deduction: Deduction) -> RemittanceLine:
    return RemittanceLine(
        invoice_number=deduction.number,
        invoice_date=deduction.created_at.date(),
        description=deduction.description,
        invoice_amount=deduction.amount,
        amount_paid=deduction.amount,
        discount_taken=Decimal(0),
    )
