"""Alert delivery and the daily digests on the PostgreSQL warehouse.

The world of test_postgres_build (its fixtures, imported) is built on
PostgreSQL, in a database with an en-US collation where the server has ICU,
and on DuckDB. With the warehouse switch set to postgres and no DuckDB file at
all, the DAG's callbacks must send monitoring.alerts through the file channel
once per version of each alert, send the failed-run alert, keep what was sent
in PostgreSQL, and write for each account the digest the DuckDB build's
callbacks write. Skipped without a PostgreSQL server, as test_postgres_build
is.
"""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
from collections import Counter
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
import test_postgres_build as world

from vendor_recon.alerts import callbacks

pytestmark = pytest.mark.postgres
log = logging.getLogger(__name__)

# The world and both builds, as test_postgres_build makes them (module-scoped,
# so this module gets a database of its own: the one below).
server = world.server
landed = world.landed
loaded = world.loaded
built = world.built
built_on_duckdb = world.built_on_duckdb
query = world.query

DAG_ID = "vendor_reconciliation_daily"
DAY = world.END.date()
# What a message says of an alert, as the file channel writes it.
MESSAGE_FIELDS = (
    "alert_id",
    "content_hash",
    "kind",
    "severity",
    "status",
    "account_id",
    "subject",
    "detail",
    "money_at_stake",
    "currency_code",
    "deadline_date",
)
NEW_ALERTS = re.compile(r"^## New alerts \((\d+)\)$", re.MULTILINE)


@pytest.fixture(scope="module")
def database(server):
    """A fresh database ordering text as en-US does, where the server has ICU.

    DuckDB orders text by code point; a database in a natural language's
    collation orders `po_b` before `poa` and `Poc` among the p's. Alerts and
    digests must not change with it. Dropped afterwards.
    """
    import psycopg2

    name = f"vendor_recon_test_{secrets.token_hex(4)}"
    admin = server.connect()
    admin.autocommit = True
    with admin.cursor() as cursor:
        try:
            cursor.execute(
                f'create database "{name}" template template0 encoding utf8'
                " locale_provider icu icu_locale 'en-US'"
            )
        except psycopg2.Error as exc:
            log.info("No ICU collation (%s); the server's default", exc.pgcode)
            cursor.execute(f'create database "{name}"')
    try:
        yield replace(server, database=name)
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'drop database if exists "{name}" with (force)')
        admin.close()


class DagRun:
    """What a DAG callback's context holds of the run."""

    dag_id = DAG_ID
    data_interval_end = world.END

    def __init__(self, run_id: str, state: str) -> None:
        self.run_id = run_id
        self.state = state

    def get_task_instances(self, state=None):
        return [SimpleNamespace(task_id="check_marts", state="failed")]


@pytest.fixture
def on_postgres(database, tmp_path, monkeypatch):
    """The callbacks' environment of a PostgreSQL deployment; its alerts folder."""
    monkeypatch.setenv("VENDOR_RECON_WAREHOUSE_KIND", "postgres")
    monkeypatch.setenv("VENDOR_RECON_PG_DATABASE", database.database)
    # Never opened on PostgreSQL: the test checks that no file appears.
    monkeypatch.setenv("VENDOR_RECON_WAREHOUSE", str(tmp_path / "absent.duckdb"))
    monkeypatch.setenv("VENDOR_RECON_ALERTS_DIR", str(tmp_path / "alerts"))
    monkeypatch.setenv("VENDOR_RECON_ALERT_CHANNELS", "file")
    return tmp_path / "alerts"


def delivered(folder) -> list[dict]:
    return [
        json.loads(line)
        for path in sorted(folder.glob("alerts-*.jsonl"))
        for line in path.read_text().splitlines()
    ]


def message(row: dict) -> tuple:
    """An alert row's fields as the file channel writes them (JSON values)."""
    values = []
    for field in MESSAGE_FIELDS:
        value = row[field]
        if isinstance(value, Decimal):
            value = str(value)
        elif hasattr(value, "isoformat"):
            value = value.isoformat()
        values.append(value)
    return tuple(values)


