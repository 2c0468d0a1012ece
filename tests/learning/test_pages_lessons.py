"""Lesson pages and the quiz in plain forms: each kind of lesson, who sees what,
locks, safe articles, a quiz from start to result, and that no page a learner
gets before submitting gives an answer away."""

from __future__ import annotations

import json
import re
import uuid
from html import unescape
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from cosmostream.db import Database
from cosmostream.models import (
    AnswerStep,
    Enrolment,
    LessonProgress,
    PublishState,
    QuizAttempt,
    User,
)
from tests.factories import sign_in
from tests.learning.conftest import enrol
from tests.learning.lessons_helpers import Lessons, form_fields, make_lessons
from tests.learning.test_gql import QUESTIONS, SECRET_EXPLANATION, SECRETS, leaks

ROLES = ("anonymous", "learner", "other", "instructor", "creator", "admin")


@pytest.fixture
async def course(db: Database, people: dict[str, User]) -> Lessons:
    made = await make_lessons(
        db, people["instructor"], QUESTIONS, passing_percent=50, max_attempts=2
    )
    await enrol(db, people["learner"], made.course)
    return made


async def as_(client: httpx.AsyncClient, people: dict[str, User], who: str) -> str:
    return await sign_in(client, people.get(who))


async def post(client: httpx.AsyncClient, path: str, token: str, **fields: Any) -> httpx.Response:
    return await client.post(path, data={"csrf_token": token, **fields})


def attempt_id(html: str) -> str:
    found = re.search(r'data-attempt-id="([0-9a-f-]{36})"', html)
    assert found, html
    return found.group(1)


# -- each kind ---------------------------------------------------------------------


async def test_each_kind_renders_for_an_enrolled_learner(
    client: httpx.AsyncClient, course: Lessons, people: dict[str, User]
) -> None:
    await as_(client, people, "learner")
    video = await client.get(course.url(course.video))
    assert video.status_code == 200, video.text
    assert "data-player" in video.text and "data-lesson-player" in video.text
    assert '"at": 10.0' in video.text and '"answered": false' in video.text
    assert "You watched 0%" in video.text
    assert f'data-quiz-id="{course.video_quiz.id}"' in video.text

    article = await client.get(course.url(course.article))
    assert article.status_code == 200
    assert '<span class="math">T^2 = a^3</span>' in article.text
    assert '<div class="math math-display">E = mc^2</div>' in article.text
    assert '<img src="/static/m31.png" alt="Andromeda">' in article.text
    assert "Mark as done" in article.text

    sky = await client.get(course.url(course.sky))
    assert sky.status_code == 200
    assert "<strong>Vega</strong>" in sky.text
    assert "/sky-map?lat=52.0&amp;lon=5.0&amp;t=2026-08-01T22%3A00%3A00%2B00%3A00" in sky.text
    assert "az=270.0" in sky.text

    quiz = await client.get(course.url(course.quiz))
    assert quiz.status_code == 200
    assert "Start the quiz" in quiz.text and "Pass at 50%" in quiz.text
    assert "2 attempts allowed" in quiz.text

    # The sidebar: every lesson of the course, the next and previous ones.
    assert course.locked.title in article.text
    assert f'rel="prev" href="{course.url(course.video)}"' in article.text
    assert f'rel="next" href="{course.url(course.sky)}"' in article.text


# -- who sees what ---------------------------------------------------------------------

# What each role gets of a published course's article: the lesson, a preview, or an
# invitation to enrol (signed in: a form; signed out: a link to log in).
SEES = {
    "anonymous": "login",
    "learner": "lesson",
    "other": "enrol",
    "instructor": "preview",
    "creator": "enrol",
    "admin": "preview",
}


