"""The amount and date forms of the remittance rules, exactly as decimals."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from vendor_recon.inbox.normalise import money, parse_amount, parse_date
from vendor_recon.inbox.remittance_csv import header_key


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12.34", "12.34"),
        ("-12.34", "-12.34"),
        ("(12.34)", "-12.34"),
        ("1,234,567.89", "1234567.89"),
        (" 7 ", "7"),
        ("-0.00", "0.00"),
        ("1000", "1000"),
    ],
)
def test_amounts(text, expected):
    assert money(parse_amount(text)) == expected
    assert isinstance(parse_amount(text), Decimal)


@pytest.mark.parametrize("text", ["12,34.5", "1.2.3", "$12.00", "12-", "(-1)", ""])
def test_not_amounts(text):
    with pytest.raises(ValueError, match="is not an amount"):
        parse_amount(text)


def test_dates_by_region():
    assert parse_date("2026-11-20", "EU") == date(2026, 11, 20)
    assert parse_date("11/20/2026", "NA") == date(2026, 11, 20)
    with pytest.raises(ValueError, match=r"form YYYY-MM-DD$"):
        parse_date("11/20/2026", "FE")
    with pytest.raises(ValueError, match="not a date"):
        parse_date("13/01/2026", "NA")


def test_header_matching_ignores_case_spaces_and_punctuation():
    assert header_key(" Invoice_No.# ") == "invoiceno"
    assert header_key("PAYMENT #") == header_key("payment") == "payment"
