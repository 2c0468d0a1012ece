"""The domain's rules and authorization; never commits, never imports a transport.

Side effects (a task, a realtime event, an e-mail) go through `cosmostream.effects`
and leave after the commit; tasks are enqueued by their registered name.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from cosmostream import effects
from cosmostream._skeleton.errors import BadSkeletonTopic
from cosmostream._skeleton.repository import skeleton_repository
from cosmostream._skeleton.schemas import SkeletonSummary
from cosmostream.account.schemas import Actor
from cosmostream.errors import NotAuthenticated


class SkeletonService:
    async def summary(self, session: AsyncSession, topic: str) -> SkeletonSummary:
        """A summary anyone may read."""
        topic = topic.strip()
        if not 0 < len(topic) <= 80:
            raise BadSkeletonTopic()
        count = await skeleton_repository.category_count(session)
        return SkeletonSummary(topic=topic, category_count=count)

    async def request_refresh(self, session: AsyncSession, actor: Actor | None) -> None:
        """Ask the worker to refresh, once this unit of work commits (signed-in users)."""
        if actor is None:
            raise NotAuthenticated()
        effects.enqueue("skeleton.refresh", str(actor.id))


skeleton_service = SkeletonService()
