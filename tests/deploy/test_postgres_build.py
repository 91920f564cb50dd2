"""The PostgreSQL warehouse: a simulated world landed, loaded and built with dbt.

The world's two weeks of history are extracted through the lookback, with the
vendor's inbox files, as the DAG's first run would. The same landing files are
loaded into PostgreSQL and into DuckDB and built on each as of the interval end:
the PostgreSQL build must pass every node, its marts must equal the simulator's
ground truth, and every mart must equal the DuckDB build's, column by column.

Needs a PostgreSQL server reachable with the VENDOR_RECON_PG_* variables
(default 127.0.0.1:5432, user vendor_recon) and a role allowed to create
databases; `.ci/run` starts a throwaway one. Without a server these tests skip.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import time
from collections import Counter
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml

from vendor_recon.simulator.ground_truth import GROUND_TRUTH_COLUMNS
from vendor_recon.simulator.reconciliation import EXCEPTION_KEYS, REMITTANCE_COLUMNS
from vendor_recon.spapi.ratelimit import RateLimiters

pytestmark = pytest.mark.postgres
log = logging.getLogger(__name__)

FIRST_DAY = datetime(2026, 11, 2, tzinfo=UTC)
DAYS = 3
END = FIRST_DAY + timedelta(days=DAYS)
# The business starts two weeks before the interval, which the lookback reads:
# receipts, invoices, payments and deductions have had time to happen.
HISTORY = timedelta(days=14)
KEY = ("account_id", "purchase_order_number", "item_sequence_number")
NAMED_MARTS = (
    "fct_po_line_reconciliation",
    "fct_reconciliation_exceptions",
    "fct_invoice_reconciliation",
    "fct_remittance_lines",
)
PASSED = {"success", "pass"}
# PostgreSQL truncates nothing: a longer relation name is an error (NAMEDATALEN).
MAX_IDENTIFIER = 63
BUILT_TYPES = {"model", "seed", "snapshot", "test"}
# Set by each loader's own clock, so the two loads of the same files differ.
LOAD_TIME_COLUMNS = {"loaded_at"}


@dataclass(frozen=True)
class Build:
    """One in-process `dbt build`, where it wrote its artifacts and, on DuckDB,
    the warehouse file."""

    result: Any
    seconds: float
    target_path: Path
    warehouse: Path | None = None

    @property
    def nodes(self) -> list[Any]:
        return [] if self.result.result is None else list(self.result.result)

    def problems(self) -> list[tuple[str, str, str | None]]:
        return [
            (r.node.unique_id, str(r.status), r.message)
            for r in self.nodes
            if str(r.status) not in PASSED
        ]


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
def landed(tmp_path_factory, repo, server):
    """Every account's API documents and inbox files, landed as Parquet."""
    from vendor_recon import pipeline
    from vendor_recon.config import load_accounts
    from vendor_recon.settings import Settings
    from vendor_recon.simulator.server import SimulatorServer
    from vendor_recon.simulator.world import default_accounts, generate_world
    from vendor_recon.spapi.client import RetryPolicy
    from vendor_recon.spapi.credentials import SpApiCredentials

    root = tmp_path_factory.mktemp("postgres")
    world = generate_world(
        7, FIRST_DAY - HISTORY, END, accounts=default_accounts(), orders_per_day=2
    )
    accounts = load_accounts(repo / "config" / "accounts.yml")
    settings = replace(
        Settings.from_env(),
        snapshot_root=root / "snapshots",
        # No DuckDB file: the inbox scan sees no file as loaded before.
        warehouse_path=root / "unused.duckdb",
        lookback=HISTORY + timedelta(days=1),
        inbox=str(root / "inbox"),
    )
    world.write_inbox(root / "inbox", END)
    manifests = []
    with SimulatorServer(world, clock=END) as simulator:
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
                interval_end=END,
                run_id="manual__postgres_test",
                settings=settings,
                policy=RetryPolicy(attempts=4, max_total_s=20),
                limiters=RateLimiters(),
            )
            manifests.extend(summary["manifests"])
            inbox = pipeline.extract_inbox(
                account, run_id="manual__postgres_test", settings=settings
            )
            manifests.extend(inbox["manifests"])
    return {
        "world": world,
        "accounts": accounts,
        "manifests": manifests,
        "settings": settings,
    }


