"""Vendor report types and Amazon's rules for their options, periods and dates."""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta

from vendor_recon.simulator.accounts import WorldAccount

PERIODIC, REAL_TIME, FORECAST = "periodic", "real-time", "forecast"
PERIODS = ("DAY", "WEEK", "MONTH", "QUARTER", "YEAR")
DISTRIBUTOR_VIEWS = ("MANUFACTURING", "SOURCING")

MAX_DAY_PERIODS = 15
MAX_DAYS_BACK = 1460
PUBLISHING_DELAY = timedelta(hours=72)
MAX_REAL_TIME_SPAN = timedelta(hours=24)
MAX_REAL_TIME_BACK = timedelta(days=7)
# Real-time traffic needs its window to end an hour before the request.
TRAFFIC_LAG = timedelta(hours=1)


@dataclass(frozen=True)
class ReportType:
    name: str
    schema_file: str
    kind: str
    # Option name -> allowed values; every listed option is required.
    options: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    lag: timedelta = timedelta(0)


REPORT_TYPES = {
    t.name: t
    for t in (
        ReportType(
            "GET_VENDOR_SALES_REPORT",
            "vendorSalesReport.json",
            PERIODIC,
            {
                "reportPeriod": PERIODS,
                "distributorView": DISTRIBUTOR_VIEWS,
                "sellingProgram": ("RETAIL", "BUSINESS", "FRESH"),
            },
        ),
        ReportType(
            "GET_VENDOR_INVENTORY_REPORT",
            "vendorInventoryReport.json",
            PERIODIC,
            {
                "reportPeriod": PERIODS,
                "distributorView": DISTRIBUTOR_VIEWS,
                "sellingProgram": ("RETAIL", "FRESH"),
            },
        ),
        ReportType(
            "GET_VENDOR_NET_PURE_PRODUCT_MARGIN_REPORT",
            "vendorNetPureProductMarginReport.json",
            PERIODIC,
            {"reportPeriod": PERIODS},
        ),
        ReportType(
            "GET_VENDOR_TRAFFIC_REPORT",
            "vendorTrafficReport.json",
            PERIODIC,
            {"reportPeriod": PERIODS},
        ),
        ReportType(
            "GET_VENDOR_FORECASTING_REPORT",
            "vendorForecastingReport.json",
            FORECAST,
            {"sellingProgram": ("RETAIL", "FRESH")},
        ),
        ReportType(
            "GET_VENDOR_REAL_TIME_INVENTORY_REPORT",
            "vendorRealTimeInventoryReport.json",
            REAL_TIME,
        ),
        ReportType(
            "GET_VENDOR_REAL_TIME_SALES_REPORT",
            "vendorRealTimeSalesReport.json",
            REAL_TIME,
        ),
        ReportType(
            "GET_VENDOR_REAL_TIME_TRAFFIC_REPORT",
            "vendorRealTimeTrafficReport.json",
            REAL_TIME,
            lag=TRAFFIC_LAG,
        ),
    )
}


class ReportFatal(ValueError):
    """A request Amazon accepts and then fails; the reason goes in a document."""


@dataclass(frozen=True)
class ReportSpec:
    """A checked report request: what a document is made for."""

    report_type: ReportType
    account: WorldAccount
    marketplace_ids: tuple[str, ...]
    # Only the documented options, as used; unknown ones are dropped.
    options: Mapping[str, str]
    start: datetime | None
    end: datetime | None
    as_of: datetime
    # Periodic: (first day, last day) of each period asked for, in order.
    periods: tuple[tuple[date, date], ...] = ()
    # Real-time: the start of each whole hour asked for that has ended.
    hours: tuple[datetime, ...] = ()


def check_report_request(
    report_type: ReportType,
    account: WorldAccount,
    marketplace_ids: tuple[str, ...],
    options: Mapping[str, str],
    start: datetime | None,
    end: datetime | None,
    as_of: datetime,
) -> ReportSpec:
    """The spec of a request, or ReportFatal with the reason Amazon would give."""
    if tuple(marketplace_ids) != (account.marketplace_id,):
        raise ReportFatal(
            f"marketplaceIds must be exactly the vendor account's marketplace "
            f"{account.marketplace_id}; got {', '.join(marketplace_ids)}."
        )
    used = {}
    for name, allowed in report_type.options.items():
        value = options.get(name)
        if value is None:
            raise ReportFatal(f"reportOptions.{name} is required for this report.")
        if value not in allowed:
            raise ReportFatal(
                f"reportOptions.{name} must be one of {', '.join(allowed)}; "
                f"got {value}."
            )
        used[name] = value
    spec = ReportSpec(
        report_type, account, tuple(marketplace_ids), used, start, end, as_of
    )
    if report_type.kind == PERIODIC:
        return _with_periods(spec)
    if report_type.kind == REAL_TIME:
        return _with_hours(spec)
    return spec


