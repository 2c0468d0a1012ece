"""One lesson as a page shows it: who may see what of it, its place in the course,
and what the viewer has done in it.

- A course the viewer cannot see is missing (`course_not_found`), and so is a
  lesson that is not part of it (`lesson_not_found`).
- An enrolled learner gets the lesson — unless its module is locked (not open
  yet, or the earlier module is not done): then only why, nothing of its
  content.
- The course's editors (its instructor, admins) get every lesson as a preview,
  locks or not, and take nothing (no progress, no attempts).
- Anyone else who can see the course gets an invitation to enrol.
- A quiz's questions are shown only inside the learner's own open attempt
  (`AttemptService`), never from the stored specs.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from cosmostream.account.schemas import Actor
from cosmostream.errors import AppError
from cosmostream.kit.time import utcnow
from cosmostream.learning import coverage, grading
from cosmostream.learning.attempts import (
    AttemptResult,
    AttemptView,
    QuestionResult,
    attempt_service,
    overdue,
)
from cosmostream.learning.courses import CourseDetail, LessonState, ModuleState, course_service
from cosmostream.learning.errors import (
    AttemptNotFound,
    BadQuestion,
    CoursePremiumRequired,
    LessonNotFound,
    NotEnrolled,
    QuizNotFound,
)
from cosmostream.learning.lesson_repository import lesson_repository
from cosmostream.learning.repository import learning_repository, progress_repository
from cosmostream.models import AttemptState, Lesson, LessonKind, Quiz, QuizAttempt, Video
from cosmostream.video.repository import video_repository
from cosmostream.video.urls import hls_url


class LessonLocked(AppError):
    status = 409
    code = "lesson_locked"
    message = "This lesson is locked for now."


class Access(StrEnum):
    LEARNER = "learner"  # enrolled: takes the lesson
    PREVIEW = "preview"  # the course's editors
    ENROL = "enrol"  # can see the course, is not enrolled


@dataclass(frozen=True)
class VideoQuestion:
    """A question asked inside a video at `at_seconds` (never its spec)."""

    id: uuid.UUID
    at_seconds: float
    answered: bool


@dataclass(frozen=True)
class LessonPage:
    detail: CourseDetail
    module: ModuleState
    item: LessonState
    access: Access
    previous: Lesson | None = None
    next: Lesson | None = None
    video: Video | None = None
    quiz: Quiz | None = None
    attempts: list[QuizAttempt] = field(default_factory=list)
    # The learner's open attempt, resumed (its questions as the learner sees them).
    attempt: AttemptView | None = None
    video_questions: list[VideoQuestion] = field(default_factory=list)
    # The video's master playlist for this viewer (premium and 4K rules).
    hls_url: str | None = None
    # Some question asks about the learner's own sky: starting asks where they are.
    asks_place: bool = False

    @property
    def lesson(self) -> Lesson:
        return self.item.lesson

    @property
    def locked(self) -> bool:
        """Locked for this viewer: only learners meet locks; editors preview everything."""
        return self.access is Access.LEARNER and self.module.locked

    @property
    def shows_content(self) -> bool:
        return self.access is Access.PREVIEW or (self.access is Access.LEARNER and not self.locked)

    @property
    def completed(self) -> bool:
        return self.item.completed

    @property
    def covered(self) -> float:
        """Share (0 to 1) of the lesson's video the server saw the learner watch."""
        progress = self.item.progress
        duration = (self.video.duration_seconds if self.video else None) or float(
            self.lesson.duration_seconds
        )
        if progress is None or not duration:
            return 0.0
        ranges = [(r[0], r[1]) for r in progress.ranges]
        return coverage.coverage(ranges, duration, self.lesson.credits_from)

    @property
    def attempts_left(self) -> int | None:
        if self.quiz is None or self.quiz.max_attempts is None:
            return None
        return max(0, self.quiz.max_attempts - len(self.attempts))

    @property
    def closed(self) -> bool:
        return (
            self.quiz is not None
            and self.quiz.closes_at is not None
            and utcnow() >= self.quiz.closes_at
        )

    @property
    def submitted(self) -> list[QuizAttempt]:
        return [a for a in self.attempts if a.state is AttemptState.SUBMITTED]


