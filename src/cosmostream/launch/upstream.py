"""Bookkeeping for third-party HTTP sources: a request budget per hour and
back-off after errors, kept in `ingest_states` so every process shares it.

Used by the LL2 sync and the news ingest. The rules:
- a source may make at most `per_hour` requests in a fixed one-hour window
  (the window starts with its first request);
- a 429 blocks the source until its `Retry-After` (seconds or an HTTP date),
  at least a minute; any other failure blocks it for 2^failures minutes,
  at most six hours; a success resets the failure count.
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


def record_success(state: IngestState, now: datetime) -> None:
    state.failures = 0
    state.blocked_until = None
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
    state: IngestState, now: datetime, error: str, wait: timedelta | None = None
) -> None:
    state.failures = (state.failures or 0) + 1
    if wait is None:
        wait = min(timedelta(minutes=2 ** min(state.failures, 10)), MAX_BACKOFF)
    state.blocked_until = now + max(wait, MIN_RETRY_AFTER)
    state.last_error = error[:500]
