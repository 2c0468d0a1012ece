"""Opaque keyset cursors: the sort key and id of the last row a client saw.

A cursor is base64url (no padding) of a compact JSON array `[sort, key, id]`.
The sort name is inside so a cursor from one ordering cannot be replayed
against another one and silently skip rows.

Only a cursor exactly as `encode_cursor` writes it is accepted: decoding
re-encodes what it read and compares. Keys are values a column can hold
(finite numbers, 64-bit integers, UTC times), so a hand-made cursor is a
`BadCursor` (422) and never reaches the database.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar

from cosmostream.errors import ValidationFailed

CursorKey = int | float | str | datetime | None
T = TypeVar("T")
K = TypeVar("K", datetime, int, float, str)

# Cursors are small; anything longer is not one of ours.
MAX_CURSOR_LENGTH = 512
# Integers beyond these bind on no backend (SQLite INTEGER, PostgreSQL BIGINT).
_INT64 = 2**63
# A float column's key made from an int is exact up to here.
_EXACT_FLOAT_INT = 2**53


class BadCursor(ValidationFailed):
    code = "bad_cursor"
    message = "That page cursor is not valid. Start again from the first page."


def _encode_key(key: CursorKey) -> Any:
    if isinstance(key, datetime):
        return {"t": key.isoformat()}
    return key


def utc_from_cursor(text: str) -> datetime:
    """A time as cursors write it (`isoformat()` of a UTC datetime); `BadCursor` otherwise."""
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        raise BadCursor(field="after") from None
    # A naive or shifted time would compare wrongly (or fail to bind); the
    # exact text keeps `Z`, bare dates and padded fractions out.
    if at.utcoffset() != timedelta(0) or at.isoformat() != text:
        raise BadCursor(field="after")
    return at


def _decode_key(raw: Any) -> CursorKey:
    if isinstance(raw, dict) and set(raw) == {"t"} and isinstance(raw["t"], str):
        return utc_from_cursor(raw["t"])
    if isinstance(raw, bool):
        raise BadCursor(field="after")
    if isinstance(raw, int) and not -_INT64 <= raw < _INT64:
        raise BadCursor(field="after")
    # json.loads reads NaN, Infinity and 1e999 (as inf); no column sorts on them.
    if isinstance(raw, float) and not math.isfinite(raw):
        raise BadCursor(field="after")
    if raw is None or isinstance(raw, int | float | str):
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
    key = _decode_key(data[1])
    # Other spacing, padding, stray characters, an upper-case id…: not ours.
    if encode_cursor(sort, key, row_id) != cursor:
        raise BadCursor(field="after")
    return key, row_id


def decode_after(
    after: str | None, sort: str, key_type: type[K], *, int_bits: int = 64
) -> tuple[K, uuid.UUID] | None:
    """The position of the cursor `after` in a list sorted on a `key_type`
    column: None (the first page) only when no cursor was given, so `""` is a
    `BadCursor` like any other cursor that is not ours. `int_bits=32` is for
    INTEGER columns, which PostgreSQL cannot compare with a larger parameter.
    """
    if after is None:
        return None
    key, row_id = decode_cursor(after, sort)
    if key_type is float and isinstance(key, int) and abs(key) <= _EXACT_FLOAT_INT:
        # A float column's value still held as an int when the cursor was made.
        return float(key), row_id
    if not isinstance(key, key_type):  # never a bool: `_decode_key` refuses those
        raise BadCursor(field="after")
    if isinstance(key, int) and not -(2 ** (int_bits - 1)) <= key < 2 ** (int_bits - 1):
        raise BadCursor(field="after")
    return key, row_id


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
