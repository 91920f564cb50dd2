"""`dbt build` over Amazon's sandbox orders and statuses: staged values and the mart."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import duckdb
import pytest
from dbt_harness import (
    FCT_COLUMNS,
    REPO_ROOT,
    BuildOutcome,
    dbt_build,
    document_row,
    query,
)
from raw_fixture import create_raw_tables, insert_rows

ORDERS_MODEL = REPO_ROOT / "plugins/vendor_recon/simulator/models/vendorOrders.json"

ACCOUNT_ID = "sandbox-na"
REGION = "NA"
MARKETPLACE_ID = "ATVPDKIKX0DER"
ACCOUNT = {"account_id": ACCOUNT_ID, "region": REGION, "marketplace_id": MARKETPLACE_ID}
# Each sandbox response is landed as if extracted one minute after the previous.
FIRST_EXTRACTED_AT = datetime(2024, 6, 1, tzinfo=UTC)

# (raw table, API path, operation, list key in the payload)
SANDBOX_OPERATIONS = [
    (
        "purchase_orders",
        "/vendor/orders/v1/purchaseOrders",
        "getPurchaseOrders",
        "orders",
    ),
    (
        "purchase_order_statuses",
        "/vendor/orders/v1/purchaseOrdersStatus",
        "getPurchaseOrdersStatus",
        "ordersStatus",
    ),
]

# Amazon's examples themselves break these warn-level tests; nothing else may warn.
EXPECTED_WARNINGS = {
    # The mock orders of the parameterless example have no purchaseOrderState.
    "not_null_stg_spapi__purchase_orders_purchase_order_state",
    # Its mock-purchaseOrderNumber1 lines have no net cost: an unacknowledged
    # line's amount at stake is unknown.
    "not_null_fct_reconciliation_exceptions_amount_at_stake",
    # Order 3TRD2IAB states its quantity in "CASES".
    "accepted_values_stg_spapi__purchase_order_lines"
    "_ordered_quantity_unit_of_measure__Cases__Eaches",
    # The status of 2JK3S9VB has no order among the examples.
    "relationships_stg_spapi__purchase_order_line_statuses_purchase_order_number"
    "__purchase_order_number__ref_stg_spapi__purchase_orders_",
}


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> BuildOutcome:
    tmp = tmp_path_factory.mktemp("dbt_sandbox")
    warehouse = tmp / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        create_raw_tables(con)
        for table, rows in sandbox_document_rows().items():
            insert_rows(con, table, rows)
        insert_rows(con, "vendor_accounts", [sandbox_account_row()])
    return dbt_build(warehouse, tmp)


def test_dbt_build_succeeds(built: BuildOutcome) -> None:
    assert built.result.exception is None
    assert built.result.success, built.problems()
    assert built.warned == EXPECTED_WARNINGS
    # An INSTALL or an https path would wait on the network for far longer.
    assert built.seconds < 60


def test_dbt_writes_nothing_into_the_repository(built: BuildOutcome) -> None:
    assert (built.target / "run_results.json").is_file()
    assert built.written_to_repo == []


def test_line_statuses_are_staged_in_eaches(built: BuildOutcome) -> None:
    rows = query(
        built.warehouse,
        "select * exclude (account_id, extracted_at, load_id, payload_sha256,"
        " snapshot_file) from staging.stg_spapi__purchase_order_line_statuses"
        " where purchase_order_number in ('2JK3S9VB', 'TestPO1')"
        " order by purchase_order_number, item_sequence_number",
    )
    updated_at = utc("2020-08-17T21:05:58.193")
    common = {
        "purchase_order_number": "2JK3S9VB",
        "purchase_order_status": "OPEN",
        "status_last_updated_at": updated_at,
        "cancelled_units": 0,
        "last_acknowledged_at": updated_at,
    }
    assert rows == [
        {
            **common,
            "item_sequence_number": "1",
            "asin": "B07DFVDRAB",
            "vendor_sku": "8806098286500",
            "ordered_units": 1,
            "confirmation_status": "ACCEPTED",
            "accepted_units": 1,
            "rejected_units": 0,
            "receive_status": "RECEIVED",
            # Amazon sends this receipt as 1 case of 1.
            "received_units": 1,
            "last_received_at": utc("2020-08-28T21:06:23.193"),
        },
        {
            **common,
            "item_sequence_number": "2",
            "asin": "B07DFYF5AB",
            "vendor_sku": "8806098286123",
            "ordered_units": 20,
            "confirmation_status": "PARTIALLY_ACCEPTED",
            "accepted_units": 15,
            "rejected_units": 5,
            "receive_status": "PARTIALLY_RECEIVED",
            "received_units": 10,
            "last_received_at": utc("2020-08-30T21:05:58.193"),
        },
        {
            **common,
            "item_sequence_number": "3",
            "asin": "B07DFYF5XY",
            "vendor_sku": "8806098286789",
            "ordered_units": 5,
            "confirmation_status": "REJECTED",
            "accepted_units": 0,
            "rejected_units": 5,
            "receive_status": "NOT_RECEIVED",
            "received_units": 0,
            "last_received_at": None,
        },
        {
            "purchase_order_number": "TestPO1",
            "item_sequence_number": "1",
            "asin": "B01XYZ3Z123",
            "vendor_sku": "8806093095999",
            "purchase_order_status": "OPEN",
            "status_last_updated_at": utc("2020-08-17T05:07:00"),
            "ordered_units": 100,
            "cancelled_units": 50,
            "confirmation_status": "UNCONFIRMED",
            "accepted_units": 0,
            "rejected_units": 0,
            "last_acknowledged_at": None,
            "receive_status": "NOT_RECEIVED",
            "received_units": 0,
            "last_received_at": None,
        },
    ]


def test_order_lines_are_staged_in_eaches_with_decimal_money(
    built: BuildOutcome,
) -> None:
    rows = query(
        built.warehouse,
        "select purchase_order_number, item_sequence_number, asin, vendor_sku,"
        " ordered_quantity_amount, ordered_quantity_unit_of_measure,"
        " ordered_quantity_unit_size, ordered_units, is_back_order_allowed,"
        " net_cost_amount, net_cost_currency_code, net_cost_unit_of_measure,"
        " list_price_amount, list_price_currency_code"
        " from staging.stg_spapi__purchase_order_lines"
        " where purchase_order_number in"
        " ('2JK3S9VC', '3TRD2IAB', 'mock-purchaseOrderNumber2')"
        " order by purchase_order_number, item_sequence_number",
    )
    assert [tuple(row.values()) for row in rows] == [
        ("2JK3S9VC", "1", "B07DFVDRAB", "8806098286500", 1, "Eaches", 1, 1, False,
         Decimal("346.27"), "USD", None, Decimal("346.27"), "USD"),
        ("2JK3S9VC", "2", "B07DFYF5AB", "8806098286123", 2, "Eaches", 1, 2, False,
         Decimal("229.47"), "USD", None, Decimal("229.47"), "USD"),
        ("2JK3S9VC", "3", "B07MC84QAB", "8806098095123", 13, "Eaches", 1, 13, False,
         Decimal("412.71"), "USD", None, Decimal("412.71"), "USD"),
        ("3TRD2IAB", "1", "B01LNRIIAB", "B01LNRIIAB", 5, "CASES", 10, 50, True,
         Decimal("94.97"), "USD", "POUNDS", Decimal("94.97"), "USD"),
        ("mock-purchaseOrderNumber2", "00001", "B01LNRIIAB", "B01LNRIIAB", 24,
         "Cases", 5, 120, True, Decimal("94.97"), "INR", "POUNDS", None, None),
    ]  # fmt: skip
    assert all(isinstance(row["net_cost_amount"], Decimal) for row in rows)


def test_order_headers_keep_the_latest_version(built: BuildOutcome) -> None:
    rows = query(
        built.warehouse,
        "select * from staging.stg_spapi__purchase_orders"
        " order by purchase_order_number",
    )
    by_number = {row["purchase_order_number"]: row for row in rows}
    assert sorted(by_number) == sorted(
        [
            "2JK3S9VC",
            "2JK3S9XY",
            "3TRD2ABC",
            "3TRD2IAB",
            "TestPO1",
            "TestPO2",
            "TestPO3",
            "mock-purchaseOrderNumber1",
            "mock-purchaseOrderNumber2",
        ]
    )
    header = by_number["2JK3S9VC"]
    assert {k: v for k, v in header.items() if k != "payload_sha256"} == {
        "account_id": ACCOUNT_ID,
        "purchase_order_number": "2JK3S9VC",
        "region": REGION,
        "marketplace_id": MARKETPLACE_ID,
        "purchase_order_state": "New",
        "purchase_order_type": "RegularOrder",
        "purchase_order_at": utc("2019-08-20T15:51:00"),
        "purchase_order_date": date(2019, 8, 20),
        "purchase_order_changed_at": utc("2019-08-22T16:05:00"),
        "purchase_order_state_changed_at": utc("2019-08-20T15:51:00"),
        "vendor_code": "999US",
        "buying_party_id": "ABCD",
        "ship_to_party_id": "ABCD",
        "bill_to_party_id": "ABCD",
        "payment_method": "Invoice",
        "ship_window_start_at": utc("2019-08-21T07:00:00"),
        "ship_window_end_at": utc("2019-08-27T07:00:00"),
        "delivery_window_start_at": None,
        "delivery_window_end_at": None,
        "document_updated_at": utc("2019-08-22T16:05:00"),
        "extracted_at": FIRST_EXTRACTED_AT,
        "load_id": "sandbox-na-getPurchaseOrders-1",
        "snapshot_file": None,
    }
    # TestPO2 was landed last from an example Amazon changed earlier (06:00):
    # the version changed last (16:00) wins over the one extracted last.
    assert by_number["TestPO2"]["purchase_order_changed_at"] == utc(
        "2020-05-26T16:00:00"
    )
    # TestPO1's two versions carry the same dates: the later extraction wins.
    assert by_number["TestPO1"]["load_id"] == "sandbox-na-getPurchaseOrders-4"
    assert by_number["TestPO1"]["ship_window_end_at"] == utc("2020-05-29T07:00:00")
    # Listed without details: a header with a state and nothing else.
    assert by_number["3TRD2ABC"]["purchase_order_state"] == "Acknowledged"
    assert by_number["3TRD2ABC"]["purchase_order_at"] is None


def test_reconciliation_mart_has_the_expected_rows(built: BuildOutcome) -> None:
    rows = query(
        built.warehouse,
        "select * from marts.fct_po_line_reconciliation"
        " order by purchase_order_number, item_sequence_number",
    )
    assert rows and tuple(rows[0]) == FCT_COLUMNS
    sandbox_window_end = utc("2019-08-27T07:00:00")
    po1_window_end = utc("2020-05-29T07:00:00")
    expected = [
        ("999US", "2JK3S9VC", "1", "B07DFVDRAB", "8806098286500", date(2019, 8, 20),
         "New", sandbox_window_end, "USD", Decimal("346.27"), 1,
         None, None, None, None, None),
        ("999US", "2JK3S9VC", "2", "B07DFYF5AB", "8806098286123", date(2019, 8, 20),
         "New", sandbox_window_end, "USD", Decimal("229.47"), 2,
         None, None, None, None, None),
        ("999US", "2JK3S9VC", "3", "B07MC84QAB", "8806098095123", date(2019, 8, 20),
         "New", sandbox_window_end, "USD", Decimal("412.71"), 13,
         None, None, None, None, None),
        ("998US", "3TRD2IAB", "1", "B01LNRIIAB", "B01LNRIIAB", date(2019, 8, 20),
         "New", sandbox_window_end, "USD", Decimal("94.97"), 50,
         None, None, None, None, None),
        # Acknowledged by the order itself; status: 150 ordered, 50 cancelled.
        ("999US", "TestPO1", "1", "B01XYZ3Z00", "8806098095123", date(2020, 5, 26),
         "Acknowledged", po1_window_end, "USD", Decimal("70"), 100,
         50, None, None, 0, None),
        ("999US", "TestPO1", "2", "B01XYZ3Z01", "8806098095124", date(2020, 5, 26),
         "Acknowledged", po1_window_end, "USD", Decimal("15"), 10,
         None, None, None, None, None),
        # The status's 10 eaches replace the order's 20; UNCONFIRMED 0s are null.
        ("API01", "TestPO2", "1", "B01XYZ3Z00", "8806093095123", date(2020, 5, 25),
         "New", utc("2020-05-29T07:00:00"), "USD", Decimal("70"), 10,
         0, None, None, 0, None),
        ("API01", "TestPO3", "1", "B01XYZ3Z02", "8806093095125", date(2020, 5, 26),
         "New", utc("2020-06-03T07:00:00"), "USD", Decimal("50"), 10,
         None, None, None, None, None),
        # Amazon's mock documents: no state, no window, a price-less line, and
        # order item "00001" matched to status item "1" (whose 100 of 150 win).
        ("999US", "mock-purchaseOrderNumber1", "00001", "B07DFVDRAB",
         "8806098286500", date(2019, 8, 14), None, None, None, None, 10,
         0, None, None, 0, None),
        ("999US", "mock-purchaseOrderNumber1", "00002", "B07DFYF5AB",
         "8806098286123", date(2019, 8, 14), None, None, None, None, 2,
         None, None, None, None, None),
        ("999US", "mock-purchaseOrderNumber1", "00003", "B07MC84QAB",
         "8806098095123", date(2019, 8, 14), None, None, None, None, 13,
         None, None, None, None, None),
        ("999US", "mock-purchaseOrderNumber2", "00001", "B01LNRIIAB",
         "B01LNRIIAB", date(2019, 8, 13), None, None, "INR", Decimal("94.97"), 100,
         50, None, None, 0, None),
    ]  # fmt: skip
    assert [tuple(row.values()) for row in rows] == [
        (ACCOUNT_ID, REGION, *values, *nothing_shipped_or_invoiced(values[9]))
        for values in expected
    ]


def nothing_shipped_or_invoiced(po_unit_cost: Decimal | None) -> tuple[Any, ...]:
    """Amazon's examples carry no ASN, invoice or payment: zeros, and still open."""
    price_variance = None if po_unit_cost is None else Decimal(0)
    return (
        0, 0, Decimal(0), None, 0, Decimal(0), 0, price_variance, Decimal(0),
        Decimal(0), "open",
    )  # fmt: skip


