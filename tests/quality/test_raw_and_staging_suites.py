"""The raw and staging checkpoints: each fault lands as critical or warning."""

from __future__ import annotations

from datetime import timedelta

import duckdb
import pytest
from layer_tables import (
    AS_OF,
    DAYS,
    INSERT_DOCUMENT,
    OPTIONAL_TABLES,
    add_raw_tables,
    add_staging_tables,
    at,
    document,
)

from vendor_recon.quality import QualityCheckFailed, run_checkpoint
from vendor_recon.warehouse import connect

IN_SET = "expect_column_values_to_be_in_set"


def failed(outcomes):
    return sorted((o.suite_name, o.expectation_type, o.column_names) for o in outcomes)


@pytest.fixture
def raw_warehouse(tmp_path):
    return add_raw_tables(tmp_path / "warehouse.duckdb")


def run_raw(warehouse, tmp_path, run_id="run-raw"):
    return run_checkpoint("raw", warehouse, tmp_path / "docs", run_id, as_of=AS_OF)


def set_last_day_volume(warehouse, rows: int) -> None:
    with duckdb.connect(str(warehouse)) as connection:
        connection.execute(
            "update raw.load_log set rows_in_file = ?, rows_inserted = 0 "
            "where source = 'purchase_orders' and load_id = ?",
            [rows, f"load-{DAYS - 1}"],
        )


def test_clean_raw_tables_pass(raw_warehouse, tmp_path):
    report = run_raw(raw_warehouse, tmp_path)

    assert report.failed_critical == report.failed_warning == []
    assert report.total > 40


def test_a_volume_falling_to_zero_is_a_warning_not_a_failure(
    raw_warehouse, tmp_path, stored_results
):
    set_last_day_volume(raw_warehouse, 0)

    report = run_raw(raw_warehouse, tmp_path)

    assert report.failed_critical == []
    assert failed(report.failed_warning) == [
        ("raw_daily_volume", IN_SET, ("is_volume_drop",))
    ]
    # One of the two (account, source) slices of the last day dropped.
    assert report.failed_warning[0].unexpected_count == 1
    report.raise_for_critical()
    [row] = [r for r in stored_results(raw_warehouse, "run-raw") if not r["success"]]
    assert (row["suite_name"], row["severity"]) == ("raw_daily_volume", "warning")


def test_a_day_without_any_load_counts_as_zero(raw_warehouse, tmp_path):
    with duckdb.connect(str(raw_warehouse)) as connection:
        # The statuses of the last day never loaded; the orders did.
        connection.execute(
            "delete from raw.load_log "
            "where source = 'purchase_order_statuses' and load_id = ?",
            [f"load-{DAYS - 1}"],
        )

    report = run_raw(raw_warehouse, tmp_path)

    assert failed(report.failed_warning) == [
        ("raw_daily_volume", IN_SET, ("is_volume_drop",))
    ]


@pytest.mark.parametrize(("rows", "warns"), [(1, True), (6, False), (30, False)])
def test_only_a_fall_far_below_the_trailing_median_warns(
    raw_warehouse, tmp_path, rows, warns
):
    set_last_day_volume(raw_warehouse, rows)

    report = run_raw(raw_warehouse, tmp_path)

    assert bool(report.failed_warning) is warns
    assert report.failed_critical == []


def test_the_same_payload_twice_is_critical(raw_warehouse, tmp_path):
    with duckdb.connect(str(raw_warehouse)) as connection:
        connection.execute(
            "insert into raw.purchase_orders select * from raw.purchase_orders "
            "where document_key = 'PO1'"
        )

    report = run_raw(raw_warehouse, tmp_path)

    assert failed(report.failed_critical) == [
        (
            "purchase_orders",
            "expect_compound_columns_to_be_unique",
            ("account_id", "document_key", "payload_sha256"),
        )
    ]
    with pytest.raises(QualityCheckFailed, match="purchase_orders"):
        report.raise_for_critical()


def test_future_extraction_and_inverted_window_are_critical(raw_warehouse, tmp_path):
    with duckdb.connect(str(raw_warehouse)) as connection:
        connection.execute(
            INSERT_DOCUMENT,
            document("PO3", extracted=AS_OF + timedelta(hours=1)),
        )
        connection.execute(
            INSERT_DOCUMENT,
            document("PO4", extracted=at(2), start=at(2), end=at(2)),
        )

    report = run_raw(raw_warehouse, tmp_path)

    assert failed(report.failed_critical) == [
        (
            "purchase_orders",
            "expect_column_pair_values_a_to_be_greater_than_b",
            ("window_end", "window_start"),
        ),
        ("purchase_orders", IN_SET, ("is_extracted_in_future",)),
    ]


