"""A DuckDB warehouse in tmp with a small, clean PO-line reconciliation mart."""

from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

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


@pytest.fixture
def empty_warehouse(tmp_path: Path) -> Path:
    path = tmp_path / "warehouse.duckdb"
    duckdb.connect(str(path)).close()
    return path


@pytest.fixture
def warehouse(empty_warehouse: Path) -> Path:
    rows = FIXTURES / "fct_po_line_reconciliation_good.csv"
    with duckdb.connect(str(empty_warehouse)) as connection:
        connection.execute(MART_DDL)
        connection.execute(
            f"insert into {MART} select * from read_csv(?, header = true)",
            [str(rows)],
        )
    return empty_warehouse


@pytest.fixture
def docs_dir(tmp_path: Path) -> Path:
    return tmp_path / "docs"


@pytest.fixture
def execute(warehouse: Path) -> Callable[[str], None]:
    """Run one statement against the warehouse, to spoil the clean rows."""

    def run(sql: str) -> None:
        with duckdb.connect(str(warehouse)) as connection:
            connection.execute(sql)

    return run


@pytest.fixture
def stored_results() -> Callable[[Path, str], list[dict]]:
    """The quality.gx_results rows of one run, as dicts."""

    def read(warehouse: Path, run_id: str) -> list[dict]:
        with duckdb.connect(str(warehouse)) as connection:
            cursor = connection.execute(
                "select * from quality.gx_results where run_id = ?", [run_id]
            )
            names = [column[0] for column in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    return read
