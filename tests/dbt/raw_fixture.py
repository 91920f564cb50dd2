"""Raw-table DDL and inserts for dbt tests; a stand-in for the loader's own DDL."""

from __future__ import annotations

from typing import Any

import duckdb

DOCUMENT_TABLES = ("purchase_orders", "purchase_order_statuses")

DOCUMENT_COLUMNS = {
    "load_id": "varchar",
    "account_id": "varchar",
    "region": "varchar",
    "marketplace_id": "varchar",
    "source": "varchar",
    "operation": "varchar",
    "request_params": "json",
    "window_start": "timestamptz",
    "window_end": "timestamptz",
    "page_number": "integer",
    "record_number": "integer",
    "document_key": "varchar",
    "document_updated_at": "timestamptz",
    "extracted_at": "timestamptz",
    "payload": "json",
    "payload_sha256": "varchar",
}

VENDOR_ACCOUNT_COLUMNS = {
    "account_id": "varchar",
    "region": "varchar",
    "marketplace_ids": "varchar[]",
    "vendor_codes": "json",
    "currency_code": "varchar",
    "reporting_currency_code": "varchar",
    "connection_id": "varchar",
    "loaded_at": "timestamptz",
}


def create_raw_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create schema raw and its empty tables."""
    con.execute("create schema if not exists raw")
    for table in DOCUMENT_TABLES:
        con.execute(f"create table raw.{table} ({_columns_sql(DOCUMENT_COLUMNS)})")
    con.execute(
        f"create table raw.vendor_accounts ({_columns_sql(VENDOR_ACCOUNT_COLUMNS)})"
    )


def insert_rows(
    con: duckdb.DuckDBPyConnection, table: str, rows: list[dict[str, Any]]
) -> None:
    """Append rows (dicts keyed by column name; JSON columns as text) to raw.table."""
    if not rows:
        return
    columns = VENDOR_ACCOUNT_COLUMNS if table == "vendor_accounts" else DOCUMENT_COLUMNS
    placeholders = ", ".join(f"cast(? as {kind})" for kind in columns.values())
    con.executemany(
        f"insert into raw.{table} ({', '.join(columns)}) values ({placeholders})",
        [[row.get(column) for column in columns] for row in rows],
    )


def _columns_sql(columns: dict[str, str]) -> str:
    return ", ".join(f"{name} {kind}" for name, kind in columns.items())