def test_a_naive_timestamp_is_critical(raw_warehouse, tmp_path):
    with duckdb.connect(str(raw_warehouse)) as connection:
        connection.execute(
            "alter table raw.purchase_orders alter extracted_at type timestamp"
        )

    report = run_raw(raw_warehouse, tmp_path)

    assert failed(report.failed_critical) == [
        ("purchase_orders", IN_SET, ("extracted_at_type",))
    ]


def test_optional_tables_are_skipped_until_they_exist(
    raw_warehouse, tmp_path, stored_results
):
    skipped = run_raw(raw_warehouse, tmp_path, "run-skipped")
    with connect(raw_warehouse):
        pass  # connect() creates the missing raw tables, as the next load would
    checked = run_raw(raw_warehouse, tmp_path, "run-checked")

    suites = {r["suite_name"] for r in stored_results(raw_warehouse, "run-skipped")}
    assert not suites & set(OPTIONAL_TABLES)
    assert skipped.failed_critical == []
    suites = {r["suite_name"] for r in stored_results(raw_warehouse, "run-checked")}
    assert set(OPTIONAL_TABLES) <= suites
    assert checked.failed_critical == []
    assert checked.total > skipped.total


@pytest.fixture
def staging_warehouse(tmp_path):
    return add_staging_tables(tmp_path / "warehouse.duckdb")


def run_staging(warehouse, tmp_path, spoil: str | None = None):
    if spoil:
        with duckdb.connect(str(warehouse)) as connection:
            connection.execute(spoil)
    return run_checkpoint("staging", warehouse, tmp_path / "docs", "run-staging")


def test_clean_staging_passes(staging_warehouse, tmp_path):
    report = run_staging(staging_warehouse, tmp_path)

    assert report.failed_critical == report.failed_warning == []


@pytest.mark.parametrize(
    ("spoil", "critical"),
    [
        (
            "insert into staging.stg_spapi__purchase_orders "
            "values ('acme-na', 'PO1', 'NA', 'ATVPDKIKX0DER')",
            (
                "stg_spapi__purchase_orders",
                "expect_compound_columns_to_be_unique",
                ("account_id", "purchase_order_number"),
            ),
        ),
        (
            "update staging.stg_spapi__purchase_orders set marketplace_id = 'XX1'",
            ("stg_spapi__purchase_orders", IN_SET, ("marketplace_id",)),
        ),
        (
            "update staging.stg_spapi__purchase_order_line_statuses "
            "set received_units = -1 where account_id = 'acme-fe'",
            (
                "stg_spapi__purchase_order_line_statuses",
                "expect_column_values_to_be_between",
                ("received_units",),
            ),
        ),
        (
            "update staging.stg_spapi__purchase_order_lines "
            "set net_cost_currency_code = 'XXX' where account_id = 'acme-na'",
            ("stg_spapi__purchase_order_lines", IN_SET, ("net_cost_currency_code",)),
        ),
        (
            "update staging.stg_accounts__vendor_accounts "
            "set reporting_currency_code = 'EURO'",
            ("stg_accounts__vendor_accounts", IN_SET, ("reporting_currency_code",)),
        ),
    ],
)
def test_staging_defects_that_stop_the_run(
    staging_warehouse, tmp_path, spoil, critical
):
    report = run_staging(staging_warehouse, tmp_path, spoil)

    assert failed(report.failed_critical) == [critical]
    with pytest.raises(QualityCheckFailed):
        report.raise_for_critical()


@pytest.mark.parametrize(
    ("spoil", "warned"),
    [
        # Yen have no minor unit; dollars have two decimals, not three.
        (
            "update staging.stg_spapi__purchase_order_lines "
            "set net_cost_amount = 1200.5 where account_id = 'acme-fe'",
            ("net_cost_has_minor_units",),
        ),
        (
            "update staging.stg_spapi__purchase_order_lines "
            "set list_price_amount = 14.995 where account_id = 'acme-na'",
            ("list_price_has_minor_units",),
        ),
        # 15 ordered + 5 cancelled, answered 12 + 9.
        (
            "update staging.stg_spapi__purchase_order_line_statuses "
            "set rejected_units = 9 where account_id = 'acme-na'",
            ("ordered_plus_cancelled_units", "accepted_plus_rejected_units"),
        ),
    ],
)
def test_staging_defects_that_only_warn(staging_warehouse, tmp_path, spoil, warned):
    report = run_staging(staging_warehouse, tmp_path, spoil)

    assert report.failed_critical == []
    assert [o.column_names for o in report.failed_warning] == [warned]
