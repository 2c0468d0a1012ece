"""The viewer's library over GraphQL: history, saved, following; their mutations and query counts."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from cosmostream.account.service import account_service
from cosmostream.engagement.schemas import PlaybackEventKind
from cosmostream.engagement.service import engagement_service
from cosmostream.models import Role, WatchHistory
from cosmostream.video.schemas import VideoUpdate
from cosmostream.video.service import video_service
from tests.engagement.conftest import ROLES, Cast, error_code
from tests.factories import actor, make_user, make_video, recorded_queries, selects, shift_time

HISTORY = """
query($first: Int!, $after: String) {
  me { history(first: $first, after: $after) {
    pageInfo { hasNextPage endCursor }
    edges { cursor node { position watchedSeconds completed progress watchedAt
      video { id title owner { displayName } tags category { slug } viewerHasLiked viewerPosition } } }
  } }
}"""
SAVED = """
query($first: Int!, $after: String) {
  me { saved(first: $first, after: $after) {
    pageInfo { hasNextPage endCursor }
    nodes { id title owner { displayName } viewerHasSaved viewerHasLiked }
  } }
}"""
FOLLOWING = """
query($first: Int!, $after: String) {
  me { following(first: $first, after: $after) {
    pageInfo { hasNextPage endCursor }
    edges { followedAt node { id displayName followerCount }
      latestVideo { id title owner { displayName } } }
  } }
}"""
REMOVE = "mutation($id: ID!) { removeFromHistory(videoId: $id) }"
CLEAR = "mutation { clearHistory }"
PAUSE = "mutation($p: Boolean!) { setHistoryPaused(paused: $p) { historyPaused } }"


async def watched(cast: Cast, who: Any, video: Any, position: float = 30.0) -> None:
    async with cast.db.unit_of_work() as session:
        await engagement_service.record_playback(
            session, actor(who), f"u:{who.id}", video.id, position, PlaybackEventKind.PAUSE
        )


async def history_rows(cast: Cast) -> set[tuple[Any, Any]]:
    async with cast.db.read() as session:
        rows = await session.execute(select(WatchHistory.user_id, WatchHistory.video_id))
        return {(u, v) for u, v in rows}


@pytest.mark.parametrize("who", ROLES)
async def test_history_mutations_touch_only_ones_own_history(cast: Cast, who: str) -> None:
    for user in cast.users.values():
        await watched(cast, user, cast.public)
        await watched(cast, user, cast.unlisted)
    everything = await history_rows(cast)
    assert len(everything) == 8

    removed = await cast.gql(who, REMOVE, {"id": str(cast.public.id)})
    if who == "anonymous":
        assert error_code(removed) == "not_authenticated"
        assert error_code(await cast.gql(who, CLEAR)) == "not_authenticated"
        assert error_code(await cast.gql(who, PAUSE, {"p": True})) == "not_authenticated"
        assert await history_rows(cast) == everything
        return
    me = cast.users[who].id
    assert removed["data"]["removeFromHistory"] is True
    assert await history_rows(cast) == everything - {(me, cast.public.id)}
    assert (await cast.gql(who, CLEAR))["data"]["clearHistory"] is True
    assert await history_rows(cast) == {(u, v) for u, v in everything if u != me}
    paused = await cast.gql(who, PAUSE, {"p": True})
    assert paused["data"]["setHistoryPaused"] == {"historyPaused": True}
    others = await cast.gql("viewer" if who != "viewer" else "other", "{ me { historyPaused } }")
    assert others["data"]["me"]["historyPaused"] is False


async def test_history_newest_first_with_progress_and_stable_pages(cast: Cast) -> None:
    videos = [
        await make_video(cast.db, cast.owner, title=f"Orbit {i}", duration=100.0) for i in range(4)
    ]
    for i, video in enumerate(videos):
        with shift_time(timedelta(seconds=i)):
            await watched(cast, cast.viewer, video, position=10.0 * (i + 1))
    page1 = (await cast.gql("viewer", HISTORY, {"first": 2}))["data"]["me"]["history"]
    titles = [e["node"]["video"]["title"] for e in page1["edges"]]
    assert titles == ["Orbit 3", "Orbit 2"]
    first = page1["edges"][0]["node"]
    assert first["position"] == 40.0 and first["progress"] == 0.4 and not first["completed"]
    assert first["video"]["viewerPosition"] == 40.0
    assert first["video"]["owner"]["displayName"] == "Vera Nebula"

    # Watching something else meanwhile does not shift the next page.
    with shift_time(timedelta(seconds=10)):
        await watched(cast, cast.viewer, cast.public)
    page2 = await cast.gql("viewer", HISTORY, {"first": 2, "after": page1["pageInfo"]["endCursor"]})
    page2 = page2["data"]["me"]["history"]
    assert [e["node"]["video"]["title"] for e in page2["edges"]] == ["Orbit 1", "Orbit 0"]
    assert page2["pageInfo"]["hasNextPage"] is False
    bad = await cast.gql("viewer", HISTORY, {"first": 2, "after": "garbage"})
    assert error_code(bad) == "bad_cursor"
    assert error_code(await cast.gql("viewer", HISTORY, {"first": 0})) == "validation_failed"


async def test_lists_hide_videos_the_viewer_can_no_longer_see(cast: Cast) -> None:
    me = actor(cast.viewer)
    async with cast.db.unit_of_work() as session:
        await engagement_service.save(session, me, cast.public.id)
        await engagement_service.save(session, me, cast.unlisted.id)
    await watched(cast, cast.viewer, cast.public)
    async with cast.db.unit_of_work() as session:
        await video_service.update(
            session, actor(cast.owner), cast.public.id, VideoUpdate(visibility="private")
        )
    saved = (await cast.gql("viewer", SAVED, {"first": 10}))["data"]["me"]["saved"]["nodes"]
    # Unlisted stays: anyone with the link may watch it.
    assert [n["title"] for n in saved] == ["Unlisted comet"]
    history = (await cast.gql("viewer", HISTORY, {"first": 10}))["data"]["me"]["history"]
    assert history["edges"] == []


async def test_following_lists_creators_with_their_latest_public_video(cast: Cast) -> None:
    me = actor(cast.viewer)
    quiet = await make_user(cast.db, role=Role.CREATOR, name="Quiet Creator")
    async with cast.db.unit_of_work() as session:
        await account_service.follow(session, me, quiet.id)
    with shift_time(timedelta(seconds=5)):
        async with cast.db.unit_of_work() as session:
            await account_service.follow(session, me, cast.owner.id)
    latest = await make_video(cast.db, cast.owner, title="Newest public")
    body = await cast.gql("viewer", FOLLOWING, {"first": 10})
    edges = body["data"]["me"]["following"]["edges"]
    assert [e["node"]["displayName"] for e in edges] == ["Vera Nebula", "Quiet Creator"]
    assert edges[0]["node"]["followerCount"] == 1
    assert edges[0]["latestVideo"]["id"] == str(latest.id)
    assert edges[1]["latestVideo"] is None


async def _fill_library(cast: Cast, n: int) -> None:
    """`n` creators the viewer follows, each with a video the viewer watched, saved and liked."""
    me = actor(cast.viewer)
    for i in range(n):
        creator = await make_user(cast.db, role=Role.CREATOR, name=f"Creator {i}")
        video = await make_video(
            cast.db, creator, title=f"Video {i}", tags=["moon", f"t{i}"], duration=50.0
        )
        async with cast.db.unit_of_work() as session:
            await account_service.follow(session, me, creator.id)
            await engagement_service.save(session, me, video.id)
            await engagement_service.like(session, me, video.id)
        await watched(cast, cast.viewer, video, 20.0)


@pytest.mark.parametrize("query", ["history", "saved", "following"])
async def test_library_lists_use_a_constant_number_of_queries(cast: Cast, query: str) -> None:
    await _fill_library(cast, 20)
    text = {"history": HISTORY, "saved": SAVED, "following": FOLLOWING}[query]
    counted = {}
    for first in (2, 20):
        with recorded_queries(cast.db) as statements:
            body = await cast.gql("viewer", text, {"first": first})
        data = body["data"]["me"][query]
        assert len(data.get("edges") or data.get("nodes")) == first, body
        counted[first] = len(selects(statements))
    assert counted[2] == counted[20], counted
    assert counted[20] <= 10, counted