@pytest.fixture(scope="module")
def loaded(database, landed):
    from vendor_recon.warehouse_postgres import load_landed_files

    first = load_landed_files(database, landed["manifests"], landed["accounts"])
    again = load_landed_files(database, landed["manifests"], landed["accounts"])
    return {"first": first, "again": again}


@pytest.fixture(scope="module")
def built(database, loaded, tmp_path_factory, repo) -> Build:
    tmp = tmp_path_factory.mktemp("dbt_postgres")
    return dbt_build(
        repo / "dbt_project",
        tmp,
        "postgres",
        {
            "VENDOR_RECON_PG_DATABASE": database.database,
            # The profile renders the duckdb output too; it is never opened.
            "VENDOR_RECON_WAREHOUSE": str(tmp / "unused.duckdb"),
        },
    )


@pytest.fixture(scope="module")
def built_on_duckdb(landed, tmp_path_factory, repo) -> Build:
    """The same landing files loaded into DuckDB and built there."""
    from vendor_recon import warehouse

    tmp = tmp_path_factory.mktemp("dbt_duckdb")
    path = tmp / "warehouse.duckdb"
    warehouse.load_landed_files(path, landed["manifests"], landed["accounts"])
    build = dbt_build(
        repo / "dbt_project", tmp, "duckdb", {"VENDOR_RECON_WAREHOUSE": str(path)}
    )
    return replace(build, warehouse=path)


def dbt_build(project: Path, tmp: Path, target: str, env: dict[str, str]) -> Build:
    """`dbt build` the whole project on `target` as of END; output under `tmp`."""
    from dbt.cli.main import dbtRunner

    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        started = time.monotonic()
        result = dbtRunner().invoke(
            [
                "build",
                "--project-dir",
                str(project),
                "--profiles-dir",
                str(project),
                "--target",
                target,
                "--target-path",
                str(tmp / "target"),
                "--log-path",
                str(tmp / "logs"),
                "--vars",
                json.dumps({"as_of": END.isoformat()}),
                "--quiet",
            ]
        )
        seconds = time.monotonic() - started
    build = Build(result, seconds, tmp / "target")
    kinds = Counter(str(r.node.resource_type) for r in build.nodes)
    log.info(
        "dbt build on %s: %s nodes (%s) in %.1f s, %s not passed",
        target,
        len(build.nodes),
        ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items())),
        seconds,
        len(build.problems()),
    )
    return build


def query(target, sql: str) -> list[dict]:
    connection = target.connect()
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql)
            columns = [d[0] for d in cursor.description]
            return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    finally:
        connection.close()


def query_duckdb(path: Path, sql: str) -> list[dict]:
    """Rows as dicts, JSON decoded as psycopg2 decodes PostgreSQL's json."""
    # Plain: in-process dbt keeps its own handle open, and duckdb refuses a
    # second one with another configuration (read_only is one).
    with duckdb.connect(str(path)) as connection:
        cursor = connection.execute(sql)
        columns = [d[0] for d in cursor.description]
        decoded = [str(d[1]) == "JSON" for d in cursor.description]
        return [
            {
                column: json.loads(value) if is_json and value is not None else value
                for column, value, is_json in zip(columns, row, decoded, strict=True)
            }
            for row in cursor.fetchall()
        ]


def test_the_loader_writes_raw_once_and_a_rerun_adds_nothing(database, loaded):
    assert sum(r.rows_inserted for r in loaded["first"]) > 20
    assert sum(r.rows_inserted for r in loaded["again"]) == 0
    assert all(r.skipped_as_already_loaded for r in loaded["again"])
    (counts,) = query(
        database,
        "select (select count(*) from raw.purchase_orders) as orders, "
        "(select count(*) from raw.remittance_lines) as remittance_lines, "
        "(select count(*) from raw.load_log) as files, "
        "(select count(*) from raw.vendor_accounts) as accounts",
    )
    # Byte-identical files (two empty pulls) load once, as in DuckDB.
    new_files = [r for r in loaded["first"] if not r.skipped_as_already_loaded]
    assert counts["files"] == len(new_files)
    assert counts["accounts"] == 3
    assert counts["orders"] > 0
    assert counts["remittance_lines"] > 0


