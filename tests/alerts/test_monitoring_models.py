"""The dbt monitoring models on hand-made warehouses: gaps, stuck lines, alerts."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from monitoring_harness import (
    add_marts,
    day,
    dbt_run,
    make_warehouse,
    query,
    replace_rows,
)

from vendor_recon.quality.report import ExpectationOutcome
from vendor_recon.quality.warehouse import write_outcomes

GAPS_ONLY = [
    "stg_accounts__vendor_accounts",
    "stg_loader__extraction_windows",
    "fct_source_gaps",
]
GAP_COLUMNS = (
    "account_id, source_name, gap_date, gap_run_start_date, gap_run_days, "
    "is_source_never_covered, coverage_evidence"
)


def gaps(warehouse):
    return query(
        warehouse,
        f"select {GAP_COLUMNS} from monitoring.fct_source_gaps order by all",
    )


def test_one_missing_day_of_one_account_is_exactly_one_gap_row(tmp_path):
    warehouse = make_warehouse(
        tmp_path / "w.duckdb", skip={("acme-eu", "purchase_orders", 2)}
    )

    dbt_run(warehouse, tmp_path, as_of=day(5), select=GAPS_ONLY)

    assert gaps(warehouse) == [
        {
            "account_id": "acme-eu",
            "source_name": "purchase_orders",
            "gap_date": date(2026, 11, 3),
            "gap_run_start_date": date(2026, 11, 3),
            "gap_run_days": 1,
            "is_source_never_covered": False,
            "coverage_evidence": "extraction_checkpoints",
        }
    ]


def test_an_account_never_extracted_is_a_row_per_source_and_day(tmp_path):
    warehouse = make_warehouse(
        tmp_path / "w.duckdb",
        days=3,
        skip={("acme-fe", "*", offset) for offset in range(3)},
    )

    dbt_run(warehouse, tmp_path, as_of=day(3), select=GAPS_ONLY)

    rows = gaps(warehouse)
    assert [(r["account_id"], r["source_name"], r["gap_date"]) for r in rows] == [
        ("acme-fe", source, date(2026, 11, 1) + timedelta(days=offset))
        for source in ("purchase_order_statuses", "purchase_orders")
        for offset in range(3)
    ]
    assert {(r["gap_run_days"], r["is_source_never_covered"]) for r in rows} == {
        (3, True)
    }


def test_windows_of_landed_rows_count_where_no_checkpoint_was_kept(tmp_path):
    # Checkpoints for days 0-3 but day 1 of acme-na orders; a landed row whose
    # extraction window spans day 1 fills it.
    warehouse = make_warehouse(
        tmp_path / "w.duckdb", days=4, skip={("acme-na", "purchase_orders", 1)}
    )
    import duckdb

    with duckdb.connect(str(warehouse)) as connection:
        connection.execute(
            """
            insert into raw.purchase_orders (
                load_id, account_id, region, source, operation, window_start,
                window_end, document_key, extracted_at, payload, payload_sha256
            ) values ('l', 'acme-na', 'NA', 'purchase_orders', 'getPurchaseOrders',
                ?, ?, 'PO1', ?, '{}', repeat('a', 64))
            """,
            [day(1, 6), day(1, 18), day(2)],
        )

    dbt_run(warehouse, tmp_path, as_of=day(4), select=GAPS_ONLY)

    assert gaps(warehouse) == []


PO_LINE = {
    "account_id": "acme-na",
    "purchase_order_number": "PO1",
    "item_sequence_number": "1",
    "purchase_order_state": "Acknowledged",
    "ship_window_end_at": day(0),
    "currency_code": "USD",
    "po_unit_cost": Decimal("2.5000"),
    "ordered_units": 10,
    "accepted_units": 10,
    "received_units": None,
    "last_received_at": None,
}
# Received 8 of 10 on day 1 (2026-11-02).
RECEIVED_LINE = {
    **PO_LINE,
    "purchase_order_number": "PO2",
    "received_units": 8,
    "last_received_at": day(1),
}
LATER_COLUMNS = (
    ", shipped_units integer, invoiced_units integer, "
    "invoiced_amount decimal(18, 4), paid_amount decimal(18, 4), "
    "payment_due_date date"
)


def stuck(warehouse):
    return query(
        warehouse,
        "select purchase_order_number, stuck_reason, days_stuck, money_at_stake "
        "from monitoring.fct_stuck_po_lines order by all",
    )


def test_stuck_lines_use_the_columns_the_mart_has_now(tmp_path):
    warehouse = make_warehouse(tmp_path / "w.duckdb")
    add_marts(warehouse, po_lines=[PO_LINE, RECEIVED_LINE])

    dbt_run(warehouse, tmp_path, as_of=day(20), select=MONITORING_STUCK)

    # Without shipped, invoiced and paid columns only the receipt check runs.
    assert stuck(warehouse) == [
        {
            "purchase_order_number": "PO1",
            "stuck_reason": "accepted_not_received",
            "days_stuck": 6,
            "money_at_stake": Decimal("25.0000"),
        }
    ]


def test_stuck_line_checks_switch_on_when_the_columns_arrive(tmp_path):
    warehouse = make_warehouse(tmp_path / "w.duckdb")
    add_marts(
        warehouse,
        po_lines=[
            {**PO_LINE, "shipped_units": 0},
            {
                **RECEIVED_LINE,
                "shipped_units": 10,
                "invoiced_units": 5,
                "invoiced_amount": Decimal("12.50"),
                "paid_amount": None,
                "payment_due_date": date(2026, 11, 3),
            },
        ],
        po_line_extra_columns=LATER_COLUMNS,
    )

    dbt_run(warehouse, tmp_path, as_of=day(10), select=MONITORING_STUCK)

    assert stuck(warehouse) == [
        {
            "purchase_order_number": "PO1",
            "stuck_reason": "accepted_not_shipped",
            "days_stuck": 10,
            "money_at_stake": Decimal("25.0000"),
        },
        {
            "purchase_order_number": "PO2",
            "stuck_reason": "invoiced_not_paid",
            "days_stuck": 7,
            "money_at_stake": Decimal("12.5000"),
        },
        {
            "purchase_order_number": "PO2",
            "stuck_reason": "received_not_invoiced",
            "days_stuck": 2,
            "money_at_stake": Decimal("7.5000"),
        },
    ]


MONITORING_STUCK = ["fct_stuck_po_lines"]


def exception(kind, **fields):
    return {
        "exception_id": f"x-{kind}-{fields.get('invoice_number') or 'po'}",
        "exception_type": kind,
        "account_id": "acme-na",
        "vendor_code": "V1",
        "currency_code": "USD",
        "status": "open",
        **fields,
    }


EXCEPTIONS = [
    exception(
        "late_or_missing_asn",
        purchase_order_number="PO1",
        item_sequence_number="1",
        amount_at_stake=Decimal("25.00"),
    ),
    exception(
        "unpaid_past_due", invoice_number="INV1", amount_at_stake=Decimal("100.00")
    ),
    exception(
        "deduction",
        invoice_number="INV1SC",
        payment_number="P9",
        deduction_type="shortage_claim",
        exception_detail_key="P9/2",
        amount_at_stake=Decimal("40.00"),
        dispute_deadline_date=date(2026, 11, 12),
    ),
    # A deadline a month away is not near yet.
    exception(
        "deduction",
        invoice_number="INV2SC",
        payment_number="P9",
        deduction_type="shortage_claim",
        exception_detail_key="P9/3",
        amount_at_stake=Decimal("5.00"),
        dispute_deadline_date=date(2026, 12, 20),
    ),
]
INVOICES = [
    {
        "account_id": "acme-eu",
        "vendor_code": "V1",
        "invoice_number": "INV7",
        "invoice_date": date(2026, 10, 1),
        "currency_code": "EUR",
        "invoice_total_amount": Decimal("70.00"),
        "payment_due_date": date(2026, 11, 30),
        "amazon_invoice_status": "IN_PROGRESS",
        "is_overdue": False,
    }
]


def quality_results(warehouse, run_id, validated_at, *, failing):
    outcomes = [
        ExpectationOutcome(
            suite_name="fct_po_line_reconciliation",
            table_name="marts.fct_po_line_reconciliation",
            expectation_type="expect_compound_columns_to_be_unique",
            column_names=("account_id", "purchase_order_number"),
            kwargs={"column_list": ["account_id", "purchase_order_number"]},
            severity="critical",
            success=not failing,
            unexpected_count=2 if failing else 0,
            element_count=9,
        )
    ]
    write_outcomes(warehouse, run_id, "marts", outcomes, validated_at)


def alerts(warehouse):
    return {
        (row["kind"], row["account_id"], row["subject"]): row
        for row in query(warehouse, "select * from monitoring.alerts")
    }


@pytest.fixture
def alert_warehouse(tmp_path):
    warehouse = make_warehouse(
        tmp_path / "w.duckdb", skip={("acme-eu", "purchase_orders", 2)}
    )
    add_marts(
        warehouse,
        po_lines=[PO_LINE],
        exceptions=EXCEPTIONS,
        invoices=INVOICES,
        po_line_extra_columns=", shipped_units integer",
    )
    quality_results(warehouse, "run-1", day(5), failing=True)
    return warehouse


def test_alerts_come_from_every_feed_with_stable_ids(alert_warehouse, tmp_path):
    dbt_run(alert_warehouse, tmp_path, as_of=day(6))

    rows = alerts(alert_warehouse)
    assert {
        key: (row["severity"], row["money_at_stake"], row["deadline_date"])
        for key, row in rows.items()
    } == {
        ("po_not_shipped_by_ship_window", "acme-na", "PO PO1 line 1"): (
            "critical",
            Decimal("25.0000"),
            None,
        ),
        ("payment_overdue", "acme-na", "invoice INV1"): (
            "critical",
            Decimal("100.0000"),
            None,
        ),
        (
            "deduction_dispute_deadline_near",
            "acme-na",
            "invoice INV1SC payment P9",
        ): ("critical", Decimal("40.0000"), date(2026, 11, 12)),
        ("invoice_stuck_processing", "acme-eu", "invoice INV7"): (
            "warning",
            Decimal("70.0000"),
            date(2026, 11, 30),
        ),
        ("data_gap", "acme-eu", "purchase_orders extraction"): ("warning", None, None),
        (
            "quality_failure",
            None,
            "fct_po_line_reconciliation [account_id, purchase_order_number]",
        ): ("critical", None, None),
    }
    quality = rows[
        (
            "quality_failure",
            None,
            "fct_po_line_reconciliation [account_id, purchase_order_number]",
        )
    ]
    assert quality["detail"] == (
        "expect_compound_columns_to_be_unique, 2 unexpected of 9"
    )
    gap = rows[("data_gap", "acme-eu", "purchase_orders extraction")]
    assert gap["detail"] == "no window covers 1 day(s), 2026-11-03 to 2026-11-03"
    # The stuck-line check also sees PO1 unshipped, but the exceptions mart
    # speaks for it: one alert, not two.
    assert {row["status"] for row in rows.values()} == {"open"}
    assert {row["first_seen_at"] for row in rows.values()} == {day(6)}
    assert len({row["alert_id"] for row in rows.values()}) == len(rows)


def test_alerts_keep_history_across_builds(alert_warehouse, tmp_path):
    dbt_run(alert_warehouse, tmp_path, as_of=day(6))
    first = alerts(alert_warehouse)

    # Next day: the overdue amount grows, the missing ASN is sent, the
    # duplicate is fixed and a new check run passes.
    changed = [dict(row) for row in EXCEPTIONS[1:]]
    changed[0]["amount_at_stake"] = Decimal("120.00")
    replace_rows(alert_warehouse, "marts.fct_reconciliation_exceptions", changed)
    quality_results(alert_warehouse, "run-2", day(6), failing=False)
    dbt_run(alert_warehouse, tmp_path, as_of=day(7))
    second = alerts(alert_warehouse)

    overdue = ("payment_overdue", "acme-na", "invoice INV1")
    assert second[overdue]["alert_id"] == first[overdue]["alert_id"]
    assert second[overdue]["content_hash"] != first[overdue]["content_hash"]
    assert (second[overdue]["first_seen_at"], second[overdue]["last_seen_at"]) == (
        day(6),
        day(7),
    )
    shipped = ("po_not_shipped_by_ship_window", "acme-na", "PO PO1 line 1")
    assert (second[shipped]["status"], second[shipped]["resolved_at"]) == (
        "resolved",
        day(7),
    )
    assert second[shipped]["content_hash"] != first[shipped]["content_hash"]
    quality = next(key for key in second if key[0] == "quality_failure")
    assert second[quality]["status"] == "resolved"
    gap = ("data_gap", "acme-eu", "purchase_orders extraction")
    assert second[gap]["content_hash"] == first[gap]["content_hash"]
    assert second[gap]["status"] == "open"
