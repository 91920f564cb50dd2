"""The daily DAG under Airflow's dag.test(), against the simulator, vs ground truth."""

from __future__ import annotations

import os
from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from vendor_recon import local_airflow
from vendor_recon.demo import simulator_connection
from vendor_recon.simulator.ground_truth import GROUND_TRUTH_COLUMNS
from vendor_recon.simulator.reconciliation import EXCEPTION_KEYS

pytestmark = pytest.mark.e2e

FIRST_DAY = datetime(2026, 11, 2, tzinfo=UTC)
DAYS = 3
# The business starts two weeks before the first run, and the first runs read
# it all through the lookback: receipts, invoices, payments and deductions have
# had time to happen, so every kind of document and exception is there.
HISTORY = timedelta(days=14)
SEED = 7
KEY = ("account_id", "purchase_order_number", "item_sequence_number")
# Every column of the contract, as the simulator's ground truth lists them.
COLUMNS = GROUND_TRUTH_COLUMNS


@pytest.fixture(scope="module")
def pipeline_env(tmp_path_factory, repo):
    """Settings in a temp folder, the simulator running, the metadata DB ready."""
    from vendor_recon.simulator.server import SimulatorServer
    from vendor_recon.simulator.world import default_accounts, generate_world

    root = tmp_path_factory.mktemp("e2e")
    patch = pytest.MonkeyPatch()
    patch.setenv("VENDOR_RECON_HOME", str(repo))
    patch.setenv("VENDOR_RECON_WAREHOUSE", str(root / "warehouse" / "recon.duckdb"))
    patch.setenv("VENDOR_RECON_SNAPSHOTS", str(root / "snapshots"))
    patch.setenv("VENDOR_RECON_DOCS", str(root / "warehouse" / "data_docs"))
    patch.setenv("VENDOR_RECON_LOOKBACK_DAYS", str(HISTORY.days + 1))
    patch.setenv("VENDOR_RECON_INBOX", str(root / "inbox"))

    world = generate_world(
        SEED,
        FIRST_DAY - HISTORY,
        FIRST_DAY + timedelta(days=DAYS),
        accounts=default_accounts(),
        orders_per_day=2,
    )
    local_airflow.migrate_db()
    dag = local_airflow.load_dag(repo / "dags", "vendor_reconciliation_daily")
    connection_ids = {
        "acme-na": "spapi_acme_na",
        "acme-eu": "spapi_acme_eu",
        "acme-fe": "spapi_acme_fe",
    }
    with SimulatorServer(world) as server:
        for account in world.accounts:
            patch.setenv(
                f"AIRFLOW_CONN_{connection_ids[account.account_id].upper()}",
                __import__("json").dumps(simulator_connection(server.url, account)),
            )

        def run_day(offset: int) -> str:
            interval_end = FIRST_DAY + timedelta(days=offset + 1)
            server.set_clock(interval_end)
            # The vendor's ERP drops the day's invoices, ASNs and remittances.
            world.write_inbox(root / "inbox", interval_end)
            return local_airflow.run_dag(dag, interval_end)

        states = [run_day(offset) for offset in range(DAYS)]
        yield {
            "world": world,
            "server": server,
            "states": states,
            "run_day": run_day,
            "warehouse": root / "warehouse" / "recon.duckdb",
            "snapshots": root / "snapshots",
            "docs": root / "warehouse" / "data_docs",
        }
    patch.undo()


