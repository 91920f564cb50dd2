"""The PostgreSQL warehouse: a generated world landed, loaded and built with dbt.

Needs a PostgreSQL server reachable with the VENDOR_RECON_PG_* variables
(default 127.0.0.1:5432, user vendor_recon) and a role allowed to create
databases; `.ci/run` starts a throwaway one. Without a server the tests skip.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from vendor_recon.spapi.ratelimit import RateLimiters

pytestmark = pytest.mark.postgres

FIRST_DAY = datetime(2026, 11, 2, tzinfo=UTC)
DAYS = 3
KEY = ("account_id", "purchase_order_number", "item_sequence_number")
COMPARED = (
    "purchase_order_state",
    "currency_code",
    "po_unit_cost",
    "ordered_units",
    "cancelled_units",
    "accepted_units",
    "rejected_units",
    "received_units",
)


@pytest.fixture(scope="module")
def server():
    """The configured server, or a skip that says how to get one."""
    from vendor_recon.warehouse_postgres import PostgresTarget

    configured = PostgresTarget.from_env()
    # The tests create their own database; the server's maintenance one will do.
    target = replace(configured, database="postgres")
    try:
        connection = target.connect(connect_timeout=3)
    except Exception as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        pytest.skip(
            f"no PostgreSQL server reachable at {target!r} ({reason}); set "
            "VENDOR_RECON_PG_HOST/PORT/USER/PASSWORD, or run .ci/run, which "
            "starts one"
        )
    connection.close()
    return target


@pytest.fixture(scope="module")
def database(server):
    """A fresh database for this module, dropped afterwards."""
    name = f"vendor_recon_test_{secrets.token_hex(4)}"
    admin = server.connect()
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'create database "{name}"')
    try:
        yield replace(server, database=name)
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'drop database if exists "{name}" with (force)')
        admin.close()


@pytest.fixture(scope="module")
def landed(tmp_path_factory, repo):
    """Every account of a small world extracted from the simulator to Parquet."""
    from vendor_recon import pipeline
    from vendor_recon.config import load_accounts
    from vendor_recon.settings import Settings
    from vendor_recon.simulator.server import SimulatorServer
    from vendor_recon.simulator.world import default_accounts, generate_world
    from vendor_recon.spapi.client import RetryPolicy
    from vendor_recon.spapi.credentials import SpApiCredentials

    root = tmp_path_factory.mktemp("postgres")
    end = FIRST_DAY + timedelta(days=DAYS)
    world = generate_world(
        7, FIRST_DAY, end, accounts=default_accounts(), orders_per_day=2
    )
    accounts = load_accounts(repo / "config" / "accounts.yml")
    base = Settings.from_env()
    settings = replace(
        base,
        snapshot_root=root / "snapshots",
        warehouse_path=root / "unused.duckdb",
        lookback=timedelta(0),
    )
    manifests = []
    with SimulatorServer(world, clock=end) as simulator:
        for account in accounts:
            simulated = world.account(account.account_id)
            summary = pipeline.extract_account(
                account,
                SpApiCredentials(
                    lwa_app_id=simulated.lwa_client_id,
                    lwa_client_secret=simulated.lwa_client_secret,
                    refresh_token=simulated.refresh_token,
                    endpoint=simulator.url,
                    lwa_token_url=f"{simulator.url}/auth/o2/token",
                ),
                interval_start=FIRST_DAY,
                interval_end=end,
                run_id="manual__postgres_test",
                settings=settings,
                policy=RetryPolicy(attempts=4, max_total_s=20),
                limiters=RateLimiters(),
            )
            manifests.extend(summary["manifests"])
    return {"world": world, "end": end, "accounts": accounts, "manifests": manifests}


@pytest.fixture(scope="module")
def loaded(database, landed):
    from vendor_recon.warehouse_postgres import load_landed_files

    first = load_landed_files(database, landed["manifests"], landed["accounts"])
    again = load_landed_files(database, landed["manifests"], landed["accounts"])
    return {"first": first, "again": again}


@pytest.fixture(scope="module")
def built(database, loaded, tmp_path_factory, repo):
    from dbt.cli.main import dbtRunner

    tmp = tmp_path_factory.mktemp("dbt_postgres")
    patch = pytest.MonkeyPatch()
    patch.setenv("VENDOR_RECON_PG_DATABASE", database.database)
    patch.setenv("VENDOR_RECON_WAREHOUSE", str(tmp / "unused.duckdb"))
    project = repo / "dbt_project"
    try:
        result = dbtRunner().invoke(
            [
                "build",
                "--project-dir",
                str(project),
                "--profiles-dir",
                str(project),
                "--target",
                "postgres",
                "--target-path",
                str(tmp / "target"),
                "--log-path",
                str(tmp / "logs"),
                "--quiet",
            ]
        )
    finally:
        patch.undo()
    return result


def query(target, sql: str) -> list[dict]:
    connection = target.connect()
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql)
            columns = [d[0] for d in cursor.description]
            return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    finally:
        connection.close()


def test_the_loader_writes_raw_once_and_a_rerun_adds_nothing(database, loaded):
    assert sum(r.rows_inserted for r in loaded["first"]) > 20
    assert sum(r.rows_inserted for r in loaded["again"]) == 0
    assert all(r.skipped_as_already_loaded for r in loaded["again"])
    (counts,) = query(
        database,
        "select (select count(*) from raw.purchase_orders) as orders, "
        "(select count(*) from raw.load_log) as files, "
        "(select count(*) from raw.vendor_accounts) as accounts",
    )
    # Byte-identical files (two empty pulls) load once, as in DuckDB.
    new_files = [r for r in loaded["first"] if not r.skipped_as_already_loaded]
    assert counts["files"] == len(new_files)
    assert counts["accounts"] == 3
    assert counts["orders"] > 0


def test_a_missing_landing_file_fails_the_load_and_writes_nothing(
    database, landed, tmp_path
):
    from vendor_recon.warehouse_postgres import load_landed_files

    before = query(database, "select count(*) as n from raw.load_log")
    missing = tmp_path / "missing.manifest.json"
    with pytest.raises(Exception):  # noqa: B017 (any error; the point is rollback)
        load_landed_files(database, [*landed["manifests"], missing])
    assert query(database, "select count(*) as n from raw.load_log") == before


# Nodes that fail on PostgreSQL 15 today, each reported to the models' owner.
# The loader and dbt target are not the cause; see README, Deployment.
KNOWN_NOT_PORTABLE = {
    # dbt names the unit test's relation after the test: longer than 63 characters.
    "test_stg_spapi__purchase_order_line_statuses_keeps_unknowns_null",
    "test_stg_inbox__shipment_confirmation_items_replace_supersedes_original",
    # Results differ: an original invoice number read as NULL (regex), and
    # 100.0000 against the fixture's 100.0 (numeric scale).
    "test_stg_inbox__remittance_lines_reads_deduction_suffixes",
    "test_int_invoices_counted_applies_the_duplicate_rule",
}


def test_dbt_builds_on_postgres_but_for_the_known_non_portable_nodes(built):
    failed = {
        r.node.name
        for r in (built.result or [])
        if str(r.status) in ("error", "fail", "runtime error")
    }
    assert built.result is not None, built.exception
    new = sorted(failed - KNOWN_NOT_PORTABLE)
    assert new == [], "nodes that newly fail on PostgreSQL"


def test_the_mart_equals_the_ground_truth(database, landed, built):
    statuses = {r.node.name: str(r.status) for r in (built.result or [])}
    if statuses.get("fct_po_line_reconciliation") != "success":
        blocked = sorted(n for n, st in statuses.items() if st in ("error", "fail"))
        pytest.xfail(
            "fct_po_line_reconciliation is not built on PostgreSQL yet; blocked by "
            + ", ".join(blocked)
        )
    expected = {
        tuple(row[k] for k in KEY): {c: _exact(row[c]) for c in COMPARED}
        for row in landed["world"].ground_truth_po_lines(landed["end"])
    }
    actual = {
        tuple(row[k] for k in KEY): {c: _exact(row[c]) for c in COMPARED}
        for row in query(database, "select * from marts.fct_po_line_reconciliation")
    }
    assert len(expected) > 20
    assert sorted(actual) == sorted(expected)
    assert [k for k in expected if actual[k] != expected[k]] == []


def _exact(value):
    return Decimal(value).normalize() if isinstance(value, Decimal) else value


def test_the_password_is_not_in_the_target_repr(server):
    shown = repr(replace(server, password=os.urandom(8).hex()))
    assert "password" not in shown
