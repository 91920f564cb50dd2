"""The debits and credits Amazon puts on remittances: claims, chargebacks, co-op."""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from vendor_recon.simulator.accounts import WorldAccount
from vendor_recon.simulator.catalog import quantize_money
from vendor_recon.simulator.fulfilment import ON_TIME, OrderFulfilment
from vendor_recon.simulator.matching import ALWAYS, AmazonInvoice
from vendor_recon.simulator.timeline import PurchaseOrder
from vendor_recon.simulator.vendor_documents import CREDIT_NOTE, VendorInvoice

SHORTAGE_REVERSAL_SHARE = 0.3
CHARGEBACK_SHARE = 0.5
SHORTAGE_CLAIM, SHORTAGE_REVERSAL, PRICE_CLAIM = "SC", "SCR", "PC"
CHARGEBACK, COOP, PROVISION, PROVISION_REVERSAL = "VCB", "COOP", "PROV", "PROVR"
DESCRIPTIONS = {
    SHORTAGE_CLAIM: "Shortage claim",
    SHORTAGE_REVERSAL: "Shortage claim reversal",
    PRICE_CLAIM: "Price claim",
    CHARGEBACK: "Chargeback: ASN late or missing",
    COOP: "Co-op agreement",
    PROVISION: "Provision for receivables",
    PROVISION_REVERSAL: "Provision for receivables reversal",
}


@dataclass(frozen=True)
class Deduction:
    """A debit (negative amount) or credit Amazon puts on a remittance."""

    account_id: str
    vendor_code: str
    kind: str
    number: str
    created_at: datetime
    # Signed as on the remittance: claims negative, reversals positive.
    amount: Decimal
    purchase_order_number: str | None = None

    @property
    def description(self) -> str:
        return DESCRIPTIONS[self.kind]


def deductions_for(
    rng: random.Random,
    account: WorldAccount,
    drafts: list[AmazonInvoice],
    counted: list[VendorInvoice],
    pos: Mapping[tuple[str, str], PurchaseOrder],
    fates: Mapping[str, OrderFulfilment],
    run_for: Callable[[AmazonInvoice], tuple[datetime | None, Decimal]],
) -> list[Deduction]:
    """Shortage and price claims on paid invoices, chargebacks, co-op, provisions.

    `run_for` says when Amazon pays an invoice: claims come after the payment.
    """
    currency = account.currency_code
    codes_by_number = defaultdict(set)
    for invoice in counted:
        codes_by_number[invoice.invoice_number].add(invoice.vendor_code)
    credited = {
        (i.reference_invoice_number, line.purchase_order_number, line.asin)
        for i in counted
        if i.invoice_type == CREDIT_NOTE
        for line in i.lines
    }
    claims: list[Deduction] = []
    for draft in drafts:
        invoice = draft.invoice
        run, _ = run_for(draft)
        # A number under two vendor codes is ambiguous on a remittance: never claim.
        if run is None or len(codes_by_number[invoice.invoice_number]) > 1:
            continue
        short_amount = Decimal(0)
        price_amount = Decimal(0)
        closed = []
        for item, match in zip(invoice.lines, draft.matches, strict=True):
            line = match.line
            if line is None:
                continue
            po = pos[(invoice.account_id, item.purchase_order_number)]
            short = match.matched_eaches - line.received_eaches(ALWAYS)
            key = (invoice.invoice_number, item.purchase_order_number, line.asin)
            if short > 0 and po.closed_at is not None and key not in credited:
                short_amount += quantize_money(short * match.paid_unit_cost, currency)
                closed.append(po.closed_at)
            if match.paid_unit_cost > line.net_cost:
                price_amount += quantize_money(
                    match.matched_eaches * (match.paid_unit_cost - line.net_cost),
                    currency,
                )
        if short_amount:
            created = max([run, *closed]) + _hours(rng, 24, 72)
            claims.append(
                _deduction(account, invoice, SHORTAGE_CLAIM, created, -short_amount)
            )
            if rng.random() < SHORTAGE_REVERSAL_SHARE:
                claims.append(
                    _deduction(
                        account,
                        invoice,
                        SHORTAGE_REVERSAL,
                        created + _hours(rng, 24 * 8, 24 * 20),
                        short_amount,
                    )
                )
        if price_amount:
            claims.append(
                _deduction(
                    account,
                    invoice,
                    PRICE_CLAIM,
                    run + _hours(rng, 24 * 3, 24 * 10),
                    -price_amount,
                )
            )
    _ensure_a_reversal(rng, account, claims)
    claims += _chargebacks(rng, account, pos, fates)
    claims += _coop_and_provisions(rng, account, drafts)
    claims.sort(key=lambda d: (d.created_at, d.number))
    return claims


