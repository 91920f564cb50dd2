"""The marts of the last good run survive a run whose marts do not pass."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from vendor_recon.quality import published_marts as pm


def rows(path: Path, table: str) -> list[tuple]:
    with duckdb.connect(str(path)) as connection:
        return connection.execute(f"select * from {table} order by all").fetchall()


def tables(path: Path, schema: str) -> list[str]:
    with duckdb.connect(str(path)) as connection:
        return [
            name
            for (name,) in connection.execute(
                "select table_name from information_schema.tables "
                "where table_schema = ? order by 1",
                [schema],
            ).fetchall()
        ]


def run_sql(path: Path, sql: str) -> None:
    with duckdb.connect(str(path)) as connection:
        connection.execute(sql)


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    """Good marts as a passed run leaves them: two tables, a view, a history."""
    path = tmp_path / "warehouse.duckdb"
    run_sql(
        path,
        """
        create schema marts;
        create table marts.fct_lines as
            select * from (values ('acme-na', 'PO1', 12.5000::decimal(18, 4)),
                ('acme-eu', 'PO2', 3.0000::decimal(18, 4))) as t(account, po, cost);
        create table marts.dim_accounts as select 'acme-na' as account_id;
        create view marts.v_lines as select * from marts.fct_lines;
        create schema snapshots;
        create table snapshots.line_history as select 'PO1' as po, 1 as version;
        """,
    )
    return path


def rebuild_badly(path: Path) -> None:
    """What a failing run's dbt build leaves: a changed, a new, a dropped table."""
    run_sql(
        path,
        """
        create or replace table marts.fct_lines as
            select 'acme-na' as account, 'PO1' as po, -1::decimal(18, 4) as cost;
        create table marts.fct_new as select 1 as n;
        drop table marts.dim_accounts cascade;
        insert into snapshots.line_history values ('PO1', 2);
        """,
    )


def test_a_failed_run_gets_the_previous_marts_back(warehouse):
    published = ("marts.fct_lines", "marts.dim_accounts", "snapshots.line_history")
    before = {table: rows(warehouse, table) for table in published}
    taken = pm.backup_marts(warehouse, "run-2")
    assert (taken.tables, taken.rows) == (3, 4)

    rebuild_badly(warehouse)
    restored = pm.restore_marts(warehouse, "run-2")

    assert restored.action == "restored"
    assert {table: rows(warehouse, table) for table in published} == before
    assert dict((po, cost) for _, po, cost in rows(warehouse, "marts.fct_lines")) == {
        "PO1": Decimal("12.5"),
        "PO2": Decimal("3"),
    }
    # The new table was built by the failing run only; the view still reads.
    assert tables(warehouse, "marts") == ["dim_accounts", "fct_lines", "v_lines"]
    assert rows(warehouse, "marts.v_lines") == before["marts.fct_lines"]
    assert pm.backup_status(warehouse, "run-2") == pm.RESTORED


def test_published_marts_are_kept_and_restore_does_nothing(warehouse):
    pm.backup_marts(warehouse, "run-2")
    run_sql(warehouse, "update marts.fct_lines set cost = 13 where po = 'PO1'")
    after = rows(warehouse, "marts.fct_lines")
    assert pm.mark_published(warehouse, "run-2").action == "published"

    assert pm.restore_marts(warehouse, "run-2").action == "kept"
    assert rows(warehouse, "marts.fct_lines") == after


def test_a_run_that_never_took_a_backup_restores_nothing(warehouse):
    # Run 1 was good; run 2 failed at the staging checks, before its backup.
    pm.backup_marts(warehouse, "run-1")
    pm.mark_published(warehouse, "run-1")
    run_sql(warehouse, "update marts.fct_lines set cost = 14 where po = 'PO1'")
    current = rows(warehouse, "marts.fct_lines")

    assert pm.restore_marts(warehouse, "run-2").action == "kept"
    assert rows(warehouse, "marts.fct_lines") == current
    assert pm.backup_status(warehouse, "run-2") is None


def test_a_copy_whose_run_died_is_handed_on_not_overwritten(warehouse):
    good = rows(warehouse, "marts.fct_lines")
    pm.backup_marts(warehouse, "run-2")
    rebuild_badly(warehouse)
    # run-2 died before it could publish or restore; run-3 must not copy the
    # unchecked marts over the good copy.
    taken = pm.backup_marts(warehouse, "run-3")
    assert taken.tables == 3
    assert pm.backup_status(warehouse, "run-2") == pm.SUPERSEDED

    rebuild_badly_again = "create or replace table marts.fct_lines as select 1 as x"
    run_sql(warehouse, rebuild_badly_again)
    assert pm.restore_marts(warehouse, "run-3").action == "restored"
    assert rows(warehouse, "marts.fct_lines") == good


def test_the_first_run_restores_to_no_marts(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    run_sql(path, "create schema marts")
    assert pm.backup_marts(path, "run-1").tables == 0
    run_sql(path, "create table marts.fct_lines as select 1 as x")
    pm.restore_marts(path, "run-1")
    assert tables(path, "marts") == []
