"""Vendor reports: only published whole days, polled to the end, exact, checked."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from sp_api.auth import access_token_client

from vendor_recon.config import load_accounts
from vendor_recon.landing import LandingWriter
from vendor_recon.simulator.demand import day_numbers
from vendor_recon.simulator.report_rules import REPORT_TYPES, check_report_request
from vendor_recon.simulator.server import SimulatorServer
from vendor_recon.simulator.world import default_accounts, generate_world
from vendor_recon.sources import vendor_reports
from vendor_recon.sources.windows import Window, request_window, to_iso
from vendor_recon.spapi import schemas
from vendor_recon.spapi.client import AccountApi, RetryPolicy
from vendor_recon.spapi.credentials import SpApiCredentials
from vendor_recon.spapi.errors import ExtractionError
from vendor_recon.spapi.ratelimit import RateLimiters

START = datetime(2026, 10, 1, tzinfo=UTC)
END = START + timedelta(days=20)
FORECAST = vendor_reports.FORECAST
REPO_ACCOUNTS = Path(__file__).parents[2] / "config" / "accounts.yml"
FAST_POLL = vendor_reports.PollPolicy(first_wait_s=0.01, max_wait_s=0.05)


def day(n: int) -> datetime:
    return datetime(2026, 10, n, tzinfo=UTC)


def test_only_days_past_the_publishing_delay_are_asked_for():
    # 7 days back from the run's end, to the last day 72 hours have published.
    pieces = vendor_reports.day_windows(Window(day(10), day(11)), timedelta(days=7))
    assert [(p.start, p.end) for p in pieces] == [(day(4), day(8))]
    assert vendor_reports.day_windows(Window(day(10), day(11)), timedelta(0)) == []
    long = vendor_reports.day_windows(Window(day(1), day(30)), timedelta(0))
    assert all(p.end - p.start <= timedelta(days=15) for p in long)
    assert long[0].start == day(1) and long[-1].end == day(27)


def test_unknown_report_in_the_account_options_is_refused(repo):
    account = load_accounts(repo / "config" / "accounts.yml")[0]
    account = replace(account, options={"reports": {"GET_VENDOR_COUPON": {}}})
    with pytest.raises(ExtractionError, match=r"options\.reports"):
        vendor_reports.enabled_reports(account)


def test_reports_land_exactly_with_the_options_asked(repo, tmp_path):
    access_token_client.cache.clear()
    world = generate_world(5, START, END, accounts=default_accounts(), orders_per_day=2)
    account = next(
        a
        for a in load_accounts(repo / "config" / "accounts.yml")
        if a.account_id == "acme-na"
    )
    account = replace(
        account,
        options={
            "report_lookback_days": 6,
            "reports": {
                "GET_VENDOR_SALES_REPORT": {},
                "GET_VENDOR_INVENTORY_REPORT": {"sellingProgram": "RETAIL"},
            },
        },
    )
    simulated = world.account("acme-na")
    with SimulatorServer(world, clock=END, rate_limits=False) as server:
        api = AccountApi(
            account,
            SpApiCredentials(
                simulated.lwa_client_id,
                simulated.lwa_client_secret,
                simulated.refresh_token,
                server.url,
                f"{server.url}/auth/o2/token",
            ),
            policy=RetryPolicy(attempts=2, initial_wait_s=0.01),
            limiters=RateLimiters(),
            sleep=lambda s: None,
        )
        with LandingWriter(tmp_path, account, "vendor_reports", "r1", END) as writer:
            stats = vendor_reports.extract(
                api, Window(END - timedelta(days=1), END), writer, FAST_POLL
            )
            landed = writer.commit()
        operations = [entry.path for entry in server.request_log]
    rows = pq.read_table(landed.path).to_pylist()
    assert stats.quarantined == 0, [r["quarantine_reason"] for r in rows]
    assert {r["pull"] for r in rows} == {
        "GET_VENDOR_SALES_REPORT",
        "GET_VENDOR_INVENTORY_REPORT",
    }
    for row in rows:
        document = json.loads(row["payload"], parse_float=Decimal)
        spec = document["reportSpecification"]
        # 6 days back from the run's end, less the 3 Amazon needs to publish.
        assert spec["dataStartTime"].startswith("2026-10-15")
        assert spec["dataEndTime"].startswith("2026-10-17")
        assert row["document_updated_at"] is not None
    assert sum("/reports/2021-06-30/reports" in p for p in operations) >= 4


# --- real-time reports and the weekly forecast ---------------------------------

REAL_TIME = tuple(vendor_reports.REAL_TIME_REPORTS)
HOUR = timedelta(hours=1)


def hour_span(start: datetime, end: datetime) -> int:
    return int((end - start) / HOUR)


@pytest.mark.parametrize("report_type", REAL_TIME)
def test_real_time_slices_are_whole_hours_amazon_accepts(report_type):
    lag = vendor_reports.REAL_TIME_REPORTS[report_type][1]
    now = day(10) + timedelta(hours=12, minutes=30)
    plan = vendor_reports.hour_plan(Window(day(6), now), now, lag)
    # Four days and 12 whole hours have ended; traffic loses its last hour.
    assert plan.hours == 4 * 24 + 12 - hour_span(timedelta(0), lag)
    assert plan.too_old == 0
    assert plan.too_recent == hour_span(timedelta(0), lag)
    assert plan.pieces[0].start == day(6)
    for before, after in zip(plan.pieces, plan.pieces[1:], strict=False):
        assert before.end == after.start
    world = generate_world(5, START, END, accounts=default_accounts())
    account = world.account("acme-na")
    for piece in plan.pieces:
        assert piece.end - piece.start <= timedelta(hours=24)
        # The simulator's own rules for Amazon's limits, at the time of the plan.
        spec = check_report_request(
            REPORT_TYPES[report_type],
            account,
            (account.marketplace_id,),
            {},
            piece.start,
            piece.end,
            now,
        )
        assert len(spec.hours) == hour_span(piece.start, piece.end)


def test_real_time_window_older_than_7_days_is_clipped_and_said(caplog):
    now = day(10) + timedelta(hours=12, minutes=30)
    # 15 minutes of margin past 7 days back: the first hour is 3 Oct 13:00.
    first = day(3) + timedelta(hours=13)
    plan = vendor_reports.hour_plan(Window(day(1), day(10)), now, timedelta(0))
    assert plan.too_old == hour_span(day(1), first)
    assert plan.pieces[0].start == first and plan.pieces[-1].end == day(10)
    assert plan.hours == hour_span(first, day(10))
    assert len(plan.pieces) == -(-plan.hours // 24)
    gone = vendor_reports.hour_plan(Window(day(1), day(3)), now, timedelta(0))
    assert gone.pieces == [] and gone.too_old == 48
    account = replace(
        default_account(),
        options={"reports": {"GET_VENDOR_REAL_TIME_SALES_REPORT": {}}},
    )
    with caplog.at_level("INFO", logger="vendor_recon.sources.vendor_reports"):
        requests = list(
            vendor_reports.planned_requests(
                account, Window(day(1), day(10)), lambda: now
            )
        )
    assert [r.window for r in requests] == plan.pieces
    assert f"skipped {plan.too_old} hours" in caplog.text


def test_real_time_report_refuses_options():
    account = replace(
        default_account(),
        options={"reports": {"GET_VENDOR_REAL_TIME_SALES_REPORT": {"x": "y"}}},
    )
    with pytest.raises(ExtractionError, match="takes no report options"):
        vendor_reports.enabled_reports(account)


def test_forecast_is_asked_for_only_when_a_sunday_is_in_the_window():
    # 4 Oct 2026 and 11 Oct 2026 are Sundays.
    assert day(4).weekday() == 6 and day(11).weekday() == 6
    assert vendor_reports.forecast_window(Window(day(5), day(11))) is None
    assert vendor_reports.forecast_window(Window(day(4), day(5))) == Window(
        day(4), day(5)
    )
    assert vendor_reports.forecast_window(Window(day(1), day(12))) == Window(
        day(11), day(12)
    )
    part = Window(day(11), day(11) + timedelta(hours=5))
    assert vendor_reports.forecast_window(part) == part


def test_a_run_plans_its_reports_from_airflow_pendulum_interval():
    # The DAG passes the data interval as pendulum DateTimes; before windows
    # stored them as such, planning the forecast raised a TypeError.
    import pendulum

    account = replace(
        default_account(),
        options={"reports": {FORECAST: {}, "GET_VENDOR_SALES_REPORT": {}}},
    )
    window = request_window(
        pendulum.datetime(2026, 10, 11), pendulum.datetime(2026, 10, 12), timedelta(2)
    )
    planned = list(vendor_reports.planned_requests(account, window, lambda: day(12)))
    kinds = sorted({request.report_type for request in planned})
    assert kinds == [FORECAST, "GET_VENDOR_SALES_REPORT"]
    forecast = next(r for r in planned if r.report_type == FORECAST)
    assert forecast.window == Window(day(11), day(12))


def default_account():
    return next(a for a in load_accounts(REPO_ACCOUNTS) if a.account_id == "acme-na")


class SimulatedClock:
    """A monotonic clock that sleeping moves forward instead of waiting."""

    def __init__(self) -> None:
        self.seconds = 0.0

    def now(self) -> float:
        return self.seconds

    def sleep(self, seconds: float) -> None:
        self.seconds += max(seconds, 0.0)


def run_extract(folder, world, account, window, clock):
    access_token_client.cache.clear()
    simulated_clock = SimulatedClock()
    simulated = world.account(account.account_id)
    with SimulatorServer(world, clock=clock, rate_limits=False) as server:
        api = AccountApi(
            account,
            SpApiCredentials(
                simulated.lwa_client_id,
                simulated.lwa_client_secret,
                simulated.refresh_token,
                server.url,
                f"{server.url}/auth/o2/token",
            ),
            policy=RetryPolicy(attempts=2, initial_wait_s=0.01),
            # createReport allows 15, then one a minute: the limiter waits on
            # a simulated clock, so many requests cost no wall time.
            limiters=RateLimiters(
                clock=simulated_clock.now, sleep=simulated_clock.sleep
            ),
            sleep=lambda s: None,
        )
        with LandingWriter(folder, account, "vendor_reports", "r1", clock) as writer:
            stats = vendor_reports.extract(
                api, window, writer, FAST_POLL, now=lambda: clock
            )
            landed = writer.commit()
        created = sum(
            entry.path.endswith("/reports/2021-06-30/reports")
            for entry in server.request_log
        )
    rows = pq.read_table(landed.path).to_pylist()
    return stats, rows, created


def test_real_time_reports_land_one_checked_document_per_request(tmp_path):
    world = generate_world(5, START, END, accounts=default_accounts(), orders_per_day=2)
    account = replace(
        default_account(),
        options={"reports": {report_type: {} for report_type in REAL_TIME}},
    )
    # Eight days asked for: the first day and an hour are past Amazon's 7 days.
    window = Window(END - timedelta(days=8), END)
    stats, rows, created = run_extract(tmp_path, world, account, window, END)
    reasons = [(r["pull"], r["quarantine_reason"]) for r in rows]
    assert stats.quarantined == 0, [r for r in reasons if r[1]][:2]
    assert created == stats.slices == len(rows)
    first = END - timedelta(days=7) + HOUR
    by_type = {}
    for row in rows:
        document = json.loads(row["payload"], parse_float=Decimal)
        report_type = row["pull"]
        schema_file = vendor_reports.REAL_TIME_REPORTS[report_type][0]
        assert schemas.json_schema_problems(schema_file, document) == []
        assert document["reportSpecification"]["reportType"] == report_type
        by_type.setdefault(report_type, []).extend(document["reportData"])
    assert set(by_type) == set(REAL_TIME)
    asins = {product.asin for product in world.catalogs["acme-na"]}
    for report_type, data in by_type.items():
        last = END - vendor_reports.REAL_TIME_REPORTS[report_type][1]
        hours = {(r["startTime"], r["asin"]) for r in data}
        assert len(hours) == len(data), "an hour landed twice"
        expected = {
            (to_iso(first + n * HOUR), asin)
            for n in range(hour_span(first, last))
            for asin in asins
        }
        assert hours == expected
    # Ground truth: a whole day's real-time sales add up to the day's demand.
    whole_day = (END - timedelta(days=2)).date()
    for product in world.catalogs["acme-na"]:
        units = sum(
            r["orderedUnits"]
            for r in by_type["GET_VENDOR_REAL_TIME_SALES_REPORT"]
            if r["asin"] == product.asin and r["startTime"].startswith(str(whole_day))
        )
        truth = day_numbers(world.seed, "acme-na", product.asin, whole_day)
        assert units == truth.ordered


def test_forecast_lands_once_for_the_week_and_not_without_a_sunday(tmp_path):
    world = generate_world(5, START, END, accounts=default_accounts(), orders_per_day=2)
    account = replace(default_account(), options={"reports": {FORECAST: {}}})
    # END is Wednesday 21 Oct: the window from Monday has no Sunday in it.
    stats, rows, created = run_extract(
        tmp_path / "a", world, account, Window(day(19), END), END
    )
    assert (stats.slices, created, rows) == (0, 0, [])
    stats, rows, created = run_extract(
        tmp_path / "b", world, account, Window(day(10), END), END
    )
    assert created == 1 and len(rows) == 1 and stats.quarantined == 0
    document = json.loads(rows[0]["payload"], parse_float=Decimal)
    generated = {r["forecastGenerationDate"] for r in document["forecastByAsin"]}
    # Two Sundays (11 and 18 Oct) in the window: only the latest can be new.
    assert generated == {"2026-10-18"}
    assert rows[0]["window_start"] == day(18)


# --- the default report lookback: restatements, and what a run costs -----------

# docs/simulator.md "Restatements": out 72 hours after a day ends, restated 7
# and 30 days after it ends.
REVISION_LAGS = (timedelta(hours=72), timedelta(days=7), timedelta(days=30))
CREATE_REPORT_BURST = 15


def test_daily_runs_read_a_day_again_until_its_last_restatement():
    account = default_account()
    report_day = day(1)
    last_revision = report_day + timedelta(days=1) + REVISION_LAGS[-1]
    # Daily runs with the DAG's default 2-day lookback, for 40 days after.
    readers = []
    for n in range(40):
        end = report_day + timedelta(days=n + 1)
        window = request_window(end - timedelta(days=1), end, timedelta(days=2))
        pieces = vendor_reports.day_windows(
            window, vendor_reports.report_lookback(account)
        )
        if any(p.start <= report_day < p.end for p in pieces):
            readers.append(end)
    # Every run from the first publication reads it, and more than one run
    # reads the last revision, so a missed run still leaves it in place.
    assert readers[0] == report_day + timedelta(days=1) + REVISION_LAGS[0]
    assert [r - readers[0] for r in readers] == [
        timedelta(days=n) for n in range(len(readers))
    ]
    assert len([r for r in readers if r >= last_revision]) >= 2


@pytest.mark.parametrize("interval_day", range(11, 18))
def test_a_daily_run_stays_within_the_create_report_burst(interval_day):
    account = default_account()
    start = day(interval_day)
    window = request_window(start, start + timedelta(days=1), timedelta(days=2))
    requests = list(vendor_reports.planned_requests(account, window, lambda: day(20)))
    # By the rules: the published days of the window and the report lookback,
    # 15 to a request, for each daily report; the forecast when a Sunday
    # 00:00 falls inside the window.
    lookback = timedelta(days=vendor_reports.DEFAULT_REPORT_LOOKBACK_DAYS)
    first = min(window.start, window.end - lookback)
    days = (window.end - timedelta(hours=72) - first).days
    daily = len(vendor_reports.DAILY_REPORTS) - 1
    sundays = [
        window.start + timedelta(hours=h)
        for h in range(int((window.end - window.start) / HOUR))
        if (window.start + timedelta(hours=h)).weekday() == 6
        and (window.start + timedelta(hours=h)).hour == 0
    ]
    expected = daily * -(-days // 15) + (1 if sundays else 0)
    assert len(requests) == expected
    assert len(requests) <= CREATE_REPORT_BURST


@pytest.mark.parametrize("history_days", [0, 15, 21, 34])
def test_a_first_run_reading_history_asks_for_no_more_reports_than_a_daily_one(
    history_days,
):
    # The report lookback reaches back from the run's end; it is not added to
    # a long request window (a first deployment's backfill, the demo), which
    # would ask for weeks more days and go past the burst.
    account = default_account()
    end = day(20)
    window = request_window(end - timedelta(days=1), end, timedelta(history_days))
    requests = list(vendor_reports.planned_requests(account, window, lambda: end))
    days = vendor_reports.day_windows(window, vendor_reports.report_lookback(account))
    lookback = timedelta(days=vendor_reports.DEFAULT_REPORT_LOOKBACK_DAYS)
    assert days[0].start == min(window.start, end - lookback)
    assert len(requests) <= CREATE_REPORT_BURST
