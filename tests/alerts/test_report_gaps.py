"""fct_report_gaps and its data_gap alerts on a hand-made warehouse.

The accounts come from config/accounts.yml through the loader (so the reports
each account reads reach raw.vendor_account_reports as in production); the
landed report documents are hand-made rows, one a day and report type, a
forecast a Sunday, with the dropped ones left out. What is expected is
computed here from the rules in the model's YAML, not read from the model.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

import duckdb
from monitoring_harness import (
    MONITORING,
    REPO_ROOT,
    add_marts,
    day,
    dbt_run,
    make_warehouse,
    query,
)

from vendor_recon.config import load_accounts
from vendor_recon.sources import vendor_reports
from vendor_recon.warehouse import load_landed_files

REPORTS_ONLY = [
    "stg_accounts__vendor_account_reports",
    "stg_loader__extraction_windows",
    "stg_loader__report_windows",
    "fct_report_gaps",
]
DAYS = 10
FORECAST = vendor_reports.FORECAST
DAILY = sorted(set(vendor_reports.DAILY_REPORTS) - {FORECAST})
REAL_TIME = "GET_VENDOR_REAL_TIME_SALES_REPORT"
# Dropped landings: a day of one report of acme-eu, acme-eu's latest forecast,
# and every report of acme-fe's latest day (its last run landed none).
DROPPED_EU_DAY = ("acme-eu", "GET_VENDOR_TRAFFIC_REPORT", date(2026, 11, 4))
DROPPED_EU_WEEK = ("acme-eu", FORECAST, date(2026, 11, 8))
FE_LAST_LANDED = date(2026, 11, 6)


def accounts():
    """The configured accounts; acme-fe also reads a real-time report."""
    configured = load_accounts(REPO_ROOT / "config" / "accounts.yml")
    fe = next(a for a in configured if a.account_id == "acme-fe")
    reports = {**fe.options["reports"], REAL_TIME: {}}
    fe = replace(fe, options={**fe.options, "reports": reports})
    return [fe if a.account_id == "acme-fe" else a for a in configured]


def midnight(on: date) -> datetime:
    return day((on - day(0).date()).days)


def landed_documents() -> list[tuple[str, str, date, date]]:
    """(account, report type, first day, day after the last) of each document."""
    documents = []
    for account_id in ("acme-na", "acme-eu", "acme-fe"):
        last = FE_LAST_LANDED if account_id == "acme-fe" else date(2026, 11, 7)
        for report_type in DAILY:
            on = date(2026, 11, 1)
            while on <= last:
                if (account_id, report_type, on) != DROPPED_EU_DAY:
                    documents.append((account_id, report_type, on, on + timedelta(1)))
                on += timedelta(1)
        for sunday in (date(2026, 11, 1), date(2026, 11, 8)):
            if (account_id, FORECAST, sunday) != DROPPED_EU_WEEK:
                documents.append((account_id, FORECAST, sunday, sunday + timedelta(1)))
    return documents


def build(tmp_path):
    warehouse = make_warehouse(tmp_path / "w.duckdb", days=DAYS)
    load_landed_files(warehouse, [], accounts())
    with duckdb.connect(str(warehouse)) as connection:
        for number, (account_id, report_type, first, end) in enumerate(
            landed_documents()
        ):
            connection.execute(
                """
                insert into raw.vendor_reports (
                    load_id, account_id, region, source, operation, pull,
                    window_start, window_end, document_key, extracted_at,
                    payload, payload_sha256
                ) values ('l', ?, 'NA', 'vendor_reports', 'createReport', ?,
                    ?, ?, ?, ?, '{}', ?)
                """,
                [
                    account_id,
                    report_type,
                    midnight(first),
                    midnight(end),
                    f"{report_type}|{first}",
                    midnight(end),
                    f"{number:064x}",
                ],
            )
    dbt_run(warehouse, tmp_path, as_of=day(DAYS), select=REPORTS_ONLY)
    return warehouse


def expected_periods(as_of: datetime) -> dict[tuple[str, str, date], bool]:
    """(account, report type, period start) -> is_missing, by the YAML's rules."""
    # A day is out 72 hours after it ends; a run asks for the latest Sunday
    # before its end; periods start at the account's first landed one.
    last_day = (as_of - timedelta(hours=72)).date() - timedelta(1)
    before_end = (as_of - timedelta(microseconds=1)).date()
    last_sunday = before_end - timedelta((before_end.weekday() + 1) % 7)
    landed = {
        (account_id, report_type, first + timedelta(n))
        for account_id, report_type, first, end in landed_documents()
        for n in range((end - first).days)
    }
    expected = {}
    for account_id in ("acme-na", "acme-eu", "acme-fe"):
        first = min(
            first
            for a, report_type, first, _ in landed_documents()
            if a == account_id and report_type != FORECAST
        )
        for report_type in DAILY:
            on = first
            while on <= last_day:
                key = (account_id, report_type, on)
                expected[key] = key not in landed
                on += timedelta(1)
        first_sunday = min(
            first
            for a, report_type, first, _ in landed_documents()
            if a == account_id and report_type == FORECAST
        )
        on = first_sunday
        while on <= last_sunday:
            key = (account_id, FORECAST, on)
            expected[key] = key not in landed
            on += timedelta(7)
    return expected