@pytest.mark.parametrize("who", ROLES)
async def test_who_sees_a_lesson(
    client: httpx.AsyncClient, course: Lessons, people: dict[str, User], who: str
) -> None:
    await as_(client, people, who)
    page = await client.get(course.url(course.article))
    assert page.status_code == 200, page.text
    content = "Kepler&#39;s third law" in page.text or "Kepler's third law" in page.text
    expected = SEES[who]
    assert content is (expected in ("lesson", "preview"))
    assert ("data-preview" in page.text) is (expected == "preview")
    assert ("Enrol to start" in page.text) is (expected in ("enrol", "login"))
    assert (f'action="{course.url(course.article)}/enrol"' in page.text) is (expected == "enrol")
    assert ("Log in to enrol" in page.text) is (expected == "login")
    assert ("Mark as done" in page.text) is (expected == "lesson")


@pytest.mark.parametrize("who", ROLES)
async def test_a_draft_course_lesson_is_missing_but_for_its_editors(
    client: httpx.AsyncClient, db: Database, people: dict[str, User], who: str
) -> None:
    draft = await make_lessons(db, people["instructor"], QUESTIONS[:1], state=PublishState.DRAFT)
    await enrol(db, people["learner"], draft.course)
    await as_(client, people, who)
    page = await client.get(draft.url(draft.quiz))
    assert page.status_code == (200 if who in ("instructor", "admin") else 404)
    if page.status_code == 200:
        assert "data-preview" in page.text and "Start the quiz" not in page.text


async def test_unknown_and_foreign_lessons_are_missing(
    client: httpx.AsyncClient, db: Database, course: Lessons, people: dict[str, User]
) -> None:
    other = await make_lessons(db, people["creator"], QUESTIONS[:1])
    await as_(client, people, "learner")
    base = f"/courses/{course.course.slug}/lessons"
    assert (await client.get(f"{base}/{uuid.uuid4()}")).status_code == 404
    assert (await client.get(f"{base}/not-an-id")).status_code == 404
    assert (await client.get(f"{base}/{other.article.id}")).status_code == 404
    assert (await client.get(f"/courses/nope/lessons/{course.article.id}")).status_code == 404


async def test_enrol_from_the_lesson_page(
    client: httpx.AsyncClient, db: Database, course: Lessons, people: dict[str, User]
) -> None:
    token = await as_(client, people, "other")
    assert (await client.post(course.url(course.article, "/enrol"))).status_code == 403  # CSRF
    answer = await post(client, course.url(course.article, "/enrol"), token)
    assert answer.status_code == 303 and answer.headers["location"] == course.url(course.article)
    page = await client.get(answer.headers["location"])
    assert "Mark as done" in page.text
    async with db.read() as session:
        assert await session.get(Enrolment, (people["other"].id, course.course.id)) is not None


async def test_a_locked_lesson_says_why_and_shows_nothing_of_itself(
    client: httpx.AsyncClient, db: Database, course: Lessons, people: dict[str, User]
) -> None:
    token = await as_(client, people, "learner")
    page = await client.get(course.url(course.locked))
    assert page.status_code == 200
    assert "This lesson is locked" in page.text and "Its module opens on" in page.text
    assert "LOCKED-CONTENT" not in page.text and "Mark as done" not in page.text
    refused = await post(client, course.url(course.locked, "/done"), token)
    assert refused.status_code == 303
    async with db.read() as session:
        rows = await session.scalars(
            select(LessonProgress).where(LessonProgress.lesson_id == course.locked.id)
        )
        assert list(rows) == []
    # Its editor previews it all the same.
    await as_(client, people, "instructor")
    preview = await client.get(course.url(course.locked))
    assert "LOCKED-CONTENT" in preview.text


