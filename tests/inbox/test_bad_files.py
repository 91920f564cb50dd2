"""Each fixture holds one bad case: its exact quarantine rows, and the good
records of the same file still land."""

from __future__ import annotations

import json

import pytest
from inbox_harness import EU, drop, folder_for, keys, quarantine, query, run

FILE_CASES = [
    (
        "invoice_missing_id.json",
        "vendor_invoices",
        ["INV-1001", "INV-1003"],
        [("invoices[1]", "id", "id: 'id' is a required property")],
    ),
    (
        "invoice_amount_as_number.json",
        "vendor_invoices",
        ["INV-2001"],
        [
            (
                "invoices[1]",
                "invoiceTotal.amount",
                "invoiceTotal.amount: 112.05 is not of type 'string'",
            )
        ],
    ),
    (
        "invoice_bad_date.json",
        "vendor_invoices",
        ["INV-3002"],
        [
            (
                "invoices[0]",
                "date",
                "date: '2026-11-31T00:00:00Z' is not an ISO 8601 date-time",
            )
        ],
    ),
    (
        "asn_missing_shipped_items.json",
        "vendor_shipment_confirmations",
        ["ASN-79"],
        [
            (
                "shipmentConfirmations[0]",
                "shippedItems",
                "shippedItems: 'shippedItems' is a required property",
            )
        ],
    ),
    (
        "remittance_missing_invoice_number.csv",
        "remittance_lines",
        ["PAY-9101/1", "PAY-9101/3"],
        [("line 3", "Invoice Number", "Invoice Number: empty")],
    ),
    (
        "remittance_bad_amount_and_date.csv",
        "remittance_lines",
        ["PAY-9301/2"],
        [
            (
                "line 2",
                "Invoice Date",
                "Invoice Date: '2026-02-30' is not a date: day is out of range "
                "for month; Invoice Amount: '12,34.5' is not an amount",
            )
        ],
    ),
    (
        "x12_820_rmr_before_ent.820",
        "remittance_lines",
        ["PAY-9601/2"],
        [("segment 6", "RMR", "RMR: out of place (before ENT)")],
    ),
    (
        "x12_820_malformed_rmr_amount.820",
        "remittance_lines",
        ["PAY-9701/2"],
        [("segment 8", "RMR04", "RMR04: '12.3x' is not an amount")],
    ),
    (
        "x12_820_truncated.820",
        "remittance_lines",
        [],
        [
            (
                "segment 8",
                "SE",
                "SE: transaction set of segment 3 is not closed before the end of "
                "the file",
            )
        ],
    ),
    (
        "x12_820_missing_trn.820",
        "remittance_lines",
        [],
        [("segment 7", "TRN02", "TRN02: no valid payment number in the payment")],
    ),
]


@pytest.mark.parametrize(("fixture", "table", "landed", "expected"), FILE_CASES)
def test_bad_records_are_quarantined_and_the_rest_lands(
    settings, fixture, table, landed, expected
):
    drop(settings, fixture)
    run(settings)
    source_file = f"acme-na/{folder_for(fixture)}/{fixture}"
    assert quarantine(settings) == [(source_file, *row) for row in expected]
    assert keys(settings, table) == landed


WHOLE_FILE_CASES = [
    (
        "invoice_not_json.json",
        "(file)",
        "not valid JSON: Expecting property name enclosed in double quotes at "
        "line 2 column 1",
    ),
    (
        "invoice_wrong_top_level_key.json",
        "invoices",
        "expected an object holding the list 'invoices'",
    ),
    (
        "remittance_missing_amount_paid_column.csv",
        "Amount Paid",
        "required column(s) missing: 'Amount Paid' or 'Paid Amount' (found: "
        "Payment Number, Payment Date, Invoice Number, Invoice Date, Invoice "
        "Currency, Invoice Amount, Discount Taken, Amount Remaining)",
    ),
    (
        "x12_820_not_x12.820",
        "ISA",
        "not an X12 interchange: it does not start with ISA",
    ),
]


