"""The vendor report suites: periods aligned (critical), freshness (warning)."""

from __future__ import annotations

import hashlib
import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from vendor_recon.quality import QualityCheckFailed, run_checkpoint
from vendor_recon.sources.windows import to_iso
from vendor_recon.warehouse import connect

SUITES_DIR = Path(__file__).resolve().parents[2] / "expectations" / "raw"
SUITE_FILES = ("vendor_report_periods.py", "vendor_report_freshness.py")
PERIODS, FRESHNESS = "raw_vendor_report_periods", "raw_vendor_report_freshness"
SALES = "GET_VENDOR_SALES_REPORT"
TRAFFIC = "GET_VENDOR_TRAFFIC_REPORT"
FORECAST = "GET_VENDOR_FORECASTING_REPORT"
# 1 Nov 2026 is a Sunday.
SUNDAY = datetime(2026, 11, 1, tzinfo=UTC)
DAY, SECOND = timedelta(days=1), timedelta(seconds=1)
# Days through 14 Nov are published by 18 Nov 00:00 (72 hours after the 14th
# ends); the latest Sunday before it is 15 Nov.
AS_OF = datetime(2026, 11, 18, tzinfo=UTC)


def document(report_type, start, end, period=None):
    """A landed report document asking for [start, end] (end inclusive); its
    reportSpecification states dates only, as Amazon's do."""
    options = {"reportPeriod": period} if period else {}
    spec = {
        "reportType": report_type,
        "reportOptions": options,
        "dataStartTime": start.date().isoformat(),
        "dataEndTime": end.date().isoformat(),
    }
    payload = json.dumps({"reportSpecification": spec})
    return {
        "load_id": "load-1",
        "account_id": "acme-na",
        "region": "NA",
        "source": "vendor_reports",
        "operation": "createReport+getReport+getReportDocument",
        "pull": report_type,
        "window_start": start,
        "window_end": end + SECOND,
        "document_key": f"{report_type}|{to_iso(start)}",
        "extracted_at": AS_OF,
        "payload": payload,
        "payload_sha256": hashlib.sha256(payload.encode()).hexdigest(),
    }


def aligned_documents():
    """Sales for 1-14 Nov in two requests, a WEEK traffic report, the forecast."""
    return [
        document(SALES, SUNDAY, SUNDAY + 7 * DAY - SECOND, "DAY"),
        document(SALES, SUNDAY + 7 * DAY, SUNDAY + 14 * DAY - SECOND, "DAY"),
        document(TRAFFIC, SUNDAY + 7 * DAY, SUNDAY + 14 * DAY - SECOND, "WEEK"),
        document(FORECAST, SUNDAY + 14 * DAY, SUNDAY + 15 * DAY - SECOND),
    ]


def warehouse_with(tmp_path, documents, configured=(), run_ends=()):
    """Report documents, the account's configured reports and the ends of
    its runs (as the loader's extraction checkpoints record them)."""
    path = tmp_path / "warehouse.duckdb"
    with connect(path) as connection:
        for end in run_ends:
            connection.execute(
                "insert into raw.extraction_checkpoints values "
                "('acme-na', 'purchase_orders', 'created', ?, ?, ?, 'load-1')",
                [end - DAY, end, end],
            )
        for row in documents:
            connection.execute(
                f"insert into raw.vendor_reports ({', '.join(row)}) "
                f"values ({', '.join('?' for _ in row)})",
                list(row.values()),
            )
        for report_type, period in configured:
            connection.execute(
                "insert into raw.vendor_account_reports values ('acme-na', ?, ?, ?)",
                [report_type, period, AS_OF],
            )
    return path


@pytest.fixture
def suites(tmp_path):
    """Only the two report suites, so each checkpoint here runs quickly."""
    folder = tmp_path / "expectations" / "raw"
    folder.mkdir(parents=True)
    for name in SUITE_FILES:
        shutil.copy(SUITES_DIR / name, folder / name)
    return folder.parent


