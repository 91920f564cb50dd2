"""Vendor reports (Reports API 2021-06-30): create, poll, download, check, land.

Daily reports are asked for whole UTC days that Amazon has had time to publish
(about 72 hours after a day ends), over the interval plus a report lookback, in
requests of at most 15 days. A restated day comes back in a later document with
a newer `reportSpecification.lastUpdatedDate`; staging keeps the newest. A FATAL
report lands as a quarantine row with Amazon's reason; CANCELLED means no data.
"""

from __future__ import annotations

import gzip
import json
import logging
import time
import zlib
from dataclasses import dataclass
from datetime import UTC, timedelta
from decimal import Decimal
from typing import Any

import httpx
from sp_api.api import ReportsV2

from vendor_recon.landing import LandingWriter
from vendor_recon.sources.base import PullStats, optional_date
from vendor_recon.sources.windows import Window, slices, to_iso
from vendor_recon.spapi import schemas
from vendor_recon.spapi.client import AccountApi
from vendor_recon.spapi.errors import ExtractionError, PayloadShapeError

log = logging.getLogger(__name__)

NAME = "vendor_reports"
PUBLISHING_DELAY = timedelta(hours=72)
MAX_DAY_SPAN = timedelta(days=15)
DONE, FATAL, CANCELLED = "DONE", "FATAL", "CANCELLED"

# Report type -> (schema file, default options). Accounts override the options
# with `options.reports` in the accounts file: {report type: {option: value}}.
DAILY_REPORTS = {
    "GET_VENDOR_SALES_REPORT": (
        "vendorSalesReport.json",
        {
            "reportPeriod": "DAY",
            "distributorView": "MANUFACTURING",
            "sellingProgram": "RETAIL",
        },
    ),
    "GET_VENDOR_INVENTORY_REPORT": (
        "vendorInventoryReport.json",
        {
            "reportPeriod": "DAY",
            "distributorView": "MANUFACTURING",
            "sellingProgram": "RETAIL",
        },
    ),
    "GET_VENDOR_NET_PURE_PRODUCT_MARGIN_REPORT": (
        "vendorNetPureProductMarginReport.json",
        {"reportPeriod": "DAY"},
    ),
    "GET_VENDOR_TRAFFIC_REPORT": ("vendorTrafficReport.json", {"reportPeriod": "DAY"}),
    # Weekly, not daily: Amazon ignores the dates and answers with its latest
    # forecast, so each request range lands the same one (staging keeps one).
    "GET_VENDOR_FORECASTING_REPORT": (
        "vendorForecastingReport.json",
        {"sellingProgram": "RETAIL"},
    ),
}


@dataclass
class PollPolicy:
    """How long to wait for Amazon to finish a report."""

    first_wait_s: float = 0.2
    max_wait_s: float = 30.0
    give_up_after_s: float = 900.0


def report_lookback(account) -> timedelta:
    return timedelta(days=float(account.options.get("report_lookback_days", 7)))


def enabled_reports(account) -> dict[str, tuple[str, dict[str, str]]]:
    """The daily reports of an account with their options (config overrides)."""
    configured = account.options.get("reports")
    if configured is None:
        return dict(DAILY_REPORTS)
    reports = {}
    for report_type, options in configured.items():
        if report_type not in DAILY_REPORTS:
            raise ExtractionError(
                account.account_id,
                "createReport",
                f"options.reports: {report_type!r} is not a daily vendor report this "
                f"tool reads ({', '.join(DAILY_REPORTS)})",
            )
        schema, defaults = DAILY_REPORTS[report_type]
        reports[report_type] = (schema, {**defaults, **(options or {})})
    return reports


def day_windows(window: Window, lookback: timedelta) -> list[Window]:
    """Whole UTC days from start - lookback that are published by window.end."""
    first = (window.start - lookback).astimezone(UTC)
    first = first.replace(hour=0, minute=0, second=0, microsecond=0)
    last = (window.end - PUBLISHING_DELAY).astimezone(UTC)
    last = last.replace(hour=0, minute=0, second=0, microsecond=0)
    if last <= first:
        return []
    return list(slices(Window(first, last), MAX_DAY_SPAN))


def extract(
    api: AccountApi,
    window: Window,
    writer: LandingWriter,
    poll: PollPolicy | None = None,
) -> PullStats:
    """Land one document per (report type, request range) that Amazon has."""
    poll = poll or PollPolicy()
    stats = PullStats()
    client = api.client(ReportsV2)
    pieces = day_windows(window, report_lookback(api.account))
    for report_type, (schema_file, options) in enabled_reports(api.account).items():
        for piece in pieces:
            row = _one_report(
                api, client, report_type, schema_file, options, piece, poll
            )
            stats.slices += 1
            if row is None:
                continue
            stats.records += 1
            stats.quarantined += bool(row["quarantine_reason"])
            writer.write_page(
                operation="createReport+getReport+getReportDocument",
                pull=report_type,
                window=piece,
                page_number=0,
                params={"reportType": report_type, "reportOptions": options},
                rows=[row],
            )
            stats.pages += 1
    log.info(
        "account %s, %s: %s documents from %s requests (%s quarantined)",
        api.account.account_id,
        NAME,
        stats.records,
        stats.slices,
        stats.quarantined,
    )
    return stats


