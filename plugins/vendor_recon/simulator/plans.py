"""What to do with each PO, decided before any time is drawn: lines, answers, fates."""

from __future__ import annotations

import random
import string
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from vendor_recon.simulator.accounts import WorldAccount
from vendor_recon.simulator.catalog import Product
from vendor_recon.simulator.timeline import CASES, EACHES

FULFILMENT_CENTRES = {
    "NA": ("ABE8", "AVP1", "BFI4", "CLT2", "MDW2", "ONT8", "SDF8"),
    "EU": ("CGN1", "DTM2", "FRA7", "LEJ1", "MUC3", "STR1"),
    "FE": ("FSZ1", "HND3", "KIX2", "NRT5", "TPF2"),
}

ACCEPTED = "ACCEPTED"
PARTIALLY_ACCEPTED = "PARTIALLY_ACCEPTED"
REJECTED = "REJECTED"
SINGLE, SPLIT, SHORT = "single", "split", "short"

# How often each fate is drawn; coverage.py makes sure each occurs at least once.
UNACKNOWLEDGED_SHARE = 0.07
CASES_SHARE = 0.4
OUTCOME_WEIGHTS = {ACCEPTED: 0.76, PARTIALLY_ACCEPTED: 0.12, REJECTED: 0.12}
CHANGED_SHARE = 0.2
FULL_CANCELLATION_SHARE = 0.4
RECEIPT_WEIGHTS = {SINGLE: 0.68, SPLIT: 0.2, SHORT: 0.12}
CASES_LINE_REPORTS_CASES_SHARE = 0.6
EACHES_LINE_REPORTS_CASES_SHARE = 0.15
SHOWS_RECEIVING_BEFORE_ACK_SHARE = 0.5
BACK_ORDER_SHARE = 0.2
PO_NUMBER_CHARACTERS = string.digits + string.ascii_uppercase


@dataclass
class LinePlan:
    product: Product
    unit_of_measure: str
    unit_size: int
    amount: int
    outcome: str
    accepted: int
    cancelled: int
    receipt_pattern: str
    reports_in_cases: bool
    is_back_order_allowed: bool

    @property
    def received_unit(self) -> tuple[str, int]:
        if not self.reports_in_cases:
            return EACHES, 1
        return CASES, self.unit_size

    def expected_receipt_units(self) -> int:
        """Units (in the reporting unit) Amazon will expect once all is said."""
        eaches = min(self.accepted, self.amount - self.cancelled) * self.unit_size
        return eaches // self.received_unit[1]


@dataclass
class OrderPlan:
    account: WorldAccount
    number: str
    vendor_code: str
    ship_to: str
    created_at: datetime
    acknowledged: bool
    shows_receiving_before_acknowledgement: bool
    lines: list[LinePlan] = field(default_factory=list)


class PoNumbers:
    """8-character alphanumeric PO numbers, unique across the world."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.used: set[str] = set()

    def next(self) -> str:
        while True:
            number = self.rng.choice(string.digits[1:]) + "".join(
                self.rng.choices(PO_NUMBER_CHARACTERS, k=7)
            )
            if number not in self.used:
                self.used.add(number)
                return number


def plan_order(
    rng: random.Random,
    account: WorldAccount,
    catalog: Sequence[Product],
    created_at: datetime,
) -> OrderPlan:
    codes = account.vendor_codes
    vendor_code = (
        codes[0] if len(codes) == 1 or rng.random() < 0.75 else rng.choice(codes[1:])
    )
    plan = OrderPlan(
        account=account,
        number="",
        vendor_code=vendor_code,
        ship_to=rng.choice(FULFILMENT_CENTRES[account.region]),
        created_at=created_at,
        acknowledged=rng.random() >= UNACKNOWLEDGED_SHARE,
        shows_receiving_before_acknowledgement=(
            rng.random() < SHOWS_RECEIVING_BEFORE_ACK_SHARE
        ),
    )
    for product in rng.sample(list(catalog), rng.randint(1, 5)):
        plan.lines.append(plan_line(rng, product))

    accepted_lines = [line for line in plan.lines if line.accepted > 0]
    if plan.acknowledged and accepted_lines and rng.random() < CHANGED_SHARE:
        count = 2 if len(accepted_lines) > 1 and rng.random() < 0.3 else 1
        for line in rng.sample(accepted_lines, count):
            if line.amount == 1 or rng.random() < FULL_CANCELLATION_SHARE:
                line.cancelled = line.amount
            else:
                line.cancelled = rng.randint(1, line.amount - 1)
    return plan


def plan_line(rng: random.Random, product: Product) -> LinePlan:
    in_cases = rng.random() < CASES_SHARE
    amount = rng.randint(1, 20) if in_cases else rng.randint(1, 60)
    outcome = _weighted(rng, OUTCOME_WEIGHTS)
    reports_in_cases_share = (
        CASES_LINE_REPORTS_CASES_SHARE if in_cases else EACHES_LINE_REPORTS_CASES_SHARE
    )
    line = LinePlan(
        product=product,
        unit_of_measure=CASES if in_cases else EACHES,
        unit_size=product.case_size if in_cases else 1,
        amount=amount,
        outcome=outcome,
        accepted=0,
        cancelled=0,
        receipt_pattern=_weighted(rng, RECEIPT_WEIGHTS),
        reports_in_cases=rng.random() < reports_in_cases_share,
        is_back_order_allowed=rng.random() < BACK_ORDER_SHARE,
    )
    set_acceptance(line, rng)
    return line


def set_acceptance(line: LinePlan, rng: random.Random | None = None) -> None:
    """Accepted amount from the outcome; PARTIALLY_ACCEPTED needs two units."""
    if line.outcome == PARTIALLY_ACCEPTED and line.amount < 2:
        line.outcome = ACCEPTED
    if line.outcome == ACCEPTED:
        line.accepted = line.amount
    elif line.outcome == REJECTED:
        line.accepted = 0
    else:
        line.accepted = (
            rng.randint(1, line.amount - 1) if rng else max(1, line.amount // 2)
        )
    line.cancelled = min(line.cancelled, line.amount)


def _weighted(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]
