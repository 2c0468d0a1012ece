from __future__ import annotations

from datetime import UTC, datetime, timedelta


class Clock:
    """The one source of "now". Tests move it forward to cross expiry limits, and may
    stop it (`stopped_at`) so that it moves only when they move it."""

    offset: timedelta = timedelta(0)
    stopped_at: datetime | None = None


def utcnow() -> datetime:
    return (Clock.stopped_at or datetime.now(UTC)) + Clock.offset


def aware(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything we store is UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)
