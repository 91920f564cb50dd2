"""Extraction figures of NA, EU and FE against the simulator's documented rate limits.

Every source of the three default accounts is read over a backfill window by
`pipeline.extract_account`, one process per account as the DAG's mapped tasks
run, from a SimulatorServer on 127.0.0.1 that enforces Amazon's usage plans;
then `pipeline.load_raw` loads it all. The figures printed are those
`vendor-recon status --figures` shows, summed from the landing manifests.

Two passes: the production client (its limiter paces each operation to the
usage plan), and the same client with the limiter switched off, which meets
the server's 429s and gets through on retries alone.

    .venv/bin/python benchmarks/simulator_figures.py --days 28 --orders-per-day 12
"""

from __future__ import annotations

import argparse
import multiprocessing
import shutil
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from vendor_recon import pipeline, run_figures
from vendor_recon.config import VendorAccount, load_accounts
from vendor_recon.settings import Settings
from vendor_recon.simulator.server import SimulatorServer
from vendor_recon.simulator.world import default_accounts, generate_world
from vendor_recon.sources.vendor_reports import DAILY_REPORTS
from vendor_recon.spapi.credentials import SpApiCredentials
from vendor_recon.spapi.ratelimit import RateLimiters

START = datetime(2026, 3, 1, tzinfo=UTC)
ACCOUNTS_FILE = Path(__file__).resolve().parents[1] / "config" / "accounts.yml"
COLUMNS = (
    ("account", "account_id", 8),
    ("source", "source", 23),
    ("documents", "documents", 9),
    ("pages", "pages", 6),
    ("requests", "requests", 8),
    ("429s", "throttled", 5),
    ("retries", "retries", 7),
    ("limiter s", "limiter_wait_s", 9),
    ("backoff s", "backoff_s", 9),
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=28)
    parser.add_argument("--orders-per-day", type=int, default=12)
    parser.add_argument("--work", help="folder to keep (default: a temporary one)")
    args = parser.parse_args(argv)
    work = Path(args.work or tempfile.mkdtemp(prefix="vendor-recon-figures-"))
    try:
        run(work, args.days, args.orders_per_day)
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)
    return 0


def run(work: Path, days: int, orders_per_day: int) -> None:
    """Both passes over the same world; each prints its figures table."""
    end = START + timedelta(days=days)
    world = generate_world(
        17, START, end, accounts=default_accounts(), orders_per_day=orders_per_day
    )
    accounts = accounts_with_every_report()
    print(
        f"simulator: {len(accounts)} accounts ({', '.join(a.region for a in accounts)})"
        f", {days} days x {orders_per_day} POs/day, every source, "
        f"{len(DAILY_REPORTS)} report types; one process per account; "
        "documented rate limits on"
    )
    for paced in (True, False):
        label = "client limiter on" if paced else "client limiter off"
        folder = work / ("paced" if paced else "unpaced")
        with SimulatorServer(world, clock=end, rate_limits=True) as server:
            started = time.perf_counter()
            summaries = extract_in_parallel(server, world, accounts, folder, end, paced)
            extracted = time.perf_counter() - started
        settings = settings_in(folder, days)
        pipeline.load_raw(summaries, accounts, settings)
        figures = run_figures.figures_from_manifests(
            run_figures.latest_load_manifests(settings.snapshot_root)
        )
        print(f"\n{label}: extraction took {extracted:.1f} s wall time")
        print_figures(figures)


def accounts_with_every_report() -> list[VendorAccount]:
    """The configured accounts, each reading every daily vendor report."""
    every = {"reports": {report_type: {} for report_type in DAILY_REPORTS}}
    return [replace(a, options=every) for a in load_accounts(ACCOUNTS_FILE)]


def extract_in_parallel(server, world, accounts, folder, end, paced) -> list[dict]:
    jobs = []
    for account in accounts:
        simulated = world.account(account.account_id)
        jobs.append(
            {
                "account": account,
                "credentials": SpApiCredentials(
                    simulated.lwa_client_id,
                    simulated.lwa_client_secret,
                    simulated.refresh_token,
                    server.url,
                    f"{server.url}/auth/o2/token",
                ),
                "folder": folder,
                "days": (end - START).days,
                "end": end,
                "paced": paced,
            }
        )
    context = multiprocessing.get_context("spawn")
    with context.Pool(len(jobs)) as pool:
        return pool.map(extract_one, jobs)


def extract_one(job: dict) -> dict:
    """One extract task in its own process: the whole world as its backfill."""
    limiters = RateLimiters() if job["paced"] else Unpaced()
    return pipeline.extract_account(
        job["account"],
        job["credentials"],
        interval_start=job["end"] - timedelta(days=1),
        interval_end=job["end"],
        run_id="backfill__simulator-figures",
        settings=settings_in(job["folder"], job["days"]),
        limiters=limiters,
    )


def settings_in(folder: Path, days: int) -> Settings:
    return replace(
        Settings.from_env(),
        snapshot_root=folder / "snapshots",
        warehouse_path=folder / "warehouse.duckdb",
        lookback=timedelta(days=days - 1),
    )


class Unpaced(RateLimiters):
    """No client-side pacing: requests go out at once and 429s are retried."""

    def bucket(self, account_id: str, operation: str) -> _NoWait:
        return _NoWait()


class _NoWait:
    def acquire(self) -> float:
        return 0.0

    def update_rate(self, header_value: str | None) -> None:
        pass

    def drain(self) -> None:
        pass


def print_figures(figures: list[run_figures.SourceFigures]) -> None:
    print("  ".join(f"{heading:>{width}}" for heading, _, width in COLUMNS))
    for row in [*figures, run_figures.total(figures)]:
        cells = []
        for _, name, width in COLUMNS:
            value = getattr(row, name)
            if isinstance(value, str):
                text = value
            else:
                text = f"{value:,.1f}" if isinstance(value, float) else f"{value:,}"
            cells.append(f"{text:>{width}}")
        print("  ".join(cells))


if __name__ == "__main__":
    sys.exit(main())
