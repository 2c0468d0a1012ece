# mypy: disable-error-code="untyped-decorator"
"""GraphQL of the course editor: change, move and remove modules, lessons and questions;
quiz settings; course prerequisites; a path's courses (learning/editing.py).

Who may: a course's instructor and admins (a path's author and admins); others
get `course_not_found` / `path_not_found` for drafts and unknown parts, and
`forbidden` for published ones.
"""

from __future__ import annotations

import enum
from datetime import datetime

import strawberry

from cosmostream.graphql.context import Info
from cosmostream.kit.ids import require_uuid
from cosmostream.learning.editing import (
    LessonFields,
    ModuleNotFound,
    QuizSettings,
    editing_service,
)
from cosmostream.learning.errors import CourseNotFound, LessonNotFound, QuestionNotFound
from cosmostream.learning.gql import AuthoredModule, LearningPath, SkyViewInput, _path_for
from cosmostream.models import AttemptScoring, Course, FeedbackTiming, Lesson


@strawberry.enum(description="Which way to move a part one place.")
class MoveDirection(enum.Enum):
    UP = "up"
    DOWN = "down"


@strawberry.enum(description="When a learner sees feedback and explanations.")
class QuizFeedback(enum.Enum):
    AFTER_SUBMIT = "after_submit"
    AFTER_CLOSE = "after_close"


@strawberry.enum(description="Which attempt counts.")
class QuizScoring(enum.Enum):
    BEST = "best"
    LAST = "last"


@strawberry.input(description="A lesson's fields; its kind stays what it was.")
class LessonUpdateInput:
    title: str
    required: bool = True
    video_id: strawberry.ID | None = None
    body: str = strawberry.field(
        default="", description="An article's Markdown, a sky activity's task."
    )
    sky: SkyViewInput | None = None
    completion_percent: int = 90
    credits_from: float | None = None
    duration_seconds: int | None = strawberry.field(
        default=None, description="Not video lessons: how long it takes (a video's is its own)."
    )


@strawberry.input
class QuizSettingsInput:
    passing_percent: int = strawberry.field(
        default=70, description="An attempt passes when its score ≥ this share of the points."
    )
    max_attempts: int | None = strawberry.field(default=None, description="None: unlimited.")
    time_limit_seconds: int | None = strawberry.field(
        default=None, description="Enforced by the server; None: no limit."
    )
    shuffle: bool = True
    feedback: QuizFeedback = QuizFeedback.AFTER_SUBMIT
    closes_at: datetime | None = None
    scoring: QuizScoring = QuizScoring.BEST


@strawberry.type
class EditedLesson:
    id: strawberry.ID
    module_id: strawberry.ID
    position: int
    title: str
    required: bool
    duration_seconds: int


@strawberry.type
class EditedQuestion:
    id: strawberry.ID
    position: int


@strawberry.type
class QuizSettingsResult:
    quiz_id: strawberry.ID
    passing_percent: int
    max_attempts: int | None
    time_limit_seconds: int | None
    shuffle: bool
    feedback: QuizFeedback
    closes_at: datetime | None
    scoring: QuizScoring


@strawberry.type
class CourseRollUp:
    """A course's roll-ups after an edit."""

    id: strawberry.ID
    lesson_count: int
    required_count: int
    duration_seconds: int


def _lesson(lesson: Lesson) -> EditedLesson:
    return EditedLesson(
        id=strawberry.ID(str(lesson.id)),
        module_id=strawberry.ID(str(lesson.module_id)),
        position=lesson.position,
        title=lesson.title,
        required=lesson.required,
        duration_seconds=lesson.duration_seconds,
    )


def _roll_up(course: Course) -> CourseRollUp:
    return CourseRollUp(
        id=strawberry.ID(str(course.id)),
        lesson_count=course.lesson_count,
        required_count=course.required_count,
        duration_seconds=course.duration_seconds,
    )


