"""Premium courses by entitlement (`course.premium`): refused on every transport to
learners without it, kept for the author, admins and entitled learners, and
lost on the very next request after a cancellation (progress kept)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select

from cosmostream.db import Database
from cosmostream.engagement.signals import PlaybackStep
from cosmostream.kit.time import utcnow
from cosmostream.learning.progress import progress_service
from cosmostream.models import (
    Course,
    Enrolment,
    LessonProgress,
    QuizAttempt,
    Role,
    SubscriptionStatus,
    User,
)
from tests.factories import gql, login, make_user, sign_in
from tests.learning.conftest import code, enrol
from tests.learning.lessons_helpers import Lessons, make_lessons
from tests.learning.test_gql import QUESTIONS, START
from tests.premium_helpers import set_subscription, subscribe

COURSE = """query($slug: String!) { course(slug: $slug) { premium enrolled
  syllabus { premiumLocked canEdit } } }"""
ENROL = "mutation($s: String!) { enrol(slug: $s) { slug enrolled } }"
DONE = "mutation($l: ID!) { markLessonDone(lessonId: $l) }"
SAVE = "mutation($a: ID!, $answer: AnswerInput!) { saveAnswer(attemptId: $a, answer: $answer) }"
SUBMIT = "mutation($a: ID!) { submitQuizAttempt(attemptId: $a) { passed } }"

ROLES = (
    "anonymous",
    "free viewer",
    "premium viewer",
    "owner creator",
    "other creator",
    "admin",
)
# Who may take the premium course.
ALLOWED = {"premium viewer", "owner creator", "admin"}


@pytest.fixture
async def cast(db: Database) -> dict[str, User]:
    users = {
        "free viewer": await make_user(db),
        "premium viewer": await make_user(db),
        "owner creator": await make_user(db, role=Role.CREATOR),
        "other creator": await make_user(db, role=Role.CREATOR),
        "admin": await make_user(db, role=Role.ADMIN),
    }
    await subscribe(db, users["premium viewer"])
    return users


@pytest.fixture
async def course(db: Database, cast: dict[str, User]) -> Lessons:
    made = await make_lessons(db, cast["owner creator"], QUESTIONS, passing_percent=50)
    async with db.unit_of_work() as session:
        row = await session.get(Course, made.course.id)
        assert row is not None
        row.premium = True
    return made


async def token(db: Database, cast: dict[str, User], who: str) -> str | None:
    user = cast.get(who)
    return None if user is None else str((await login(db, user)).access_token)


async def ask(
    client: httpx.AsyncClient, db: Database, cast: dict[str, User], who: str, query: str, **v: Any
) -> dict[str, Any]:
    body: dict[str, Any] = (await gql(client, query, v, token=await token(db, cast, who))).json()
    return body


@pytest.mark.parametrize("who", ROLES)
async def test_graphql_matrix(
    client: httpx.AsyncClient, db: Database, cast: dict[str, User], course: Lessons, who: str
) -> None:
    allowed = who in ALLOWED
    shown = await ask(client, db, cast, who, COURSE, slug=course.course.slug)
    assert shown["data"]["course"]["premium"] is True  # the page and syllabus: for everyone
    assert shown["data"]["course"]["syllabus"]["premiumLocked"] is not allowed

    enrolled = await ask(client, db, cast, who, ENROL, s=course.course.slug)
    if who == "anonymous":
        assert code(enrolled) == "not_authenticated"
        return
    assert code(enrolled) == (None if allowed else "premium_required"), enrolled
    user = cast[who]
    async with db.read() as session:
        rows = await session.scalars(
            select(Enrolment).where(
                Enrolment.user_id == user.id, Enrolment.course_id == course.course.id
            )
        )
        assert (rows.first() is not None) is allowed

    # Enrolled anyway (before a plan ended, say): still nothing to take without it.
    if not allowed:
        await enrol(db, user, course.course)
    started = await ask(client, db, cast, who, START, quiz=str(course.quiz_row.id))
    assert code(started) == (None if allowed else "premium_required"), started
    done = await ask(client, db, cast, who, DONE, l=str(course.article.id))
    assert code(done) == (None if allowed else "premium_required"), done
    if not allowed:
        async with db.read() as session:
            attempts = await session.scalars(
                select(QuizAttempt).where(QuizAttempt.user_id == user.id)
            )
            assert attempts.first() is None


@pytest.mark.parametrize("who", ROLES)
async def test_pages_matrix(
    client: httpx.AsyncClient, db: Database, cast: dict[str, User], course: Lessons, who: str
) -> None:
    allowed = who in ALLOWED
    user = cast.get(who)
    if user is not None and who not in ("owner creator",):
        await enrol(db, user, course.course)  # even enrolled learners need the plan
    csrf = await sign_in(client, user)
    page = await client.get(f"/courses/{course.course.slug}")
    assert page.status_code == 200
    assert "course-premium" in page.text  # the badge
    assert ("data-premium-upgrade" in page.text) is not allowed
    if not allowed:
        assert 'href="/pricing"' in page.text
        assert f'action="/courses/{course.course.slug}/enrol"' not in page.text
    for lesson in (course.video, course.article, course.quiz):
        answer = await client.get(course.url(lesson))
        assert answer.status_code == (200 if allowed else 403), (lesson.kind, answer.status_code)
    video_lesson = await client.get(course.url(course.video))
    assert ("/media/hls/" in video_lesson.text) is allowed  # no media link without the plan
    if user is None:
        return
    # Forms: starting the quiz and marking an article done change nothing without it.
    await client.post(course.url(course.quiz, "/quiz/start"), data={"csrf_token": csrf})
    await client.post(course.url(course.article, "/done"), data={"csrf_token": csrf})
    async with db.read() as session:
        attempts = (
            await session.scalars(select(QuizAttempt).where(QuizAttempt.user_id == user.id))
        ).all()
        progress = (
            await session.scalars(
                select(LessonProgress).where(
                    LessonProgress.user_id == user.id, LessonProgress.completed_at.is_not(None)
                )
            )
        ).all()
    if who == "owner creator" or who == "admin":
        return  # editors preview and take nothing, premium or not
    assert bool(attempts) is allowed and bool(progress) is allowed


async def test_cancellation_stops_the_learner_on_the_next_request_and_keeps_progress(
    client: httpx.AsyncClient, db: Database, course: Lessons
) -> None:
    learner = await make_user(db)
    sub = await subscribe(db, learner)
    bearer = str((await login(db, learner)).access_token)

    async def call(query: str, **v: Any) -> dict[str, Any]:
        body: dict[str, Any] = (await gql(client, query, v, token=bearer)).json()
        return body

    assert code(await call(ENROL, s=course.course.slug)) is None
    assert code(await call(DONE, l=str(course.article.id))) is None
    started = await call(START, quiz=str(course.quiz_row.id))
    attempt = started["data"]["startQuizAttempt"]
    text_q = next(q for q in attempt["questions"] if q["kind"] == "text")
    answer = {"questionId": text_q["id"], "text": "Cassini"}
    assert (await call(SAVE, a=attempt["id"], answer=answer))["data"]["saveAnswer"] is True

    await set_subscription(db, sub, status=SubscriptionStatus.CANCELED, ended_at=utcnow())
    assert code(await call(SAVE, a=attempt["id"], answer=answer)) == "premium_required"
    assert code(await call(SUBMIT, a=attempt["id"])) == "premium_required"
    assert code(await call(START, quiz=str(course.quiz_row.id))) == "premium_required"
    await sign_in(client, learner)
    assert (await client.get(course.url(course.quiz))).status_code == 403
    # Playback no longer credits the video lesson.
    async with db.unit_of_work() as session:
        await progress_service.on_playback(
            session,
            PlaybackStep(
                user_id=learner.id,
                video_id=course.video.video_id,  # type: ignore[arg-type]
                duration=60.0,
                from_position=0.0,
                to_position=20.0,
                elapsed_seconds=20.0,
                playing=True,
                at=utcnow(),
            ),
        )
    async with db.read() as session:
        rows = {
            p.lesson_id: p
            for p in await session.scalars(
                select(LessonProgress).where(LessonProgress.user_id == learner.id)
            )
        }
        assert course.video.id not in rows
        # What was done stays done.
        assert rows[course.article.id].completed_at is not None
        enrolment = await session.scalar(select(Enrolment).where(Enrolment.user_id == learner.id))
        assert enrolment is not None

    # Entitled again: carries on where they were, the open attempt included.
    await set_subscription(db, sub, status=SubscriptionStatus.ACTIVE, ended_at=None)
    assert (await call(SAVE, a=attempt["id"], answer=answer))["data"]["saveAnswer"] is True
    assert code(await call(SUBMIT, a=attempt["id"])) is None
