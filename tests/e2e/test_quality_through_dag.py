"""Faults and gaps through the daily DAG: gap rows, GX results, alerts, kept marts.

One module fixture runs the real DAG under dag.test() against the simulator
for days 1, 3, 4 and 5 (day 2's run never happens, as when the scheduler is
down: the DAG does not catch up), each with its own trouble, and records what
the warehouse and the file notifier hold after each run; the tests read those.
Every account requests the five daily and weekly vendor reports
(config/accounts.yml), over the interval plus the default 31-day report
lookback, which reads a day until its 30-day restatement.

1. History through the lookback. One acme-na PO's receipts are moved past
   its ship window plus the stuck-receipt threshold: a late receipt.
2. No run. The lookback is 0 from here on, so nothing reads this day again.
3. The first orders page is empty with a nextToken, a copy of an inbox file
   already loaded arrives under a new name, one order per page carries a
   sub-cent unit cost (a warning), and the late receipt arrives. Amazon has
   restated the first day of the report window (its 7-day restatement came
   out at this clock; run 1 read its first publication): the new revision
   must replace the old one in staging and in fct_inventory_health.
   fct_vendor_kpis_daily reads no report, so it has nothing to restate.
   The report checks (periods aligned, freshness) and fct_report_gaps see
   whether a day landed, not its revision, so a restatement (routine: Amazon
   restates every day twice) raises nothing; and day 2's report days are no
   gap, since run 3's report lookback reads them.
4. A faulty release of fct_po_line_reconciliation (faulty_release.py): its
   dbt tests pass, the critical region check of check_marts fails, and
   restore_marts puts back run 3's marts. No data fault can do this: every
   critical mart expectation is guarded by a staging check or a dbt test.
5. One order per page comes in a currency that does not exist: a critical
   staging check fails, before the marts are touched.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import shutil
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import faulty_release
import pytest
import report_truth

from vendor_recon import local_airflow
from vendor_recon.demo import simulator_connection
from vendor_recon.simulator.api import ApiAnswer
from vendor_recon.simulator.faults import EmptyPage, Fault, FaultContext, FaultPlan

pytestmark = pytest.mark.e2e

FIRST_DAY = datetime(2026, 11, 2, tzinfo=UTC)
# Day 2 has no run.
RUN_DAYS = (1, 3, 4, 5)
SKIPPED_DAY = 2
GOOD_RUNS = (1, 3)
FAULTY_RELEASE_RUN = 4
UNKNOWN_CURRENCY_RUN = 5
# Long enough that POs of the first days are 14 days past their ship window
# by the end of run 1, so a missing receipt counts as stuck.
HISTORY = timedelta(days=21)
SEED = 7
# fct_stuck_po_lines' default `stuck_receipt_after_days`.
STUCK_RECEIPT_AFTER = timedelta(days=14)
MONITORED_SOURCES = ("purchase_orders", "purchase_order_statuses")
ACCOUNTS = ("acme-na", "acme-eu", "acme-fe")
LATE_ACCOUNT = "acme-na"
CONNECTION_IDS = {
    "acme-na": "spapi_acme_na",
    "acme-eu": "spapi_acme_eu",
    "acme-fe": "spapi_acme_fe",
}
# Not an ISO 4217 code (XXX would be: "no currency").
UNKNOWN_CURRENCY = "ZZZ"
# What analysts read, kept by backup_marts and put back by restore_marts.
PUBLISHED_SCHEMAS = ("marts", "snapshots")


def interval_end(run: int) -> datetime:
    return FIRST_DAY + timedelta(days=run)


def interval_start(run: int) -> datetime:
    return interval_end(run) - timedelta(days=1)


# Run 1 read this day's first publication; Amazon restated it at run 3's clock.
RESTATED_DAY = report_truth.first_restated_at(interval_end(3))
# VENDOR_RECON_LOOKBACK_DAYS per run: history first, then none.
LOOKBACK_DAYS = {1: HISTORY.days + 1, 3: 0, 4: 0, 5: 0}


@dataclass(frozen=True)
class RewriteOrders(Fault):
    """The real getPurchaseOrders page with its first order rewritten, and a
    note of each (PO number, item count) rewritten.

    `sub_cent_cost` adds 0.001 to every unit cost of the order;
    `unknown_currency` prices it in a currency that does not exist.
    """

    operation_id: str = "getPurchaseOrders"
    times: int = 10**6
    rewrite: str = "sub_cent_cost"
    rewritten: set = field(default_factory=set, compare=False)

    def serve(self, context: FaultContext) -> Any:
        real = context.real_answer()
        if not isinstance(real, ApiAnswer) or real.status_code != 200:
            return real
        payload = dict(real.body.get("payload") or {})
        orders = [json.loads(json.dumps(order)) for order in payload.get("orders", [])]
        for order in orders[:1]:
            for item in order["orderDetails"]["items"]:
                cost = item["netCost"]
                if self.rewrite == "sub_cent_cost":
                    cost["amount"] = str(Decimal(cost["amount"]) + Decimal("0.001"))
                else:
                    cost["currencyCode"] = UNKNOWN_CURRENCY
            self.rewritten.add(
                (order["purchaseOrderNumber"], len(order["orderDetails"]["items"]))
            )
        payload["orders"] = orders
        return ApiAnswer(real.status_code, {**real.body, "payload": payload})


def with_late_receipt(world, account_id: str, run_one_end: datetime, at: datetime):
    """The world with one PO's receipts moved to ``at`` (and its closing after).

    The PO is acknowledged, every accepted line was received, and its ship
    window ended more than the stuck threshold before ``run_one_end``.
    """
    candidates = [
        po
        for po in world.purchase_orders
        if po.account_id == account_id
        and po.is_acknowledged(run_one_end)
        and po.ship_window[1] + STUCK_RECEIPT_AFTER < run_one_end
        and any(line.acknowledgement.accepted > 0 for line in po.lines)
        and all(
            line.receipts
            for line in po.lines
            if line.acknowledgement.accepted > 0 and line.current_amount(at) > 0
        )
    ]
    assert candidates, "the world holds no PO to receive late; change SEED"
    late = min(candidates, key=lambda po: (po.ship_window[1], po.purchase_order_number))
    lines = tuple(
        dataclasses.replace(
            line,
            receipts=tuple(
                dataclasses.replace(receipt, at=at) for receipt in line.receipts
            ),
        )
        for line in late.lines
    )
    closed_at = None if late.closed_at is None else at + timedelta(hours=6)
    moved = dataclasses.replace(late, lines=lines, closed_at=closed_at)
    orders = tuple(moved if po is late else po for po in world.purchase_orders)
    return dataclasses.replace(world, purchase_orders=orders), moved


def query(path: Path, sql: str, params: list | None = None) -> list[dict]:
    with duckdb.connect(str(path)) as connection:
        connection.execute("set timezone = 'UTC'")
        cursor = connection.execute(sql, params)
        columns = [d[0] for d in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def mart_tables(path: Path, schema: str = "marts") -> dict[str, list[tuple]]:
    """Every table of a schema (the marts by default), whole, in a stable order."""
    names = [
        r["table_name"]
        for r in query(
            path,
            "select table_name from information_schema.tables "
            "where table_schema = ? order by 1",
            [schema],
        )
    ]
    with duckdb.connect(str(path)) as connection:
        return {
            name: connection.execute(
                f'select * from {schema}."{name}" order by all'
            ).fetchall()
            for name in names
        }


def delivered(alerts_dir: Path) -> list[dict]:
    return [
        json.loads(line)
        for path in sorted(alerts_dir.glob("alerts-*.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()
    ]


def task_states(dag_run) -> dict[str, str]:
    """The state of each task of the run (a mapped task's last instance)."""
    return {ti.task_id: str(ti.state) for ti in dag_run.get_task_instances()}


# The restated day's rows, by table and the column holding the day.
RESTATED_READS = {
    "staging.stg_reports__traffic": "start_date",
    "staging.stg_reports__sales": "start_date",
    "staging.stg_reports__inventory": "start_date",
    "marts.fct_inventory_health": "snapshot_date",
}


def record(warehouse: Path, alerts_dir: Path, run_id: str) -> dict[str, Any]:
    """What the tests look at after one run."""
    return {
        "gaps": query(warehouse, "select * from monitoring.fct_source_gaps"),
        "report_gaps": query(
            warehouse, "select * from monitoring.fct_report_gaps where is_missing"
        ),
        "stuck": query(warehouse, "select * from monitoring.fct_stuck_po_lines"),
        "alerts": query(warehouse, "select * from monitoring.alerts order by all"),
        "gx": query(
            warehouse,
            "select * from quality.gx_results where run_id = ?",
            [run_id],
        ),
        "marts": mart_tables(warehouse),
        "published": {s: mart_tables(warehouse, s) for s in PUBLISHED_SCHEMAS},
        "staging_lines": Counter(
            r["account_id"]
            for r in query(
                warehouse,
                "select account_id from staging.stg_spapi__purchase_order_lines",
            )
        ),
        "restated": {
            table: query(
                warehouse, f"select * from {table} where {column} = ?", [RESTATED_DAY]
            )
            for table, column in RESTATED_READS.items()
        },
        "delivered": delivered(alerts_dir),
    }


@pytest.fixture(scope="module")
def scenario(tmp_path_factory, repo):
    from vendor_recon.simulator.server import SimulatorServer
    from vendor_recon.simulator.world import default_accounts, generate_world

    root = tmp_path_factory.mktemp("quality")
    warehouse = root / "warehouse" / "recon.duckdb"
    alerts_dir = root / "alerts"
    inbox = root / "inbox"
    patch = pytest.MonkeyPatch()
    patch.setenv("VENDOR_RECON_HOME", str(repo))
    patch.setenv("VENDOR_RECON_WAREHOUSE", str(warehouse))
    patch.setenv("VENDOR_RECON_SNAPSHOTS", str(root / "snapshots"))
    patch.setenv("VENDOR_RECON_DOCS", str(root / "warehouse" / "data_docs"))
    patch.setenv("VENDOR_RECON_INBOX", str(inbox))
    patch.setenv("VENDOR_RECON_ALERTS_DIR", str(alerts_dir))
    patch.setenv("VENDOR_RECON_ALERT_CHANNELS", "file")
    # A copy, so that one run can deploy a faulty model release into it.
    project = faulty_release.copy_project(repo / "dbt_project", root / "dbt_project")
    patch.setenv("VENDOR_RECON_DBT_PROJECT", str(project))

    world = generate_world(
        SEED,
        FIRST_DAY - HISTORY,
        interval_end(RUN_DAYS[-1]),
        accounts=default_accounts(),
        orders_per_day=2,
    )
    receipt_at = interval_start(3) + timedelta(hours=10)
    world, late_po = with_late_receipt(world, LATE_ACCOUNT, interval_end(1), receipt_at)
    local_airflow.migrate_db()
    dag = local_airflow.load_dag(repo / "dags", "vendor_reconciliation_daily")

    sub_cent = RewriteOrders(rewrite="sub_cent_cost")
    unknown_currency = RewriteOrders(rewrite="unknown_currency")
    plans = {
        3: FaultPlan([EmptyPage("getPurchaseOrders"), sub_cent]),
        UNKNOWN_CURRENCY_RUN: FaultPlan([unknown_currency]),
    }
    duplicate = {}
    runs = {}
    with SimulatorServer(world) as server:
        for account in world.accounts:
            patch.setenv(
                f"AIRFLOW_CONN_{CONNECTION_IDS[account.account_id].upper()}",
                json.dumps(simulator_connection(server.url, account)),
            )
        for run in RUN_DAYS:
            patch.setenv("VENDOR_RECON_LOOKBACK_DAYS", str(LOOKBACK_DAYS[run]))
            server.state.faults = plans.get(run, FaultPlan())
            server.set_clock(interval_end(run))
            world.write_inbox(inbox, interval_end(run))
            if run == 3:
                duplicate.update(copy_a_loaded_file(inbox, LATE_ACCOUNT))
            release = (
                faulty_release.deployed(project)
                if run == FAULTY_RELEASE_RUN
                else contextlib.nullcontext()
            )
            with release:
                dag_run = dag.test(logical_date=interval_end(run))
            runs[run] = {
                "state": str(dag_run.state),
                "tasks": task_states(dag_run),
                "run_id": dag_run.run_id,
                "interval_end": dag_run.data_interval_end,
                "plan": server.state.faults,
                **record(warehouse, alerts_dir, dag_run.run_id),
            }
        yield {
            "world": world,
            "runs": runs,
            "late_po": late_po,
            "sub_cent": sub_cent,
            "unknown_currency": unknown_currency,
            "duplicate": duplicate,
            "warehouse": warehouse,
            "alerts_dir": alerts_dir,
        }
    patch.undo()


def copy_a_loaded_file(inbox: Path, account_id: str) -> dict[str, str]:
    """Drop a second copy of a remittance file run 1 loaded, under a new name."""
    folder = inbox / account_id / "remittances"
    original = sorted(folder.iterdir())[0]
    copy = folder / f"resent-{original.name}"
    shutil.copyfile(original, copy)
    return {
        "original": f"{account_id}/remittances/{original.name}",
        "copy": f"{account_id}/remittances/{copy.name}",
    }


def expected_not_received(world, as_of: datetime, accounts) -> set[tuple]:
    """accepted_not_received by the rule in fct_stuck_po_lines' YAML, applied to
    the simulator's ground truth."""
    return _not_received_by_rule(world.ground_truth_po_lines(as_of), as_of, accounts)


def expected_not_received_after_the_gap(world, as_of: datetime) -> set[tuple]:
    """The same rule on what the warehouse can know once the skipped day was
    never read: a PO whose last events fell on that day is seen as it was
    before it (a PO created that day not at all)."""
    start, end = interval_start(SKIPPED_DAY), interval_end(SKIPPED_DAY)
    hidden = {
        po.purchase_order_number
        for po in world.purchase_orders
        if any(start <= t < end for t in po.event_times())
        and not any(end <= t <= as_of for t in po.event_times())
    }
    seen = [
        r
        for r in world.ground_truth_po_lines(as_of)
        if r["purchase_order_number"] not in hidden
    ] + [
        r
        for r in world.ground_truth_po_lines(start)
        if r["purchase_order_number"] in hidden
    ]
    return _not_received_by_rule(seen, as_of, ACCOUNTS)


def _not_received_by_rule(rows, as_of: datetime, accounts) -> set[tuple]:
    return {
        (r["account_id"], r["purchase_order_number"], str(r["item_sequence_number"]))
        for r in rows
        if r["account_id"] in accounts
        and (r["accepted_units"] or 0) > 0
        and not r["received_units"]
        and r["purchase_order_state"] != "Closed"
        and r["ship_window_end_at"] + STUCK_RECEIPT_AFTER < as_of
    }


def not_received(rows: list[dict], accounts) -> set[tuple]:
    return {
        (r["account_id"], r["purchase_order_number"], r["item_sequence_number"])
        for r in rows
        if r["stuck_reason"] == "accepted_not_received" and r["account_id"] in accounts
    }


def failed_checks(gx_rows: list[dict]) -> set[tuple]:
    return {
        (
            r["layer"],
            r["suite_name"],
            r["expectation_type"],
            tuple(r["column_names"] or ()),
            r["severity"],
            r["unexpected_count"],
        )
        for r in gx_rows
        if not r["success"]
    }


def lines_of(rewritten: set) -> int:
    return sum(items for _, items in rewritten)


# Run states and intervals ---------------------------------------------------


def test_runs_end_as_planned_on_the_intervals_planned(scenario):
    runs = scenario["runs"]
    assert {run: runs[run]["state"] for run in runs} == {
        1: "success",
        3: "success",
        FAULTY_RELEASE_RUN: "failed",
        UNKNOWN_CURRENCY_RUN: "failed",
    }
    for run in runs:
        assert runs[run]["interval_end"] == interval_end(run)


# A missing day ----------------------------------------------------------------


def test_a_missing_day_is_a_gap_row_per_account_and_source(scenario):
    runs = scenario["runs"]
    missing_day = interval_start(SKIPPED_DAY).date()
    assert runs[1]["gaps"] == []
    assert {
        (r["account_id"], r["source_name"], r["gap_date"]) for r in runs[3]["gaps"]
    } == {
        (account, source, missing_day)
        for account in ACCOUNTS
        for source in MONITORED_SOURCES
    }
    for row in runs[3]["gaps"]:
        assert (row["gap_run_start_date"], row["gap_run_end_date"]) == (
            missing_day,
            missing_day,
        )
        assert row["gap_run_days"] == 1
        assert row["is_source_never_covered"] is False
        assert row["coverage_evidence"] == "extraction_checkpoints"


def test_a_missing_day_raises_data_gap_alerts_that_are_delivered(scenario):
    runs = scenario["runs"]
    missing_day = interval_start(SKIPPED_DAY).date().isoformat()
    expected = {(a, s) for a in ACCOUNTS for s in MONITORED_SOURCES}
    gap_alerts = [a for a in runs[3]["alerts"] if a["kind"] == "data_gap"]
    assert {(a["account_id"], a["source_name"]) for a in gap_alerts} == expected
    assert len(gap_alerts) == len(expected)
    for alert in gap_alerts:
        assert (alert["severity"], alert["status"]) == ("warning", "open")
        assert alert["detail"] == (
            f"no window covers 1 day(s), {missing_day} to {missing_day}"
        )
    sent = [a for a in runs[3]["delivered"] if a["kind"] == "data_gap"]
    assert sorted((a["account_id"], a["source_name"]) for a in sent) == sorted(expected)


# An empty page while orders exist ---------------------------------------------


def test_an_empty_first_page_loses_no_order(scenario):
    world, runs = scenario["world"], scenario["runs"]
    assert runs[3]["plan"].served("getPurchaseOrders") >= 1
    rows = query(
        scenario["warehouse"],
        "select account_id, purchase_order_number, purchase_order_at "
        "from staging.stg_spapi__purchase_orders",
    )
    start, end = interval_start(3), interval_end(3)
    for account_id in ACCOUNTS:
        created = {
            po.purchase_order_number
            for po in world.purchase_orders_of(account_id, end)
            if po.created_at >= start
        }
        assert created, f"{account_id} has no order on day 3; change SEED"
        assert {
            r["purchase_order_number"]
            for r in rows
            if r["account_id"] == account_id and start <= r["purchase_order_at"] < end
        } == created


# A duplicate inbox file --------------------------------------------------------


def test_a_copy_of_a_loaded_file_is_not_loaded_again(scenario):
    files = query(
        scenario["warehouse"],
        "select source_file, source_file_sha256 from raw.inbox_files",
    )
    names = Counter(r["source_file"] for r in files)
    assert names[scenario["duplicate"]["original"]] == 1
    assert names[scenario["duplicate"]["copy"]] == 0
    hashes = Counter(r["source_file_sha256"] for r in files)
    assert max(hashes.values()) == 1


def test_remittance_lines_are_counted_once(scenario):
    def key(row):
        return (
            row["account_id"],
            row["payment_number"],
            row["invoice_number"],
            row["amount_paid"].normalize(),
        )

    # The inbox is not windowed: run 3 read every file up to its end. Runs 4
    # and 5 failed, so the marts are still run 3's.
    expected = Counter(
        key(r) for r in scenario["world"].ground_truth_remittance_lines(interval_end(3))
    )
    mart = query(scenario["warehouse"], "select * from marts.fct_remittance_lines")
    actual = Counter(key(r) for r in mart)
    assert expected
    assert sorted(expected - actual) == []
    assert sorted(actual - expected) == []


# A late receipt ----------------------------------------------------------------


def test_a_late_receipt_is_stuck_then_resolves(scenario):
    world, runs, late = scenario["world"], scenario["runs"], scenario["late_po"]
    late_lines = {
        (late.account_id, late.purchase_order_number, line.item_sequence_number)
        for line in late.lines
        if line.receipts
    }
    stuck_after_one = not_received(runs[1]["stuck"], ACCOUNTS)
    assert stuck_after_one == expected_not_received(world, interval_end(1), ACCOUNTS)
    assert late_lines <= stuck_after_one
    # Run 3 judges lines whose closing fell on the day never read as still
    # open: the cost of the gap, computed from the world.
    stuck_after_three = not_received(runs[3]["stuck"], ACCOUNTS)
    assert stuck_after_three == expected_not_received_after_the_gap(
        world, interval_end(3)
    )
    assert not late_lines & stuck_after_three

    def late_alerts(run):
        return {
            (a["purchase_order_number"], a["item_sequence_number"]): a
            for a in runs[run]["alerts"]
            if a["kind"] == "po_line_not_received"
            and a["purchase_order_number"] == late.purchase_order_number
        }

    keys = {(po, item) for _, po, item in late_lines}
    assert set(late_alerts(1)) == keys
    assert {(a["status"], a["severity"]) for a in late_alerts(1).values()} == {
        ("open", "warning")
    }
    assert {
        (a["status"], a["first_seen_at"], a["resolved_at"])
        for a in late_alerts(3).values()
    } == {("resolved", interval_end(1), interval_end(3))}
    # The file channel had the alert, so it hears of its end too.
    resolved = [
        a
        for a in runs[3]["delivered"]
        if a["kind"] == "po_line_not_received" and a["status"] == "resolved"
    ]
    assert {(a["purchase_order_number"], a["item_sequence_number"]) for a in resolved}
    assert {
        (a["purchase_order_number"], a["item_sequence_number"]) for a in resolved
    } == keys


# A restated report -------------------------------------------------------------


def by_asin(rows: list[dict], columns: tuple[str, ...]) -> list[tuple]:
    """(account, ASIN, *columns) per row, sorted: a duplicate shows twice."""
    return sorted((r["account_id"], r["asin"], *(r[c] for c in columns)) for r in rows)


def expected_by_asin(figures_of, columns: tuple[str, ...] | None = None):
    """The same tuples from the world, for every account's catalogue: the
    named `columns` of each ASIN's figures, else its tuple or single value."""
    rows = []
    for account_id in ACCOUNTS:
        for asin, figures in figures_of(account_id).items():
            if columns:
                values = tuple(figures[c] for c in columns)
            else:
                values = figures if isinstance(figures, tuple) else (figures,)
            rows.append((account_id, asin, *values))
    return sorted(rows)


def test_a_restated_report_replaces_the_earlier_revision_in_staging(scenario):
    world, runs = scenario["world"], scenario["runs"]
    # By the rules of docs/simulator.md, run 1 saw the day's first publication
    # and run 3's clock is the very moment of its 7-day restatement.
    assert report_truth.revision(RESTATED_DAY, interval_end(1))[0] == 0
    # ...and both runs asked for it (their windows, by the extraction rules).
    readers = report_truth.runs_reading(
        RESTATED_DAY,
        {
            run: (interval_start(run) - timedelta(days), interval_end(run))
            for run, days in LOOKBACK_DAYS.items()
        },
    )
    assert set(GOOD_RUNS) <= readers
    assert report_truth.revision(RESTATED_DAY, interval_end(3)) == (
        1,
        interval_end(3),
    )
    sales_columns = (
        "ordered_units",
        "shipped_units",
        "customer_returns_units",
        "ordered_revenue_amount",
        "shipped_revenue_amount",
        "shipped_cogs_amount",
    )
    seen = {}
    for run in GOOD_RUNS:
        restated, as_of = runs[run]["restated"], interval_end(run)
        views = by_asin(restated["staging.stg_reports__traffic"], ("glance_views",))
        assert views == expected_by_asin(
            lambda a, as_of=as_of: report_truth.glance_views(
                world, a, RESTATED_DAY, as_of
            )
        )
        sales = by_asin(restated["staging.stg_reports__sales"], sales_columns)
        assert sales == expected_by_asin(
            lambda a, as_of=as_of: report_truth.sales(world, a, RESTATED_DAY, as_of),
            sales_columns,
        )
        seen[run] = (views, sales)
    # The restatement filtered views and counted later returns: had run 3 kept
    # the first revision, the checks above would fail.
    assert seen[1][0] != seen[3][0]
    assert seen[1][1] != seen[3][1]
    dates = {
        run: {
            r["report_last_updated_date"]
            for table in RESTATED_READS
            if table.startswith("staging.")
            for r in runs[run]["restated"][table]
        }
        for run in GOOD_RUNS
    }
    # The document's lastUpdatedDate: its latest revision of any day it holds.
    assert dates[3] == {interval_end(3).date()}
    (first,) = dates[1]
    assert first < interval_end(3).date()


def test_the_restated_day_reaches_fct_inventory_health(scenario):
    world, runs = scenario["world"], scenario["runs"]
    for run in GOOD_RUNS:
        mart = runs[run]["restated"]["marts.fct_inventory_health"]
        columns = ("sellable_on_hand_units", "sellable_on_hand_cost")
        assert by_asin(mart, columns) == expected_by_asin(
            lambda a: report_truth.stock(world, a, RESTATED_DAY)
        )
        staged = runs[run]["restated"]["staging.stg_reports__inventory"]
        assert {r["report_last_updated_date"] for r in mart} == {
            r["report_last_updated_date"] for r in staged
        }
    # One row a day, from the newer revision (a day's stock is final when
    # first published, so the revision date is what changed).
    (restated,) = {
        r["report_last_updated_date"]
        for r in runs[3]["restated"]["marts.fct_inventory_health"]
    }
    assert restated == interval_end(3).date()


def test_a_restatement_raises_no_check_failure_and_no_alert(scenario):
    # Amazon restates every day twice: the report checks and gaps look at
    # which days landed, not their revision, so the only failed check of run
    # 3 is its sub-cent warning (tested below).
    run = scenario["runs"][3]
    assert not [c for c in failed_checks(run["gx"]) if "report" in c[1]]
    # Day 2 had no run, but run 3's report lookback asked for its days.
    assert run["report_gaps"] == []
    new = [a for a in run["delivered"] if a not in scenario["runs"][1]["delivered"]]
    assert new
    assert not [
        a
        for a in new
        if "vendor_reports" in json.dumps(a, default=str)
        or "stg_reports" in json.dumps(a, default=str)
    ]


# Warnings let the run finish ----------------------------------------------------


def test_a_clean_history_fails_no_check(scenario):
    runs = scenario["runs"]
    assert runs[1]["gx"], "run 1 stored no check results"
    assert failed_checks(runs[1]["gx"]) == set()


def test_a_warning_is_stored_alerted_and_the_run_goes_on(scenario):
    runs, rewritten = scenario["runs"], scenario["sub_cent"].rewritten
    assert rewritten, "no order page to rewrite on day 3"
    assert failed_checks(runs[3]["gx"]) == {
        (
            "staging",
            "stg_spapi__purchase_order_lines",
            "expect_column_values_to_be_in_set",
            ("net_cost_has_minor_units",),
            "warning",
            lines_of(rewritten),
        )
    }
    quality = [
        a
        for a in runs[3]["alerts"]
        if a["kind"] == "quality_failure" and a["status"] == "open"
    ]
    assert [(a["severity"], a["subject"]) for a in quality] == [
        ("warning", "stg_spapi__purchase_order_lines [net_cost_has_minor_units]")
    ]
    assert quality[0]["detail"].startswith(
        f"expect_column_values_to_be_in_set, {lines_of(rewritten)} unexpected of "
    )
    # The unit costs as Amazon sent them reach the mart: nothing was stopped.
    # (Runs 4 and 5 failed, so the marts are still run 3's.)
    costs = {
        r["po_unit_cost"]
        for r in query(
            scenario["warehouse"],
            "select po_unit_cost from marts.fct_po_line_reconciliation",
        )
    }
    assert any(cost != cost.quantize(Decimal("0.01")) for cost in costs)
    sent = [a for a in runs[3]["delivered"] if a["kind"] == "quality_failure"]
    assert [a["severity"] for a in sent] == ["warning"]


# A critical staging check keeps the previous marts -------------------------------


def test_a_critical_check_fails_the_run_with_exact_results(scenario):
    runs, rewritten = scenario["runs"], scenario["unknown_currency"].rewritten
    run = runs[UNKNOWN_CURRENCY_RUN]
    assert rewritten, "no order page to rewrite on day 5; change SEED"
    critical = {c for c in failed_checks(run["gx"]) if c[4] == "critical"}
    assert critical == {
        (
            "staging",
            "stg_spapi__purchase_order_lines",
            "expect_column_values_to_be_in_set",
            ("net_cost_currency_code",),
            "critical",
            lines_of(rewritten),
        )
    }
    # The run stopped at the staging checks: no mart was checked.
    assert {r["layer"] for r in run["gx"]} == {"raw", "staging"}
    assert run["tasks"]["backup_marts"] == "upstream_failed"


def test_the_marts_of_the_previous_good_run_stay(scenario):
    runs = scenario["runs"]
    assert "fct_po_line_reconciliation" in runs[3]["marts"]
    # Run 4's restore left run 3's marts, and run 5 did not touch them.
    assert runs[UNKNOWN_CURRENCY_RUN]["published"] == runs[3]["published"]
    # Staging, which analysts do not read, holds the bad orders.
    bad = query(
        scenario["warehouse"],
        "select distinct purchase_order_number "
        "from staging.stg_spapi__purchase_order_lines "
        "where net_cost_currency_code = ?",
        [UNKNOWN_CURRENCY],
    )
    assert {r["purchase_order_number"] for r in bad} == {
        po for po, _ in scenario["unknown_currency"].rewritten
    }
    backups = query(
        scenario["warehouse"],
        "select run_id, status from quality.marts_backups order by taken_at",
    )
    # Run 5 stopped before its backup: it took none.
    assert [(b["run_id"], b["status"]) for b in backups] == [
        (runs[1]["run_id"], "published"),
        (runs[3]["run_id"], "published"),
        (runs[FAULTY_RELEASE_RUN]["run_id"], "restored"),
    ]


def test_a_failed_run_builds_no_monitoring(scenario):
    runs = scenario["runs"]
    for run in (FAULTY_RELEASE_RUN, UNKNOWN_CURRENCY_RUN):
        assert runs[run]["tasks"]["build_monitoring"] == "upstream_failed"
        assert runs[run]["alerts"] == runs[3]["alerts"]
        assert runs[run]["gaps"] == runs[3]["gaps"]


def test_the_failure_alert_is_delivered_without_secrets(scenario):
    runs = scenario["runs"]
    run = runs[UNKNOWN_CURRENCY_RUN]
    new = run["delivered"][len(runs[FAULTY_RELEASE_RUN]["delivered"]) :]
    assert [(a["kind"], a["severity"]) for a in new] == [
        ("pipeline_failure", "critical")
    ]
    (failure,) = new
    assert failure["subject"] == (
        f"DAG vendor_reconciliation_daily run {run['run_id']}"
    )
    assert failure["detail"] == (
        "failed tasks: check_staging; 1 critical check(s) failed: "
        "stg_spapi__purchase_order_lines [net_cost_currency_code]: "
        "expect_column_values_to_be_in_set"
    )
    secrets = [
        secret
        for account in scenario["world"].accounts
        for secret in (account.refresh_token, account.lwa_client_secret)
    ]
    blobs = [
        path.read_bytes()
        for path in scenario["alerts_dir"].rglob("*")
        if path.is_file()
    ]
    assert blobs
    for secret in secrets:
        assert not any(secret.encode() in blob for blob in blobs)


# A critical failure only the marts checks catch --------------------------------


def test_a_faulty_mart_passes_dbt_and_fails_its_critical_check(scenario):
    run = scenario["runs"][FAULTY_RELEASE_RUN]
    tasks = run["tasks"]
    # dbt built every model and passed every dbt test, the faulty one's too.
    built = {t: s for t, s in tasks.items() if t.startswith("build_marts.")}
    assert "build_marts.fct_po_line_reconciliation_model_build" in built
    assert set(built.values()) == {"success"}
    assert (tasks["check_staging"], tasks["check_marts"]) == ("success", "failed")
    assert tasks["restore_marts"] == "success"
    # The faulty release relabels every FE line; the mart has one row per
    # order line in staging, and only acme-fe is in FE.
    fe_lines = run["staging_lines"]["acme-fe"]
    assert fe_lines > 0
    critical = {c for c in failed_checks(run["gx"]) if c[4] == "critical"}
    assert critical == {
        (
            "marts",
            "fct_po_line_reconciliation",
            "expect_column_values_to_be_in_set",
            ("region",),
            "critical",
            fe_lines,
        )
    }
    assert {r["layer"] for r in run["gx"]} == {"raw", "staging", "marts"}


def test_the_faulty_run_restores_the_previous_good_marts_row_for_row(scenario):
    runs = scenario["runs"]
    before, after = runs[3]["published"], runs[FAULTY_RELEASE_RUN]["published"]
    assert before["marts"]["fct_po_line_reconciliation"]
    assert set(before["snapshots"]) == {
        "invoice_status_history",
        "po_line_status_history",
    }
    assert after == before
    # Run 4 read new orders, so a kept mart is not a rebuilt one: staging grew.
    assert runs[FAULTY_RELEASE_RUN]["staging_lines"] != runs[3]["staging_lines"]
    regions = {
        row["region"]
        for row in query(
            scenario["warehouse"],
            "select distinct region from marts.fct_po_line_reconciliation",
        )
    }
    assert faulty_release.WRONG_REGION[1] not in regions


def test_the_faulty_run_is_alerted_with_its_failed_mart_check(scenario):
    runs = scenario["runs"]
    run = runs[FAULTY_RELEASE_RUN]
    new = run["delivered"][len(runs[3]["delivered"]) :]
    assert [(a["kind"], a["severity"], a["subject"]) for a in new] == [
        (
            "pipeline_failure",
            "critical",
            f"DAG vendor_reconciliation_daily run {run['run_id']}",
        )
    ]
    assert new[0]["detail"] == (
        "failed tasks: check_marts; 1 critical check(s) failed: "
        "fct_po_line_reconciliation [region]: expect_column_values_to_be_in_set; "
        "marts of the previous good run kept"
    )


def test_good_runs_write_a_digest_per_account(scenario):
    folder = scenario["alerts_dir"] / "digests" / interval_end(3).date().isoformat()
    digests = {path.stem: path.read_text() for path in folder.glob("*.md")}
    assert set(digests) == set(ACCOUNTS)
    for account_id, text in digests.items():
        assert text.startswith(f"# {account_id}: vendor-recon digest for ")
        assert "data_gap: purchase_orders extraction" in text
