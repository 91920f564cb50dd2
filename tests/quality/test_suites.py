"""Suite definitions: severities required, suites loaded by layer, codes current."""

import csv
from pathlib import Path

import great_expectations.expectations as gxe
import pytest

from vendor_recon.quality import Suite, SuiteDefinitionError, critical, warning
from vendor_recon.quality.reference_data import currency_codes
from vendor_recon.quality.suites import load_suites

ISO_CSV = Path(__file__).resolve().parents[2] / "plugins/vendor_recon/data/iso4217.csv"


def test_expectation_without_severity_is_rejected():
    untagged = gxe.ExpectColumnValuesToNotBeNull(column="account_id")
    with pytest.raises(
        SuiteDefinitionError, match="expect_column_values_to_not_be_null"
    ):
        Suite(table="marts.some_table", expectations=[untagged])


def test_severity_is_kept_in_meta_beside_other_meta():
    expectation = gxe.ExpectColumnValuesToNotBeNull(column="a", meta={"owner": "ap"})
    assert warning(expectation).meta == {"owner": "ap", "severity": "warning"}
    assert critical(expectation).meta["severity"] == "critical"


def test_table_must_name_its_schema():
    with pytest.raises(SuiteDefinitionError, match=r"schema\.table"):
        Suite(
            table="fct_po_line_reconciliation",
            expectations=[critical(gxe.ExpectTableRowCountToBeBetween(min_value=1))],
        )


def test_marts_suite_warns_only_on_the_three_soft_rules():
    [suite] = load_suites("marts")
    warnings = sorted(
        (e.expectation_type, getattr(e, "column", None) or getattr(e, "column_A", None))
        for e in suite.expectations
        if e.meta["severity"] == "warning"
    )
    assert warnings == [
        (
            "expect_column_pair_values_a_to_be_greater_than_b",
            "ordered_plus_cancelled_units",
        ),
        ("expect_column_values_to_be_between", "po_unit_cost"),
        ("expect_table_row_count_to_be_between", None),
    ]


def test_unknown_layer_is_an_error():
    with pytest.raises(SuiteDefinitionError, match="no suites folder for layer 'gold'"):
        load_suites("gold")


def test_suite_file_without_suite_is_an_error(tmp_path):
    (tmp_path / "raw").mkdir()
    (tmp_path / "raw" / "orders.py").write_text("TABLE = 'raw.orders'\n")
    with pytest.raises(SuiteDefinitionError, match="must define SUITE"):
        load_suites("raw", tmp_path)


def test_currency_codes_hold_priceable_codes_only():
    codes = currency_codes()
    assert {"USD", "EUR", "GBP", "JPY", "INR", "SEK", "PLN", "TRY", "AUD"} <= codes
    # Placeholders, metals, and codes withdrawn on a switch to the euro.
    assert not {"XXX", "XTS", "XAU", "XDR", "HRK", "BGN"} & codes


def test_currency_file_is_clean():
    with ISO_CSV.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    codes = [row["alphabetic_code"] for row in rows]
    assert len(codes) == len(set(codes))
    assert all(len(code) == 3 and code.isalpha() and code.isupper() for code in codes)
    assert {row["minor_units"] for row in rows} <= {"", "0", "2", "3", "4"}
