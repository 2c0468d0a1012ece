"""The course editor's operations: change, move and remove parts with dense positions,
quiz settings, prerequisites without cycles, paths' courses, roll-ups after edits, and
who may do each (GraphQL)."""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from cosmostream.db import Database
from cosmostream.errors import AppError
from cosmostream.kit.time import utcnow
from cosmostream.learning.attempts import attempt_service
from cosmostream.learning.authoring import authoring_service
from cosmostream.learning.editing import LessonFields, editing_service
from cosmostream.learning.errors import QuestionAnswered
from cosmostream.learning.progress import progress_service
from cosmostream.models import (
    AnswerStep,
    Certificate,
    Course,
    CourseModule,
    CoursePrerequisite,
    Enrolment,
    LearningPath,
    Lesson,
    LessonKind,
    LessonProgress,
    PathCourse,
    PathOrder,
    PublishState,
    Question,
    Quiz,
    User,
)
from tests.factories import actor, make_video
from tests.learning.conftest import call, code, enrol

SINGLE = {
    "kind": "single",
    "choices": [{"id": "a", "text": "Io", "correct": True}, {"id": "b", "text": "Titan"}],
}


@dataclass
class Built:
    course: Course
    modules: list[CourseModule]
    lessons: list[list[Lesson]]  # per module
    questions: list[Question]  # of the quiz lesson (modules[0], lessons[0][1])


async def build(
    db: Database, instructor: User, *, state: PublishState = PublishState.DRAFT
) -> Built:
    """Two modules: [article, quiz (2 questions)] and [article, article]."""
    async with db.unit_of_work() as session:
        slug = f"course-{uuid.uuid4().hex[:8]}"
        course = Course(
            slug=slug,
            title=f"Course {slug}",
            instructor_id=instructor.id,
            state=state,
            published_at=utcnow() if state is PublishState.PUBLISHED else None,
            lesson_count=4,
            required_count=4,
        )
        session.add(course)
        await session.flush()
        modules, lessons = [], []
        for m in (1, 2):
            module = CourseModule(course_id=course.id, position=m, title=f"Module {m}")
            session.add(module)
            await session.flush()
            modules.append(module)
            kinds = [LessonKind.ARTICLE, LessonKind.QUIZ if m == 1 else LessonKind.ARTICLE]
            row = []
            for n, kind in enumerate(kinds, start=1):
                lesson = Lesson(
                    course_id=course.id,
                    module_id=module.id,
                    position=n,
                    kind=kind,
                    title=f"Lesson {m}.{n}",
                )
                session.add(lesson)
                row.append(lesson)
            await session.flush()
            lessons.append(row)
        quiz = Quiz(lesson_id=lessons[0][1].id)
        session.add(quiz)
        await session.flush()
        questions = []
        for n in (1, 2):
            question = Question(
                lesson_id=lessons[0][1].id,
                quiz_id=quiz.id,
                position=n,
                prompt=f"Q{n}",
                spec=SINGLE,
            )
            session.add(question)
            questions.append(question)
        await session.flush()
    return Built(course, modules, lessons, questions)


async def layout(db: Database, course_id: uuid.UUID) -> list[list[tuple[str, int]]]:
    """Each module's lessons in order as (title, position), modules in order; positions checked."""
    async with db.read() as session:
        modules = list(
            await session.scalars(
                select(CourseModule)
                .where(CourseModule.course_id == course_id)
                .order_by(CourseModule.position)
            )
        )
        assert [m.position for m in modules] == list(range(1, len(modules) + 1))
        found = []
        for module in modules:
            lessons = list(
                await session.scalars(
                    select(Lesson).where(Lesson.module_id == module.id).order_by(Lesson.position)
                )
            )
            assert [lesson.position for lesson in lessons] == list(range(1, len(lessons) + 1))
            found.append([(lesson.title, lesson.position) for lesson in lessons])
    return found


def titles(found: list[list[tuple[str, int]]]) -> list[list[str]]:
    return [[title for title, _ in module] for module in found]


# -- GraphQL operations and who may use them ----------------------------------------

