"""GraphQL of learning: the course catalogue, enrolment, quiz attempts and lesson progress.

A question reaches a learner only as `QuizQuestion`, built from
`grading.present`: its options and items (shuffled per attempt), the units
the answer may use, its own parameters, the place and time of a sky task —
never which option is right, an accepted answer, a target, a tolerance or an
explanation. Answers go in as `AnswerInput` and are graded on the server;
feedback and explanations come back in `QuizResult`, when the quiz allows.
"""

from __future__ import annotations

import enum
import json
import uuid
from datetime import datetime
from typing import Any

import strawberry

from cosmostream.graphql.context import Info
from cosmostream.graphql.hubs import Category, User
from cosmostream.graphql.relay import Connection, connection
from cosmostream.kit.ids import require_uuid
from cosmostream.learning.attempts import AttemptResult, AttemptView, attempt_service
from cosmostream.learning.authoring import CourseFields, authoring_service
from cosmostream.learning.courses import CourseCard, CourseDetail, course_service
from cosmostream.learning.errors import (
    AttemptNotFound,
    BadAnswer,
    BadQuestion,
    CourseNotFound,
    LessonNotFound,
    QuestionNotFound,
    QuizNotFound,
)
from cosmostream.learning.paths import PathNotFound, PathView, path_service
from cosmostream.learning.progress import progress_service
from cosmostream.models import CourseModule as CourseModuleRow
from cosmostream.models import LessonKind, Level, PathOrder


@strawberry.enum(description="How much a course expects you to know already.")
class CourseLevel(enum.Enum):
    BEGINNER = "beginner"
    INTERMEDIATE = "intermediate"
    ADVANCED = "advanced"


@strawberry.type
class CourseLesson:
    id: strawberry.ID
    title: str
    kind: str = strawberry.field(description="video, article, sky or quiz.")
    position: int
    duration_seconds: int
    required: bool
    locked: bool
    completed: bool
    covered_seconds: float = strawberry.field(
        description="Seconds of the video the server saw you watch (video lessons)."
    )
    video_id: strawberry.ID | None
    quiz_id: strawberry.ID | None = strawberry.field(
        description="The lesson's questions (startQuizAttempt), when it asks some."
    )


@strawberry.type
class CourseModule:
    id: strawberry.ID
    title: str
    position: int
    unlock_at: datetime | None
    locked: bool
    locked_because: str | None = strawberry.field(
        description='"opens" before its unlock date, "previous" until the module before is done.'
    )
    lessons: list[CourseLesson]


@strawberry.type
class CoursePrerequisite:
    slug: str
    title: str
    completed: bool = strawberry.field(description="Whether you completed it.")


@strawberry.type
class Syllabus:
    modules: list[CourseModule]
    prerequisites: list[CoursePrerequisite]
    can_edit: bool
    resume_lesson_id: strawberry.ID | None = strawberry.field(
        description="Where to continue: the first lesson not completed and not locked."
    )
    premium_locked: bool = strawberry.field(
        default=False,
        description="A premium course you may not take now (no `course.premium`): enrolment, "
        "lessons, quizzes and progress answer `premium_required` until you are entitled.",
    )


def _syllabus(detail: CourseDetail) -> Syllabus:
    return Syllabus(
        modules=[
            CourseModule(
                id=strawberry.ID(str(state.module.id)),
                title=state.module.title,
                position=state.module.position,
                unlock_at=state.module.unlock_at,
                locked=state.locked,
                locked_because=state.locked_because,
                lessons=[
                    CourseLesson(
                        id=strawberry.ID(str(item.lesson.id)),
                        title=item.lesson.title,
                        kind=item.lesson.kind.value,
                        position=item.lesson.position,
                        duration_seconds=item.lesson.duration_seconds,
                        required=item.lesson.required,
                        locked=item.locked,
                        completed=item.completed,
                        covered_seconds=item.progress.covered_seconds if item.progress else 0.0,
                        video_id=strawberry.ID(str(item.lesson.video_id))
                        if item.lesson.video_id
                        else None,
                        quiz_id=strawberry.ID(str(item.quiz_id)) if item.quiz_id else None,
                    )
                    for item in state.lessons
                ],
            )
            for state in detail.modules
        ],
        prerequisites=[
            CoursePrerequisite(slug=c.slug, title=c.title, completed=done)
            for c, done in detail.prerequisites
        ],
        can_edit=detail.can_edit,
        resume_lesson_id=strawberry.ID(str(detail.resume.id)) if detail.resume else None,
        premium_locked=detail.premium_locked,
    )


