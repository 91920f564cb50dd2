"""Incremental staging models built day by day equal a full refresh, row for row.

A generated world's documents land load by load, as the loader writes them
(raw rows plus one raw.load_log row per file), and the project is built at
several checkpoints on the same warehouse, the staging models incrementally.
Two loads arrive late: one day's status extraction of an account (older
versions that must lose to the newer ones already built) and one day's
remittance files (extracted before rows already built, loaded after them).
Then a copy of the warehouse is rebuilt with `--full-refresh`, and every row of
every incremental model and of every mart must be the same in both.
"""

from __future__ import annotations

import shutil
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest
from dbt_harness import BuildOutcome, dbt_build, query
from raw_fixture import create_raw_tables, insert_rows
from test_dbt_ground_truth import (
    EXTRACTION_DAYS,
    FIRST_DAY,
    ORDER_DAYS,
    account_rows,
    daily_document_rows,
    inbox_document_rows,
)

from vendor_recon.simulator.world import World, default_accounts, generate_world

INCREMENTAL_MODELS = (
    "stg_spapi__purchase_orders",
    "stg_spapi__purchase_order_lines",
    "stg_spapi__purchase_order_line_statuses",
    "stg_finance__invoices",
    "stg_finance__invoice_items",
    "stg_inbox__remittance_lines",
    "stg_inbox__shipment_confirmations",
    "stg_inbox__shipment_confirmation_items",
    "stg_inbox__vendor_invoices",
    "stg_inbox__vendor_invoice_items",
)
HISTORY_KEY = ("account_id", "purchase_order_number", "item_sequence_number")
HISTORY_COLUMNS = (
    "purchase_order_state",
    "ordered_units",
    "accepted_units",
    "rejected_units",
    "cancelled_units",
    "received_units",
    "reconciliation_status",
)
FED_MARTS = (
    "fct_po_line_reconciliation",
    "fct_invoice_reconciliation",
    "fct_remittance_lines",
    "fct_reconciliation_exceptions",
    "fct_expected_payments",
)
# Builds after these extraction days; the first creates the incremental tables.
CHECKPOINTS = (5, 9, 14, EXTRACTION_DAYS)
# (table, extraction day) of the loads held back to the last checkpoint.
LATE_LOADS = {("purchase_order_statuses", 7), ("remittance_lines", 11)}
LATE_ACCOUNT = "acme-na"


@pytest.fixture(scope="module")
def world() -> World:
    return generate_world(
        7,
        FIRST_DAY,
        FIRST_DAY + timedelta(days=ORDER_DAYS),
        accounts=default_accounts(),
        orders_per_day=3,
    )


@dataclass
class Builds:
    daily: list[BuildOutcome]
    full: BuildOutcome
    # Line statuses tampered with before the last daily build: of an order no
    # later load touched, and of one that a later load did.
    untouched_survived: bool
    touched_replaced: bool
    # snapshots.po_line_status_history after the last daily build, and after a
    # snapshot as of an older day.
    history: set[tuple]
    history_after_backfill: set[tuple]
    # fct_po_line_reconciliation's tracked columns as of the older day.
    backfill_lines: set[tuple]


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory, world: World) -> Builds:
    tmp = tmp_path_factory.mktemp("dbt_incremental")
    warehouse = tmp / "incremental.duckdb"
    loads = landed_loads(world)
    assert {(t, day) for t, day, account in loads if account == LATE_ACCOUNT} >= (
        LATE_LOADS
    ), "the late loads must exist in the generated world"
    with duckdb.connect(str(warehouse)) as con:
        create_raw_tables(con)
        insert_rows(con, "vendor_accounts", account_rows(world))
    daily: list[BuildOutcome] = []
    loaded: list[tuple[str, int, str]] = []
    for checkpoint in CHECKPOINTS:
        last = checkpoint == CHECKPOINTS[-1]
        due = [
            load
            for load in sorted(loads, key=lambda item: (item[1], item[0], item[2]))
            if load not in loaded
            and load[1] <= checkpoint
            and (is_on_time(load) or last)
        ]
        if last:
            untouched, touched = orders_by_touch(loads, loaded, due)
            tamper(warehouse, untouched + touched)
        with duckdb.connect(str(warehouse)) as con:
            for load in due:
                land(con, load, loads[load], loaded_at_day=checkpoint)
        loaded.extend(due)
        as_of = FIRST_DAY + timedelta(days=checkpoint)
        daily.append(
            dbt_build(
                warehouse,
                tmp / "daily",  # one target folder: dbt parses once
                {"as_of": as_of.isoformat()},
                # Seeds, snapshots and data tests on the first and last build;
                # in between only the models.
                command="build" if last or not daily else "run",
            )
        )
    assert sorted(loaded) == sorted(loads)
    survived = tampered(warehouse, untouched)
    replaced = not tampered(warehouse, touched)
    untamper(warehouse, untouched)

    refreshed = tmp / "full_refresh.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("checkpoint")  # the file alone, without its write-ahead log
    shutil.copyfile(warehouse, refreshed)
    with pytest.MonkeyPatch.context() as env:
        env.setenv("DBT_FULL_REFRESH", "true")
        full = dbt_build(
            refreshed, tmp / "full", {"as_of": as_of.isoformat()}, command="run"
        )
    # A backfill of an older day, on a copy: the models as of that day, whose
    # lines differ from the history's current versions, then the snapshot.
    backfilled = tmp / "backfill.duckdb"
    shutil.copyfile(warehouse, backfilled)
    older = {"as_of": (FIRST_DAY + timedelta(days=CHECKPOINTS[1])).isoformat()}
    for command, select in (
        ("run", "+int_po_line_statuses_observed"),
        ("snapshot", "po_line_status_history"),
    ):
        backfill = dbt_build(
            backfilled, tmp / "backfill", older, command=command, select=select
        )
        assert backfill.result.success, backfill.problems()
    return Builds(
        daily,
        full,
        survived,
        replaced,
        history=history_rows(warehouse),
        history_after_backfill=history_rows(backfilled),
        backfill_lines=tracked_lines(backfilled),
    )