def period_bounds(period: str, first: date) -> tuple[date, date]:
    """The period of this kind that starts on `first` (which must be aligned)."""
    if period == "DAY":
        return first, first
    if period == "WEEK":
        return first, first + timedelta(days=6)
    if period == "MONTH":
        return first, _month_end(first.year, first.month)
    if period == "QUARTER":
        return first, _month_end(first.year, first.month + 2)
    return first, date(first.year, 12, 31)


def is_period_start(period: str, day: date) -> bool:
    if period == "WEEK":
        # Amazon's vendor weeks run Sunday to Saturday.
        return day.weekday() == calendar.SUNDAY
    if period == "MONTH":
        return day.day == 1
    if period == "QUARTER":
        return day.day == 1 and day.month in (1, 4, 7, 10)
    if period == "YEAR":
        return (day.month, day.day) == (1, 1)
    return True


def period_close(last_day: date) -> datetime:
    """The instant a period ends: midnight UTC after its last day."""
    return datetime.combine(last_day + timedelta(days=1), datetime.min.time(), UTC)


def _with_periods(spec: ReportSpec) -> ReportSpec:
    period = spec.options["reportPeriod"]
    if spec.start is None or spec.end is None:
        raise ReportFatal(
            f"dataStartTime and dataEndTime are required for reportPeriod {period}."
        )
    first, last = spec.start.date(), spec.end.date()
    if not is_period_start(period, first):
        raise ReportFatal(
            f"dataStartTime {first} is not the first day of a {period} period"
            + (" (weeks start on Sunday)." if period == "WEEK" else ".")
        )
    periods = []
    day = first
    while day <= last:
        bounds = period_bounds(period, day)
        periods.append(bounds)
        day = bounds[1] + timedelta(days=1)
    if periods[-1][1] != last:
        raise ReportFatal(
            f"dataEndTime {last} is not the last day of a {period} period"
            + (" (weeks end on Saturday)." if period == "WEEK" else ".")
        )
    if period == "DAY" and len(periods) > MAX_DAY_PERIODS:
        raise ReportFatal(
            f"A DAY report covers at most {MAX_DAY_PERIODS} days; "
            f"this one asks for {len(periods)}."
        )
    today = spec.as_of.date()
    if (today - first).days > MAX_DAYS_BACK:
        raise ReportFatal(
            f"dataStartTime {first} is more than {MAX_DAYS_BACK} days back."
        )
    published = period_close(last) + PUBLISHING_DELAY
    if published > spec.as_of:
        raise ReportFatal(
            f"The data for the period ending {last} is published about 72 hours "
            f"after it ends, from {published.isoformat()}; asked too early."
        )
    return replace(spec, periods=tuple(periods))


def _with_hours(spec: ReportSpec) -> ReportSpec:
    start, end = spec.start, spec.end
    if start is None or end is None:
        raise ReportFatal("dataStartTime and dataEndTime are required.")
    for name, moment in (("dataStartTime", start), ("dataEndTime", end)):
        if (moment.minute, moment.second, moment.microsecond) != (0, 0, 0):
            raise ReportFatal(f"{name} must be a whole UTC hour; got {moment}.")
    if end - start > MAX_REAL_TIME_SPAN:
        raise ReportFatal("A real-time report covers at most 24 hours.")
    if spec.as_of - start > MAX_REAL_TIME_BACK:
        raise ReportFatal("dataStartTime may be at most 168 hours (7 days) back.")
    lag = spec.report_type.lag
    if lag and end > spec.as_of - lag:
        raise ReportFatal(
            "dataEndTime must be at least 60 minutes before the time of the request."
        )
    hours = []
    hour = start
    while hour + timedelta(hours=1) <= min(end, spec.as_of):
        hours.append(hour)
        hour += timedelta(hours=1)
    return replace(spec, hours=tuple(hours))


def _month_end(year: int, month: int) -> date:
    year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
    return date(year, month, calendar.monthrange(year, month)[1])
