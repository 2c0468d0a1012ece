"""SQL of the course catalogue: listing, one course's syllabus, enrolments."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Select, and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from cosmostream.kit import sql
from cosmostream.models import (
    Category,
    Course,
    CourseModule,
    CoursePrerequisite,
    Enrolment,
    Lesson,
    LessonProgress,
    Level,
    PublishState,
    Quiz,
    User,
)


class CourseCatalogRepository:
    async def page(
        self,
        session: AsyncSession,
        *,
        category_id: uuid.UUID | None,
        level: Level | None,
        words: list[str],
        after: tuple[datetime, uuid.UUID] | None,
        limit: int,
        premium: bool | None = None,
        instructor_id: uuid.UUID | None = None,
    ) -> list[Course]:
        """Published courses, newest first, keyset-paginated on (published_at, id).

        Plan: ix_courses_state_published (state, published_at, id) read backwards
        from the cursor; with a topic, ix_courses_category_state. Words filter
        the title and summary (a scan of that range: the catalogue is at most a
        few thousand courses).
        """
        query: Select[Course] = select(Course).where(Course.state == PublishState.PUBLISHED)
        if category_id is not None:
            query = query.where(Course.category_id == category_id)
        if level is not None:
            query = query.where(Course.level == level)
        if instructor_id is not None:
            # One teacher's courses (a channel page): ix_courses_instructor.
            query = query.where(Course.instructor_id == instructor_id)
        if premium is not None:
            # Filters rows of the same index range: free or premium is about half of them.
            query = query.where(Course.premium.is_(premium))
        for word in words:
            pattern = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            query = query.where(
                or_(
                    Course.title.ilike(pattern, escape="\\"),
                    Course.summary.ilike(pattern, escape="\\"),
                )
            )
        if after is not None:
            at, last_id = after
            query = query.where(
                or_(Course.published_at < at, and_(Course.published_at == at, Course.id < last_id))
            )
        query = query.order_by(Course.published_at.desc(), Course.id.desc()).limit(limit)
        return list(await session.scalars(query))

    async def by_slug(self, session: AsyncSession, slug: str) -> Course | None:
        return await session.scalar(select(Course).where(Course.slug == slug))

    async def people(self, session: AsyncSession, ids: set[uuid.UUID]) -> dict[uuid.UUID, User]:
        if not ids:
            return {}
        return {u.id: u for u in await session.scalars(select(User).where(User.id.in_(ids)))}

    async def categories(
        self, session: AsyncSession, ids: set[uuid.UUID]
    ) -> dict[uuid.UUID, Category]:
        if not ids:
            return {}
        return {
            c.id: c for c in await session.scalars(select(Category).where(Category.id.in_(ids)))
        }

    async def category_by_slug(self, session: AsyncSession, slug: str) -> Category | None:
        return await session.scalar(select(Category).where(Category.slug == slug))

    async def syllabus(
        self, session: AsyncSession, course_id: uuid.UUID
    ) -> tuple[list[CourseModule], list[Lesson]]:
        """Modules and lessons in order (ix_course_modules_course, ix_lessons_course)."""
        modules = list(
            await session.scalars(
                select(CourseModule)
                .where(CourseModule.course_id == course_id)
                .order_by(CourseModule.position, CourseModule.id)
            )
        )
        lessons = list(
            await session.scalars(
                select(Lesson)
                .where(Lesson.course_id == course_id)
                .order_by(Lesson.position, Lesson.id)
            )
        )
        return modules, lessons

    async def quiz_ids(
        self, session: AsyncSession, course_id: uuid.UUID
    ) -> dict[uuid.UUID, uuid.UUID]:
        """Lesson id → its quiz's id, for the lessons of a course that ask questions."""
        rows = await session.execute(
            select(Quiz.lesson_id, Quiz.id)
            .join(Lesson, Lesson.id == Quiz.lesson_id)
            .where(Lesson.course_id == course_id)
        )
        return {row.lesson_id: row.id for row in rows}

    async def prerequisites(self, session: AsyncSession, course_id: uuid.UUID) -> list[Course]:
        return list(
            await session.scalars(
                select(Course)
                .join(CoursePrerequisite, CoursePrerequisite.requires_id == Course.id)
                .where(CoursePrerequisite.course_id == course_id)
                .order_by(Course.title)
            )
        )

    async def enrolments(
        self, session: AsyncSession, user_id: uuid.UUID, course_ids: list[uuid.UUID]
    ) -> dict[uuid.UUID, Enrolment]:
        if not course_ids:
            return {}
        rows = await session.scalars(
            select(Enrolment).where(
                Enrolment.user_id == user_id, Enrolment.course_id.in_(course_ids)
            )
        )
        return {e.course_id: e for e in rows}

    async def lesson_progress(
        self, session: AsyncSession, user_id: uuid.UUID, course_id: uuid.UUID
    ) -> dict[uuid.UUID, LessonProgress]:
        """ix_lesson_progress_course (course_id, user_id): one learner's rows of one course."""
        rows = await session.scalars(
            select(LessonProgress).where(
                LessonProgress.course_id == course_id, LessonProgress.user_id == user_id
            )
        )
        return {p.lesson_id: p for p in rows}

    async def enrol(
        self, session: AsyncSession, user_id: uuid.UUID, course_id: uuid.UUID, now: datetime
    ) -> bool:
        """Enrol once (True the first time) and count it on the course."""
        added = await sql.insert_ignore(
            session, Enrolment, user_id=user_id, course_id=course_id, enrolled_at=now, active_at=now
        )
        if added:
            await session.execute(
                update(Course)
                .where(Course.id == course_id)
                .values(enrolment_count=Course.enrolment_count + 1)
            )
        return added

    async def my_enrolments(
        self, session: AsyncSession, user_id: uuid.UUID, limit: int
    ) -> list[tuple[Enrolment, Course]]:
        """The learner's courses, most recently active first (ix_enrolments_user_active)."""
        rows = await session.execute(
            select(Enrolment, Course)
            .join(Course, Course.id == Enrolment.course_id)
            .where(Enrolment.user_id == user_id)
            .order_by(Enrolment.active_at.desc(), Enrolment.course_id)
            .limit(limit)
        )
        return [(row[0], row[1]) for row in rows]

    async def completed_course_ids(
        self, session: AsyncSession, user_id: uuid.UUID, course_ids: list[uuid.UUID]
    ) -> set[uuid.UUID]:
        if not course_ids:
            return set()
        rows = await session.scalars(
            select(Enrolment.course_id).where(
                Enrolment.user_id == user_id,
                Enrolment.course_id.in_(course_ids),
                Enrolment.completed_at.is_not(None),
            )
        )
        return set(rows)

    async def count_published(self, session: AsyncSession) -> int:
        return int(
            await session.scalar(
                select(func.count())
                .select_from(Course)
                .where(Course.state == PublishState.PUBLISHED)
            )
            or 0
        )


course_catalog_repository = CourseCatalogRepository()
