"""Authoring: creators build courses of modules, lessons and questions, and publish them.

- Creators and admins create courses; a course is edited by its instructor
  and admins only. Others get `course_not_found` for a draft and
  `forbidden` for a published course they may see.
- Every change to the syllabus recomputes the course's roll-ups (lessons,
  required lessons, duration) in the same unit of work, so `/learn` and the
  course page never recount.
- A video lesson shows a video its author may manage (their own; admins any).
- A question's spec is checked when saved (`bad_question`, 422, naming the
  field); changing it bumps its version, and a regrade grades submitted
  attempts against the new one. A lesson's first question creates its quiz.
- The sizes the GraphQL cost limit counts on are held here: at most
  `MAX_MODULES` modules, `MAX_LESSONS` lessons per module and
  `MAX_QUESTIONS` questions per lesson.
- Publishing needs at least one lesson. Editing a published course keeps
  learners' progress: lessons are never renumbered away from their rows.
"""

from __future__ import annotations

import math
import re
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from cosmostream.account.schemas import Actor, require_signed_in
from cosmostream.errors import PermissionDenied, ValidationFailed
from cosmostream.forum.service import forum_service
from cosmostream.kit import sql
from cosmostream.kit.time import utcnow
from cosmostream.learning import grading
from cosmostream.learning.authoring_repository import authoring_repository as repo
from cosmostream.learning.errors import CourseNotFound, LessonNotFound, QuestionNotFound
from cosmostream.learning.grading import SKY_FROM, SKY_UNTIL
from cosmostream.learning.policy import can_edit_course, can_see_course
from cosmostream.learning.repository import learning_repository
from cosmostream.models import (
    Course,
    CourseModule,
    Lesson,
    LessonKind,
    Level,
    PublishState,
    Question,
    Quiz,
)
from cosmostream.video.service import video_service

MAX_MODULES = 30
MAX_LESSONS = 50
MAX_QUESTIONS = 100
MAX_PREREQUISITES = 10
TITLE_MAX = 200
SUMMARY_MAX = 500
TEXT_MAX = 50_000


@dataclass(frozen=True)
class CourseFields:
    title: str
    summary: str = ""
    description: str = ""
    level: Level = Level.BEGINNER
    premium: bool = False
    category_slug: str | None = None


