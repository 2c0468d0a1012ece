"""Authoring through GraphQL: a creator builds a course and publishes it, a learner takes
it; roll-ups follow every change; bad specs are refused clearly; who may edit what."""

from __future__ import annotations

import json

import httpx
import pytest
from sqlalchemy import select

from cosmostream.db import Database
from cosmostream.learning.authoring import MAX_MODULES, slugify
from cosmostream.models import Course, ForumCategory, User
from tests.factories import make_video
from tests.learning.conftest import call, code

CREATE = """mutation($input: CourseInput!) { createCourse(input: $input) { id slug title state lessonCount } }"""
MODULE = """mutation($c: ID!, $t: String!, $prev: Boolean! = false) {
  addCourseModule(courseId: $c, title: $t, requiresPrevious: $prev) { id position } }"""
LESSON = "mutation($m: ID!, $input: LessonInput!) { addLesson(moduleId: $m, input: $input) }"
QUESTION = """mutation($l: ID!, $spec: String!, $at: Float) {
  addQuestion(lessonId: $l, prompt: "Which?", spec: $spec, atSeconds: $at) { id quizId version } }"""
UPDATE_QUESTION = (
    "mutation($q: ID!, $spec: String!) { updateQuestion(id: $q, spec: $spec) { version } }"
)
PUBLISH = (
    "mutation($c: ID!) { publishCourse(id: $c) { state lessonCount durationSeconds publishedAt } }"
)
COURSE = """query($s: String!) { course(slug: $s) { state lessonCount
  syllabus { modules { lessons { id kind quizId videoId } } } } }"""
SINGLE = {
    "kind": "single",
    "choices": [{"id": "a", "text": "Io", "correct": True}, {"id": "b", "text": "Titan"}],
}


def test_slugs_are_ascii_words() -> None:
    assert slugify("Moons of Jupiter: Io & Europa!") == "moons-of-jupiter-io-europa"
    assert slugify("Ångström über Æther") == "angstrom-uber-ther"
    assert slugify("???") == "course"


