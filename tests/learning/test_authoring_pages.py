"""Authoring pages without JavaScript: the creator hub, the course, lesson and quiz editors,
the path editor; who sees each; a whole course built with forms; bad input shown again
with nothing written; the learner preview holds no answers."""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from cosmostream.db import Database
from cosmostream.kit.time import utcnow
from cosmostream.models import (
    Course,
    CourseModule,
    LearningPath,
    Lesson,
    LessonKind,
    PathCourse,
    PathOrder,
    PublishState,
    Question,
    Quiz,
    User,
)
from tests.factories import make_video, sign_in
from tests.learning.test_authoring_more import build, layout

ROLES = ("anonymous", "learner", "other", "creator", "instructor", "admin")


async def post(
    client: httpx.AsyncClient, path: str, token: str, data: dict[str, Any] | list[tuple[str, str]]
) -> httpx.Response:
    if isinstance(data, dict):
        items = [("csrf_token", token), *((k, str(v)) for k, v in data.items())]
    else:
        items = [("csrf_token", token), *data]
    return await client.post(
        path,
        content="&".join(f"{httpx.QueryParams({k: v})}" for k, v in items),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )


async def follow(client: httpx.AsyncClient, response: httpx.Response) -> str:
    assert response.status_code == 303, response.text
    page = await client.get(response.headers["location"])
    assert page.status_code == 200, page.text
    return page.text


async def count(db: Database, model: Any) -> int:
    async with db.read() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


# -- who sees the editors ------------------------------------------------------------


@pytest.mark.parametrize("state", [PublishState.DRAFT, PublishState.PUBLISHED])
async def test_editor_pages_for_each_role(
    client: httpx.AsyncClient, db: Database, people: dict[str, User], state: PublishState
) -> None:
    built = await build(db, people["instructor"], state=state)
    slug = built.course.slug
    quiz_lesson = built.lessons[0][1]
    pages = [f"/courses/{slug}/edit", f"/courses/{slug}/edit/lessons/{quiz_lesson.id}"]
    expected = {
        "anonymous": 303,
        "learner": 404,
        "other": 404,
        "creator": 404,
        "instructor": 200,
        "admin": 200,
    }
    for who in ROLES:
        await sign_in(client, people.get(who))
        for page in pages:
            response = await client.get(page)
            assert response.status_code == expected[who], (who, page)
            if who == "anonymous":
                assert response.headers["location"].startswith("/login?next=")
        hub = await client.get("/create")
        assert hub.status_code == (303 if who == "anonymous" else 200)
        if who == "instructor":
            assert f'href="/courses/{slug}/edit"' in hub.text
            assert 'href="/upload"' in hub.text and 'href="/classes"' in hub.text
        elif who != "anonymous":
            assert f'href="/courses/{slug}/edit"' not in hub.text


