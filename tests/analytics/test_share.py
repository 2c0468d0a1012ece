"""recordShare: who may share what, once per viewer and video per hour, and
the channel activity it writes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from cosmostream.db import Database
from cosmostream.models import ChannelActivity
from tests.engagement import conftest as engagement
from tests.engagement.conftest import ROLES, Cast, error_code
from tests.factories import gql, shift_time, stopped_clock

cast = engagement.cast  # the fixture

SHARE = "mutation($id: ID!) { recordShare(videoId: $id) }"


async def shares(db: Database, owner_id: object) -> list[tuple[int, object]]:
    async with db.read() as session:
        found = await session.scalars(
            select(ChannelActivity).where(
                ChannelActivity.owner_id == owner_id, ChannelActivity.kind == "share"
            )
        )
        return [(r.delta, r.user_id) for r in found]


# Who may share which video: anyone who may watch it.
EXPECTED = {
    "public": dict.fromkeys(ROLES, True),
    "unlisted": dict.fromkeys(ROLES, True),
    "private": {"anonymous": False, "viewer": False, "owner": True, "other": False, "admin": True},
}


@pytest.mark.parametrize("which", sorted(EXPECTED))
@pytest.mark.parametrize("who", ROLES)
async def test_authorization_matrix(cast: Cast, who: str, which: str) -> None:
    video = getattr(cast, which)
    body = await cast.gql(who, SHARE, {"id": str(video.id)})
    if EXPECTED[which][who]:
        assert body["data"] == {"recordShare": True}, body
        user = None if who == "anonymous" else cast.users[who].id
        assert await shares(cast.db, cast.owner.id) == [(1, user)]
    else:
        assert error_code(body) == "video_not_found", body
        assert await shares(cast.db, cast.owner.id) == []


async def test_a_missing_or_malformed_video_is_not_found(cast: Cast) -> None:
    for vid in ("0190e0e0-0000-7000-8000-000000000000", "nope"):
        body = await cast.gql("viewer", SHARE, {"id": vid})
        assert error_code(body) == "video_not_found", body


async def test_counted_once_per_viewer_and_video_per_hour(cast: Cast) -> None:
    vid = {"id": str(cast.public.id)}
    with stopped_clock():
        assert (await cast.gql("viewer", SHARE, vid))["data"]["recordShare"] is True
        assert (await cast.gql("viewer", SHARE, vid))["data"]["recordShare"] is False
        # Another viewer, and another video, count on their own.
        assert (await cast.gql("other", SHARE, vid))["data"]["recordShare"] is True
        unlisted = {"id": str(cast.unlisted.id)}
        assert (await cast.gql("viewer", SHARE, unlisted))["data"]["recordShare"] is True
        with shift_time(timedelta(minutes=59)):
            assert (await cast.gql("viewer", SHARE, vid))["data"]["recordShare"] is False
        with shift_time(timedelta(hours=1)):
            assert (await cast.gql("viewer", SHARE, vid))["data"]["recordShare"] is True
            assert (await cast.gql("viewer", SHARE, vid))["data"]["recordShare"] is False
    assert len(await shares(cast.db, cast.owner.id)) == 4


async def test_anonymous_viewers_are_told_apart_by_their_viewer_cookie(cast: Cast) -> None:
    vid = {"id": str(cast.public.id)}

    async def share(cookie: str) -> bool:
        response = await gql(cast.client, SHARE, vid, headers={"Cookie": f"cs_viewer={cookie}"})
        return bool(response.json()["data"]["recordShare"])

    cast.client.cookies.clear()
    assert await share("a" * 32) is True
    assert await share("a" * 32) is False
    assert await share("b" * 32) is True
    assert await shares(cast.db, cast.owner.id) == [(1, None), (1, None)]
