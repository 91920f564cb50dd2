"""Rows of monitoring.alerts as dbt builds it, made by hand for the tests."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

ALERTS_DDL = """
create schema if not exists monitoring;
create or replace table monitoring.alerts (
    alert_id varchar, content_hash varchar, kind varchar, severity varchar,
    account_id varchar, purchase_order_number varchar,
    item_sequence_number varchar, invoice_number varchar, source_name varchar,
    alert_key varchar, subject varchar, detail varchar,
    money_at_stake decimal(18, 4), currency_code varchar, deadline_date date,
    first_seen_at timestamptz, last_seen_at timestamptz, resolved_at timestamptz,
    status varchar
)
"""
SEEN = datetime(2026, 11, 5, 0, 30, tzinfo=UTC)


def alert_row(alert_id: str, **fields) -> dict:
    row = {
        "alert_id": alert_id,
        "content_hash": f"{alert_id}-v1",
        "kind": "payment_overdue",
        "severity": "critical",
        "account_id": "acme-na",
        "subject": f"invoice {alert_id}",
        "detail": "unpaid_past_due",
        "money_at_stake": Decimal("100.00"),
        "currency_code": "USD",
        "deadline_date": None,
        "first_seen_at": SEEN,
        "last_seen_at": SEEN,
        "status": "open",
    }
    row.update(fields)
    return row
