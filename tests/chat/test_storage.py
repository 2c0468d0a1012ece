"""One table for every chat room and one for every report, and the migration
that merged the per-domain tables: it moves the rows both ways."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command

from cosmostream.chat.service import chat_service
from cosmostream.db import Database
from cosmostream.engagement.service import engagement_service
from cosmostream.forum.errors import ChatMessageNotFound
from cosmostream.forum.events import THREAD_CHAT
from cosmostream.forum.service import forum_service
from cosmostream.migrate import alembic_config
from cosmostream.models import ChatMessage, ForumCategory, Report, Role, Thread, WatchParty
from cosmostream.watch_party.errors import PartyMessageNotFound
from cosmostream.watch_party.events import PARTY_CHAT
from cosmostream.watch_party.service import watch_party_service
from tests.factories import actor, make_user, make_video

# The revision before chat and reports had one table each.
BEFORE_MERGE = "4b6f1d2e3c5a"


@pytest.fixture(autouse=True)
def _cheap_hashing(cheap_password_hashing: None) -> None:
    """Only the rows matter here; see tests/conftest.py."""


@dataclass
class Rooms:
    """A thread and a party with a message each (one report of every kind is filed)."""

    thread: Thread
    party: WatchParty
    said: ChatMessage
    cheered: ChatMessage


async def rooms(db: Database) -> Rooms:
    author = await make_user(db, role=Role.CREATOR, name="Ada Author")
    reader = await make_user(db, name="Rex Reader")
    video = await make_video(db, author)
    async with db.unit_of_work() as session:
        category = ForumCategory(slug="general", name="General", description="", position=1)
        session.add(category)
        await session.flush()
        thread = await forum_service.create_thread(
            session, actor(author), category.id, "Clear skies", "Anyone out tonight?"
        )
        post = (await forum_service.posts(session, thread.id)).items[0]
        said = await forum_service.post_chat_message(session, actor(author), thread.id, "Hi")
        party = await watch_party_service.start(session, actor(author), video.id)
        cheered = await watch_party_service.post_message(session, actor(author), party.id, "Go")
        comment = (
            await engagement_service.add_comment(session, actor(author), video.id, "Nice")
        ).comment
    async with db.unit_of_work() as session:
        await forum_service.report_post(session, actor(reader), post.id, "spam")
        await forum_service.report_chat_message(session, actor(reader), said.id, "rude")
        await engagement_service.report_comment(session, actor(reader), comment.id, "")
    return Rooms(thread=thread, party=party, said=said, cheered=cheered)


async def rows(db: Database, table: str) -> list[tuple[Any, ...]]:
    """Every row of `table` as stored, by id."""
    async with db.read() as session:
        found = await session.execute(
            sa.select(sa.literal_column("*")).select_from(sa.table(table)).order_by(sa.text("id"))
        )
        return [tuple(r) for r in found]


async def rooms_of(db: Database, table: str, room: str) -> list[tuple[Any, ...]]:
    """(room id, body) of each message in one of the chat tables before the merge."""
    async with db.read() as session:
        found = await session.execute(
            sa.select(sa.column(room, sa.Uuid()), sa.column("body")).select_from(sa.table(table))
        )
        return [tuple(r) for r in found]


async def migrate(db: Database, direction: str, revision: str) -> None:
    # Alembic runs its own event loop: in a thread, with our connections closed.
    await db.write_engine.dispose()
    await db.read_engine.dispose()
    step = command.downgrade if direction == "down" else command.upgrade
    await asyncio.to_thread(step, alembic_config(db.url), revision)


async def test_a_message_belongs_to_its_kind_of_room_only(db: Database) -> None:
    made = await rooms(db)
    async with db.read() as session:
        assert (await chat_service.message(session, THREAD_CHAT, made.said.id)).id == made.said.id
        with pytest.raises(ChatMessageNotFound):
            await chat_service.message(session, THREAD_CHAT, made.cheered.id)
        with pytest.raises(PartyMessageNotFound):
            await chat_service.message(session, PARTY_CHAT, made.said.id)
        # A history page cannot start from another room's message either.
        with pytest.raises(PartyMessageNotFound):
            await chat_service.history(session, PARTY_CHAT, made.party.id, before=made.said.id)
        [said] = await chat_service.history(session, THREAD_CHAT, made.thread.id)
        [cheered] = await chat_service.history(session, PARTY_CHAT, made.party.id)
    assert (said.thread_id, said.party_id) == (made.thread.id, None)
    assert (cheered.thread_id, cheered.party_id) == (None, made.party.id)


async def test_the_merge_migration_moves_rows_both_ways(db: Database) -> None:
    made = await rooms(db)
    messages = await rows(db, "chat_messages")
    reports = await rows(db, "reports")
    assert len(messages) == 2 and len(reports) == 3

    await migrate(db, "down", BEFORE_MERGE)
    try:
        assert await rooms_of(db, "forum_chat_messages", "thread_id") == [(made.thread.id, "Hi")]
        assert await rooms_of(db, "watch_party_messages", "party_id") == [(made.party.id, "Go")]
        assert len(await rows(db, "forum_reports")) == 2
        assert len(await rows(db, "comment_reports")) == 1
    finally:
        await migrate(db, "up", "head")

    # Back again, nothing lost or changed: same ids, same rows.
    assert await rows(db, "chat_messages") == messages
    assert await rows(db, "reports") == reports
    async with db.read() as session:
        assert await session.scalar(sa.select(sa.func.count()).select_from(ChatMessage)) == 2
        assert await session.scalar(sa.select(sa.func.count()).select_from(Report)) == 3
