"""Seeded ASNs and invoices the vendor sends for generated POs, with their mistakes."""

from __future__ import annotations

import logging
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import Decimal

from vendor_recon.simulator.accounts import WorldAccount
from vendor_recon.simulator.catalog import Product, quantize_money
from vendor_recon.simulator.fulfilment import (
    ON_TIME,
    OrderFulfilment,
)
from vendor_recon.simulator.shipping import shipment_for, shipped_at_for, shipped_lines
from vendor_recon.simulator.timeline import CASES, PurchaseOrder, PurchaseOrderLine
from vendor_recon.simulator.vendor_documents import (
    CREDIT_NOTE,
    INVOICE,
    InvoiceLine,
    PaymentTerms,
    Quantity,
    Shipment,
    VendorInvoice,
    quantity_in,
)

log = logging.getLogger(__name__)

# The vendor's ERP sends the day's invoices in one run at this UTC hour.
INVOICE_RUN = time(20, 0)
# Quick-pay and short terms are common enough that a fortnight sees payments.
TERMS_WEIGHTS = (
    (PaymentTerms(30, Decimal("2"), 3), 0.3),
    (PaymentTerms(7), 0.25),
    (PaymentTerms(14), 0.15),
    (PaymentTerms(30), 0.15),
    (None, 0.15),
)
INVOICE_SKU_ONLY_SHARE = 0.1
PRICE_VARIANCE_SHARE = 0.08
CANCELLED_UNITS_SHARE = 0.4
UNKNOWN_ITEM_SHARE = 0.03


@dataclass(frozen=True)
class Paperwork:
    shipments: tuple[Shipment, ...]
    invoices: tuple[VendorInvoice, ...]


@dataclass
class _Draft:
    po: PurchaseOrder
    shipped_at: datetime
    issued_at: datetime
    lines: list[tuple[PurchaseOrderLine, int]]
    terms: PaymentTerms | None
    sku_only: bool
    price_variance: bool = False
    cancelled_units: bool = False
    unknown_item: bool = False
    number: str = ""
    extra: list[InvoiceLine] = field(default_factory=list)

    @property
    def plain(self) -> bool:
        return not (self.price_variance or self.cancelled_units or self.unknown_item)


def generate_paperwork(
    seed: int,
    accounts: Sequence[WorldAccount],
    catalogs: Mapping[str, Sequence[Product]],
    purchase_orders: Sequence[PurchaseOrder],
    fates: Mapping[str, OrderFulfilment],
) -> Paperwork:
    """ASNs and invoices of every account, each list in time order."""
    shipments: list[Shipment] = []
    invoices: list[VendorInvoice] = []
    for account in accounts:
        rng = random.Random(f"{seed}:{account.account_id}:paperwork")
        orders = [po for po in purchase_orders if po.account_id == account.account_id]
        drafts = []
        for po in orders:
            fate = fates[po.purchase_order_number]
            shipped = shipped_lines(po, fate)
            if not shipped:
                continue
            shipped_at = shipped_at_for(rng, po, on_time=fate.asn == ON_TIME)
            shipment = shipment_for(rng, po, fate, shipped, shipped_at)
            if shipment is not None:
                shipments.append(shipment)
            drafts.append(_draft(rng, po, shipped, shipped_at))
        _choose_mistakes(rng, drafts, catalogs[account.account_id])
        invoices += _number_and_build(rng, account, drafts)
        invoices += _credit_notes(rng, account, drafts)
    shipments.sort(key=lambda s: (s.versions[0].confirmed_at, s.shipment_identifier))
    invoices.sort(key=lambda i: (i.issued_at, i.account_id, i.invoice_number))
    log.info(
        "generated %s shipments and %s invoices for %s accounts",
        len(shipments),
        len(invoices),
        len(accounts),
    )
    return Paperwork(tuple(shipments), tuple(invoices))


def _draft(
    rng: random.Random,
    po: PurchaseOrder,
    shipped: list[tuple[PurchaseOrderLine, int]],
    shipped_at: datetime,
) -> _Draft:
    terms = rng.choices(
        [t for t, _ in TERMS_WEIGHTS], weights=[w for _, w in TERMS_WEIGHTS]
    )[0]
    return _Draft(
        po=po,
        shipped_at=shipped_at,
        issued_at=invoice_run_after(shipped_at),
        lines=shipped,
        terms=terms,
        sku_only=rng.random() < INVOICE_SKU_ONLY_SHARE,
    )


def invoice_run_after(moment: datetime) -> datetime:
    """The vendor ERP's first invoice run at or after `moment`."""
    run = datetime.combine(moment.date(), INVOICE_RUN, tzinfo=moment.tzinfo)
    return run if run >= moment else run + timedelta(days=1)


def _has_cancellation(draft: _Draft) -> bool:
    return any(line.cancellations for line, _ in draft.lines)


