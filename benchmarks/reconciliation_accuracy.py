"""Reconciliation accuracy: precision and recall per exception type on simulated worlds.

For each seed, a world with accounts in NA, EU and FE is served by the simulator
on 127.0.0.1 and read the way production reads it, day after day: every account's
SP-API sources extracted for the day (plus the rolling lookback), the vendor's
files of the day dropped into the inbox and extracted, everything loaded, then
`dbt build` as of the last day. The marts are compared with the world's ground
truth: every PO line on every contract column, and every exception.

    .venv/bin/python benchmarks/reconciliation_accuracy.py --seeds 7 8 9

Vendor reports are not requested: createReport's documented rate (a burst of 15,
then one a minute per account) would hold 20 compressed days up for over an hour,
and no exception reads them (tests/dbt/test_report_marts.py checks their marts).

Prints, per seed and exception type, true positives, false positives, false
negatives, precision and recall; the PO lines that differ; and the seconds spent
extracting, loading and building.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections import Counter
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FIRST_DAY = datetime(2026, 11, 2, tzinfo=UTC)
ORDER_DAYS = 4
# Daily runs go on after the last PO, while POs are received, invoiced and paid.
RUN_DAYS = ORDER_DAYS + 16


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[7, 8, 9])
    parser.add_argument("--orders-per-day", type=int, default=3)
    parser.add_argument("--work", help="folder to keep (default: a temporary one)")
    args = parser.parse_args(argv)
    for name, value in {
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
        "DBT_VERSION_CHECK": "False",
        "DO_NOT_TRACK": "1",
        "GX_ANALYTICS_ENABLED": "False",
    }.items():
        os.environ.setdefault(name, value)

    work = Path(args.work or tempfile.mkdtemp(prefix="vendor-recon-accuracy-"))
    print(f"{RUN_DAYS} daily runs per world from {FIRST_DAY:%Y-%m-%d}; work {work}")
    failures = 0
    for seed in args.seeds:
        failures += run_seed(seed, args.orders_per_day, work / f"seed{seed}")
    return 1 if failures else 0


def run_seed(seed: int, orders_per_day: int, work: Path) -> int:
    """Extract, load and build one world; print its scores; return the misses."""
    from vendor_recon import pipeline
    from vendor_recon.config import load_accounts
    from vendor_recon.settings import Settings
    from vendor_recon.simulator.server import SimulatorServer
    from vendor_recon.simulator.world import default_accounts, generate_world
    from vendor_recon.sources.registry import sources_for
    from vendor_recon.spapi.credentials import SpApiCredentials
    from vendor_recon.spapi.ratelimit import RateLimiters

    settings = replace(
        Settings.from_env(),
        warehouse_path=work / "warehouse.duckdb",
        snapshot_root=work / "snapshots",
        docs_dir=work / "data_docs",
        inbox=str(work / "inbox"),
    )
    accounts = load_accounts(settings.accounts_file)
    world = generate_world(
        seed,
        FIRST_DAY,
        FIRST_DAY + timedelta(days=ORDER_DAYS),
        accounts=default_accounts(),
        orders_per_day=orders_per_day,
    )
    as_of = FIRST_DAY + timedelta(days=RUN_DAYS)
    seconds = Counter()
    with SimulatorServer(world) as server:
        for day in range(RUN_DAYS):
            start = FIRST_DAY + timedelta(days=day)
            end = start + timedelta(days=1)
            server.set_clock(end)
            world.write_inbox(Path(settings.inbox), end)
            run_id = f"accuracy__{end:%Y%m%d}"
            extractions = []
            began = time.perf_counter()
            for account in accounts:
                simulated = world.account(account.account_id)
                credentials = SpApiCredentials(
                    lwa_app_id=simulated.lwa_client_id,
                    lwa_client_secret=simulated.lwa_client_secret,
                    refresh_token=simulated.refresh_token,
                    endpoint=server.url,
                    lwa_token_url=f"{server.url}/auth/o2/token",
                )
                extractions.append(
                    pipeline.extract_account(
                        account,
                        credentials,
                        interval_start=start,
                        interval_end=end,
                        run_id=run_id,
                        settings=settings,
                        sources=[
                            name
                            for name in sources_for(account)
                            if name != "vendor_reports"
                        ],
                        limiters=RateLimiters(),
                    )
                )
                extractions.append(
                    pipeline.extract_inbox(account, run_id=run_id, settings=settings)
                )
            seconds["extract"] += time.perf_counter() - began
            began = time.perf_counter()
            pipeline.load_raw(extractions, accounts, settings)
            seconds["load"] += time.perf_counter() - began
    began = time.perf_counter()
    build = pipeline.build_marts(settings, variables={"as_of": as_of.isoformat()})
    seconds["dbt build"] = time.perf_counter() - began

    misses = report(seed, world, as_of, settings.warehouse_path)
    print(
        f"seed {seed}: extract {seconds['extract']:.1f} s, load "
        f"{seconds['load']:.1f} s, dbt build {seconds['dbt build']:.1f} s "
        f"({build['nodes']} nodes)"
    )
    return misses


def report(seed: int, world, as_of: datetime, warehouse: Path) -> int:
    """Print precision and recall per exception type and PO-line differences."""
    import duckdb

    from vendor_recon.simulator.ground_truth import GROUND_TRUTH_COLUMNS
    from vendor_recon.simulator.reconciliation import EXCEPTION_KEYS

    # Not read-only: the in-process dbt of the build may still hold the file.
    with duckdb.connect(str(warehouse)) as connection:
        exceptions = rows(connection, "marts.fct_reconciliation_exceptions")
        po_lines = rows(connection, "marts.fct_po_line_reconciliation")

    expected = Counter(
        key_of(row, EXCEPTION_KEYS) for row in world.ground_truth_exceptions(as_of)
    )
    actual = Counter(key_of(row, EXCEPTION_KEYS) for row in exceptions)
    print(f"\nseed {seed}, as of {as_of:%Y-%m-%d}")
    print(
        f"{'exception_type':<26}{'expected':>9}{'found':>7}{'TP':>5}{'FP':>5}"
        f"{'FN':>5}{'precision':>11}{'recall':>8}"
    )
    misses = 0
    for kind in sorted({key[0] for key in expected | actual}):
        wanted = Counter({k: n for k, n in expected.items() if k[0] == kind})
        found = Counter({k: n for k, n in actual.items() if k[0] == kind})
        true_positives = sum((wanted & found).values())
        false_positives = sum((found - wanted).values())
        false_negatives = sum((wanted - found).values())
        misses += false_positives + false_negatives
        print(
            f"{kind:<26}{sum(wanted.values()):>9}{sum(found.values()):>7}"
            f"{true_positives:>5}{false_positives:>5}{false_negatives:>5}"
            f"{ratio(true_positives, true_positives + false_positives):>11}"
            f"{ratio(true_positives, true_positives + false_negatives):>8}"
        )

    line_key = ("account_id", "purchase_order_number", "item_sequence_number")
    truth = {
        key_of(row, line_key): key_of(row, GROUND_TRUTH_COLUMNS)
        for row in world.ground_truth_po_lines(as_of)
    }
    mart = {
        key_of(row, line_key): key_of(row, GROUND_TRUTH_COLUMNS) for row in po_lines
    }
    differing = [
        key for key in truth.keys() | mart.keys() if truth.get(key) != mart.get(key)
    ]
    misses += len(differing)
    print(
        f"PO lines: {len(truth)} expected, {len(mart)} in the mart, "
        f"{len(differing)} differ on some of {len(GROUND_TRUTH_COLUMNS)} columns"
    )
    return misses


def rows(connection, table: str) -> list[dict]:
    cursor = connection.execute(f"select * from {table}")
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def key_of(row: dict, columns) -> tuple:
    """The row's values on `columns`, compared as money and instants (2 == 2.00)."""
    return tuple(_plain(row.get(column)) for column in columns)


def _plain(value):
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return Decimal(0) if value == 0 else value.normalize()
    return value


def ratio(numerator: int, denominator: int) -> str:
    return "-" if denominator == 0 else f"{numerator / denominator:.3f}"


if __name__ == "__main__":
    sys.exit(main())
