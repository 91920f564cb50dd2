"""Great Expectations checks and the marts backup on the PostgreSQL warehouse.

The world of test_postgres_build (its fixtures, imported) is loaded and built
on PostgreSQL and on DuckDB. Each layer's checkpoint must find the same on both
engines, row for row in quality.gx_results; a defect seeded in PostgreSQL's
marts must stop the run, and the restore must put back the marts the backup
took. Skipped without a PostgreSQL server, as test_postgres_build is.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime
from types import SimpleNamespace

import duckdb
import pytest
import test_postgres_build as world

from vendor_recon.quality import QualityCheckFailed, run_checkpoint

pytestmark = pytest.mark.postgres

# The world, its PostgreSQL database and both builds, as test_postgres_build
# makes them (module-scoped, so this module gets a database of its own).
server = world.server
database = world.database
landed = world.landed
loaded = world.loaded
built = world.built
built_on_duckdb = world.built_on_duckdb
query, query_duckdb, comparable = world.query, world.query_duckdb, world.comparable

LAYERS = ("raw", "staging", "marts")
MART = "marts.fct_po_line_reconciliation"
# Stamped by each run.
RUN_COLUMNS = {"run_id", "validated_at"}
PUBLISHED = ("marts", "snapshots")


@pytest.fixture
def on_postgres(database, monkeypatch):
    """The warehouse switch set as a PostgreSQL deployment sets it."""
    monkeypatch.setenv("VENDOR_RECON_WAREHOUSE_KIND", "postgres")
    monkeypatch.setenv("VENDOR_RECON_PG_DATABASE", database.database)
    return database


@pytest.fixture
def settings(landed, tmp_path):
    # The DuckDB path is never opened on PostgreSQL: a missing file proves it.
    return replace(
        landed["settings"],
        warehouse_path=tmp_path / "absent.duckdb",
        docs_dir=tmp_path / "docs",
    )


def stored(rows: list[dict]) -> Counter:
    """gx_results rows without what differs by run, as countable tuples."""
    return Counter(
        tuple(
            (column, tuple(value) if isinstance(value, list) else _key(value))
            for column, value in sorted(row.items())
            if column not in RUN_COLUMNS
        )
        for row in rows
    )


def _key(value):
    if isinstance(value, dict):
        return tuple(sorted((key, str(item)) for key, item in value.items()))
    return value


def table_rows(target, schema: str) -> dict[str, Counter]:
    """Every base table of `schema` with its rows, counted."""
    tables = query(
        target,
        "select table_name from information_schema.tables where table_schema = "
        f"'{schema}' and table_type = 'BASE TABLE'",
    )
    return {
        row["table_name"]: Counter(
            comparable(item)
            for item in query(target, f'select * from {schema}."{row["table_name"]}"')
        )
        for row in tables
    }


def execute(target, sql: str) -> list[tuple]:
    """Run and commit `sql` on PostgreSQL; the rows of a select."""
    connection = target.connect()
    try:
        with connection, connection.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchall() if cursor.description else []
    finally:
        connection.close()


def execute_duckdb(path, sql: str) -> list[tuple]:
    with duckdb.connect(str(path)) as connection:
        return connection.execute(sql).fetchall()


def seed_defects(run) -> dict[tuple[str, str], int]:
    """The same defects in either warehouse; the rows each check must flag.

    `run(sql)` commits and returns the rows. The SQL is written for both
    engines.
    """
    future = (
        "where document_key in (select document_key from raw.purchase_orders"
        " order by document_key limit 2)"
    )
    [(in_future,)] = run(f"select count(*) from raw.purchase_orders {future}")
    run(
        "update raw.purchase_orders"
        f" set extracted_at = extracted_at + interval '1 day' {future}"
    )
    # Four earlier days of heavy loads for one account's orders: today's rows
    # fall far below their median.
    for day in range(1, 5):
        run(
            f"insert into raw.load_log select 'seed-{day}', account_id, source,"
            f" 'seed-{day}.parquet', 'seed-{day}', 100000, 100000, 0,"
            f" loaded_at - interval '{day} days' from raw.load_log"
            " where source = 'purchase_orders' order by account_id limit 1"
        )
    lines = "staging.stg_spapi__purchase_order_lines"
    first_order = (
        f"where purchase_order_number = (select min(purchase_order_number)"
        f" from {lines})"
    )
    [(finer,)] = run(f"select count(*) from {lines} {first_order}")
    run(f"update {lines} set net_cost_amount = net_cost_amount + 0.0001 {first_order}")
    return {
        ("purchase_orders", "is_extracted_in_future"): in_future,
        ("raw_daily_volume", "is_volume_drop"): 1,
        ("stg_spapi__purchase_order_lines", "net_cost_has_minor_units"): finer,
    }


def test_each_layer_finds_the_same_on_postgres_as_on_duckdb(
    on_postgres, built, built_on_duckdb, tmp_path, monkeypatch
):
    assert built.problems() == [] and built_on_duckdb.problems() == []
    duckdb_file = built_on_duckdb.warehouse
    flagged = seed_defects(lambda sql: execute(on_postgres, sql))
    assert seed_defects(lambda sql: execute_duckdb(duckdb_file, sql)) == flagged
    assert all(flagged.values()), f"a seed matched no row: {flagged}"

    as_of = datetime.now(UTC)
    reports = {
        layer: run_checkpoint(
            layer, tmp_path / "absent.duckdb", tmp_path / "pg", "pg", as_of=as_of
        )
        for layer in LAYERS
    }
    with monkeypatch.context() as patch:
        patch.setenv("VENDOR_RECON_WAREHOUSE_KIND", "duckdb")
        for layer in LAYERS:
            run_checkpoint(layer, duckdb_file, tmp_path / "dd", "dd", as_of=as_of)

    results = "select * from quality.gx_results where run_id = '{}'"
    on_pg = query(on_postgres, results.format("pg"))
    on_duckdb = query_duckdb(duckdb_file, results.format("dd"))
    assert not (tmp_path / "absent.duckdb").exists()
    for layer in LAYERS:
        pg_layer = [row for row in on_pg if row["layer"] == layer]
        dd_layer = [row for row in on_duckdb if row["layer"] == layer]
        assert len(pg_layer) > 10, f"layer {layer}: too few checks to compare"
        assert stored(pg_layer) == stored(dd_layer), f"layer {layer} differs"
    # Every row-wise check saw the rows: an empty read would pass vacuously.
    read = {row["table_name"] for row in on_pg if row["element_count"]}
    assert {"raw.purchase_orders", MART} <= read
    failed = {
        (row["suite_name"], row["column_names"][0]): row["unexpected_count"]
        for row in on_pg
        if not row["success"]
    }
    assert failed == flagged

    # The seeded future stamps are critical: the raw layer stops the run.
    with pytest.raises(QualityCheckFailed, match="is_extracted_in_future"):
        reports["raw"].raise_for_critical()
    reports["staging"].raise_for_critical()


def test_a_failed_mart_check_restores_the_previous_marts(on_postgres, built, settings):
    """backup, a rebuild that fails its checks, restore: the good marts again."""
    from vendor_recon import pipeline, tasks
    from vendor_recon.alerts.run_status import failed_run_alert
    from vendor_recon.quality import published_marts

    # A view analysts keep on a mart: a restore of the table must keep it.
    execute(on_postgres, f"create view marts.v_lines as select * from {MART}")
    good = {schema: table_rows(on_postgres, schema) for schema in PUBLISHED}
    assert good["marts"][MART.split(".")[1]] and good["snapshots"]
    taken = tasks.backup_marts("run-bad")
    assert taken["tables"] == sum(len(tables) for tables in good.values())
    assert taken["rows"] == sum(
        rows.total() for tables in good.values() for rows in tables.values()
    )

    # What a rebuild with a defect leaves: negative units on one account's
    # lines, a new table, a dropped one, a snapshot row added.
    [(account, broken)] = [
        (row["account_id"], row["n"])
        for row in query(
            on_postgres,
            f"select account_id, count(*) as n from {MART} "
            "group by account_id order by account_id limit 1",
        )
    ]
    execute(
        on_postgres,
        f"""
        update {MART} set ordered_units = -1 where account_id = '{account}';
        create table marts.fct_new as select 1 as n;
        drop table marts.dim_products;
        insert into snapshots.po_line_status_history
            select * from snapshots.po_line_status_history limit 1;
        """,
    )
    with pytest.raises(QualityCheckFailed) as failed:
        pipeline.check_marts(settings, run_id="run-bad")
    assert (
        f"fct_po_line_reconciliation [ordered_units]: "
        f"expect_column_values_to_be_between, {broken} unexpected"
    ) in str(failed.value)
    assert published_marts.backup_status(settings.warehouse_path, "run-bad") == (
        published_marts.TAKEN
    )

    restored = tasks.restore_marts("run-bad")
    assert (restored["action"], restored["tables"]) == ("restored", taken["tables"])
    assert {schema: table_rows(on_postgres, schema) for schema in PUBLISHED} == good
    assert query(on_postgres, "select count(*) as n from marts.v_lines") == [
        {"n": good["marts"][MART.split(".")[1]].total()}
    ]
    context = {"dag_run": SimpleNamespace(dag_id="daily", run_id="run-bad")}
    alert = failed_run_alert(context, settings.warehouse_path)
    assert "fct_po_line_reconciliation [ordered_units]" in alert.detail
    assert "marts of the previous good run kept" in alert.detail
    execute(on_postgres, "drop view marts.v_lines")


def test_marts_that_pass_are_published_and_kept(on_postgres, built, settings):
    from vendor_recon import pipeline
    from vendor_recon.quality import published_marts

    before = table_rows(on_postgres, "marts")
    published_marts.backup_marts(settings.warehouse_path, "run-good")
    pipeline.check_marts(settings, run_id="run-good")

    status = published_marts.backup_status(settings.warehouse_path, "run-good")
    assert status == published_marts.PUBLISHED
    action = published_marts.restore_marts(settings.warehouse_path, "run-good")
    assert action.action == "kept"
    assert table_rows(on_postgres, "marts") == before