def query(path, sql: str) -> list[dict]:
    with duckdb.connect(str(path)) as connection:
        cursor = connection.execute(sql)
        columns = [d[0] for d in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def normalise(row: dict) -> dict:
    out = {}
    for column in COLUMNS:
        value = row[column]
        if isinstance(value, datetime):
            value = value.astimezone(UTC)
        if isinstance(value, float):
            raise AssertionError(f"{column} is a float; money and units must be exact")
        if isinstance(value, Decimal):
            value = Decimal(0) if value == 0 else value.normalize()
        out[column] = value
    return out


def test_every_daily_run_succeeds(pipeline_env):
    assert pipeline_env["states"] == ["success"] * DAYS


def test_mart_matches_ground_truth_row_by_row(pipeline_env):
    world = pipeline_env["world"]
    as_of = FIRST_DAY + timedelta(days=DAYS)
    expected = {
        tuple(r[k] for k in KEY): normalise(r)
        for r in world.ground_truth_po_lines(as_of)
    }
    actual = {
        tuple(r[k] for k in KEY): normalise(r)
        for r in query(
            pipeline_env["warehouse"], "select * from marts.fct_po_line_reconciliation"
        )
    }
    assert len(expected) > 20
    assert {key[0] for key in expected} == {"acme-na", "acme-eu", "acme-fe"}
    assert sorted(actual) == sorted(expected)
    mismatches = [
        (key, column, actual[key][column], expected[key][column])
        for key in expected
        for column in COLUMNS
        if actual[key][column] != expected[key][column]
    ]
    assert mismatches == []


EXCEPTION_COLUMNS = EXCEPTION_KEYS


def test_exceptions_match_ground_truth(pipeline_env):
    def row_key(row):
        values = []
        for column in EXCEPTION_COLUMNS:
            value = row[column]
            if isinstance(value, Decimal):
                value = Decimal(0) if value == 0 else value.normalize()
            values.append(value)
        return tuple(values)

    as_of = FIRST_DAY + timedelta(days=DAYS)
    expected = Counter(
        row_key(r) for r in pipeline_env["world"].ground_truth_exceptions(as_of)
    )
    actual = Counter(
        row_key(r)
        for r in query(
            pipeline_env["warehouse"],
            "select * from marts.fct_reconciliation_exceptions",
        )
    )
    assert expected, "the world holds no exception"
    assert sorted(actual - expected) == []
    assert sorted(expected - actual) == []


def test_money_is_decimal_in_the_mart(pipeline_env):
    (column_type,) = query(
        pipeline_env["warehouse"],
        "select data_type from information_schema.columns "
        "where table_schema = 'marts' and table_name = 'fct_po_line_reconciliation' "
        "and column_name = 'po_unit_cost'",
    )
    assert column_type["data_type"].startswith("DECIMAL")


def test_quality_results_and_data_docs_are_stored(pipeline_env):
    results = query(
        pipeline_env["warehouse"],
        "select run_id, count(*) as n, bool_and(success) as ok "
        "from quality.gx_results group by run_id",
    )
    assert len(results) == DAYS
    assert all(r["n"] >= 5 for r in results)
    assert (pipeline_env["docs"] / "index.html").is_file()


def test_snapshots_verify_and_no_secret_is_stored(pipeline_env):
    from vendor_recon.landing import manifests_in, verify_manifest

    manifests = manifests_in(pipeline_env["snapshots"])
    sources = {path.parent.parent.name for path in manifests}
    assert {
        "purchase_orders",
        "purchase_order_statuses",
        "finance_invoices",
        "vendor_invoices",
        "vendor_shipment_confirmations",
    } <= sources
    # One manifest per run, account and API source, whatever the inbox held.
    api = [p for p in manifests if p.parent.parent.name in ("purchase_orders",)]
    assert len(api) == DAYS * 3
    for manifest in manifests:
        verify_manifest(manifest)
    secrets = [
        secret
        for account in pipeline_env["world"].accounts
        for secret in (account.refresh_token, account.lwa_client_secret)
    ]
    # Snapshots, the warehouse, and Airflow's home: metadata DB (XCom) and logs.
    roots = [
        pipeline_env["snapshots"],
        pipeline_env["warehouse"].parent,
        Path(os.environ["AIRFLOW_HOME"]),
    ]
    blobs = [
        path.read_bytes()
        for root in roots
        for path in root.rglob("*")
        if path.is_file()
    ]
    assert len(blobs) > 10
    for secret in secrets:
        assert not any(secret.encode() in blob for blob in blobs)


def test_rerunning_a_day_changes_nothing(pipeline_env):
    tables = ("raw.purchase_orders", "raw.purchase_order_statuses")
    count_sql = " union all ".join(
        f"select '{t}' as t, count(*) as n from {t}" for t in tables
    )
    before_raw = query(pipeline_env["warehouse"], count_sql)
    before_mart = query(
        pipeline_env["warehouse"],
        "select * from marts.fct_po_line_reconciliation order by all",
    )
    assert pipeline_env["run_day"](DAYS - 1) == "success"
    assert query(pipeline_env["warehouse"], count_sql) == before_raw
    assert (
        query(
            pipeline_env["warehouse"],
            "select * from marts.fct_po_line_reconciliation order by all",
        )
        == before_mart
    )
