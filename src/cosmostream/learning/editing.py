"""The course editor's operations beyond adding: change, move and remove the parts of a
course, a quiz's settings, a course's prerequisites, and a path's courses.

- Who may: as in `authoring` — a course's instructor and admins; others get
  `course_not_found` for a draft (and for an unknown module, lesson or
  question) and `forbidden` for a published course they may see.
- Every change locks the course row first (`SELECT … FOR UPDATE`; SQLite
  serialises writers anyway), so two editors' moves take turns and positions
  stay 1..n, dense and unique, after every move and removal.
- Roll-ups: every change to the syllabus recomputes the course's (lessons,
  required lessons, duration) and, when lessons were removed or their
  `required` flag changed, every enrolment's completed counts from the lesson
  progress that is left. Progress in the other lessons is kept as it was; a
  learner whose required lessons are now all complete completes the course
  (and gets its certificate). Completion is never taken back.
- Removing a lesson removes its quiz, attempts and learners' progress in it;
  removing a question removes its answer steps (attempts keep their score).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncSession

from cosmostream.account.schemas import Actor, require_signed_in
from cosmostream.errors import AppError, PermissionDenied, ValidationFailed
from cosmostream.kit.time import utcnow
from cosmostream.learning.authoring import (
    MAX_PREREQUISITES,
    TEXT_MAX,
    _sky_view,
    _text,
    _title,
    authoring_service,
    instant,
)
from cosmostream.learning.editing_repository import editing_repository as repo
from cosmostream.learning.errors import (
    CourseNotFound,
    LessonNotFound,
    QuestionAnswered,
    QuestionNotFound,
)
from cosmostream.learning.paths import PathNotFound
from cosmostream.learning.policy import can_edit_course
from cosmostream.learning.progress import certificate_code
from cosmostream.learning.repository import progress_repository
from cosmostream.models import (
    AttemptScoring,
    Category,
    Course,
    CourseModule,
    FeedbackTiming,
    LearningPath,
    Lesson,
    LessonKind,
    PathCourse,
    PublishState,
    Question,
    Quiz,
    Video,
)
from cosmostream.video.service import video_service

Direction = Literal["up", "down"]
MAX_DURATION = 24 * 3600
MAX_TIME_LIMIT = 24 * 3600
MAX_ATTEMPTS = 100


class ModuleNotFound(AppError):
    status = 404
    code = "module_not_found"
    message = "This module does not exist."


@dataclass(frozen=True)
class LessonFields:
    """What an author may change in a lesson (its kind stays)."""

    title: str
    required: bool = True
    body: str = ""
    video_id: uuid.UUID | None = None
    sky: dict[str, Any] | None = None
    completion_percent: int = 90
    credits_from: float | None = None
    duration_seconds: int | None = None  # non-video lessons: the author's estimate


@dataclass(frozen=True)
class QuizSettings:
    passing_percent: int = 70
    max_attempts: int | None = None
    time_limit_seconds: int | None = None
    shuffle: bool = True
    feedback: FeedbackTiming = FeedbackTiming.AFTER_SUBMIT
    closes_at: datetime | None = None
    scoring: AttemptScoring = AttemptScoring.BEST


@dataclass(frozen=True)
class EditorView:
    """What the course editor shows: the course and its parts in order, for its editors."""

    course: Course
    modules: list[tuple[CourseModule, list[Lesson]]]
    question_counts: dict[uuid.UUID, int]
    prerequisites: list[Course]
    candidates: list[Course]  # published courses it may build on
    videos: list[Video]  # the instructor's ready videos, for new video lessons


@dataclass(frozen=True)
class LessonEditorView:
    course: Course
    lesson: Lesson
    module: CourseModule
    modules: list[CourseModule]
    quiz: Quiz | None
    questions: list[Question]
    videos: list[Video]


@dataclass(frozen=True)
class CreatorHub:
    courses: list[Course]
    paths: list[LearningPath]


@dataclass(frozen=True)
class PathEditorView:
    path: LearningPath
    entries: list[tuple[PathCourse, Course]]
    candidates: list[Course]


def _placed(rows: Sequence[Any]) -> None:
    """Positions 1..n in list order."""
    for n, row in enumerate(rows, start=1):
        if row.position != n:
            row.position = n


def _step(rows: list[Any], row: Any, direction: Direction) -> bool:
    """Move `row` one place within `rows` (in place); False at the end it moves towards."""
    index = rows.index(row)
    to = index - 1 if direction == "up" else index + 1
    if not 0 <= to < len(rows):
        return False
    rows[index], rows[to] = rows[to], rows[index]
    return True


def _direction(value: str) -> Direction:
    if value not in ("up", "down"):
        raise ValidationFailed("Move up or down.", field="direction")
    return "up" if value == "up" else "down"


class EditingService:
    async def editable(
        self, session: AsyncSession, actor: Actor | None, course_id: uuid.UUID
    ) -> Course:
        """The course, locked for this unit of work, if the actor may edit it."""
        return await authoring_service.editable(session, actor, course_id)

    async def _module(
        self, session: AsyncSession, actor: Actor | None, module_id: uuid.UUID
    ) -> tuple[CourseModule, Course]:
        module = await repo.module(session, module_id)
        if module is None:
            require_signed_in(actor)
            raise ModuleNotFound()
        course = await self.editable(session, actor, module.course_id)
        return module, course

    async def _lesson(
        self, session: AsyncSession, actor: Actor | None, lesson_id: uuid.UUID
    ) -> tuple[Lesson, Course]:
        lesson = await repo.lesson(session, lesson_id)
        if lesson is None:
            require_signed_in(actor)
            raise LessonNotFound()
        course = await self.editable(session, actor, lesson.course_id)
        return lesson, course

    # -- modules ---------------------------------------------------------------------

    async def update_module(
        self,
        session: AsyncSession,
        actor: Actor | None,
        module_id: uuid.UUID,
        title: str,
        *,
        unlock_at: datetime | None = None,
        requires_previous: bool = False,
    ) -> CourseModule:
        module, course = await self._module(session, actor, module_id)
        unlock_at = instant(unlock_at, "unlockAt")
        module.title = _title(title)
        module.unlock_at = unlock_at
        module.requires_previous = requires_previous
        course.updated_at = utcnow()
        await session.flush()
        return module

    async def move_module(
        self, session: AsyncSession, actor: Actor | None, module_id: uuid.UUID, direction: str
    ) -> CourseModule:
        way = _direction(direction)
        module, course = await self._module(session, actor, module_id)
        modules = await repo.modules(session, course.id)
        _step(modules, module, way)
        _placed(modules)
        course.updated_at = utcnow()
        await session.flush()
        return module

    async def remove_module(
        self, session: AsyncSession, actor: Actor | None, module_id: uuid.UUID
    ) -> Course:
        module, course = await self._module(session, actor, module_id)
        await repo.delete_module(session, module.id)
        session.expunge(module)
        _placed(await repo.modules(session, course.id))
        await self._roll_up(session, course, recount=True)
        return course

    # -- lessons ---------------------------------------------------------------------

    async def update_lesson(
        self, session: AsyncSession, actor: Actor | None, lesson_id: uuid.UUID, fields: LessonFields
    ) -> Lesson:
        lesson, course = await self._lesson(session, actor, lesson_id)
        actor = require_signed_in(actor)
        if not 1 <= fields.completion_percent <= 100:
            raise ValidationFailed("Completion is between 1 and 100 %.", field="completionPercent")
        title = _title(fields.title)
        body = _text(fields.body, TEXT_MAX, "body")
        duration = lesson.duration_seconds
        video_id = None
        credits_from = None
        sky = None
        if lesson.kind is LessonKind.VIDEO:
            if fields.video_id is None:
                raise ValidationFailed("Choose one of your videos.", field="videoId")
            if fields.video_id != lesson.video_id:
                video = await video_service.get_managed(session, actor, fields.video_id)
                length = video.duration_seconds or 0
            else:
                length = float(lesson.duration_seconds)
                if lesson.video_id is not None:
                    video = await video_service.get_managed(session, actor, lesson.video_id)
                    length = video.duration_seconds or length
            duration = round(length)
            if fields.credits_from is not None and not 0 < fields.credits_from <= length:
                raise ValidationFailed(
                    "The end credits start inside the video.", field="creditsFrom"
                )
            video_id, credits_from = fields.video_id, fields.credits_from
        else:
            if fields.video_id is not None:
                raise ValidationFailed("Only video lessons show a video.", field="videoId")
            if fields.duration_seconds is not None:
                if not 0 <= fields.duration_seconds <= MAX_DURATION:
                    raise ValidationFailed("A lesson takes at most a day.", field="duration")
                duration = fields.duration_seconds
        if lesson.kind is LessonKind.SKY:
            sky = _sky_view(fields.sky)
        recount = lesson.required != fields.required
        lesson.title = title
        lesson.body = body
        lesson.required = fields.required
        lesson.video_id = video_id
        lesson.credits_from = credits_from
        lesson.sky = sky
        lesson.completion_percent = fields.completion_percent
        lesson.duration_seconds = duration
        lesson.updated_at = utcnow()
        await session.flush()
        await self._roll_up(session, course, recount=recount)
        return lesson

    async def move_lesson(
        self, session: AsyncSession, actor: Actor | None, lesson_id: uuid.UUID, direction: str
    ) -> Lesson:
        """One place up or down; past the first or last lesson of its module, into the end of
        the module before or the start of the module after."""
        way = _direction(direction)
        lesson, course = await self._lesson(session, actor, lesson_id)
        siblings = await repo.lessons(session, lesson.module_id)
        if _step(siblings, lesson, way):
            _placed(siblings)
        else:
            modules = await repo.modules(session, course.id)
            index = next(i for i, m in enumerate(modules) if m.id == lesson.module_id)
            to = index - 1 if way == "up" else index + 1
            if 0 <= to < len(modules):
                await self._into(session, lesson, siblings, modules[to], at_end=way == "up")
        course.updated_at = utcnow()
        await session.flush()
        return lesson

    async def place_lesson(
        self,
        session: AsyncSession,
        actor: Actor | None,
        lesson_id: uuid.UUID,
        module_id: uuid.UUID,
        position: int,
    ) -> Lesson:
        """Put a lesson at a position (1-based, clamped) of a module of the same course."""
        lesson, course = await self._lesson(session, actor, lesson_id)
        target = await repo.module(session, module_id)
        if target is None or target.course_id != course.id:
            raise ValidationFailed("Choose a module of this course.", field="moduleId")
        siblings = await repo.lessons(session, lesson.module_id)
        siblings.remove(lesson)
        if target.id == lesson.module_id:
            rows = siblings
        else:
            _placed(siblings)
            rows = await repo.lessons(session, target.id)
            lesson.module_id = target.id
        rows.insert(max(0, min(position - 1, len(rows))), lesson)
        _placed(rows)
        course.updated_at = utcnow()
        await session.flush()
        return lesson

    async def _into(
        self,
        session: AsyncSession,
        lesson: Lesson,
        siblings: list[Lesson],
        module: CourseModule,
        *,
        at_end: bool,
    ) -> None:
        siblings.remove(lesson)
        _placed(siblings)
        rows = await repo.lessons(session, module.id)
        lesson.module_id = module.id
        rows.insert(len(rows) if at_end else 0, lesson)
        _placed(rows)

    async def remove_lesson(
        self, session: AsyncSession, actor: Actor | None, lesson_id: uuid.UUID
    ) -> Course:
        lesson, course = await self._lesson(session, actor, lesson_id)
        module_id = lesson.module_id
        await repo.delete_lesson(session, lesson.id)
        session.expunge(lesson)
        _placed(await repo.lessons(session, module_id))
        await self._roll_up(session, course, recount=True)
        return course

    # -- questions and quiz settings ---------------------------------------------------

    async def _question_of(
        self, session: AsyncSession, actor: Actor | None, question_id: uuid.UUID
    ) -> tuple[Question, Course]:
        question = await repo.question(session, question_id)
        if question is None:
            require_signed_in(actor)
            raise QuestionNotFound()
        lesson = await repo.lesson(session, question.lesson_id)
        assert lesson is not None
        return question, await self.editable(session, actor, lesson.course_id)

    async def move_question(
        self, session: AsyncSession, actor: Actor | None, question_id: uuid.UUID, direction: str
    ) -> Question:
        way = _direction(direction)
        question, course = await self._question_of(session, actor, question_id)
        questions = await repo.lesson_questions(session, question.lesson_id)
        _step(questions, question, way)
        _placed(questions)
        course.updated_at = utcnow()
        await session.flush()
        return question

    async def remove_question(
        self, session: AsyncSession, actor: Actor | None, question_id: uuid.UUID
    ) -> Course:
        question, course = await self._question_of(session, actor, question_id)
        if await repo.answered(session, question.id):
            # Learners' answers are theirs: fix the question instead (a regrade applies it).
            raise QuestionAnswered()
        lesson_id = question.lesson_id
        await repo.delete_question(session, question.id)
        session.expunge(question)
        _placed(await repo.lesson_questions(session, lesson_id))
        course.updated_at = utcnow()
        await session.flush()
        return course

    async def update_question(
        self,
        session: AsyncSession,
        actor: Actor | None,
        question_id: uuid.UUID,
        *,
        prompt: str,
        spec: dict[str, Any],
        points: int = 1,
        at_seconds: float | None = None,
        required: bool = True,
    ) -> Question:
        """The whole question from the editor's form (a changed spec bumps its version)."""
        question, _ = await self._question_of(session, actor, question_id)
        lesson = await repo.lesson(session, question.lesson_id)
        assert lesson is not None
        if not 1 <= points <= 100:
            raise ValidationFailed("A question is worth 1 to 100 points.", field="points")
        if at_seconds is not None and lesson.kind is not LessonKind.VIDEO:
            raise ValidationFailed("Only video lessons ask at a moment.", field="atSeconds")
        if at_seconds is not None and not 0 <= at_seconds <= MAX_DURATION:
            raise ValidationFailed("Ask inside the video.", field="atSeconds")
        question = await authoring_service.update_question(
            session, actor, question_id, prompt=prompt, spec=spec
        )
        question.points = points
        question.at_seconds = at_seconds
        question.required = required
        await session.flush()
        return question

    async def question_ids(self, session: AsyncSession, lesson_id: uuid.UUID) -> set[uuid.UUID]:
        return {q.id for q in await repo.lesson_questions(session, lesson_id)}

    async def module_ids(self, session: AsyncSession, course_id: uuid.UUID) -> set[uuid.UUID]:
        return {m.id for m in await repo.modules(session, course_id)}

    async def set_quiz(
        self,
        session: AsyncSession,
        actor: Actor | None,
        lesson_id: uuid.UUID,
        settings: QuizSettings,
    ) -> Quiz:
        """A lesson's quiz settings (a quiz lesson gets its quiz here if it has none yet)."""
        lesson, course = await self._lesson(session, actor, lesson_id)
        if lesson.kind is LessonKind.ARTICLE:
            raise ValidationFailed("Articles have no quiz.", field="lessonId")
        if not 0 <= settings.passing_percent <= 100:
            raise ValidationFailed("The passing score is 0 to 100 %.", field="passingPercent")
        if settings.max_attempts is not None and not 1 <= settings.max_attempts <= MAX_ATTEMPTS:
            raise ValidationFailed(
                f"Allow 1 to {MAX_ATTEMPTS} attempts, or leave it open.", field="maxAttempts"
            )
        if settings.time_limit_seconds is not None and not (
            60 <= settings.time_limit_seconds <= MAX_TIME_LIMIT
        ):
            raise ValidationFailed(
                "A time limit is one minute to one day, or none.", field="timeLimit"
            )
        closes_at = instant(settings.closes_at, "closesAt")
        if settings.feedback is FeedbackTiming.AFTER_CLOSE and settings.closes_at is None:
            raise ValidationFailed("Feedback after closing needs a closing time.", field="closesAt")
        quiz = await repo.quiz_of(session, lesson.id)
        if quiz is None:
            quiz = Quiz(lesson_id=lesson.id)
            session.add(quiz)
        quiz.passing_percent = settings.passing_percent
        quiz.max_attempts = settings.max_attempts
        quiz.time_limit_seconds = settings.time_limit_seconds
        quiz.shuffle = settings.shuffle
        quiz.feedback = settings.feedback
        quiz.closes_at = closes_at
        quiz.scoring = settings.scoring
        course.updated_at = utcnow()
        await session.flush()
        return quiz

    # -- prerequisites ---------------------------------------------------------------

    async def set_prerequisites(
        self,
        session: AsyncSession,
        actor: Actor | None,
        course_id: uuid.UUID,
        slugs: list[str],
    ) -> list[Course]:
        """The published courses this one builds on (replacing the list); never itself,
        never a course that already builds on this one (no cycles)."""
        course = await self.editable(session, actor, course_id)
        wanted = list(dict.fromkeys(s.strip() for s in slugs if s.strip()))
        if len(wanted) > MAX_PREREQUISITES:
            raise ValidationFailed(
                f"A course builds on at most {MAX_PREREQUISITES} others.", field="prerequisites"
            )
        found = {c.slug: c for c in await repo.courses_by_slug(session, wanted)}
        chosen: list[Course] = []
        for slug in wanted:
            other = found.get(slug)
            if other is None or (
                other.state is not PublishState.PUBLISHED and other.id != course.id
            ):
                raise ValidationFailed(
                    f"“{slug}” is not a published course.", field="prerequisites"
                )
            if other.id == course.id:
                raise ValidationFailed("A course cannot require itself.", field="prerequisites")
            chosen.append(other)
        # A cycle: some chosen course already needs this one, directly or further back.
        seen: set[uuid.UUID] = set()
        frontier = [c.id for c in chosen]
        while frontier:
            if course.id in frontier:
                raise ValidationFailed(
                    "That would make a circle: a chosen course already builds on this one.",
                    field="prerequisites",
                )
            seen.update(frontier)
            frontier = [r for r in await repo.requires(session, frontier) if r not in seen]
        await repo.set_prerequisites(session, course.id, [c.id for c in chosen])
        course.updated_at = utcnow()
        await session.flush()
        return chosen

    # -- what the editor pages show ------------------------------------------------------

    async def topics(self, session: AsyncSession) -> list[Category]:
        return await repo.topics(session)

    async def readable(self, session: AsyncSession, actor: Actor | None, slug: str) -> Course:
        """A course for its editors; to anyone else it looks missing, published or not."""
        actor = require_signed_in(actor)
        course = await repo.course_by_slug(session, slug)
        if course is None or not can_edit_course(actor, course):
            raise CourseNotFound()
        return course

    async def editor(self, session: AsyncSession, actor: Actor | None, slug: str) -> EditorView:
        course = await self.readable(session, actor, slug)
        modules = await repo.modules(session, course.id)
        lessons = await repo.course_lessons(session, course.id)
        by_module: dict[uuid.UUID, list[Lesson]] = {m.id: [] for m in modules}
        for lesson in sorted(lessons, key=lambda row: (row.position, row.id)):
            by_module.setdefault(lesson.module_id, []).append(lesson)
        prerequisites = await repo.prerequisites(session, course.id)
        candidates = [c for c in await repo.published_courses(session) if c.id != course.id]
        return EditorView(
            course,
            [(m, by_module[m.id]) for m in modules],
            await repo.question_counts(session, course.id),
            prerequisites,
            candidates,
            await repo.ready_videos_of(session, course.instructor_id),
        )

    async def lesson_editor(
        self, session: AsyncSession, actor: Actor | None, slug: str, lesson_id: uuid.UUID
    ) -> LessonEditorView:
        actor = require_signed_in(actor)
        course = await self.readable(session, actor, slug)
        lesson = await repo.lesson(session, lesson_id)
        if lesson is None or lesson.course_id != course.id:
            raise LessonNotFound()
        modules = await repo.modules(session, course.id)
        module = next(m for m in modules if m.id == lesson.module_id)
        videos = (
            await repo.ready_videos_of(session, course.instructor_id)
            if lesson.kind is LessonKind.VIDEO
            else []
        )
        return LessonEditorView(
            course,
            lesson,
            module,
            modules,
            await repo.quiz_of(session, lesson.id),
            await repo.lesson_questions(session, lesson.id),
            videos,
        )

    async def hub(self, session: AsyncSession, actor: Actor | None) -> CreatorHub:
        actor = require_signed_in(actor)
        return CreatorHub(
            await repo.courses_of(session, actor.id), await repo.paths_of(session, actor.id)
        )

    async def path_editor(
        self, session: AsyncSession, actor: Actor | None, slug: str
    ) -> PathEditorView:
        actor = require_signed_in(actor)
        path = await repo.path_by_slug(session, slug)
        if path is None or not (actor.is_admin or actor.id == path.author_id):
            raise PathNotFound()
        entries = await repo.path_courses(session, path.id)
        inside = {course.id for _, course in entries}
        candidates = [c for c in await repo.published_courses(session) if c.id not in inside]
        return PathEditorView(path, entries, candidates)

    # -- roll-ups --------------------------------------------------------------------

    async def _roll_up(self, session: AsyncSession, course: Course, *, recount: bool) -> None:
        lessons = await repo.course_lessons(session, course.id)
        course.lesson_count = len(lessons)
        course.required_count = sum(1 for lesson in lessons if lesson.required)
        course.duration_seconds = sum(lesson.duration_seconds for lesson in lessons)
        course.updated_at = utcnow()
        await session.flush()
        if not recount:
            return
        await repo.recount_enrolments(session, course.id)
        now = utcnow()
        for user_id in await repo.newly_complete(session, course.id, course.required_count):
            if (
                await progress_repository.complete_course(session, user_id, course.id, now)
                and course.issues_certificate
            ):
                await progress_repository.add_certificate(
                    session, user_id, course.id, certificate_code(), now
                )
        await session.flush()

    # -- paths -----------------------------------------------------------------------

    async def _path(self, session: AsyncSession, actor: Actor | None, slug: str) -> LearningPath:
        actor = require_signed_in(actor)
        path = await repo.locked_path(session, slug)
        editor = path is not None and (actor.is_admin or actor.id == path.author_id)
        if path is None or (path.state is not PublishState.PUBLISHED and not editor):
            raise PathNotFound()
        if not editor:
            raise PermissionDenied("Only the path's author can change it.")
        return path

    async def remove_path_course(
        self, session: AsyncSession, actor: Actor | None, slug: str, course_slug: str
    ) -> LearningPath:
        path = await self._path(session, actor, slug)
        entries = await repo.path_entries(session, path.id)
        course = await repo.course_by_slug(session, course_slug)
        entry = next((e for e in entries if course and e.course_id == course.id), None)
        if entry is None:
            raise ValidationFailed("That course is not on this path.", field="courseSlug")
        await repo.remove_path_course(session, path.id, entry.course_id)
        session.expunge(entry)
        entries.remove(entry)
        for n, e in enumerate(entries, start=1):
            e.position = n
        path.updated_at = utcnow()
        await session.flush()
        return path

    async def move_path_course(
        self,
        session: AsyncSession,
        actor: Actor | None,
        slug: str,
        course_slug: str,
        direction: str,
    ) -> LearningPath:
        way = _direction(direction)
        path = await self._path(session, actor, slug)
        entries = await repo.path_entries(session, path.id)
        course = await repo.course_by_slug(session, course_slug)
        entry = next((e for e in entries if course and e.course_id == course.id), None)
        if entry is None:
            raise ValidationFailed("That course is not on this path.", field="courseSlug")
        _step(entries, entry, way)
        for n, e in enumerate(entries, start=1):
            e.position = n
        path.updated_at = utcnow()
        await session.flush()
        return path


editing_service = EditingService()