class LessonService:
    async def get(
        self, session: AsyncSession, actor: Actor | None, slug: str, lesson_id: uuid.UUID
    ) -> LessonPage:
        """The lesson for this viewer; resuming the learner's open attempt may grade
        one whose time ran out (so use a unit of work)."""
        detail = await course_service.get(session, actor, slug)
        found = _find(detail, lesson_id)
        if found is None:
            raise LessonNotFound()
        module, item, previous, following = found
        if detail.premium_locked:
            raise CoursePremiumRequired()
        if detail.enrolled:
            access = Access.LEARNER
        elif detail.can_edit:
            access = Access.PREVIEW
        else:
            access = Access.ENROL
        page = LessonPage(detail, module, item, access, previous, following)
        if not page.shows_content:
            return page
        lesson = item.lesson
        video = None
        if lesson.kind is LessonKind.VIDEO and lesson.video_id is not None:
            video = await video_repository.get(session, lesson.video_id)
        hls = await hls_url(session, actor, video) if video is not None else None
        quiz = await progress_repository.lesson_quiz(session, lesson.id)
        attempts: list[QuizAttempt] = []
        attempt = None
        marks: list[VideoQuestion] = []
        if quiz is not None and actor is not None and access is Access.LEARNER:
            attempts = await learning_repository.attempts(session, quiz.id, actor.id)
            if any(overdue(a, utcnow()) for a in attempts):  # time ran out: grade them now
                await attempt_service.close_overdue(session, actor.id, quiz)
                attempts = await learning_repository.attempts(session, quiz.id, actor.id)
            if any(_open(a, utcnow()) for a in attempts):
                attempt = await attempt_service.start(session, actor, quiz.id)
                attempts = await learning_repository.attempts(session, quiz.id, actor.id)
        questions = await lesson_repository.questions(session, lesson.id) if quiz else []
        asks_place = any(
            q.spec.get("kind") == "computed" and q.spec.get("mode") == "event" for q in questions
        )
        if lesson.kind is LessonKind.VIDEO and quiz is not None:
            questions = [q for q in questions if q.at_seconds is not None]
            answered = (
                await lesson_repository.answered(session, actor.id, [q.id for q in questions])
                if actor is not None and access is Access.LEARNER
                else set()
            )
            marks = [
                VideoQuestion(q.id, float(q.at_seconds or 0), q.id in answered)
                for q in sorted(questions, key=lambda q: q.at_seconds or 0)
            ]
        return LessonPage(
            detail,
            module,
            item,
            access,
            previous,
            following,
            video=video,
            hls_url=hls,
            quiz=quiz,
            attempts=attempts,
            attempt=attempt,
            video_questions=marks,
            asks_place=asks_place,
        )

    async def learning(
        self, session: AsyncSession, actor: Actor | None, slug: str, lesson_id: uuid.UUID
    ) -> LessonPage:
        """The lesson for a learner about to do something in it: enrolled (editors
        preview, they take nothing) and unlocked."""
        page = await self.get(session, actor, slug, lesson_id)
        if page.access is not Access.LEARNER:
            raise NotEnrolled()
        if page.locked:
            raise LessonLocked()
        return page

    async def taking(
        self, session: AsyncSession, actor: Actor | None, slug: str, lesson_id: uuid.UUID
    ) -> tuple[LessonPage, Quiz]:
        """As `learning`, for a lesson that asks questions."""
        page = await self.learning(session, actor, slug, lesson_id)
        if page.quiz is None:
            raise QuizNotFound()
        return page, page.quiz

    async def result(
        self,
        session: AsyncSession,
        actor: Actor | None,
        slug: str,
        lesson_id: uuid.UUID,
        attempt_id: uuid.UUID,
    ) -> tuple[LessonPage, AttemptResult, list[ResultRow]]:
        """A submitted attempt of the learner's at this lesson's questions, as
        `AttemptService.result` decides to tell it."""
        page = await self.get(session, actor, slug, lesson_id)
        if page.quiz is None or page.access is Access.ENROL:
            raise AttemptNotFound()
        result = await attempt_service.result(session, actor, attempt_id)
        attempt = result.attempt
        if attempt.quiz_id != page.quiz.id:
            raise AttemptNotFound()
        context = grading.Attempt(
            seed=attempt.seed,
            started_at=attempt.started_at,
            latitude=attempt.latitude,
            longitude=attempt.longitude,
        )
        grades = {q.id: q for q in result.questions}
        rows = []
        for question in await lesson_repository.questions(session, page.lesson.id):
            if question.quiz_id != page.quiz.id:
                continue
            try:
                view = grading.present(grading.parse_spec(question.spec), context, str(question.id))
            except BadQuestion:
                view = {}
            rows.append(ResultRow(question.prompt, view, grades.get(question.id)))
        return page, result, rows


@dataclass(frozen=True)
class ResultRow:
    """One question of a graded attempt: its prompt, how the learner saw it, and
    its grade (None while the quiz keeps feedback until it closes)."""

    prompt: str
    view: dict[str, Any]
    grade: QuestionResult | None


def _open(attempt: QuizAttempt, now: datetime) -> bool:
    """Open and in time, or within the grace a submit on its way gets (the page
    view graded the attempts past it just before)."""
    return attempt.state is AttemptState.OPEN and not overdue(attempt, now)


def _find(
    detail: CourseDetail, lesson_id: uuid.UUID
) -> tuple[ModuleState, LessonState, Lesson | None, Lesson | None] | None:
    flat = [(module, item) for module in detail.modules for item in module.lessons]
    for n, (module, item) in enumerate(flat):
        if item.lesson.id == lesson_id:
            previous = flat[n - 1][1].lesson if n > 0 else None
            following = flat[n + 1][1].lesson if n + 1 < len(flat) else None
            return module, item, previous, following
    return None


lesson_service = LessonService()
