"""SQL of learning paths."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cosmostream.models import Course, CoursePrerequisite, LearningPath, PathCourse, PublishState


class PathRepository:
    async def by_slug(self, session: AsyncSession, slug: str) -> LearningPath | None:
        return await session.scalar(select(LearningPath).where(LearningPath.slug == slug))

    async def published(self, session: AsyncSession, limit: int) -> list[LearningPath]:
        """Newest first (ix_learning_paths_state_published)."""
        return list(
            await session.scalars(
                select(LearningPath)
                .where(LearningPath.state == PublishState.PUBLISHED)
                .order_by(LearningPath.published_at.desc(), LearningPath.id)
                .limit(limit)
            )
        )

    async def courses(self, session: AsyncSession, path_id: uuid.UUID) -> list[Course]:
        """The path's published courses in order (pk_path_courses, then courses by key)."""
        return list(
            await session.scalars(
                select(Course)
                .join(PathCourse, PathCourse.course_id == Course.id)
                .where(PathCourse.path_id == path_id, Course.state == PublishState.PUBLISHED)
                .order_by(PathCourse.position)
            )
        )

    async def entries(self, session: AsyncSession, path_id: uuid.UUID) -> list[PathCourse]:
        return list(
            await session.scalars(
                select(PathCourse)
                .where(PathCourse.path_id == path_id)
                .order_by(PathCourse.position)
            )
        )

    async def prerequisites(
        self, session: AsyncSession, course_ids: list[uuid.UUID]
    ) -> list[tuple[uuid.UUID, uuid.UUID]]:
        if not course_ids:
            return []
        rows = await session.execute(
            select(CoursePrerequisite.course_id, CoursePrerequisite.requires_id).where(
                CoursePrerequisite.course_id.in_(course_ids)
            )
        )
        return [(row.course_id, row.requires_id) for row in rows]

    async def add(self, session: AsyncSession, row: LearningPath | PathCourse) -> None:
        session.add(row)
        await session.flush()


path_repository = PathRepository()
