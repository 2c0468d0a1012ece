"""Likes and saves: who may, idempotency, exact counters, the viewer's state per video."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from cosmostream.db import Database
from cosmostream.kit.time import utcnow
from cosmostream.models import SavedVideo, Video, VideoDailyStats, VideoLike
from tests.engagement.conftest import ROLES, Cast, error_code

LIKE = "mutation($id: ID!) { likeVideo(videoId: $id) { id likeCount viewerHasLiked } }"
UNLIKE = "mutation($id: ID!) { unlikeVideo(videoId: $id) { id likeCount viewerHasLiked } }"
SAVE = "mutation($id: ID!) { saveVideo(videoId: $id) { id viewerHasSaved } }"
UNSAVE = "mutation($id: ID!) { unsaveVideo(videoId: $id) { id viewerHasSaved } }"
STATE = (
    "query($id: ID!) { video(id: $id) { likeCount viewerHasLiked viewerHasSaved viewerPosition } }"
)

MUTATIONS = {
    "likeVideo": LIKE,
    "unlikeVideo": UNLIKE,
    "saveVideo": SAVE,
    "unsaveVideo": UNSAVE,
}


async def like_count(db: Database, video_id: object) -> int:
    async with db.read() as session:
        video = await session.get(Video, video_id)
        assert video is not None
        return video.like_count


async def daily_likes(db: Database, video_id: object) -> int:
    async with db.read() as session:
        row = await session.get(VideoDailyStats, (video_id, utcnow().date()))
        return row.likes if row else 0


@pytest.mark.parametrize("mutation", list(MUTATIONS))
@pytest.mark.parametrize("who", ROLES)
async def test_public_video_authorization(cast: Cast, mutation: str, who: str) -> None:
    body = await cast.gql(who, MUTATIONS[mutation], {"id": str(cast.public.id)})
    if who == "anonymous":
        assert error_code(body) == "not_authenticated"
        assert body["data"] is None
    else:
        assert error_code(body) is None, body
        assert body["data"][mutation]["id"] == str(cast.public.id)


@pytest.mark.parametrize("mutation", list(MUTATIONS))
@pytest.mark.parametrize("who", ROLES)
async def test_private_video_is_not_found_for_others(cast: Cast, mutation: str, who: str) -> None:
    body = await cast.gql(who, MUTATIONS[mutation], {"id": str(cast.private.id)})
    expected = {
        "anonymous": "not_authenticated",
        "viewer": "video_not_found",
        "other": "video_not_found",
        "owner": None,
        "admin": None,
    }[who]
    assert error_code(body) == expected, body
    async with cast.db.read() as session:
        likes = list(await session.scalars(select(VideoLike.user_id)))
        saves = list(await session.scalars(select(SavedVideo.user_id)))
    mine = {cast.users[who].id} if who in ("owner", "admin") else set()
    if mutation == "likeVideo":
        assert set(likes) == mine
    elif mutation == "saveVideo":
        assert set(saves) == mine


async def test_unknown_or_malformed_video_is_not_found(cast: Cast) -> None:
    for ident in ("not-a-uuid", "0193a5c2-0000-7000-8000-000000000000"):
        body = await cast.gql("viewer", LIKE, {"id": ident})
        assert error_code(body) == "video_not_found"


async def test_unlisted_video_can_be_liked_by_anyone_with_the_link(cast: Cast) -> None:
    body = await cast.gql("viewer", LIKE, {"id": str(cast.unlisted.id)})
    assert body["data"]["likeVideo"]["likeCount"] == 1


async def test_liking_is_idempotent_and_counts_are_exact(cast: Cast) -> None:
    vid = {"id": str(cast.public.id)}
    first = await cast.gql("viewer", LIKE, vid)
    again = await cast.gql("viewer", LIKE, vid)
    assert first["data"]["likeVideo"] == {"id": vid["id"], "likeCount": 1, "viewerHasLiked": True}
    assert again["data"]["likeVideo"]["likeCount"] == 1
    await cast.gql("other", LIKE, vid)
    assert await like_count(cast.db, cast.public.id) == 2
    assert await daily_likes(cast.db, cast.public.id) == 2

    gone = await cast.gql("viewer", UNLIKE, vid)
    assert gone["data"]["unlikeVideo"] == {"id": vid["id"], "likeCount": 1, "viewerHasLiked": False}
    again = await cast.gql("viewer", UNLIKE, vid)
    assert again["data"]["unlikeVideo"]["likeCount"] == 1
    assert await like_count(cast.db, cast.public.id) == 1
    assert await daily_likes(cast.db, cast.public.id) == 1


async def test_concurrent_likes_count_once_per_user(cast: Cast) -> None:
    vid = {"id": str(cast.public.id)}
    await asyncio.gather(*(cast.gql("viewer", LIKE, vid) for _ in range(4)))
    await asyncio.gather(*(cast.gql(who, LIKE, vid) for who in ("owner", "other", "admin")))
    assert await like_count(cast.db, cast.public.id) == 4
    async with cast.db.read() as session:
        assert len(list(await session.scalars(select(VideoLike.user_id)))) == 4
    assert await daily_likes(cast.db, cast.public.id) == 4


async def test_saving_is_idempotent(cast: Cast) -> None:
    vid = {"id": str(cast.public.id)}
    for _ in range(2):
        body = await cast.gql("viewer", SAVE, vid)
        assert body["data"]["saveVideo"]["viewerHasSaved"] is True
    async with cast.db.read() as session:
        assert len(list(await session.scalars(select(SavedVideo.video_id)))) == 1
    for _ in range(2):
        body = await cast.gql("viewer", UNSAVE, vid)
        assert body["data"]["unsaveVideo"]["viewerHasSaved"] is False
    async with cast.db.read() as session:
        assert list(await session.scalars(select(SavedVideo.video_id))) == []


async def test_viewer_state_is_per_viewer(cast: Cast) -> None:
    vid = {"id": str(cast.public.id)}
    await cast.gql("viewer", LIKE, vid)
    await cast.gql("viewer", SAVE, vid)
    mine = await cast.gql("viewer", STATE, vid)
    assert mine["data"]["video"] == {
        "likeCount": 1,
        "viewerHasLiked": True,
        "viewerHasSaved": True,
        "viewerPosition": None,
    }
    for who in ("anonymous", "other"):
        theirs = await cast.gql(who, STATE, vid)
        assert theirs["data"]["video"]["viewerHasLiked"] is False
        assert theirs["data"]["video"]["viewerHasSaved"] is False
