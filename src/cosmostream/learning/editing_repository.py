"""SQL of the course editor: locked rows, removals, dense positions, roll-up recounts."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from cosmostream.models import (
    AnswerStep,
    Category,
    Course,
    CourseModule,
    CoursePrerequisite,
    Enrolment,
    LearningPath,
    Lesson,
    LessonProgress,
    PathCourse,
    PublishState,
    Question,
    Quiz,
    Video,
    VideoStatus,
)


class EditingRepository:
    async def locked_path(self, session: AsyncSession, slug: str) -> LearningPath | None:
        return await session.scalar(
            select(LearningPath)
            .where(LearningPath.slug == slug)
            .with_for_update()
            .execution_options(populate_existing=True)
        )

    async def path_by_slug(self, session: AsyncSession, slug: str) -> LearningPath | None:
        return await session.scalar(select(LearningPath).where(LearningPath.slug == slug))

    async def question_counts(
        self, session: AsyncSession, course_id: uuid.UUID
    ) -> dict[uuid.UUID, int]:
        rows = await session.execute(
            select(Question.lesson_id, func.count())
            .join(Lesson, Lesson.id == Question.lesson_id)
            .where(Lesson.course_id == course_id)
            .group_by(Question.lesson_id)
        )
        return {row[0]: row[1] for row in rows}

    async def topics(self, session: AsyncSession) -> list[Category]:
        return list(
            await session.scalars(select(Category).order_by(Category.position, Category.name))
        )

    async def course_by_slug(self, session: AsyncSession, slug: str) -> Course | None:
        return await session.scalar(select(Course).where(Course.slug == slug))

    async def module(self, session: AsyncSession, module_id: uuid.UUID) -> CourseModule | None:
        return await session.get(CourseModule, module_id, populate_existing=True)

    async def lesson(self, session: AsyncSession, lesson_id: uuid.UUID) -> Lesson | None:
        return await session.get(Lesson, lesson_id, populate_existing=True)

    async def question(self, session: AsyncSession, question_id: uuid.UUID) -> Question | None:
        return await session.get(Question, question_id, populate_existing=True)

    async def quiz_of(self, session: AsyncSession, lesson_id: uuid.UUID) -> Quiz | None:
        return await session.scalar(
            select(Quiz)
            .where(Quiz.lesson_id == lesson_id)
            .execution_options(populate_existing=True)
        )

    async def modules(self, session: AsyncSession, course_id: uuid.UUID) -> list[CourseModule]:
        # ix_course_modules_course (course_id, position)
        return list(
            await session.scalars(
                select(CourseModule)
                .where(CourseModule.course_id == course_id)
                .order_by(CourseModule.position, CourseModule.id)
                .execution_options(populate_existing=True)
            )
        )

    async def lessons(self, session: AsyncSession, module_id: uuid.UUID) -> list[Lesson]:
        # ix_lessons_module (module_id, position)
        return list(
            await session.scalars(
                select(Lesson)
                .where(Lesson.module_id == module_id)
                .order_by(Lesson.position, Lesson.id)
                .execution_options(populate_existing=True)
            )
        )

    async def course_lessons(self, session: AsyncSession, course_id: uuid.UUID) -> list[Lesson]:
        # ix_lessons_course
        return list(
            await session.scalars(
                select(Lesson)
                .where(Lesson.course_id == course_id)
                .execution_options(populate_existing=True)
            )
        )

    async def lesson_questions(self, session: AsyncSession, lesson_id: uuid.UUID) -> list[Question]:
        # ix_questions_lesson (lesson_id, position)
        return list(
            await session.scalars(
                select(Question)
                .where(Question.lesson_id == lesson_id)
                .order_by(Question.position, Question.id)
                .execution_options(populate_existing=True)
            )
        )

    async def delete_module(self, session: AsyncSession, module_id: uuid.UUID) -> None:
        """The module and, by cascade, its lessons with their quizzes, attempts and progress."""
        await session.execute(delete(Lesson).where(Lesson.module_id == module_id))
        await session.execute(delete(CourseModule).where(CourseModule.id == module_id))

    async def delete_lesson(self, session: AsyncSession, lesson_id: uuid.UUID) -> None:
        await session.execute(delete(Lesson).where(Lesson.id == lesson_id))

    async def answered(self, session: AsyncSession, question_id: uuid.UUID) -> bool:
        """Whether any learner saved an answer to it (ix_answer_steps_question)."""
        found = await session.scalar(
            select(AnswerStep.id).where(AnswerStep.question_id == question_id).limit(1)
        )
        return found is not None

    async def delete_question(self, session: AsyncSession, question_id: uuid.UUID) -> None:
        await session.execute(delete(Question).where(Question.id == question_id))

    async def recount_enrolments(self, session: AsyncSession, course_id: uuid.UUID) -> None:
        """Every learner's course roll-up counted again from their lesson progress
        (ix_lesson_progress_course), after lessons were removed or changed."""
        completed = (
            select(func.count())
            .select_from(LessonProgress)
            .join(Lesson, Lesson.id == LessonProgress.lesson_id)
            .where(
                LessonProgress.course_id == course_id,
                LessonProgress.user_id == Enrolment.user_id,
                LessonProgress.completed_at.is_not(None),
            )
        )
        required = completed.where(Lesson.required.is_(True))
        await session.execute(
            update(Enrolment)
            .where(Enrolment.course_id == course_id)
            .values(
                completed_lessons=completed.scalar_subquery(),
                completed_required=required.scalar_subquery(),
            )
            .execution_options(synchronize_session=False)
        )

    async def newly_complete(
        self, session: AsyncSession, course_id: uuid.UUID, required_count: int
    ) -> list[uuid.UUID]:
        """Learners whose required lessons are now all complete, not yet marked so."""
        if required_count <= 0:
            return []
        return list(
            await session.scalars(
                select(Enrolment.user_id).where(
                    Enrolment.course_id == course_id,
                    Enrolment.completed_at.is_(None),
                    Enrolment.completed_required >= required_count,
                )
            )
        )

    # -- prerequisites ------------------------------------------------------------

    async def courses_by_slug(self, session: AsyncSession, slugs: Sequence[str]) -> list[Course]:
        if not slugs:
            return []
        return list(await session.scalars(select(Course).where(Course.slug.in_(slugs))))

    async def requires(
        self, session: AsyncSession, course_ids: Sequence[uuid.UUID]
    ) -> list[uuid.UUID]:
        """The courses these courses require (pk_course_prerequisites)."""
        if not course_ids:
            return []
        return list(
            await session.scalars(
                select(CoursePrerequisite.requires_id).where(
                    CoursePrerequisite.course_id.in_(course_ids)
                )
            )
        )

    async def prerequisites(self, session: AsyncSession, course_id: uuid.UUID) -> list[Course]:
        return list(
            await session.scalars(
                select(Course)
                .join(CoursePrerequisite, CoursePrerequisite.requires_id == Course.id)
                .where(CoursePrerequisite.course_id == course_id)
                .order_by(Course.title, Course.id)
            )
        )

    async def set_prerequisites(
        self, session: AsyncSession, course_id: uuid.UUID, requires: Sequence[uuid.UUID]
    ) -> None:
        await session.execute(
            delete(CoursePrerequisite).where(CoursePrerequisite.course_id == course_id)
        )
        for requires_id in requires:
            session.add(CoursePrerequisite(course_id=course_id, requires_id=requires_id))
        await session.flush()

    # -- the creator's hub ------------------------------------------------------------

    async def courses_of(self, session: AsyncSession, instructor_id: uuid.UUID) -> list[Course]:
        # ix_courses_instructor (instructor_id, updated_at)
        return list(
            await session.scalars(
                select(Course)
                .where(Course.instructor_id == instructor_id)
                .order_by(Course.updated_at.desc(), Course.id)
                .limit(200)
            )
        )

    async def paths_of(self, session: AsyncSession, author_id: uuid.UUID) -> list[LearningPath]:
        return list(
            await session.scalars(
                select(LearningPath)
                .where(LearningPath.author_id == author_id)
                .order_by(LearningPath.updated_at.desc(), LearningPath.id)
                .limit(200)
            )
        )

    async def ready_videos_of(self, session: AsyncSession, owner_id: uuid.UUID) -> list[Video]:
        return list(
            await session.scalars(
                select(Video)
                .where(Video.owner_id == owner_id, Video.status == VideoStatus.READY)
                .order_by(Video.created_at.desc(), Video.id)
                .limit(500)
            )
        )

    async def published_courses(self, session: AsyncSession, limit: int = 500) -> list[Course]:
        return list(
            await session.scalars(
                select(Course)
                .where(Course.state == PublishState.PUBLISHED)
                .order_by(Course.title, Course.id)
                .limit(limit)
            )
        )

    # -- paths ------------------------------------------------------------------------

    async def path_entries(self, session: AsyncSession, path_id: uuid.UUID) -> list[PathCourse]:
        return list(
            await session.scalars(
                select(PathCourse)
                .where(PathCourse.path_id == path_id)
                .order_by(PathCourse.position, PathCourse.course_id)
                .execution_options(populate_existing=True)
            )
        )

    async def path_courses(
        self, session: AsyncSession, path_id: uuid.UUID
    ) -> list[tuple[PathCourse, Course]]:
        rows = await session.execute(
            select(PathCourse, Course)
            .join(Course, Course.id == PathCourse.course_id)
            .where(PathCourse.path_id == path_id)
            .order_by(PathCourse.position, PathCourse.course_id)
        )
        return [(row[0], row[1]) for row in rows]

    async def remove_path_course(
        self, session: AsyncSession, path_id: uuid.UUID, course_id: uuid.UUID
    ) -> None:
        await session.execute(
            delete(PathCourse).where(
                PathCourse.path_id == path_id, PathCourse.course_id == course_id
            )
        )


editing_repository = EditingRepository()