def _one_report(api, client, report_type, schema_file, options, piece, poll):
    start, end = piece.iso()
    body = {
        "reportType": report_type,
        "marketplaceIds": [api.account.primary_marketplace_id],
        "dataStartTime": start,
        # Amazon's end is inclusive: the last second of the last whole day.
        "dataEndTime": to_iso(piece.end - timedelta(seconds=1)),
        "reportOptions": dict(options),
    }
    created, _ = api.call("createReport", client.create_report, body)
    report_id = created.get("reportId")
    if not report_id:
        raise PayloadShapeError(
            api.account.account_id, "createReport", "field 'reportId': missing"
        )
    report = _wait_for(api, client, report_id, poll)
    status = report["processingStatus"]
    key = f"{report_type}|{json.dumps(options, sort_keys=True)}|{start}|{end}"
    if status == CANCELLED:
        log.info(
            "report %s %s for %s: CANCELLED (no data)", report_type, report_id, start
        )
        return None
    document = _download(api, client, report.get("reportDocumentId"))
    if status == FATAL:
        reason = document.get("errorDetails") if isinstance(document, dict) else None
        return _row(key, None, document, f"(report): FATAL: {reason or document}")
    problems = schemas.json_schema_problems(schema_file, document)
    spec = document.get("reportSpecification") if isinstance(document, dict) else None
    asked_other = isinstance(spec, dict) and spec.get("reportOptions") != options
    if not problems and asked_other:
        # Amazon sometimes answers with other options than asked: refuse it.
        problems.append(
            f"reportSpecification.reportOptions: {spec.get('reportOptions')} "
            f"differs from the request's {options}"
        )
    updated = (
        optional_date(spec.get("lastUpdatedDate")) if isinstance(spec, dict) else None
    )
    return _row(key, updated, document, "; ".join(problems) or None)


def _row(key, updated, document, reason) -> dict[str, Any]:
    return {
        "record_number": 0,
        "document_key": key,
        "document_updated_at": updated,
        "record": document,
        "quarantine_reason": reason,
    }


def _wait_for(api, client, report_id: str, poll: PollPolicy) -> dict[str, Any]:
    waited, wait = 0.0, poll.first_wait_s
    while True:
        report, _ = api.call("getReport", client.get_report, {"reportId": report_id})
        status = report.get("processingStatus")
        if status in (DONE, FATAL, CANCELLED):
            return report
        if status not in ("IN_QUEUE", "IN_PROGRESS"):
            raise PayloadShapeError(
                api.account.account_id,
                "getReport",
                f"report {report_id}: field 'processingStatus' is {status!r}",
            )
        if waited >= poll.give_up_after_s:
            raise ExtractionError(
                api.account.account_id,
                "getReport",
                f"report {report_id} still {status} after {waited:.0f}s",
            )
        api.sleep(wait)
        waited += wait
        wait = min(wait * 2, poll.max_wait_s)


def _download(api, client, document_id: str | None) -> Any:
    """Fetch the document ourselves: the library's download ignores the HTTP
    status, gunzips bytes httpx already inflated, and assumes ISO-8859-1."""
    if not document_id:
        raise PayloadShapeError(
            api.account.account_id, "getReport", "field 'reportDocumentId': missing"
        )
    meta, _ = api.call(
        "getReportDocument",
        lambda **kw: client.get_report_document(document_id, **kw),
        {},
    )
    url = meta.get("url")
    if not url:
        raise PayloadShapeError(
            api.account.account_id, "getReportDocument", "field 'url': missing"
        )
    started = time.monotonic()
    with httpx.Client(timeout=api.policy.timeout_s) as http:
        response = http.get(url)
    if response.status_code != 200:
        raise ExtractionError(
            api.account.account_id,
            "getReportDocument",
            f"document {document_id}: download answered HTTP {response.status_code}",
        )
    content = response.content
    if content[:2] == b"\x1f\x8b":
        try:
            content = gzip.decompress(content)
        except (EOFError, OSError, zlib.error) as exc:  # a body cut short
            raise PayloadShapeError(
                api.account.account_id,
                "getReportDocument",
                f"document {document_id}: not a whole gzip stream: {exc}",
            ) from exc
    charset = response.charset_encoding or "utf-8"
    try:
        document = json.loads(content.decode(charset), parse_float=Decimal)
    except (UnicodeDecodeError, ValueError) as exc:
        raise PayloadShapeError(
            api.account.account_id,
            "getReportDocument",
            f"document {document_id}: not JSON in {charset}: {exc}",
        ) from exc
    log.debug("downloaded %s in %.2fs", document_id, time.monotonic() - started)
    return document