def execute(target, sql: str, params: list | None = None) -> None:
    connection = target.connect()
    try:
        with connection, connection.cursor() as cursor:
            cursor.execute(sql, params)
    finally:
        connection.close()


def test_the_success_callback_sends_each_alert_once_until_it_changes(
    on_postgres, database, built, tmp_path, caplog
):
    assert built.problems() == []
    columns = ", ".join(MESSAGE_FIELDS)
    mart = query(database, f"select {columns} from monitoring.alerts")
    # Nothing was sent before, so no resolution is due: the open alerts are.
    expected = Counter(message(row) for row in mart if row["status"] == "open")
    assert expected.total() >= 5, f"the world raises only {expected.total()} alerts"
    assert {row["severity"] for row in mart} == {"critical", "warning"}
    context = {"dag_run": DagRun("scheduled__pg", "success")}

    with caplog.at_level(logging.INFO):
        callbacks.on_dag_success(context)
        first = delivered(on_postgres)
        callbacks.on_dag_success(context)
        second = delivered(on_postgres)

    assert Counter(tuple(r[f] for f in MESSAGE_FIELDS) for r in first) == expected
    assert second == first
    # Kept in PostgreSQL: one row per alert sent, none in a DuckDB file.
    sent = "select count(*) as n from monitoring.alert_deliveries"
    assert query(database, f"{sent} where channel = 'file'") == [{"n": len(first)}]
    assert not (tmp_path / "absent.duckdb").exists()
    password = os.environ.get("VENDOR_RECON_PG_PASSWORD", "")
    if password:
        assert password not in caplog.text
        assert all(password not in json.dumps(record) for record in first)

    # What an alert says changes (a deduction grows, say): that alert again.
    alert = first[0]
    change = (
        "update monitoring.alerts set content_hash = %s, detail = %s"
        " where alert_id = %s"
    )
    new_hash, new_detail = alert["content_hash"] + "+", alert["detail"] + " (changed)"
    execute(database, change, [new_hash, new_detail, alert["alert_id"]])
    try:
        callbacks.on_dag_success(context)
        third = delivered(on_postgres)[len(second) :]
    finally:
        # The other tests read the alerts as the build left them.
        execute(
            database,
            change,
            [alert["content_hash"], alert["detail"], alert["alert_id"]],
        )
    assert [(r["alert_id"], r["content_hash"], r["detail"]) for r in third] == [
        (alert["alert_id"], new_hash, new_detail)
    ]


def test_the_failure_callback_sends_the_failed_run_alert_once(
    on_postgres, database, built, tmp_path
):
    from vendor_recon.quality.report import ExpectationOutcome
    from vendor_recon.quality.warehouse import write_outcomes

    run_id = "scheduled__pg_failed"
    # A critical mart check of this run failed, as check_marts would store it.
    write_outcomes(
        tmp_path / "absent.duckdb",
        run_id,
        "marts",
        [
            ExpectationOutcome(
                suite_name="fct_po_line_reconciliation",
                table_name="marts.fct_po_line_reconciliation",
                expectation_type="expect_column_values_to_be_between",
                column_names=("ordered_units",),
                kwargs={},
                severity="critical",
                success=False,
            )
        ],
        world.END,
    )
    context = {"dag_run": DagRun(run_id, "failed"), "reason": "task_failure"}

    callbacks.on_dag_failure(context)
    callbacks.on_dag_failure(context)

    failures = [r for r in delivered(on_postgres) if r["kind"] == "pipeline_failure"]
    assert [(r["severity"], r["subject"], r["detail"]) for r in failures] == [
        (
            "critical",
            f"DAG {DAG_ID} run {run_id}",
            "failed tasks: check_marts; 1 critical check(s) failed: "
            "fct_po_line_reconciliation [ordered_units]: "
            "expect_column_values_to_be_between",
        )
    ]
    recorded = query(
        database,
        "select channel, status from monitoring.alert_deliveries"
        f" where alert_id = '{failures[0]['alert_id']}'",
    )
    assert recorded == [{"channel": "file", "status": "open"}]
    assert not (tmp_path / "absent.duckdb").exists()


