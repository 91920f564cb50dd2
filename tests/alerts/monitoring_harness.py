"""Small warehouses for the monitoring models, and dbt run in-process on them.

Marts are hand-made tables with just the columns the monitoring models read,
so these tests pin the monitoring rules, not the marts' own.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from vendor_recon.warehouse import connect

REPO_ROOT = Path(__file__).resolve().parents[2]
DBT_PROJECT = REPO_ROOT / "dbt_project"
FIRST_DAY = datetime(2026, 11, 1, tzinfo=UTC)
ACCOUNTS = (
    ("acme-na", "NA", "ATVPDKIKX0DER", "USD"),
    ("acme-eu", "EU", "A1PA6795UKMFR9", "EUR"),
    ("acme-fe", "FE", "A1VC38T7YXB528", "JPY"),
)
SOURCES = (("purchase_orders", "created"), ("purchase_order_statuses", "updated"))
# Selected so that the monitoring models build on the hand-made marts.
MONITORING = [
    "stg_accounts__vendor_accounts",
    "stg_accounts__vendor_account_reports",
    "path:models/monitoring",
]

PO_LINES_DDL = """
create table marts.fct_po_line_reconciliation (
    account_id varchar, purchase_order_number varchar,
    item_sequence_number varchar, purchase_order_state varchar,
    ship_window_end_at timestamptz, currency_code varchar,
    po_unit_cost decimal(18, 4), ordered_units integer, accepted_units integer,
    received_units integer, last_received_at timestamptz{extra}
)
"""
EXCEPTIONS_DDL = """
create table marts.fct_reconciliation_exceptions (
    exception_id varchar, exception_type varchar, account_id varchar,
    vendor_code varchar, purchase_order_number varchar,
    item_sequence_number varchar, invoice_number varchar, payment_number varchar,
    deduction_type varchar, exception_detail_key varchar, currency_code varchar,
    amount_at_stake decimal(18, 4), detected_date date,
    dispute_deadline_date date, status varchar
)
"""
INVOICES_DDL = """
create table marts.fct_invoice_reconciliation (
    account_id varchar, vendor_code varchar, invoice_number varchar,
    invoice_date date, currency_code varchar, invoice_total_amount decimal(18, 4),
    payment_due_date date, amazon_invoice_status varchar, is_overdue boolean
)
"""


def day(offset: int, hours: int = 0) -> datetime:
    return FIRST_DAY + timedelta(days=offset, hours=hours)


def make_warehouse(
    path: Path, *, days: int = 5, skip: set[tuple[str, str, int]] = frozenset()
) -> Path:
    """Accounts, and one checkpoint per account, source and day but ``skip``.

    ``skip`` holds (account_id, source, day offset); a source of "*" skips the
    day for every source.
    """
    with connect(path) as connection:
        for account_id, region, marketplace, currency in ACCOUNTS:
            connection.execute(
                "insert into raw.vendor_accounts values (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    account_id,
                    region,
                    json.dumps([marketplace]),
                    json.dumps(["V1"]),
                    currency,
                    currency,
                    f"spapi_{account_id.replace('-', '_')}",
                    day(days),
                ],
            )
            for source, pull in SOURCES:
                for offset in range(days):
                    if {(account_id, source, offset), (account_id, "*", offset)} & skip:
                        continue
                    connection.execute(
                        "insert into raw.extraction_checkpoints "
                        "values (?, ?, ?, ?, ?, ?, ?)",
                        [
                            account_id,
                            source,
                            pull,
                            day(offset),
                            day(offset + 1),
                            day(offset + 1, 1),
                            f"load-{offset}",
                        ],
                    )
    return path


def add_marts(
    path: Path,
    *,
    po_lines: list[dict[str, Any]] = (),
    exceptions: list[dict[str, Any]] | None = None,
    invoices: list[dict[str, Any]] | None = None,
    po_line_extra_columns: str = "",
) -> None:
    """Hand-made marts; None leaves a mart out (as before it was built)."""
    with duckdb.connect(str(path)) as connection:
        connection.execute("set timezone = 'UTC'")
        connection.execute("create schema if not exists marts")
        connection.execute(PO_LINES_DDL.format(extra=po_line_extra_columns))
        _insert(connection, "marts.fct_po_line_reconciliation", po_lines)
        if exceptions is not None:
            connection.execute(EXCEPTIONS_DDL)
            _insert(connection, "marts.fct_reconciliation_exceptions", exceptions)
        if invoices is not None:
            connection.execute(INVOICES_DDL)
            _insert(connection, "marts.fct_invoice_reconciliation", invoices)


def replace_rows(path: Path, table: str, rows: list[dict[str, Any]]) -> None:
    with duckdb.connect(str(path)) as connection:
        connection.execute(f"delete from {table}")
        _insert(connection, table, rows)


def dbt_run(warehouse: Path, tmp: Path, *, as_of: datetime, select=MONITORING):
    """`dbt build` of the selection as of a moment; fails the test on any error."""
    from dbt.cli.main import dbtRunner

    with pytest.MonkeyPatch.context() as env:
        env.setenv("VENDOR_RECON_WAREHOUSE", str(warehouse))
        env.setenv("DBT_SEND_ANONYMOUS_USAGE_STATS", "False")
        env.setenv("DBT_VERSION_CHECK", "False")
        result = dbtRunner().invoke(
            [
                "build",
                "--select",
                *select,
                "--project-dir",
                str(DBT_PROJECT),
                "--profiles-dir",
                str(DBT_PROJECT),
                "--target-path",
                str(tmp / "target"),
                "--log-path",
                str(tmp / "logs"),
                "--vars",
                json.dumps({"as_of": as_of.isoformat()}),
                "--quiet",
            ]
        )
    problems = [
        (r.node.name, str(r.status), r.message)
        for r in (result.result or [])
        if str(r.status) not in ("success", "pass")
    ]
    assert result.success and not problems, (problems, result.exception)
    return result


def query(path: Path, sql: str, params: list | None = None) -> list[dict[str, Any]]:
    with duckdb.connect(str(path)) as connection:
        connection.execute("set timezone = 'UTC'")
        cursor = connection.execute(sql, params or [])
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _insert(connection, table: str, rows) -> None:
    for row in rows:
        columns = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        connection.execute(
            f"insert into {table} ({columns}) values ({marks})", list(row.values())
        )
