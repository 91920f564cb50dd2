"""The marts built from a simulated world's documents equal its ground truth.

Three worlds (seeds), each with accounts in NA, EU and FE. Every document a world
has produced by AS_OF is landed as raw rows, the way the loader would: Amazon's
orders, statuses and invoice view once per daily extraction (a new row only when
the document changed), the vendor's invoices, ASN versions and remittance lines
once each. Then every PO line, every exception and every remittance line of the
marts is compared with the world's ground truth.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import duckdb
import pytest
from dbt_harness import FCT_COLUMNS, BuildOutcome, dbt_build, document_row, query
from raw_fixture import create_raw_tables, insert_rows

from vendor_recon.simulator import exact_json
from vendor_recon.simulator.reconciliation import EXCEPTION_KEYS, REMITTANCE_COLUMNS
from vendor_recon.simulator.world import World, default_accounts, generate_world

FIRST_DAY = datetime(2026, 11, 2, tzinfo=UTC)
ORDER_DAYS = 4
# Extractions go on after the last PO is created, while POs are received, close,
# get invoiced and (for short payment terms) paid.
EXTRACTION_DAYS = ORDER_DAYS + 16
AS_OF = FIRST_DAY + timedelta(days=EXTRACTION_DAYS)
KEY = ("account_id", "purchase_order_number", "item_sequence_number")
# Each of these worlds holds every exception type, PO state and line status.
SEEDS = (7, 8, 9)
# The comparison keys are the simulator's own, so the two cannot drift apart.
EXCEPTION_COLUMNS = EXCEPTION_KEYS

pytestmark = pytest.mark.skipif(
    not hasattr(World, "ground_truth_exceptions"),
    reason="the simulator has no World.ground_truth_exceptions yet, so there is"
    " no ground truth to compare the invoice, payment and exception marts with",
)


@pytest.fixture(scope="module", params=SEEDS, ids=lambda seed: f"seed{seed}")
def world(request: pytest.FixtureRequest) -> World:
    return generate_world(
        request.param,
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
        for table, rows in inbox_document_rows(world).items():
            insert_rows(con, table, rows)
        insert_rows(con, "vendor_accounts", account_rows(world))
    return dbt_build(warehouse, tmp, {"as_of": AS_OF.isoformat()})


def test_build_succeeds_without_warnings(built: BuildOutcome) -> None:
    assert built.result.success, built.problems()
    assert built.warned == set()


def test_po_lines_equal_ground_truth(built: BuildOutcome, world: World) -> None:
    expected = {
        key_of(row): normalised(row, FCT_COLUMNS)
        for row in world.ground_truth_po_lines(AS_OF)
    }
    mart = query(built.warehouse, "select * from marts.fct_po_line_reconciliation")
    assert mart and tuple(mart[0]) == FCT_COLUMNS
    actual = {key_of(row): normalised(row, FCT_COLUMNS) for row in mart}
    states = {row["purchase_order_state"] for row in expected.values()}
    assert states == {"New", "Acknowledged", "Closed"}, "the world lacks a case"
    statuses = {row["reconciliation_status"] for row in expected.values()}
    assert {"open", "matched", "exception"} <= statuses, "the world lacks a case"
    assert sorted(actual) == sorted(expected)
    mismatches = [
        (key, column, actual[key][column], expected[key][column])
        for key in expected
        for column in FCT_COLUMNS
        if actual[key][column] != expected[key][column]
    ]
    assert mismatches == []


def test_exceptions_equal_ground_truth(built: BuildOutcome, world: World) -> None:
    """100 % precision and recall for every exception type, amounts exact."""
    expected = Counter(
        tuple(normalised(row, EXCEPTION_COLUMNS).values())
        for row in world.ground_truth_exceptions(AS_OF)
    )
    mart = query(built.warehouse, "select * from marts.fct_reconciliation_exceptions")
    actual = Counter(tuple(normalised(row, EXCEPTION_COLUMNS).values()) for row in mart)
    kinds = {key[0] for key in expected}
    assert len(kinds) == 12, f"the world holds only {sorted(kinds)}"
    scores = {
        kind: (
            sum((of_kind(expected, kind) & of_kind(actual, kind)).values()),
            sum((of_kind(actual, kind) - of_kind(expected, kind)).values()),
            sum((of_kind(expected, kind) - of_kind(actual, kind)).values()),
        )
        for kind in kinds | {key[0] for key in actual}
    }
    wrong = {kind: s for kind, s in scores.items() if s[1] or s[2]}
    assert wrong == {}, "(true, false positives, false negatives) per type"
    assert sorted(actual - expected) == []
    assert sorted(expected - actual) == []
    assert len({row["exception_id"] for row in mart}) == len(mart)


def of_kind(rows: Counter, kind: str) -> Counter:
    return Counter({key: n for key, n in rows.items() if key[0] == kind})


def test_remittance_lines_equal_ground_truth(built: BuildOutcome, world: World) -> None:
    expected = Counter(
        tuple(normalised(row, REMITTANCE_COLUMNS).values())
        for row in remittance_truth(world)
    )
    mart = query(built.warehouse, "select * from marts.fct_remittance_lines")
    actual = Counter(
        tuple(normalised(row, REMITTANCE_COLUMNS).values()) for row in mart
    )
    assert sorted(actual - expected) == []
    assert sorted(expected - actual) == []


def test_exception_ids_are_stable_across_rebuilds(
    built: BuildOutcome, tmp_path_factory: pytest.TempPathFactory
) -> None:
    sql = "select exception_id from marts.fct_reconciliation_exceptions order by 1"
    before = query(built.warehouse, sql)
    # Rebuilding the exceptions (and what they read) from the same raw rows.
    again = dbt_build(
        built.warehouse,
        tmp_path_factory.mktemp("dbt_rebuild"),
        {"as_of": AS_OF.isoformat()},
        command="run",
        select="+fct_reconciliation_exceptions",
    )
    assert again.result.success, again.problems()
    assert query(built.warehouse, sql) == before


def test_every_exception_points_at_a_raw_document(built: BuildOutcome) -> None:
    orphans = query(
        built.warehouse,
        """
        select e.exception_type, e.evidence_table, e.payload_sha256
        from marts.fct_reconciliation_exceptions as e
        where not exists (
            select 1 from (
                select payload_sha256 from raw.purchase_orders
                union all select payload_sha256 from raw.purchase_order_statuses
                union all select payload_sha256 from raw.vendor_invoices
                union all select payload_sha256 from raw.finance_invoices
                union all select payload_sha256 from raw.remittance_lines
            ) as r
            where r.payload_sha256 = e.payload_sha256
        )
        """,
    )
    assert orphans == []


def test_money_is_decimal_and_jpy_has_no_minor_unit(built: BuildOutcome) -> None:
    types = query(
        built.warehouse,
        "select table_name, column_name, data_type from information_schema.columns"
        " where table_schema = 'marts' and (column_name like '%amount'"
        " or column_name like '%amount_reporting' or column_name like '%cost')",
    )
    assert types and all(row["data_type"].startswith("DECIMAL") for row in types)
    fractions = query(
        built.warehouse,
        "select count(*) as n from marts.fct_po_line_reconciliation"
        " where currency_code = 'JPY' and (invoiced_amount % 1 <> 0"
        " or shortage_amount % 1 <> 0 or price_variance_amount % 1 <> 0)",
    )
    assert fractions == [{"n": 0}]


def remittance_truth(world: World) -> list[dict[str, Any]]:
    """The world's remittance lines with the account each belongs to."""
    accounts = {
        payment.payment_number: payment.account_id
        for payment in world.settlement.payments
    }
    return [
        {**row, "account_id": accounts[row["payment_number"]]}
        for row in world.ground_truth_remittance_lines(AS_OF)
    ]


