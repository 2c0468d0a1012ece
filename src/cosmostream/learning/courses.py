"""The course catalogue: listing, one course with its syllabus for a viewer, enrolment,
and "My learning".

- Published courses are listed for everyone, newest first, by topic, level and
  words; drafts and archived courses exist only for their editors.
- A course page shows its modules and lessons with, for an enrolled learner,
  each lesson's state (completed, available, locked) and where to resume.
- A module is locked until its unlock date, and — when it requires the earlier
  module — until every required lesson of that module is complete.
- Enrolling needs the course's prerequisite courses complete
  (`prerequisites_missing`, 409); enrolling twice is enrolling once.
- Premium courses are listed and flagged; who may take them is decided by
  entitlements once billing exists (issue 14).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction

from sqlalchemy.ext.asyncio import AsyncSession

from cosmostream.account.schemas import Actor, require_signed_in
from cosmostream.errors import ValidationFailed
from cosmostream.kit.pagination import Page, decode_after, encode_cursor, page_size
from cosmostream.kit.time import utcnow
from cosmostream.learning.catalog_repository import course_catalog_repository as repo
from cosmostream.learning.errors import CourseNotFound, PrerequisitesMissing
from cosmostream.learning.policy import can_edit_course, can_see_course
from cosmostream.learning.premium import course_locked, require_course_access
from cosmostream.models import (
    Category,
    Course,
    CourseModule,
    Enrolment,
    Lesson,
    LessonProgress,
    Level,
    User,
)

MAX_PAGE = 50
MAX_QUERY_WORDS = 8
MAX_QUERY_CHARS = 200
SORT = "course_new"


@dataclass(frozen=True)
class CourseCard:
    course: Course
    instructor: User
    category: Category | None
    enrolment: Enrolment | None = None

    @property
    def progress(self) -> Fraction:
        """Share of the required lessons the viewer completed (0 when not enrolled)."""
        if self.enrolment is None or self.course.required_count == 0:
            return Fraction(0)
        return min(
            Fraction(1), Fraction(self.enrolment.completed_required, self.course.required_count)
        )


@dataclass(frozen=True)
class LessonState:
    lesson: Lesson
    progress: LessonProgress | None
    locked: bool
    quiz_id: uuid.UUID | None = None  # the lesson's questions, when it asks some

    @property
    def completed(self) -> bool:
        return self.progress is not None and self.progress.completed_at is not None


@dataclass(frozen=True)
class ModuleState:
    module: CourseModule
    lessons: list[LessonState]
    locked: bool
    # Why: "opens" (before unlock_at) or "previous" (the earlier module is not done).
    locked_because: str | None = None


@dataclass(frozen=True)
class CourseDetail:
    card: CourseCard
    modules: list[ModuleState]
    prerequisites: list[tuple[Course, bool]]  # (course, completed by the viewer)
    can_edit: bool
    resume: Lesson | None = None
    # Premium and the viewer may not take it (no `course.premium`): an upgrade
    # call instead of Enrol; enrolled learners keep their progress but cannot go on.
    premium_locked: bool = False

    @property
    def enrolled(self) -> bool:
        return self.card.enrolment is not None


@dataclass(frozen=True)
class MyLearning:
    in_progress: list[CourseCard] = field(default_factory=list)
    completed: list[CourseCard] = field(default_factory=list)


def module_states(
    modules: list[CourseModule],
    lessons: list[Lesson],
    progress: dict[uuid.UUID, LessonProgress],
    now: datetime,
    quizzes: dict[uuid.UUID, uuid.UUID] | None = None,
) -> list[ModuleState]:
    """Modules in order with their lessons' states and their locks."""
    by_module: dict[uuid.UUID, list[Lesson]] = {m.id: [] for m in modules}
    for lesson in lessons:
        by_module.setdefault(lesson.module_id, []).append(lesson)
    states: list[ModuleState] = []
    previous_done = True
    for module in modules:
        reason = None
        if module.unlock_at is not None and now < module.unlock_at:
            reason = "opens"
        elif module.requires_previous and not previous_done:
            reason = "previous"
        items = [
            LessonState(
                lesson,
                progress.get(lesson.id),
                locked=reason is not None,
                quiz_id=(quizzes or {}).get(lesson.id),
            )
            for lesson in by_module[module.id]
        ]
        states.append(ModuleState(module, items, locked=reason is not None, locked_because=reason))
        previous_done = all(item.completed for item in items if item.lesson.required)
    return states


