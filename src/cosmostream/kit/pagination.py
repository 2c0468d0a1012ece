"""Opaque keyset cursors: the sort key and id of the last row a client saw.

A cursor is base64url (no padding) of a compact JSON array `[sort, key, id]`.
The sort name is inside so a cursor from one ordering cannot be replayed
against another one and silently skip rows.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from cosmostream.errors import ValidationFailed

CursorKey = int | float | str | datetime | None
T = TypeVar("T")

# Cursors are small; anything longer is not one of ours.
MAX_CURSOR_LENGTH = 512


class BadCursor(ValidationFailed):
    code = "bad_cursor"
    message = "That page cursor is not valid. Start again from the first page."


def _encode_key(key: CursorKey) -> Any:
    if isinstance(key, datetime):
        return {"t": key.isoformat()}
    return key


def _decode_key(raw: Any) -> CursorKey:
    if isinstance(raw, dict) and set(raw) == {"t"} and isinstance(raw["t"], str):
        try:
            return datetime.fromisoformat(raw["t"])
        except ValueError:
            raise BadCursor(field="after") from None
    if raw is None or (isinstance(raw, int | float | str) and not isinstance(raw, bool)):
        return raw
    raise BadCursor(field="after")


def encode_cursor(sort: str, key: CursorKey, row_id: uuid.UUID) -> str:
    payload = json.dumps([sort, _encode_key(key), str(row_id)], separators=(",", ":"))
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, sort: str) -> tuple[CursorKey, uuid.UUID]:
    """The (key, id) of a cursor made for `sort`; `BadCursor` (422) otherwise."""
    if not cursor or len(cursor) > MAX_CURSOR_LENGTH:
        raise BadCursor(field="after")
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise BadCursor(field="after") from None
    if not isinstance(data, list) or len(data) != 3 or not isinstance(data[2], str):
        raise BadCursor(field="after")
    if data[0] != sort:
        raise BadCursor("That page cursor belongs to another sort order.", field="after")
    try:
        row_id = uuid.UUID(data[2])
    except ValueError:
        raise BadCursor(field="after") from None
    return _decode_key(data[1]), row_id


def page_size(first: int, maximum: int) -> int:
    """How many items to return for `first`: at least one is asked for, at most `maximum` given."""
    if first < 1:
        raise ValidationFailed("Ask for at least one item.", field="first")
    return min(first, maximum)


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a keyset-paginated list, with a cursor per item."""

    items: list[T]
    cursors: list[str]
    has_next: bool

    @property
    def end_cursor(self) -> str | None:
        return self.cursors[-1] if self.cursors else None