def _choose_mistakes(
    rng: random.Random, drafts: list[_Draft], catalog: Sequence[Product]
) -> None:
    for draft in drafts:
        draft.price_variance = rng.random() < PRICE_VARIANCE_SHARE
        draft.cancelled_units = (
            _has_cancellation(draft) and rng.random() < CANCELLED_UNITS_SHARE
        )
        draft.unknown_item = rng.random() < UNKNOWN_ITEM_SHARE
    # Every account holds each mistake once at least, where it has the POs for it.
    for flag, eligible in (
        ("price_variance", lambda d: True),
        ("cancelled_units", _has_cancellation),
        ("unknown_item", lambda d: True),
    ):
        if drafts and not any(getattr(d, flag) for d in drafts):
            candidates = [d for d in drafts if d.plain and eligible(d)]
            if candidates:
                setattr(rng.choice(candidates), flag, True)
    for draft in drafts:
        if draft.unknown_item:
            on_po = {line.asin for line in draft.po.lines}
            product = rng.choice([p for p in catalog if p.asin not in on_po])
            draft.extra.append(
                InvoiceLine(
                    draft.po.purchase_order_number,
                    product.asin,
                    product.vendor_sku,
                    Quantity(rng.randint(1, 6)),
                    product.unit_cost,
                )
            )


def _number_and_build(
    rng: random.Random, account: WorldAccount, drafts: list[_Draft]
) -> list[VendorInvoice]:
    drafts.sort(key=lambda d: (d.issued_at, d.po.purchase_order_number))
    number = rng.randint(1_000_000, 7_000_000)
    for draft in drafts:
        number += rng.randint(1, 3)
        draft.number = str(number)

    plain = [d for d in drafts if d.plain]
    # A reused number under the same vendor code: the later invoice is a duplicate.
    for earlier_index, earlier in enumerate(plain):
        later = next(
            (
                d
                for d in plain[earlier_index + 1 :]
                if d.po.vendor_code == earlier.po.vendor_code
                and d.issued_at > earlier.issued_at
            ),
            None,
        )
        if later is not None:
            later.number = earlier.number
            plain.remove(later)
            plain.remove(earlier)
            break
    # The same number under two vendor codes is legitimately two invoices.
    codes = account.vendor_codes
    if len(codes) > 1:
        first = [d for d in plain if d.po.vendor_code == codes[0]]
        second = [d for d in plain if d.po.vendor_code != codes[0]]
        if first and second:
            rng.choice(second).number = rng.choice(first).number

    return [_build(rng, account, draft) for draft in drafts]


def _build(rng: random.Random, account: WorldAccount, draft: _Draft) -> VendorInvoice:
    po = draft.po
    varied = rng.randrange(len(draft.lines)) if draft.price_variance else None
    cancelled = [
        index
        for index, (line, _) in enumerate(draft.lines)
        if draft.cancelled_units and line.cancellations
    ]
    lines = []
    for index, (line, eaches) in enumerate(draft.lines):
        cost = line.net_cost
        if index == varied:
            markup = Decimal(rng.randint(2, 8)) / 100
            cost = quantize_money(cost * (1 + markup), po.currency_code)
        if cancelled and index == cancelled[0]:
            # The vendor bills the quantity first ordered, cancellation ignored.
            eaches = line.ordered_amount * line.unit_size
        lines.append(
            InvoiceLine(
                po.purchase_order_number,
                None if draft.sku_only else line.asin,
                line.vendor_sku,
                quantity_in(eaches, line.unit_size, line.unit_of_measure == CASES),
                cost,
            )
        )
    return VendorInvoice(
        account_id=account.account_id,
        invoice_number=draft.number,
        invoice_type=INVOICE,
        vendor_code=po.vendor_code,
        issued_at=draft.issued_at,
        currency_code=po.currency_code,
        bill_to_party_id=po.bill_to_party_id,
        ship_to_party_id=po.ship_to_party_id,
        terms=draft.terms,
        lines=tuple(lines + draft.extra),
    )


def _credit_notes(
    rng: random.Random, account: WorldAccount, drafts: list[_Draft]
) -> list[VendorInvoice]:
    """One credit note per account for units Amazon received short, if any were."""
    always = datetime.max.replace(tzinfo=drafts[0].issued_at.tzinfo) if drafts else None
    numbers = {d.number for d in drafts}
    candidates = []
    for draft in drafts:
        if not draft.plain or draft.po.closed_at is None:
            continue
        if sum(d.number == draft.number for d in drafts) > 1:
            continue
        for line, eaches in draft.lines:
            short = eaches - line.received_eaches(always)
            if short > 0:
                candidates.append((draft, line, short))
    if not candidates:
        return []
    draft, line, short = rng.choice(candidates)
    number = str(max(int(n) for n in numbers) + rng.randint(1, 3))
    issued_at = invoice_run_after(
        draft.po.closed_at + timedelta(hours=rng.randint(24, 72))
    )
    return [
        VendorInvoice(
            account_id=account.account_id,
            invoice_number=number,
            invoice_type=CREDIT_NOTE,
            vendor_code=draft.po.vendor_code,
            issued_at=issued_at,
            currency_code=draft.po.currency_code,
            bill_to_party_id=draft.po.bill_to_party_id,
            ship_to_party_id=draft.po.ship_to_party_id,
            terms=None,
            lines=(
                InvoiceLine(
                    draft.po.purchase_order_number,
                    line.asin,
                    line.vendor_sku,
                    Quantity(short),
                    line.net_cost,
                ),
            ),
            reference_invoice_number=draft.number,
        )
    ]