def test_every_build_succeeds(builds: Builds) -> None:
    for outcome in (*builds.daily, builds.full):
        assert outcome.result.success, outcome.problems()
        assert outcome.warned == set()


def test_later_builds_rebuild_only_the_documents_of_new_loads(builds: Builds) -> None:
    # The first build creates the tables; the full refresh recreates them.
    for outcome in (builds.daily[0], builds.full):
        assert ran_incrementally(outcome) == set()
    for outcome in builds.daily[1:]:
        assert ran_incrementally(outcome) == set(INCREMENTAL_MODELS)
    assert builds.untouched_survived, "a line no new load touched was rebuilt"
    assert builds.touched_replaced, "a line a new load touched was not rebuilt"


@pytest.mark.parametrize("model", INCREMENTAL_MODELS)
def test_incremental_model_equals_full_refresh(builds: Builds, model: str) -> None:
    built = rows_of(builds.daily[-1].warehouse, f"staging.{model}")
    assert built, f"staging.{model} is empty: the comparison would prove nothing"
    assert built == rows_of(builds.full.warehouse, f"staging.{model}")


def test_every_mart_equals_full_refresh(builds: Builds) -> None:
    marts = table_names(builds.daily[-1].warehouse, "marts")
    assert marts == table_names(builds.full.warehouse, "marts")
    built = {
        mart: rows_of(builds.daily[-1].warehouse, f"marts.{mart}") for mart in marts
    }
    # The marts the world's documents feed; others (vendor reports) may be empty.
    for mart in FED_MARTS:
        assert built[mart], f"marts.{mart} is empty: the comparison would prove nothing"
    for mart in marts:
        assert built[mart] == rows_of(builds.full.warehouse, f"marts.{mart}"), mart


def test_po_line_history_keeps_each_change_as_of_the_build_that_saw_it(
    builds: Builds, world: World
) -> None:
    """Snapshots ran with the first and the last build: a version per line as of
    the first, and a second one as of the last where the simulator's ground
    truth changed in between (or the line is new)."""
    first, last = (FIRST_DAY + timedelta(days=d) for d in CHECKPOINTS[::3])
    before = tracked_truth(world, first)
    after = tracked_truth(world, last)
    expected = set()
    for key, values in before.items():
        changed = after[key] != values
        expected.add((*key, *values, first, last if changed else None))
    for key, values in after.items():
        if key not in before or before[key] != values:
            expected.add((*key, *values, last, None))
    assert builds.history == expected


def test_a_snapshot_as_of_an_older_day_records_nothing(builds: Builds) -> None:
    current = {row[:-2] for row in builds.history if row[-1] is None}
    assert builds.backfill_lines - current, "the older day must see other values"
    assert builds.history_after_backfill == builds.history


def tracked_truth(world: World, as_of: datetime) -> dict[tuple, tuple]:
    return {
        tuple(row[c] for c in HISTORY_KEY): tuple(row[c] for c in HISTORY_COLUMNS)
        for row in world.ground_truth_po_lines(as_of)
    }


def tracked_lines(warehouse: Path) -> set[tuple]:
    columns = ", ".join((*HISTORY_KEY, *HISTORY_COLUMNS))
    with duckdb.connect(str(warehouse)) as con:
        return set(
            con.execute(
                f"select {columns} from marts.fct_po_line_reconciliation"
            ).fetchall()
        )


def history_rows(warehouse: Path) -> set[tuple]:
    columns = ", ".join((*HISTORY_KEY, *HISTORY_COLUMNS))
    with duckdb.connect(str(warehouse)) as con:
        return set(
            con.execute(
                f"select {columns}, dbt_valid_from, dbt_valid_to "
                "from snapshots.po_line_status_history"
            ).fetchall()
        )


