"""The report staging models and the KPI and inventory marts against the world.

The world's vendor reports are landed as the extractor lands them: every daily
run asks for each report type over the whole published days of its lookback,
and each answer is one raw row keyed by the request (so a restated day comes
back in a later document). Orders, statuses, invoices and remittances are
landed as in test_dbt_ground_truth. Every expected number below is computed in
Python from the world (its ground truth, stock ledger and the documents it
published), never from SQL output.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import duckdb
import pytest
from dbt_harness import BuildOutcome, dbt_build, query
from raw_fixture import create_raw_tables, insert_rows
from test_dbt_ground_truth import (
    AS_OF,
    EXTRACTION_DAYS,
    FIRST_DAY,
    account_rows,
    daily_document_rows,
    inbox_document_rows,
)

from vendor_recon.landing import canonical_json
from vendor_recon.simulator.matching import counted_invoices
from vendor_recon.simulator.report_rules import (
    REPORT_TYPES,
    check_report_request,
    period_close,
)
from vendor_recon.simulator.reports import Ledger, generated_report, revision_cutoff
from vendor_recon.simulator.vendor_documents import INVOICE
from vendor_recon.simulator.world import World, default_accounts, generate_world
from vendor_recon.sources import vendor_reports
from vendor_recon.sources.windows import Window

# POs are still being ordered near the clock, so some are open at AS_OF.
ORDER_DAYS = EXTRACTION_DAYS - 3
# A report lookback (options.report_lookback_days) of 8 days back from each
# run's end: a day is read by the runs 4 to 8 days after it, so once after its
# 7-day restatement. The default, 35, would land about five times as many
# documents here for nothing more to check.
LOOKBACK = timedelta(days=8)
# The dbt vars' defaults (docs/reconciliation-rules.md).
FORECAST_WEEKS = 4
RISK_WEEKS = 2
SELECT = (
    "path:models/staging/reports +fct_inventory_health +fct_vendor_kpis_daily"
    " dim_vendor_accounts"
)
RATE, DAYS = Decimal("0.0001"), Decimal("0.01")


@pytest.fixture(scope="module")
def world() -> World:
    return generate_world(
        7,
        FIRST_DAY,
        FIRST_DAY + timedelta(days=ORDER_DAYS),
        accounts=default_accounts(),
        orders_per_day=2,
    )


@pytest.fixture(scope="module")
def reports(world: World) -> list[dict[str, Any]]:
    return report_rows(world)


@pytest.fixture(scope="module")
def built(
    tmp_path_factory: pytest.TempPathFactory,
    world: World,
    reports: list[dict[str, Any]],
) -> BuildOutcome:
    tmp = tmp_path_factory.mktemp("dbt_report_marts")
    warehouse = tmp / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        create_raw_tables(con)
        for table, rows in daily_document_rows(world).items():
            insert_rows(con, table, rows)
        for table, rows in inbox_document_rows(world).items():
            insert_rows(con, table, rows)
        insert_rows(con, "vendor_accounts", account_rows(world))
        insert_rows(con, "vendor_reports", reports)
    return dbt_build(warehouse, tmp, {"as_of": AS_OF.isoformat()}, select=SELECT)


def test_build_succeeds_without_warnings(built: BuildOutcome) -> None:
    assert built.result.success, built.problems()
    assert built.warned == set()


def test_inventory_health_equals_the_world(
    built: BuildOutcome, world: World, reports: list[dict[str, Any]]
) -> None:
    expected = expected_inventory_health(world, reports)
    mart = query(built.warehouse, "select * from marts.fct_inventory_health")
    columns = tuple(next(iter(expected.values())))
    actual = {
        (row["account_id"], row["asin"], row["snapshot_date"]): comparable(
            {column: row[column] for column in columns}
        )
        for row in mart
    }
    assert sorted(actual) == sorted(expected)
    mismatches = [
        (key, column, actual[key][column], expected[key][column])
        for key in expected
        for column in columns
        if actual[key][column] != expected[key][column]
    ]
    assert mismatches == []
    flags = {row["is_stock_out_risk"] for row in expected.values()}
    assert flags == {True, False}, "the world lacks a stock-out risk case"
    assert any(row["open_po_units"] for row in expected.values()), "no open PO"


def test_restated_days_keep_the_latest_revision(
    built: BuildOutcome, world: World, reports: list[dict[str, Any]]
) -> None:
    """Sales returns and traffic views change with each revision of a day."""
    last_seen = last_extraction_per_day(reports)
    revisions = set()
    expected_sales, expected_views = {}, {}
    for account in world.accounts:
        ledger = Ledger.of(world, account.account_id)
        for product in ledger.products:
            for day, seen_at in last_seen.items():
                numbers = ledger.day(product, day)
                if numbers is None:
                    continue
                revision, cutoff = revision_cutoff(day, seen_at)
                revisions.add(revision)
                key = (account.account_id, product.asin, day)
                returns = numbers.returns_known(day, cutoff.date())
                expected_sales[key] = (numbers.shipped, returns)
                views = numbers.glance_views
                expected_views[key] = views - views * revision // 100
    assert {0, 1} <= revisions, "no day was restated before its last extraction"
    sales = query(
        built.warehouse,
        "select account_id, asin, start_date, shipped_units,"
        " customer_returns_units from staging.stg_reports__sales"
        " where report_period = 'DAY'",
    )
    assert {
        (r["account_id"], r["asin"], r["start_date"]): (
            r["shipped_units"],
            r["customer_returns_units"],
        )
        for r in sales
    } == expected_sales
    traffic = query(
        built.warehouse,
        "select account_id, asin, start_date, glance_views"
        " from staging.stg_reports__traffic where report_period = 'DAY'",
    )
    assert {
        (r["account_id"], r["asin"], r["start_date"]): r["glance_views"]
        for r in traffic
    } == expected_views


def test_vendor_kpis_equal_the_world(built: BuildOutcome, world: World) -> None:
    expected = expected_kpis(world)
    mart = query(built.warehouse, "select * from marts.fct_vendor_kpis_daily")
    columns = tuple(next(iter(expected.values())))
    actual = {
        (row["account_id"], row["kpi_date"]): comparable(
            {column: row[column] for column in columns}
        )
        for row in mart
    }
    assert sorted(actual) == sorted(expected)
    mismatches = [
        (key, column, actual[key][column], expected[key][column])
        for key in expected
        for column in columns
        if actual[key][column] != expected[key][column]
    ]
    assert mismatches == []
    for column in ("confirmation_rate", "fill_rate", "on_time_ship_rate"):
        values = {row[column] for row in expected.values()} - {None}
        assert len(values) > 1, f"{column} takes one value only: {values}"
    for column in ("receive_accuracy", "shortage_rate", "deduction_rate"):
        assert any(row[column] for row in expected.values()), f"{column} all 0"
    assert any(row["days_to_pay"] for row in expected.values())


def test_rates_are_decimals_with_a_declared_scale(built: BuildOutcome) -> None:
    types = {
        row["column_name"]: row["data_type"]
        for row in query(
            built.warehouse,
            "select column_name, data_type from information_schema.columns"
            " where table_schema = 'marts'"
            " and table_name = 'fct_vendor_kpis_daily'",
        )
    }
    rates = [name for name in types if name.endswith(("_rate", "_accuracy"))]
    assert len(rates) == 6
    assert {types[name] for name in rates} == {"DECIMAL(9,4)"}
    assert types["days_to_pay"] == "DECIMAL(9,2)"


# --- landing the reports, the extractor's way --------------------------------


def report_rows(world: World) -> list[dict[str, Any]]:
    """Each daily run's report documents; a document is a new row only when
    its payload is new for its request key (the loader's rule)."""
    rows, landed = [], set()
    for run in range(1, EXTRACTION_DAYS + 1):
        extracted_at = FIRST_DAY + timedelta(days=run)
        window = Window(extracted_at - timedelta(days=1), extracted_at)
        pieces = vendor_reports.day_windows(window, LOOKBACK)
        for account in world.accounts:
            for report_type, (_, options) in vendor_reports.DAILY_REPORTS.items():
                for piece in pieces:
                    row = report_row(
                        world, account, report_type, options, piece, extracted_at
                    )
                    version = (account.account_id, row and row["document_key"])
                    if row is None or (*version, row["payload_sha256"]) in landed:
                        continue
                    landed.add((*version, row["payload_sha256"]))
                    rows.append(row)
    return rows


def report_row(
    world: World,
    account: Any,
    report_type: str,
    options: dict[str, str],
    piece: Window,
    extracted_at: datetime,
) -> dict[str, Any] | None:
    """The raw row of one report request made at `extracted_at`; None when
    Amazon has no data (CANCELLED)."""
    spec = check_report_request(
        REPORT_TYPES[report_type],
        account,
        (account.marketplace_id,),
        options,
        piece.start,
        # Amazon's end is inclusive: the last second of the last whole day.
        piece.end - timedelta(seconds=1),
        extracted_at,
    )
    document = generated_report(world, spec)
    if document is None:
        return None
    payload = canonical_json(document)
    start, end = piece.iso()
    updated = document["reportSpecification"]["lastUpdatedDate"]
    return {
        "load_id": f"{account.account_id}-reports-{extracted_at:%Y%m%d}",
        "account_id": account.account_id,
        "region": account.region,
        "marketplace_id": account.marketplace_id,
        "source": "spapi",
        "operation": "createReport+getReport+getReportDocument",
        "pull": report_type,
        "request_params": json.dumps(
            {"reportType": report_type, "reportOptions": options}
        ),
        "window_start": piece.start,
        "window_end": piece.end,
        "page_number": 0,
        "record_number": 0,
        "document_key": f"{report_type}|{json.dumps(options, sort_keys=True)}"
        f"|{start}|{end}",
        "document_updated_at": datetime.combine(
            date.fromisoformat(updated), datetime.min.time(), UTC
        ),
        "extracted_at": extracted_at,
        "payload": payload,
        "payload_sha256": hashlib.sha256(payload.encode()).hexdigest(),
    }


def documents_of(
    reports: list[dict[str, Any]], report_type: str
) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(raw row, parsed document) of every landed report of a type."""
    return [
        (row, json.loads(row["payload"], parse_float=Decimal))
        for row in reports
        if row["pull"] == report_type
    ]


def last_extraction_per_day(reports: list[dict[str, Any]]) -> dict[date, datetime]:
    """The last run whose daily sales report covered each day."""
    seen: dict[date, datetime] = {}
    for row, document in documents_of(reports, "GET_VENDOR_SALES_REPORT"):
        for period in document["salesAggregate"]:
            day = date.fromisoformat(period["startDate"])
            seen[day] = max(seen.get(day, row["extracted_at"]), row["extracted_at"])
    return seen


# --- the expected marts, from the world ---------------------------------------


def expected_inventory_health(
    world: World, reports: list[dict[str, Any]]
) -> dict[tuple[str, str, date], dict[str, Any]]:
    """The inventory rules applied to the world's stock, POs and forecasts."""
    forecasts = forecast_weeks(reports)
    days = sorted(last_extraction_per_day(reports))
    latest = days[-1]
    expected = {}
    for account in world.accounts:
        ledger = Ledger.of(world, account.account_id)
        open_units = open_po_units(world, account.account_id)
        for product in ledger.products:
            for day in days:
                on_hand = ledger.on_hand(product, period_close(day))
                generations = forecasts[account.account_id, product.asin]
                weeks = chosen_forecast(generations, day)
                expected[account.account_id, product.asin, day] = comparable(
                    {
                        "is_latest_snapshot": day == latest,
                        "sellable_on_hand_units": on_hand,
                        "open_po_units": open_units[product.asin]
                        if day == latest
                        else None,
                        **cover_of(on_hand, weeks),
                    }
                )
    return expected


def cover_of(on_hand: int, weeks: list[Decimal]) -> dict[str, Any]:
    """Weeks of cover and the risk flag from the forecast weeks chosen."""
    if not weeks:
        return {
            "forecast_week_count": None,
            "weeks_of_cover": None,
            "is_stock_out_risk": None,
        }
    total = sum(weeks, Decimal(0))
    covered = Decimal(max(on_hand, 0) * len(weeks))
    return {
        "forecast_week_count": len(weeks),
        "weeks_of_cover": ratio(covered, total, DAYS),
        "is_stock_out_risk": covered < RISK_WEEKS * total if total else False,
    }


def forecast_weeks(
    reports: list[dict[str, Any]],
) -> dict[tuple[str, str], dict[date, dict[date, Decimal]]]:
    """(account, ASIN) -> generation date -> week start -> mean forecast."""
    found: dict[tuple[str, str], dict[date, dict[date, Decimal]]] = defaultdict(
        lambda: defaultdict(dict)
    )
    for row, document in documents_of(reports, "GET_VENDOR_FORECASTING_REPORT"):
        for week in document["forecastByAsin"]:
            generated = date.fromisoformat(week["forecastGenerationDate"])
            start = date.fromisoformat(week["startDate"])
            key = (row["account_id"], week["asin"])
            found[key][generated][start] = week["meanForecastUnits"]
    return found


def chosen_forecast(generations: dict[date, dict[date, Decimal]], day: date):
    """The first weeks after `day` of the latest generation on or before it,
    else of the earliest one."""
    before = [generated for generated in generations if generated <= day]
    generated = max(before) if before else min(generations)
    weeks = sorted(start for start in generations[generated] if start > day)
    return [generations[generated][start] for start in weeks[:FORECAST_WEEKS]]


def open_po_units(world: World, account_id: str) -> defaultdict[str, int]:
    """Accepted, not yet received eaches of acknowledged, open POs, per ASIN."""
    units: defaultdict[str, int] = defaultdict(int)
    for po in world.purchase_orders_of(account_id, AS_OF):
        if not po.is_acknowledged(AS_OF) or po.is_closed(AS_OF):
            continue
        for line in po.lines:
            expected = line.expected_eaches(AS_OF)
            units[line.asin] += max(expected - line.received_eaches(AS_OF), 0)
    return units


def expected_kpis(world: World) -> dict[tuple[str, date], dict[str, Any]]:
    """The KPI rules applied to the world's ground truth as of AS_OF."""
    days: defaultdict[tuple[str, date], defaultdict[str, Any]] = defaultdict(
        lambda: defaultdict(int)
    )
    late = {
        (row["account_id"], row["purchase_order_number"], row["item_sequence_number"])
        for row in world.ground_truth_exceptions(AS_OF)
        if row["exception_type"] == "late_or_missing_asn"
    }
    for line in world.ground_truth_po_lines(AS_OF):
        day = days[line["account_id"], line["purchase_order_date"]]
        add_po_line(day, line, late)
    remittances = world.ground_truth_remittance_lines(AS_OF)
    for line in remittances:
        day = days[line["account_id"], line["payment_date"]]
        if line["deduction_type"] == "invoice_payment":
            day["remitted"] += line["invoice_amount"]
        else:
            day["deducted"] -= line["invoice_amount"]
    for (account_id, paid_on), waits in days_to_pay(world, remittances).items():
        days[account_id, paid_on]["paid_invoice_count"] = len(waits)
        days[account_id, paid_on]["days_to_pay"] = ratio(sum(waits), len(waits), DAYS)
    return {key: comparable(kpi_row(sums)) for key, sums in days.items()}


def add_po_line(day: dict[str, Any], line: dict[str, Any], late: set) -> None:
    accepted, ordered = line["accepted_units"], line["ordered_units"]
    key = (line["account_id"], line["purchase_order_number"])
    key += (line["item_sequence_number"],)
    day["po_line_count"] += 1
    day["invoiced"] += line["invoiced_amount"]
    day["shortage"] += line["shortage_amount"]
    if line["purchase_order_state"] == "Closed" and line["shipped_units"] > 0:
        day["closed_shipped_line_count"] += 1
        received = line["received_units"] or 0
        day["received_as_shipped_line_count"] += received == line["shipped_units"]
    if accepted is None:
        return
    expected = min(accepted, ordered)
    day["acknowledged_ordered_units"] += ordered
    day["confirmed_units"] += expected
    if expected > 0:
        day["filled_units"] += min(line["received_units"] or 0, expected)
        if line["ship_window_end_at"] < AS_OF:
            day["ship_due_units"] += expected
            day["shipped_on_time_units"] += 0 if key in late else expected


def kpi_row(sums: dict[str, Any]) -> dict[str, Any]:
    return {
        "po_line_count": sums["po_line_count"],
        "confirmation_rate": ratio(
            sums["confirmed_units"], sums["acknowledged_ordered_units"]
        ),
        "fill_rate": ratio(sums["filled_units"], sums["confirmed_units"]),
        "on_time_ship_rate": ratio(
            sums["shipped_on_time_units"], sums["ship_due_units"]
        ),
        "receive_accuracy": ratio(
            sums["received_as_shipped_line_count"], sums["closed_shipped_line_count"]
        ),
        "invoiced_amount_reporting": Decimal(sums["invoiced"]),
        "shortage_rate": ratio(sums["shortage"], sums["invoiced"]),
        "deducted_amount_reporting": Decimal(sums["deducted"]),
        "deduction_rate": ratio(sums["deducted"], sums["remitted"]),
        "paid_invoice_count": sums["paid_invoice_count"],
        "days_to_pay": sums["days_to_pay"] or None,
    }


def days_to_pay(
    world: World, remittances: list[dict[str, Any]]
) -> dict[tuple[str, date], list[int]]:
    """Per account and last payment date, each paid Invoice's days to pay."""
    counted = counted_invoices(i for i in world.invoices if i.issued_at <= AS_OF)
    by_number = defaultdict(list)
    for invoice in counted:
        by_number[invoice.account_id, invoice.invoice_number].append(invoice)
    last_paid: dict[int, tuple[Any, date]] = {}
    for line in remittances:
        if line["deduction_type"] != "invoice_payment":
            continue
        invoice = paid_invoice(by_number, line)
        held = last_paid.get(id(invoice))
        if held is None or held[1] < line["payment_date"]:
            last_paid[id(invoice)] = (invoice, line["payment_date"])
    waits: defaultdict[tuple[str, date], list[int]] = defaultdict(list)
    for invoice, paid_on in last_paid.values():
        if invoice.invoice_type == INVOICE:
            issued = invoice.issued_at.astimezone(UTC).date()
            waits[invoice.account_id, paid_on].append((paid_on - issued).days)
    return waits


def paid_invoice(by_number, line: dict[str, Any]):
    """The counted invoice a payment line pays: by number, then by signed total,
    then the earlier invoice, then the lower vendor code (the rules doc)."""
    candidates = by_number[line["account_id"], line["original_invoice_number"]]
    same_total = [
        i for i in candidates if i.sign * i.total == line["invoice_amount"]
    ] or candidates
    return min(same_total, key=lambda i: (i.issued_at, i.vendor_code))


def ratio(numerator, denominator, scale: Decimal = RATE) -> Decimal | None:
    """numerator / denominator rounded half up; None unless the denominator is
    positive (the marts' rule for a zero denominator)."""
    if not denominator or denominator <= 0:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(scale, ROUND_HALF_UP)


def comparable(row: dict[str, Any]) -> dict[str, Any]:
    """Decimals compared by value (Decimal('0E+2') equals Decimal('0'))."""
    out = {}
    for column, value in row.items():
        assert not isinstance(value, float), f"{column} is a float"
        if isinstance(value, Decimal):
            value = value.normalize()
            value = Decimal(0) if value == 0 else value
        out[column] = value
    return out