async def test_an_article_is_sanitised_and_marked_done_once(
    client: httpx.AsyncClient, db: Database, course: Lessons, people: dict[str, User]
) -> None:
    token = await as_(client, people, "learner")
    page = (await client.get(course.url(course.article))).text
    article = page[page.index("lesson-article") : page.index("lesson-done")]
    assert "<script" not in article
    assert not re.search(r"<[^>]*onerror", article)
    assert not re.search(r"<[^>]*javascript:", article)
    assert 'src="x"' not in article
    done = await post(client, course.url(course.article, "/done"), token)
    assert done.status_code == 303
    again = await client.get(done.headers["location"])
    assert "Lesson done." in again.text and "data-lesson-completed" in again.text
    assert "Mark as done" not in again.text
    async with db.read() as session:
        enrolment = await session.get(Enrolment, (people["learner"].id, course.course.id))
        assert enrolment is not None and enrolment.completed_lessons == 1
    await post(client, course.url(course.article, "/done"), token)
    async with db.read() as session:
        enrolment = await session.get(
            Enrolment, (people["learner"].id, course.course.id), populate_existing=True
        )
        assert enrolment is not None and enrolment.completed_lessons == 1


@pytest.mark.parametrize("who", ["anonymous", "other", "creator", "instructor", "admin"])
async def test_only_enrolled_learners_mark_done_or_start(
    client: httpx.AsyncClient, db: Database, course: Lessons, people: dict[str, User], who: str
) -> None:
    token = await as_(client, people, who)
    for path in (course.url(course.article, "/done"), course.url(course.quiz, "/quiz/start")):
        answer = await post(client, path, token)
        assert answer.status_code == 303
        if who == "anonymous":
            assert answer.headers["location"].startswith("/login")
    async with db.read() as session:
        assert list(await session.scalars(select(QuizAttempt))) == []
        assert list(await session.scalars(select(LessonProgress))) == []


# -- the quiz in plain forms -------------------------------------------------------------


def question_ids(html: str) -> dict[str, str]:
    """Each question's kind (and mode) → its id, from the attempt form."""
    found = {}
    for tag in re.findall(r"<fieldset[^>]*data-question [^>]*>", html):
        qid = re.search(r'data-question-id="([^"]+)"', tag)
        kind = re.search(r'data-kind="([^"]+)"', tag)
        mode = re.search(r'data-mode="([^"]+)"', tag)
        assert qid and kind
        found[kind.group(1) + (f"/{mode.group(1)}" if mode else "")] = qid.group(1)
    return found


def wrong_answers(ids: dict[str, str]) -> dict[str, str]:
    return {
        f"a-{ids['single']}": "rock",
        f"a-{ids['numeric']}-value": "3",
        f"a-{ids['numeric']}-unit": "au",
        f"a-{ids['text']}-text": "Voyager",
        f"a-{ids['sky']}-altitude": "-10",
        f"a-{ids['sky']}-azimuth": "10",
        f"a-{ids['computed/formula']}-value": "0.001",
    }


