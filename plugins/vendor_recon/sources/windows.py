"""Request windows: a data interval plus lookback, cut into slices the API allows."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta


def as_utc(moment: datetime) -> datetime:
    """The same instant as a plain `datetime` in UTC.

    Airflow's context hands out pendulum DateTimes, whose arithmetic after
    `astimezone(datetime.UTC)` silently drops the zone (a naive result, which
    then cannot be compared with an aware one). Rebuilding a stdlib datetime
    at the boundary keeps every later step on stdlib semantics.
    """
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{moment} must be timezone-aware")
    utc = moment.replace(tzinfo=None) - moment.utcoffset()
    return datetime(
        utc.year,
        utc.month,
        utc.day,
        utc.hour,
        utc.minute,
        utc.second,
        utc.microsecond,
        tzinfo=UTC,
    )


@dataclass(frozen=True)
class Window:
    """[start, end) in UTC; any aware datetime given is stored as a stdlib one."""

    start: datetime
    end: datetime

    def __post_init__(self):
        for name in ("start", "end"):
            value = getattr(self, name)
            if value.tzinfo is None:
                raise ValueError(f"window {name} must be timezone-aware, got {value}")
            object.__setattr__(self, name, as_utc(value))
        if self.end <= self.start:
            raise ValueError(f"window end {self.end} is not after start {self.start}")

    def contains(self, moment: datetime) -> bool:
        return self.start <= moment < self.end

    def iso(self) -> tuple[str, str]:
        return to_iso(self.start), to_iso(self.end)


def to_iso(moment: datetime) -> str:
    """UTC, second precision, 'Z': the form every SP-API date parameter accepts."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text: str) -> datetime:
    """Parse Amazon's ISO-8601 timestamps ('Z' or an offset) into aware UTC."""
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def request_window(start: datetime, end: datetime, lookback: timedelta) -> Window:
    """The data interval widened backwards by the rolling lookback."""
    return Window(as_utc(start) - lookback, as_utc(end))


def slices(window: Window, max_span: timedelta) -> Iterator[Window]:
    """Consecutive slices of at most `max_span` that exactly cover `window`."""
    cursor = window.start
    while cursor < window.end:
        upper = min(cursor + max_span, window.end)
        yield Window(cursor, upper)
        cursor = upper


def floor_hour(moment: datetime) -> datetime:
    """The start of the UTC hour `moment` falls in."""
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def ceil_hour(moment: datetime) -> datetime:
    """The first whole UTC hour at or after `moment`."""
    floor = floor_hour(moment)
    return floor if floor == moment else floor + timedelta(hours=1)


def whole_hours(start: datetime, end: datetime) -> int:
    """How many hours lie between two whole hours (0 when end is not after start)."""
    return max(0, int((end - start) / timedelta(hours=1)))