@pytest.mark.parametrize("state", [PublishState.DRAFT, PublishState.PUBLISHED])
async def test_edit_forms_of_others_look_missing(
    client: httpx.AsyncClient, db: Database, people: dict[str, User], state: PublishState
) -> None:
    built = await build(db, people["instructor"], state=state)
    base = f"/courses/{built.course.slug}/edit"
    lesson = built.lessons[0][1]
    forms = [
        (f"{base}/details", {"title": "Taken"}),
        (f"{base}/modules", {"title": "Extra"}),
        (f"{base}/modules/{built.modules[0].id}/remove", {}),
        (f"{base}/lessons/{lesson.id}/remove", {}),
        (f"{base}/lessons/{lesson.id}/quiz", {"passing_percent": "10"}),
        (f"{base}/lessons/{lesson.id}/questions/{built.questions[0].id}/remove", {}),
        (f"{base}/publish", {}),
        (f"{base}/prerequisites", {"prerequisites": "x"}),
        (f"{base}/modules/{built.modules[0].id}", {"title": "Taken"}),
        (f"{base}/modules/{built.modules[1].id}/move", {"direction": "up"}),
        (f"{base}/modules/{built.modules[0].id}/lessons", {"kind": "article", "title": "X"}),
        (f"{base}/lessons/{lesson.id}", {"kind": "quiz", "title": "Taken"}),
        (f"{base}/lessons/{lesson.id}", {"kind": "quiz", "title": "T", "action": "preview"}),
        (f"{base}/lessons/{lesson.id}/move", {"direction": "up"}),
        (
            f"{base}/lessons/{lesson.id}/place",
            {"module_id": str(built.modules[1].id), "position": "1"},
        ),
        (f"{base}/lessons/{lesson.id}/questions", {"kind": "text", "accepted": "x"}),
        (f"{base}/lessons/{lesson.id}/questions/{built.questions[0].id}", {"kind": "text"}),
        (
            f"{base}/lessons/{lesson.id}/questions/{built.questions[1].id}/move",
            {"direction": "up"},
        ),
        (f"{base}/lessons/{lesson.id}/regrade", {}),
    ]
    for who in ("anonymous", "learner", "creator"):
        token = await sign_in(client, people.get(who))
        for path, data in forms:
            response = await post(client, path, token, data)
            if who == "anonymous":
                assert response.status_code == 303
                assert response.headers["location"].startswith("/login?next=")
            else:
                assert response.status_code == 404, (who, path)
    async with db.read() as session:
        course = await session.get(Course, built.course.id)
        assert course is not None and course.title == built.course.title
        assert course.state is state
    assert await count(db, CourseModule) == 2
    assert await count(db, Lesson) == 4
    assert await count(db, Question) == 2
    assert [[t for t, _ in m] for m in await layout(db, built.course.id)] == [
        ["Lesson 1.1", "Lesson 1.2"],
        ["Lesson 2.1", "Lesson 2.2"],
    ]
    # An admin may edit anyone's course.
    token = await sign_in(client, people["admin"])
    response = await post(client, f"{base}/details", token, {"title": "Fixed by an admin"})
    await follow(client, response)
    async with db.read() as session:
        course = await session.get(Course, built.course.id)
        assert course is not None and course.title == "Fixed by an admin"


async def test_forms_need_csrf(
    client: httpx.AsyncClient, db: Database, people: dict[str, User]
) -> None:
    await sign_in(client, people["instructor"])
    response = await client.post("/create/courses/new", data={"title": "No token"})
    assert response.status_code == 403
    assert await count(db, Course) == 0


async def test_non_creators_cannot_start_courses_or_paths(
    client: httpx.AsyncClient, db: Database, people: dict[str, User]
) -> None:
    token = await sign_in(client, None)
    for page_path in ("/create", "/create/courses/new", "/create/paths/new"):
        response = await client.get(page_path)
        assert response.status_code == 303
        assert response.headers["location"] == f"/login?next={page_path}"
        if page_path != "/create":
            response = await post(client, page_path, token, {"title": "Anonymous"})
            assert response.status_code == 303
            assert response.headers["location"].startswith("/login")
    token = await sign_in(client, people["learner"])
    for page_path in ("/create/courses/new", "/create/paths/new"):
        gate = await client.get(page_path)
        assert gate.status_code == 200 and 'data-testid="creator-gate"' in gate.text
    page = await client.get("/create")
    assert 'data-testid="creator-gate"' in page.text
    response = await post(client, "/create/courses/new", token, {"title": "Mine"})
    assert response.status_code == 403
    response = await post(client, "/create/paths/new", token, {"title": "Mine"})
    assert response.status_code == 403
    assert await count(db, Course) == 0 and await count(db, LearningPath) == 0


# -- a whole course with forms -------------------------------------------------------------