UPDATE_MODULE = """mutation($id: ID!) { updateCourseModule(id: $id, title: "Renamed",
  requiresPrevious: true, unlockAt: "2030-01-01T00:00:00Z") { title position } }"""
MOVE_MODULE = "mutation($id: ID!) { moveCourseModule(id: $id, direction: UP) { position } }"
REMOVE_MODULE = "mutation($id: ID!) { removeCourseModule(id: $id) { lessonCount requiredCount } }"
UPDATE_LESSON = """mutation($id: ID!) { updateLesson(id: $id, input: {title: "Edited",
  required: false, body: "# Hi", durationSeconds: 300}) { title required durationSeconds } }"""
MOVE_LESSON = "mutation($id: ID!) { moveLesson(id: $id, direction: DOWN) { position moduleId } }"
PLACE_LESSON = (
    "mutation($id: ID!, $m: ID!) { placeLesson(id: $id, moduleId: $m, position: 1) { position } }"
)
REMOVE_LESSON = "mutation($id: ID!) { removeLesson(id: $id) { lessonCount } }"
MOVE_QUESTION = "mutation($id: ID!) { moveQuestion(id: $id, direction: UP) { position } }"
REMOVE_QUESTION = "mutation($id: ID!) { removeQuestion(id: $id) }"
QUIZ = """mutation($id: ID!) { setQuizSettings(lessonId: $id, input: {passingPercent: 80,
  maxAttempts: 3, timeLimitSeconds: 600, shuffle: false, scoring: LAST}) { passingPercent scoring } }"""
PREREQUISITES = (
    "mutation($id: ID!, $s: [String!]!) { setCoursePrerequisites(courseId: $id, slugs: $s) }"
)


def operations(built: Built, other_slug: str) -> dict[str, tuple[str, dict[str, Any]]]:
    quiz_lesson = built.lessons[0][1]
    return {
        "updateModule": (UPDATE_MODULE, {"id": str(built.modules[0].id)}),
        "moveModule": (MOVE_MODULE, {"id": str(built.modules[1].id)}),
        "removeModule": (REMOVE_MODULE, {"id": str(built.modules[1].id)}),
        "updateLesson": (UPDATE_LESSON, {"id": str(built.lessons[0][0].id)}),
        "moveLesson": (MOVE_LESSON, {"id": str(built.lessons[0][0].id)}),
        "placeLesson": (
            PLACE_LESSON,
            {"id": str(built.lessons[0][0].id), "m": str(built.modules[1].id)},
        ),
        "removeLesson": (REMOVE_LESSON, {"id": str(built.lessons[1][1].id)}),
        "moveQuestion": (MOVE_QUESTION, {"id": str(built.questions[1].id)}),
        "removeQuestion": (REMOVE_QUESTION, {"id": str(built.questions[0].id)}),
        "quizSettings": (QUIZ, {"id": str(quiz_lesson.id)}),
        "prerequisites": (PREREQUISITES, {"id": str(built.course.id), "s": [other_slug]}),
    }


@pytest.mark.parametrize("state", [PublishState.DRAFT, PublishState.PUBLISHED])
async def test_who_may_edit(
    client: httpx.AsyncClient,
    db: Database,
    people: dict[str, User],
    tokens: dict[str, str | None],
    state: PublishState,
) -> None:
    other = await build(db, people["creator"], state=PublishState.PUBLISHED)
    refused = "course_not_found" if state is PublishState.DRAFT else "forbidden"
    expected = {
        "anonymous": "not_authenticated",
        "learner": refused,  # enrolled, when published
        "other": refused,
        "creator": refused,
        "instructor": None,
        "admin": None,
    }
    names = operations(await build(db, people["instructor"]), other.course.slug)
    for name in names:
        for who, wanted in expected.items():
            built = await build(db, people["instructor"], state=state)
            if state is PublishState.PUBLISHED:
                await enrol(db, people["learner"], built.course)
            query, variables = operations(built, other.course.slug)[name]
            body = await call(client, tokens[who], query, **variables)
            assert code(body) == wanted, (name, who, body)
            if wanted is not None:
                # Nothing was changed by a refused edit.
                assert titles(await layout(db, built.course.id)) == [
                    ["Lesson 1.1", "Lesson 1.2"],
                    ["Lesson 2.1", "Lesson 2.2"],
                ]