def test_the_inbox_scan_skips_the_files_postgres_holds(
    database, landed, loaded, tmp_path, monkeypatch
):
    """With the PostgreSQL warehouse, a rerun lands none of the loaded files."""
    from vendor_recon import pipeline, warehouse_postgres

    monkeypatch.setenv("VENDOR_RECON_WAREHOUSE_KIND", "postgres")
    monkeypatch.setenv("VENDOR_RECON_PG_DATABASE", database.database)
    settings = replace(landed["settings"], snapshot_root=tmp_path / "snapshots")
    for account in landed["accounts"]:
        held = warehouse_postgres.loaded_inbox_files(None, account.account_id)
        assert held, f"{account.account_id}: no inbox file recorded as loaded"
        again = pipeline.extract_inbox(
            account, run_id="manual__postgres_rerun", settings=settings
        )
        assert again["manifests"] == []
        seen = sum(item["already_seen"] for item in again["files"].values())
        new = sum(item["new"] for item in again["files"].values())
        assert (seen, new) == (len(held), 0)


def test_a_missing_landing_file_fails_the_load_and_writes_nothing(
    database, landed, tmp_path
):
    from vendor_recon.warehouse_postgres import load_landed_files

    before = query(database, "select count(*) as n from raw.load_log")
    missing = tmp_path / "missing.manifest.json"
    with pytest.raises(Exception):  # noqa: B017 (any error; the point is rollback)
        load_landed_files(database, [*landed["manifests"], missing])
    assert query(database, "select count(*) as n from raw.load_log") == before


def test_dbt_build_passes_every_node_on_postgres(built):
    assert built.result.result is not None, built.result.exception
    assert built.problems() == []
    assert built.result.success
    # Every model, seed, snapshot, test and unit test of the project ran: none
    # was left out of the build.
    manifest = json.loads((built.target_path / "manifest.json").read_text())
    expected = {
        unique_id
        for unique_id, node in manifest["nodes"].items()
        if node["resource_type"] in BUILT_TYPES
        and node["config"]["materialized"] != "ephemeral"
    } | set(manifest["unit_tests"])
    ran = {r.node.unique_id for r in built.nodes}
    assert sorted(expected - ran) == []
    kinds = {str(r.node.resource_type) for r in built.nodes}
    assert {"model", "seed", "test", "unit_test"} <= kinds


def test_the_po_lines_equal_the_ground_truth(database, landed, built):
    expected = {
        key_of(row): normalised(row, GROUND_TRUTH_COLUMNS)
        for row in landed["world"].ground_truth_po_lines(END)
    }
    mart = query(database, "select * from marts.fct_po_line_reconciliation")
    actual = {key_of(row): normalised(row, GROUND_TRUTH_COLUMNS) for row in mart}
    states = {row["purchase_order_state"] for row in expected.values()}
    assert states == {"New", "Acknowledged", "Closed"}, "the world lacks a case"
    statuses = {row["reconciliation_status"] for row in expected.values()}
    assert {"open", "matched", "exception"} <= statuses, "the world lacks a case"
    assert sorted(actual) == sorted(expected)
    mismatches = [
        (key, column, actual[key][column], expected[key][column])
        for key in expected
        for column in GROUND_TRUTH_COLUMNS
        if actual[key][column] != expected[key][column]
    ]
    assert mismatches == []


def test_the_exceptions_equal_the_ground_truth(database, landed, built):
    expected = Counter(
        tuple(normalised(row, EXCEPTION_KEYS).values())
        for row in landed["world"].ground_truth_exceptions(END)
    )
    mart = query(database, "select * from marts.fct_reconciliation_exceptions")
    actual = Counter(tuple(normalised(row, EXCEPTION_KEYS).values()) for row in mart)
    kinds = {key[0] for key in expected}
    assert len(kinds) >= 8, f"the world holds only {sorted(kinds)}"
    assert sorted(actual - expected) == []
    assert sorted(expected - actual) == []
    assert len({row["exception_id"] for row in mart}) == len(mart)


