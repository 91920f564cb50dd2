"""Checkpoints advance only for windows read to the end; gaps are what is left."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import duckdb
import pytest
from sp_api.auth import access_token_client

from vendor_recon import pipeline
from vendor_recon.checkpoints import MissingWindow, missing_windows
from vendor_recon.config import VendorAccount, load_accounts
from vendor_recon.landing import LandingWriter
from vendor_recon.settings import Settings
from vendor_recon.simulator.faults import FaultPlan, Unavailable
from vendor_recon.simulator.server import SimulatorServer
from vendor_recon.simulator.world import default_accounts, generate_world
from vendor_recon.sources.windows import Window
from vendor_recon.spapi.client import RetryPolicy
from vendor_recon.spapi.credentials import SpApiCredentials
from vendor_recon.spapi.errors import ExtractionError
from vendor_recon.spapi.ratelimit import RateLimiters
from vendor_recon.warehouse import load_landed_files

START = datetime(2026, 11, 2, tzinfo=UTC)
END = START + timedelta(days=9)  # two 7-day slices: 7 days and 2 days
FAST = RetryPolicy(attempts=2, max_total_s=5, initial_wait_s=0.01, max_wait_s=0.02)


def day(n: int) -> datetime:
    return START + timedelta(days=n)


@pytest.fixture(scope="module")
def world():
    return generate_world(5, START, END, accounts=default_accounts(), orders_per_day=2)


@pytest.fixture
def account(repo) -> VendorAccount:
    accounts = load_accounts(repo / "config" / "accounts.yml")
    return next(a for a in accounts if a.account_id == "acme-na")


@pytest.fixture
def settings(tmp_path) -> Settings:
    access_token_client.cache.clear()
    return replace(
        Settings.from_env(),
        snapshot_root=tmp_path / "snapshots",
        warehouse_path=tmp_path / "wh.duckdb",
        lookback=timedelta(0),
    )


def extract(world, account, settings, faults=None) -> dict:
    simulated = world.account(account.account_id)
    with SimulatorServer(world, faults=faults, clock=END) as server:
        credentials = SpApiCredentials(
            lwa_app_id=simulated.lwa_client_id,
            lwa_client_secret=simulated.lwa_client_secret,
            refresh_token=simulated.refresh_token,
            endpoint=server.url,
            lwa_token_url=f"{server.url}/auth/o2/token",
        )
        return pipeline.extract_account(
            account,
            credentials,
            interval_start=START,
            interval_end=END,
            run_id="manual__checkpoints",
            settings=settings,
            sources=("purchase_orders", "purchase_order_statuses"),
            policy=FAST,
            limiters=RateLimiters(),
        )


def checkpoints(settings) -> list[tuple]:
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as connection:
        connection.execute("set timezone = 'UTC'")
        return connection.execute(
            "select source, pull, window_start, window_end "
            "from raw.extraction_checkpoints order by all"
        ).fetchall()


def test_every_slice_of_a_committed_extraction_is_checkpointed(
    world, account, settings
):
    pipeline.load_raw([extract(world, account, settings)], [account], settings)
    slices = [(START, day(7)), (day(7), END)]
    assert checkpoints(settings) == [
        (source, pull, start, end)
        for source, pull in (
            ("purchase_order_statuses", "updated"),
            ("purchase_orders", "changed"),
            ("purchase_orders", "created"),
        )
        for start, end in slices
    ]
    assert missing_windows(
        settings.warehouse_path,
        account_id="acme-na",
        source="purchase_orders",
        since=day(-3),
        until=day(12),
    ) == [
        MissingWindow("created", Window(day(-3), START)),
        MissingWindow("created", Window(END, day(12))),
        MissingWindow("changed", Window(day(-3), START)),
        MissingWindow("changed", Window(END, day(12))),
    ]

    # Loading the same files again checkpoints nothing twice.
    pipeline.load_raw([extract(world, account, settings)], [account], settings)
    assert len(checkpoints(settings)) == 6


def test_a_failed_extraction_advances_no_checkpoint(world, account, settings):
    faults = FaultPlan([Unavailable("getPurchaseOrders", times=50, after=1)])
    with pytest.raises(ExtractionError):
        extract(world, account, settings, faults)
    pipeline.load_raw([], [account], settings)
    assert checkpoints(settings) == []
    assert missing_windows(
        settings.warehouse_path,
        account_id="acme-na",
        source="purchase_orders",
        since=START,
        until=END,
        pulls=["created"],
    ) == [MissingWindow("created", Window(START, END))]


def test_windows_a_commit_declares_unfinished_get_no_checkpoint(account, settings):
    first, second = Window(START, day(7)), Window(day(7), END)
    with LandingWriter(
        settings.snapshot_root, account, "purchase_orders", "partial-run", END
    ) as writer:
        for window in (first, second):
            writer.write_page(
                operation="getPurchaseOrders",
                pull="created",
                window=window,
                page_number=0,
                params={},
                rows=[],
            )
        landed = writer.commit(incomplete_windows=[("created", second)])
    load_landed_files(settings.warehouse_path, [landed.manifest_path])
    assert checkpoints(settings) == [("purchase_orders", "created", START, day(7))]
    gaps = missing_windows(
        settings.warehouse_path,
        account_id="acme-na",
        source="purchase_orders",
        since=START,
        until=END,
        pulls=["created"],
    )
    assert gaps == [MissingWindow("created", second)]


def test_no_warehouse_means_everything_is_missing(settings):
    assert missing_windows(
        settings.warehouse_path,
        account_id="acme-na",
        source="purchase_order_statuses",
        since=START,
        until=END,
    ) == [MissingWindow("updated", Window(START, END))]
    assert (
        missing_windows(
            settings.warehouse_path,
            account_id="acme-na",
            source="purchase_orders",
            since=END,
            until=START,
        )
        == []
    )