async def test_unknown_parts_look_missing(
    client: httpx.AsyncClient, tokens: dict[str, str | None]
) -> None:
    missing = str(uuid.uuid4())
    for query, variables, wanted in (
        (MOVE_MODULE, {"id": missing}, "module_not_found"),
        (MOVE_MODULE, {"id": "nope"}, "module_not_found"),
        (REMOVE_LESSON, {"id": missing}, "lesson_not_found"),
        (REMOVE_QUESTION, {"id": missing}, "question_not_found"),
        (PREREQUISITES, {"id": missing, "s": []}, "course_not_found"),
    ):
        assert code(await call(client, tokens["instructor"], query, **variables)) == wanted


async def test_graphql_edits_do_what_they_say(
    client: httpx.AsyncClient, db: Database, people: dict[str, User], tokens: dict[str, str | None]
) -> None:
    me = tokens["instructor"]
    built = await build(db, people["instructor"])
    other = await build(db, people["creator"], state=PublishState.PUBLISHED)
    ops = operations(built, other.course.slug)

    def data(body: dict[str, Any], field: str) -> Any:
        assert code(body) is None, body
        return body["data"][field]

    assert data(
        await call(client, me, *ops["updateModule"][:1], **ops["updateModule"][1]),
        "updateCourseModule",
    ) == {"title": "Renamed", "position": 1}
    assert data(
        await call(client, me, ops["moveModule"][0], **ops["moveModule"][1]), "moveCourseModule"
    ) == {"position": 1}
    assert titles(await layout(db, built.course.id)) == [
        ["Lesson 2.1", "Lesson 2.2"],
        ["Lesson 1.1", "Lesson 1.2"],
    ]
    edited = data(
        await call(client, me, *ops["updateLesson"][:1], **ops["updateLesson"][1]), "updateLesson"
    )
    assert edited == {"title": "Edited", "required": False, "durationSeconds": 300}
    async with db.read() as session:
        course = await session.get(Course, built.course.id)
        assert course is not None
        assert (course.lesson_count, course.required_count, course.duration_seconds) == (4, 3, 300)
    settings = data(
        await call(client, me, ops["quizSettings"][0], **ops["quizSettings"][1]), "setQuizSettings"
    )
    assert settings == {"passingPercent": 80, "scoring": "LAST"}
    assert data(
        await call(client, me, ops["moveQuestion"][0], **ops["moveQuestion"][1]), "moveQuestion"
    ) == {"position": 1}
    async with db.read() as session:
        order = list(
            await session.scalars(
                select(Question.prompt)
                .where(Question.lesson_id == built.lessons[0][1].id)
                .order_by(Question.position)
            )
        )
    assert order == ["Q2", "Q1"]
    assert (
        data(
            await call(client, me, ops["removeQuestion"][0], **ops["removeQuestion"][1]),
            "removeQuestion",
        )
        is True
    )
    async with db.read() as session:
        positions = list(
            await session.scalars(
                select(Question.position).where(Question.lesson_id == built.lessons[0][1].id)
            )
        )
    assert positions == [1]
    assert data(
        await call(client, me, ops["prerequisites"][0], **ops["prerequisites"][1]),
        "setCoursePrerequisites",
    ) == [other.course.slug]
    removed = data(
        await call(client, me, ops["removeModule"][0], **ops["removeModule"][1]),
        "removeCourseModule",
    )
    assert removed == {"lessonCount": 2, "requiredCount": 1}
    assert titles(await layout(db, built.course.id)) == [["Edited", "Lesson 1.2"]]


# -- positions ----------------------------------------------------------------------


