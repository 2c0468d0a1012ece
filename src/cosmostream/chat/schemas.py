"""Chat rooms, input cleaning and socket payloads of chat.

A `ChatRoom` describes one kind of room that has a chat; the domain owning
the room declares it (forum threads, watch parties) and keeps the rules of
who may read and write there. Everything else about chat is the same for
every room and lives in this package.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import InstrumentedAttribute

from cosmostream.errors import NotFound, ValidationFailed
from cosmostream.kit.text import clean_text
from cosmostream.models import ChatMessage

MAX_CHAT_LENGTH = 2_000
DEFAULT_CHAT_PAGE = 50
MAX_CHAT_PAGE = 100


@dataclass(frozen=True)
class ChatRoom:
    """One kind of room with a chat.

    `kind` is the realtime room kind (messages go to `<kind>:<id>`), `key`
    the room id's name in event payloads, `events` the prefix of the event
    names (`<events>.message`, `.deleted`, `.send`, `.delete`), `column` the
    column of `chat_messages` that holds the room's id, and `not_found` the
    error for a message that is not one of this kind of room's.
    """

    kind: str
    key: str
    events: str
    column: InstrumentedAttribute[uuid.UUID | None]
    not_found: type[NotFound]

    def room(self, room_id: uuid.UUID | str) -> str:
        return f"{self.kind}:{room_id}"

    def room_id(self, message: ChatMessage) -> uuid.UUID:
        """The id of the room `message` is in, a room of this kind."""
        found: uuid.UUID | None = getattr(message, self.column.key)
        assert found is not None, "a message of another kind of room"
        return found

    @property
    def message_event(self) -> str:
        return f"{self.events}.message"

    @property
    def deleted_event(self) -> str:
        return f"{self.events}.deleted"

    @property
    def send_event(self) -> str:
        return f"{self.events}.send"

    @property
    def delete_event(self) -> str:
        return f"{self.events}.delete"


def clean_chat_body(body: str) -> str:
    """Plain text of 1-2,000 characters; clients show it as text, never as HTML."""
    return clean_text(body, MAX_CHAT_LENGTH, "Chat messages")


def clean_chat_limit(limit: int) -> int:
    """How many messages a history page may ask for."""
    if not 1 <= limit <= MAX_CHAT_PAGE:
        raise ValidationFailed(f"Ask for 1-{MAX_CHAT_PAGE} messages.", field="limit")
    return limit


class _Payload(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SendChatMessage(_Payload):
    """`<events>.send`; a room's own payload adds the room id under its key."""

    # The service enforces the real limit with a clear message; this only
    # refuses absurd payloads before they reach it.
    body: str = Field(max_length=8_000)


class DeleteChatMessage(_Payload):
    """`<events>.delete`."""

    message_id: uuid.UUID = Field(alias="messageId")
