"""Quiz attempts: started, answered, submitted and graded — all on the server.

- A learner enrolled in a visible course starts an attempt; an open one is
  resumed instead. The quiz's attempt limit and closing time hold even when two
  starts race: attempt numbers are unique per learner and quiz.
- Each answer is kept as a step (nothing is overwritten) and must be readable
  (`BadAnswer` otherwise), but its score is not told until submission.
- Submitting closes the attempt exactly once (two submits at once: one wins,
  the other gets `attempt_closed`) and grades each question's last answer
  saved before the deadline against the stored spec. The score is the share
  of points earned, an exact fraction; passing means score ≥ passing score.
- What a learner sees of a question never holds its answer (grading.present);
  feedback and explanations come with the result, after submission — or,
  when the author chose so, only once the quiz has closed.
- An author who fixes a question regrades the quiz: each submitted attempt's
  answers are graded again against the new spec as new steps, and the
  attempt's score and verdict follow.
"""

from __future__ import annotations

import contextlib
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from cosmostream.account.schemas import Actor, require_signed_in
from cosmostream.errors import PermissionDenied
from cosmostream.kit.ids import uuid7
from cosmostream.kit.time import utcnow
from cosmostream.learning import grading, locks
from cosmostream.learning.errors import (
    AttemptClosed,
    AttemptNotFound,
    AttemptStillOpen,
    BadAnswer,
    BadQuestion,
    NoAttemptsLeft,
    NotEnrolled,
    QuestionNotFound,
    QuizClosed,
    QuizNotFound,
)
from cosmostream.learning.policy import can_edit_course, can_see_course
from cosmostream.learning.premium import require_course_access
from cosmostream.learning.progress import progress_service
from cosmostream.learning.repository import learning_repository as repo
from cosmostream.models import (
    AnswerStep,
    AttemptScoring,
    AttemptState,
    Course,
    FeedbackTiming,
    Lesson,
    LessonKind,
    Question,
    Quiz,
    QuizAttempt,
    StepKind,
)

# Answers saved this long after the deadline still count (the request was on its way).
DEADLINE_GRACE = timedelta(seconds=5)
SCORE_PLACES = Decimal("0.000001")


@dataclass(frozen=True)
class PresentedQuestion:
    id: uuid.UUID
    prompt: str
    points: int
    view: dict[str, Any]  # grading.present: nothing that gives the answer
    saved: dict[str, Any] | None  # the learner's own last saved answer


@dataclass(frozen=True)
class AttemptView:
    attempt: QuizAttempt
    quiz: Quiz
    questions: list[PresentedQuestion]
    attempts_left: int | None


@dataclass(frozen=True)
class QuestionResult:
    id: uuid.UUID
    score: Fraction
    points: int
    response: dict[str, Any] | None
    feedback: tuple[str, ...] = ()
    explanation: str = ""


@dataclass(frozen=True)
class AttemptResult:
    attempt: QuizAttempt
    score: Fraction
    passed: bool
    # Empty while the quiz keeps its feedback until it closes.
    questions: list[QuestionResult] = field(default_factory=list)
    feedback_withheld: bool = False


def _context(attempt: QuizAttempt) -> grading.Attempt:
    return grading.Attempt(
        seed=attempt.seed,
        started_at=attempt.started_at,
        latitude=attempt.latitude,
        longitude=attempt.longitude,
    )


def _grade(question: Question, response: dict[str, Any], attempt: QuizAttempt) -> grading.Grade:
    """A response to a question as it is stored now (`BadAnswer` when unreadable)."""
    spec = grading.parse_spec(question.spec)
    return grading.grade(spec, response, _context(attempt), str(question.id))


def _step(
    attempt: QuizAttempt,
    question: Question,
    kind: StepKind,
    response: dict[str, Any],
    now: datetime,
    score: Fraction | None = None,
) -> AnswerStep:
    return AnswerStep(
        attempt_id=attempt.id,
        question_id=question.id,
        question_version=question.version,
        kind=kind,
        response=response,
        score=None if score is None else _decimal(score),
        created_at=now,
    )


def _decimal(score: Fraction) -> Decimal:
    return (Decimal(score.numerator) / Decimal(score.denominator)).quantize(
        SCORE_PLACES, rounding=ROUND_HALF_EVEN
    )


def passes(score: Fraction, quiz: Quiz) -> bool:
    """Score ≥ passing score, compared as exact fractions (70 % of 3 points is 2.1)."""
    return score >= Fraction(quiz.passing_percent, 100)


