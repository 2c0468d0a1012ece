"""GraphQL: parse, call one service function, map the result."""

from __future__ import annotations

import strawberry

from cosmostream._skeleton.service import skeleton_service
from cosmostream.graphql.context import Info


@strawberry.type
class SkeletonSummary:
    topic: str
    category_count: int


@strawberry.type
class SkeletonQuery:
    @strawberry.field(description="A summary of the skeleton domain for a topic.")
    async def skeleton(self, info: Info, topic: str) -> SkeletonSummary:
        async with info.context.db.read() as session:
            summary = await skeleton_service.summary(session, topic)
        return SkeletonSummary(topic=summary.topic, category_count=summary.category_count)


@strawberry.type
class SkeletonMutation:
    @strawberry.mutation(description="Ask the worker to refresh (signed-in users).")
    async def refresh_skeleton(self, info: Info) -> bool:
        async with info.context.unit_of_work() as session:
            await skeleton_service.request_refresh(session, info.context.actor)
        return True