@strawberry.type
class Course:
    card: strawberry.Private[CourseCard]
    detail: strawberry.Private[CourseDetail | None] = None

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.card.course.id))

    @strawberry.field
    def slug(self) -> str:
        return self.card.course.slug

    @strawberry.field
    def title(self) -> str:
        return self.card.course.title

    @strawberry.field
    def summary(self) -> str:
        return self.card.course.summary

    @strawberry.field(description="Markdown.")
    def description(self) -> str:
        return self.card.course.description

    @strawberry.field
    def level(self) -> CourseLevel:
        return CourseLevel(self.card.course.level.value)

    @strawberry.field(description="Premium courses need the course.premium entitlement.")
    def premium(self) -> bool:
        return self.card.course.premium

    @strawberry.field(description="draft, published or archived (drafts: editors only).")
    def state(self) -> str:
        return self.card.course.state.value

    @strawberry.field
    def published_at(self) -> datetime | None:
        return self.card.course.published_at

    @strawberry.field
    def instructor(self) -> User:
        return User(model=self.card.instructor)

    @strawberry.field
    def category(self) -> Category | None:
        return Category.from_model(self.card.category) if self.card.category else None

    @strawberry.field
    def lesson_count(self) -> int:
        return self.card.course.lesson_count

    @strawberry.field
    def duration_seconds(self) -> int:
        return self.card.course.duration_seconds

    @strawberry.field
    def enrolment_count(self) -> int:
        return self.card.course.enrolment_count

    @strawberry.field(description="Whether you are enrolled.")
    def enrolled(self) -> bool:
        return self.card.enrolment is not None

    @strawberry.field(description="Share (0 to 1) of the required lessons you completed.")
    def progress(self) -> float:
        return float(self.card.progress)

    @strawberry.field(description="When you completed it.")
    def completed_at(self) -> datetime | None:
        return self.card.enrolment.completed_at if self.card.enrolment else None

    @strawberry.field(description="Modules, lessons and their state for you.")
    async def syllabus(self, info: Info) -> Syllabus:
        detail = self.detail
        if detail is None:
            async with info.context.db.read() as session:
                detail = await course_service.get(
                    session, info.context.actor, self.card.course.slug
                )
        return _syllabus(detail)


CourseConnection = Connection[Course]


@strawberry.type
class MyLearning:
    in_progress: list[Course]
    completed: list[Course]


@strawberry.type(description="An option of a choice question or an item to put in order.")
class QuizOption:
    id: str
    text: str


@strawberry.type(description="A value drawn for you alone in a computed question.")
class QuizParameter:
    name: str
    value: float


@strawberry.type
class QuizQuestion:
    id: strawberry.ID
    prompt: str = strawberry.field(description="Markdown.")
    points: int
    kind: str = strawberry.field(
        description="single, multiple, numeric, text, ordering, sky or computed."
    )
    mode: str | None = strawberry.field(description="For computed questions: formula or event.")
    options: list[QuizOption] = strawberry.field(
        description="Choices (single, multiple) or the items to order (ordering)."
    )
    units: list[str] = strawberry.field(description="Units a numeric answer may be given in.")
    parameters: list[QuizParameter]
    target: str | None = strawberry.field(description="Sky: what to point the sky map at.")
    latitude: float | None
    longitude: float | None
    at: str | None = strawberry.field(description="Sky: the instant (UTC).")
    body: str | None = strawberry.field(description="Event: the Sun, the Moon or a planet.")
    event: str | None = strawberry.field(description="Event: rise, set or transit.")
    after: str | None = strawberry.field(description="Event: the next one after this instant.")
    needs_place: bool | None = strawberry.field(
        description="Event: true until you give your place (startQuizAttempt's latitude, "
        "longitude)."
    )
    saved_answer: str | None = strawberry.field(
        description="Your last saved answer, as the JSON of an AnswerInput."
    )


@strawberry.type
class QuizAttempt:
    id: strawberry.ID
    number: int
    started_at: datetime
    deadline_at: datetime | None
    attempts_left: int | None = strawberry.field(description="Null when unlimited.")
    questions: list[QuizQuestion]


