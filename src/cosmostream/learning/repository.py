"""SQL of learning."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from cosmostream.kit import sql
from cosmostream.kit.ids import uuid7
from cosmostream.models import (
    AnswerStep,
    AttemptState,
    Certificate,
    Course,
    Enrolment,
    Lesson,
    LessonKind,
    LessonProgress,
    Question,
    Quiz,
    QuizAttempt,
    StepKind,
)


class LearningRepository:
    # -- quizzes ----------------------------------------------------------------

    async def quiz(
        self, session: AsyncSession, quiz_id: uuid.UUID
    ) -> tuple[Quiz, Lesson, Course] | None:
        """The quiz with its lesson and course (one query: quiz → lesson → course by keys)."""
        row = (
            await session.execute(
                select(Quiz, Lesson, Course)
                .join(Lesson, Lesson.id == Quiz.lesson_id)
                .join(Course, Course.id == Lesson.course_id)
                .where(Quiz.id == quiz_id)
            )
        ).first()
        return None if row is None else (row[0], row[1], row[2])

    async def questions(self, session: AsyncSession, quiz_id: uuid.UUID) -> list[Question]:
        # ix_questions_quiz (quiz_id, position): an index range scan in order.
        return list(
            await session.scalars(
                select(Question)
                .where(Question.quiz_id == quiz_id)
                .order_by(Question.position, Question.id)
            )
        )

    async def enrolment(
        self, session: AsyncSession, user_id: uuid.UUID, course_id: uuid.UUID
    ) -> Enrolment | None:
        return await session.get(Enrolment, (user_id, course_id))

    # -- attempts ---------------------------------------------------------------

    async def attempts(
        self, session: AsyncSession, quiz_id: uuid.UUID, user_id: uuid.UUID
    ) -> list[QuizAttempt]:
        # uq_quiz_attempts_number (quiz_id, user_id, number): in order from the index.
        return list(
            await session.scalars(
                select(QuizAttempt)
                .where(QuizAttempt.quiz_id == quiz_id, QuizAttempt.user_id == user_id)
                .order_by(QuizAttempt.number)
                .execution_options(populate_existing=True)
            )
        )

    async def attempt(
        self, session: AsyncSession, attempt_id: uuid.UUID, *, for_update: bool = False
    ) -> QuizAttempt | None:
        return await session.get(
            QuizAttempt, attempt_id, populate_existing=True, with_for_update=for_update or None
        )

    async def set_place(
        self,
        session: AsyncSession,
        attempt_id: uuid.UUID,
        latitude: float | None,
        longitude: float | None,
    ) -> None:
        await session.execute(
            update(QuizAttempt)
            .where(QuizAttempt.id == attempt_id, QuizAttempt.latitude.is_(None))
            .values(latitude=latitude, longitude=longitude)
        )

    async def add_attempt(self, session: AsyncSession, **values: Any) -> bool:
        """A new attempt, unless another request took its number first (False)."""
        return await sql.insert_ignore(session, QuizAttempt, **values)

    async def overdue_attempts(
        self, session: AsyncSession, before: datetime, limit: int
    ) -> list[QuizAttempt]:
        """Open attempts whose deadline passed before `before`, oldest first
        (ix_quiz_attempts_open_deadline: state, deadline_at)."""
        return list(
            await session.scalars(
                select(QuizAttempt)
                .where(QuizAttempt.state == AttemptState.OPEN, QuizAttempt.deadline_at < before)
                .order_by(QuizAttempt.deadline_at)
                .limit(limit)
            )
        )

    async def close_attempt(
        self, session: AsyncSession, attempt_id: uuid.UUID, at: datetime
    ) -> bool:
        """Open → submitted, once: of two concurrent submits exactly one gets True."""
        result = await session.execute(
            update(QuizAttempt)
            .where(QuizAttempt.id == attempt_id, QuizAttempt.state == AttemptState.OPEN)
            .values(state=AttemptState.SUBMITTED, submitted_at=at)
            .returning(QuizAttempt.id)
        )
        return result.first() is not None

    async def set_result(
        self, session: AsyncSession, attempt_id: uuid.UUID, score: Decimal, passed: bool
    ) -> None:
        await session.execute(
            update(QuizAttempt)
            .where(QuizAttempt.id == attempt_id)
            .values(score=score, passed=passed)
        )

    async def submitted_attempts(
        self, session: AsyncSession, quiz_id: uuid.UUID
    ) -> list[QuizAttempt]:
        return list(
            await session.scalars(
                select(QuizAttempt)
                .where(
                    QuizAttempt.quiz_id == quiz_id,
                    QuizAttempt.state == AttemptState.SUBMITTED,
                )
                .order_by(QuizAttempt.started_at)
            )
        )

    # -- answer steps -------------------------------------------------------------

    async def add_step(self, session: AsyncSession, step: AnswerStep) -> None:
        session.add(step)
        await session.flush()

    async def add_steps(self, session: AsyncSession, steps: list[AnswerStep]) -> None:
        """Several steps in one flush (one multi-row INSERT)."""
        if steps:
            session.add_all(steps)
            await session.flush()

    async def latest_steps(
        self, session: AsyncSession, attempt_id: uuid.UUID, kinds: tuple[StepKind, ...]
    ) -> dict[uuid.UUID, AnswerStep]:
        """Each question's newest step of these kinds in the attempt.

        ix_answer_steps_attempt (attempt_id, question_id, created_at) holds the
        attempt's steps in order; an attempt has at most a few hundred.
        """
        steps = await session.scalars(
            select(AnswerStep)
            .where(AnswerStep.attempt_id == attempt_id, AnswerStep.kind.in_(kinds))
            .order_by(AnswerStep.question_id, AnswerStep.created_at, AnswerStep.id)
        )
        latest: dict[uuid.UUID, AnswerStep] = {}
        for step in steps:
            latest[step.question_id] = step
        return latest

    async def step_count(self, session: AsyncSession, attempt_id: uuid.UUID) -> int:
        return int(
            await session.scalar(
                select(func.count())
                .select_from(AnswerStep)
                .where(AnswerStep.attempt_id == attempt_id)
            )
            or 0
        )


learning_repository = LearningRepository()


class ProgressRepository:
    async def video_lessons(
        self, session: AsyncSession, user_id: uuid.UUID, video_id: uuid.UUID
    ) -> list[tuple[Lesson, Course]]:
        """The video lessons showing this video in courses the learner is enrolled in.

        ix_lessons_video (video_id) finds the few lessons of a video; each is
        joined to the learner's enrolment by its primary key.
        """
        rows = await session.execute(
            select(Lesson, Course)
            .join(Course, Course.id == Lesson.course_id)
            .join(
                Enrolment,
                (Enrolment.course_id == Lesson.course_id) & (Enrolment.user_id == user_id),
            )
            .where(Lesson.video_id == video_id, Lesson.kind == LessonKind.VIDEO)
        )
        return [(row[0], row[1]) for row in rows]

    async def lesson(
        self, session: AsyncSession, lesson_id: uuid.UUID
    ) -> tuple[Lesson, Course] | None:
        row = (
            await session.execute(
                select(Lesson, Course)
                .join(Course, Course.id == Lesson.course_id)
                .where(Lesson.id == lesson_id)
            )
        ).first()
        return None if row is None else (row[0], row[1])

    async def locked_progress(
        self, session: AsyncSession, user_id: uuid.UUID, lesson: Lesson, now: datetime
    ) -> LessonProgress:
        """The learner's progress in a lesson, created if new, locked for this unit of work.

        Read first: nearly every call (each playback heartbeat) finds the row, and
        then costs one statement, not an insert-or-ignore and a read. A new row is
        inserted unless a concurrent call did (the primary key decides) and read
        again, locked."""
        progress = await self._locked_progress(session, user_id, lesson.id)
        if progress is not None:
            return progress
        await sql.insert_ignore(
            session,
            LessonProgress,
            user_id=user_id,
            lesson_id=lesson.id,
            course_id=lesson.course_id,
            ranges=[],
            covered_seconds=0.0,
            position=0.0,
            time_spent_seconds=0.0,
            started_at=now,
            updated_at=now,
        )
        progress = await self._locked_progress(session, user_id, lesson.id)
        assert progress is not None
        return progress

    async def _locked_progress(
        self, session: AsyncSession, user_id: uuid.UUID, lesson_id: uuid.UUID
    ) -> LessonProgress | None:
        return await session.scalar(
            select(LessonProgress)
            .where(LessonProgress.user_id == user_id, LessonProgress.lesson_id == lesson_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )

    async def count_completion(
        self,
        session: AsyncSession,
        user_id: uuid.UUID,
        lesson: Lesson,
        now: datetime,
    ) -> Enrolment | None:
        """Add one completed lesson to the learner's course roll-up, atomically."""
        await session.execute(
            update(Enrolment)
            .where(Enrolment.user_id == user_id, Enrolment.course_id == lesson.course_id)
            .values(
                completed_lessons=Enrolment.completed_lessons + 1,
                completed_required=Enrolment.completed_required + int(lesson.required),
                last_lesson_id=lesson.id,
                active_at=now,
            )
        )
        return await session.get(Enrolment, (user_id, lesson.course_id), populate_existing=True)

    async def touch(
        self, session: AsyncSession, user_id: uuid.UUID, lesson: Lesson, now: datetime
    ) -> None:
        await session.execute(
            update(Enrolment)
            .where(Enrolment.user_id == user_id, Enrolment.course_id == lesson.course_id)
            .values(last_lesson_id=lesson.id, active_at=now)
        )

    async def complete_course(
        self, session: AsyncSession, user_id: uuid.UUID, course_id: uuid.UUID, now: datetime
    ) -> bool:
        """Mark the course complete once; True the first time."""
        result = await session.execute(
            update(Enrolment)
            .where(
                Enrolment.user_id == user_id,
                Enrolment.course_id == course_id,
                Enrolment.completed_at.is_(None),
            )
            .values(completed_at=now)
            .returning(Enrolment.user_id)
        )
        return result.first() is not None

    async def add_certificate(
        self,
        session: AsyncSession,
        user_id: uuid.UUID,
        course_id: uuid.UUID,
        code: str,
        now: datetime,
    ) -> bool:
        return await sql.insert_ignore(
            session,
            Certificate,
            id=uuid7(),
            code=code,
            user_id=user_id,
            course_id=course_id,
            issued_at=now,
        )

    async def certificate(
        self, session: AsyncSession, user_id: uuid.UUID, course_id: uuid.UUID
    ) -> Certificate | None:
        return await session.scalar(
            select(Certificate).where(
                Certificate.user_id == user_id, Certificate.course_id == course_id
            )
        )

    async def lesson_quiz(self, session: AsyncSession, lesson_id: uuid.UUID) -> Quiz | None:
        return await session.scalar(select(Quiz).where(Quiz.lesson_id == lesson_id))

    async def unanswered_required(
        self, session: AsyncSession, user_id: uuid.UUID, lesson_id: uuid.UUID
    ) -> int:
        """Required questions of a lesson the learner has not answered in any attempt."""
        answered = (
            select(AnswerStep.question_id)
            .join(QuizAttempt, QuizAttempt.id == AnswerStep.attempt_id)
            .where(QuizAttempt.user_id == user_id)
        )
        return int(
            await session.scalar(
                select(func.count())
                .select_from(Question)
                .where(
                    Question.lesson_id == lesson_id,
                    Question.required.is_(True),
                    Question.id.not_in(answered),
                )
            )
            or 0
        )


progress_repository = ProgressRepository()