async def test_a_creator_builds_and_publishes_a_course_with_forms_only(
    client: httpx.AsyncClient, db: Database, people: dict[str, User]
) -> None:
    video = await make_video(db, people["instructor"], title="Io up close", duration=300.0)
    others = await make_video(db, people["creator"], title="Not mine", duration=60.0)
    token = await sign_in(client, people["instructor"])

    new = await client.get("/create/courses/new")
    assert new.status_code == 200
    made = await post(
        client, "/create/courses/new", token, {"title": "Moons of Jupiter", "level": "beginner"}
    )
    assert made.headers["location"] == "/courses/moons-of-jupiter/edit"
    base = made.headers["location"]
    page = await follow(client, made)
    assert "Moons of Jupiter" in page and "No modules yet" in page

    added = await post(client, f"{base}/modules", token, {"title": "The Galilean moons"})
    page = await follow(client, added)
    async with db.read() as session:
        module = await session.scalar(select(CourseModule))
    assert module is not None
    # The video picker offers the creator's own ready videos only.
    assert "Io up close" in page and "Not mine" not in page

    lesson_made = await post(
        client,
        f"{base}/modules/{module.id}/lessons",
        token,
        {"kind": "video", "title": "Meet Io", "video_id": str(video.id)},
    )
    lesson_page = await follow(client, lesson_made)
    assert "Meet Io" in lesson_page
    video_lesson = lesson_made.headers["location"]
    saved = await post(
        client,
        video_lesson,
        token,
        {
            "kind": "video",
            "title": "Meet Io",
            "required": "on",
            "video_id": str(video.id),
            "completion_percent": "80",
            "credits_from": "290",
        },
    )
    await follow(client, saved)
    refused = await post(
        client,
        video_lesson,
        token,
        {"kind": "video", "title": "Meet Io", "video_id": str(others.id)},
    )
    assert refused.status_code in (403, 404)

    quiz_made = await post(
        client,
        f"{base}/modules/{module.id}/lessons",
        token,
        {"kind": "quiz", "title": "Check yourself"},
    )
    quiz_url = quiz_made.headers["location"]
    await follow(client, quiz_made)
    settings = await post(
        client,
        f"{quiz_url}/quiz",
        token,
        {
            "passing_percent": "60",
            "max_attempts": "3",
            "time_limit_minutes": "10",
            "feedback": "after_submit",
            "scoring": "best",
        },
    )
    await follow(client, settings)
    questions: list[list[tuple[str, str]]] = [
        [
            ("kind", "single"),
            ("prompt", "Which moon has volcanoes?"),
            ("points", "1"),
            ("required", "on"),
            ("choice_text", "Io"),
            ("choice_correct", "0"),
            ("choice_text", "Callisto"),
            ("choice_text", ""),
            ("explanation", "Tidal heating."),
        ],
        [
            ("kind", "numeric"),
            ("prompt", "How many days does Io take to orbit?"),
            ("points", "2"),
            ("answer", "1.77"),
            ("tolerance", "0.05"),
            ("unit", "d"),
        ],
        [
            ("kind", "text"),
            ("prompt", "Name the largest moon."),
            ("accepted", "Ganymede\nJupiter III"),
        ],
        [
            ("kind", "ordering"),
            ("prompt", "Order them outwards."),
            ("items", "Io\nEuropa\nGanymede\nCallisto"),
        ],
        [
            ("kind", "formula"),
            ("prompt", "How far is d au in km?"),
            ("parameters", "d 1 5 1"),
            ("formula", "d * 149597870.7"),
            ("unit", "km"),
        ],
        [
            ("kind", "event"),
            ("prompt", "When does Jupiter rise where you are?"),
            ("body", "Jupiter"),
            ("event", "rise"),
            ("tolerance_minutes", "10"),
        ],
    ]
    for fields in questions:
        response = await post(client, f"{quiz_url}/questions", token, fields)
        assert response.status_code == 303, response.text
    page = (await client.get(quiz_url)).text
    assert page.count('class="question-editor"') == len(questions)
    assert "built-in method" not in page and "Undefined" not in page

    # The "as the learner will see it" areas hold no answer.
    previews = re.findall(r'<div class="learner-view".*?</div>', page, flags=re.S)
    assert len(previews) == len(questions)
    joined = "\n".join(previews)
    for secret in ("Tidal heating", "1.77", "0.05", "Jupiter III", "149597870.7", "correct"):
        assert secret not in joined, secret

    published = await post(client, f"{base}/publish", token, {})
    await follow(client, published)
    async with db.read() as session:
        course = await session.scalar(select(Course).where(Course.slug == "moons-of-jupiter"))
        assert course is not None
        assert course.state is PublishState.PUBLISHED
        assert (course.lesson_count, course.duration_seconds) == (2, 300)
        quiz = await session.scalar(select(Quiz))
        assert quiz is not None
        assert (quiz.passing_percent, quiz.max_attempts, quiz.time_limit_seconds) == (60, 3, 600)
        lessons = list(await session.scalars(select(Lesson).order_by(Lesson.position)))
        assert [(lesson.title, lesson.position) for lesson in lessons] == [
            ("Meet Io", 1),
            ("Check yourself", 2),
        ]
        assert lessons[0].completion_percent == 80 and lessons[0].credits_from == 290
        specs = [
            q.spec for q in await session.scalars(select(Question).order_by(Question.position))
        ]
    assert specs[0]["choices"] == [
        {"id": "a", "text": "Io", "correct": True},
        {"id": "b", "text": "Callisto", "correct": False},
    ]
    assert specs[1]["unit"] == "d" and specs[2]["accepted"] == ["Ganymede", "Jupiter III"]

    # Reorder with buttons: the quiz goes first.
    quiz_id = quiz_url.rsplit("/", 1)[1]
    moved = await post(client, f"{base}/lessons/{quiz_id}/move", token, {"direction": "up"})
    page = await follow(client, moved)
    assert page.index("Check yourself") < page.index("Meet Io")