def _question(q: Any) -> QuizQuestion:
    view: dict[str, Any] = q.view
    kind = view["kind"]
    options = view.get("choices") or view.get("items") or []
    return QuizQuestion(
        id=strawberry.ID(str(q.id)),
        prompt=q.prompt,
        points=q.points,
        kind=kind,
        mode=view.get("mode"),
        options=[QuizOption(id=o["id"], text=o["text"]) for o in options],
        units=list(view.get("units", [])),
        parameters=[
            QuizParameter(name=name, value=value)
            for name, value in (view.get("parameters") or {}).items()
        ],
        target=view.get("target"),
        latitude=view.get("latitude"),
        longitude=view.get("longitude"),
        at=view.get("at"),
        body=view.get("body"),
        event=view.get("event"),
        after=view.get("after"),
        needs_place=view.get("needsPlace"),
        saved_answer=json.dumps(q.saved) if q.saved is not None else None,
    )


def _attempt(view: AttemptView) -> QuizAttempt:
    return QuizAttempt(
        id=strawberry.ID(str(view.attempt.id)),
        number=view.attempt.number,
        started_at=view.attempt.started_at,
        deadline_at=view.attempt.deadline_at,
        attempts_left=view.attempts_left,
        questions=[_question(q) for q in view.questions],
    )


@strawberry.type
class QuestionResult:
    question_id: strawberry.ID
    score: float = strawberry.field(description="0 to 1.")
    points: int
    feedback: list[str]
    explanation: str


@strawberry.type
class QuizResult:
    attempt_id: strawberry.ID
    score: float = strawberry.field(description="Share of the points earned, 0 to 1.")
    passed: bool
    feedback_withheld: bool = strawberry.field(
        description="True while the quiz keeps feedback until it closes."
    )
    questions: list[QuestionResult]


def _result(result: AttemptResult) -> QuizResult:
    return QuizResult(
        attempt_id=strawberry.ID(str(result.attempt.id)),
        score=float(result.score),
        passed=result.passed,
        feedback_withheld=result.feedback_withheld,
        questions=[
            QuestionResult(
                question_id=strawberry.ID(str(q.id)),
                score=float(q.score),
                points=q.points,
                feedback=list(q.feedback),
                explanation=q.explanation,
            )
            for q in result.questions
        ],
    )


@strawberry.input(description="One answer; fill the fields of the question's kind only.")
class AnswerInput:
    question_id: strawberry.ID
    choices: list[str] | None = None
    order: list[str] | None = None
    value: str | None = None
    unit: str | None = None
    text: str | None = None
    altitude: float | None = None
    azimuth: float | None = None
    time: str | None = strawberry.field(
        default=None, description="ISO 8601 with its offset, for event questions."
    )

    def response(self) -> dict[str, Any]:
        fields = ("choices", "order", "value", "unit", "text", "altitude", "azimuth", "time")
        return {name: getattr(self, name) for name in fields if getattr(self, name) is not None}

    def question(self) -> uuid.UUID:
        return require_uuid(self.question_id, QuestionNotFound)


@strawberry.enum(description="What a lesson is.")
class LessonKindChoice(enum.Enum):
    VIDEO = "video"
    ARTICLE = "article"
    SKY = "sky"
    QUIZ = "quiz"


@strawberry.input
class CourseInput:
    title: str
    summary: str = ""
    description: str = strawberry.field(default="", description="Markdown.")
    level: CourseLevel = CourseLevel.BEGINNER
    premium: bool = False
    topic: str | None = strawberry.field(default=None, description="A category slug.")

    def fields(self) -> CourseFields:
        return CourseFields(
            title=self.title,
            summary=self.summary,
            description=self.description,
            level=Level(self.level.value),
            premium=self.premium,
            category_slug=self.topic,
        )


@strawberry.input(
    description="Where and when a sky activity opens the sky map, and where it looks."
)
class SkyViewInput:
    lat: float
    lon: float
    at: datetime
    alt: float = 45.0
    az: float = 180.0
    fov: float = 60.0


@strawberry.input
class LessonInput:
    kind: LessonKindChoice
    title: str
    video_id: strawberry.ID | None = None
    body: str = strawberry.field(
        default="", description="An article's Markdown, a sky activity's task."
    )
    sky: SkyViewInput | None = None
    required: bool = True
    completion_percent: int = strawberry.field(
        default=90, description="Video lessons: the share of the video to watch."
    )
    credits_from: float | None = strawberry.field(
        default=None, description="Video lessons: where the end credits start (not counted)."
    )