def daily_document_rows(world: World) -> dict[str, list[dict[str, Any]]]:
    """Each day's full extraction; a document is landed again only once it changed."""
    rows: dict[str, list[dict[str, Any]]] = {
        "purchase_orders": [],
        "purchase_order_statuses": [],
        "finance_invoices": [],
    }
    landed: set[tuple[str, str, str, str]] = set()
    for day in range(1, EXTRACTION_DAYS + 1):
        extracted_at = FIRST_DAY + timedelta(days=day)
        for account in world.accounts:
            fields = account_fields(account)
            extractions: list[tuple[str, dict[str, Any]]] = []
            for record_number, document in enumerate(
                world.orders_as_of(account.account_id, extracted_at), start=1
            ):
                extractions.append(
                    (
                        "purchase_orders",
                        document_row(
                            document,
                            account=fields,
                            operation="getPurchaseOrders",
                            extracted_at=extracted_at,
                            record_number=record_number,
                        ),
                    )
                )
            for record_number, document in enumerate(
                world.statuses_as_of(account.account_id, extracted_at), start=1
            ):
                extractions.append(
                    (
                        "purchase_order_statuses",
                        document_row(
                            document,
                            account=fields,
                            operation="getPurchaseOrdersStatus",
                            extracted_at=extracted_at,
                            record_number=record_number,
                        ),
                    )
                )
            for record_number, invoice in enumerate(
                world.finance_invoices_as_of(account.account_id, extracted_at),
                start=1,
            ):
                payload = exact_json.dumps(
                    {"invoiceHeader": invoice.header, "invoiceItems": invoice.items}
                )
                extractions.append(
                    (
                        "finance_invoices",
                        raw_row(
                            payload,
                            account=fields,
                            source="spapi",
                            operation="getInvoices",
                            document_key=invoice.header["invoiceIdentifier"],
                            document_updated_at=invoice.updated_at,
                            extracted_at=extracted_at,
                            record_number=record_number,
                        ),
                    )
                )
            for table, row in extractions:
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