async def test_positions_stay_dense_through_moves_and_removals(
    db: Database, people: dict[str, User]
) -> None:
    built = await build(db, people["instructor"])
    me = actor(people["instructor"])
    l11, l12 = built.lessons[0]
    l21, l22 = built.lessons[1]

    async def run(coro_factory: Any) -> None:
        async with db.unit_of_work() as session:
            await coro_factory(session)

    # Down past the end of module 1: first in module 2.
    await run(lambda s: editing_service.move_lesson(s, me, l12.id, "down"))
    assert titles(await layout(db, built.course.id)) == [
        ["Lesson 1.1"],
        ["Lesson 1.2", "Lesson 2.1", "Lesson 2.2"],
    ]
    # Up past the start of module 2: last in module 1, and back where it was.
    await run(lambda s: editing_service.move_lesson(s, me, l12.id, "up"))
    assert titles(await layout(db, built.course.id)) == [
        ["Lesson 1.1", "Lesson 1.2"],
        ["Lesson 2.1", "Lesson 2.2"],
    ]
    # Up at the very top stays put.
    await run(lambda s: editing_service.move_lesson(s, me, l11.id, "up"))
    await run(lambda s: editing_service.move_module(s, me, built.modules[0].id, "up"))
    assert titles(await layout(db, built.course.id)) == [
        ["Lesson 1.1", "Lesson 1.2"],
        ["Lesson 2.1", "Lesson 2.2"],
    ]
    await run(lambda s: editing_service.place_lesson(s, me, l22.id, built.modules[0].id, 2))
    await run(lambda s: editing_service.place_lesson(s, me, l11.id, built.modules[0].id, 99))
    assert titles(await layout(db, built.course.id)) == [
        ["Lesson 2.2", "Lesson 1.2", "Lesson 1.1"],
        ["Lesson 2.1"],
    ]
    await run(lambda s: editing_service.remove_lesson(s, me, l12.id))
    assert titles(await layout(db, built.course.id)) == [
        ["Lesson 2.2", "Lesson 1.1"],
        ["Lesson 2.1"],
    ]
    await run(lambda s: editing_service.move_module(s, me, built.modules[1].id, "up"))
    await run(lambda s: editing_service.remove_module(s, me, built.modules[0].id))
    assert titles(await layout(db, built.course.id)) == [["Lesson 2.1"]]
    async with db.read() as session:
        course = await session.get(Course, built.course.id)
        assert course is not None and course.lesson_count == 1
    with pytest.raises(AppError) as refused:
        await run(lambda s: editing_service.move_lesson(s, me, l21.id, "sideways"))
    assert refused.value.status == 422


async def test_concurrent_edits_keep_positions_dense(db: Database, people: dict[str, User]) -> None:
    built = await build(db, people["instructor"])
    me = actor(people["instructor"])

    async def move(lesson: Lesson, direction: str) -> None:
        async with db.unit_of_work() as session:
            await editing_service.move_lesson(session, me, lesson.id, direction)

    async def remove(lesson: Lesson) -> None:
        async with db.unit_of_work() as session:
            await editing_service.remove_lesson(session, me, lesson.id)

    await asyncio.gather(
        move(built.lessons[0][1], "down"),
        move(built.lessons[1][1], "up"),
        remove(built.lessons[0][0]),
        move(built.lessons[1][0], "up"),
    )
    found = await layout(db, built.course.id)  # asserts 1..n in every module
    assert sorted(t for module in titles(found) for t in module) == [
        "Lesson 1.2",
        "Lesson 2.1",
        "Lesson 2.2",
    ]


# -- roll-ups -------------------------------------------------------------------------


