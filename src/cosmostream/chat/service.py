"""Chat rules shared by every room.

- The room's domain decides who may read and write (a thread's readers, a
  party's members) and calls in here once it has; chat knows no room rules.
- A message is stored (and committed) before it is broadcast, so what a
  member sees live is always in the history.
- Authors delete their own messages; so does whoever the room lets moderate
  it. A deleted message leaves the history and the rooms are told.
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from cosmostream.account.people import people
from cosmostream.chat import events
from cosmostream.chat.repository import chat_repository
from cosmostream.chat.schemas import DEFAULT_CHAT_PAGE, ChatRoom
from cosmostream.errors import PermissionDenied
from cosmostream.kit.time import utcnow
from cosmostream.models import ChatMessage, User


class ChatService:
    async def post(
        self, session: AsyncSession, room: ChatRoom, room_id: uuid.UUID, author: User, text: str
    ) -> ChatMessage:
        """Store a message in a room and broadcast it after commit.

        `text` has been through `clean_chat_body`: rooms clean their input
        before they check access, as every other write does.
        """
        message = ChatMessage(
            **{room.column.key: room_id}, author_id=author.id, body=text, created_at=utcnow()
        )
        session.add(message)
        await session.flush()
        events.posted(room, message, author)
        return message

    async def message(
        self, session: AsyncSession, room: ChatRoom, message_id: uuid.UUID
    ) -> ChatMessage:
        """A live message of a room of this kind, or the room's not-found error."""
        message = await chat_repository.get(session, room, message_id)
        if message is None or message.deleted_at is not None:
            raise room.not_found()
        return message

    async def delete(
        self,
        session: AsyncSession,
        room: ChatRoom,
        message: ChatMessage,
        user_id: uuid.UUID,
        *,
        moderator: bool,
    ) -> ChatMessage:
        """Remove a message for `user_id`: its author, or a moderator of the room."""
        if message.author_id != user_id and not moderator:
            raise PermissionDenied("You can only delete your own messages.")
        message.deleted_at = utcnow()
        await session.flush()
        events.deleted(room, message)
        return message

    async def history(
        self,
        session: AsyncSession,
        room: ChatRoom,
        room_id: uuid.UUID,
        *,
        before: uuid.UUID | None = None,
        limit: int = DEFAULT_CHAT_PAGE,
    ) -> list[ChatMessage]:
        """The newest `limit` live messages of a room (before the message `before`),
        oldest first. `limit` has been through `clean_chat_limit`.

        The anchor is a message id rather than a page cursor: it is what the
        clients hold (the oldest message shown) and what the APIs take.
        """
        anchor: ChatMessage | None = None
        if before is not None:
            anchor = await chat_repository.get(session, room, before)
            if anchor is None or room.room_id(anchor) != room_id:
                raise room.not_found()
        return await chat_repository.history(session, room, room_id, limit=limit, before=anchor)

    async def payloads(
        self, session: AsyncSession, room: ChatRoom, messages: list[ChatMessage]
    ) -> list[dict[str, object]]:
        """`messages` as events carry them, their authors loaded in one query."""
        authors = await people(session, (m.author_id for m in messages))
        return [events.message_payload(room, m, authors.get(m.author_id)) for m in messages]


chat_service = ChatService()