def test_each_accounts_digest_is_the_duckdb_builds(
    on_postgres, database, landed, built, built_on_duckdb, tmp_path, monkeypatch
):
    assert built_on_duckdb.problems() == []
    context = {"dag_run": DagRun("scheduled__pg", "success")}

    on_pg = callbacks.write_digests(context, tmp_path / "pg")
    with monkeypatch.context() as patch:
        patch.setenv("VENDOR_RECON_WAREHOUSE_KIND", "duckdb")
        patch.setenv("VENDOR_RECON_WAREHOUSE", str(built_on_duckdb.warehouse))
        on_duckdb = callbacks.write_digests(context, tmp_path / "duckdb")

    accounts = [account.account_id for account in landed["accounts"]]
    assert sorted(path.stem for path in on_pg) == sorted(accounts)
    assert [path.name for path in on_pg] == [path.name for path in on_duckdb]
    texts = {path.stem: path.read_text() for path in on_pg}
    for path in on_duckdb:
        assert texts[path.stem] == path.read_text(), f"{path.stem}'s digest differs"

    # Not two empty digests: each counts the alerts first seen on the day, as
    # counted here from the alerts PostgreSQL holds.
    start = world.END.replace(hour=0, minute=0, second=0, microsecond=0)
    seen = Counter(
        row["account_id"]
        for row in query(
            database, "select account_id, first_seen_at from monitoring.alerts"
        )
        if row["account_id"]
        and start <= row["first_seen_at"] < start + timedelta(days=1)
    )
    counted = {name: int(NEW_ALERTS.search(text)[1]) for name, text in texts.items()}
    assert counted == {account: seen[account] for account in accounts}
    assert sum(counted.values()) > 0
    assert any("| currency | at risk | alerts |" in text for text in texts.values())


def test_sends_and_digests_order_alerts_as_duckdb_does_whatever_the_collation(
    on_postgres, database, built, built_on_duckdb, monkeypatch
):
    """Ids and subjects that en-US and code point order differently: `Poc` is
    last in en-US, first by code point (DuckDB's order). A send and a digest on
    PostgreSQL list DuckDB's order."""
    import duckdb

    from vendor_recon.alerts.delivery import deliver_pending
    from vendor_recon.alerts.digest import build_digest

    account = "collation-probe"
    names = ["po_b", "poa", "Poc"]
    insert = (
        "insert into monitoring.alerts (alert_id, content_hash, kind, severity,"
        " account_id, subject, detail, status, first_seen_at)"
        " values (?, ?, 'invoice_rejected', 'critical', ?, ?, 'rejected', 'open', ?)"
    )
    rows = [
        [name, f"{name}-v1", account, f"invoice {name}", world.END] for name in names
    ]
    delete = f"delete from monitoring.alerts where account_id = '{account}'"
    with duckdb.connect(str(built_on_duckdb.warehouse)) as connection:
        connection.executemany(insert, rows)
    for row in rows:
        execute(database, insert.replace("?", "%s"), row)
    sent = []
    try:
        deliver_pending("absent.duckdb", "probe", sent.extend)
        on_pg = build_digest("absent.duckdb", account, DAY)
        with monkeypatch.context() as patch:
            patch.setenv("VENDOR_RECON_WAREHOUSE_KIND", "duckdb")
            on_duckdb = build_digest(built_on_duckdb.warehouse, account, DAY)
    finally:
        execute(database, delete)
        with duckdb.connect(str(built_on_duckdb.warehouse)) as connection:
            connection.execute(delete)

    by_code_point = ["Poc", "po_b", "poa"]
    assert sorted(names) == by_code_point
    assert [a.alert_id for a in sent if a.account_id == account] == by_code_point
    listed = [n for line in on_pg.splitlines() for n in names if f" {n} (" in line]
    assert listed == by_code_point
    assert on_pg == on_duckdb
