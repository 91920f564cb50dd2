"""Vendor reports (Reports API 2021-06-30): create, poll, download, check, land.

Daily reports are asked for whole UTC days that Amazon has had time to publish
(about 72 hours after a day ends), over the interval plus a report lookback, in
requests of at most 15 days. A restated day comes back in a later document with
a newer `reportSpecification.lastUpdatedDate`; staging keeps the newest. A FATAL
report lands as a quarantine row with Amazon's reason; CANCELLED means no data.

Amazon restates a day 7 and 30 days after it ends, so the default report
lookback (31 days) reads a day again until its last restatement is out: a day
is in the request window of every run ending 4 to 34 days after it (with the
default 2-day interval lookback), and the 30-day revision is out for the last
four of them. The cost, per daily run and account: the 31 days are 3 requests
(15 + 15 + 1) for each of the 4 daily reports, plus the forecast on 3 runs a
week: 13 createReport and 13 getReportDocument calls at most, within the burst
of 15 both allow. Each real-time report adds 3 (72 hours in 24-hour pieces):
past the burst, createReport waits a minute a request.

The forecast is weekly: Amazon generates it on Sundays and answers any request
with its latest one, whatever the dates. So it is asked for once per run whose
request window (data interval plus lookback) contains a Sunday 00:00 UTC, for
the latest such Sunday, and not at all otherwise. A daily run with a lookback
of L days asks for it on 1 + L runs a week (the re-reads are the lookback's
cover for a failed run); a run whose window holds no Sunday cannot get a new one.

Real-time reports (opt-in in `options.reports`: createReport allows one request
a minute after a burst of 15) are asked for in whole UTC hours, at most 24 a
request, over the request window clipped to what Amazon answers at the time of
the request: hours that have ended, no more than 7 days back, and for traffic
ending an hour before the request. Clipped hours are logged with their count;
hours too recent for this run are read by the next run's lookback.
"""

from __future__ import annotations

import gzip
import json
import logging
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
from sp_api.api import ReportsV2

from vendor_recon.landing import LandingWriter
from vendor_recon.sources.base import PullStats, optional_date
from vendor_recon.sources.windows import (
    Window,
    ceil_hour,
    floor_hour,
    slices,
    to_iso,
    whole_hours,
)
from vendor_recon.spapi import schemas
from vendor_recon.spapi.client import AccountApi
from vendor_recon.spapi.errors import (
    ExtractionError,
    PayloadShapeError,
    TransientApiError,
)

log = logging.getLogger(__name__)

NAME = "vendor_reports"
PUBLISHING_DELAY = timedelta(hours=72)
MAX_DAY_SPAN = timedelta(days=15)
DONE, FATAL, CANCELLED = "DONE", "FATAL", "CANCELLED"
FORECAST = "GET_VENDOR_FORECASTING_REPORT"
REAL_TIME_SPAN = timedelta(hours=24)
REAL_TIME_BACK = timedelta(days=7)
# Amazon measures the 7 days from when the request arrives, which is later than
# the moment the slices are planned (a limiter wait, a retry): keep clear of it.
REAL_TIME_EDGE_MARGIN = timedelta(minutes=15)

# Report type -> (schema file, default options). Accounts override the options
# with `options.reports` in the accounts file: {report type: {option: value}}.
# These are read when an account lists no `options.reports`.
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
    # Weekly, not daily: see the module docstring for when it is asked for.
    FORECAST: ("vendorForecastingReport.json", {"sellingProgram": "RETAIL"}),
}
# Real-time reports take no options; the value is how long before the request
# Amazon wants the window to end.
REAL_TIME_REPORTS = {
    "GET_VENDOR_REAL_TIME_INVENTORY_REPORT": (
        "vendorRealTimeInventoryReport.json",
        timedelta(0),
    ),
    "GET_VENDOR_REAL_TIME_SALES_REPORT": (
        "vendorRealTimeSalesReport.json",
        timedelta(0),
    ),
    "GET_VENDOR_REAL_TIME_TRAFFIC_REPORT": (
        "vendorRealTimeTrafficReport.json",
        timedelta(hours=1),
    ),
}


