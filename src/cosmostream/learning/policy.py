"""Who may see and edit what in learning: decided here, used by every service."""

from __future__ import annotations

from cosmostream.account.schemas import Actor
from cosmostream.models import Course, PublishState


def can_edit_course(actor: Actor | None, course: Course) -> bool:
    return actor is not None and (actor.is_admin or actor.id == course.instructor_id)


def can_see_course(actor: Actor | None, course: Course) -> bool:
    """Published courses are public; drafts and archived ones only to their editors."""
    return course.state is PublishState.PUBLISHED or can_edit_course(actor, course)