async def test_articles_preview_their_markdown_without_saving(
    client: httpx.AsyncClient, db: Database, people: dict[str, User]
) -> None:
    built = await build(db, people["instructor"])
    token = await sign_in(client, people["instructor"])
    article = built.lessons[0][0]
    url = f"/courses/{built.course.slug}/edit/lessons/{article.id}"
    body = "# Kepler\n\n<script>alert(1)</script> $a^3 = T^2$"
    response = await post(
        client,
        url,
        token,
        {"kind": "article", "title": "Kepler", "body": body, "action": "preview"},
    )
    assert response.status_code == 200
    assert "<h1>Kepler</h1>" in response.text and "<script>alert(1)" not in response.text
    async with db.read() as session:
        kept = await session.get(Lesson, article.id)
        assert kept is not None and kept.title == "Lesson 1.1" and kept.body == ""
    saved = await post(
        client, url, token, {"kind": "article", "title": "Kepler", "body": body, "required": "on"}
    )
    await follow(client, saved)
    async with db.read() as session:
        kept = await session.get(Lesson, article.id)
        assert kept is not None and kept.title == "Kepler" and kept.body.startswith("# Kepler")


# -- bad input ---------------------------------------------------------------------------


async def test_bad_input_shows_the_form_again_with_nothing_written(
    client: httpx.AsyncClient, db: Database, people: dict[str, User]
) -> None:
    built = await build(db, people["instructor"])
    token = await sign_in(client, people["instructor"])
    base = f"/courses/{built.course.slug}/edit"
    quiz_url = f"{base}/lessons/{built.lessons[0][1].id}"

    response = await post(client, "/create/courses/new", token, {"title": "   ", "summary": "Kept"})
    assert response.status_code == 422 and 'value="Kept"' in response.text
    assert "Give it a title." in response.text

    response = await post(
        client,
        f"{quiz_url}/questions",
        token,
        [
            ("kind", "single"),
            ("prompt", "Typed prompt survives"),
            ("choice_text", "Io"),
            ("choice_text", "Titan"),
        ],  # no correct option
    )
    assert response.status_code == 422
    assert "Typed prompt survives" in response.text and "Mark exactly one correct option." in (
        response.text
    )
    response = await post(
        client,
        f"{quiz_url}/questions",
        token,
        [("kind", "numeric"), ("prompt", "P"), ("answer", "lots")],
    )
    assert response.status_code == 422
    response = await post(
        client,
        f"{quiz_url}/questions",
        token,
        [("kind", "formula"), ("prompt", "P"), ("parameters", "d 1"), ("formula", "d")],
    )
    assert response.status_code == 422 and "name low high step" in response.text
    response = await post(client, f"{quiz_url}/quiz", token, {"passing_percent": "250"})
    assert response.status_code == 422 and 'value="250"' in response.text
    response = await post(
        client, f"{base}/details", token, {"title": "", "summary": "Typed summary"}
    )
    assert response.status_code == 422 and 'value="Typed summary"' in response.text
    assert 'id="title-error"' in response.text
    response = await post(client, f"{base}/modules", token, {"title": ""})
    assert response.status_code == 422
    response = await post(client, f"{base}/modules", token, {"title": "M", "unlock_at": "soon"})
    assert response.status_code == 422 and 'value="M"' in response.text
    response = await post(
        client,
        f"{base}/modules/{built.modules[0].id}/lessons",
        token,
        {"kind": "video", "title": "No video chosen"},
    )
    assert response.status_code == 422 and "No video chosen" in response.text
    response = await post(
        client, f"{base}/prerequisites", token, {"prerequisites": built.course.slug}
    )
    assert response.status_code == 422
    response = await post(
        client, f"{base}/lessons/{built.lessons[0][0].id}/move", token, {"direction": "left"}
    )
    assert response.status_code == 422

    # Numbers that are not numbers, and dates no one can mean, are refused too.
    article = f"{base}/lessons/{built.lessons[0][0].id}"
    for field, value in (("duration_minutes", "nan"), ("duration_minutes", "inf")):
        response = await post(
            client, article, token, {"kind": "article", "title": "A", field: value}
        )
        assert response.status_code == 422, (field, value)
    for value in ("0001-01-01T00:00+05:00", "9999-12-31T23:59-05:00", "2500-01-01T00:00"):
        response = await post(
            client, f"{quiz_url}/quiz", token, {"passing_percent": "50", "closes_at": value}
        )
        assert response.status_code == 422, value
        response = await post(client, f"{base}/modules", token, {"title": "M", "unlock_at": value})
        assert response.status_code == 422, value
    response = await post(
        client,
        f"{quiz_url}/questions",
        token,
        [
            ("kind", "sky"),
            ("prompt", "P"),
            ("target", "Vega"),
            ("latitude", "52"),
            ("longitude", "5"),
            ("at", "0001-01-01T00:00+05:00"),
        ],
    )
    assert response.status_code == 422

    assert await count(db, Course) == 1
    assert await count(db, CourseModule) == 2
    assert await count(db, Lesson) == 4
    assert await count(db, Question) == 2
    async with db.read() as session:
        quiz = await session.scalar(select(Quiz))
        assert quiz is not None and quiz.passing_percent == 70 and quiz.closes_at is None