@dataclass
class PollPolicy:
    """How long to wait for Amazon to finish a report."""

    first_wait_s: float = 0.2
    max_wait_s: float = 30.0
    give_up_after_s: float = 900.0


@dataclass(frozen=True)
class ReportRequest:
    """One createReport: what is asked for and the window it lands under."""

    report_type: str
    schema_file: str
    options: dict[str, str]
    window: Window
    # Daily dates are inclusive (the last second of the last whole day);
    # real-time ends are the whole hour after the last one asked for.
    inclusive_end: bool = True

    def body(self, marketplace_id: str) -> dict[str, Any]:
        end = self.window.end - timedelta(seconds=1 if self.inclusive_end else 0)
        body = {
            "reportType": self.report_type,
            "marketplaceIds": [marketplace_id],
            "dataStartTime": to_iso(self.window.start),
            "dataEndTime": to_iso(end),
        }
        if self.options:
            body["reportOptions"] = dict(self.options)
        return body

    def key(self) -> str:
        start, end = self.window.iso()
        options = json.dumps(self.options, sort_keys=True)
        return f"{self.report_type}|{options}|{start}|{end}"


@dataclass(frozen=True)
class HourPlan:
    """The real-time slices of a window and the hours left out, by reason."""

    pieces: list[Window] = field(default_factory=list)
    too_old: int = 0
    too_recent: int = 0

    @property
    def hours(self) -> int:
        return sum(whole_hours(p.start, p.end) for p in self.pieces)


# How far back from its end every run reads the daily reports again: Amazon's
# last restatement comes 30 days after a day ends (see the module docstring),
# so about five daily runs see it. From 72 hours to 35 days back is 32 days:
# three createReport calls per report type, 13 a run with the forecast, inside
# the burst of 15.
DEFAULT_REPORT_LOOKBACK_DAYS = 35


def report_lookback(account) -> timedelta:
    days = account.options.get("report_lookback_days", DEFAULT_REPORT_LOOKBACK_DAYS)
    return timedelta(days=float(days))


def enabled_reports(account) -> dict[str, tuple[str, dict[str, str]]]:
    """The reports of an account with their options (config overrides)."""
    configured = account.options.get("reports")
    if configured is None:
        return dict(DAILY_REPORTS)
    reports = {}
    for report_type, options in configured.items():
        if report_type in REAL_TIME_REPORTS:
            if options:
                raise ExtractionError(
                    account.account_id,
                    "createReport",
                    f"options.reports: {report_type!r} takes no report options; "
                    f"got {options}",
                )
            reports[report_type] = (REAL_TIME_REPORTS[report_type][0], {})
            continue
        if report_type not in DAILY_REPORTS:
            raise ExtractionError(
                account.account_id,
                "createReport",
                f"options.reports: {report_type!r} is not a vendor report this "
                f"tool reads ({', '.join([*DAILY_REPORTS, *REAL_TIME_REPORTS])})",
            )
        schema, defaults = DAILY_REPORTS[report_type]
        reports[report_type] = (schema, {**defaults, **(options or {})})
    return reports


def report_periods(account) -> dict[str, str]:
    """Report type -> the period one of its documents is cut in, for the
    reports an account reads: its reportPeriod option for the daily ones,
    WEEK for the forecast, HOUR for real-time ones. What monitoring expects."""
    periods = {}
    for report_type, (_, options) in enabled_reports(account).items():
        if report_type in REAL_TIME_REPORTS:
            periods[report_type] = "HOUR"
        elif report_type == FORECAST:
            periods[report_type] = "WEEK"
        else:
            periods[report_type] = options["reportPeriod"]
    return periods


