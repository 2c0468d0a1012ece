"""The measure through its transports: `recordPlayback(context:)` and the beacon
fill viewer sessions (source, device, rung, late `at`); the heartbeat path's
statement count."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from cosmostream.db import Database
from cosmostream.models import Role, ViewerSession, WatchedRange
from tests.analytics.playback_helpers import HEARTBEAT, START, clock_at, play, ranges_of, t
from tests.engagement import conftest as engagement
from tests.engagement.conftest import ROLES, Cast, error_code
from tests.factories import make_user, make_video, recorded_queries


@pytest.fixture(name="cast")
async def _cast(db: Database, client: httpx.AsyncClient) -> Cast:
    """The engagement tests' cast: a creator with videos, two viewers and an admin."""
    return await engagement.make_cast(db, client)


RECORD = """
mutation($id: ID!, $position: Float!, $event: PlaybackEvent!, $context: PlaybackContextInput) {
  recordPlayback(videoId: $id, position: $position, event: $event, context: $context) {
    recorded countedView watchedSeconds viewCount
  }
}"""
PIXEL = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.6778.81 Mobile Safari/537.36"
)


async def record(cast: Cast, who: str, when: Any, **variables: Any) -> Any:
    with clock_at(when):
        return await cast.gql(who, RECORD, {"id": str(cast.public.id), **variables})


async def test_context_of_the_first_event_describes_the_session(cast: Cast) -> None:
    cast.client.headers["user-agent"] = PIXEL
    context = {"referrer": "https://www.reddit.com/r/space/", "rung": 720}
    body = await record(cast, "viewer", t(0), position=0, event="START", context=context)
    assert error_code(body) is None
    await record(cast, "viewer", t(10), position=10, event="PAUSE", context={"rung": 720})
    # A later START in the same session (a reload from search) changes nothing.
    search = {"referrer": "http://testserver/search?q=jupiter", "rung": 360}
    await record(cast, "viewer", t(60), position=10, event="START", context=search)
    async with cast.db.read() as session:
        (row,) = list(await session.scalars(select(ViewerSession)))
    assert (row.source, row.source_detail) == ("external", "reddit.com")
    assert (row.device, row.browser, row.os) == ("mobile", "chrome", "android")
    assert row.user_id == cast.viewer.id and row.owner_id == cast.owner.id
    assert [(r.rung, r.seconds) for r in await ranges_of(cast.db)] == [(720, 10)]


async def test_src_on_the_watch_url_wins_and_late_at_is_accepted(cast: Cast) -> None:
    context = {"src": "notification", "referrer": "https://mail.example/"}
    await record(cast, "anonymous", t(0), position=0, event="START", context=context)
    # Queued while offline, sent 10 min later with their own times (ISO 8601).
    for s in (10, 20):
        late = {"at": t(s).isoformat(), "rung": 480}
        body = await record(cast, "anonymous", t(600), position=s, event="HEARTBEAT", context=late)
        assert body["data"]["recordPlayback"]["watchedSeconds"] == 10.0
    async with cast.db.read() as session:
        (row,) = list(await session.scalars(select(ViewerSession)))
    assert row.source == "notification" and row.viewer.startswith("a:")
    (watched,) = await ranges_of(cast.db)
    assert (watched.hour, watched.seconds, watched.rung) == (t(0), 20, 480)


async def test_the_beacon_carries_context(cast: Cast) -> None:
    await cast.client.get(f"/video/{cast.public.id}")  # the CSRF and viewer cookies
    token = cast.client.cookies.get("cs_csrf")
    first = {
        "videoId": str(cast.public.id),
        "position": 0,
        "event": "START",
        "csrf": token,
        "referrer": "http://testserver/browse",
        "rung": 1080,
    }
    with clock_at(t(0)):
        response = await cast.client.post(
            "/api/playback", content=json.dumps(first), headers={"content-type": "text/plain"}
        )
    assert response.status_code == 204, response.text
    last = {**first, "event": "PAUSE", "position": 12, "at": t(12).isoformat()}
    with clock_at(t(30)):
        response = await cast.client.post(
            "/api/playback", content=json.dumps(last), headers={"content-type": "text/plain"}
        )
    assert response.status_code == 204, response.text
    async with cast.db.read() as session:
        (row,) = list(await session.scalars(select(ViewerSession)))
    assert row.source == "browse" and row.watched_seconds == 12
    bad = {**first, "rung": -1}
    response = await cast.client.post(
        "/api/playback", content=json.dumps(bad), headers={"content-type": "text/plain"}
    )
    assert response.status_code == 422


@pytest.mark.parametrize("who", ROLES)
async def test_record_playback_with_context_authorization(cast: Cast, who: str) -> None:
    context = {"referrer": "https://example.org/", "rung": 720}
    for video, allowed in (
        (cast.public, True),
        (cast.unlisted, True),
        (cast.private, who in ("owner", "admin")),
    ):
        with clock_at(t(0)):
            body = await cast.gql(
                who,
                RECORD,
                {"id": str(video.id), "position": 0, "event": "START", "context": context},
            )
        assert error_code(body) == (None if allowed else "video_not_found")
        async with cast.db.read() as session:
            rows = list(
                await session.scalars(
                    select(ViewerSession.id).where(ViewerSession.video_id == video.id)
                )
            )
        assert len(rows) == (1 if allowed else 0)


def _statements(q: list[str]) -> list[str]:
    return [s for s in q if not s.lstrip().upper().startswith(("BEGIN", "COMMIT", "SAVEPOINT"))]


async def test_one_heartbeat_of_a_continuing_session_is_nine_statements(db: Database) -> None:
    owner = await make_user(db, role=Role.CREATOR)
    video = await make_video(db, owner, duration=120.0)
    await play(db, video, START, 0, when=t(0))
    await play(db, video, HEARTBEAT, 10, when=t(10))
    with recorded_queries(db) as q:
        await play(db, video, HEARTBEAT, 20, when=t(20))
    statements = _statements(q)
    # Engagement: the video, the state (locked), its update, the video's and the
    # day's counters, the raw event. Analytics: read the session, update it,
    # extend the range.
    assert len(statements) == 9, statements
    assert len([s for s in statements if "analytics_" in s]) == 3
    async with db.read() as session:
        ranges = list(await session.scalars(select(WatchedRange)))
    assert [(r.start, r.end, r.seconds) for r in ranges] == [(0, 20, 20)]