@pytest.mark.parametrize(("fixture", "field", "reason"), WHOLE_FILE_CASES)
def test_an_unreadable_file_is_quarantined_whole_and_named(
    settings, fixture, field, reason
):
    drop(settings, fixture)
    drop(settings, "x12_820_two_payments.820")  # another file of the same run
    run(settings)
    name = f"acme-na/{folder_for(fixture)}/{fixture}"
    assert quarantine(settings) == [(name, "file", field, f"{name}: {field}: {reason}")]
    assert keys(settings, "remittance_lines") == [
        "PAY-9501/1",
        "PAY-9501/2",
        "PAY-9502/3",
    ]
    # The file is remembered, so an unchanged bad file is not quarantined again.
    run(settings, run_id="manual__again")
    assert len(quarantine(settings)) == 1


def payloads(settings, table: str) -> list[dict]:
    rows = query(settings, f"select payload from raw.{table} order by document_key")
    return [json.loads(payload) for (payload,) in rows]


def test_remittance_csv_headers_dates_and_amounts_normalise(settings):
    drop(settings, "remittance_header_synonyms.csv")
    run(settings)
    assert quarantine(settings) == []
    common = {
        "payment_number": "PAY-9001",
        "payment_date": "2026-11-20",
        "invoice_currency": "USD",
        "source_format": "csv",
    }
    assert payloads(settings, "remittance_lines") == [
        {
            **common,
            "invoice_number": "INV-1001",
            "invoice_date": "2026-11-02",
            "invoice_description": "Invoice payment",
            "invoice_amount": "1234.50",
            "amount_paid": "1209.81",
            "discount_taken": "24.69",
            "amount_remaining": "0.00",
            "line_number": 1,
        },
        {
            **common,
            "invoice_number": "INV-1001SC",
            "invoice_date": "2026-11-15",
            "invoice_description": "Shortage claim",
            "invoice_amount": "-112.05",
            "amount_paid": "-112.05",
            "discount_taken": "0.00",
            "amount_remaining": "0.00",
            "line_number": 2,
        },
        {
            **common,
            "invoice_number": "INV-1003",
            "invoice_date": "2026-11-03",
            "invoice_description": None,
            "invoice_amount": "7.50",
            "amount_paid": "-7.50",
            "discount_taken": "0",
            "amount_remaining": "15.00",
            "line_number": 3,
        },
    ]


def test_us_dates_are_for_na_accounts_only(settings):
    drop(settings, "remittance_us_date_for_eu_account.csv", account=EU)
    run(settings, account=EU)
    assert quarantine(settings) == [
        (
            "acme-eu/remittances/remittance_us_date_for_eu_account.csv",
            "line 2",
            "Payment Date",
            "Payment Date: '11/20/2026' is not a date in the form YYYY-MM-DD",
        )
    ]
    (line,) = payloads(settings, "remittance_lines")
    assert (line["invoice_number"], line["invoice_amount"]) == ("INV-E2", "1000.00")


def test_x12_820_lines_match_the_csv_form(settings):
    drop(settings, "x12_820_two_payments.820")
    run(settings)
    assert quarantine(settings) == []
    first, deduction, second = payloads(settings, "remittance_lines")
    assert first == {
        "payment_number": "PAY-9501",
        "payment_date": "2026-11-20",
        "invoice_number": "INV-1001",
        "invoice_date": "2026-11-02",
        "invoice_description": None,
        "invoice_currency": "USD",
        "invoice_amount": "1234.50",
        "amount_paid": "1209.81",
        "discount_taken": "24.69",
        "amount_remaining": "0.00",
        "line_number": 1,
        "source_format": "x12_820",
    }
    assert (deduction["amount_paid"], deduction["discount_taken"]) == (
        "-112.05",
        "0.00",
    )
    assert (second["payment_number"], second["payment_date"]) == (
        "PAY-9502",
        "2026-11-21",
    )
    assert second["amount_remaining"] == "0.00"


def test_an_asn_and_its_replacement_both_land_as_versions(settings):
    drop(settings, "asn_replace.json")
    run(settings)
    rows = query(
        settings,
        "select document_key, payload->>'shipmentConfirmationType', record_number, "
        "operation, source_file, window_start from "
        "raw.vendor_shipment_confirmations order by record_number",
    )
    assert rows == [
        (
            "ASN-77",
            "Original",
            0,
            "file:shipments",
            "acme-na/shipments/asn_replace.json",
            None,
        ),
        (
            "ASN-77",
            "Replace",
            1,
            "file:shipments",
            "acme-na/shipments/asn_replace.json",
            None,
        ),
    ]