class CourseService:
    async def browse(
        self,
        session: AsyncSession,
        actor: Actor | None,
        *,
        topic: str | None = None,
        level: Level | None = None,
        query: str | None = None,
        first: int = 20,
        after: str | None = None,
        premium: bool | None = None,
        instructor_id: uuid.UUID | None = None,
    ) -> Page[CourseCard]:
        """Published courses, newest first, by topic, level, words, free (`premium`
        False) or premium (True) and teacher (`instructor_id`, for channel pages)."""
        first = page_size(first, MAX_PAGE)
        position = decode_after(after, SORT, datetime)
        category_id = None
        if topic:
            category = await repo.category_by_slug(session, topic)
            if category is None:
                raise ValidationFailed("There is no such topic.", field="topic")
            category_id = category.id
        if query is not None and len(query) > MAX_QUERY_CHARS:
            raise ValidationFailed(
                f"Search with at most {MAX_QUERY_CHARS} characters.", field="query"
            )
        words = (query or "").split()[:MAX_QUERY_WORDS]
        courses = await repo.page(
            session,
            category_id=category_id,
            level=level,
            words=words,
            after=position,
            limit=first + 1,
            premium=premium,
            instructor_id=instructor_id,
        )
        cards = await self._cards(session, actor, courses[:first])
        cursors = [encode_cursor(SORT, c.course.published_at, c.course.id) for c in cards]
        return Page(items=cards, cursors=cursors, has_next=len(courses) > first)

    async def _cards(
        self, session: AsyncSession, actor: Actor | None, courses: list[Course]
    ) -> list[CourseCard]:
        people = await repo.people(session, {c.instructor_id for c in courses})
        categories = await repo.categories(
            session, {c.category_id for c in courses if c.category_id}
        )
        enrolments = (
            await repo.enrolments(session, actor.id, [c.id for c in courses]) if actor else {}
        )
        return [
            CourseCard(
                course=c,
                instructor=people[c.instructor_id],
                category=categories.get(c.category_id) if c.category_id else None,
                enrolment=enrolments.get(c.id),
            )
            for c in courses
        ]

    async def _visible(self, session: AsyncSession, actor: Actor | None, slug: str) -> Course:
        course = await repo.by_slug(session, slug)
        if course is None or not can_see_course(actor, course):
            raise CourseNotFound()
        return course

    async def get(self, session: AsyncSession, actor: Actor | None, slug: str) -> CourseDetail:
        course = await self._visible(session, actor, slug)
        [card] = await self._cards(session, actor, [course])
        modules, lessons = await repo.syllabus(session, course.id)
        progress = (
            await repo.lesson_progress(session, actor.id, course.id)
            if actor is not None and card.enrolment is not None
            else {}
        )
        quizzes = await repo.quiz_ids(session, course.id)
        states = module_states(modules, lessons, progress, utcnow(), quizzes)
        required = await repo.prerequisites(session, course.id)
        done = (
            await repo.completed_course_ids(session, actor.id, [c.id for c in required])
            if actor is not None
            else set()
        )
        resume = None
        if card.enrolment is not None:
            resume = next(
                (
                    item.lesson
                    for state in states
                    for item in state.lessons
                    if not item.completed and not item.locked
                ),
                None,
            )
        return CourseDetail(
            card=card,
            modules=states,
            prerequisites=[(c, c.id in done) for c in required],
            can_edit=can_edit_course(actor, course),
            resume=resume,
            premium_locked=await course_locked(session, actor, course),
        )

    async def enrol(self, session: AsyncSession, actor: Actor | None, slug: str) -> Enrolment:
        actor = require_signed_in(actor)
        course = await self._visible(session, actor, slug)
        await require_course_access(session, actor, course)
        required = await repo.prerequisites(session, course.id)
        done = await repo.completed_course_ids(session, actor.id, [c.id for c in required])
        missing = [c.title for c in required if c.id not in done]
        if missing:
            raise PrerequisitesMissing(
                "Complete " + ", ".join(f"“{title}”" for title in missing) + " first."
            )
        await repo.enrol(session, actor.id, course.id, utcnow())
        enrolment = (await repo.enrolments(session, actor.id, [course.id]))[course.id]
        return enrolment

    async def my_learning(
        self, session: AsyncSession, actor: Actor | None, limit: int = 50
    ) -> MyLearning:
        actor = require_signed_in(actor)
        rows = await repo.my_enrolments(session, actor.id, limit)
        people = await repo.people(session, {course.instructor_id for _, course in rows})
        categories = await repo.categories(
            session, {c.category_id for _, c in rows if c.category_id}
        )
        mine = MyLearning()
        for enrolment, course in rows:
            if not can_see_course(actor, course):
                continue  # a course taken down since
            card = CourseCard(
                course=course,
                instructor=people[course.instructor_id],
                category=categories.get(course.category_id) if course.category_id else None,
                enrolment=enrolment,
            )
            (mine.completed if enrolment.completed_at else mine.in_progress).append(card)
        return mine


course_service = CourseService()