async def test_roll_ups_follow_removals_and_required_changes(
    db: Database, people: dict[str, User]
) -> None:
    built = await build(db, people["instructor"], state=PublishState.PUBLISHED)
    me = actor(people["instructor"])
    learner = people["learner"]
    await enrol(db, learner, built.course)
    l11, l12 = built.lessons[0]
    l21, l22 = built.lessons[1]
    for lesson in (l11, l21):
        async with db.unit_of_work() as session:
            await progress_service.mark_done(session, actor(learner), lesson.id)

    async def enrolment() -> Enrolment:
        async with db.read() as session:
            found = await session.get(Enrolment, (learner.id, built.course.id))
            assert found is not None
            return found

    assert (await enrolment()).completed_lessons == 2
    # Removing a completed lesson drops it from the roll-up; the other stays counted.
    async with db.unit_of_work() as session:
        await editing_service.remove_lesson(session, me, l11.id)
    got = await enrolment()
    assert (got.completed_lessons, got.completed_required) == (1, 1)
    async with db.read() as session:
        kept = await session.get(LessonProgress, (learner.id, l21.id))
        assert kept is not None and kept.completed_at is not None
    # A completed lesson made optional counts as completed, not as required.
    async with db.unit_of_work() as session:
        await editing_service.update_lesson(
            session,
            me,
            l21.id,
            LessonFields(title="Optional now", required=False),
        )
    got = await enrolment()
    assert (got.completed_lessons, got.completed_required) == (1, 0)
    # Removing the quiz and the last article leaves nothing required undone: complete.
    async with db.unit_of_work() as session:
        await editing_service.update_lesson(
            session,
            me,
            l21.id,
            LessonFields(title="Required again", required=True),
        )
        await editing_service.remove_lesson(session, me, l12.id)
        await editing_service.remove_lesson(session, me, l22.id)
    got = await enrolment()
    assert (got.completed_lessons, got.completed_required) == (1, 1)
    assert got.completed_at is not None
    async with db.read() as session:
        course = await session.get(Course, built.course.id)
        assert course is not None
        assert (course.lesson_count, course.required_count) == (1, 1)
        assert await session.scalar(select(Certificate.id).where(Certificate.user_id == learner.id))


async def test_video_lessons_take_their_length_from_an_own_video(
    db: Database, people: dict[str, User]
) -> None:
    mine = await make_video(db, people["instructor"], duration=200.0)
    longer = await make_video(db, people["instructor"], duration=600.0)
    theirs = await make_video(db, people["creator"], duration=100.0)
    built = await build(db, people["instructor"])
    me = actor(people["instructor"])
    async with db.unit_of_work() as session:
        lesson = await authoring_service.add_lesson(
            session, me, built.modules[0].id, LessonKind.VIDEO, "Watch", video_id=mine.id
        )
    async with db.unit_of_work() as session:
        await editing_service.update_lesson(
            session,
            me,
            lesson.id,
            LessonFields(title="Watch", video_id=longer.id, credits_from=590),
        )
    async with db.read() as session:
        course = await session.get(Course, built.course.id)
        assert course is not None and course.duration_seconds == 600
    for fields in (
        LessonFields(title="Watch", video_id=theirs.id),
        LessonFields(title="Watch", video_id=longer.id, credits_from=601),
        LessonFields(title="Watch", video_id=None),
        LessonFields(title="   ", video_id=longer.id),
        LessonFields(title="Watch", video_id=longer.id, completion_percent=0),
    ):
        with pytest.raises(AppError):
            async with db.unit_of_work() as session:
                await editing_service.update_lesson(session, me, lesson.id, fields)
    async with db.read() as session:
        kept = await session.get(Lesson, lesson.id)
        assert kept is not None and (kept.video_id, kept.credits_from) == (longer.id, 590)


# -- quiz settings ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("passingPercent", 101),
        ("maxAttempts", 0),
        ("timeLimitSeconds", 5),
        ("feedback", "AFTER_CLOSE"),  # without a closing time
    ],
)
async def test_bad_quiz_settings_are_refused(
    client: httpx.AsyncClient,
    db: Database,
    people: dict[str, User],
    tokens: dict[str, str | None],
    field: str,
    value: Any,
) -> None:
    built = await build(db, people["instructor"])
    query = """mutation($id: ID!, $input: QuizSettingsInput!) {
      setQuizSettings(lessonId: $id, input: $input) { passingPercent } }"""
    body = await call(
        client, tokens["instructor"], query, id=str(built.lessons[0][1].id), input={field: value}
    )
    assert code(body) == "validation_failed"
    async with db.read() as session:
        quiz = await session.scalar(select(Quiz).where(Quiz.lesson_id == built.lessons[0][1].id))
        assert quiz is not None and quiz.passing_percent == 70 and quiz.max_attempts is None