async def test_a_quiz_from_start_to_result_wrong_then_right_and_no_answer_leaks(
    client: httpx.AsyncClient, db: Database, course: Lessons, people: dict[str, User]
) -> None:
    from cosmostream.learning import grading

    token = await as_(client, people, "learner")
    seen: list[str] = []

    async def get(path: str) -> str:
        page = await client.get(path)
        assert page.status_code == 200, page.text
        seen.append(page.text)
        return page.text

    for lesson in (course.video, course.article, course.sky, course.quiz, course.locked):
        await get(course.url(lesson))
    started = await post(client, course.url(course.quiz, "/quiz/start"), token)
    assert started.status_code == 303
    page = await get(started.headers["location"].split("#")[0])
    first = attempt_id(page)
    ids = question_ids(page)
    assert set(ids) == {
        "single", "numeric", "text", "ordering", "sky", "computed/formula", "computed/event"
    }  # fmt: skip
    assert "Your values:" in page and "Set my place" in page
    # Saving wrong answers keeps them, as steps, and shows them again.
    saved = await post(
        client,
        course.url(course.quiz, f"/quiz/{first}"),
        token,
        action="save",
        **wrong_answers(ids),
    )
    assert saved.status_code == 303
    page = await get(course.url(course.quiz))
    assert "Your answers are saved." in page and 'value="Voyager"' in page
    async with db.read() as session:
        steps = list(await session.scalars(select(AnswerStep)))
    assert len(steps) == 5  # the five questions answered
    # An unreadable answer: the form again with what was typed, 422, nothing kept.
    bad = await post(
        client,
        course.url(course.quiz, f"/quiz/{first}"),
        token,
        action="save",
        **{f"a-{ids['numeric']}-value": "lots", f"a-{ids['text']}-text": "Huygens"},
    )
    assert bad.status_code == 422 and "data-error" in bad.text and 'value="Huygens"' in bad.text
    seen.append(bad.text)
    positions = {f"a-{ids['ordering']}-pos-{item}": "1" for item in "mve"}
    bad = await post(
        client,
        course.url(course.quiz, f"/quiz/{first}"),
        token,
        **positions,
        **{f"a-{ids['text']}-text": "Huygens"},
    )
    assert bad.status_code == 422 and "its own position" in bad.text
    assert 'value="Huygens"' in bad.text
    seen.append(bad.text)
    async with db.read() as session:
        assert len(list(await session.scalars(select(AnswerStep)))) == 5

    # Nothing a learner got before submitting gives an answer away.
    for html in seen:
        # The player's volume slider moves in steps of 0.05, like the numeric tolerance.
        html = html.replace('data-player-volume type="range" min="0" max="1" step="0.05"', "")
        for secret in SECRETS:
            assert not leaks(secret, html), (
                secret,
                re.findall(r".{80}" + re.escape(secret) + r".{40}", html),
            )

    submitted = await post(
        client,
        course.url(course.quiz, f"/quiz/{first}"),
        token,
        action="submit",
        **wrong_answers(ids),
        **{f"a-{ids['ordering']}-pos-{item}": str(n) for n, item in enumerate("evm", start=1)},
    )
    assert submitted.status_code == 303
    assert submitted.headers["location"] == course.url(course.quiz, f"/attempts/{first}")
    result = await client.get(submitted.headers["location"])
    assert result.status_code == 200
    assert 'data-verdict="fail"' in result.text and "Attempt 1: 4.2%" in result.text
    assert SECRET_EXPLANATION in result.text  # told after submitting
    assert "Your answer: Rock" in result.text
    # Submitting again is refused; the attempt is over.
    again = await post(client, course.url(course.quiz, f"/quiz/{first}"), token, action="submit")
    assert again.status_code == 303
    page = await get(course.url(course.quiz))
    assert "Try again" in page and "1</span> left" in page

    # The second (last) attempt, right.
    started = await post(
        client, course.url(course.quiz, "/quiz/start"), token, latitude="52", longitude="5"
    )
    page = await get(started.headers["location"].split("#")[0])
    second = attempt_id(page)
    assert second != first
    ids = question_ids(page)
    d = float(re.search(r"<var>d</var> = ([\d.]+)", page).group(1))  # type: ignore[union-attr]
    altitude, azimuth = grading.apparent_altaz(
        "Vega", 52.0, 5.0, grading.SkySpec.model_validate(QUESTIONS[4][0]).at
    )
    async with db.read() as session:
        attempt = await session.get(QuizAttempt, uuid.UUID(second))
        assert attempt is not None
        rise = grading.next_event("Moon", "rise", 52.0, 5.0, attempt.started_at)
    right = {
        f"a-{ids['single']}": "ice",
        f"a-{ids['numeric']}-value": "9.58",
        f"a-{ids['numeric']}-unit": "au",
        f"a-{ids['text']}-text": "cassini",
        **{f"a-{ids['ordering']}-pos-{item}": str(n) for n, item in enumerate("mve", start=1)},
        f"a-{ids['sky']}-altitude": f"{altitude:.3f}",
        f"a-{ids['sky']}-azimuth": f"{azimuth:.3f}",
        f"a-{ids['computed/formula']}-value": repr(d**1.5),
        f"a-{ids['computed/formula']}-unit": "yr",
        f"a-{ids['computed/event']}-time": rise.isoformat() if rise else "",
    }
    submitted = await post(
        client, course.url(course.quiz, f"/quiz/{second}"), token, action="submit", **right
    )
    result = await client.get(submitted.headers["location"])
    assert 'data-verdict="pass"' in result.text
    assert "Attempt 2: 100.0%" in result.text
    page = await get(course.url(course.quiz))
    assert "You have used every attempt" in page and "data-lesson-completed" in page
    refused = await post(client, course.url(course.quiz, "/quiz/start"), token)
    assert refused.status_code == 303
    async with db.read() as session:
        assert len(list(await session.scalars(select(QuizAttempt)))) == 2
        progress = await session.get(LessonProgress, (people["learner"].id, course.quiz.id))
        assert progress is not None and progress.completed_at is not None