def inbox_document_rows(world: World) -> dict[str, list[dict[str, Any]]]:
    """The vendor's files up to AS_OF, each read the day after its document date."""
    rows: dict[str, list[dict[str, Any]]] = {
        "vendor_invoices": [],
        "vendor_shipment_confirmations": [],
        "remittance_lines": [],
    }
    fields = {a.account_id: account_fields(a) for a in world.accounts}
    for invoice in world.invoices:
        if invoice.issued_at > AS_OF:
            continue
        rows["vendor_invoices"].append(
            raw_row(
                compact_json(invoice.document()),
                account=fields[invoice.account_id],
                source="inbox",
                operation="file:invoices",
                document_key=invoice.invoice_number,
                document_updated_at=invoice.issued_at,
                extracted_at=next_run(invoice.issued_at),
                source_file=f"{invoice.account_id}/invoices/"
                f"{invoice.issued_at:%Y%m%d-%H%M}-{invoice.vendor_code}-invoices.json",
            )
        )
    for shipment in world.shipments:
        for version in shipment.versions:
            if version.confirmed_at > AS_OF:
                continue
            rows["vendor_shipment_confirmations"].append(
                raw_row(
                    compact_json(shipment.document(version)),
                    account=fields[shipment.account_id],
                    source="inbox",
                    operation="file:shipments",
                    document_key=shipment.shipment_identifier,
                    document_updated_at=version.confirmed_at,
                    extracted_at=next_run(version.confirmed_at),
                    source_file=f"{shipment.account_id}/shipments/"
                    f"{version.confirmed_at:%Y%m%d}-{shipment.shipment_identifier}"
                    f"-{version.confirmation_type.lower()}.json",
                )
            )
    for payment in world.settlement.payments:
        if payment.paid_at > AS_OF:
            continue
        for line_number, line in enumerate(payment.lines, start=1):
            normalised_line = {
                "payment_number": payment.payment_number,
                "payment_date": payment.paid_at.date().isoformat(),
                "invoice_number": line.invoice_number,
                "invoice_date": line.invoice_date.isoformat(),
                "invoice_description": line.description,
                "invoice_currency": payment.currency_code,
                "invoice_amount": str(line.invoice_amount),
                "amount_paid": str(line.amount_paid),
                "discount_taken": str(line.discount_taken),
                "amount_remaining": str(line.amount_remaining),
                "line_number": line_number,
                "source_format": payment.file_format,
            }
            rows["remittance_lines"].append(
                raw_row(
                    compact_json(normalised_line),
                    account=fields[payment.account_id],
                    source="inbox",
                    operation="file:remittances",
                    document_key=f"{payment.payment_number}/{line_number}",
                    document_updated_at=datetime.combine(
                        payment.paid_at.date(), time(0), tzinfo=UTC
                    ),
                    extracted_at=next_run(payment.paid_at),
                    record_number=line_number,
                    source_file=f"{payment.account_id}/remittances/"
                    f"{payment.paid_at:%Y%m%d}-{payment.vendor_code}"
                    f"-{payment.payment_number}",
                )
            )
    return rows


def raw_row(
    payload: str,
    *,
    account: dict[str, str],
    source: str,
    operation: str,
    document_key: str,
    document_updated_at: datetime | None,
    extracted_at: datetime,
    record_number: int = 1,
    source_file: str | None = None,
) -> dict[str, Any]:
    """One raw-table row for a document other than an order or order status."""
    digest = hashlib.sha256(payload.encode()).hexdigest()
    return {
        "load_id": f"{account['account_id']}-{operation}-{extracted_at:%Y%m%d}",
        **account,
        "source": source,
        "operation": operation,
        "record_number": record_number,
        "document_key": document_key,
        "document_updated_at": document_updated_at,
        "extracted_at": extracted_at,
        "payload": payload,
        "payload_sha256": digest,
        "source_file": source_file,
        "source_file_sha256": None
        if source_file is None
        else hashlib.sha256(source_file.encode()).hexdigest(),
        "snapshot_file": f"snapshots/raw/{operation.replace(':', '_')}/"
        f"dt={extracted_at:%Y-%m-%d}/{account['account_id']}.parquet",
    }


def compact_json(document: dict[str, Any]) -> str:
    return json.dumps(document, sort_keys=True, separators=(",", ":"))


def next_run(moment: datetime) -> datetime:
    """The daily run that reads a file dropped at `moment`: next UTC midnight."""
    return min(
        datetime.combine(moment.date(), time(0), tzinfo=UTC) + timedelta(days=1),
        AS_OF,
    )


def account_fields(account: Any) -> dict[str, str]:
    return {
        "account_id": account.account_id,
        "region": account.region,
        "marketplace_id": account.marketplace_id,
    }


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


def normalised(row: dict[str, Any], columns: tuple[str, ...]) -> dict[str, Any]:
    out = {}
    for column in columns:
        value = row[column]
        assert not isinstance(value, float), f"{column} is a float"
        if isinstance(value, datetime):
            value = value.astimezone(UTC)
        elif isinstance(value, date):
            value = value.isoformat()
        if isinstance(value, Decimal):
            value = value.normalize()
            # Decimal('0E+2') and Decimal('0') are the same money.
            value = Decimal(0) if value == 0 else value
        out[column] = value
    return out