@strawberry.type
class AuthoredModule:
    id: strawberry.ID
    title: str
    position: int

    @classmethod
    def of(cls, module: CourseModuleRow) -> AuthoredModule:
        return cls(id=strawberry.ID(str(module.id)), title=module.title, position=module.position)


@strawberry.type
class AuthoredQuestion:
    id: strawberry.ID
    quiz_id: strawberry.ID | None
    version: int = strawberry.field(description="Bumped when the spec changes.")


def _spec(text: str) -> dict[str, Any]:
    try:
        spec = json.loads(text)
    except ValueError:
        raise BadQuestion("The spec is not JSON.", field="spec") from None
    if not isinstance(spec, dict):
        raise BadQuestion("The spec is a JSON object.", field="spec")
    return spec


@strawberry.type(description="A course on a path, with its state for you.")
class PathStep:
    course_id: strawberry.ID
    slug: str
    title: str
    state: str = strawberry.field(description="completed, in_progress, available or locked.")
    requires: list[strawberry.ID] = strawberry.field(
        description="Courses of the path it needs first."
    )


@strawberry.type
class LearningPath:
    slug: str
    title: str
    description: str
    level: CourseLevel
    sequential: bool
    state: str
    can_edit: bool
    steps: list[PathStep]


def _path(view: PathView) -> LearningPath:
    p = view.path
    return LearningPath(
        slug=p.slug,
        title=p.title,
        description=p.description,
        level=CourseLevel(p.level.value),
        sequential=p.order is PathOrder.SEQUENTIAL,
        state=p.state.value,
        can_edit=view.can_edit,
        steps=[
            PathStep(
                course_id=strawberry.ID(str(step.course.id)),
                slug=step.course.slug,
                title=step.course.title,
                state=step.state,
                requires=[strawberry.ID(str(r)) for r in step.requires],
            )
            for step in view.steps
        ],
    )


@strawberry.type
class LearningPathCard:
    slug: str
    title: str
    description: str
    level: CourseLevel


@strawberry.type
class LearningQuery:
    @strawberry.field(description="Published courses, newest first (first <= 50).")
    async def courses(
        self,
        info: Info,
        topic: str | None = None,
        level: CourseLevel | None = None,
        query: str | None = None,
        first: int = 20,
        after: str | None = None,
    ) -> CourseConnection:
        async with info.context.db.read() as session:
            page = await course_service.browse(
                session,
                info.context.actor,
                topic=topic,
                level=Level(level.value) if level else None,
                query=query,
                first=first,
                after=after,
            )
        return connection(page, lambda card: Course(card=card))

    @strawberry.field(description="One course (drafts only for their editors).")
    async def course(self, info: Info, slug: str) -> Course | None:
        async with info.context.db.read() as session:
            try:
                detail = await course_service.get(session, info.context.actor, slug)
            except CourseNotFound:
                return None
        return Course(card=detail.card, detail=detail)

    @strawberry.field(description="Published learning paths, newest first.")
    async def learning_paths(self, info: Info) -> list[LearningPathCard]:
        async with info.context.db.read() as session:
            paths = await path_service.browse(session)
        return [
            LearningPathCard(
                slug=p.slug,
                title=p.title,
                description=p.description,
                level=CourseLevel(p.level.value),
            )
            for p in paths
        ]

    @strawberry.field(
        description="One path with its courses' states for you (drafts: editors only)."
    )
    async def learning_path(self, info: Info, slug: str) -> LearningPath | None:
        async with info.context.db.read() as session:
            try:
                view = await path_service.get(session, info.context.actor, slug)
            except PathNotFound:
                return None
        return _path(view)

    @strawberry.field(description="Your courses: in progress (most recent first) and completed.")
    async def my_learning(self, info: Info) -> MyLearning:
        async with info.context.db.read() as session:
            mine = await course_service.my_learning(session, info.context.require_actor())
        return MyLearning(
            in_progress=[Course(card=c) for c in mine.in_progress],
            completed=[Course(card=c) for c in mine.completed],
        )

    @strawberry.field(description="The result of one of your submitted attempts.")
    async def quiz_result(self, info: Info, attempt_id: strawberry.ID) -> QuizResult:
        actor = info.context.require_actor()
        async with info.context.db.read() as session:
            result = await attempt_service.result(
                session, actor, require_uuid(attempt_id, AttemptNotFound)
            )
        return _result(result)


