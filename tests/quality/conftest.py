"""A DuckDB warehouse in tmp with a small, clean PO-line reconciliation mart."""

from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest
from layer_tables import add_mart_table


@pytest.fixture
def empty_warehouse(tmp_path: Path) -> Path:
    path = tmp_path / "warehouse.duckdb"
    duckdb.connect(str(path)).close()
    return path


@pytest.fixture
def warehouse(empty_warehouse: Path) -> Path:
    return add_mart_table(empty_warehouse)


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