async def test_the_form_fields_as_sent_untouched_save_the_ordering_only(
    client: httpx.AsyncClient, db: Database, course: Lessons, people: dict[str, User]
) -> None:
    token = await as_(client, people, "learner")
    started = await post(client, course.url(course.quiz, "/quiz/start"), token)
    page = (await client.get(started.headers["location"].split("#")[0])).text
    fields = form_fields(page)
    fields["action"] = ["save"]
    answer = await client.post(
        course.url(course.quiz, f"/quiz/{attempt_id(page)}"),
        data={**fields, "csrf_token": token},
    )
    assert answer.status_code == 303
    async with db.read() as session:
        steps = list(await session.scalars(select(AnswerStep)))
    # Only the ordering has a value before the learner touches anything.
    assert len(steps) == 1 and set(steps[0].response) == {"order"}


async def test_results_are_only_for_their_learner(
    client: httpx.AsyncClient, db: Database, course: Lessons, people: dict[str, User]
) -> None:
    await enrol(db, people["other"], course.course)
    token = await as_(client, people, "learner")
    started = await post(client, course.url(course.quiz, "/quiz/start"), token)
    page = (await client.get(started.headers["location"].split("#")[0])).text
    first = attempt_id(page)
    open_result = await client.get(course.url(course.quiz, f"/attempts/{first}"))
    assert open_result.status_code == 409  # submit it first
    await post(client, course.url(course.quiz, f"/quiz/{first}"), token, action="submit")
    assert (await client.get(course.url(course.quiz, f"/attempts/{first}"))).status_code == 200
    # Under another lesson's address it is missing.
    assert (await client.get(course.url(course.sky, f"/attempts/{first}"))).status_code == 404
    for who, status in (("other", 404), ("creator", 404), ("instructor", 404), ("admin", 404)):
        token = await as_(client, people, who)
        answer = await client.get(course.url(course.quiz, f"/attempts/{first}"))
        assert answer.status_code == status, who
        # Nor can anyone else answer into it.
        post_answer = await post(
            client, course.url(course.quiz, f"/quiz/{first}"), token, action="save"
        )
        assert post_answer.status_code in (303, 404), who
    anonymous = await as_(client, people, "anonymous")
    answer = await client.get(course.url(course.quiz, f"/attempts/{first}"))
    assert answer.status_code == 303 and answer.headers["location"].startswith("/login")
    assert anonymous


async def test_feedback_waits_for_the_quiz_to_close_when_the_author_says_so(
    client: httpx.AsyncClient, db: Database, people: dict[str, User]
) -> None:
    from datetime import timedelta

    from cosmostream.kit.time import utcnow
    from cosmostream.models import FeedbackTiming

    made = await make_lessons(
        db,
        people["instructor"],
        QUESTIONS[:1],
        feedback=FeedbackTiming.AFTER_CLOSE,
        closes_at=utcnow() + timedelta(days=1),
        time_limit_seconds=600,
    )
    await enrol(db, people["learner"], made.course)
    token = await as_(client, people, "learner")
    page = (await client.get(made.url(made.quiz))).text
    assert "Time limit: 10:00" in page and "Feedback comes once the quiz closes." in page
    started = await post(client, made.url(made.quiz, "/quiz/start"), token)
    page = (await client.get(started.headers["location"].split("#")[0])).text
    assert "data-deadline=" in page
    ids = question_ids(page)
    submitted = await post(
        client,
        made.url(made.quiz, f"/quiz/{attempt_id(page)}"),
        token,
        action="submit",
        **{f"a-{ids['single']}": "ice"},
    )
    result = (await client.get(submitted.headers["location"])).text
    assert 'data-verdict="pass"' in result and "data-feedback-withheld" in result
    assert SECRET_EXPLANATION not in result and "FEEDBACK-ICE" not in result


