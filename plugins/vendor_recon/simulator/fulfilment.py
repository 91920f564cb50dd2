"""How the vendor ships each planned PO: ASN fate, over-shipped and unshipped lines."""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass, field

from vendor_recon.simulator.plans import SINGLE, LinePlan, OrderPlan

log = logging.getLogger(__name__)

ON_TIME, LATE, MISSING = "on_time", "late", "missing"
ASN_WEIGHTS = {ON_TIME: 0.88, LATE: 0.08, MISSING: 0.04}
REPLACED_SHARE = 0.1
OVER_SHARE = 0.05
NOT_SHIPPED_SHARE = 0.03


@dataclass
class LineFulfilment:
    # Extra units shipped (and received), in multiples of the receiving unit.
    over_units: int = 0
    ships: bool = True


@dataclass
class OrderFulfilment:
    asn: str = ON_TIME
    # The first ASN carries a wrong quantity and is re-sent as a Replace.
    replaced: bool = False
    lines: list[LineFulfilment] = field(default_factory=list)


def plan_fulfilment(
    rng: random.Random, plans: list[OrderPlan]
) -> dict[str, OrderFulfilment]:
    """A fate per PO number; each fate occurs at least once where a world allows."""
    fates = {}
    for plan in plans:
        fate = OrderFulfilment(
            asn=rng.choices(list(ASN_WEIGHTS), weights=list(ASN_WEIGHTS.values()))[0],
            replaced=rng.random() < REPLACED_SHARE,
        )
        for line in plan.lines:
            line_fate = LineFulfilment()
            if _can_vary(plan, line):
                draw = rng.random()
                if draw < OVER_SHARE:
                    line_fate.over_units = rng.randint(1, 2)
                elif draw < OVER_SHARE + NOT_SHIPPED_SHARE:
                    line_fate.ships = False
            fate.lines.append(line_fate)
        fates[plan.number] = fate
    _ensure(rng, plans, fates)
    return fates


def _can_vary(plan: OrderPlan, line: LinePlan) -> bool:
    # Only plain single receipts: split and short receipts are cases of their own.
    return (
        plan.acknowledged
        and line.receipt_pattern == SINGLE
        and line.expected_receipt_units() >= 1
    )


def _ensure(
    rng: random.Random, plans: list[OrderPlan], fates: dict[str, OrderFulfilment]
) -> None:
    shippable = [
        p for p in plans if p.acknowledged and any(li.accepted for li in p.lines)
    ]
    for asn in (LATE, MISSING):
        if shippable and not any(fates[p.number].asn == asn for p in shippable):
            candidates = [p for p in shippable if fates[p.number].asn == ON_TIME]
            if candidates:
                fates[rng.choice(candidates).number].asn = asn
    if shippable and not any(
        fates[p.number].replaced and fates[p.number].asn != MISSING for p in shippable
    ):
        candidates = [p for p in shippable if fates[p.number].asn != MISSING]
        if candidates:
            fates[rng.choice(candidates).number].replaced = True

    pairs = [
        (plan, index)
        for plan in plans
        for index, line in enumerate(plan.lines)
        if _can_vary(plan, line) and fates[plan.number].lines[index] == LineFulfilment()
    ]
    # An unshipped line needs a shipped sibling, or its PO has no paperwork at all.
    for kind in ("over", "not_shipped"):
        present = any(
            (f.over_units if kind == "over" else not f.ships)
            for fate in fates.values()
            for f in fate.lines
        )
        if present or not pairs:
            continue
        plan, index = rng.choice(pairs)
        pairs.remove((plan, index))
        if kind == "over":
            fates[plan.number].lines[index].over_units = 1
        else:
            fates[plan.number].lines[index].ships = False
    log.debug("planned fulfilment of %s purchase orders", len(fates))
