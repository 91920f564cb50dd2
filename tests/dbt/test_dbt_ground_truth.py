"""The mart built from a simulated world's daily documents equals its ground truth."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import duckdb
import pytest
from dbt_harness import FCT_COLUMNS, BuildOutcome, dbt_build, document_row, query
from raw_fixture import create_raw_tables, insert_rows

from vendor_recon.simulator.world import World, default_accounts, generate_world

FIRST_DAY = datetime(2026, 11, 2, tzinfo=UTC)
ORDER_DAYS = 4
# Extractions go on after the last PO is created, while POs are received and close.
EXTRACTION_DAYS = ORDER_DAYS + 3
AS_OF = FIRST_DAY + timedelta(days=EXTRACTION_DAYS)
KEY = ("account_id", "purchase_order_number", "item_sequence_number")


@pytest.fixture(scope="module")
def world() -> World:
    return generate_world(
        7,
        FIRST_DAY,
        FIRST_DAY + timedelta(days=ORDER_DAYS),
        accounts=default_accounts(),
        orders_per_day=3,
    )


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, world: World) -> BuildOutcome:
    tmp = tmp_path_factory.mktemp("dbt_ground_truth")
    warehouse = tmp / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        create_raw_tables(con)
        for table, rows in daily_document_rows(world).items():
            insert_rows(con, table, rows)
        insert_rows(con, "vendor_accounts", account_rows(world))
    return dbt_build(warehouse, tmp)


def test_mart_equals_ground_truth(built: BuildOutcome, world: World) -> None:
    assert built.result.success, built.problems()
    assert built.warned == set()
    expected = {
        key_of(row): normalised(row) for row in world.ground_truth_po_lines(AS_OF)
    }
    mart = query(built.warehouse, "select * from marts.fct_po_line_reconciliation")
    actual = {key_of(row): normalised(row) for row in mart}
    states = {row["purchase_order_state"] for row in expected.values()}
    assert states == {"New", "Acknowledged", "Closed"}, "the world lacks a case"
    assert sorted(actual) == sorted(expected)
    mismatches = [
        (key, column, actual[key][column], expected[key][column])
        for key in expected
        for column in FCT_COLUMNS
        if actual[key][column] != expected[key][column]
    ]
    assert mismatches == []


def daily_document_rows(world: World) -> dict[str, list[dict[str, Any]]]:
    """Each day's full extraction; a document is landed again only once it changed."""
    rows: dict[str, list[dict[str, Any]]] = {
        "purchase_orders": [],
        "purchase_order_statuses": [],
    }
    landed: set[tuple[str, str, str, str]] = set()
    for day in range(1, EXTRACTION_DAYS + 1):
        extracted_at = FIRST_DAY + timedelta(days=day)
        for account in world.accounts:
            account_fields = {
                "account_id": account.account_id,
                "region": account.region,
                "marketplace_id": account.marketplace_id,
            }
            for table, operation, documents in (
                (
                    "purchase_orders",
                    "getPurchaseOrders",
                    world.orders_as_of(account.account_id, extracted_at),
                ),
                (
                    "purchase_order_statuses",
                    "getPurchaseOrdersStatus",
                    world.statuses_as_of(account.account_id, extracted_at),
                ),
            ):
                for record_number, document in enumerate(documents, start=1):
                    row = document_row(
                        document,
                        account=account_fields,
                        operation=operation,
                        extracted_at=extracted_at,
                        record_number=record_number,
                    )
                    version = (
                        table,
                        row["account_id"],
                        row["document_key"],
                        row["payload_sha256"],
                    )
                    if version not in landed:
                        landed.add(version)
                        rows[table].append(row)
    return rows


def account_rows(world: World) -> list[dict[str, Any]]:
    return [
        {
            "account_id": account.account_id,
            "region": account.region,
            "marketplace_ids": [account.marketplace_id],
            "vendor_codes": json.dumps(list(account.vendor_codes)),
            "currency_code": account.currency_code,
            "reporting_currency_code": account.currency_code,
            "connection_id": f"spapi_{account.account_id}",
            "loaded_at": FIRST_DAY,
        }
        for account in world.accounts
    ]


def key_of(row: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(row[column] for column in KEY)


def normalised(row: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for column in FCT_COLUMNS:
        value = row[column]
        assert not isinstance(value, float), f"{column} is a float"
        if isinstance(value, datetime):
            value = value.astimezone(UTC)
        if isinstance(value, Decimal):
            value = value.normalize()
        out[column] = value
    return out
