from datetime import UTC, datetime, timedelta

import pytest

from vendor_recon.sources.windows import Window, parse_iso, request_window, slices


def day(n: int) -> datetime:
    return datetime(2026, 11, n, tzinfo=UTC)


def test_slices_cover_the_window_in_steps_of_at_most_seven_days():
    window = Window(day(1), day(20))
    pieces = list(slices(window, timedelta(days=7)))
    assert [(p.start.day, p.end.day) for p in pieces] == [(1, 8), (8, 15), (15, 20)]


def test_lookback_widens_backwards_only():
    window = request_window(day(10), day(11), timedelta(days=2))
    assert (window.start, window.end) == (day(8), day(11))


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