@strawberry.type
class LearningMutation:
    @strawberry.mutation(description="Enrol in a course (again is a no-op).")
    async def enrol(self, info: Info, slug: str) -> Course:
        actor = info.context.require_actor()
        async with info.context.db.unit_of_work() as session:
            await course_service.enrol(session, actor, slug)
        async with info.context.db.read() as session:
            detail = await course_service.get(session, actor, slug)
        return Course(card=detail.card, detail=detail)

    @strawberry.mutation(
        description="Start an attempt at a quiz, or resume your open one. Questions about "
        "your own sky need your latitude and longitude."
    )
    async def start_quiz_attempt(
        self,
        info: Info,
        quiz_id: strawberry.ID,
        latitude: float | None = None,
        longitude: float | None = None,
    ) -> QuizAttempt:
        actor = info.context.require_actor()
        async with info.context.db.unit_of_work() as session:
            view = await attempt_service.start(
                session,
                actor,
                require_uuid(quiz_id, QuizNotFound),
                latitude=latitude,
                longitude=longitude,
            )
        return _attempt(view)

    @strawberry.mutation(description="Keep an answer (graded when the attempt is submitted).")
    async def save_answer(self, info: Info, attempt_id: strawberry.ID, answer: AnswerInput) -> bool:
        actor = info.context.require_actor()
        async with info.context.db.unit_of_work() as session:
            await attempt_service.save_answer(
                session,
                actor,
                require_uuid(attempt_id, AttemptNotFound),
                answer.question(),
                answer.response(),
            )
        return True

    @strawberry.mutation(
        description="Submit an attempt (with last answers, if any) and get its result."
    )
    async def submit_quiz_attempt(
        self, info: Info, attempt_id: strawberry.ID, answers: list[AnswerInput] | None = None
    ) -> QuizResult:
        actor = info.context.require_actor()
        given: dict[uuid.UUID, dict[str, Any]] = {}
        for answer in answers or []:
            if answer.question() in given:
                raise BadAnswer("Answer each question once.", field="answers")
            given[answer.question()] = answer.response()
        async with info.context.db.unit_of_work() as session:
            result = await attempt_service.submit(
                session, actor, require_uuid(attempt_id, AttemptNotFound), given
            )
        return _result(result)

    @strawberry.mutation(description="Mark an article (or a sky activity without questions) done.")
    async def mark_lesson_done(self, info: Info, lesson_id: strawberry.ID) -> bool:
        actor = info.context.require_actor()
        async with info.context.db.unit_of_work() as session:
            await progress_service.mark_done(
                session, actor, require_uuid(lesson_id, LessonNotFound)
            )
        return True

    @strawberry.mutation(description="Grade every submitted attempt again (course editors).")
    async def regrade_quiz(self, info: Info, quiz_id: strawberry.ID) -> int:
        actor = info.context.require_actor()
        async with info.context.db.unit_of_work() as session:
            return await attempt_service.regrade(
                session, actor, require_uuid(quiz_id, QuizNotFound)
            )

    @strawberry.mutation(description="Start a course as a draft (creators).")
    async def create_course(self, info: Info, input: CourseInput) -> Course:
        actor = info.context.require_actor()
        async with info.context.db.unit_of_work() as session:
            course = await authoring_service.create_course(session, actor, input.fields())
        return await _course_for(info, course.slug)

    @strawberry.mutation(description="Change a course's description (its instructor, admins).")
    async def update_course(self, info: Info, id: strawberry.ID, input: CourseInput) -> Course:
        actor = info.context.require_actor()
        async with info.context.db.unit_of_work() as session:
            course = await authoring_service.update_course(
                session, actor, require_uuid(id, CourseNotFound), input.fields()
            )
        return await _course_for(info, course.slug)

    @strawberry.mutation(description="Add a module at the end of a course.")
    async def add_course_module(
        self,
        info: Info,
        course_id: strawberry.ID,
        title: str,
        unlock_at: datetime | None = None,
        requires_previous: bool = False,
    ) -> AuthoredModule:
        actor = info.context.require_actor()
        async with info.context.db.unit_of_work() as session:
            module = await authoring_service.add_module(
                session,
                actor,
                require_uuid(course_id, CourseNotFound),
                title,
                unlock_at=unlock_at,
                requires_previous=requires_previous,
            )
        return AuthoredModule.of(module)

    @strawberry.mutation(description="Add a lesson at the end of a module.")
    async def add_lesson(
        self, info: Info, module_id: strawberry.ID, input: LessonInput
    ) -> strawberry.ID:
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
        async with info.context.db.unit_of_work() as session:
            lesson = await authoring_service.add_lesson(
                session,
                actor,
                require_uuid(module_id, CourseNotFound),
                LessonKind(input.kind.value),
                input.title,
                video_id=require_uuid(input.video_id, LessonNotFound) if input.video_id else None,
                body=input.body,
                sky=sky,
                required=input.required,
                completion_percent=input.completion_percent,
                credits_from=input.credits_from,
            )
        return strawberry.ID(str(lesson.id))

    @strawberry.mutation(
        description="Add a question to a lesson (its quiz is made with the first). `spec` is "
        "the JSON of a grading spec (docs/api.md, Learning)."
    )
    async def add_question(
        self,
        info: Info,
        lesson_id: strawberry.ID,
        prompt: str,
        spec: str,
        points: int = 1,
        at_seconds: float | None = None,
        required: bool = True,
    ) -> AuthoredQuestion:
        actor = info.context.require_actor()
        async with info.context.db.unit_of_work() as session:
            question = await authoring_service.add_question(
                session,
                actor,
                require_uuid(lesson_id, LessonNotFound),
                prompt,
                _spec(spec),
                points=points,
                at_seconds=at_seconds,
                required=required,
            )
        return _authored(question)

    @strawberry.mutation(description="Change a question; a new spec bumps its version.")
    async def update_question(
        self, info: Info, id: strawberry.ID, prompt: str | None = None, spec: str | None = None
    ) -> AuthoredQuestion:
        actor = info.context.require_actor()
        async with info.context.db.unit_of_work() as session:
            question = await authoring_service.update_question(
                session,
                actor,
                require_uuid(id, QuestionNotFound),
                prompt=prompt,
                spec=_spec(spec) if spec is not None else None,
            )
        return _authored(question)

    @strawberry.mutation(description="Publish a course (at least one lesson).")
    async def publish_course(self, info: Info, id: strawberry.ID) -> Course:
        actor = info.context.require_actor()
        async with info.context.db.unit_of_work() as session:
            course = await authoring_service.publish(
                session, actor, require_uuid(id, CourseNotFound)
            )
        return await _course_for(info, course.slug)


