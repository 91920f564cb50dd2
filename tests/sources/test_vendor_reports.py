"""Vendor reports: only published whole days, polled to the end, exact, checked."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pyarrow.parquet as pq
import pytest
from sp_api.auth import access_token_client

from vendor_recon.config import load_accounts
from vendor_recon.landing import LandingWriter
from vendor_recon.simulator.server import SimulatorServer
from vendor_recon.simulator.world import default_accounts, generate_world
from vendor_recon.sources import vendor_reports
from vendor_recon.sources.windows import Window
from vendor_recon.spapi.client import AccountApi, RetryPolicy
from vendor_recon.spapi.credentials import SpApiCredentials
from vendor_recon.spapi.errors import ExtractionError
from vendor_recon.spapi.ratelimit import RateLimiters

START = datetime(2026, 10, 1, tzinfo=UTC)
END = START + timedelta(days=20)
FAST_POLL = vendor_reports.PollPolicy(first_wait_s=0.01, max_wait_s=0.05)


def day(n: int) -> datetime:
    return datetime(2026, 10, n, tzinfo=UTC)


def test_only_days_past_the_publishing_delay_are_asked_for():
    pieces = vendor_reports.day_windows(Window(day(10), day(11)), timedelta(days=7))
    assert [(p.start, p.end) for p in pieces] == [(day(3), day(8))]
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
        # 6 lookback days, minus the 3 days Amazon needs to publish.
        assert spec["dataStartTime"].startswith("2026-10-14")
        assert spec["dataEndTime"].startswith("2026-10-17")
        assert row["document_updated_at"] is not None
    assert sum("/reports/2021-06-30/reports" in p for p in operations) >= 4
