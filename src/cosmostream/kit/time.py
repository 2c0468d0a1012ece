from __future__ import annotations

from datetime import UTC, datetime, timedelta


class Clock:
    """The one source of "now". Tests move it forward to cross expiry limits."""

    offset: timedelta = timedelta(0)


def utcnow() -> datetime:
    return datetime.now(UTC) + Clock.offset


def aware(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything we store is UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)
