"""UTC timestamps as Amazon writes them, and the parsing of request parameters."""

from __future__ import annotations

import re
from datetime import UTC, datetime

# A date and a time are both required: Amazon rejects a bare date.
_TIMESTAMP = re.compile(
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$"
)


def iso_seconds(moment: datetime) -> str:
    """`2024-05-01T07:00:00Z`: the form of the Orders documents."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_millis(moment: datetime) -> str:
    """`2024-05-01T07:00:00.000Z`: the form of the status documents."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_timestamp(text: str) -> datetime:
    """Parse an ISO-8601 date-time into aware UTC; no zone means UTC.

    Raises ValueError for anything else, a bare date included.
    """
    if not isinstance(text, str) or not _TIMESTAMP.match(text.strip()):
        raise ValueError(f"not an ISO-8601 date-time: {text!r}")
    value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def is_timestamp(text: object) -> bool:
    """Whether `text` parses as a date-time (the model's `date-time` format)."""
    try:
        parse_timestamp(text)  # type: ignore[arg-type]
    except ValueError:
        return False
    return True


def format_window(start: datetime, end: datetime) -> str:
    """Amazon's DateTimeInterval: start and end joined by a double hyphen."""
    return f"{iso_seconds(start)}--{iso_seconds(end)}"


def parse_window(text: str) -> tuple[datetime, datetime]:
    """The two ends of a DateTimeInterval string."""
    start, separator, end = text.partition("--")
    if not separator:
        raise ValueError(f"not a date-time interval: {text!r}")
    return parse_timestamp(start), parse_timestamp(end)


def require_utc(moment: datetime, name: str) -> datetime:
    """Reject naive datetimes (their zone is a guess) and normalise to UTC."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got {moment!r}")
    return moment.astimezone(UTC)
