"""SQL of watch parties."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cosmostream.models import WatchParty, WatchPartyMember


class WatchPartyRepository:
    async def get(
        self, session: AsyncSession, party_id: uuid.UUID, *, for_update: bool = False
    ) -> WatchParty | None:
        query = select(WatchParty).where(WatchParty.id == party_id)
        if for_update:
            query = query.with_for_update()
        return await session.scalar(query.execution_options(populate_existing=True))

    async def member(
        self, session: AsyncSession, party_id: uuid.UUID, user_id: uuid.UUID
    ) -> WatchPartyMember | None:
        return await session.get(WatchPartyMember, (party_id, user_id), populate_existing=True)

    async def members(self, session: AsyncSession, party_id: uuid.UUID) -> list[WatchPartyMember]:
        """Members not removed, in order of joining."""
        return list(
            await session.scalars(
                select(WatchPartyMember)
                .where(WatchPartyMember.party_id == party_id, WatchPartyMember.removed_at.is_(None))
                .order_by(WatchPartyMember.joined_at, WatchPartyMember.user_id)
            )
        )


party_repository = WatchPartyRepository()