# -- video lessons -------------------------------------------------------------------------


def marks(html: str) -> dict[str, tuple[float, bool]]:
    """The video's questions as the page gives them to the player: id → (time, answered)."""
    found = re.search(r"data-marks='([^']*)'", html)
    assert found, html
    return {m["id"]: (m["at"], m["answered"]) for m in json.loads(unescape(found.group(1)))}


async def test_a_video_lesson_knows_which_of_its_questions_are_answered(
    client: httpx.AsyncClient, db: Database, course: Lessons, people: dict[str, User]
) -> None:
    from tests.factories import gql, login

    token = await as_(client, people, "learner")
    page = (await client.get(course.url(course.video))).text
    first, second = course.video_questions
    assert marks(page) == {str(first.id): (10.0, False), str(second.id): (30.0, False)}
    assert SECRET_EXPLANATION not in page and "FEEDBACK-ICE" not in page
    # The player asks through GraphQL, as lesson.js does.
    bearer = (await login(db, people["learner"])).access_token
    started = (
        await gql(
            client,
            "mutation($q: ID!) { startQuizAttempt(quizId: $q) { id questions { id } } }",
            {"q": str(course.video_quiz.id)},
            token=bearer,
        )
    ).json()["data"]["startQuizAttempt"]
    saved = await gql(
        client,
        "mutation($a: ID!, $answer: AnswerInput!) { saveAnswer(attemptId: $a, answer: $answer) }",
        {"a": started["id"], "answer": {"questionId": str(first.id), "choices": ["rock"]}},
        token=bearer,
    )
    assert saved.json()["data"]["saveAnswer"] is True
    page = (await client.get(course.url(course.video))).text
    assert marks(page) == {str(first.id): (10.0, True), str(second.id): (30.0, False)}
    assert "(1 of 2)" in page
    # Without JavaScript the same questions are a form below the video.
    assert "Questions in this video" in page and "data-video-fallback" in page
    assert attempt_id(page) == started["id"]
    answer = await post(
        client,
        course.url(course.video, f"/quiz/{started['id']}"),
        token,
        action="save",
        **{f"a-{second.id}": "ice"},
    )
    assert answer.status_code == 303
    page = (await client.get(course.url(course.video))).text
    assert marks(page)[str(second.id)] == (30.0, True)


async def test_the_lesson_page_reads_a_bounded_number_of_times(
    client: httpx.AsyncClient, db: Database, course: Lessons, people: dict[str, User]
) -> None:
    from tests.factories import recorded_queries, selects

    token = await as_(client, people, "learner")
    await post(client, course.url(course.quiz, "/quiz/start"), token)
    counts = []
    for lesson in (course.article, course.quiz, course.video):
        with recorded_queries(db) as statements:
            assert (await client.get(course.url(lesson))).status_code == 200
        counts.append(len(selects(statements)))
    # The course, its syllabus and the learner's state, then the lesson's own
    # rows (video, quiz, attempts, questions, answers): never one per lesson or question.
    assert max(counts) <= 20, counts


