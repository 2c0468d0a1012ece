"""SQL of chat messages, for every kind of room."""

from __future__ import annotations

import uuid

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from cosmostream.chat.schemas import ChatRoom
from cosmostream.models import ChatMessage


class ChatRepository:
    async def get(
        self, session: AsyncSession, room: ChatRoom, message_id: uuid.UUID
    ) -> ChatMessage | None:
        """A message of a room of this kind (deleted ones included)."""
        return await session.scalar(
            select(ChatMessage)
            .where(ChatMessage.id == message_id, room.column.is_not(None))
            .execution_options(populate_existing=True)
        )

    async def history(
        self,
        session: AsyncSession,
        room: ChatRoom,
        room_id: uuid.UUID,
        *,
        limit: int,
        before: ChatMessage | None = None,
    ) -> list[ChatMessage]:
        """The newest `limit` live messages of a room before `before`, oldest first."""
        query = select(ChatMessage).where(room.column == room_id, ChatMessage.deleted_at.is_(None))
        if before is not None:
            query = query.where(
                or_(
                    ChatMessage.created_at < before.created_at,
                    and_(ChatMessage.created_at == before.created_at, ChatMessage.id < before.id),
                )
            )
        rows = list(
            await session.scalars(
                query.order_by(ChatMessage.created_at.desc(), ChatMessage.id.desc()).limit(limit)
            )
        )
        rows.reverse()
        return rows


chat_repository = ChatRepository()
