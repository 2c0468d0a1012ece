"""Premium courses: who may take them (`course.premium`), decided on every request.

A premium course's page and syllabus are shown to everyone who may see the
course, with an upgrade call instead of Enrol; enrolling, its lessons, quizzes
(start, save, submit, results) and progress (playback credit, marking done,
hence certificates) need the `course.premium` entitlement — or editing rights
(the instructor, admins). Refusals are 403 `premium_required`: the course is
listed, so hiding it would only confuse. Entitlements are derived per request
(`billing.entitlements.held`), so a cancelled plan stops a learner on their
next request; their enrolment and progress stay, and they continue where they
were once entitled again.
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from cosmostream.account.repository import user_repository
from cosmostream.account.schemas import Actor
from cosmostream.billing.entitlements import held
from cosmostream.billing.plans import COURSE_PREMIUM
from cosmostream.learning.errors import CoursePremiumRequired
from cosmostream.learning.policy import can_edit_course
from cosmostream.models import Course, Role


async def course_locked(session: AsyncSession, actor: Actor | None, course: Course) -> bool:
    """Whether the course is premium and `actor` may not take it now."""
    if not course.premium or can_edit_course(actor, course):
        return False
    return COURSE_PREMIUM not in await held(session, actor.id if actor is not None else None)


async def learner_locked(session: AsyncSession, user_id: uuid.UUID, course: Course) -> bool:
    """`course_locked` for a learner known by id (events without an actor, e.g. playback)."""
    if not course.premium or user_id == course.instructor_id:
        return False
    user = await user_repository.get(session, user_id)
    if user is not None and user.role is Role.ADMIN:
        return False
    return COURSE_PREMIUM not in await held(session, user_id)


async def require_course_access(session: AsyncSession, actor: Actor | None, course: Course) -> None:
    """Refuse (`premium_required`, 403) a premium course to whoever may not take it."""
    if await course_locked(session, actor, course):
        raise CoursePremiumRequired()