@strawberry.type
class CourseEditorMutation:
    @strawberry.mutation(description="Change a module's title, unlock date and lock.")
    async def update_course_module(
        self,
        info: Info,
        id: strawberry.ID,
        title: str,
        unlock_at: datetime | None = None,
        requires_previous: bool = False,
    ) -> AuthoredModule:
        actor = info.context.require_actor()
        async with info.context.db.unit_of_work() as session:
            module = await editing_service.update_module(
                session,
                actor,
                require_uuid(id, ModuleNotFound),
                title,
                unlock_at=unlock_at,
                requires_previous=requires_previous,
            )
            return AuthoredModule.of(module)

    @strawberry.mutation(description="Move a module one place up or down.")
    async def move_course_module(
        self, info: Info, id: strawberry.ID, direction: MoveDirection
    ) -> AuthoredModule:
        actor = info.context.require_actor()
        async with info.context.db.unit_of_work() as session:
            module = await editing_service.move_module(
                session, actor, require_uuid(id, ModuleNotFound), direction.value
            )
            return AuthoredModule.of(module)

    @strawberry.mutation(
        description="Remove a module with its lessons (and learners' progress in them)."
    )
    async def remove_course_module(self, info: Info, id: strawberry.ID) -> CourseRollUp:
        actor = info.context.require_actor()
        async with info.context.db.unit_of_work() as session:
            course = await editing_service.remove_module(
                session, actor, require_uuid(id, ModuleNotFound)
            )
            return _roll_up(course)

    @strawberry.mutation(description="Change a lesson (not its kind).")
    async def update_lesson(
        self, info: Info, id: strawberry.ID, input: LessonUpdateInput
    ) -> EditedLesson:
        actor = info.context.require_actor()
        sky = None
        if input.sky is not None:
            sky = {
                "lat": input.sky.lat,
                "lon": input.sky.lon,
                "at": input.sky.at.isoformat(),
                "alt": input.sky.alt,
                "az": input.sky.az,
                "fov": input.sky.fov,
            }
        fields = LessonFields(
            title=input.title,
            required=input.required,
            body=input.body,
            video_id=require_uuid(input.video_id, LessonNotFound) if input.video_id else None,
            sky=sky,
            completion_percent=input.completion_percent,
            credits_from=input.credits_from,
            duration_seconds=input.duration_seconds,
        )
        async with info.context.db.unit_of_work() as session:
            lesson = await editing_service.update_lesson(
                session, actor, require_uuid(id, LessonNotFound), fields
            )
            return _lesson(lesson)

    @strawberry.mutation(
        description="Move a lesson one place; past its module's end, into the next module."
    )
    async def move_lesson(
        self, info: Info, id: strawberry.ID, direction: MoveDirection
    ) -> EditedLesson:
        actor = info.context.require_actor()
        async with info.context.db.unit_of_work() as session:
            lesson = await editing_service.move_lesson(
                session, actor, require_uuid(id, LessonNotFound), direction.value
            )
            return _lesson(lesson)

    @strawberry.mutation(description="Put a lesson at a position (from 1) of a module.")
    async def place_lesson(
        self, info: Info, id: strawberry.ID, module_id: strawberry.ID, position: int
    ) -> EditedLesson:
        actor = info.context.require_actor()
        async with info.context.db.unit_of_work() as session:
            lesson = await editing_service.place_lesson(
                session,
                actor,
                require_uuid(id, LessonNotFound),
                require_uuid(module_id, ModuleNotFound),
                position,
            )
            return _lesson(lesson)

    @strawberry.mutation(description="Remove a lesson (and learners' progress in it).")
    async def remove_lesson(self, info: Info, id: strawberry.ID) -> CourseRollUp:
        actor = info.context.require_actor()
        async with info.context.db.unit_of_work() as session:
            course = await editing_service.remove_lesson(
                session, actor, require_uuid(id, LessonNotFound)
            )
            return _roll_up(course)

    @strawberry.mutation(description="Move a question one place up or down.")
    async def move_question(
        self, info: Info, id: strawberry.ID, direction: MoveDirection
    ) -> EditedQuestion:
        actor = info.context.require_actor()
        async with info.context.db.unit_of_work() as session:
            question = await editing_service.move_question(
                session, actor, require_uuid(id, QuestionNotFound), direction.value
            )
            return EditedQuestion(id=strawberry.ID(str(question.id)), position=question.position)

    @strawberry.mutation(description="Remove a question (its answer steps go with it).")
    async def remove_question(self, info: Info, id: strawberry.ID) -> bool:
        actor = info.context.require_actor()
        async with info.context.db.unit_of_work() as session:
            await editing_service.remove_question(
                session, actor, require_uuid(id, QuestionNotFound)
            )
        return True

    @strawberry.mutation(description="A lesson's quiz settings (a quiz lesson's quiz is made).")
    async def set_quiz_settings(
        self, info: Info, lesson_id: strawberry.ID, input: QuizSettingsInput
    ) -> QuizSettingsResult:
        actor = info.context.require_actor()
        settings = QuizSettings(
            passing_percent=input.passing_percent,
            max_attempts=input.max_attempts,
            time_limit_seconds=input.time_limit_seconds,
            shuffle=input.shuffle,
            feedback=FeedbackTiming(input.feedback.value),
            closes_at=input.closes_at,
            scoring=AttemptScoring(input.scoring.value),
        )
        async with info.context.db.unit_of_work() as session:
            quiz = await editing_service.set_quiz(
                session, actor, require_uuid(lesson_id, LessonNotFound), settings
            )
            return QuizSettingsResult(
                quiz_id=strawberry.ID(str(quiz.id)),
                passing_percent=quiz.passing_percent,
                max_attempts=quiz.max_attempts,
                time_limit_seconds=quiz.time_limit_seconds,
                shuffle=quiz.shuffle,
                feedback=QuizFeedback(quiz.feedback.value),
                closes_at=quiz.closes_at,
                scoring=QuizScoring(quiz.scoring.value),
            )

    @strawberry.mutation(
        description="The published courses a course builds on (replaces the list; no cycles)."
    )
    async def set_course_prerequisites(
        self, info: Info, course_id: strawberry.ID, slugs: list[str]
    ) -> list[str]:
        actor = info.context.require_actor()
        async with info.context.db.unit_of_work() as session:
            chosen = await editing_service.set_prerequisites(
                session, actor, require_uuid(course_id, CourseNotFound), slugs
            )
            return [c.slug for c in chosen]

    @strawberry.mutation(description="Take a course off your path.")
    async def remove_course_from_path(
        self, info: Info, slug: str, course_slug: str
    ) -> LearningPath:
        actor = info.context.require_actor()
        async with info.context.db.unit_of_work() as session:
            await editing_service.remove_path_course(session, actor, slug, course_slug)
        return await _path_for(info, slug)

    @strawberry.mutation(description="Move a course one place up or down your path.")
    async def move_course_in_path(
        self, info: Info, slug: str, course_slug: str, direction: MoveDirection
    ) -> LearningPath:
        actor = info.context.require_actor()
        async with info.context.db.unit_of_work() as session:
            await editing_service.move_path_course(
                session, actor, slug, course_slug, direction.value
            )
        return await _path_for(info, slug)
