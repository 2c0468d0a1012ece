"""Channel activity: each action on a video or a channel writes one row, undo a
-1 row, and a repeated action (a second like, following twice) writes nothing."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import select

from cosmostream.account.service import account_service
from cosmostream.db import Database
from cosmostream.engagement.service import engagement_service
from cosmostream.models import ChannelActivity
from cosmostream.video.errors import VideoNotFound
from tests.engagement import conftest as engagement
from tests.engagement.conftest import Cast
from tests.factories import actor

cast = engagement.cast  # the fixture


async def rows(db: Database, owner_id: uuid.UUID) -> list[tuple[str, int, Any, Any]]:
    async with db.read() as session:
        found = await session.scalars(
            select(ChannelActivity)
            .where(ChannelActivity.owner_id == owner_id)
            .order_by(ChannelActivity.at, ChannelActivity.id)
        )
        return [(r.kind, r.delta, r.video_id, r.user_id) for r in found]


async def test_likes_and_saves_with_undo_and_repeats(cast: Cast) -> None:
    viewer, video = actor(cast.viewer), cast.public.id
    async with cast.db.unit_of_work() as s:
        await engagement_service.like(s, viewer, video)
        await engagement_service.like(s, viewer, video)  # no second like
        await engagement_service.unlike(s, viewer, video)
        await engagement_service.unlike(s, viewer, video)  # nothing left to undo
        await engagement_service.save(s, viewer, video)
        await engagement_service.save(s, viewer, video)
        await engagement_service.unsave(s, viewer, video)
    uid = cast.viewer.id
    assert await rows(cast.db, cast.owner.id) == [
        ("like", 1, video, uid),
        ("like", -1, video, uid),
        ("save", 1, video, uid),
        ("save", -1, video, uid),
    ]


async def test_comments_and_their_deletion(cast: Cast) -> None:
    viewer, video = actor(cast.viewer), cast.public.id
    async with cast.db.unit_of_work() as s:
        first = await engagement_service.add_comment(s, viewer, video, "Lovely storms")
        await engagement_service.add_comment(
            s, actor(cast.owner), video, "Thanks!", first.comment.id
        )
    # The owner deletes the viewer's comment: the row names the comment's author.
    async with cast.db.unit_of_work() as s:
        await engagement_service.delete_comment(s, actor(cast.owner), first.comment.id)
    assert await rows(cast.db, cast.owner.id) == [
        ("comment", 1, video, cast.viewer.id),
        ("comment", 1, video, cast.owner.id),
        ("comment", -1, video, cast.viewer.id),
    ]


async def test_follow_and_unfollow(cast: Cast) -> None:
    viewer = actor(cast.viewer)
    async with cast.db.unit_of_work() as s:
        await account_service.follow(s, viewer, cast.owner.id)
    async with cast.db.unit_of_work() as s:
        await account_service.follow(s, viewer, cast.owner.id)  # already following
        await account_service.unfollow(s, viewer, cast.owner.id)
        await account_service.unfollow(s, viewer, cast.owner.id)
    uid = cast.viewer.id
    assert await rows(cast.db, cast.owner.id) == [
        ("follow", 1, None, uid),
        ("follow", -1, None, uid),
    ]


async def test_an_action_that_fails_leaves_no_row(cast: Cast) -> None:
    """Rows are written in the action's unit of work: a refused like writes nothing."""
    other = actor(cast.users["other"])
    with pytest.raises(VideoNotFound):  # another's private video looks missing
        async with cast.db.unit_of_work() as s:
            await engagement_service.like(s, other, cast.private.id)
    assert await rows(cast.db, cast.owner.id) == []
