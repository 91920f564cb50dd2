"""A warehouse holding a hand-made monitoring.alerts table, as dbt builds it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import duckdb
import pytest
from alert_rows import ALERTS_DDL, SEEN

from vendor_recon.warehouse import connect


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    path = tmp_path / "warehouse.duckdb"
    with connect(path) as connection:
        connection.execute(ALERTS_DDL)
        for account_id, currency in (("acme-na", "USD"), ("acme-fe", "JPY")):
            connection.execute(
                "insert into raw.vendor_accounts values "
                "(?, 'NA', '[]', '[]', ?, ?, 'c', ?)",
                [account_id, currency, currency, SEEN],
            )
    return path


@pytest.fixture
def set_alerts(warehouse: Path) -> Callable[[list[dict]], None]:
    """Replace monitoring.alerts with these rows (what a dbt build would leave)."""

    def write(rows: list[dict]) -> None:
        with duckdb.connect(str(warehouse)) as connection:
            connection.execute("delete from monitoring.alerts")
            for row in rows:
                connection.execute(
                    f"insert into monitoring.alerts ({', '.join(row)}) "
                    f"values ({', '.join('?' for _ in row)})",
                    list(row.values()),
                )

    return write


@pytest.fixture
def today() -> date:
    return SEEN.date()
