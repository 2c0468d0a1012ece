"""SQL of authoring: a course's parts in order, free slugs."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cosmostream.models import Category, Course, CourseModule, Lesson, Question, Quiz


class AuthoringRepository:
    async def add(self, session: AsyncSession, row: Any) -> None:
        session.add(row)
        await session.flush()

    async def course(self, session: AsyncSession, course_id: uuid.UUID) -> Course | None:
        """The course row, locked until the unit of work ends: two edits of one course
        take turns, so a new part's position follows the last one (no twins)."""
        return await session.get(Course, course_id, populate_existing=True, with_for_update=True)

    async def module(self, session: AsyncSession, module_id: uuid.UUID) -> CourseModule | None:
        return await session.get(CourseModule, module_id)

    async def lesson(self, session: AsyncSession, lesson_id: uuid.UUID) -> Lesson | None:
        return await session.get(Lesson, lesson_id)

    async def question(self, session: AsyncSession, question_id: uuid.UUID) -> Question | None:
        return await session.get(Question, question_id)

    async def quiz_of(self, session: AsyncSession, lesson_id: uuid.UUID) -> Quiz | None:
        return await session.scalar(select(Quiz).where(Quiz.lesson_id == lesson_id))

    async def modules(self, session: AsyncSession, course_id: uuid.UUID) -> list[CourseModule]:
        # ix_course_modules_course (course_id, position)
        return list(
            await session.scalars(
                select(CourseModule)
                .where(CourseModule.course_id == course_id)
                .order_by(CourseModule.position, CourseModule.id)
            )
        )

    async def lessons(self, session: AsyncSession, module_id: uuid.UUID) -> list[Lesson]:
        # ix_lessons_module (module_id, position)
        return list(
            await session.scalars(
                select(Lesson)
                .where(Lesson.module_id == module_id)
                .order_by(Lesson.position, Lesson.id)
            )
        )

    async def course_lessons(self, session: AsyncSession, course_id: uuid.UUID) -> list[Lesson]:
        return list(await session.scalars(select(Lesson).where(Lesson.course_id == course_id)))

    async def category_by_slug(self, session: AsyncSession, slug: str) -> Category | None:
        return await session.scalar(select(Category).where(Category.slug == slug))


authoring_repository = AuthoringRepository()
