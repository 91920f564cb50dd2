"""Raw tables for dbt tests: the loader's own DDL, and inserts of test rows.

`create_raw_tables` runs `vendor_recon.warehouse.DDL` (every raw table the loader
creates), then creates any table the dbt sources declare that the loader does not
have yet, with the loader's document columns, so that a build always works.
"""

from __future__ import annotations

from typing import Any

import duckdb

from vendor_recon.warehouse import DDL

DOCUMENT_TABLES = (
    "purchase_orders",
    "purchase_order_statuses",
    "vendor_invoices",
    "vendor_shipment_confirmations",
    "remittance_lines",
    "finance_invoices",
)

DOCUMENT_COLUMNS = {
    "load_id": "varchar",
    "account_id": "varchar",
    "region": "varchar",
    "marketplace_id": "varchar",
    "source": "varchar",
    "operation": "varchar",
    "pull": "varchar",
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
    "source_file": "varchar",
    "source_file_sha256": "varchar",
    "snapshot_file": "varchar",
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
    """Create schema raw and its empty tables, as the loader does."""
    for statement in DDL:
        con.execute(statement)
    for table in DOCUMENT_TABLES:
        con.execute(
            f"create table if not exists raw.{table} ({_columns_sql(DOCUMENT_COLUMNS)})"
        )
    con.execute(
        "create table if not exists raw.vendor_accounts"
        f" ({_columns_sql(VENDOR_ACCOUNT_COLUMNS)})"
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
