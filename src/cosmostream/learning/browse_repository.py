"""SQL of the learner's pages: paths by filters, topics, a course's forum, certificates."""

from __future__ import annotations

import uuid

from sqlalchemy import Select, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from cosmostream.models import (
    Category,
    Certificate,
    Course,
    ForumCategory,
    LearningPath,
    Level,
    PathCourse,
    PublishState,
    User,
)


def _like(word: str) -> str:
    return "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


class BrowseRepository:
    async def topics(self, session: AsyncSession) -> list[Category]:
        """Every topic, in the catalogue's order (a few dozen rows at most)."""
        return list(
            await session.scalars(select(Category).order_by(Category.position, Category.name))
        )

    async def paths(
        self,
        session: AsyncSession,
        *,
        category_id: uuid.UUID | None,
        level: Level | None,
        words: list[str],
        limit: int,
        author_id: uuid.UUID | None = None,
    ) -> list[LearningPath]:
        """Published paths, newest first, by level, words in the title or description,
        and topic (a path with a published course of that topic).

        Plan: ix_learning_paths_state_published (state, published_at) read backwards;
        the topic is a semi-join through pk_path_courses to courses by primary key.
        Paths are few (hundreds), so the word filter scans that range.
        """
        query: Select[LearningPath] = select(LearningPath).where(
            LearningPath.state == PublishState.PUBLISHED
        )
        if level is not None:
            query = query.where(LearningPath.level == level)
        if author_id is not None:  # one author's paths (a channel page), in that range
            query = query.where(LearningPath.author_id == author_id)
        for word in words:
            pattern = _like(word)
            query = query.where(
                or_(
                    LearningPath.title.ilike(pattern, escape="\\"),
                    LearningPath.description.ilike(pattern, escape="\\"),
                )
            )
        if category_id is not None:
            query = query.where(
                exists(
                    select(PathCourse.course_id)
                    .join(Course, Course.id == PathCourse.course_id)
                    .where(
                        PathCourse.path_id == LearningPath.id,
                        Course.category_id == category_id,
                        Course.state == PublishState.PUBLISHED,
                    )
                )
            )
        query = query.order_by(LearningPath.published_at.desc(), LearningPath.id).limit(limit)
        return list(await session.scalars(query))

    async def path_course_counts(
        self, session: AsyncSession, path_ids: list[uuid.UUID]
    ) -> dict[uuid.UUID, int]:
        """Published courses per path (pk_path_courses ranges, courses by primary key)."""
        if not path_ids:
            return {}
        rows = await session.execute(
            select(PathCourse.path_id, func.count())
            .join(Course, Course.id == PathCourse.course_id)
            .where(PathCourse.path_id.in_(path_ids), Course.state == PublishState.PUBLISHED)
            .group_by(PathCourse.path_id)
        )
        return {row[0]: int(row[1]) for row in rows}

    async def forum_category(
        self, session: AsyncSession, category_id: uuid.UUID
    ) -> ForumCategory | None:
        return await session.get(ForumCategory, category_id)

    async def certificate_codes(
        self, session: AsyncSession, user_id: uuid.UUID, course_ids: list[uuid.UUID]
    ) -> dict[uuid.UUID, str]:
        """Course id → the learner's certificate code (uq_certificates_user_course)."""
        if not course_ids:
            return {}
        rows = await session.execute(
            select(Certificate.course_id, Certificate.code).where(
                Certificate.user_id == user_id, Certificate.course_id.in_(course_ids)
            )
        )
        return {row.course_id: row.code for row in rows}

    async def certificate_by_code(
        self, session: AsyncSession, code: str
    ) -> tuple[Certificate, User, Course, User] | None:
        """A certificate with its learner, course and instructor, in one query
        (the unique index on certificates.code, then three primary-key lookups)."""
        learner = aliased(User)
        instructor = aliased(User)
        row = (
            await session.execute(
                select(Certificate, learner, Course, instructor)
                .join(learner, learner.id == Certificate.user_id)
                .join(Course, Course.id == Certificate.course_id)
                .join(instructor, instructor.id == Course.instructor_id)
                .where(Certificate.code == code)
            )
        ).first()
        return None if row is None else (row[0], row[1], row[2], row[3])

    async def people(self, session: AsyncSession, ids: set[uuid.UUID]) -> dict[uuid.UUID, User]:
        if not ids:
            return {}
        return {u.id: u for u in await session.scalars(select(User).where(User.id.in_(ids)))}


browse_repository = BrowseRepository()
