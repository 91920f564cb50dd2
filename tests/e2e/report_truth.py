"""What Amazon's daily vendor reports say about one day, from the simulator's world.

The numbers come from the world's demand (`day_numbers`) and stock ledger,
with the publishing rules of docs/simulator.md ("Restatements"): a day is
published 72 hours after it ends and restated 7 and 30 days after it ends;
each revision counts the returns known by its cutoff (revenue and COGS net of
them) and filters out another 1% of glance views. Neither the simulator's
report builder nor any product code is used.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from vendor_recon.simulator.catalog import quantize_money
from vendor_recon.simulator.demand import day_numbers
from vendor_recon.simulator.reports import Ledger

# The accounts file sets no report_lookback_days: every run reads this many
# days before its request window (README Limitations).
DEFAULT_REPORT_LOOKBACK_DAYS = 35
# After the day's end: first publication, then the two restatements.
REVISION_LAGS = (timedelta(hours=72), timedelta(days=7), timedelta(days=30))


def day_close(day: date) -> datetime:
    """The midnight (UTC) that ends `day`."""
    return datetime.combine(day + timedelta(days=1), time(), UTC)


def revision(day: date, as_of: datetime) -> tuple[int, datetime]:
    """The revision of `day` out at `as_of` (0 = first publication) and its cutoff."""
    close = day_close(day)
    out = [close + lag for lag in REVISION_LAGS if close + lag <= as_of]
    assert out, f"{day} is not published by {as_of}"
    return len(out) - 1, out[-1]


def runs_reading(day: date, windows: dict) -> set:
    """The runs whose report requests hold `day`, by the extraction rules
    (README, docs/simulator.md): a run asks for the whole UTC days from its
    request window's start or its end less the report lookback (35 days by
    default), whichever is earlier, to the last day published by its end.
    `windows` maps run -> (request window start, end)."""
    lookback = timedelta(days=DEFAULT_REPORT_LOOKBACK_DAYS)
    start_of_day = datetime.combine(day, time(), UTC)
    readers = set()
    for run, (start, end) in windows.items():
        first = datetime.combine(min(start, end - lookback).date(), time(), UTC)
        if first <= start_of_day and day_close(day) + REVISION_LAGS[0] <= end:
            readers.add(run)
    return readers


def first_restated_at(as_of: datetime) -> date:
    """The day whose first restatement comes out exactly at `as_of`."""
    return (as_of - REVISION_LAGS[1]).date() - timedelta(days=1)


def glance_views(world, account_id: str, day: date, as_of: datetime) -> dict:
    """Traffic report rows of the day: ASIN -> glance views, as revised."""
    number, _ = revision(day, as_of)
    views = {}
    for product in world.catalogs[account_id]:
        seen = day_numbers(world.seed, account_id, product.asin, day).glance_views
        views[product.asin] = seen - seen * number // 100
    return views


def sales(world, account_id: str, day: date, as_of: datetime) -> dict:
    """Sales report rows of the day (MANUFACTURING view): ASIN -> figures."""
    _, cutoff = revision(day, as_of)
    currency = world.account(account_id).currency_code
    rows = {}
    for product in world.catalogs[account_id]:
        numbers = day_numbers(world.seed, account_id, product.asin, day)
        returns = numbers.returns_known(day, cutoff.date())
        rows[product.asin] = {
            "ordered_units": numbers.ordered,
            "shipped_units": numbers.shipped,
            "customer_returns_units": returns,
            "ordered_revenue_amount": quantize_money(
                (numbers.ordered - returns) * product.list_price, currency
            ),
            "shipped_revenue_amount": quantize_money(
                (numbers.shipped - returns) * product.list_price, currency
            ),
            "shipped_cogs_amount": quantize_money(
                (numbers.shipped - returns) * product.unit_cost, currency
            ),
        }
    return rows


def stock(world, account_id: str, day: date) -> dict:
    """Sellable stock at the day's end: ASIN -> (units, cost). A day's stock
    is final when first published: no revision changes it."""
    ledger = Ledger.of(world, account_id)
    currency = world.account(account_id).currency_code
    rows = {}
    for product in world.catalogs[account_id]:
        units = ledger.on_hand(product, day_close(day))
        cost = quantize_money(units * product.unit_cost, currency)
        rows[product.asin] = (units, cost)
    return rows