def check(warehouse, tmp_path, suites, as_of=AS_OF):
    report = run_checkpoint(
        "raw",
        warehouse,
        tmp_path / "docs",
        "run-reports",
        expectations_dir=suites,
        as_of=as_of,
    )
    failures = {
        (o.suite_name, o.severity, o.unexpected_count)
        for o in [*report.failed_critical, *report.failed_warning]
    }
    return report, failures


def test_aligned_and_fresh_reports_pass(tmp_path, suites):
    warehouse = warehouse_with(
        tmp_path, aligned_documents(), configured=[(SALES, "DAY"), (FORECAST, "WEEK")]
    )
    report, failures = check(warehouse, tmp_path, suites)
    assert failures == set()
    with duckdb.connect(str(warehouse)) as connection:
        checked = connection.execute(
            "select suite_name, element_count from quality.gx_results order by 1"
        ).fetchall()
    # Three periodic documents; the sales report and the forecast (a WEEK
    # traffic report is not a daily one: its freshness is not judged by day).
    assert checked == [(FRESHNESS, 2), (PERIODS, 3)]
    assert report.total == 2


@pytest.mark.parametrize(
    "misaligned",
    [
        # A DAY window starting at 06:00 UTC: Amazon would sum two part days.
        document(SALES, SUNDAY + 6 * 3600 * SECOND, SUNDAY + DAY - SECOND, "DAY"),
        # A DAY window ending mid-day.
        document(SALES, SUNDAY, SUNDAY + DAY + 12 * 3600 * SECOND, "DAY"),
        # A WEEK from Monday to Sunday.
        document(TRAFFIC, SUNDAY + DAY, SUNDAY + 8 * DAY - SECOND, "WEEK"),
    ],
)
def test_a_misaligned_report_window_is_critical(tmp_path, suites, misaligned):
    warehouse = warehouse_with(tmp_path, [*aligned_documents(), misaligned])
    report, failures = check(warehouse, tmp_path, suites)
    assert failures == {(PERIODS, "critical", 1)}
    with pytest.raises(QualityCheckFailed):
        report.raise_for_critical()


def test_a_report_behind_the_publishing_delay_warns(tmp_path, suites):
    warehouse = warehouse_with(tmp_path, aligned_documents())
    # A day later, 15 Nov is published and no document holds it; the forecast
    # of 15 Nov is still the latest. A warning: the run goes on.
    report, failures = check(warehouse, tmp_path, suites, as_of=AS_OF + DAY)
    assert failures == {(FRESHNESS, "warning", 1)}
    report.raise_for_critical()


def test_a_configured_report_that_never_landed_and_an_old_forecast_warn(
    tmp_path, suites
):
    documents = [d for d in aligned_documents() if d["pull"] != FORECAST]
    documents.append(document(FORECAST, SUNDAY + 7 * DAY, SUNDAY + 8 * DAY - SECOND))
    warehouse = warehouse_with(
        tmp_path,
        documents,
        configured=[
            (SALES, "DAY"),
            (FORECAST, "WEEK"),
            (
                "GET_VENDOR_INVENTORY_REPORT",
                "DAY",
            ),
        ],
    )
    _, failures = check(warehouse, tmp_path, suites)
    # The inventory report never landed; the forecast is 8 Nov's, not 15 Nov's.
    assert failures == {(FRESHNESS, "warning", 2)}


def test_freshness_is_judged_as_of_the_latest_run_not_the_wall_clock(tmp_path, suites):
    # Checked a month later (a rerun of an old day runs on today's clock):
    # the reports are as fresh as the run that read them.
    later = AS_OF + 30 * DAY
    fresh = warehouse_with(tmp_path / "a", aligned_documents(), run_ends=[AS_OF])
    _, failures = check(fresh, tmp_path / "a", suites, as_of=later)
    assert failures == set()
    # A run a day later read the orders but landed no sales for 15 Nov.
    stale = warehouse_with(
        tmp_path / "b", aligned_documents(), run_ends=[AS_OF, AS_OF + DAY]
    )
    _, failures = check(stale, tmp_path / "b", suites, as_of=later)
    assert failures == {(FRESHNESS, "warning", 1)}