async def test_a_question_from_another_lesson_looks_missing(
    client: httpx.AsyncClient, db: Database, people: dict[str, User]
) -> None:
    built = await build(db, people["instructor"])
    token = await sign_in(client, people["instructor"])
    article = built.lessons[0][0]
    url = (
        f"/courses/{built.course.slug}/edit/lessons/{article.id}"
        f"/questions/{built.questions[0].id}/remove"
    )
    assert (await post(client, url, token, {})).status_code == 404
    other = await build(db, people["instructor"])
    url = f"/courses/{other.course.slug}/edit/modules/{built.modules[0].id}/remove"
    assert (await post(client, url, token, {})).status_code == 404
    assert await count(db, Question) == 4 and await count(db, CourseModule) == 4


# -- paths -------------------------------------------------------------------------------


async def test_a_path_is_built_reordered_and_published_with_forms(
    client: httpx.AsyncClient, db: Database, people: dict[str, User]
) -> None:
    first = await build(db, people["creator"], state=PublishState.PUBLISHED)
    second = await build(db, people["instructor"], state=PublishState.PUBLISHED)
    token = await sign_in(client, people["instructor"])
    response = await post(client, "/create/paths/new", token, {"title": ""})
    assert response.status_code == 422
    made = await post(
        client, "/create/paths/new", token, {"title": "Skywatching", "sequential": "on"}
    )
    base = made.headers["location"]
    assert base == "/learn/paths/skywatching/edit"
    await follow(client, made)
    for course in (first, second):
        await follow(
            client, await post(client, f"{base}/courses", token, {"course": course.course.slug})
        )
    moved = await post(
        client, f"{base}/courses/{second.course.slug}/move", token, {"direction": "up"}
    )
    page = await follow(client, moved)
    assert page.index(second.course.title) < page.index(first.course.title)
    await follow(
        client, await post(client, f"{base}/courses/{first.course.slug}/remove", token, {})
    )
    await follow(client, await post(client, f"{base}/publish", token, {}))
    async with db.read() as session:
        path = await session.scalar(select(LearningPath))
        assert path is not None
        assert path.state is PublishState.PUBLISHED and path.order is PathOrder.SEQUENTIAL
        rows = list(await session.scalars(select(PathCourse)))
    assert [(r.course_id, r.position) for r in rows] == [(second.course.id, 1)]

    for who, wanted in (("anonymous", 303), ("learner", 404), ("creator", 404), ("admin", 200)):
        token = await sign_in(client, people.get(who))
        assert (await client.get(base)).status_code == wanted, who
        if who in ("learner", "creator"):
            response = await post(client, f"{base}/courses/{second.course.slug}/remove", token, {})
            assert response.status_code == 404
    assert await count(db, PathCourse) == 1


