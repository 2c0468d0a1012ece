"""Periods: which UTC interval a range picked in a time zone covers, its buckets
and the period before it. Pure functions — no database, no clock.

A bucket is a half-open UTC interval whose edges are local midnights (day),
Mondays (week), first days of a month (month) or UTC hours (hour), computed
with `zoneinfo`, so a day with a DST change is 23 or 25 hours long. Hourly
roll-ups fall into the bucket that contains their hour's start; in a zone whose
offset is not whole hours (Asia/Kolkata) a bucket edge is therefore rounded to
the UTC hour — documented in docs/analytics.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cosmostream.analytics.errors import BadRange, BadTimeZone
from cosmostream.analytics.schemas import Granularity, Period, RangeKey

FIXED_DAYS = {
    RangeKey.DAYS_7: 7,
    RangeKey.DAYS_28: 28,
    RangeKey.DAYS_90: 90,
    RangeKey.DAYS_365: 365,
}
MAX_YEARS = 5


def zone(tz: str | None) -> ZoneInfo:
    """The IANA zone named `tz` (UTC when empty); `BadTimeZone` for an unknown name."""
    name = (tz or "UTC").strip()
    if not name or len(name) > 64 or ".." in name or name.startswith("/"):
        raise BadTimeZone(field="tz")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise BadTimeZone(field="tz") from None


def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    """The UTC instant a local day starts (the first existing instant of it)."""
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


def granularity_for(days: int) -> Granularity:
    if days <= 2:
        return Granularity.HOUR
    if days <= 90:
        return Granularity.DAY
    if days <= 731:
        return Granularity.WEEK
    return Granularity.MONTH


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


# No video on the platform is older; bounds the date arithmetic of custom ranges.
EARLIEST_DAY = date(2000, 1, 1)
LATEST_AHEAD = timedelta(days=366)


def period(
    key: RangeKey,
    *,
    start: date | None = None,
    end: date | None = None,
    tz: str | None = "UTC",
    now: datetime,
    first_data: datetime | None = None,
) -> Period:
    """The period a range key stands for, in `tz`, as of `now`.

    Fixed ranges end with today (local) and count whole local days back;
    `lifetime` starts on the local day of `first_data` (today when there is
    none); `custom` takes inclusive local dates `start`..`end`, at most five
    years long. The previous period is as many local days just before.
    """
    zi = zone(tz)
    today = now.astimezone(zi).date()
    if key is RangeKey.CUSTOM:
        if start is None or end is None:
            raise BadRange("Choose a start and an end date.", field="start")
        if end < start:
            raise BadRange("The end date is before the start date.", field="end")
        if start < EARLIEST_DAY or end > today + LATEST_AHEAD:
            raise BadRange(
                f"Choose dates between {EARLIEST_DAY:%-d %B %Y} and a year from today.",
                field="start" if start < EARLIEST_DAY else "end",
            )
        if end > _add_years(start, MAX_YEARS):
            raise BadRange(f"Choose a range of at most {MAX_YEARS} years.", field="end")
        first_day, last_day = start, end
    elif key is RangeKey.LIFETIME:
        first_day = first_data.astimezone(zi).date() if first_data else today
        first_day = min(first_day, today)
        last_day = today
    else:
        last_day = today
        first_day = today - timedelta(days=FIXED_DAYS[key] - 1)
    days = (last_day - first_day).days + 1
    previous_first = first_day - timedelta(days=days)
    return Period(
        key=key,
        start=local_midnight(first_day, zi),
        end=local_midnight(last_day + timedelta(days=1), zi),
        previous_start=local_midnight(previous_first, zi),
        previous_end=local_midnight(first_day, zi),
        tz=zi.key,
        granularity=granularity_for(days),
    )


def parse_day(value: str | None, field: str) -> date | None:
    """A `YYYY-MM-DD` query parameter, `BadRange` when malformed."""
    if not value:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise BadRange("Dates are written YYYY-MM-DD.", field=field) from None


def parse_key(value: str | None) -> RangeKey:
    try:
        return RangeKey(value or RangeKey.DAYS_28.value)
    except ValueError:
        raise BadRange("Unknown range.", field="range") from None


@dataclass(frozen=True)
class Bucket:
    """One point of a series: [start, end) in UTC, labelled with its local start."""

    start: datetime
    end: datetime
    label: datetime


def buckets(start: datetime, end: datetime, granularity: Granularity, tz: str) -> list[Bucket]:
    """The buckets covering [start, end): edges at local midnights, Mondays or
    months (hours: UTC hours), the first and last clipped to the interval."""
    zi = zone(tz)
    edges: list[datetime] = [start]
    if granularity is Granularity.HOUR:
        t = start.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
        while t < end:
            edges.append(t)
            t += timedelta(hours=1)
    else:
        day = start.astimezone(zi).date()
        while True:
            if granularity is Granularity.DAY:
                day += timedelta(days=1)
            elif granularity is Granularity.WEEK:
                day += timedelta(days=7 - day.weekday())
            else:
                day = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
            edge = local_midnight(day, zi)
            if edge >= end:
                break
            if edge > edges[-1]:
                edges.append(edge)
    edges.append(end)
    return [Bucket(a, b, a.astimezone(zi)) for a, b in pairwise(edges)]


def series_buckets(p: Period) -> list[Bucket]:
    return buckets(p.start, p.end, p.granularity, p.tz)


def previous_buckets(p: Period) -> list[Bucket]:
    return buckets(p.previous_start, p.previous_end, p.granularity, p.tz)


def utc_days(start: datetime, end: datetime) -> tuple[date, date]:
    """The whole UTC days [first, last] that cover [start, end) (daily roll-ups)."""
    return start.astimezone(UTC).date(), (end.astimezone(UTC) - timedelta(microseconds=1)).date()
