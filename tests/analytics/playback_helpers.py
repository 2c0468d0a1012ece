"""Player events at chosen instants, and the raw analytics rows they leave."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from cosmostream.db import Database
from cosmostream.engagement.schemas import PlaybackContext, PlaybackEventKind, PlaybackResult
from cosmostream.engagement.service import engagement_service
from cosmostream.kit.time import utcnow
from cosmostream.models import ViewerSession, WatchedRange
from tests.factories import actor, shift_time, stopped_clock

START, HEARTBEAT, PAUSE, SEEK, END = (
    PlaybackEventKind.START,
    PlaybackEventKind.HEARTBEAT,
    PlaybackEventKind.PAUSE,
    PlaybackEventKind.SEEK,
    PlaybackEventKind.END,
)
# Time zero of the tests: a Tuesday morning, well in the past.
T0 = datetime(2026, 11, 10, 10, 0, tzinfo=UTC)


def t(seconds: float = 0.0, *, base: datetime = T0) -> datetime:
    return base + timedelta(seconds=seconds)


@contextmanager
def clock_at(when: datetime) -> Iterator[None]:
    """The application's clock stopped at `when`."""
    with stopped_clock(), shift_time(when - utcnow()):
        yield


async def play(
    db: Database,
    video: Any,
    event: PlaybackEventKind,
    position: float = 0.0,
    *,
    when: datetime,
    viewer: str = "c:test-viewer",
    who: Any = None,
    context: PlaybackContext | None = None,
) -> PlaybackResult:
    """One event received at server time `when`, as `who` (a User) or `viewer`."""
    key = f"u:{who.id}" if who is not None else viewer
    with clock_at(when):
        async with db.unit_of_work() as session:
            return await engagement_service.record_playback(
                session,
                actor(who) if who is not None else None,
                key,
                video.id,
                position,
                event,
                context,
            )


async def sessions_of(db: Database, video_id: Any = None) -> list[ViewerSession]:
    async with db.read() as session:
        query = select(ViewerSession).order_by(ViewerSession.started_at)
        if video_id is not None:
            query = query.where(ViewerSession.video_id == video_id)
        return list(await session.scalars(query))


async def ranges_of(db: Database, video_id: Any = None) -> list[WatchedRange]:
    async with db.read() as session:
        query = select(WatchedRange).order_by(WatchedRange.id)
        if video_id is not None:
            query = query.where(WatchedRange.video_id == video_id)
        return list(await session.scalars(query))