async def test_paths_draft_of_another_looks_missing(
    client: httpx.AsyncClient, db: Database, people: dict[str, User]
) -> None:
    async with db.unit_of_work() as session:
        session.add(
            LearningPath(
                slug="hidden",
                title="Hidden",
                author_id=people["creator"].id,
                state=PublishState.DRAFT,
                published_at=None,
                updated_at=utcnow(),
            )
        )
    await sign_in(client, people["instructor"])
    assert (await client.get("/learn/paths/hidden/edit")).status_code == 404
    assert (await client.get(f"/learn/paths/{uuid.uuid4().hex}/edit")).status_code == 404


async def test_sky_activities_and_questions_are_edited_with_forms(
    client: httpx.AsyncClient, db: Database, people: dict[str, User]
) -> None:
    built = await build(db, people["instructor"])
    token = await sign_in(client, people["instructor"])
    base = f"/courses/{built.course.slug}/edit"
    made = await post(
        client,
        f"{base}/modules/{built.modules[1].id}/lessons",
        token,
        {"kind": "sky", "title": "Find Jupiter"},
    )
    sky_url = made.headers["location"]
    page = await follow(client, made)
    assert "Where and when the sky map opens" in page
    sky = {
        "kind": "sky",
        "title": "Find Jupiter",
        "required": "on",
        "body": "Point at Jupiter.",
        "sky_at": "2026-10-01T21:00",
        "sky_lat": "52",
        "sky_lon": "5",
        "sky_alt": "30",
        "sky_az": "120",
        "sky_fov": "40",
    }
    await follow(client, await post(client, sky_url, token, sky))
    refused = await post(client, sky_url, token, {**sky, "sky_lat": "95", "title": "Typed"})
    assert refused.status_code == 422 and 'value="Typed"' in refused.text
    async with db.read() as session:
        lesson = await session.get(Lesson, uuid.UUID(sky_url.rsplit("/", 1)[1]))
        assert lesson is not None and lesson.title == "Find Jupiter"
        assert lesson.sky == {
            "lat": 52.0,
            "lon": 5.0,
            "at": "2026-10-01T21:00:00+00:00",
            "alt": 30.0,
            "az": 120.0,
            "fov": 40.0,
        }

    pointing = [
        ("kind", "sky"),
        ("prompt", "Point at Vega."),
        ("target", "Vega"),
        ("latitude", "52"),
        ("longitude", "5"),
        ("at", "2026-07-01T22:00"),
        ("tolerance_degrees", "3"),
    ]
    added = await post(client, f"{sky_url}/questions", token, pointing)
    page = await follow(client, added)
    assert "Point the sky map at <strong>Vega</strong>" in page
    async with db.read() as session:
        question = await session.scalar(select(Question).where(Question.lesson_id == lesson.id))
    assert question is not None and question.spec["tolerance_degrees"] == 3

    # Change it through its form: a new spec bumps the version; the prompt is kept as typed.
    url = f"{sky_url}/questions/{question.id}"
    changed = [(k, v) for k, v in pointing if k != "tolerance_degrees"]
    changed += [("tolerance_degrees", "5"), ("prompt", "Point at Vega, roughly.")]
    await follow(client, await post(client, url, token, changed))
    below = [(k, "-60" if k == "latitude" else v) for k, v in changed]  # Vega never rises
    refused = await post(client, url, token, below)
    assert refused.status_code == 422 and "below the horizon" in refused.text
    async with db.read() as session:
        kept = await session.get(Question, question.id)
        assert kept is not None
        assert (kept.version, kept.prompt, kept.spec["tolerance_degrees"]) == (
            2,
            "Point at Vega, roughly.",
            5,
        )

    # Questions move and go with buttons; positions stay dense.
    second = await post(
        client,
        f"{sky_url}/questions",
        token,
        [("kind", "text"), ("prompt", "Which planet?"), ("accepted", "Jupiter")],
    )
    await follow(client, second)
    async with db.read() as session:
        ids = list(
            await session.scalars(
                select(Question.id)
                .where(Question.lesson_id == lesson.id)
                .order_by(Question.position)
            )
        )
    moved = await post(client, f"{sky_url}/questions/{ids[1]}/move", token, {"direction": "up"})
    await follow(client, moved)
    await follow(client, await post(client, f"{sky_url}/questions/{ids[0]}/remove", token, {}))
    async with db.read() as session:
        left = list(
            await session.execute(
                select(Question.id, Question.position).where(Question.lesson_id == lesson.id)
            )
        )
    assert [(row[0], row[1]) for row in left] == [(ids[1], 1)]


