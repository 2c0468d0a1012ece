"""Realtime events of chat, sent to the room after commit.

Every room kind sends the same shapes under its own names: `<events>.message`
with the message, `<events>.deleted` with its id, the room id under the
room's key (`threadId`, `partyId`).
"""

from __future__ import annotations

from typing import Any

from cosmostream import effects
from cosmostream.account.people import person
from cosmostream.chat.schemas import ChatRoom
from cosmostream.models import ChatMessage, User


def message_payload(room: ChatRoom, message: ChatMessage, author: User | None) -> dict[str, Any]:
    return {
        "id": str(message.id),
        room.key: str(room.room_id(message)),
        "body": message.body,
        "author": person(author) if author else None,
        "createdAt": message.created_at.isoformat(),
    }


def posted(room: ChatRoom, message: ChatMessage, author: User) -> None:
    effects.publish(
        room.room(room.room_id(message)), room.message_event, message_payload(room, message, author)
    )


def deleted(room: ChatRoom, message: ChatMessage) -> None:
    room_id = str(room.room_id(message))
    effects.publish(
        room.room(room_id), room.deleted_event, {room.key: room_id, "id": str(message.id)}
    )
