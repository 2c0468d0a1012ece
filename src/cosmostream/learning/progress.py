"""Progress that means something: lessons completed from what the server saw, rolled up.

- A **video lesson** is complete when the learner's coverage of its video (the
  union of the stretches the server credited from player events, see
  `coverage.py`, not counting the end credits) reaches the author's threshold,
  and every required question asked in it has been answered.
- A **quiz lesson** is complete when an attempt passes.
- A **sky activity** is complete when its required questions are answered,
  or, without questions, when the learner says it is done; an **article**
  when the learner says so.
- Completion is set once and never cleared: watching again, a failed later
  attempt or a regrade never takes it back.
- Each completion adds to the learner's enrolment in the same unit of work
  (completed lessons, completed required lessons). When the required lessons
  are all complete the course is, once, and a course that issues a
  certificate issues it then.

Player events reach `on_playback` through engagement's `playback_step`
signal, connected by this domain's `Domain.receivers`.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from cosmostream.account.schemas import Actor, require_signed_in
from cosmostream.engagement.signals import PlaybackStep
from cosmostream.errors import ValidationFailed
from cosmostream.kit.time import utcnow
from cosmostream.learning import coverage, locks
from cosmostream.learning.errors import LessonNotFound, NotEnrolled
from cosmostream.learning.policy import can_edit_course, can_see_course
from cosmostream.learning.premium import learner_locked, require_course_access
from cosmostream.learning.repository import learning_repository, progress_repository
from cosmostream.models import Course, Lesson, LessonKind, LessonProgress
from cosmostream.video.repository import video_repository

# Certificate codes: no letters that read like digits (0/O, 1/I/L, 5/S, 8/B, U/V).
CODE_ALPHABET = "ACDEFGHJKMNPQRTWXY2345679"
CODE_GROUPS = 3
CODE_GROUP_LENGTH = 4


def certificate_code() -> str:
    groups = (
        "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_GROUP_LENGTH))
        for _ in range(CODE_GROUPS)
    )
    return "CS-" + "-".join(groups)


class ProgressService:
    async def on_playback(self, session: AsyncSession, step: PlaybackStep) -> None:
        """Credit a player event to every video lesson of this video the learner is enrolled in."""
        lessons = await progress_repository.video_lessons(session, step.user_id, step.video_id)
        if not lessons:
            return
        credit = coverage.credited(
            coverage.Step(step.from_position, step.to_position, step.elapsed_seconds, step.playing),
            step.duration,
        )
        for lesson, course in lessons:
            if await learner_locked(session, step.user_id, course):
                continue  # a premium course without the plan: progress waits for it
            progress = await progress_repository.locked_progress(
                session, step.user_id, lesson, step.at
            )
            ranges = coverage.add([(r[0], r[1]) for r in progress.ranges], credit)
            progress.ranges = [[start, end] for start, end in ranges]
            progress.covered_seconds = coverage.covered_seconds(ranges)
            progress.position = step.to_position
            if credit is not None:
                progress.time_spent_seconds += step.elapsed_seconds
            progress.updated_at = step.at
            await self._check(
                session, step.user_id, lesson, course, progress, step.at, step.duration
            )
        await session.flush()

    async def after_answer(
        self, session: AsyncSession, user_id: uuid.UUID, lesson_id: uuid.UUID
    ) -> None:
        """A question of the lesson was answered: it may now be complete."""
        found = await progress_repository.lesson(session, lesson_id)
        if found is None:
            return
        lesson, course = found
        if lesson.kind is LessonKind.QUIZ:
            return  # a quiz lesson completes when an attempt passes
        if await learning_repository.enrolment(session, user_id, course.id) is None:
            return
        now = utcnow()
        progress = await progress_repository.locked_progress(session, user_id, lesson, now)
        await self._check(session, user_id, lesson, course, progress, now, None)

    async def after_quiz(
        self, session: AsyncSession, user_id: uuid.UUID, lesson_id: uuid.UUID, passed: bool
    ) -> None:
        """An attempt at a quiz lesson was graded; a pass completes the lesson."""
        found = await progress_repository.lesson(session, lesson_id)
        if found is None:
            return
        lesson, course = found
        if lesson.kind is not LessonKind.QUIZ or not passed:
            return
        if await learning_repository.enrolment(session, user_id, course.id) is None:
            return
        now = utcnow()
        progress = await progress_repository.locked_progress(session, user_id, lesson, now)
        if progress.completed_at is None:
            await self._complete(session, user_id, lesson, course, progress, now)

    async def mark_done(
        self, session: AsyncSession, actor: Actor | None, lesson_id: uuid.UUID
    ) -> LessonProgress:
        """The learner says they finished an article (or a sky activity without questions)."""
        actor = require_signed_in(actor)
        found = await progress_repository.lesson(session, lesson_id)
        if found is None or not can_see_course(actor, found[1]):
            raise LessonNotFound()
        lesson, course = found
        await require_course_access(session, actor, course)
        if await learning_repository.enrolment(session, actor.id, course.id) is None:
            raise NotEnrolled()
        if lesson.kind is LessonKind.SKY:
            if await progress_repository.lesson_quiz(session, lesson.id) is not None:
                raise ValidationFailed(
                    "Answer the activity's questions to complete it.", field="lessonId"
                )
        elif lesson.kind is not LessonKind.ARTICLE:
            raise ValidationFailed(
                "This lesson completes by itself as you take it.", field="lessonId"
            )
        now = utcnow()
        if not can_edit_course(actor, course):
            await locks.require_open(session, actor.id, lesson, course, now)
        progress = await progress_repository.locked_progress(session, actor.id, lesson, now)
        if progress.completed_at is None:
            await self._complete(session, actor.id, lesson, course, progress, now)
        else:
            await progress_repository.touch(session, actor.id, lesson, now)
        return progress

    async def _check(
        self,
        session: AsyncSession,
        user_id: uuid.UUID,
        lesson: Lesson,
        course: Course,
        progress: LessonProgress,
        now: datetime,
        duration: float | None,
    ) -> None:
        if progress.completed_at is not None:
            await progress_repository.touch(session, user_id, lesson, now)
            return
        if lesson.kind is LessonKind.VIDEO:
            if duration is None:
                video = (
                    await video_repository.get(session, lesson.video_id)
                    if lesson.video_id
                    else None
                )
                duration = (video.duration_seconds if video else None) or float(
                    lesson.duration_seconds
                )
            ranges = [(r[0], r[1]) for r in progress.ranges]
            watched = coverage.coverage(ranges, duration, lesson.credits_from)
            done = watched * 100 >= lesson.completion_percent
        elif lesson.kind is LessonKind.SKY:
            done = await progress_repository.lesson_quiz(session, lesson.id) is not None
        else:
            done = False
        if (
            done
            and await progress_repository.unanswered_required(session, user_id, lesson.id) == 0
            # Watching a lesson of a locked module counts, but completes it only once open.
            and await locks.lock_reason(session, user_id, lesson, course, now) is None
        ):
            await self._complete(session, user_id, lesson, course, progress, now)
        else:
            await progress_repository.touch(session, user_id, lesson, now)

    async def _complete(
        self,
        session: AsyncSession,
        user_id: uuid.UUID,
        lesson: Lesson,
        course: Course,
        progress: LessonProgress,
        now: datetime,
    ) -> None:
        progress.completed_at = now
        await session.flush()
        enrolment = await progress_repository.count_completion(session, user_id, lesson, now)
        if (
            enrolment is not None
            and course.required_count > 0
            and enrolment.completed_required >= course.required_count
            and await progress_repository.complete_course(session, user_id, course.id, now)
            and course.issues_certificate
        ):
            await progress_repository.add_certificate(
                session, user_id, course.id, certificate_code(), now
            )


progress_service = ProgressService()
