"""`can_view` (Python) and `viewable_clause` (SQL) are one rule: they agree on every video."""

from __future__ import annotations

import itertools

from sqlalchemy import select

from cosmostream.db import Database
from cosmostream.models import Role, Video, VideoStatus, Visibility
from cosmostream.video.policy import can_view, viewable_clause
from tests.factories import actor, make_user


async def test_python_and_sql_agree_for_every_reader_and_state(db: Database) -> None:
    owner = await make_user(db, role=Role.CREATOR)
    other = await make_user(db)
    admin = await make_user(db, role=Role.ADMIN)
    async with db.unit_of_work() as session:
        # Every combination, including ones the status machine never makes
        # (READY but not playable): the two forms must agree on all of them.
        for visibility, status, playable in itertools.product(
            Visibility, VideoStatus, (False, True)
        ):
            session.add(
                Video(
                    owner_id=owner.id,
                    title=f"{visibility} {status} {playable}",
                    visibility=visibility,
                    status=status,
                    playable=playable,
                )
            )
    async with db.read() as session:
        videos = list(await session.scalars(select(Video).where(Video.owner_id == owner.id)))
        assert len(videos) == len(Visibility) * len(VideoStatus) * 2
        for reader in (None, actor(owner), actor(other), actor(admin)):
            in_sql = set(
                await session.scalars(
                    select(Video.id).where(Video.owner_id == owner.id, viewable_clause(reader))
                )
            )
            in_python = {v.id for v in videos if can_view(reader, v)}
            assert in_sql == in_python
        # The rule itself: strangers see public and unlisted videos that can be played.
        seen = {v.title for v in videos if can_view(actor(other), v)}
        assert seen == {
            f"{visibility} {status} True"
            for visibility in (Visibility.PUBLIC, Visibility.UNLISTED)
            for status in (VideoStatus.PROCESSING, VideoStatus.READY)
        }
