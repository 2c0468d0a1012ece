"""The measure: engagement's player events become viewer sessions and the
ranges they watched (a receiver of `engagement.playback_recorded`, inside the
event's unit of work).

Engagement decides the session (events of one viewer on one video less than
30 min apart), the seconds watched (server time) and when the view counts;
this module records them: one `ViewerSession` per session, with its viewer
hash, traffic source and device taken at its start, and the step's seconds as
`WatchedRange` rows split at UTC hours, extending the session's last range
while the hour and rung stay the same. On a continuing session that is three
statements: read the session, extend the range, update the session.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from cosmostream.analytics import agents, salts, sources
from cosmostream.analytics.ingest_repository import ingest_repository
from cosmostream.analytics.sessions import (
    EMPTY_COVERAGE,
    bucket_mask,
    coverage_bits,
    coverage_hex,
    covered,
    split_step,
)
from cosmostream.config import get_settings
from cosmostream.engagement.schemas import PlaybackEventKind
from cosmostream.engagement.signals import PlaybackRecord
from cosmostream.kit.time import utcnow
from cosmostream.models import ViewerSession


async def _start_session(session: AsyncSession, record: PlaybackRecord) -> ViewerSession:
    source, detail = sources.classify(record.referrer, record.page_url, get_settings().base_url)
    agent = agents.parse(record.user_agent)
    row = ViewerSession(
        id=record.session_id,
        video_id=record.video_id,
        owner_id=record.owner_id,
        user_id=record.user_id,
        viewer=await salts.viewer_hash(session, record.user_id, record.viewer_key, record.at),
        started_at=record.at,
        last_seen_at=utcnow(),
        source=source,
        source_detail=detail,
        device=agent.device,
        browser=agent.browser,
        os=agent.os,
        watched_seconds=0.0,
        max_position=0.0,
        coverage=EMPTY_COVERAGE,
    )
    ingest_repository.add_session(session, row)
    return row


async def on_playback(session: AsyncSession, record: PlaybackRecord) -> None:
    """Record one player event of a viewer session."""
    row = (
        None
        if record.new_session
        else await ingest_repository.get_session(session, record.session_id)
    )
    if row is None:  # new, or its rows went (an account deletion) while it went on
        row = await _start_session(session, record)
    now = utcnow()
    # `last_seen_at` is server time, so the roll-up's watermark sees late events.
    row.last_seen_at = now
    row.playing = PlaybackEventKind(record.event).plays
    if record.counted_view and row.view_at is None:
        row.view_at = record.at
    if record.seconds <= 0:
        return
    start, end = covered(record.from_position, record.to_position, record.seconds, record.duration)
    row.watched_seconds += record.seconds
    row.max_position = max(row.max_position, end)
    bits = coverage_bits(row.coverage) | bucket_mask(start, end, record.duration)
    if coverage_hex(bits) != row.coverage:
        row.coverage = coverage_hex(bits)
    pieces = split_step(record.t0, record.seconds, start, end)
    first, rest = pieces[0], pieces[1:]
    extended = await ingest_repository.extend_last_range(
        session,
        record.session_id,
        hour=first.hour,
        rung=record.rung,
        start=first.start,
        end=first.end,
        seconds=first.seconds,
    )
    if not extended:
        rest = pieces
    await ingest_repository.add_ranges(
        session,
        [
            {
                "session_id": record.session_id,
                "video_id": record.video_id,
                "owner_id": record.owner_id,
                "hour": p.hour,
                "start": p.start,
                "end": p.end,
                "seconds": p.seconds,
                "rung": record.rung,
                "recorded_at": now,
            }
            for p in rest
        ],
    )
