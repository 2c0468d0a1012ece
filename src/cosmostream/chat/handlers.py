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
from typing import Any, Protocol, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from cosmostream.chat import events
from cosmostream.chat.schemas import ChatRoom, SendChatMessage
from cosmostream.models import ChatMessage, User


class Speaker(Protocol):
    """The signed-in actor of a socket event, as far as chat reads it."""

    @property
    def user(self) -> User: ...


# The actor type of the realtime layer, passed through to the room's service.
A = TypeVar("A", bound=Speaker | None)
S = TypeVar("S", bound=SendChatMessage)
Handler = Callable[[AsyncSession, A, Any], Awaitable[dict[str, Any]]]


def send_handler(
    room: ChatRoom, post: Callable[[AsyncSession, A, S], Awaitable[ChatMessage]]
) -> Handler[A]:
    """`<events>.send`: post the message; the acknowledgement carries it."""

    async def send_chat(session: AsyncSession, actor: A, args: Any) -> dict[str, Any]:
        _, payload = args
        message = await post(session, actor, payload)
        assert actor is not None  # the room refuses anonymous writers
        return {"message": events.message_payload(room, message, actor.user)}

    return send_chat


def delete_handler(
    delete: Callable[[AsyncSession, A, uuid.UUID], Awaitable[ChatMessage]],
) -> Handler[A]:
    """`<events>.delete`: delete the message; the acknowledgement carries its id."""

    async def delete_chat(session: AsyncSession, actor: A, args: Any) -> dict[str, Any]:
        _, payload = args
        message = await delete(session, actor, payload.message_id)
        return {"id": str(message.id)}

    return delete_chat
