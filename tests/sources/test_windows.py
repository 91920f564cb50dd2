from datetime import UTC, datetime, timedelta, timezone

import pendulum
import pytest

from vendor_recon.sources.windows import (
    Window,
    as_utc,
    parse_iso,
    request_window,
    slices,
)


def day(n: int) -> datetime:
    return datetime(2026, 11, n, tzinfo=UTC)


def test_slices_cover_the_window_in_steps_of_at_most_seven_days():
    window = Window(day(1), day(20))
    pieces = list(slices(window, timedelta(days=7)))
    assert [(p.start.day, p.end.day) for p in pieces] == [(1, 8), (8, 15), (15, 20)]


def test_lookback_widens_backwards_only():
    window = request_window(day(10), day(11), timedelta(days=2))
    assert (window.start, window.end) == (day(8), day(11))


def test_airflow_pendulum_datetimes_become_plain_utc_datetimes():
    # Airflow's context gives pendulum DateTimes: after astimezone(UTC) and a
    # subtraction they turn naive, and a comparison with an aware one raises.
    start = pendulum.datetime(2026, 11, 10, 5, 30, tz="Europe/Berlin")
    window = request_window(start, pendulum.datetime(2026, 11, 11), timedelta(1))
    for moment in (window.start, window.end):
        assert type(moment) is datetime and moment.tzinfo is UTC
    assert window.start == datetime(2026, 11, 9, 4, 30, tzinfo=UTC)
    shifted = (window.end.astimezone(UTC) - timedelta(microseconds=1)).replace(hour=0)
    assert shifted.tzinfo is UTC and shifted < window.end


def test_as_utc_keeps_the_instant_of_any_offset():
    moment = datetime(2026, 11, 10, 9, 0, 0, 250, tzinfo=timezone(timedelta(hours=9)))
    assert as_utc(moment) == moment
    assert as_utc(moment).tzinfo is UTC and as_utc(moment).hour == 0
    with pytest.raises(ValueError, match="timezone-aware"):
        as_utc(datetime(2026, 11, 10))


def test_naive_or_empty_windows_are_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        Window(datetime(2026, 11, 1), day(2))
    with pytest.raises(ValueError, match="not after"):
        Window(day(2), day(2))


def test_parse_iso_accepts_amazon_forms():
    assert parse_iso("2020-08-17T20:24:58.193Z") == datetime(
        2020, 8, 17, 20, 24, 58, 193000, tzinfo=UTC
    )
    assert parse_iso("2019-09-21T00:00:00") == datetime(2019, 9, 21, tzinfo=UTC)
    assert parse_iso("2026-01-01T02:00:00+02:00") == datetime(2026, 1, 1, tzinfo=UTC)
    assert Window(day(1), day(2)).iso() == (
        "2026-11-01T00:00:00Z",
        "2026-11-02T00:00:00Z",
    )
