"""The socket handlers of chat, which each room's transport registers.

`<events>.send` and `<events>.delete` parse, call the room's own service
function (which authorizes, then stores through `chat_service`) and
acknowledge; the broadcast comes from the service after commit. A room's
socket module registers them under its `ChatRoom`'s event names:

    rt.on(THREAD_CHAT.send_event, SendChat, send_handler(THREAD_CHAT, post))
    rt.on(THREAD_CHAT.delete_event, DeleteChatMessage, delete_handler(delete))
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from cosmostream.account.schemas import Actor
from cosmostream.chat import events
from cosmostream.chat.schemas import ChatRoom, DeleteChatMessage, SendChatMessage
from cosmostream.models import ChatMessage
from cosmostream.realtime import EventHandler, SocketEvent

S = TypeVar("S", bound=SendChatMessage)


def send_handler(
    room: ChatRoom, post: Callable[[AsyncSession, Actor | None, S], Awaitable[ChatMessage]]
) -> EventHandler[S]:
    """`<events>.send`: post the message; the acknowledgement carries it."""

    async def send_chat(
        session: AsyncSession, actor: Actor | None, event: SocketEvent[S]
    ) -> dict[str, Any]:
        message = await post(session, actor, event.payload)
        assert actor is not None  # the room refuses anonymous writers
        return {"message": events.message_payload(room, message, actor.user)}

    return send_chat


def delete_handler(
    delete: Callable[[AsyncSession, Actor | None, uuid.UUID], Awaitable[ChatMessage]],
) -> EventHandler[DeleteChatMessage]:
    """`<events>.delete`: delete the message; the acknowledgement carries its id."""

    async def delete_chat(
        session: AsyncSession, actor: Actor | None, event: SocketEvent[DeleteChatMessage]
    ) -> dict[str, Any]:
        message = await delete(session, actor, event.payload.message_id)
        return {"id": str(message.id)}

    return delete_chat