def day_windows(window: Window, lookback: timedelta) -> list[Window]:
    """Whole UTC days published by window.end, from window.end - lookback or
    the window's start, whichever is earlier.

    The report lookback reaches back from the run, it is not added to the
    request window's own lookback: a first run that reads weeks of history
    would otherwise ask for weeks more reports than it needs, past the burst.
    """
    first = min(window.start, window.end - lookback).astimezone(UTC)
    first = first.replace(hour=0, minute=0, second=0, microsecond=0)
    last = (window.end - PUBLISHING_DELAY).astimezone(UTC)
    last = last.replace(hour=0, minute=0, second=0, microsecond=0)
    if last <= first:
        return []
    return list(slices(Window(first, last), MAX_DAY_SPAN))


def forecast_window(window: Window) -> Window | None:
    """The day of the latest Sunday 00:00 UTC inside `window`, or None."""
    last = window.end.astimezone(UTC) - timedelta(microseconds=1)
    day = last.replace(hour=0, minute=0, second=0, microsecond=0)
    # weekday(): Monday is 0, Sunday 6.
    sunday = day - timedelta(days=(day.weekday() + 1) % 7)
    if sunday < window.start:
        return None
    return Window(sunday, min(sunday + timedelta(days=1), window.end))


def hour_plan(window: Window, now: datetime, lag: timedelta) -> HourPlan:
    """Whole hours of `window` Amazon answers for a request made at `now`."""
    first, last = ceil_hour(window.start), floor_hour(window.end)
    earliest = ceil_hour(now - REAL_TIME_BACK + REAL_TIME_EDGE_MARGIN)
    ended = floor_hour(now - lag)
    start, end = max(first, earliest), min(last, ended)
    too_old = whole_hours(first, min(earliest, last))
    if end <= start:
        return HourPlan([], too_old, whole_hours(max(start, first), last))
    return HourPlan(
        list(slices(Window(start, end), REAL_TIME_SPAN)),
        too_old,
        whole_hours(end, last),
    )


def planned_requests(
    account, window: Window, now: Callable[[], datetime]
) -> Iterator[ReportRequest]:
    """Every request of a run, in order. Lazy: each real-time plan reads the
    clock just before its first request, so the 7 days are measured late."""
    days = day_windows(window, report_lookback(account))
    for report_type, (schema_file, options) in enabled_reports(account).items():
        if report_type in REAL_TIME_REPORTS:
            lag = REAL_TIME_REPORTS[report_type][1]
            plan = hour_plan(window, now(), lag)
            _log_plan(account, report_type, window, plan)
            for piece in plan.pieces:
                yield ReportRequest(
                    report_type, schema_file, options, piece, inclusive_end=False
                )
        elif report_type == FORECAST:
            week = forecast_window(window)
            if week is None:
                log.info(
                    "account %s, %s: no Sunday in %s..%s, no new forecast to ask for",
                    account.account_id,
                    report_type,
                    *window.iso(),
                )
                continue
            yield ReportRequest(report_type, schema_file, options, week)
        else:
            for piece in days:
                yield ReportRequest(report_type, schema_file, options, piece)


def _log_plan(account, report_type: str, window: Window, plan: HourPlan) -> None:
    start, end = window.iso()
    log.info(
        "account %s, %s: %s hours of %s..%s in %s requests",
        account.account_id,
        report_type,
        plan.hours,
        start,
        end,
        len(plan.pieces),
    )
    if plan.too_old:
        log.warning(
            "account %s, %s: skipped %s hours of %s..%s more than 7 days back "
            "(Amazon keeps real-time data for 7 days)",
            account.account_id,
            report_type,
            plan.too_old,
            start,
            end,
        )
    if plan.too_recent:
        log.info(
            "account %s, %s: %s hours at the end of the window are not reportable "
            "yet; the next run's lookback reads them",
            account.account_id,
            report_type,
            plan.too_recent,
        )


