"""Whether a lesson is open to a learner: its module's unlock date and "requires previous".

The syllabus shows the same locks (`courses.module_states`); this is the check the
services make before a learner acts on a lesson (starts its quiz, marks it done, or
completes it by watching). A course's editors are never locked out.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from cosmostream.learning.catalog_repository import course_catalog_repository as repo
from cosmostream.learning.courses import module_states
from cosmostream.learning.errors import LessonLocked
from cosmostream.models import Course, Lesson


async def lock_reason(
    session: AsyncSession, user_id: uuid.UUID, lesson: Lesson, course: Course, now: datetime
) -> str | None:
    """ "opens" or "previous" when the lesson's module is locked for the learner, else None.

    Two queries (ix_course_modules_course and ix_lessons_course, then
    ix_lesson_progress_course), run only when a lesson is about to be acted on.
    """
    modules, lessons = await repo.syllabus(session, course.id)
    module = next((m for m in modules if m.id == lesson.module_id), None)
    if module is None or (module.unlock_at is None and not module.requires_previous):
        return None
    progress = await repo.lesson_progress(session, user_id, course.id)
    for state in module_states(modules, lessons, progress, now):
        if state.module.id == lesson.module_id:
            return state.locked_because
    return None  # pragma: no cover - the module is one of the course's


async def require_open(
    session: AsyncSession, user_id: uuid.UUID, lesson: Lesson, course: Course, now: datetime
) -> None:
    """Refuse with `lesson_locked` when the lesson's module is locked for the learner."""
    reason = await lock_reason(session, user_id, lesson, course, now)
    if reason is not None:
        raise LessonLocked(reason)