def test_the_remittance_lines_equal_the_ground_truth(database, landed, built):
    expected = Counter(
        tuple(normalised(row, REMITTANCE_COLUMNS).values())
        for row in landed["world"].ground_truth_remittance_lines(END)
    )
    mart = query(database, "select * from marts.fct_remittance_lines")
    actual = Counter(
        tuple(normalised(row, REMITTANCE_COLUMNS).values()) for row in mart
    )
    deductions = {row["deduction_type"] for row in mart} - {"invoice_payment"}
    assert deductions, "the world holds no deduction"
    assert sorted(actual - expected) == []
    assert sorted(expected - actual) == []


def test_every_mart_equals_the_duckdb_build_column_by_column(
    database, built, built_on_duckdb
):
    """The simulator has no ground truth for every mart (invoices, for one):
    the same raw rows must then give the same rows on both engines."""
    assert built_on_duckdb.problems() == []
    warehouse = built_on_duckdb.warehouse
    tables_sql = (
        "select table_name from information_schema.tables"
        " where table_schema = 'marts' order by table_name"
    )
    tables = [row["table_name"] for row in query(database, tables_sql)]
    assert tables == [row["table_name"] for row in query_duckdb(warehouse, tables_sql)]
    assert set(NAMED_MARTS) <= set(tables)
    columns_sql = (
        "select column_name from information_schema.columns"
        " where table_schema = 'marts' and table_name = '{}'"
        " order by ordinal_position"
    )
    rows, differences = {}, {}
    for table in tables:
        columns = [r["column_name"] for r in query(database, columns_sql.format(table))]
        duckdb_columns = [
            r["column_name"] for r in query_duckdb(warehouse, columns_sql.format(table))
        ]
        if columns != duckdb_columns:
            differences[table] = ("columns", columns, duckdb_columns)
            continue
        sql = f"select * from marts.{table}"
        on_postgres = Counter(comparable(row) for row in query(database, sql))
        on_duckdb = Counter(comparable(row) for row in query_duckdb(warehouse, sql))
        rows[table] = on_postgres.total()
        if on_postgres != on_duckdb:
            # A few rows of each side's surplus are enough to see the cause.
            differences[table] = (
                list((on_postgres - on_duckdb).elements())[:3],
                list((on_duckdb - on_postgres).elements())[:3],
            )
    assert differences == {}
    assert all(rows[table] for table in NAMED_MARTS), f"a mart is empty: {rows}"


def test_money_keeps_its_declared_scale_on_both_engines(
    database, built, built_on_duckdb
):
    """Every decimal column of the marts has the same precision and scale on
    both engines: a sum or case that lost its scale on PostgreSQL renders
    differently (100.0000 against 100.0) and fails unit tests there only."""
    columns_sql = (
        "select table_name, column_name, numeric_precision, numeric_scale"
        " from information_schema.columns where table_schema = 'marts'"
        " and ({types})"
    )
    on_postgres = query(
        database,
        columns_sql.format(
            types="data_type in ('numeric', 'double precision', 'real')"
        ),
    )
    on_duckdb = query_duckdb(
        built_on_duckdb.warehouse,
        columns_sql.format(
            types="data_type like 'DECIMAL%' or data_type in ('DOUBLE', 'FLOAT')"
        ),
    )
    assert any(row["column_name"].endswith("_amount") for row in on_postgres)

    def scales(rows):
        return {
            (row["table_name"], row["column_name"]): (
                row["numeric_precision"],
                row["numeric_scale"],
            )
            for row in rows
        }

    assert scales(on_postgres) == scales(on_duckdb)


