"""Seeded generation of catalogs and purchase orders with their whole timelines."""

from __future__ import annotations

import itertools
import logging
import math
import random
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from vendor_recon.simulator.accounts import WorldAccount
from vendor_recon.simulator.catalog import Product, generate_catalog
from vendor_recon.simulator.coverage import ensure_coverage
from vendor_recon.simulator.fulfilment import (
    LineFulfilment,
    OrderFulfilment,
    plan_fulfilment,
)
from vendor_recon.simulator.plans import (
    SHORT,
    SINGLE,
    SPLIT,
    LinePlan,
    OrderPlan,
    PoNumbers,
    plan_order,
)
from vendor_recon.simulator.timeline import (
    Cancellation,
    LineAcknowledgement,
    PurchaseOrder,
    PurchaseOrderLine,
    Receipt,
)

log = logging.getLogger(__name__)

BILL_TO_PARTIES = {"NA": "AMZN1", "EU": "AMZNDE", "FE": "AMZNJP"}
# Ship windows open at local midnight of the region's main marketplace.
WINDOW_OPENING_HOUR_UTC = {"NA": 7, "EU": 22, "FE": 15}

ALWAYS = datetime.max.replace(tzinfo=UTC)
# Days after the last receipt (or the ship window's end) that a short PO closes.
RECEIVING_ENDS_AFTER_DAYS = (5, 10)


# Decisions come first (a plan per PO), times second, so that a small world can
# be nudged to hold every case a consumer must handle before any time is drawn.
def generate(
    seed: int,
    start: datetime,
    end: datetime,
    accounts: Sequence[WorldAccount],
    orders_per_day: int,
) -> tuple[
    dict[str, tuple[Product, ...]],
    tuple[PurchaseOrder, ...],
    dict[str, OrderFulfilment],
]:
    """Catalogs by account id, every PO created in [start, end) in time order, and
    how the vendor ships each PO (by PO number)."""
    numbers = PoNumbers(random.Random(f"{seed}:po-numbers"))
    catalogs: dict[str, tuple[Product, ...]] = {}
    plans: list[tuple[OrderPlan, random.Random]] = []
    for account in accounts:
        rng = random.Random(f"{seed}:{account.account_id}")
        catalogs[account.account_id] = generate_catalog(
            rng, account.region, account.currency_code
        )
        for created_at in _creation_times(rng, start, end, orders_per_day):
            plan = plan_order(rng, account, catalogs[account.account_id], created_at)
            plan.number = numbers.next()
            plans.append((plan, rng))

    ensure_coverage(random.Random(f"{seed}:coverage"), [plan for plan, _ in plans])
    fates = plan_fulfilment(
        random.Random(f"{seed}:fulfilment"), [plan for plan, _ in plans]
    )
    orders = [_realise(plan, rng, fates[plan.number]) for plan, rng in plans]
    orders.sort(key=lambda po: (po.created_at, po.purchase_order_number))
    log.info(
        "generated %s purchase orders with %s lines for %s accounts",
        len(orders),
        sum(len(po.lines) for po in orders),
        len(catalogs),
    )
    return catalogs, tuple(orders), fates


def _creation_times(
    rng: random.Random, start: datetime, end: datetime, orders_per_day: int
) -> list[datetime]:
    # Binomial(2n, 1/2) per day: mean n, varies, and never needs numpy.
    times = []
    day = start
    while day < end:
        day_end = min(day + timedelta(days=1), end)
        seconds = int((day_end - day).total_seconds())
        chance = 0.5 * seconds / 86400
        count = sum(rng.random() < chance for _ in range(2 * orders_per_day))
        times += sorted(
            day + timedelta(seconds=rng.randrange(max(seconds, 1)))
            for _ in range(count)
        )
        day = day_end
    return times


