"""The learning GraphQL API: a learner's whole path through a quiz, what each role
gets from every query and mutation, and that no answer ever leaves the server."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest

from cosmostream.db import Database
from cosmostream.models import LessonKind, PublishState, Role
from tests.factories import gql, login, make_user
from tests.learning.conftest import code, enrol, make_course, make_quiz

SECRET_EXPLANATION = "Saturn's rings are mostly water ice."
QUESTIONS: list[tuple[dict[str, Any], int]] = [
    (
        {
            "kind": "single",
            "choices": [
                {"id": "ice", "text": "Water ice", "correct": True, "feedback": "FEEDBACK-ICE"},
                {"id": "rock", "text": "Rock"},
            ],
            "explanation": SECRET_EXPLANATION,
        },
        2,
    ),
    ({"kind": "numeric", "answer": "9.58", "unit": "au", "tolerance": "0.05"}, 1),
    ({"kind": "text", "accepted": ["Cassini"], "explanation": "SECRET-TEXT"}, 1),
    (
        {
            "kind": "ordering",
            "items": [
                {"id": "m", "text": "Mercury"},
                {"id": "v", "text": "Venus"},
                {"id": "e", "text": "Earth"},
            ],
        },
        1,
    ),
    (
        {
            "kind": "sky",
            "target": "Vega",
            "latitude": 52.0,
            "longitude": 5.0,
            "at": "2026-08-01T22:00:00Z",
            "tolerance_degrees": 2.5,
        },
        1,
    ),
    (
        {
            "kind": "computed",
            "parameters": {"d": {"low": 2, "high": 40, "step": 1}},
            "formula": "d ** 1.5",
            "unit": "yr",
            "tolerance": "0.02",
        },
        1,
    ),
    (
        {
            "kind": "computed",
            "mode": "event",
            "body": "Moon",
            "event": "rise",
            "tolerance_minutes": 7,
        },
        1,
    ),
]
# Strings that give an answer away; none may appear in anything a learner is sent
# before submitting.
SECRETS = [
    "correct",
    "FEEDBACK-ICE",
    SECRET_EXPLANATION,
    "SECRET-TEXT",
    "Cassini",
    "9.58",
    "0.05",
    "2.5",
    "tolerance",
    "explanation",
    "d ** 1.5",
    "accepted",
]

START = """mutation($quiz: ID!, $lat: Float, $lon: Float) {
  startQuizAttempt(quizId: $quiz, latitude: $lat, longitude: $lon) {
    id number attemptsLeft deadlineAt
    questions { id prompt points kind mode options { id text } units parameters { name value }
      target latitude longitude at body event after savedAnswer }
  }
}"""
SAVE = "mutation($a: ID!, $answer: AnswerInput!) { saveAnswer(attemptId: $a, answer: $answer) }"
SUBMIT = """mutation($a: ID!, $answers: [AnswerInput!]) {
  submitQuizAttempt(attemptId: $a, answers: $answers) {
    attemptId score passed feedbackWithheld questions { questionId score points feedback explanation }
  }
}"""
COURSE = """query($slug: String!) { course(slug: $slug) { slug title enrolled progress state
  syllabus { canEdit resumeLessonId modules { title locked lessons { id kind completed locked } } } } }"""


@pytest.fixture
async def cast(db: Database) -> dict[str, Any]:
    users = {
        "viewer": await make_user(db),  # the enrolled learner
        "other": await make_user(db),  # signed in, not enrolled
        "creator": await make_user(db, role=Role.CREATOR),  # another creator
        "instructor": await make_user(db, role=Role.CREATOR),
        "admin": await make_user(db, role=Role.ADMIN),
    }
    tokens: dict[str, str | None] = {"anonymous": None}
    tokens.update({name: (await login(db, user)).access_token for name, user in users.items()})
    return {"users": users, "tokens": tokens}


def leaks(secret: str, body: str) -> bool:
    if re.fullmatch(r"[\d.]+", secret):
        return re.search(rf"(?<![\d.]){re.escape(secret)}(?!\d)", body) is not None
    return secret in body


async def call(
    client: httpx.AsyncClient, cast: dict[str, Any], who: str, query: str, **variables: Any
) -> dict[str, Any]:
    body: dict[str, Any] = (await gql(client, query, variables, token=cast["tokens"][who])).json()
    return body


async def test_a_learner_takes_every_kind_of_question_and_no_answer_leaks(
    client: httpx.AsyncClient, db: Database, cast: dict[str, Any]
) -> None:
    setup = await make_quiz(
        db, cast["users"]["instructor"], QUESTIONS, passing_percent=50, max_attempts=3
    )
    await enrol(db, cast["users"]["viewer"], setup.course)
    sent: list[str] = []

    async def learner(query: str, **variables: Any) -> dict[str, Any]:
        body = await call(client, cast, "viewer", query, **variables)
        sent.append(json.dumps(body))
        return body

    started = await learner(START, quiz=str(setup.quiz.id), lat=52.0, lon=5.0)
    assert code(started) is None, started
    attempt = started["data"]["startQuizAttempt"]
    assert attempt["number"] == 1 and attempt["attemptsLeft"] == 2
    by_kind = {(q["kind"], q["mode"]): q for q in attempt["questions"]}
    assert {o["id"] for o in by_kind[("single", None)]["options"]} == {"ice", "rock"}
    assert by_kind[("numeric", None)]["units"][:3] == ["m", "km", "au"]
    assert by_kind[("sky", None)]["target"] == "Vega"
    [param] = by_kind[("computed", "formula")]["parameters"]
    assert param["name"] == "d" and 2 <= param["value"] <= 40

    await learner(COURSE, slug=setup.course.slug)
    saved = await learner(
        SAVE,
        a=attempt["id"],
        answer={"questionId": by_kind[("text", None)]["id"], "text": "cassini"},
    )
    assert saved["data"]["saveAnswer"] is True
    resumed = await learner(START, quiz=str(setup.quiz.id))
    text_question = next(
        q for q in resumed["data"]["startQuizAttempt"]["questions"] if q["kind"] == "text"
    )
    assert json.loads(text_question["savedAnswer"]) == {"text": "cassini"}  # their own answer

    # Nothing sent before submitting gives an answer away. Numbers count only
    # as whole numbers, so a timestamp's "50.056" does not look like "0.05".
    for body in sent:
        for secret in SECRETS:
            assert not leaks(secret, body), (secret, body)

    answers = [
        {"questionId": by_kind[("single", None)]["id"], "choices": ["ice"]},
        {"questionId": by_kind[("numeric", None)]["id"], "value": "1.433e9", "unit": "km"},
        {"questionId": by_kind[("ordering", None)]["id"], "order": ["m", "e", "v"]},
    ]
    result = await learner(SUBMIT, a=attempt["id"], answers=answers)
    assert code(result) is None, result
    graded = result["data"]["submitQuizAttempt"]
    # 2 (choice) + 1 (numeric, 1.433e9 km = 9.579 au) + 1 (text) + 2/3 (ordering) of 8 points.
    assert graded["score"] == pytest.approx((2 + 1 + 1 + 2 / 3) / 8)
    assert graded["passed"] is True
    explanations = {q["explanation"] for q in graded["questions"]}
    assert SECRET_EXPLANATION in explanations  # told after submitting
    again = await learner(SUBMIT, a=attempt["id"])
    assert code(again) == "attempt_closed"


async def test_bad_answers_get_a_clear_error(
    client: httpx.AsyncClient, db: Database, cast: dict[str, Any]
) -> None:
    setup = await make_quiz(db, cast["users"]["instructor"], QUESTIONS[:2])
    await enrol(db, cast["users"]["viewer"], setup.course)
    attempt = (await call(client, cast, "viewer", START, quiz=str(setup.quiz.id)))["data"][
        "startQuizAttempt"
    ]
    single, numeric = (
        attempt["questions"]
        if attempt["questions"][0]["kind"] == "single"
        else attempt["questions"][::-1]
    )
    cases = [
        ({"questionId": single["id"], "choices": ["pluto"]}, "bad_answer"),
        ({"questionId": numeric["id"], "value": "NaN"}, "bad_answer"),
        ({"questionId": numeric["id"], "value": "1", "unit": "furlong"}, "bad_answer"),
        ({"questionId": "not-an-id", "value": "1"}, "question_not_found"),
        ({"questionId": str(setup.lesson.id), "value": "1"}, "question_not_found"),
    ]
    for answer, expected in cases:
        body = await call(client, cast, "viewer", SAVE, a=attempt["id"], answer=answer)
        assert code(body) == expected, (answer, body)
    body = await call(client, cast, "viewer", START, quiz=str(setup.quiz.id), lat=95.0, lon=0.0)
    assert code(body) == "bad_answer"  # a place given to the open attempt is checked


async def test_who_gets_what(client: httpx.AsyncClient, db: Database, cast: dict[str, Any]) -> None:
    users = cast["users"]
    setup = await make_quiz(db, users["instructor"], QUESTIONS[:1])
    draft, [draft_article] = await make_course(
        db, users["instructor"], [{"kind": LessonKind.ARTICLE}], state=PublishState.DRAFT
    )
    await enrol(db, users["viewer"], setup.course)
    attempt = (await call(client, cast, "viewer", START, quiz=str(setup.quiz.id)))["data"][
        "startQuizAttempt"
    ]
    roles = ["anonymous", "viewer", "other", "creator", "instructor", "admin"]

    # Published courses: everyone sees them; drafts only their editors.
    for who in roles:
        listed = await call(client, cast, who, "{ courses { nodes { slug } } }")
        slugs = {n["slug"] for n in listed["data"]["courses"]["nodes"]}
        assert setup.course.slug in slugs and draft.slug not in slugs, who
        found = (await call(client, cast, who, COURSE, slug=draft.slug))["data"]["course"]
        assert (found is not None) is (who in ("instructor", "admin")), who
        if found:
            assert found["syllabus"]["canEdit"] is True

    expectations: dict[str, dict[str, str | None]] = {
        # operation: role → error code (None: allowed)
        "myLearning": {
            "anonymous": "not_authenticated",
            "viewer": None,
            "other": None,
            "creator": None,
            "instructor": None,
            "admin": None,
        },
        "start": {
            "anonymous": "not_authenticated",
            "viewer": None,
            "other": "not_enrolled",
            "creator": "not_enrolled",
            "instructor": "not_enrolled",
            "admin": "not_enrolled",
        },
        "submit": {
            "anonymous": "not_authenticated",
            "viewer": None,
            "other": "attempt_not_found",
            "creator": "attempt_not_found",
            "instructor": "attempt_not_found",
            "admin": "attempt_not_found",
        },
        "result": {
            "anonymous": "not_authenticated",
            "viewer": None,
            "other": "attempt_not_found",
            "creator": "attempt_not_found",
            "instructor": "attempt_not_found",
            "admin": "attempt_not_found",
        },
        "regrade": {
            "anonymous": "not_authenticated",
            "viewer": "forbidden",
            "other": "forbidden",
            "creator": "forbidden",
            "instructor": None,
            "admin": None,
        },
        "enrolDraft": {
            "anonymous": "not_authenticated",
            "viewer": "course_not_found",
            "other": "course_not_found",
            "creator": "course_not_found",
            "instructor": None,
            "admin": None,
        },
        "markDraftLesson": {
            "anonymous": "not_authenticated",
            "viewer": "lesson_not_found",
            "other": "lesson_not_found",
            "creator": "lesson_not_found",
            "instructor": None,
            "admin": None,
        },
    }
    operations = {
        "myLearning": ("{ myLearning { inProgress { slug } completed { slug } } }", {}),
        "start": (START, {"quiz": str(setup.quiz.id)}),
        "submit": (SUBMIT, {"a": attempt["id"]}),
        "result": (
            "query($a: ID!) { quizResult(attemptId: $a) { score passed } }",
            {"a": attempt["id"]},
        ),
        "regrade": ("mutation($q: ID!) { regradeQuiz(quizId: $q) }", {"q": str(setup.quiz.id)}),
        "enrolDraft": (
            "mutation($s: String!) { enrol(slug: $s) { slug enrolled } }",
            {"s": draft.slug},
        ),
        "markDraftLesson": (
            "mutation($l: ID!) { markLessonDone(lessonId: $l) }",
            {"l": str(draft_article.id)},
        ),
    }
    order = [
        "anonymous",
        "other",
        "creator",
        "instructor",
        "admin",
        "viewer",
    ]  # the learner submits last
    for name, (query, variables) in operations.items():
        for who in order:
            body = await call(client, cast, who, query, **variables)
            assert code(body) == expectations[name][who], (name, who, body)
