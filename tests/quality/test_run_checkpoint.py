"""run_checkpoint on the marts layer: clean rows pass, each defect lands where due."""

import json
from collections import Counter
from datetime import timedelta

import pytest

from vendor_recon.quality import QualityCheckFailed, run_checkpoint
from vendor_recon.quality.suites import SEVERITY_KEY, load_suites

LAYER = "marts"
MART = "marts.fct_po_line_reconciliation"
KEY = ("account_id", "purchase_order_number", "item_sequence_number")
PAIR_CHECK = (
    "expect_column_pair_values_a_to_be_greater_than_b",
    ("ordered_plus_cancelled_units", "accepted_plus_rejected_units"),
)


def failed(outcomes) -> list[tuple[str, tuple[str, ...]]]:
    return sorted(
        (outcome.expectation_type, outcome.column_names) for outcome in outcomes
    )


@pytest.fixture(scope="module")
def mart_suite():
    [suite] = load_suites(LAYER)
    return suite


def test_clean_rows_pass_and_every_expectation_is_stored(
    warehouse, docs_dir, stored_results, mart_suite, repo
):
    report = run_checkpoint(LAYER, warehouse, docs_dir, "run-clean")

    assert report.failed_critical == []
    assert report.failed_warning == []
    report.raise_for_critical()
    assert report.total == len(mart_suite.expectations) > 0

    rows = stored_results(warehouse, "run-clean")
    assert len(rows) == report.total
    assert all(row["success"] for row in rows)
    assert {row["layer"] for row in rows} == {LAYER}
    assert {row["table_name"] for row in rows} == {MART}
    assert Counter(row["severity"] for row in rows) == Counter(
        e.meta[SEVERITY_KEY] for e in mart_suite.expectations
    )
    [unique] = [
        r
        for r in rows
        if r["expectation_type"] == "expect_compound_columns_to_be_unique"
    ]
    assert tuple(unique["column_names"]) == KEY
    assert json.loads(unique["kwargs"])["column_list"] == list(KEY)
    assert (unique["unexpected_count"], unique["element_count"]) == (0, 4)
    [row_count] = [
        r
        for r in rows
        if r["expectation_type"] == "expect_table_row_count_to_be_between"
    ]
    assert row_count["observed_value"] == "4"
    assert row_count["column_names"] is None
    assert unique["validated_at"].utcoffset() == timedelta(0)

    assert report.docs_index == docs_dir / "index.html"
    assert "fct_po_line_reconciliation" in report.docs_index.read_text(encoding="utf-8")
    assert not (repo / "gx").exists()
    assert not (repo / "great_expectations").exists()


def test_duplicate_key_is_critical_and_raises(warehouse, docs_dir, execute):
    execute(f"insert into {MART} select * from {MART} where account_id = 'acme-de'")

    report = run_checkpoint(LAYER, warehouse, docs_dir, "run-dup")

    assert failed(report.failed_critical) == [
        ("expect_compound_columns_to_be_unique", KEY)
    ]
    assert report.failed_warning == []
    with pytest.raises(QualityCheckFailed) as raised:
        report.raise_for_critical()
    message = str(raised.value)
    assert (
        "fct_po_line_reconciliation [account_id, purchase_order_number, "
        "item_sequence_number]: expect_compound_columns_to_be_unique, 2 unexpected"
    ) in message
    assert raised.value.report is report


@pytest.mark.parametrize("column", ["rejected_units", "received_units"])
def test_negative_quantity_is_critical(warehouse, docs_dir, execute, column):
    execute(f"update {MART} set {column} = -1 where account_id = 'acme-de'")

    report = run_checkpoint(LAYER, warehouse, docs_dir, "run-negative")

    assert failed(report.failed_critical) == [
        ("expect_column_values_to_be_between", (column,))
    ]
    assert report.failed_critical[0].unexpected_count == 1
    with pytest.raises(QualityCheckFailed, match=rf"\[{column}\]"):
        report.raise_for_critical()