def is_on_time(load: tuple[str, int, str]) -> bool:
    table, day, account = load
    return not (account == LATE_ACCOUNT and (table, day) in LATE_LOADS)


def landed_loads(world: World) -> dict[tuple[str, int, str], list[dict[str, Any]]]:
    """The world's raw rows by (table, extraction day, account): one load each."""
    loads: dict[tuple[str, int, str], list[dict[str, Any]]] = defaultdict(list)
    tables = {**daily_document_rows(world), **inbox_document_rows(world)}
    for table, rows in tables.items():
        for row in rows:
            day = (row["extracted_at"] - FIRST_DAY).days
            loads[(table, day, row["account_id"])].append(row)
    return dict(loads)


def land(
    con: duckdb.DuckDBPyConnection,
    load: tuple[str, int, str],
    rows: list[dict[str, Any]],
    *,
    loaded_at_day: int,
) -> None:
    """Insert one load's rows and its load_log row, as the loader's transaction."""
    table, day, account = load
    load_id = f"{account}-{table}-day{day:02d}"
    snapshot_file = (
        f"snapshots/raw/{table}/dt={extracted_at(day):%Y-%m-%d}/{account}__{load_id}"
    )
    late = 0 if is_on_time(load) else loaded_at_day - day
    loaded_at = extracted_at(day) + timedelta(days=late, minutes=10)
    insert_rows(
        con,
        table,
        [{**row, "load_id": load_id, "snapshot_file": snapshot_file} for row in rows],
    )
    con.execute(
        "insert into raw.load_log values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            *(load_id, account, table, snapshot_file, f"sha256-of-{load_id}"),
            *(len(rows), len(rows), 0, loaded_at),
        ],
    )


def extracted_at(day: int) -> datetime:
    return FIRST_DAY + timedelta(days=day)


def ran_incrementally(outcome: BuildOutcome) -> set[str]:
    """The incremental models this build ran incrementally: only then does
    their SQL read raw.load_log."""
    return {
        result.node.name
        for result in outcome.result.result
        if result.node.name in INCREMENTAL_MODELS
        and "load_log" in (result.node.compiled_code or "")
    }


STATUSES = "staging.stg_spapi__purchase_order_line_statuses"
MARK = "tampered"


def orders_by_touch(
    loads: dict[tuple[str, int, str], list[dict[str, Any]]],
    before: list[tuple[str, int, str]],
    due: list[tuple[str, int, str]],
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """One (account, PO) of the status loads already built that no due load
    brings again, and one that a due load brings; as one-item lists."""

    def orders(chosen) -> set[tuple[str, str]]:
        return {
            (row["account_id"], row["document_key"])
            for load in chosen
            if load[0] == "purchase_order_statuses"
            for row in loads[load]
        }

    again = orders(due)
    untouched = sorted(orders(before) - again)
    touched = sorted(orders(before) & again)
    assert untouched and touched, "the world must have both kinds of orders"
    return untouched[:1], touched[:1]


def tamper(warehouse: Path, orders: list[tuple[str, str]]) -> None:
    with duckdb.connect(str(warehouse)) as con:
        for account_id, number in orders:
            con.execute(
                f"update {STATUSES} set vendor_sku = vendor_sku || ? "
                "where account_id = ? and purchase_order_number = ?",
                [MARK, account_id, number],
            )


def untamper(warehouse: Path, orders: list[tuple[str, str]]) -> None:
    with duckdb.connect(str(warehouse)) as con:
        for account_id, number in orders:
            con.execute(
                f"update {STATUSES} set vendor_sku = "
                f"left(vendor_sku, length(vendor_sku) - {len(MARK)}) "
                "where account_id = ? and purchase_order_number = ?",
                [account_id, number],
            )


def tampered(warehouse: Path, orders: list[tuple[str, str]]) -> bool:
    """Whether every line of the orders still carries the mark."""
    with duckdb.connect(str(warehouse)) as con:
        marks = [
            con.execute(
                f"select count(*), count(*) filter (vendor_sku like '%{MARK}') "
                f"from {STATUSES} where account_id = ? and purchase_order_number = ?",
                [account_id, number],
            ).fetchone()
            for account_id, number in orders
        ]
    return all(lines > 0 and lines == marked for lines, marked in marks)


def table_names(warehouse: Path, schema: str) -> list[str]:
    return [
        row["table_name"]
        for row in query(
            warehouse,
            "select table_name from information_schema.tables "
            f"where table_schema = '{schema}' order by table_name",
        )
    ]


def rows_of(warehouse: Path, relation: str) -> list[tuple]:
    with duckdb.connect(str(warehouse)) as con:
        return con.execute(f"select * from {relation} order by all").fetchall()
