"""Who a viewer is, for unique viewers, without keeping who they are.

Signed-in viewers: `u:` + an HMAC of the user id with the server secret —
stable, so a viewer is one viewer over any range. Anonymous viewers: `a:` +
an HMAC of engagement's viewer key (itself a hash of a random cookie, or of
IP address and user agent) with a random salt of the UTC day. Salts are
deleted after two days (`prune`), after which nobody — us included — can tell
which hashes were the same browser: an anonymous viewer is one viewer per day.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from cosmostream.analytics.ingest_repository import ingest_repository
from cosmostream.config import get_settings
from cosmostream.kit.crypto import new_token

SALT_DAYS = 2
HASH_LENGTH = 40


def _mac(key: str, message: str) -> str:
    return hmac.new(key.encode(), message.encode(), hashlib.sha256).hexdigest()[:HASH_LENGTH]


def user_viewer(user_id: uuid.UUID) -> str:
    return "u:" + _mac(get_settings().secret_key, f"analytics-viewer\n{user_id}")


async def salt_of(session: AsyncSession, day: date) -> str:
    """The day's salt, made on first use (concurrent first uses agree on one)."""
    salt = await ingest_repository.salt(session, day)
    if salt is None:
        await ingest_repository.add_salt(session, day, new_token(32))
        salt = await ingest_repository.salt(session, day)
    assert salt is not None
    return salt


async def viewer_hash(
    session: AsyncSession, user_id: uuid.UUID | None, viewer_key: str, at: datetime
) -> str:
    """The `viewer` of a session starting at `at`."""
    if user_id is not None:
        return user_viewer(user_id)
    return "a:" + _mac(await salt_of(session, at.date()), viewer_key)


async def prune(session: AsyncSession, today: date) -> int:
    """Delete the salts of days before yesterday: their hashes become unlinkable."""
    return await ingest_repository.delete_salts_before(
        session, today - timedelta(days=SALT_DAYS - 1)
    )