def _authored(question: Any) -> AuthoredQuestion:
    return AuthoredQuestion(
        id=strawberry.ID(str(question.id)),
        quiz_id=strawberry.ID(str(question.quiz_id)) if question.quiz_id else None,
        version=question.version,
    )


async def _course_for(info: Info, slug: str) -> Course:
    async with info.context.db.read() as session:
        detail = await course_service.get(session, info.context.actor, slug)
    return Course(card=detail.card, detail=detail)


@strawberry.type
class LearningPathMutation:
    @strawberry.mutation(description="Start a learning path as a draft (creators).")
    async def create_learning_path(
        self,
        info: Info,
        title: str,
        description: str = "",
        sequential: bool = True,
        level: CourseLevel = CourseLevel.BEGINNER,
    ) -> LearningPath:
        actor = info.context.require_actor()
        async with info.context.db.unit_of_work() as session:
            path = await path_service.create(
                session,
                actor,
                title,
                description,
                PathOrder.SEQUENTIAL if sequential else PathOrder.FREE,
                Level(level.value),
            )
        return await _path_for(info, path.slug)

    @strawberry.mutation(description="Add a published course at the end of your path.")
    async def add_course_to_path(self, info: Info, slug: str, course_slug: str) -> LearningPath:
        actor = info.context.require_actor()
        async with info.context.db.unit_of_work() as session:
            await path_service.add_course(session, actor, slug, course_slug)
        return await _path_for(info, slug)

    @strawberry.mutation(description="Publish your path (at least one course).")
    async def publish_learning_path(self, info: Info, slug: str) -> LearningPath:
        actor = info.context.require_actor()
        async with info.context.db.unit_of_work() as session:
            await path_service.publish(session, actor, slug)
        return await _path_for(info, slug)


async def _path_for(info: Info, slug: str) -> LearningPath:
    async with info.context.db.read() as session:
        view = await path_service.get(session, info.context.actor, slug)
    return _path(view)
