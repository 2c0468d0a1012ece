"""Periods: every range key, custom validation, granularity, time-zone bucket edges."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import pairwise

import pytest

from cosmostream.analytics import periods
from cosmostream.analytics.errors import BadRange, BadTimeZone
from cosmostream.analytics.schemas import Granularity, RangeKey

NOW = datetime(2026, 11, 10, 15, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("key", "days", "granularity"),
    [
        (RangeKey.DAYS_7, 7, Granularity.DAY),
        (RangeKey.DAYS_28, 28, Granularity.DAY),
        (RangeKey.DAYS_90, 90, Granularity.DAY),
        (RangeKey.DAYS_365, 365, Granularity.WEEK),
    ],
)
def test_fixed_ranges_end_today_and_count_whole_days(
    key: RangeKey, days: int, granularity: Granularity
) -> None:
    p = periods.period(key, tz="UTC", now=NOW)
    assert p.end == datetime(2026, 11, 11, tzinfo=UTC)
    assert p.start == p.end - timedelta(days=days)
    assert p.previous_end == p.start
    assert p.previous_start == p.start - timedelta(days=days)
    assert p.granularity is granularity
    b = periods.series_buckets(p)
    assert (b[0].start, b[-1].end) == (p.start, p.end)
    assert all(x.end == y.start for x, y in pairwise(b))
    if granularity is Granularity.DAY:
        assert len(b) == days


def test_ranges_follow_the_time_zone() -> None:
    # 15:30 UTC is already the 11th in Auckland (UTC+13 in November).
    p = periods.period(RangeKey.DAYS_7, tz="Pacific/Auckland", now=NOW)
    assert p.end == datetime(2026, 11, 11, 11, tzinfo=UTC)  # local midnight of the 12th
    assert p.tz == "Pacific/Auckland"
    first = periods.series_buckets(p)[0]
    assert first.label.isoformat() == "2026-11-05T00:00:00+13:00"


def test_lifetime_starts_on_the_first_data_day() -> None:
    p = periods.period(
        RangeKey.LIFETIME, tz="UTC", now=NOW, first_data=datetime(2023, 3, 4, 22, tzinfo=UTC)
    )
    assert p.start == datetime(2023, 3, 4, tzinfo=UTC)
    assert p.granularity is Granularity.MONTH
    buckets = periods.series_buckets(p)
    assert buckets[0].start == p.start and buckets[1].start == datetime(2023, 4, 1, tzinfo=UTC)
    assert buckets[-1].end == p.end
    # No data yet: today only, by the hour.
    empty = periods.period(RangeKey.LIFETIME, tz="UTC", now=NOW)
    assert (empty.start, empty.granularity) == (
        datetime(2026, 11, 10, tzinfo=UTC),
        Granularity.HOUR,
    )
    assert len(periods.series_buckets(empty)) == 24


@pytest.mark.parametrize(
    ("start", "end", "granularity"),
    [
        (date(2026, 11, 9), date(2026, 11, 10), Granularity.HOUR),
        (date(2026, 8, 13), date(2026, 11, 10), Granularity.DAY),  # 90 days
        (date(2026, 8, 12), date(2026, 11, 10), Granularity.WEEK),  # 91 days
        (date(2024, 11, 10), date(2026, 11, 10), Granularity.WEEK),  # 731 days
        (date(2024, 11, 9), date(2026, 11, 10), Granularity.MONTH),
    ],
)
def test_custom_granularity(start: date, end: date, granularity: Granularity) -> None:
    p = periods.period(RangeKey.CUSTOM, start=start, end=end, tz="UTC", now=NOW)
    assert p.granularity is granularity
    assert p.start == datetime.combine(start, datetime.min.time(), UTC)
    assert p.end == datetime.combine(end + timedelta(days=1), datetime.min.time(), UTC)


def test_week_buckets_start_on_mondays_clipped_to_the_period() -> None:
    p = periods.period(
        RangeKey.CUSTOM, start=date(2026, 1, 1), end=date(2026, 6, 30), tz="UTC", now=NOW
    )
    b = periods.series_buckets(p)
    assert b[0].start == datetime(2026, 1, 1, tzinfo=UTC)  # a Thursday
    assert b[1].start == datetime(2026, 1, 5, tzinfo=UTC)  # the next Monday
    assert all(x.end == y.start for x, y in pairwise(b))
    assert b[-1].end == p.end


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        (None, date(2026, 1, 1), "start"),
        (date(2026, 1, 2), date(2026, 1, 1), "end"),
        (date(2020, 1, 1), date(2025, 1, 2), "end"),  # over five years
        # Bounded, so the date arithmetic cannot overflow (it was a 500).
        (date(1, 1, 1), date(1, 1, 2), "start"),
        (date(9999, 12, 30), date(9999, 12, 31), "end"),
        (date(1999, 12, 31), date(2000, 1, 2), "start"),
    ],
)
def test_bad_custom_ranges_are_a_clear_400(start: date | None, end: date, field: str) -> None:
    with pytest.raises(BadRange) as caught:
        periods.period(RangeKey.CUSTOM, start=start, end=end, tz="UTC", now=NOW)
    assert (caught.value.status, caught.value.code, caught.value.field) == (400, "bad_range", field)
    # Exactly five years is allowed.
    periods.period(RangeKey.CUSTOM, start=date(2020, 1, 1), end=date(2025, 1, 1), now=NOW)


def test_bad_dates_keys_and_zones() -> None:
    with pytest.raises(BadRange):
        periods.parse_day("2026-02-30", "start")
    with pytest.raises(BadRange):
        periods.parse_day("yesterday", "end")
    with pytest.raises(BadRange):
        periods.parse_key("3d")
    assert periods.parse_key(None) is RangeKey.DAYS_28
    for tz in ("Mars/Olympus", "../etc/passwd", "/etc/localtime"):
        with pytest.raises(BadTimeZone):
            periods.period(RangeKey.DAYS_7, tz=tz, now=NOW)


def test_a_dst_day_in_berlin_is_a_25_hour_bucket() -> None:
    # Sunday 25 October 2026: clocks go back from 03:00 CEST to 02:00 CET.
    p = periods.period(
        RangeKey.CUSTOM,
        start=date(2026, 10, 24),
        end=date(2026, 10, 26),
        tz="Europe/Berlin",
        now=NOW,
    )
    b = periods.series_buckets(p)
    assert [x.end - x.start for x in b] == [
        timedelta(hours=24),
        timedelta(hours=25),
        timedelta(hours=24),
    ]
    assert b[1].start == datetime(2026, 10, 24, 22, tzinfo=UTC)
    assert b[2].start == datetime(2026, 10, 25, 23, tzinfo=UTC)
    assert [x.label.isoformat() for x in b] == [
        "2026-10-24T00:00:00+02:00",
        "2026-10-25T00:00:00+02:00",
        "2026-10-26T00:00:00+01:00",
    ]
    # The previous period is the three local days before, DST-correct too.
    assert p.previous_start == datetime(2026, 10, 20, 22, tzinfo=UTC)
    assert p.previous_end == p.start


def test_hour_buckets_over_a_dst_change_are_utc_hours() -> None:
    p = periods.period(
        RangeKey.CUSTOM,
        start=date(2026, 10, 25),
        end=date(2026, 10, 25),
        tz="Europe/Berlin",
        now=NOW,
    )
    b = periods.series_buckets(p)
    assert len(b) == 25 and p.granularity is Granularity.HOUR
    # The repeated local 02:00 appears twice, with its two offsets.
    labels = [x.label.isoformat() for x in b]
    assert "2026-10-25T02:00:00+02:00" in labels and "2026-10-25T02:00:00+01:00" in labels


def test_utc_days_widen_to_whole_days() -> None:
    p = periods.period(RangeKey.DAYS_7, tz="Europe/Berlin", now=NOW)
    assert periods.utc_days(p.start, p.end) == (date(2026, 11, 3), date(2026, 11, 10))
