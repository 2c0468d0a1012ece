"""How a user appears in realtime payloads: the same small shape in every room."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from cosmostream.account.repository import user_repository
from cosmostream.account.service import avatar_url
from cosmostream.models import User


def person(user: User) -> dict[str, Any]:
    return {"id": str(user.id), "name": user.display_name, "avatarUrl": avatar_url(user)}


async def people(session: AsyncSession, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, User]:
    """Users by id, in one query."""
    wanted: Sequence[uuid.UUID] = list(dict.fromkeys(ids))
    if not wanted:
        return {}
    return {user.id: user for user in await user_repository.get_many(session, wanted)}