async def test_quiz_settings_on_an_article_are_refused(
    client: httpx.AsyncClient, db: Database, people: dict[str, User], tokens: dict[str, str | None]
) -> None:
    built = await build(db, people["instructor"])
    body = await call(client, tokens["instructor"], QUIZ, id=str(built.lessons[0][0].id))
    assert code(body) == "validation_failed"


# -- prerequisites ----------------------------------------------------------------------


async def test_prerequisites_refuse_itself_drafts_and_cycles(
    client: httpx.AsyncClient, db: Database, people: dict[str, User], tokens: dict[str, str | None]
) -> None:
    me = tokens["instructor"]
    a = (await build(db, people["instructor"], state=PublishState.PUBLISHED)).course
    b = (await build(db, people["instructor"], state=PublishState.PUBLISHED)).course
    c = (await build(db, people["creator"], state=PublishState.PUBLISHED)).course
    draft = (await build(db, people["creator"])).course
    assert code(await call(client, me, PREREQUISITES, id=str(b.id), s=[a.slug])) is None
    # c (another creator's course) may be built on; then a → c → … → b → a would be a circle.
    assert code(await call(client, me, PREREQUISITES, id=str(a.id), s=[c.slug])) is None
    async with db.unit_of_work() as session:
        session.add(CoursePrerequisite(course_id=c.id, requires_id=b.id))
    for slugs in ([b.slug], [c.slug, b.slug], [a.slug], [draft.slug], ["no-such-course"]):
        body = await call(client, me, PREREQUISITES, id=str(a.id), s=slugs)
        assert code(body) == "validation_failed", slugs
    async with db.read() as session:
        kept = list(
            await session.scalars(
                select(CoursePrerequisite.requires_id).where(CoursePrerequisite.course_id == a.id)
            )
        )
    assert kept == [c.id]
    assert code(await call(client, me, PREREQUISITES, id=str(a.id), s=[])) is None
    body = await call(client, me, PREREQUISITES, id=str(b.id), s=[a.slug, a.slug])
    assert body["data"]["setCoursePrerequisites"] == [a.slug]


# -- paths ------------------------------------------------------------------------------

PATH_REMOVE = """mutation($s: String!, $c: String!) { removeCourseFromPath(slug: $s, courseSlug: $c)
  { steps { slug } } }"""
PATH_MOVE = """mutation($s: String!, $c: String!) { moveCourseInPath(slug: $s, courseSlug: $c,
  direction: UP) { steps { slug } } }"""


async def make_path(
    db: Database, author: User, courses: list[Course], state: PublishState
) -> LearningPath:
    async with db.unit_of_work() as session:
        path = LearningPath(
            slug=f"path-{uuid.uuid4().hex[:8]}",
            title="Path",
            author_id=author.id,
            order=PathOrder.FREE,
            state=state,
            published_at=utcnow() if state is PublishState.PUBLISHED else None,
        )
        session.add(path)
        await session.flush()
        for n, course in enumerate(courses, start=1):
            session.add(PathCourse(path_id=path.id, course_id=course.id, position=n))
    return path


@pytest.mark.parametrize("state", [PublishState.DRAFT, PublishState.PUBLISHED])
async def test_paths_courses_are_removed_and_moved_by_their_author(
    client: httpx.AsyncClient,
    db: Database,
    people: dict[str, User],
    tokens: dict[str, str | None],
    state: PublishState,
) -> None:
    courses = [
        (await build(db, people["creator"], state=PublishState.PUBLISHED)).course for _ in range(3)
    ]
    refused = "path_not_found" if state is PublishState.DRAFT else "forbidden"
    expected = {
        "anonymous": "not_authenticated",
        "learner": refused,
        "other": refused,
        "creator": refused,  # the courses' author, not the path's
        "instructor": None,
        "admin": None,
    }
    for who, wanted in expected.items():
        path = await make_path(db, people["instructor"], courses, state)
        moved = await call(client, tokens[who], PATH_MOVE, s=path.slug, c=courses[2].slug)
        assert code(moved) == wanted, (who, moved)
        removed = await call(client, tokens[who], PATH_REMOVE, s=path.slug, c=courses[0].slug)
        assert code(removed) == wanted, (who, removed)
        async with db.read() as session:
            rows = list(
                await session.scalars(
                    select(PathCourse)
                    .where(PathCourse.path_id == path.id)
                    .order_by(PathCourse.position)
                )
            )
        positions = [(r.course_id, r.position) for r in rows]
        if wanted is None:
            assert positions == [(courses[2].id, 1), (courses[1].id, 2)]
        else:
            assert positions == [(c.id, n) for n, c in enumerate(courses, start=1)]
    path = await make_path(db, people["instructor"], courses[:1], state)
    body = await call(client, tokens["instructor"], PATH_REMOVE, s=path.slug, c=courses[1].slug)
    assert code(body) == "validation_failed"


