"""Seeded customer demand per ASIN and day: orders, shipments, returns, views."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import cache

# Demand per day is drawn around a per-ASIN base; weekends sell a little more.
BASE_UNITS_PER_DAY = (0.5, 12.0)
WEEKEND_FACTOR = 1.2
RETURN_SHARE = 0.04
RETURN_LAG_DAYS = (1, 30)
VIEWS_PER_ORDER = (6, 25)
# Hours of the UTC day weighted by how much they sell (a day-shaped curve).
HOUR_WEIGHTS = tuple(1 + 3 * (8 <= (h + 24 - 6) % 24 <= 20) for h in range(24))
INITIAL_STOCK_DAYS = 20


@dataclass(frozen=True)
class AsinProfile:
    base: float
    views_per_order: int
    coop_share: Decimal
    unsellable_share: Decimal


@dataclass(frozen=True)
class Day:
    ordered: int
    unfilled: int
    # Lags, in days after this day, at which each returned unit comes back.
    return_lags: tuple[int, ...]
    glance_views: int
    # Units ordered in each UTC hour, summing to `ordered`.
    hourly_ordered: tuple[int, ...]
    hourly_views: tuple[int, ...]

    @property
    def shipped(self) -> int:
        return self.ordered - self.unfilled

    def returns_known(self, day: date, known_by: date) -> int:
        """Units shipped on `day` that came back by `known_by` (a restatement)."""
        return sum(1 for lag in self.return_lags if day + timedelta(lag) <= known_by)


@cache
def profile(seed: int, account_id: str, asin: str) -> AsinProfile:
    rng = random.Random(f"{seed}:{account_id}:{asin}:profile")
    return AsinProfile(
        base=rng.uniform(*BASE_UNITS_PER_DAY),
        views_per_order=rng.randint(*VIEWS_PER_ORDER),
        coop_share=Decimal(rng.randint(10, 60)) / 1000,
        unsellable_share=Decimal(rng.randint(5, 30)) / 1000,
    )


@cache
def day_numbers(seed: int, account_id: str, asin: str, day: date) -> Day:
    """The same numbers for the same seed, account, ASIN and day, always."""
    shape = profile(seed, account_id, asin)
    rng = random.Random(f"{seed}:{account_id}:{asin}:{day.isoformat()}")
    mean = shape.base * (WEEKEND_FACTOR if day.weekday() >= 5 else 1.0)
    ordered = max(0, round(rng.gauss(mean, mean**0.5)))
    unfilled = sum(rng.random() < 0.05 for _ in range(ordered))
    shipped = ordered - unfilled
    lags = tuple(
        rng.randint(*RETURN_LAG_DAYS)
        for _ in range(shipped)
        if rng.random() < RETURN_SHARE
    )
    views = ordered * shape.views_per_order + rng.randint(0, shape.views_per_order)
    return Day(
        ordered=ordered,
        unfilled=unfilled,
        return_lags=lags,
        glance_views=views,
        hourly_ordered=_spread(rng, ordered),
        hourly_views=_spread(rng, views),
    )


def initial_stock(seed: int, account_id: str, asin: str) -> int:
    """Sellable units Amazon holds when the world starts."""
    return round(profile(seed, account_id, asin).base * INITIAL_STOCK_DAYS)


def _spread(rng: random.Random, total: int) -> tuple[int, ...]:
    hours = [0] * 24
    for hour in rng.choices(range(24), weights=HOUR_WEIGHTS, k=total):
        hours[hour] += 1
    return tuple(hours)