async def test_a_creators_other_course_editor_shows_only_their_videos(
    client: httpx.AsyncClient, db: Database, people: dict[str, User]
) -> None:
    """An admin editing a creator's video lesson picks among the creator's videos."""
    mine = await make_video(db, people["instructor"], title="Instructor's clip")
    await make_video(db, people["admin"], title="Admin's clip")
    await make_video(db, people["instructor"], title="Unfinished", ready=False)
    built = await build(db, people["instructor"])
    token = await sign_in(client, people["admin"])
    made = await post(
        client,
        f"/courses/{built.course.slug}/edit/modules/{built.modules[0].id}/lessons",
        token,
        {"kind": "video", "title": "Watch", "video_id": str(mine.id)},
    )
    page = await follow(client, made)
    assert "Instructor&#39;s clip" in page or "Instructor's clip" in page
    assert "Admin" not in page.split('id="lesson-video"')[1].split("</select>")[0]
    assert "Unfinished" not in page


async def test_a_fixed_question_regrades_submitted_attempts(
    client: httpx.AsyncClient, db: Database, people: dict[str, User]
) -> None:
    from cosmostream.learning.attempts import attempt_service
    from tests.factories import actor
    from tests.learning.conftest import enrol

    built = await build(db, people["instructor"], state=PublishState.PUBLISHED)
    await enrol(db, people["learner"], built.course)
    learner = actor(people["learner"])
    async with db.read() as session:
        quiz = await session.scalar(select(Quiz))
        assert quiz is not None
    async with db.unit_of_work() as session:
        view = await attempt_service.start(session, learner, quiz.id)
    async with db.unit_of_work() as session:
        result = await attempt_service.submit(
            session,
            learner,
            view.attempt.id,
            {q.id: {"choices": ["b"]} for q in built.questions},
        )
    assert result.passed is False

    token = await sign_in(client, people["instructor"])
    lesson_url = f"/courses/{built.course.slug}/edit/lessons/{built.lessons[0][1].id}"
    for question in built.questions:  # Titan was right after all
        fields = [
            ("kind", "single"),
            ("prompt", question.prompt),
            ("points", "1"),
            ("required", "on"),
            ("choice_text", "Io"),
            ("choice_text", "Titan"),
            ("choice_correct", "1"),
        ]
        await follow(
            client, await post(client, f"{lesson_url}/questions/{question.id}", token, fields)
        )
    page = await follow(client, await post(client, f"{lesson_url}/regrade", token, {}))
    assert "Attempts graded again." in page
    async with db.read() as session:
        from cosmostream.models import QuizAttempt

        attempt = await session.get(QuizAttempt, view.attempt.id)
        assert attempt is not None and attempt.passed is True


async def test_saving_a_lesson_keeps_a_video_that_is_not_ready_now(
    client: httpx.AsyncClient, db: Database, people: dict[str, User]
) -> None:
    """A lesson's video being reprocessed is not among the ready ones: saving the
    lesson's title keeps it rather than taking the first ready video."""
    await make_video(db, people["instructor"], title="Another clip")
    current = await make_video(db, people["instructor"], title="Being reprocessed", ready=False)
    built = await build(db, people["instructor"])
    async with db.unit_of_work() as session:
        lesson = await session.get(Lesson, built.lessons[1][0].id)
        assert lesson is not None
        lesson.kind, lesson.video_id = LessonKind.VIDEO, current.id
    token = await sign_in(client, people["instructor"])
    url = f"/courses/{built.course.slug}/edit/lessons/{built.lessons[1][0].id}"
    page = (await client.get(url)).text
    select = page.split('id="lesson-video"')[1].split("</select>")[0]
    assert f'<option value="{current.id}" selected>Keep the current video' in select
    saved = await post(
        client,
        url,
        token,
        {"kind": "video", "title": "Renamed", "video_id": str(current.id), "required": "on"},
    )
    assert saved.status_code == 303, saved.text
    async with db.read() as session:
        lesson = await session.get(Lesson, built.lessons[1][0].id)
    assert lesson is not None and lesson.title == "Renamed" and lesson.video_id == current.id
