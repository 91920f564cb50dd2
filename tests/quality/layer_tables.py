"""Small clean tables for each layer's checkpoint, added to a DuckDB file."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb

from vendor_recon.warehouse import connect

FIXTURES = Path(__file__).parent / "fixtures"
MART = "marts.fct_po_line_reconciliation"
MART_DDL = f"""
create schema marts;
create table {MART} (
    account_id varchar,
    region varchar,
    vendor_code varchar,
    purchase_order_number varchar,
    item_sequence_number integer,
    asin varchar,
    vendor_sku varchar,
    purchase_order_date date,
    purchase_order_state varchar,
    ship_window_end_at timestamptz,
    currency_code varchar,
    po_unit_cost decimal(18, 4),
    ordered_units integer,
    cancelled_units integer,
    accepted_units integer,
    rejected_units integer,
    received_units integer,
    last_received_at timestamptz
);
"""


def add_mart_table(path: Path) -> Path:
    """Four clean PO lines in the PO-line reconciliation mart."""
    rows = FIXTURES / "fct_po_line_reconciliation_good.csv"
    with duckdb.connect(str(path)) as connection:
        connection.execute(MART_DDL)
        connection.execute(
            f"insert into {MART} select * from read_csv(?, header = true)",
            [str(rows)],
        )
    return path


FIRST_DAY = datetime(2026, 11, 1, tzinfo=UTC)
DAYS = 6
AS_OF = FIRST_DAY + timedelta(days=DAYS - 1, hours=12)
OPTIONAL_TABLES = (
    "vendor_invoices",
    "vendor_shipment_confirmations",
    "remittance_lines",
    "finance_invoices",
)


def at(days: float) -> datetime:
    return FIRST_DAY + timedelta(days=days)


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


# The columns `document` fills, in its order; the loader's later columns (such
# as is_outside_window) stay null, as for rows loaded before they existed.
DOCUMENT_FIELDS = (
    "load_id, account_id, region, marketplace_id, source, operation, pull, "
    "request_params, window_start, window_end, page_number, record_number, "
    "document_key, document_updated_at, extracted_at, payload, payload_sha256, "
    "source_file, source_file_sha256, snapshot_file"
)
INSERT_DOCUMENT = (
    f"insert into raw.purchase_orders ({DOCUMENT_FIELDS}) "
    f"values ({', '.join('?' * 20)})"
)


def document(key: str, *, extracted: datetime, start=None, end=None, payload=None):
    payload = payload or f'{{"purchaseOrderNumber": "{key}"}}'
    return [
        "load-1",
        "acme-na",
        "NA",
        "ATVPDKIKX0DER",
        "purchase_orders",
        "getPurchaseOrders",
        "created",
        "{}",
        start or at(0),
        end or at(1),
        1,
        1,
        key,
        None,
        extracted,
        payload,
        sha(payload),
        None,
        None,
        "snapshots/x.parquet",
    ]


def add_raw_tables(path: Path) -> Path:
    """Six days of loads per source at a steady volume, and two clean orders."""
    with connect(path) as connection:
        connection.execute(
            "insert into raw.vendor_accounts values ('acme-na', 'NA', "
            "'[\"ATVPDKIKX0DER\"]', '[\"V1\"]', 'USD', 'USD', 'spapi_acme_na', ?)",
            [at(5)],
        )
        for offset in range(DAYS):
            for source, rows in (
                ("purchase_orders", 10),
                ("purchase_order_statuses", 8),
            ):
                connection.execute(
                    "insert into raw.load_log "
                    "values (?, 'acme-na', ?, ?, ?, ?, ?, 0, ?)",
                    [
                        f"load-{offset}",
                        source,
                        f"snapshots/{source}/{offset}.parquet",
                        sha(f"{source}{offset}"),
                        rows,
                        rows // 2,
                        at(offset + 0.05),
                    ],
                )
        # The optional file-source tables are left out, as in a warehouse made
        # before they existed (and so that each checkpoint here runs quicker).
        for table in OPTIONAL_TABLES:
            connection.execute(f"drop table raw.{table}")
        for key in ("PO1", "PO2"):
            connection.execute(
                INSERT_DOCUMENT,
                document(key, extracted=at(1.01)),
            )
    return path


STAGING_DDL = """
create schema staging;
create table staging.stg_spapi__purchase_orders as
select * from (values
    ('acme-na', 'PO1', 'NA', 'ATVPDKIKX0DER'),
    ('acme-fe', 'PO2', 'FE', 'A1VC38T7YXB528')
) as t(account_id, purchase_order_number, region, marketplace_id);
create table staging.stg_spapi__purchase_order_lines as
select * from (values
    ('acme-na', 'PO1', '1', 2, 20, 12.50::decimal(18, 4), 'USD',
        14.99::decimal(18, 4), 'USD'),
    ('acme-fe', 'PO2', '1', 5, 5, 1200::decimal(18, 4), 'JPY',
        1500::decimal(18, 4), 'JPY')
) as t(account_id, purchase_order_number, item_sequence_number,
    ordered_quantity_amount, ordered_units, net_cost_amount, net_cost_currency_code,
    list_price_amount, list_price_currency_code);
create table staging.stg_spapi__purchase_order_line_statuses as
select * from (values
    ('acme-na', 'PO1', '1', 'OPEN', 15, 5, 12, 8, 0),
    ('acme-fe', 'PO2', '1', 'CLOSED', 5, 0, 5, 0, 5)
) as t(account_id, purchase_order_number, item_sequence_number,
    purchase_order_status, ordered_units, cancelled_units, accepted_units,
    rejected_units, received_units);
create table staging.stg_accounts__vendor_accounts as
select * from (values
    ('acme-na', 'ATVPDKIKX0DER', 'USD', 'USD'),
    ('acme-fe', 'A1VC38T7YXB528', 'JPY', 'USD')
) as t(account_id, primary_marketplace_id, currency_code, reporting_currency_code);
"""


def add_staging_tables(path: Path) -> Path:
    """Two clean orders, one line each, in the staging tables the suites check."""
    with duckdb.connect(str(path)) as connection:
        connection.execute(STAGING_DDL)
    return path
