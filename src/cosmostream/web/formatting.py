"""Small display helpers shared by every page that shows videos."""

from __future__ import annotations

from datetime import datetime

from cosmostream.kit.time import utcnow


def duration(seconds: float | None) -> str:
    """`83.4` → `1:23`, `3725` → `1:02:05`."""
    if seconds is None:
        return ""
    total = int(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def compact(n: int | None) -> str:
    """`1234` → `1.2K`, `3_400_000` → `3.4M`."""
    n = int(n or 0)
    for limit, suffix in ((1_000_000_000, "B"), (1_000_000, "M"), (1_000, "K")):
        if n >= limit:
            value = n / limit
            text = f"{value:.1f}" if value < 10 else f"{value:.0f}"
            return text.removesuffix(".0") + suffix
    return str(n)


def ago(moment: datetime | None, now: datetime | None = None) -> str:
    """A coarse relative age: `just now`, `5 minutes ago`, `3 weeks ago`."""
    if moment is None:
        return ""
    seconds = max(0, int(((now or utcnow()) - moment).total_seconds()))
    for size, unit in (
        (365 * 86400, "year"),
        (30 * 86400, "month"),
        (7 * 86400, "week"),
        (86400, "day"),
        (3600, "hour"),
        (60, "minute"),
    ):
        if seconds >= size:
            n = seconds // size
            return f"{n} {unit}{'s' if n != 1 else ''} ago"
    return "just now"