def overdue(attempt: QuizAttempt, now: datetime) -> bool:
    """Still open, but its time (and the grace for a submit on its way) ran out."""
    return (
        attempt.state is AttemptState.OPEN
        and attempt.deadline_at is not None
        and now > attempt.deadline_at + DEADLINE_GRACE
    )


class AttemptService:
    async def _quiz(
        self, session: AsyncSession, actor: Actor | None, quiz_id: uuid.UUID
    ) -> tuple[Quiz, Lesson, Course]:
        found = await repo.quiz(session, quiz_id)
        if found is None or not can_see_course(actor, found[2]):
            raise QuizNotFound()
        await require_course_access(session, actor, found[2])
        return found

    async def _own_attempt(
        self, session: AsyncSession, actor: Actor, attempt_id: uuid.UUID, *, lock: bool = False
    ) -> tuple[QuizAttempt, Quiz, Lesson, Course]:
        attempt = await repo.attempt(session, attempt_id, for_update=lock)
        if attempt is None or attempt.user_id != actor.id:
            raise AttemptNotFound()
        found = await repo.quiz(session, attempt.quiz_id)
        if found is None:  # pragma: no cover - cascades with the quiz
            raise AttemptNotFound()
        await require_course_access(session, actor, found[2])
        return (attempt, *found)

    # -- taking a quiz --------------------------------------------------------------

    async def start(
        self,
        session: AsyncSession,
        actor: Actor | None,
        quiz_id: uuid.UUID,
        *,
        latitude: float | None = None,
        longitude: float | None = None,
    ) -> AttemptView:
        """The learner's open attempt, or a new one when the quiz allows it."""
        actor = require_signed_in(actor)
        quiz, lesson, course = await self._quiz(session, actor, quiz_id)
        if await repo.enrolment(session, actor.id, course.id) is None:
            raise NotEnrolled()
        now = utcnow()
        if not can_edit_course(actor, course):
            await locks.require_open(session, actor.id, lesson, course, now)
        attempts = await repo.attempts(session, quiz.id, actor.id)
        for attempt in attempts:
            if attempt.state is AttemptState.OPEN:
                if overdue(attempt, now):
                    await self._submit(session, attempt, quiz, now)
                    continue
                if attempt.latitude is None and (latitude is not None or longitude is not None):
                    # The place can still be given to an attempt that has none.
                    grading.validate_place(latitude, longitude)
                    await repo.set_place(session, attempt.id, latitude, longitude)
                    attempt = await repo.attempt(session, attempt.id) or attempt
                return await self._view(session, attempt, quiz, len(attempts))
        if quiz.closes_at is not None and now >= quiz.closes_at:
            raise QuizClosed()
        if quiz.max_attempts is not None and len(attempts) >= quiz.max_attempts:
            raise NoAttemptsLeft()
        if latitude is not None or longitude is not None:
            grading.validate_place(latitude, longitude)  # BadAnswer unless both, on Earth
        number = (attempts[-1].number if attempts else 0) + 1
        deadline = (
            now + timedelta(seconds=quiz.time_limit_seconds) if quiz.time_limit_seconds else None
        )
        if quiz.closes_at is not None and (deadline is None or deadline > quiz.closes_at):
            deadline = quiz.closes_at
        await repo.add_attempt(
            session,
            id=uuid7(),
            quiz_id=quiz.id,
            user_id=actor.id,
            number=number,
            seed=secrets.randbits(62),
            state=AttemptState.OPEN,
            started_at=now,
            deadline_at=deadline,
            latitude=latitude,
            longitude=longitude,
        )
        # When another request took this number a moment ago, its attempt is resumed.
        attempts = await repo.attempts(session, quiz.id, actor.id)
        new = next((a for a in attempts if a.number == number), None)
        if new is None or new.state is not AttemptState.OPEN:
            raise NoAttemptsLeft()
        return await self._view(session, new, quiz, len(attempts))

    async def _view(
        self, session: AsyncSession, attempt: QuizAttempt, quiz: Quiz, used: int
    ) -> AttemptView:
        questions = await repo.questions(session, quiz.id)
        saved = await repo.latest_steps(session, attempt.id, (StepKind.SAVE,))
        context = _context(attempt)
        presented = [
            PresentedQuestion(
                id=q.id,
                prompt=q.prompt,
                points=q.points,
                view=grading.present(grading.parse_spec(q.spec), context, str(q.id)),
                saved=saved[q.id].response if q.id in saved else None,
            )
            for q in questions
        ]
        if quiz.shuffle:
            attempt_rng = context.rng("order")
            attempt_rng.shuffle(presented)
        left = None if quiz.max_attempts is None else max(0, quiz.max_attempts - used)
        return AttemptView(attempt, quiz, presented, left)

    async def save_answer(
        self,
        session: AsyncSession,
        actor: Actor | None,
        attempt_id: uuid.UUID,
        question_id: uuid.UUID,
        response: dict[str, Any],
    ) -> None:
        """Keep an answer (a new step); it must be readable, and the attempt open and in time."""
        await self._save(session, require_signed_in(actor), attempt_id, {question_id: response})

    async def _save(
        self,
        session: AsyncSession,
        actor: Actor,
        attempt_id: uuid.UUID,
        answers: dict[uuid.UUID, dict[str, Any]],
    ) -> tuple[QuizAttempt, Quiz, list[Question]]:
        """Keep answers as steps, all or none (one lock, one read of the questions);
        the attempt, its quiz and the quiz's questions, for a submit to go on with."""
        # Locked, so a submit running at the same time grades these answers or refuses them.
        attempt, quiz, lesson, _course = await self._own_attempt(
            session, actor, attempt_id, lock=True
        )
        now = utcnow()
        if attempt.state is not AttemptState.OPEN or (
            attempt.deadline_at is not None and now > attempt.deadline_at + DEADLINE_GRACE
        ):
            raise AttemptClosed()
        listed = await repo.questions(session, quiz.id)
        questions = {q.id: q for q in listed}
        steps = []
        for question_id, response in answers.items():
            question = questions.get(question_id)
            if question is None:
                raise QuestionNotFound()
            # Graded only to check it can be read; the score is not kept or told.
            with contextlib.suppress(BadQuestion):  # the question's fault: keep the answer
                _grade(question, response, attempt)
            steps.append(_step(attempt, question, StepKind.SAVE, response, now))
        await repo.add_steps(session, steps)
        if lesson.kind is not LessonKind.QUIZ:  # a quiz lesson completes when one passes
            # An answer to a question asked inside a lesson may complete that lesson.
            await progress_service.after_answer(session, actor.id, quiz.lesson_id)
        return attempt, quiz, listed

    async def submit(
        self,
        session: AsyncSession,
        actor: Actor | None,
        attempt_id: uuid.UUID,
        answers: dict[uuid.UUID, dict[str, Any]] | None = None,
    ) -> AttemptResult:
        """Save the last answers given with it, close the attempt once, and grade it."""
        actor = require_signed_in(actor)
        questions = None
        if answers:
            attempt, quiz, questions = await self._save(session, actor, attempt_id, answers)
        else:
            attempt, quiz, _lesson, _course = await self._own_attempt(session, actor, attempt_id)
        if not await self._submit(session, attempt, quiz, utcnow(), questions):
            raise AttemptClosed()
        return await self.result(session, actor, attempt_id)

    async def close_overdue(self, session: AsyncSession, user_id: uuid.UUID, quiz: Quiz) -> int:
        """Grade the learner's attempts at the quiz whose time ran out, with the answers
        they saved, so a lesson shows their result (and not a stale open attempt)."""
        now = utcnow()
        closed = 0
        for attempt in await repo.attempts(session, quiz.id, user_id):
            if overdue(attempt, now) and await self._submit(session, attempt, quiz, now):
                closed += 1
        return closed

    async def close_all_overdue(self, session: AsyncSession, limit: int = 200) -> int:
        """Grade every attempt whose time ran out that nobody came back to (the
        worker's periodic task): a timed or closing quiz ends for everyone."""
        now = utcnow()
        closed = 0
        for attempt in await repo.overdue_attempts(session, now - DEADLINE_GRACE, limit):
            found = await repo.quiz(session, attempt.quiz_id)
            if found is not None and await self._submit(session, attempt, found[0], now):
                closed += 1
        return closed

    async def _submit(
        self,
        session: AsyncSession,
        attempt: QuizAttempt,
        quiz: Quiz,
        now: datetime,
        questions: list[Question] | None = None,
    ) -> bool:
        if not await repo.close_attempt(session, attempt.id, now):
            return False
        if questions is None:
            questions = await repo.questions(session, quiz.id)
        saved = await repo.latest_steps(session, attempt.id, (StepKind.SAVE,))
        share = await self._grade(session, attempt, quiz, questions, saved, StepKind.SUBMIT, now)
        await progress_service.after_quiz(
            session, attempt.user_id, quiz.lesson_id, passes(share, quiz)
        )
        return True

    async def _grade(
        self,
        session: AsyncSession,
        attempt: QuizAttempt,
        quiz: Quiz,
        questions: list[Question],
        answers: dict[uuid.UUID, AnswerStep],
        kind: StepKind,
        now: datetime,
    ) -> Fraction:
        earned = Fraction(0)
        total = 0
        steps = []
        for question in questions:
            total += question.points
            step = answers.get(question.id)
            if step is None:
                continue  # unanswered: no points
            try:
                score = _grade(question, step.response, attempt).score
            except (BadAnswer, BadQuestion):
                # Unreadable under a fixed spec, or a question with no answer for
                # this draw: no points, and the rest of the attempt is graded.
                score = Fraction(0)
            earned += score * question.points
            steps.append(_step(attempt, question, kind, step.response, now, score))
        await repo.add_steps(session, steps)
        share = earned / total if total else Fraction(0)
        await repo.set_result(session, attempt.id, _decimal(share), passes(share, quiz))
        return share

    # -- results ---------------------------------------------------------------------

    async def result(
        self, session: AsyncSession, actor: Actor | None, attempt_id: uuid.UUID
    ) -> AttemptResult:
        actor = require_signed_in(actor)
        attempt, quiz, _lesson, _course = await self._own_attempt(session, actor, attempt_id)
        if attempt.state is not AttemptState.SUBMITTED:
            raise AttemptStillOpen()
        questions = await repo.questions(session, quiz.id)
        graded = await repo.latest_steps(session, attempt.id, (StepKind.SUBMIT, StepKind.REGRADE))
        results = []
        for question in questions:
            step = graded.get(question.id)
            score = Fraction(0) if step is None or step.score is None else Fraction(step.score)
            feedback: tuple[str, ...] = ()
            if step is not None:
                try:
                    feedback = _grade(question, step.response, attempt).feedback
                except (BadAnswer, BadQuestion):
                    feedback = ()
            results.append(
                QuestionResult(
                    id=question.id,
                    score=score,
                    points=question.points,
                    response=step.response if step else None,
                    feedback=feedback,
                    explanation=str(question.spec.get("explanation", "")),
                )
            )
        # The verdict decided (exactly) when it was graded, whatever changed since.
        share = Fraction(attempt.score) if attempt.score is not None else Fraction(0)
        withheld = quiz.feedback is FeedbackTiming.AFTER_CLOSE and (
            quiz.closes_at is None or utcnow() < quiz.closes_at
        )
        return AttemptResult(
            attempt=attempt,
            score=share,
            passed=bool(attempt.passed),
            questions=[] if withheld else results,
            feedback_withheld=withheld,
        )

    async def counted(
        self, session: AsyncSession, quiz: Quiz, user_id: uuid.UUID
    ) -> QuizAttempt | None:
        """The attempt that counts for the learner: the best or the last submitted."""
        submitted = [
            a
            for a in await repo.attempts(session, quiz.id, user_id)
            if a.state is AttemptState.SUBMITTED
        ]
        if not submitted:
            return None
        if quiz.scoring is AttemptScoring.LAST:
            return submitted[-1]
        return max(submitted, key=lambda a: (a.score or Decimal(0), -a.number))

    # -- authors -----------------------------------------------------------------------

    async def regrade(self, session: AsyncSession, actor: Actor | None, quiz_id: uuid.UUID) -> int:
        """Grade every submitted attempt again against the questions as they are now."""
        actor = require_signed_in(actor)
        quiz, _lesson, course = await self._quiz(session, actor, quiz_id)
        if not can_edit_course(actor, course):
            raise PermissionDenied("Only the course's instructor can regrade its quizzes.")
        questions = await repo.questions(session, quiz.id)
        now = utcnow()
        attempts = await repo.submitted_attempts(session, quiz.id)
        for attempt in attempts:
            answers = await repo.latest_steps(
                session, attempt.id, (StepKind.SUBMIT, StepKind.REGRADE)
            )
            share = await self._grade(
                session, attempt, quiz, questions, answers, StepKind.REGRADE, now
            )
            # A pass completes the lesson now; a fail never takes a completion back.
            await progress_service.after_quiz(
                session, attempt.user_id, quiz.lesson_id, passes(share, quiz)
            )
        return len(attempts)


attempt_service = AttemptService()