def test_every_unit_test_name_fits_a_postgres_identifier(repo):
    """dbt names a unit test's relation after the test; PostgreSQL rejects a
    name over 63 characters, so a long name fails only on PostgreSQL."""
    names = [
        test["name"]
        for path in sorted((repo / "dbt_project" / "models").rglob("*.yml"))
        for test in (yaml.safe_load(path.read_text()) or {}).get("unit_tests", [])
    ]
    assert len(names) > 20
    assert [name for name in names if len(name) > MAX_IDENTIFIER] == []


def test_the_password_is_not_in_the_target_repr(server):
    shown = repr(replace(server, password=os.urandom(8).hex()))
    assert "password" not in shown


def test_the_window_mark_lands_and_an_older_table_gets_its_column(server, tmp_path):
    """`is_outside_window` as the source decided it, in a raw table made before
    the column existed (the loader adds it, as DuckDB's connect does)."""
    from vendor_recon.config import VendorAccount
    from vendor_recon.landing import LandingWriter
    from vendor_recon.sources.windows import Window
    from vendor_recon.warehouse import document_columns
    from vendor_recon.warehouse_postgres import load_landed_files

    account = VendorAccount(
        account_id="acme-na",
        region="NA",
        marketplace_ids=("ATVPDKIKX0DER",),
        vendor_codes=("ACME1",),
        currency_code="USD",
        connection_id="spapi_acme_na",
        reporting_currency_code="USD",
    )
    window = Window(FIRST_DAY, FIRST_DAY + timedelta(days=1))
    verdicts = {"A1": True, "A2": False, "A3": None}
    with LandingWriter(
        tmp_path / "snapshots", account, "purchase_orders", "run1", END
    ) as writer:
        writer.write_page(
            operation="getPurchaseOrders",
            pull="created",
            window=window,
            page_number=0,
            params={"limit": 3},
            rows=[
                {
                    "record_number": index,
                    "document_key": key,
                    "document_updated_at": FIRST_DAY,
                    "record": {"purchaseOrderNumber": key},
                    "quarantine_reason": None,
                    "is_outside_window": verdict,
                }
                for index, (key, verdict) in enumerate(verdicts.items())
            ],
        )
        landed = writer.commit()

    name = f"vendor_recon_test_{secrets.token_hex(4)}"
    admin = server.connect()
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'create database "{name}"')
    try:
        target = replace(server, database=name)
        older = [c for c in document_columns() if c[0] != "is_outside_window"]
        connection = target.connect()
        with connection, connection.cursor() as cursor:
            cursor.execute("create schema raw")
            cursor.execute(
                "create table raw.purchase_orders "
                f"({', '.join(f'{column} {kind}' for column, kind in older)})"
            )
        connection.close()
        load_landed_files(target, [landed.manifest_path])
        marked = query(
            target, "select document_key, is_outside_window from raw.purchase_orders"
        )
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'drop database if exists "{name}" with (force)')
        admin.close()
    assert {r["document_key"]: r["is_outside_window"] for r in marked} == verdicts


def key_of(row: dict[str, Any]) -> tuple:
    return tuple(row[k] for k in KEY)


def normalised(row: dict[str, Any], columns: tuple[str, ...]) -> dict[str, Any]:
    """Values as the ground truth holds them: decimals by value, times in UTC."""
    out = {}
    for column in columns:
        value = row[column]
        if isinstance(value, float):
            raise AssertionError(f"{column} is a float; money and units are exact")
        if isinstance(value, Decimal):
            value = Decimal(0) if value == 0 else value.normalize()
        elif isinstance(value, datetime):
            value = value.astimezone(UTC)
        out[column] = value
    return out


def comparable(row: dict[str, Any]) -> tuple:
    """A row as a hashable tuple of exact values, load times left out."""
    return tuple(
        (column, exact(value))
        for column, value in row.items()
        if column not in LOAD_TIME_COLUMNS
    )


def exact(value: Any) -> Any:
    """A timestamp in UTC (each driver returns it in its session's time zone);
    arrays and JSON objects as tuples, so that rows can be counted."""
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    if isinstance(value, list):
        return tuple(exact(item) for item in value)
    if isinstance(value, dict):
        return tuple(sorted((key, exact(item)) for key, item in value.items()))
    return value