async def test_question_edits_keep_learners_answers_of_other_questions(
    db: Database, people: dict[str, User]
) -> None:
    """Removing a question renumbers the rest; the quiz and its other questions stay."""
    built = await build(db, people["instructor"], state=PublishState.PUBLISHED)
    me = actor(people["instructor"])
    async with db.unit_of_work() as session:
        await editing_service.remove_question(session, me, built.questions[0].id)
    async with db.read() as session:
        left = list(await session.scalars(select(Question).where(Question.quiz_id.is_not(None))))
    assert [(q.prompt, q.position) for q in left] == [("Q2", 1)]
    assert json.dumps(left[0].spec) == json.dumps(SINGLE)


async def test_concurrent_additions_get_their_own_positions(
    db: Database, people: dict[str, User]
) -> None:
    built = await build(db, people["instructor"])
    me = actor(people["instructor"])

    async def add(title: str) -> None:
        async with db.unit_of_work() as session:
            await authoring_service.add_lesson(
                session, me, built.modules[1].id, LessonKind.ARTICLE, title
            )

    await asyncio.gather(*(add(f"New {n}") for n in range(4)))
    found = await layout(db, built.course.id)  # asserts 1..n in every module
    assert len(found[1]) == 6
    async with db.read() as session:
        course = await session.get(Course, built.course.id)
        assert course is not None and course.lesson_count == 8


async def test_concurrent_path_additions_get_their_own_positions(
    db: Database, people: dict[str, User]
) -> None:
    from cosmostream.learning.paths import path_service

    courses = [
        (await build(db, people["creator"], state=PublishState.PUBLISHED)).course for _ in range(4)
    ]
    path = await make_path(db, people["instructor"], [], PublishState.DRAFT)
    me = actor(people["instructor"])

    async def add(course: Course) -> None:
        async with db.unit_of_work() as session:
            await path_service.add_course(session, me, path.slug, course.slug)

    await asyncio.gather(*(add(c) for c in courses))
    async with db.read() as session:
        positions = sorted(
            await session.scalars(select(PathCourse.position).where(PathCourse.path_id == path.id))
        )
    assert positions == [1, 2, 3, 4]


async def test_a_question_learners_answered_is_not_removed(
    db: Database, people: dict[str, User]
) -> None:
    """Learners' answers are theirs: an answered question is fixed and regraded, not removed."""
    built = await build(db, people["instructor"], state=PublishState.PUBLISHED)
    await enrol(db, people["learner"], built.course)
    learner, me = actor(people["learner"]), actor(people["instructor"])
    quiz_id = built.questions[0].quiz_id
    assert quiz_id is not None
    async with db.unit_of_work() as session:
        view = await attempt_service.start(session, learner, quiz_id)
    async with db.unit_of_work() as session:
        await attempt_service.save_answer(
            session, learner, view.attempt.id, built.questions[0].id, {"choices": ["a"]}
        )
    with pytest.raises(QuestionAnswered) as refused:
        async with db.unit_of_work() as session:
            await editing_service.remove_question(session, me, built.questions[0].id)
    assert refused.value.status == 409
    async with db.read() as session:
        kept = await session.get(Question, built.questions[0].id)
        steps = await session.scalar(select(func.count()).select_from(AnswerStep))
    assert kept is not None and steps == 1
    # The one nobody answered still goes.
    async with db.unit_of_work() as session:
        await editing_service.remove_question(session, me, built.questions[1].id)
