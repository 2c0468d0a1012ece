"""SQL of the lesson pages (what a learner already answered inside a lesson)."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cosmostream.models import AnswerStep, Question, QuizAttempt


class LessonRepository:
    async def questions(self, session: AsyncSession, lesson_id: uuid.UUID) -> list[Question]:
        """A lesson's questions in order (ix_questions_lesson (lesson_id, position))."""
        return list(
            await session.scalars(
                select(Question)
                .where(Question.lesson_id == lesson_id)
                .order_by(Question.position, Question.id)
            )
        )

    async def answered(
        self, session: AsyncSession, user_id: uuid.UUID, question_ids: list[uuid.UUID]
    ) -> set[uuid.UUID]:
        """Which of these questions the learner answered in any attempt.

        ix_answer_steps_attempt leads with attempt_id: the learner's attempts
        (ix_quiz_attempts_user) are joined to their steps, a few rows each.
        """
        if not question_ids:
            return set()
        rows = await session.scalars(
            select(AnswerStep.question_id)
            .join(QuizAttempt, QuizAttempt.id == AnswerStep.attempt_id)
            .where(QuizAttempt.user_id == user_id, AnswerStep.question_id.in_(question_ids))
            .distinct()
        )
        return set(rows)


lesson_repository = LessonRepository()