def extract(
    api: AccountApi,
    window: Window,
    writer: LandingWriter,
    poll: PollPolicy | None = None,
    now: Callable[[], datetime] | None = None,
) -> PullStats:
    """Land one document per report request that Amazon has data for.

    `now` is the clock Amazon's real-time limits are measured against (the
    wall clock unless a test or the simulator's demo says otherwise)."""
    poll = poll or PollPolicy()
    now = now or (lambda: datetime.now(UTC))
    stats = PullStats()
    client = api.client(ReportsV2)
    for request in planned_requests(api.account, window, now):
        row = _one_report(api, client, request, poll)
        stats.slices += 1
        if row is None:
            continue
        stats.records += 1
        stats.quarantined += bool(row["quarantine_reason"])
        writer.write_page(
            operation="createReport+getReport+getReportDocument",
            pull=request.report_type,
            window=request.window,
            page_number=0,
            params={
                "reportType": request.report_type,
                "reportOptions": request.options,
            },
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


def _one_report(api, client, request: ReportRequest, poll: PollPolicy):
    body = request.body(api.account.primary_marketplace_id)
    created, _ = api.call("createReport", client.create_report, body)
    report_id = created.get("reportId")
    if not report_id:
        raise PayloadShapeError(
            api.account.account_id, "createReport", "field 'reportId': missing"
        )
    report = _wait_for(api, client, report_id, poll)
    status = report["processingStatus"]
    key = request.key()
    if status == CANCELLED:
        log.info(
            "report %s %s for %s: CANCELLED (no data)",
            request.report_type,
            report_id,
            body["dataStartTime"],
        )
        return None
    document = _download(api, client, report.get("reportDocumentId"))
    if status == FATAL:
        reason = document.get("errorDetails") if isinstance(document, dict) else None
        return _row(key, None, document, f"(report): FATAL: {reason or document}")
    problems = schemas.json_schema_problems(request.schema_file, document)
    spec = document.get("reportSpecification") if isinstance(document, dict) else None
    answered = spec.get("reportOptions") if isinstance(spec, dict) else None
    # Real-time requests take no options; Amazon's answer may still state some
    # (the sales report's currencyCode), so only asked-for options are compared.
    if not problems and request.options and answered != request.options:
        # Amazon sometimes answers with other options than asked: refuse it.
        problems.append(
            f"reportSpecification.reportOptions: {answered} "
            f"differs from the request's {request.options}"
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
    status, gunzips bytes httpx already inflated, and assumes ISO-8859-1.

    A download cut short (a gzip stream that does not end, a dropped
    connection, a 5xx) is fetched again from the same URL under the page
    retry policy, the retries counted with the account's others: Amazon's
    document URL stays valid for 5 minutes, longer than the policy waits.
    """
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
    document = api.retry(lambda: _fetch_document(api, document_id, url))
    log.debug("downloaded %s in %.2fs", document_id, time.monotonic() - started)
    return document


def _fetch_document(api, document_id: str, url: str) -> Any:
    """One download of a report document, parsed; TransientApiError if cut short."""
    account_id = api.account.account_id
    try:
        with httpx.Client(timeout=api.policy.timeout_s) as http:
            response = http.get(url)
    except (httpx.TransportError, httpx.DecodingError) as exc:
        raise TransientApiError(
            account_id,
            "getReportDocument",
            f"document {document_id}: download failed: {type(exc).__name__}",
        ) from exc
    if response.status_code >= 500:
        raise TransientApiError(
            account_id,
            "getReportDocument",
            f"document {document_id}: download answered HTTP {response.status_code}",
            status_code=response.status_code,
        )
    if response.status_code != 200:
        raise ExtractionError(
            account_id,
            "getReportDocument",
            f"document {document_id}: download answered HTTP {response.status_code}",
        )
    content = response.content
    if content[:2] == b"\x1f\x8b":
        try:
            content = gzip.decompress(content)
        except (EOFError, OSError, zlib.error) as exc:  # a body cut short
            raise TransientApiError(
                account_id,
                "getReportDocument",
                f"document {document_id}: not a whole gzip stream "
                f"({len(response.content)} bytes): {exc}",
            ) from exc
    charset = response.charset_encoding or "utf-8"
    try:
        return json.loads(content.decode(charset), parse_float=Decimal)
    except (UnicodeDecodeError, ValueError) as exc:
        raise PayloadShapeError(
            account_id,
            "getReportDocument",
            f"document {document_id}: not JSON in {charset}: {exc}",
        ) from exc