def _deduction(
    account: WorldAccount,
    invoice: VendorInvoice,
    kind: str,
    created_at: datetime,
    amount: Decimal,
) -> Deduction:
    return Deduction(
        account.account_id,
        invoice.vendor_code,
        kind,
        invoice.invoice_number + kind,
        created_at,
        amount,
    )


def _ensure_a_reversal(
    rng: random.Random, account: WorldAccount, claims: list[Deduction]
) -> None:
    shortages = [c for c in claims if c.kind == SHORTAGE_CLAIM]
    if not shortages or any(c.kind == SHORTAGE_REVERSAL for c in claims):
        return
    claim = rng.choice(shortages)
    claims.append(
        Deduction(
            claim.account_id,
            claim.vendor_code,
            SHORTAGE_REVERSAL,
            claim.number[: -len(SHORTAGE_CLAIM)] + SHORTAGE_REVERSAL,
            claim.created_at + _hours(rng, 24 * 8, 24 * 20),
            -claim.amount,
        )
    )


def _chargebacks(
    rng: random.Random,
    account: WorldAccount,
    pos: Mapping[tuple[str, str], PurchaseOrder],
    fates: Mapping[str, OrderFulfilment],
) -> list[Deduction]:
    currency = account.currency_code
    late = [
        po
        for (account_id, number), po in sorted(pos.items())
        if account_id == account.account_id
        and po.acknowledged_at is not None
        and fates[number].asn != ON_TIME
        and any(line.receipts for line in po.lines)
    ]
    chosen = [po for po in late if rng.random() < CHARGEBACK_SHARE]
    if late and not chosen:
        chosen = [rng.choice(late)]
    minimum = Decimal(500) if currency == "JPY" else Decimal(5)
    charges = []
    for po in chosen:
        value = sum(
            (line.expected_eaches(ALWAYS) * line.net_cost for line in po.lines),
            Decimal(0),
        )
        amount = max(quantize_money(value * Decimal("0.02"), currency), minimum)
        charges.append(
            Deduction(
                account.account_id,
                po.vendor_code,
                CHARGEBACK,
                f"{rng.randrange(10**7, 10**8)}VCBSINV",
                po.ship_window[1] + _hours(rng, 24 * 4, 24 * 8),
                -amount,
                po.purchase_order_number,
            )
        )
    return charges


def _coop_and_provisions(
    rng: random.Random, account: WorldAccount, drafts: list[AmazonInvoice]
) -> list[Deduction]:
    if not drafts:
        return []
    currency = account.currency_code
    scale = Decimal(100) if currency == "JPY" else Decimal(1)
    first = min(d.created_at for d in drafts)
    found = []
    for vendor_code in account.vendor_codes:
        found.append(
            Deduction(
                account.account_id,
                vendor_code,
                COOP,
                f"{rng.randrange(1000, 10000)}-{rng.randrange(10**7, 10**8)}",
                first + _hours(rng, 24 * 2, 24 * 8),
                -quantize_money(
                    Decimal(rng.randint(15000, 90000)) / 100 * scale, currency
                ),
            )
        )
    vendor_code = account.vendor_codes[0]
    created = first + _hours(rng, 24 * 1, 24 * 5)
    amount = quantize_money(Decimal(rng.randint(20000, 80000)) / 100 * scale, currency)
    number = f"{created:%y%m%d}_PROVISION_FOR_RECEIVABLES"
    found.append(
        Deduction(account.account_id, vendor_code, PROVISION, number, created, -amount)
    )
    found.append(
        Deduction(
            account.account_id,
            vendor_code,
            PROVISION_REVERSAL,
            number + "R",
            created + _hours(rng, 24 * 7, 24 * 14),
            amount,
        )
    )
    return found


def _hours(rng: random.Random, low: int, high: int) -> timedelta:
    return timedelta(seconds=rng.randint(low * 3600, high * 3600))