def test_the_loader_hands_dbt_the_reports_each_account_reads(tmp_path):
    warehouse = build(tmp_path)

    rows = query(
        warehouse,
        "select account_id, report_type, report_period "
        "from staging.stg_accounts__vendor_account_reports order by all",
    )
    expected = sorted(
        (a.account_id, report_type, period)
        for a in accounts()
        for report_type, period in (
            [(t, "DAY") for t in DAILY]
            + [(FORECAST, "WEEK")]
            + ([(REAL_TIME, "HOUR")] if a.account_id == "acme-fe" else [])
        )
    )
    assert [tuple(r.values()) for r in rows] == expected


def test_dropped_report_landings_are_exactly_the_missing_rows(tmp_path):
    warehouse = build(tmp_path)

    rows = query(
        warehouse,
        "select account_id, report_type, period_start_date, is_missing "
        "from monitoring.fct_report_gaps",
    )
    found = {
        (r["account_id"], r["report_type"], r["period_start_date"]): r["is_missing"]
        for r in rows
    }
    assert len(found) == len(rows), "a period is expected twice"
    assert found == expected_periods(day(DAYS))
    missing = sorted(key for key, is_missing in found.items() if is_missing)
    assert missing == sorted(
        [
            DROPPED_EU_DAY,
            DROPPED_EU_WEEK,
            *(("acme-fe", t, date(2026, 11, 7)) for t in DAILY),
        ]
    )
    # acme-fe's real-time report is not expected by the day.
    assert not [r for r in rows if r["report_type"] == REAL_TIME]


def test_each_run_of_missing_report_periods_is_one_data_gap_alert(tmp_path):
    warehouse = build(tmp_path)
    add_marts(warehouse)
    dbt_run(
        warehouse,
        tmp_path,
        as_of=day(DAYS),
        select=MONITORING,
    )

    alerts = query(
        warehouse,
        "select account_id, source_name, alert_key, subject, detail, severity, "
        "status from monitoring.alerts where kind = 'data_gap' "
        "and source_name = 'vendor_reports' order by all",
    )
    expected = [
        (account_id, report_type, on, "day" if report_type != FORECAST else "week")
        for account_id, report_type, on in [
            DROPPED_EU_DAY,
            DROPPED_EU_WEEK,
            *(("acme-fe", t, date(2026, 11, 7)) for t in DAILY),
        ]
    ]
    assert alerts == sorted(
        (
            {
                "account_id": account_id,
                "source_name": "vendor_reports",
                "alert_key": f"{report_type}|{on}",
                "subject": f"{report_type} report",
                "detail": f"no report document for 1 {unit}(s), {on} to {on}",
                "severity": "warning",
                "status": "open",
            }
            for account_id, report_type, on, unit in expected
        ),
        key=lambda alert: tuple(alert.values()),
    )