async def test_the_time_limit_holds_in_forms(
    client: httpx.AsyncClient, db: Database, people: dict[str, User]
) -> None:
    from datetime import timedelta

    from tests.factories import shift_time, stopped_clock

    made = await make_lessons(db, people["instructor"], QUESTIONS[:1], time_limit_seconds=60)
    await enrol(db, people["learner"], made.course)
    token = await as_(client, people, "learner")
    with stopped_clock():
        started = await post(client, made.url(made.quiz, "/quiz/start"), token)
        page = (await client.get(started.headers["location"].split("#")[0])).text
        first = attempt_id(page)
        ids = question_ids(page)
        with shift_time(timedelta(minutes=5)):
            late = await post(
                client,
                made.url(made.quiz, f"/quiz/{first}"),
                token,
                action="submit",
                **{f"a-{ids['single']}": "ice"},
            )
            assert late.status_code == 303
            page = (await client.get(late.headers["location"])).text
            # The attempt is over: not shown again, and a new one may start.
            assert "data-quiz-form" not in page and "Try again" in page
            again = await post(client, made.url(made.quiz, "/quiz/start"), token)
            page = (await client.get(again.headers["location"].split("#")[0])).text
            assert attempt_id(page) != first
    async with db.read() as session:
        attempts = list(await session.scalars(select(QuizAttempt).order_by(QuizAttempt.number)))
        steps = list(await session.scalars(select(AnswerStep)))
    assert [a.state.value for a in attempts] == ["submitted", "open"]
    assert attempts[0].score == 0 and steps == []  # the late answer was not kept


async def test_a_long_quiz_is_submitted_in_one_form(
    client: httpx.AsyncClient, db: Database, people: dict[str, User]
) -> None:
    """Thirty numeric questions send a value and a unit each: 62 fields, past the
    50 an ordinary form may send."""
    numeric = {"kind": "numeric", "answer": "1", "unit": "au", "tolerance": "0.01"}
    made = await make_lessons(db, people["instructor"], [(numeric, 1)] * 30)
    await enrol(db, people["learner"], made.course)
    token = await as_(client, people, "learner")
    started = await post(client, made.url(made.quiz, "/quiz/start"), token)
    page = (await client.get(started.headers["location"].split("#")[0])).text
    ids = re.findall(r'data-question-id="([0-9a-f-]{36})"', page)
    assert len(set(ids)) == 30
    fields: dict[str, str] = {"action": "submit"}
    for qid in set(ids):
        fields[f"a-{qid}-value"] = "149597870.7"
        fields[f"a-{qid}-unit"] = "km"
    done = await post(client, made.url(made.quiz, f"/quiz/{attempt_id(page)}"), token, **fields)
    assert done.status_code == 303 and "/attempts/" in done.headers["location"]
    result = (await client.get(done.headers["location"])).text
    assert 'data-verdict="pass"' in result


async def test_saving_in_the_background_says_whether_it_was_kept(
    client: httpx.AsyncClient, db: Database, people: dict[str, User]
) -> None:
    """lesson.js saves as you go with the form's own post and reads the status."""
    from datetime import timedelta

    from tests.factories import shift_time, stopped_clock

    made = await make_lessons(db, people["instructor"], QUESTIONS[:1], time_limit_seconds=60)
    await enrol(db, people["learner"], made.course)
    token = await as_(client, people, "learner")
    fetch = {"X-Requested-With": "fetch"}
    with stopped_clock():
        started = await post(client, made.url(made.quiz, "/quiz/start"), token)
        page = (await client.get(started.headers["location"].split("#")[0])).text
        url = made.url(made.quiz, f"/quiz/{attempt_id(page)}")
        [qid] = question_ids(page).values()
        fields = {"csrf_token": token, "action": "save", f"a-{qid}": "ice"}
        kept = await client.post(url, data=fields, headers=fetch)
        assert kept.status_code == 204
        with shift_time(timedelta(minutes=5)):
            late = await client.post(url, data=fields, headers=fetch)
        assert late.status_code == 409
    client.cookies.clear()
    signed_out = await client.post(url, data=fields, headers=fetch)
    assert signed_out.status_code in (401, 403)  # no session: no CSRF cookie either
    async with db.read() as session:
        steps = list(await session.scalars(select(AnswerStep)))
    assert len(steps) == 1
