"""SQL of learning."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from cosmostream.kit import sql
from cosmostream.models import (
    AnswerStep,
    AttemptState,
    Course,
    Enrolment,
    Lesson,
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

    async def attempt(self, session: AsyncSession, attempt_id: uuid.UUID) -> QuizAttempt | None:
        return await session.get(QuizAttempt, attempt_id, populate_existing=True)

    async def add_attempt(self, session: AsyncSession, **values: Any) -> bool:
        """A new attempt, unless another request took its number first (False)."""
        return await sql.insert_ignore(session, QuizAttempt, **values)

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
