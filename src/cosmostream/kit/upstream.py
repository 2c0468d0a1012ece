"""Bookkeeping for third-party HTTP sources: a request budget per hour, a
refresh period, and back-off after errors, kept in `ingest_states` so every
process shares it.

Used by every fetcher: the LL2 sync, the news ingest, CelesTrak elements and
Horizons tables. The rules:
- a source may make at most `per_hour` requests in a fixed one-hour window
  (the window starts with its first request);
- a failure blocks the source for `base` * 2^(failures - 1) (2, 4, 8 …
  minutes by default), at most `ceiling`, and never less than the server's
  `Retry-After` (seconds or an HTTP date) or a minute; a success resets the
  failure count.
"""

from __future__ import annotations

import email.utils
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from cosmostream.models import IngestState

WINDOW = timedelta(hours=1)
MAX_BACKOFF = timedelta(hours=6)
MIN_RETRY_AFTER = timedelta(minutes=1)


async def state_of(session: AsyncSession, source: str) -> IngestState:
    """The source's row, created on first use (the caller's unit of work saves it)."""
    state = await session.get(IngestState, source)
    if state is None:
        state = IngestState(source=source, requests_in_window=0, failures=0)
        session.add(state)
    return state


def blocked(state: IngestState, now: datetime) -> bool:
    return state.blocked_until is not None and state.blocked_until > now


def may_request(state: IngestState, now: datetime, per_hour: int) -> bool:
    """True when one more request fits the budget and the source is not backing off."""
    if blocked(state, now):
        return False
    if state.window_started_at is None or now - state.window_started_at >= WINDOW:
        return per_hour > 0
    return (state.requests_in_window or 0) < per_hour


def record_request(state: IngestState, now: datetime) -> None:
    if state.window_started_at is None or now - state.window_started_at >= WINDOW:
        state.window_started_at = now
        state.requests_in_window = 0
    state.requests_in_window = (state.requests_in_window or 0) + 1


def record_success(state: IngestState, now: datetime, *, next_run: datetime | None = None) -> None:
    """Reset the failure count; `next_run` is the earliest next refresh, if any."""
    state.failures = 0
    state.blocked_until = next_run
    state.last_success_at = now
    state.last_error = None


def retry_after(value: str | None, now: datetime) -> timedelta | None:
    """A `Retry-After` header (delay-seconds or HTTP-date) as a delay from now."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return timedelta(seconds=int(value))
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(when - now, timedelta(0)) if when.tzinfo else None


def record_failure(
    state: IngestState,
    now: datetime,
    error: str,
    wait: timedelta | None = None,
    *,
    base: timedelta = timedelta(minutes=2),
    ceiling: timedelta = MAX_BACKOFF,
) -> None:
    """Count a failure and block the source: exponential from `base`, at most
    `ceiling`, never sooner than `wait` (a 429's Retry-After)."""
    state.failures = (state.failures or 0) + 1
    backoff = min(base * 2 ** min(state.failures - 1, 20), ceiling)
    state.blocked_until = now + max(backoff, wait or timedelta(0), MIN_RETRY_AFTER)
    state.last_error = error[:500]