def test_null_key_and_out_of_domain_codes_are_critical(warehouse, docs_dir, execute):
    execute(
        f"""
        update {MART}
        set purchase_order_number = null,
            currency_code = 'XXX',
            region = 'US',
            purchase_order_state = 'Cancelled'
        where account_id = 'acme-de'
        """
    )

    report = run_checkpoint(LAYER, warehouse, docs_dir, "run-domains")

    assert failed(report.failed_critical) == [
        ("expect_column_values_to_be_in_set", ("currency_code",)),
        ("expect_column_values_to_be_in_set", ("purchase_order_state",)),
        ("expect_column_values_to_be_in_set", ("region",)),
        ("expect_column_values_to_not_be_null", ("purchase_order_number",)),
    ]


def test_more_units_answered_than_ordered_is_a_warning_only(
    warehouse, docs_dir, execute, stored_results
):
    # 5 ordered + 0 cancelled, but 5 accepted + 1 rejected.
    execute(f"update {MART} set accepted_units = 5 where account_id = 'acme-de'")

    report = run_checkpoint(LAYER, warehouse, docs_dir, "run-over")

    assert report.failed_critical == []
    assert failed(report.failed_warning) == [PAIR_CHECK]
    assert report.failed_warning[0].unexpected_count == 1
    report.raise_for_critical()
    [row] = [r for r in stored_results(warehouse, "run-over") if not r["success"]]
    assert (row["expectation_type"], row["severity"]) == (PAIR_CHECK[0], "warning")


def test_zero_unit_cost_is_a_warning_only(warehouse, docs_dir, execute):
    execute(f"update {MART} set po_unit_cost = 0 where account_id = 'acme-de'")

    report = run_checkpoint(LAYER, warehouse, docs_dir, "run-cost")

    assert report.failed_critical == []
    assert failed(report.failed_warning) == [
        ("expect_column_values_to_be_between", ("po_unit_cost",))
    ]


def test_rerun_of_a_run_id_replaces_its_rows(
    warehouse, docs_dir, execute, stored_results
):
    execute(f"update {MART} set received_units = -1 where account_id = 'acme-de'")
    first = run_checkpoint(LAYER, warehouse, docs_dir, "run-a")
    execute(f"update {MART} set received_units = 4 where account_id = 'acme-de'")
    second = run_checkpoint(LAYER, warehouse, docs_dir, "run-a")
    other = run_checkpoint(LAYER, warehouse, docs_dir, "run-b")

    assert len(first.failed_critical) == 1
    assert second.failed_critical == []
    rows = stored_results(warehouse, "run-a")
    assert len(rows) == second.total
    # The rows are the second run's, not the first's left in place.
    assert all(row["success"] for row in rows)
    assert len(stored_results(warehouse, "run-b")) == other.total


def test_missing_table_is_a_critical_failure(empty_warehouse, docs_dir, stored_results):
    report = run_checkpoint(LAYER, empty_warehouse, docs_dir, "run-missing")

    assert report.total == 1
    assert failed(report.failed_critical) == [("expect_table_to_exist", ())]
    with pytest.raises(QualityCheckFailed, match=f"table {MART} not found"):
        report.raise_for_critical()
    [row] = stored_results(empty_warehouse, "run-missing")
    assert (row["success"], row["severity"]) == (False, "critical")
    assert report.docs_index.is_file()


def test_missing_column_fails_its_check_without_crashing(warehouse, docs_dir, execute):
    execute(f"alter table {MART} drop column region")

    report = run_checkpoint(LAYER, warehouse, docs_dir, "run-no-region")

    assert failed(report.failed_critical) == [
        ("expect_column_values_to_be_in_set", ("region",))
    ]
    assert "region" in report.failed_critical[0].exception_message


def test_empty_table_fails_only_the_row_count_warning(warehouse, docs_dir, execute):
    execute(f"delete from {MART}")

    report = run_checkpoint(LAYER, warehouse, docs_dir, "run-empty")

    assert report.failed_critical == []
    assert failed(report.failed_warning) == [
        ("expect_table_row_count_to_be_between", ())
    ]


def test_missing_warehouse_file_is_an_error(tmp_path, docs_dir):
    with pytest.raises(FileNotFoundError, match=r"nowhere\.duckdb"):
        run_checkpoint(LAYER, tmp_path / "nowhere.duckdb", docs_dir, "run-x")
    assert not (tmp_path / "nowhere.duckdb").exists()
