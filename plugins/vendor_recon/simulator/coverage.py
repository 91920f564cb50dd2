"""Nudge a world's plans until it holds every case a consumer must handle."""

from __future__ import annotations

import logging
import random
from collections.abc import Callable

from vendor_recon.simulator.plans import (
    REJECTED,
    SHORT,
    SPLIT,
    LinePlan,
    OrderPlan,
    set_acceptance,
)
from vendor_recon.simulator.timeline import CASES, EACHES

log = logging.getLogger(__name__)


def _has_receipts(plan: OrderPlan, line: LinePlan) -> bool:
    return plan.acknowledged and line.expected_receipt_units() >= 2


FEATURES: dict[str, Callable[[OrderPlan, LinePlan], bool]] = {
    "cases_line": lambda plan, line: line.unit_of_measure == CASES,
    "eaches_line": lambda plan, line: line.unit_of_measure == EACHES,
    "rejected_line": lambda plan, line: plan.acknowledged and line.accepted == 0,
    "cancelled_line": lambda plan, line: plan.acknowledged and line.cancelled > 0,
    "partial_receipt": lambda plan, line: (
        _has_receipts(plan, line) and line.receipt_pattern == SHORT
    ),
    "split_receipt": lambda plan, line: (
        _has_receipts(plan, line) and line.receipt_pattern == SPLIT
    ),
}


def _to_cases(plan: OrderPlan, line: LinePlan) -> None:
    line.unit_of_measure, line.unit_size = CASES, line.product.case_size
    line.amount = max(1, line.amount // line.unit_size)
    line.cancelled = 0
    set_acceptance(line)


def _to_eaches(plan: OrderPlan, line: LinePlan) -> None:
    size = line.unit_size
    line.unit_of_measure, line.unit_size = EACHES, 1
    line.amount, line.accepted, line.cancelled = (
        line.amount * size,
        line.accepted * size,
        line.cancelled * size,
    )


def _to_rejected(plan: OrderPlan, line: LinePlan) -> None:
    line.outcome, line.accepted, line.cancelled = REJECTED, 0, 0


def _to_cancelled(plan: OrderPlan, line: LinePlan) -> None:
    line.cancelled = line.amount // 2 if line.amount >= 2 else line.amount


FORCERS = {
    "cases_line": (lambda plan, line: True, _to_cases),
    "eaches_line": (lambda plan, line: True, _to_eaches),
    "rejected_line": (lambda plan, line: plan.acknowledged, _to_rejected),
    "cancelled_line": (
        lambda plan, line: plan.acknowledged and line.accepted > 0,
        _to_cancelled,
    ),
    "partial_receipt": (
        _has_receipts,
        lambda plan, line: setattr(line, "receipt_pattern", SHORT),
    ),
    "split_receipt": (
        _has_receipts,
        lambda plan, line: setattr(line, "receipt_pattern", SPLIT),
    ),
}


def ensure_coverage(rng: random.Random, plans: list[OrderPlan]) -> None:
    """Turn lines into missing cases, never taking a case's only example away."""
    forced: set[int] = set()
    for feature, (eligible, force) in FORCERS.items():
        pairs = [(plan, line) for plan in plans for line in plan.lines]
        if any(FEATURES[feature](plan, line) for plan, line in pairs):
            continue
        protected = set(forced)
        for test in FEATURES.values():
            carriers = [id(line) for plan, line in pairs if test(plan, line)]
            if len(carriers) == 1:
                protected.add(carriers[0])
        candidates = [
            (plan, line)
            for plan, line in pairs
            if id(line) not in protected and eligible(plan, line)
        ]
        if not candidates:
            log.debug("world too small to hold a %s", feature)
            continue
        plan, line = rng.choice(candidates)
        force(plan, line)
        forced.add(id(line))