async def test_a_creator_builds_publishes_and_a_learner_takes_it(
    client: httpx.AsyncClient, db: Database, people: dict[str, User], tokens: dict[str, str | None]
) -> None:
    me = tokens["instructor"]
    video = await make_video(db, people["instructor"], duration=125.0)
    made = (
        await call(client, me, CREATE, input={"title": "Moons of Jupiter", "level": "INTERMEDIATE"})
    )["data"]["createCourse"]
    again = (await call(client, me, CREATE, input={"title": "Moons of Jupiter"}))["data"][
        "createCourse"
    ]
    assert made["slug"] == "moons-of-jupiter" and again["slug"] == "moons-of-jupiter-2"
    assert made["state"] == "draft"
    module = (await call(client, me, MODULE, c=made["id"], t="The Galilean moons"))["data"][
        "addCourseModule"
    ]
    watch = (
        await call(
            client,
            me,
            LESSON,
            m=module["id"],
            input={"kind": "VIDEO", "title": "Io", "videoId": str(video.id), "creditsFrom": 120.0},
        )
    )["data"]["addLesson"]
    quiz_lesson = (
        await call(client, me, LESSON, m=module["id"], input={"kind": "QUIZ", "title": "Check"})
    )["data"]["addLesson"]
    sky = await call(
        client,
        me,
        LESSON,
        m=module["id"],
        input={
            "kind": "SKY",
            "title": "Find Jupiter",
            "body": "Point at Jupiter.",
            "sky": {"lat": 52.0, "lon": 5.0, "at": "2026-10-01T21:00:00Z"},
        },
    )
    assert code(sky) is None
    asked = (await call(client, me, QUESTION, l=quiz_lesson, spec=json.dumps(SINGLE)))["data"][
        "addQuestion"
    ]
    assert asked["version"] == 1 and asked["quizId"]
    in_video = await call(client, me, QUESTION, l=watch, spec=json.dumps(SINGLE), at=30.0)
    assert code(in_video) is None

    published = (await call(client, me, PUBLISH, c=made["id"]))["data"]["publishCourse"]
    assert published["state"] == "published" and published["lessonCount"] == 3
    assert published["durationSeconds"] == 125 and published["publishedAt"]
    # Publishing opens the course's forum category, once.
    await call(client, me, PUBLISH, c=made["id"])
    async with db.read() as session:
        course_row = await session.scalar(select(Course).where(Course.slug == made["slug"]))
        categories = list(await session.scalars(select(ForumCategory)))
    assert course_row is not None and [c.id for c in categories] == [course_row.forum_category_id]
    assert categories[0].slug == "course-moons-of-jupiter"
    assert categories[0].name == "Moons of Jupiter"

    learner = tokens["learner"]
    assert (
        code(
            await call(
                client,
                learner,
                "mutation($s: String!) { enrol(slug: $s) { enrolled } }",
                s=made["slug"],
            )
        )
        is None
    )
    course = (await call(client, learner, COURSE, s=made["slug"]))["data"]["course"]
    lessons = {item["kind"]: item for item in course["syllabus"]["modules"][0]["lessons"]}
    assert lessons["quiz"]["quizId"] == asked["quizId"] and lessons["video"]["quizId"]
    started = await call(
        client,
        learner,
        "mutation($q: ID!) { startQuizAttempt(quizId: $q) { questions { kind options { id } } } }",
        q=lessons["quiz"]["quizId"],
    )
    assert started["data"]["startQuizAttempt"]["questions"][0]["kind"] == "single"

    # A new spec bumps the version; the same one does not.
    bumped = await call(
        client,
        me,
        UPDATE_QUESTION,
        q=asked["id"],
        spec=json.dumps({**SINGLE, "explanation": "Io is volcanic."}),
    )
    assert bumped["data"]["updateQuestion"]["version"] == 2
    same = await call(
        client,
        me,
        UPDATE_QUESTION,
        q=asked["id"],
        spec=json.dumps({**SINGLE, "explanation": "Io is volcanic."}),
    )
    assert same["data"]["updateQuestion"]["version"] == 2


async def test_bad_parts_are_refused_with_their_field(
    client: httpx.AsyncClient, db: Database, people: dict[str, User], tokens: dict[str, str | None]
) -> None:
    me = tokens["instructor"]
    other_video = await make_video(db, people["creator"])
    made = (await call(client, me, CREATE, input={"title": "Rockets"}))["data"]["createCourse"]
    assert (
        code(await call(client, me, PUBLISH, c=made["id"])) == "validation_failed"
    )  # no lesson yet
    module = (await call(client, me, MODULE, c=made["id"], t="Engines"))["data"]["addCourseModule"]
    quiz = (await call(client, me, LESSON, m=module["id"], input={"kind": "QUIZ", "title": "Q"}))[
        "data"
    ]["addLesson"]
    article = (
        await call(client, me, LESSON, m=module["id"], input={"kind": "ARTICLE", "title": "Read"})
    )["data"]["addLesson"]
    cases = [
        (CREATE, {"input": {"title": "   "}}, "validation_failed"),
        (CREATE, {"input": {"title": "x", "topic": "no-such-topic"}}, "validation_failed"),
        (
            LESSON,
            {"m": module["id"], "input": {"kind": "VIDEO", "title": "V"}},
            "validation_failed",
        ),
        (
            LESSON,
            {
                "m": module["id"],
                "input": {"kind": "VIDEO", "title": "V", "videoId": str(other_video.id)},
            },
            "forbidden",
        ),
        (LESSON, {"m": module["id"], "input": {"kind": "SKY", "title": "S"}}, "validation_failed"),
        (QUESTION, {"l": quiz, "spec": "{not json"}, "bad_question"),
        (
            QUESTION,
            {
                "l": quiz,
                "spec": json.dumps(
                    {
                        "kind": "single",
                        "choices": [{"id": "a", "text": "A"}, {"id": "b", "text": "B"}],
                    }
                ),
            },
            "bad_question",
        ),
        (
            QUESTION,
            {"l": quiz, "spec": json.dumps({"kind": "numeric", "answer": "1", "unit": "furlong"})},
            "bad_question",
        ),
        (QUESTION, {"l": quiz, "spec": json.dumps(SINGLE), "at": 3.0}, "validation_failed"),
        (QUESTION, {"l": article, "spec": json.dumps(SINGLE)}, "validation_failed"),
    ]
    for query, variables, expected in cases:
        body = await call(client, me, query, **variables)
        assert code(body) == expected, (variables, body)