def slugify(title: str) -> str:
    """A URL slug from a title: ASCII, lower case, words joined by hyphens."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")
    return slug[:60].rstrip("-") or "course"


EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)


def instant(value: datetime | None, field: str) -> datetime | None:
    """An author's date and time (an unlock or closing time) in UTC: with its offset
    from UTC, between 1900 and 2200."""
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValidationFailed("Give the time with its offset from UTC.", field=field)
    try:
        value = value.astimezone(UTC)
    except OverflowError:
        raise ValidationFailed("Give a date between 1900 and 2200.", field=field) from None
    if not EARLIEST <= value <= LATEST:
        raise ValidationFailed("Give a date between 1900 and 2200.", field=field)
    return value


def _title(value: str, field: str = "title") -> str:
    text = " ".join(value.split())
    if not text:
        raise ValidationFailed("Give it a title.", field=field)
    if len(text) > TITLE_MAX:
        raise ValidationFailed(f"A title has at most {TITLE_MAX} characters.", field=field)
    return text


def _text(value: str, limit: int, field: str) -> str:
    text = value.replace("\r\n", "\n").strip()
    if len(text) > limit:
        raise ValidationFailed(f"At most {limit:,} characters.", field=field)
    return text


class AuthoringService:
    async def editable(
        self, session: AsyncSession, actor: Actor | None, course_id: uuid.UUID
    ) -> Course:
        """The course, locked for this unit of work, if the actor may edit it."""
        actor = require_signed_in(actor)
        course = await repo.course(session, course_id)
        if course is None or not can_see_course(actor, course):
            raise CourseNotFound()
        if not can_edit_course(actor, course):
            raise PermissionDenied("Only the course's instructor can change it.")
        return course

    async def create_course(
        self, session: AsyncSession, actor: Actor | None, fields: CourseFields
    ) -> Course:
        actor = require_signed_in(actor)
        if not actor.is_creator:
            raise PermissionDenied("Only creators can make courses.")
        title = _title(fields.title)
        course = Course(
            slug=await sql.free_slug(session, Course.slug, slugify(title)),
            title=title,
            instructor_id=actor.id,
            state=PublishState.DRAFT,
        )
        await self._apply(session, course, fields)
        await repo.add(session, course)
        return course

    async def update_course(
        self, session: AsyncSession, actor: Actor | None, course_id: uuid.UUID, fields: CourseFields
    ) -> Course:
        course = await self.editable(session, actor, course_id)
        course.title = _title(fields.title)
        await self._apply(session, course, fields)
        course.updated_at = utcnow()
        await session.flush()
        return course

    async def _apply(self, session: AsyncSession, course: Course, fields: CourseFields) -> None:
        course.summary = _text(fields.summary, SUMMARY_MAX, "summary")
        course.description = _text(fields.description, TEXT_MAX, "description")
        course.level = fields.level
        course.premium = fields.premium
        course.category_id = None
        if fields.category_slug:
            category = await repo.category_by_slug(session, fields.category_slug)
            if category is None:
                raise ValidationFailed("There is no such topic.", field="topic")
            course.category_id = category.id

    async def add_module(
        self,
        session: AsyncSession,
        actor: Actor | None,
        course_id: uuid.UUID,
        title: str,
        *,
        unlock_at: datetime | None = None,
        requires_previous: bool = False,
    ) -> CourseModule:
        course = await self.editable(session, actor, course_id)
        modules = await repo.modules(session, course.id)
        if len(modules) >= MAX_MODULES:
            raise ValidationFailed(f"A course has at most {MAX_MODULES} modules.", field="courseId")
        module = CourseModule(
            course_id=course.id,
            position=(modules[-1].position if modules else 0) + 1,
            title=_title(title),
            unlock_at=instant(unlock_at, "unlockAt"),
            requires_previous=requires_previous,
        )
        await repo.add(session, module)
        return module

    async def add_lesson(
        self,
        session: AsyncSession,
        actor: Actor | None,
        module_id: uuid.UUID,
        kind: LessonKind,
        title: str,
        *,
        video_id: uuid.UUID | None = None,
        body: str = "",
        sky: dict[str, Any] | None = None,
        required: bool = True,
        completion_percent: int = 90,
        credits_from: float | None = None,
    ) -> Lesson:
        module = await repo.module(session, module_id)
        if module is None:
            raise CourseNotFound()
        course = await self.editable(session, actor, module.course_id)
        lessons = await repo.lessons(session, module.id)
        if len(lessons) >= MAX_LESSONS:
            raise ValidationFailed(f"A module has at most {MAX_LESSONS} lessons.", field="moduleId")
        if not 1 <= completion_percent <= 100:
            raise ValidationFailed("Completion is between 1 and 100 %.", field="completionPercent")
        duration = 0
        if kind is LessonKind.VIDEO:
            if video_id is None:
                raise ValidationFailed("Choose one of your videos.", field="videoId")
            video = await video_service.get_managed(session, actor, video_id)
            duration = round(video.duration_seconds or 0)
            if credits_from is not None and not 0 < credits_from <= (video.duration_seconds or 0):
                raise ValidationFailed(
                    "The end credits start inside the video.", field="creditsFrom"
                )
        elif video_id is not None:
            raise ValidationFailed("Only video lessons show a video.", field="videoId")
        if kind is LessonKind.SKY:
            sky = _sky_view(sky)
        lesson = Lesson(
            course_id=course.id,
            module_id=module.id,
            position=(lessons[-1].position if lessons else 0) + 1,
            kind=kind,
            title=_title(title),
            duration_seconds=duration,
            required=required,
            video_id=video_id if kind is LessonKind.VIDEO else None,
            body=_text(body, TEXT_MAX, "body"),
            sky=sky,
            completion_percent=completion_percent,
            credits_from=credits_from if kind is LessonKind.VIDEO else None,
        )
        await repo.add(session, lesson)
        await self._roll_up(session, course)
        return lesson

    async def add_question(
        self,
        session: AsyncSession,
        actor: Actor | None,
        lesson_id: uuid.UUID,
        prompt: str,
        spec: dict[str, Any],
        *,
        points: int = 1,
        at_seconds: float | None = None,
        required: bool = True,
    ) -> Question:
        lesson = await repo.lesson(session, lesson_id)
        if lesson is None:
            raise LessonNotFound()
        course = await self.editable(session, actor, lesson.course_id)
        if lesson.kind is LessonKind.ARTICLE:
            raise ValidationFailed("Articles have no questions.", field="lessonId")
        grading.parse_spec(spec)  # bad_question, naming the field
        if not 1 <= points <= 100:
            raise ValidationFailed("A question is worth 1 to 100 points.", field="points")
        if at_seconds is not None and lesson.kind is not LessonKind.VIDEO:
            raise ValidationFailed("Only video lessons ask at a moment.", field="atSeconds")
        quiz = await repo.quiz_of(session, lesson.id)
        if quiz is None:
            quiz = Quiz(lesson_id=lesson.id)
            await repo.add(session, quiz)
        questions = await learning_repository.questions(session, quiz.id)
        if len(questions) >= MAX_QUESTIONS:
            raise ValidationFailed(
                f"A quiz has at most {MAX_QUESTIONS} questions.", field="lessonId"
            )
        question = Question(
            lesson_id=lesson.id,
            quiz_id=quiz.id,
            position=(questions[-1].position if questions else 0) + 1,
            prompt=_text(prompt, TEXT_MAX, "prompt") or "?",
            spec=spec,
            points=points,
            at_seconds=at_seconds,
            required=required,
        )
        await repo.add(session, question)
        course.updated_at = utcnow()
        return question

    async def update_question(
        self,
        session: AsyncSession,
        actor: Actor | None,
        question_id: uuid.UUID,
        *,
        prompt: str | None = None,
        spec: dict[str, Any] | None = None,
    ) -> Question:
        question = await repo.question(session, question_id)
        if question is None:
            raise QuestionNotFound()
        lesson = await repo.lesson(session, question.lesson_id)
        assert lesson is not None
        await self.editable(session, actor, lesson.course_id)
        if prompt is not None:
            question.prompt = _text(prompt, TEXT_MAX, "prompt") or "?"
        if spec is not None and spec != question.spec:
            grading.parse_spec(spec)
            question.spec = spec
            question.version += 1  # answers graded before say which version they met
        question.updated_at = utcnow()
        await session.flush()
        return question

    async def publish(
        self, session: AsyncSession, actor: Actor | None, course_id: uuid.UUID
    ) -> Course:
        course = await self.editable(session, actor, course_id)
        await self._roll_up(session, course)
        if course.lesson_count == 0:
            raise ValidationFailed("Add a lesson before publishing.", field="courseId")
        if course.state is not PublishState.PUBLISHED:
            course.state = PublishState.PUBLISHED
            course.published_at = utcnow()
        if course.forum_category_id is None:
            # Learners and the instructor discuss the course in a forum category of its own.
            category = await forum_service.open_category(
                session,
                slug=f"course-{course.slug}",
                name=course.title,
                description=f"Discussion of the course “{course.title}”.",
            )
            course.forum_category_id = category.id
        await session.flush()
        return course

    async def _roll_up(self, session: AsyncSession, course: Course) -> None:
        lessons = await repo.course_lessons(session, course.id)
        course.lesson_count = len(lessons)
        course.required_count = sum(1 for lesson in lessons if lesson.required)
        course.duration_seconds = sum(lesson.duration_seconds for lesson in lessons)
        course.updated_at = utcnow()
        await session.flush()


def _sky_view(sky: dict[str, Any] | None) -> dict[str, Any]:
    """A sky activity's view: where and when the map opens, and where it looks."""
    if not isinstance(sky, dict):
        raise ValidationFailed("Say where and when the sky map opens.", field="sky")
    try:
        latitude, longitude = float(sky["lat"]), float(sky["lon"])
        at = datetime.fromisoformat(str(sky["at"]).replace("Z", "+00:00"))
        altitude = float(sky.get("alt", 45.0))
        azimuth = float(sky.get("az", 180.0)) % 360.0
        fov = float(sky.get("fov", 60.0))
    except (KeyError, TypeError, ValueError):
        raise ValidationFailed("The sky view needs lat, lon and at.", field="sky") from None
    if at.tzinfo is None:
        raise ValidationFailed("Give the sky view's time with its offset from UTC.", field="sky")
    if not all(math.isfinite(x) for x in (latitude, longitude, altitude, azimuth, fov)):
        raise ValidationFailed("The sky view needs numbers.", field="sky")
    if not SKY_FROM <= at <= SKY_UNTIL:
        raise ValidationFailed("The sky map shows 1900 to 2049.", field="sky")
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180 and -90 <= altitude <= 90):
        raise ValidationFailed("The sky view is not on Earth's sky.", field="sky")
    if not 1 <= fov <= 180:
        raise ValidationFailed("The field of view is 1 to 180 degrees.", field="sky")
    return {
        "lat": latitude,
        "lon": longitude,
        "at": at.isoformat(),
        "alt": altitude,
        "az": azimuth,
        "fov": fov,
    }


authoring_service = AuthoringService()
