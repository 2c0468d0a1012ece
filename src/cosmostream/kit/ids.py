"""Identifiers: time-ordered UUIDs (version 7) so new rows land at the end of indexes."""

from __future__ import annotations

import os
import time
import uuid


def uuid7() -> uuid.UUID:
    ms = time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10), "big")
    value = (ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76
    value |= ((rand >> 64) & 0xFFF) << 64
    value |= 0b10 << 62
    value |= rand & ((1 << 62) - 1)
    return uuid.UUID(int=value)


def parse_uuid(value: str | uuid.UUID) -> uuid.UUID | None:
    """Parse an id from untrusted input; None when it is not a UUID."""
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except (ValueError, AttributeError):
        return None


def require_uuid(value: str | uuid.UUID | None, error: type[Exception]) -> uuid.UUID:
    """Parse an id from untrusted input, raising `error()` (a not-found) when it is not one."""
    parsed = parse_uuid(value) if value is not None else None
    if parsed is None:
        raise error()
    return parsed