async def test_module_limit_holds(db: Database, people: dict[str, User]) -> None:
    from cosmostream.errors import ValidationFailed
    from cosmostream.learning.authoring import CourseFields, authoring_service
    from tests.factories import actor

    me = actor(people["instructor"])
    async with db.unit_of_work() as session:
        course = await authoring_service.create_course(session, me, CourseFields(title="Big"))
        for n in range(MAX_MODULES):
            await authoring_service.add_module(session, me, course.id, f"M{n}")
    with pytest.raises(ValidationFailed):
        async with db.unit_of_work() as session:
            await authoring_service.add_module(session, me, course.id, "one too many")


async def test_who_may_author(
    client: httpx.AsyncClient, db: Database, people: dict[str, User], tokens: dict[str, str | None]
) -> None:
    made = (await call(client, tokens["instructor"], CREATE, input={"title": "Private draft"}))[
        "data"
    ]["createCourse"]
    module = (await call(client, tokens["instructor"], MODULE, c=made["id"], t="One"))["data"][
        "addCourseModule"
    ]
    lesson = (
        await call(
            client,
            tokens["instructor"],
            LESSON,
            m=module["id"],
            input={"kind": "QUIZ", "title": "Q"},
        )
    )["data"]["addLesson"]
    question = (
        await call(client, tokens["instructor"], QUESTION, l=lesson, spec=json.dumps(SINGLE))
    )["data"]["addQuestion"]
    # A draft looks missing to those who may not edit it.
    draft = {
        "anonymous": "not_authenticated",
        "learner": "course_not_found",
        "other": "course_not_found",
        "creator": "course_not_found",
        "instructor": None,
        "admin": None,
    }
    operations = {
        "create": (
            CREATE,
            {"input": {"title": "Mine"}},
            {
                "anonymous": "not_authenticated",
                "learner": "forbidden",
                "other": "forbidden",
                "creator": None,
                "instructor": None,
                "admin": None,
            },
        ),
        "module": (MODULE, {"c": made["id"], "t": "Two"}, draft),
        "lesson": (LESSON, {"m": module["id"], "input": {"kind": "ARTICLE", "title": "A"}}, draft),
        "question": (QUESTION, {"l": lesson, "spec": json.dumps(SINGLE)}, draft),
        "update": (UPDATE_QUESTION, {"q": question["id"], "spec": json.dumps(SINGLE)}, draft),
        "updateCourse": (
            'mutation($c: ID!) { updateCourse(id: $c, input: {title: "Renamed"}) { title } }',
            {"c": made["id"]},
            draft,
        ),
    }
    for name, (query, variables, expected) in operations.items():
        for who in ("anonymous", "learner", "other", "creator", "instructor", "admin"):
            body = await call(client, tokens[who], query, **variables)
            assert code(body) == expected[who], (name, who, body)
    # Once published, the course is visible: others are refused, not misled.
    await call(client, tokens["instructor"], PUBLISH, c=made["id"])
    for who, expected_code in (("learner", "forbidden"), ("creator", "forbidden"), ("admin", None)):
        body = await call(client, tokens[who], MODULE, c=made["id"], t="Late")
        assert code(body) == expected_code, (who, body)