def _realise(
    plan: OrderPlan, rng: random.Random, fate: OrderFulfilment
) -> PurchaseOrder:
    """Draw the times of a planned PO: acknowledgement, changes, receipts, closing."""
    region = plan.account.region
    created = plan.created_at
    opening = created.replace(
        hour=WINDOW_OPENING_HOUR_UTC[region], minute=0, second=0, microsecond=0
    ) + timedelta(days=rng.randint(1, 3))
    ship_window = (opening, opening + timedelta(days=rng.randint(3, 7)))
    delivery_window = None
    if rng.random() < 0.4:
        delivery_window = (
            ship_window[0] + timedelta(days=2),
            ship_window[1] + timedelta(days=3),
        )

    acknowledged_at = None
    if plan.acknowledged:
        acknowledged_at = created + _random_span(rng, hours=(1, 30))

    cancellation_times = {}
    for index, line in enumerate(plan.lines):
        if acknowledged_at is not None and line.cancelled:
            cancellation_times[index] = acknowledged_at + _random_span(
                rng, hours=(2, 48)
            )

    arrival = ship_window[0] + _random_span(rng, hours=(24, 24 * 5))
    if cancellation_times:
        arrival = max(arrival, max(cancellation_times.values()) + timedelta(days=1))

    lines = []
    for index, line in enumerate(plan.lines):
        received_unit, received_size = line.received_unit
        line_fate = fate.lines[index]
        receipts = ()
        if acknowledged_at and line_fate.ships:
            receipts = _receipts(rng, line, arrival)
        receipts = _with_over_receipt(receipts, line_fate, received_size)
        cancellations = ()
        if index in cancellation_times:
            cancellations = (Cancellation(cancellation_times[index], line.cancelled),)
        lines.append(
            PurchaseOrderLine(
                item_sequence_number=str(index + 1),
                asin=line.product.asin,
                vendor_sku=line.product.vendor_sku,
                unit_of_measure=line.unit_of_measure,
                unit_size=line.unit_size,
                ordered_amount=line.amount,
                net_cost=line.product.unit_cost,
                list_price=line.product.list_price,
                is_back_order_allowed=line.is_back_order_allowed,
                received_unit_of_measure=received_unit,
                received_unit_size=received_size,
                acknowledgement=LineAcknowledgement(
                    line.accepted, line.amount - line.accepted
                )
                if acknowledged_at
                else None,
                cancellations=cancellations,
                receipts=receipts,
            )
        )

    closed_at = None
    if acknowledged_at is not None:
        done = [acknowledged_at, *cancellation_times.values()]
        done += [r.at for line in lines for r in line.receipts]
        if all(
            line.received_eaches(ALWAYS) >= line.expected_eaches(ALWAYS)
            for line in lines
        ):
            closed_at = max(done) + _random_span(rng, hours=(1, 12))
        else:
            # Amazon closes a short PO once receiving has ended, not when complete.
            low, high = RECEIVING_ENDS_AFTER_DAYS
            closed_at = max([*done, ship_window[1]]) + _random_span(
                rng, hours=(24 * low, 24 * high)
            )

    return PurchaseOrder(
        account_id=plan.account.account_id,
        purchase_order_number=plan.number,
        vendor_code=plan.vendor_code,
        currency_code=plan.account.currency_code,
        ship_to_party_id=plan.ship_to,
        bill_to_party_id=BILL_TO_PARTIES[region],
        created_at=created,
        ship_window=ship_window,
        delivery_window=delivery_window,
        acknowledged_at=acknowledged_at,
        closed_at=closed_at,
        shows_receiving_before_acknowledgement=plan.shows_receiving_before_acknowledgement,
        lines=tuple(lines),
    )


def _receipts(
    rng: random.Random, line: LinePlan, arrival: datetime
) -> tuple[Receipt, ...]:
    units = line.expected_receipt_units()
    if units == 0:
        return ()
    pattern = line.receipt_pattern if units >= 2 else SINGLE
    if pattern == SHORT:
        received = rng.randint(math.ceil(units / 2), units - 1)
        parts = _split(rng, received, 2 if received >= 2 and rng.random() < 0.3 else 1)
    elif pattern == SPLIT:
        parts = _split(rng, units, min(rng.randint(2, 3), units))
    else:
        parts = [units]

    at = arrival + _random_span(rng, hours=(0, 4))
    receipts = []
    for part in parts:
        receipts.append(Receipt(at, part * line.received_unit[1]))
        at += _random_span(rng, hours=(24, 96))
    return tuple(receipts)


def _with_over_receipt(
    receipts: tuple[Receipt, ...], fate: LineFulfilment, received_size: int
) -> tuple[Receipt, ...]:
    """The vendor shipped more than accepted and Amazon counted it all in."""
    if not fate.over_units or not receipts:
        return receipts
    last = receipts[-1]
    extra = fate.over_units * received_size
    return (*receipts[:-1], Receipt(last.at, last.eaches + extra))


def _split(rng: random.Random, total: int, parts: int) -> list[int]:
    """`parts` positive integers summing to `total`."""
    cuts = sorted(rng.sample(range(1, total), parts - 1))
    bounds = [0, *cuts, total]
    return [b - a for a, b in itertools.pairwise(bounds)]


def _random_span(rng: random.Random, *, hours: tuple[int, int]) -> timedelta:
    """A whole number of seconds between the given numbers of hours."""
    return timedelta(seconds=rng.randint(hours[0] * 3600, hours[1] * 3600))