def test_mart_money_is_decimal(built: BuildOutcome) -> None:
    (row,) = query(
        built.warehouse,
        "select data_type from information_schema.columns"
        " where table_schema = 'marts'"
        " and table_name = 'fct_po_line_reconciliation'"
        " and column_name = 'po_unit_cost'",
    )
    assert row["data_type"] == "DECIMAL(18,4)"


def test_vendor_accounts_dimension(built: BuildOutcome) -> None:
    (row,) = query(built.warehouse, "select * from marts.dim_vendor_accounts")
    assert row["account_id"] == ACCOUNT_ID
    assert row["primary_marketplace_id"] == MARKETPLACE_ID
    assert json.loads(row["marketplace_ids"]) == [MARKETPLACE_ID]
    assert json.loads(row["vendor_codes"]) == ["999US", "998US", "API01"]


def sandbox_document_rows() -> dict[str, list[dict[str, Any]]]:
    """Every 200 example of the two list operations, as the loader would land it."""
    model = json.loads(ORDERS_MODEL.read_text(encoding="utf-8"))
    rows: dict[str, list[dict[str, Any]]] = {}
    extracted_at = FIRST_EXTRACTED_AT
    for table, path, operation, list_key in SANDBOX_OPERATIONS:
        examples = model["paths"][path]["get"]["responses"]["200"]
        rows[table] = []
        for page_number, example in enumerate(
            examples["x-amzn-api-sandbox"]["static"], start=1
        ):
            params = {
                name: spec["value"]
                for name, spec in example["request"]["parameters"].items()
            }
            documents = example["response"]["payload"][list_key]
            for record_number, document in enumerate(documents, start=1):
                rows[table].append(
                    document_row(
                        document,
                        account=ACCOUNT,
                        operation=operation,
                        params=params,
                        page_number=page_number,
                        record_number=record_number,
                        extracted_at=extracted_at,
                    )
                )
            extracted_at += timedelta(minutes=1)
    return rows


def sandbox_account_row() -> dict[str, Any]:
    return {
        "account_id": ACCOUNT_ID,
        "region": REGION,
        "marketplace_ids": [MARKETPLACE_ID],
        "vendor_codes": json.dumps(["999US", "998US", "API01"]),
        "currency_code": "USD",
        "reporting_currency_code": "USD",
        "connection_id": "spapi_sandbox_na",
        "loaded_at": FIRST_EXTRACTED_AT,
    }
