"""The learner's pages without JavaScript: /learn with its filters and "My learning",
a course page for every viewer, enrolling by form, a path with its graph data,
certificates and their PDF — who sees what, no answers in a page, query counts."""

from __future__ import annotations

import html
import json
import re
import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from cosmostream.db import Database
from cosmostream.kit.time import utcnow
from cosmostream.learning.browse import CertificateNotFound, browse_service
from cosmostream.learning.paths import path_service
from cosmostream.learning.progress import progress_service
from cosmostream.models import (
    Category,
    Certificate,
    Course,
    CourseModule,
    CoursePrerequisite,
    Enrolment,
    ForumCategory,
    Lesson,
    LessonKind,
    Level,
    PathOrder,
    PublishState,
    Question,
    Quiz,
    User,
)
from tests.factories import actor, recorded_queries, selects, shift_time, sign_in
from tests.learning.class_helpers import assign, make_class
from tests.learning.conftest import enrol, make_course

ROLES = ("anonymous", "learner", "other", "instructor", "creator", "admin")
XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'
# What a quiz holds that no page may show before an attempt is submitted.
SECRETS = ("RIGHT-ANSWER-TEXT", "SECRET-EXPLANATION", "SECRET-FEEDBACK")
CHOICE_SPEC = {
    "kind": "single",
    "choices": [
        {"id": "a", "text": "RIGHT-ANSWER-TEXT", "correct": True, "feedback": "SECRET-FEEDBACK"},
        {"id": "b", "text": "Wrong", "correct": False},
    ],
    "explanation": "SECRET-EXPLANATION",
}


async def as_role(client: httpx.AsyncClient, people: dict[str, User], who: str) -> str:
    return await sign_in(client, people.get(who))


@pytest.fixture
async def topics(db: Database) -> dict[str, Category]:
    async with db.unit_of_work() as session:
        made = {
            slug: Category(slug=slug, name=slug.title(), icon="star", position=n)
            for n, slug in enumerate(("planets", "rockets"))
        }
        session.add_all(made.values())
    return made


async def make_path(
    db: Database,
    author: User,
    title: str,
    courses: list[Course],
    *,
    order: PathOrder = PathOrder.SEQUENTIAL,
    publish: bool = True,
    level: Level = Level.BEGINNER,
) -> str:
    async with db.unit_of_work() as session:
        path = await path_service.create(session, actor(author), title, order=order, level=level)
        for course in courses:
            await path_service.add_course(session, actor(author), path.slug, course.slug)
        if publish:
            await path_service.publish(session, actor(author), path.slug)
        return path.slug


async def rich_course(db: Database, instructor: User, **fields: Any) -> dict[str, Any]:
    """A course of three modules — the second needs the first, the third opens next
    week — with a video, an article, a quiz (answers inside) and a forum category."""
    async with db.unit_of_work() as session:
        forum = ForumCategory(slug=f"f-{uuid.uuid4().hex[:6]}", name="Course talk")
        session.add(forum)
        await session.flush()
        slug = f"course-{uuid.uuid4().hex[:8]}"
        course = Course(
            slug=slug,
            title=fields.pop("title", "Orbits for everyone"),
            summary="From Kepler to Hohmann.",
            description=f"Learn **orbits**. {XSS}",
            instructor_id=instructor.id,
            state=fields.pop("state", PublishState.PUBLISHED),
            published_at=utcnow(),
            forum_category_id=forum.id,
            lesson_count=4,
            required_count=4,
            duration_seconds=930,
            **fields,
        )
        session.add(course)
        await session.flush()
        modules = [
            CourseModule(course_id=course.id, position=1, title="Kepler"),
            CourseModule(
                course_id=course.id, position=2, title="Transfers", requires_previous=True
            ),
            CourseModule(
                course_id=course.id,
                position=3,
                title="Gravity assists",
                unlock_at=utcnow() + timedelta(days=7),
            ),
        ]
        session.add_all(modules)
        await session.flush()
        specs = [
            (modules[0], LessonKind.VIDEO, "Ellipses", 330),
            (modules[0], LessonKind.ARTICLE, "The three laws", 600),
            (modules[1], LessonKind.QUIZ, "Check yourself", 0),
            (modules[2], LessonKind.ARTICLE, "Slingshots", 0),
        ]
        lessons = []
        for n, (module, kind, title, seconds) in enumerate(specs, start=1):
            lesson = Lesson(
                course_id=course.id,
                module_id=module.id,
                position=n,
                kind=kind,
                title=title,
                duration_seconds=seconds,
                body="An article body",
            )
            session.add(lesson)
            lessons.append(lesson)
        await session.flush()
        quiz = Quiz(lesson_id=lessons[2].id)
        session.add(quiz)
        await session.flush()
        session.add(
            Question(
                lesson_id=lessons[2].id,
                quiz_id=quiz.id,
                position=1,
                prompt="Which is right?",
                spec=CHOICE_SPEC,
            )
        )
    return {"course": course, "lessons": lessons, "forum": forum, "modules": modules}


def texts(page: str, attribute: str) -> list[str]:
    return re.findall(rf'{attribute}="([^"]+)"', page)


# -- /learn ---------------------------------------------------------------------


async def test_learn_lists_paths_and_courses_by_topic_level_price_and_words(
    client: httpx.AsyncClient, db: Database, people: dict[str, User], topics: dict[str, Category]
) -> None:
    moons, _ = await make_course(
        db,
        people["instructor"],
        [{"kind": LessonKind.ARTICLE}],
        title="Moons of Jupiter",
        summary="Io, Europa",
        category_id=topics["planets"].id,
    )
    orbits, _ = await make_course(
        db,
        people["creator"],
        [{"kind": LessonKind.ARTICLE}],
        title="Orbital mechanics",
        category_id=topics["rockets"].id,
        level=Level.ADVANCED,
        premium=True,
    )
    await make_course(db, people["instructor"], [], title="Secret draft", state=PublishState.DRAFT)
    rockets = await make_path(
        db, people["creator"], "Rockets and orbits", [orbits], level=Level.ADVANCED
    )
    planets = await make_path(db, people["instructor"], "Naked-eye planets", [moons])
    await make_path(db, people["instructor"], "Unpublished path", [moons], publish=False)

    for who in ("anonymous", "learner", "instructor", "admin"):
        await as_role(client, people, who)
        response = await client.get("/learn")
        assert response.status_code == 200
        page = response.text
        assert '<a href="/learn" aria-current="page">Learn</a>' in page
        assert set(texts(page, "data-course")) == {moons.slug, orbits.slug}
        assert set(texts(page, "data-path")) == {rockets, planets}
        assert "Secret draft" not in page and "Unpublished path" not in page
        assert "data-my-learning" not in page  # nobody is enrolled yet
    card = page.split(f'data-course="{orbits.slug}"')[1].split("</li>")[0]
    assert "Premium</span>" in card and "Advanced" in card
    assert f'href="/profile/{people["creator"].id}"' in card
    assert "Premium</span>" not in page.split(f'data-course="{moons.slug}"')[1].split("</li>")[0]

    async def listed(query: str) -> tuple[list[str], list[str]]:
        response = await client.get(f"/learn?{query}")
        assert response.status_code == 200, response.text
        return texts(response.text, "data-course"), texts(response.text, "data-path")

    assert await listed("q=jupiter") == ([moons.slug], [])
    assert await listed("q=europa+io") == ([moons.slug], [])
    assert await listed("q=rockets") == ([], [rockets])
    assert await listed("topic=rockets") == ([orbits.slug], [rockets])
    assert await listed("topic=planets&level=beginner") == ([moons.slug], [planets])
    assert await listed("level=advanced") == ([orbits.slug], [rockets])
    assert await listed("price=free") == ([moons.slug], [])
    assert await listed("price=premium") == ([orbits.slug], [])
    assert await listed("q=100%25_") == ([], [])
    page = (await client.get("/learn?topic=rockets&price=premium")).text
    assert '<option value="rockets" selected>' in page
    assert '<option value="premium" selected>' in page and 'href="/learn">Clear' in page
    for bad in ("topic=nope", "level=expert", "price=cheap", "q=" + "x" * 201):
        assert (await client.get(f"/learn?{bad}")).status_code == 422, bad


async def test_learn_pages_through_courses(
    client: httpx.AsyncClient, db: Database, people: dict[str, User]
) -> None:
    made = [
        (await make_course(db, people["instructor"], [], title=f"Course {n}"))[0] for n in range(22)
    ]
    page = (await client.get("/learn?level=beginner")).text
    assert len(texts(page, "data-course")) == 20
    more = re.search(r'href="(/learn\?[^"]+)">More courses', page)
    assert more is not None and "level=beginner" in more.group(1)
    rest = (await client.get(html.unescape(more.group(1)))).text
    assert len(texts(rest, "data-course")) == 2 and "More courses" not in rest
    seen = set(texts(page, "data-course")) | set(texts(rest, "data-course"))
    assert seen == {c.slug for c in made}
    assert (await client.get("/learn?after=garbage")).status_code == 422


async def test_my_learning_shows_progress_resume_and_certificates(
    client: httpx.AsyncClient, db: Database, people: dict[str, User]
) -> None:
    started, [first, _second] = await make_course(
        db,
        people["instructor"],
        [{"kind": LessonKind.ARTICLE}, {"kind": LessonKind.ARTICLE}],
        title="Half done",
    )
    finished, [only] = await make_course(
        db, people["instructor"], [{"kind": LessonKind.ARTICLE}], title="All done"
    )
    learner = people["learner"]
    for course in (started, finished):
        await enrol(db, learner, course)
    async with db.unit_of_work() as session:
        await progress_service.mark_done(session, actor(learner), first.id)
        await progress_service.mark_done(session, actor(learner), only.id)
    async with db.read() as session:
        code = await session.scalar(
            select(Certificate.code).where(Certificate.user_id == learner.id)
        )
    assert code

    await as_role(client, people, "learner")
    page = (await client.get("/learn")).text
    mine = page.split("data-my-learning")[1].split("</section>")[0]
    in_progress = mine.split(f'data-in-progress="{started.slug}"')[1].split("</li>")[0]
    assert 'value="50"' in in_progress and "50 % done" in in_progress
    assert f'href="/courses/{started.slug}/lessons/{first.id}">Resume' in in_progress
    done = mine.split(f'data-completed="{finished.slug}"')[1].split("</li>")[0]
    assert f'href="/certificates/{code}">Certificate' in done
    assert f'data-in-progress="{finished.slug}"' not in mine
    # Searching or filtering shows what matches, not "My learning".
    assert "data-my-learning" not in (await client.get("/learn?q=done")).text

    for who in ("anonymous", "other"):
        await as_role(client, people, who)
        assert "data-my-learning" not in (await client.get("/learn")).text


async def test_learn_lists_a_learners_class_assignments(
    client: httpx.AsyncClient, db: Database, people: dict[str, User]
) -> None:
    assigned, _ = await make_course(
        db, people["instructor"], [{"kind": LessonKind.ARTICLE}], title="Assigned reading"
    )
    klass = await make_class(db, people["instructor"], [people["learner"]], name="Tuesday group")
    await assign(db, people["instructor"], klass, course=assigned, due_in=timedelta(hours=1))

    await as_role(client, people, "learner")
    with shift_time(timedelta(hours=2)):  # past its due date
        page = (await client.get("/learn")).text
    section = page.split("data-assignments")[1].split("</section>")[0]
    assert "Assigned reading" in section and "Tuesday group" in section
    assert "Overdue" in section and f"/classes/{klass.id}/assignments/" in section
    for who in ("anonymous", "other", "instructor"):
        await as_role(client, people, who)
        assert "data-assignments" not in (await client.get("/learn")).text


async def test_learn_query_count_is_constant(
    client: httpx.AsyncClient, db: Database, people: dict[str, User], topics: dict[str, Category]
) -> None:
    async def fill(n: int) -> None:
        for i in range(n):
            course, [lesson] = await make_course(
                db,
                people["creator"],
                [{"kind": LessonKind.ARTICLE}],
                title=f"Course {i}",
                category_id=topics["planets"].id,
            )
            await make_path(db, people["creator"], f"Path {i}", [course])
            await enrol(db, people["learner"], course)
            if i % 2:
                async with db.unit_of_work() as session:
                    await progress_service.mark_done(session, actor(people["learner"]), lesson.id)

    async def queries(who: str, path: str) -> int:
        await as_role(client, people, who)
        with recorded_queries(db) as statements:
            response = await client.get(path)
        assert response.status_code == 200
        return len(selects(statements))

    paths = ["/learn", "/learn?topic=planets&q=course", "/learn?price=free"]
    await fill(2)
    few = [await queries(who, p) for who in ("anonymous", "learner") for p in paths]
    await fill(6)
    many = [await queries(who, p) for who in ("anonymous", "learner") for p in paths]
    assert few == many


# -- a course -------------------------------------------------------------------


async def test_course_page_for_every_viewer(
    client: httpx.AsyncClient, db: Database, people: dict[str, User]
) -> None:
    setup = await rich_course(db, people["instructor"])
    course, lessons = setup["course"], setup["lessons"]
    before, _ = await make_course(db, people["creator"], [], title="Kepler basics")
    async with db.unit_of_work() as session:
        session.add(CoursePrerequisite(course_id=course.id, requires_id=before.id))
    await enrol(db, people["learner"], course)
    url = f"/courses/{course.slug}"

    for who in ROLES:
        await as_role(client, people, who)
        response = await client.get(url)
        assert response.status_code == 200, who
        page = response.text
        for secret in SECRETS:
            assert secret not in page, (who, secret)
        assert "Learn <strong>orbits</strong>." in page and "<script>alert" not in page
        assert f'href="/profile/{people["instructor"].id}" data-instructor>' in page
        assert "Ellipses" in page and "5:30" in page and "Sky activity" not in page
        assert 'data-lock="previous"' in page and 'data-lock="opens"' in page
        assert f'<a href="/courses/{before.slug}">Kepler basics</a>' in page
        assert f'href="/forums?category={setup["forum"].slug}" data-course-forum' in page
        enrolled = who == "learner"
        editor = who in ("instructor", "admin")
        assert (f'href="/courses/{course.slug}/lessons/{lessons[0].id}"' in page) == (
            enrolled or editor
        ), who
        # Locked modules' lessons are never links.
        assert f"/lessons/{lessons[2].id}" not in page and f"/lessons/{lessons[3].id}" not in page
        assert ("data-continue" in page) == enrolled, who
        assert ('class="enrol-form"' in page) == (who not in ("anonymous", "learner")), who
        assert ("Log in to enrol" in page) == (who == "anonymous"), who
        assert ("data-edit-course" in page) == editor, who

    await as_role(client, people, "learner")
    page = (await client.get(url)).text
    assert re.search(rf'data-lesson="{lessons[0].id}" data-state="available"', page)
    assert re.search(rf'data-lesson="{lessons[2].id}" data-state="locked"', page)
    assert 'value="0"' in page and "Not completed yet" in page
    assert f'href="/courses/{course.slug}/lessons/{lessons[0].id}" data-continue' in page
    async with db.unit_of_work() as session:
        for lesson in lessons[:2]:
            if lesson.kind is LessonKind.ARTICLE:
                await progress_service.mark_done(session, actor(people["learner"]), lesson.id)
    page = (await client.get(url)).text
    assert re.search(rf'data-lesson="{lessons[1].id}" data-state="completed"', page)
    assert f'href="/courses/{course.slug}/lessons/{lessons[0].id}" data-continue' in page

    assert (await client.get("/courses/no-such-course")).status_code == 404


async def test_draft_course_is_missing_for_all_but_its_editors(
    client: httpx.AsyncClient, db: Database, people: dict[str, User]
) -> None:
    setup = await rich_course(db, people["instructor"], state=PublishState.DRAFT, title="Draft")
    url = f"/courses/{setup['course'].slug}"
    for who in ROLES:
        await as_role(client, people, who)
        response = await client.get(url)
        expected = 200 if who in ("instructor", "admin") else 404
        assert response.status_code == expected, who
        if expected == 200:
            assert "Draft</span>" in response.text and "enrol-form" not in response.text
        else:
            assert "Draft" not in response.text
    await as_role(client, people, "learner")
    assert "Draft" not in (await client.get("/learn")).text


async def test_enrolling_by_form(
    client: httpx.AsyncClient, db: Database, people: dict[str, User]
) -> None:
    course, _ = await make_course(db, people["instructor"], [{"kind": LessonKind.ARTICLE}])
    needs, _ = await make_course(db, people["instructor"], [], title="Advanced")
    async with db.unit_of_work() as session:
        session.add(CoursePrerequisite(course_id=needs.id, requires_id=course.id))
    draft, _ = await make_course(db, people["creator"], [], state=PublishState.DRAFT)

    async def enrolments() -> int:
        async with db.read() as session:
            return int(await session.scalar(select(func.count()).select_from(Enrolment)) or 0)

    token = await as_role(client, people, "anonymous")
    response = await client.post(f"/courses/{course.slug}/enrol", data={"csrf_token": token})
    assert response.status_code == 303
    assert response.headers["location"] == f"/login?next=/courses/{course.slug}"

    token = await as_role(client, people, "learner")
    response = await client.post(f"/courses/{course.slug}/enrol", data={})
    assert response.status_code == 403 and await enrolments() == 0
    response = await client.post(f"/courses/{course.slug}/enrol", data={"csrf_token": "forged"})
    assert response.status_code == 403 and await enrolments() == 0

    response = await client.post(f"/courses/{course.slug}/enrol", data={"csrf_token": token})
    assert response.status_code == 303 and response.headers["location"] == f"/courses/{course.slug}"
    page = (await client.get(response.headers["location"])).text
    assert "You are enrolled" in page and "data-continue" in page and "enrol-form" not in page
    assert await enrolments() == 1
    # Twice is once.
    response = await client.post(f"/courses/{course.slug}/enrol", data={"csrf_token": token})
    assert response.status_code == 303 and await enrolments() == 1

    response = await client.post(f"/courses/{needs.slug}/enrol", data={"csrf_token": token})
    assert response.status_code == 303
    page = (await client.get(response.headers["location"])).text
    assert "Complete “" in page and "enrol-form" in page and await enrolments() == 1

    for slug in (draft.slug, "no-such-course"):
        response = await client.post(f"/courses/{slug}/enrol", data={"csrf_token": token})
        assert response.status_code == 404 and await enrolments() == 1


async def test_course_page_query_count_is_constant(
    client: httpx.AsyncClient, db: Database, people: dict[str, User]
) -> None:
    async def queries(who: str, slug: str) -> int:
        await as_role(client, people, who)
        with recorded_queries(db) as statements:
            response = await client.get(f"/courses/{slug}")
        assert response.status_code == 200
        return len(selects(statements))

    counts = []
    for n in (2, 12):
        course, lessons = await make_course(
            db, people["instructor"], [{"kind": LessonKind.ARTICLE} for _ in range(n)]
        )
        await enrol(db, people["learner"], course)
        async with db.unit_of_work() as session:
            for lesson in lessons[: n // 2]:
                await progress_service.mark_done(session, actor(people["learner"]), lesson.id)
        counts.append([await queries(who, course.slug) for who in ("anonymous", "learner")])
    assert counts[0] == counts[1]


# -- a path ---------------------------------------------------------------------


async def test_path_page_shows_each_course_state_as_list_and_graph(
    client: httpx.AsyncClient, db: Database, people: dict[str, User]
) -> None:
    first, [lesson] = await make_course(
        db, people["instructor"], [{"kind": LessonKind.ARTICLE}], title="Naked eye"
    )
    second, _ = await make_course(
        db, people["instructor"], [{"kind": LessonKind.ARTICLE}], title="Binoculars'</script>"
    )
    third, _ = await make_course(db, people["creator"], [], title="Telescopes")
    slug = await make_path(db, people["instructor"], "Skywatching", [first, second, third])
    await enrol(db, people["learner"], first)
    async with db.unit_of_work() as session:
        await progress_service.mark_done(session, actor(people["learner"]), lesson.id)
    await enrol(db, people["learner"], second)

    expected = {
        "anonymous": ["available", "locked", "locked"],
        "learner": ["completed", "in_progress", "locked"],
        "other": ["available", "locked", "locked"],
        "instructor": ["available", "locked", "locked"],
        "admin": ["available", "locked", "locked"],
    }
    for who, states in expected.items():
        await as_role(client, people, who)
        response = await client.get(f"/learn/paths/{slug}")
        assert response.status_code == 200, who
        page = response.text
        steps = re.findall(r'data-step="([^"]+)" data-state="([^"]+)"', page)
        assert steps == list(zip([first.slug, second.slug, third.slug], states, strict=True))
        assert "Needs first: Naked eye" in page
        raw = re.search(r"data-graph='([^']*)'", page)
        assert raw is not None
        graph = json.loads(html.unescape(raw.group(1)))
        assert graph["order"] == "sequential"
        assert [n["state"] for n in graph["nodes"]] == states
        assert graph["nodes"][1]["requires"] == [str(first.id)]
        assert graph["nodes"][1]["title"] == "Binoculars'</script>"
        assert "</script>'" not in page and "learning-path.js" in page
        assert ("data-edit-path" in page) == (who in ("instructor", "admin")), who

    free = await make_path(
        db, people["creator"], "Free order", [third, first], order=PathOrder.FREE
    )
    await as_role(client, people, "other")
    page = (await client.get(f"/learn/paths/{free}")).text
    assert re.findall(r'data-state="([^"]+)"', page) == ["available", "available"]
    assert "any order" in page


async def test_draft_path_is_missing_for_all_but_its_editors(
    client: httpx.AsyncClient, db: Database, people: dict[str, User]
) -> None:
    course, _ = await make_course(db, people["instructor"], [])
    slug = await make_path(db, people["instructor"], "Draft path", [course], publish=False)
    for who in ROLES:
        await as_role(client, people, who)
        response = await client.get(f"/learn/paths/{slug}")
        assert response.status_code == (200 if who in ("instructor", "admin") else 404), who
    assert (await client.get("/learn/paths/no-such-path")).status_code == 404


# -- certificates -----------------------------------------------------------------


async def earn_certificate(db: Database, people: dict[str, User]) -> tuple[Course, str]:
    course, [lesson] = await make_course(
        db, people["instructor"], [{"kind": LessonKind.ARTICLE}], title="Moons and tides"
    )
    await enrol(db, people["learner"], course)
    async with db.unit_of_work() as session:
        await progress_service.mark_done(session, actor(people["learner"]), lesson.id)
    async with db.read() as session:
        code = await session.scalar(select(Certificate.code))
    assert code is not None
    return course, code


async def test_certificate_lookup(db: Database, people: dict[str, User]) -> None:
    course, code = await earn_certificate(db, people)
    async with db.read() as session:
        view = await browse_service.certificate(session, f" {code.lower()} ")
        assert view.code == code and view.course.id == course.id
        assert view.learner.id == people["learner"].id
        assert view.instructor.id == people["instructor"].id
        for unknown in ("CS-AAAA-AAAA-AAAA", "", "X" * 100):
            with pytest.raises(CertificateNotFound):
                await browse_service.certificate(session, unknown)


async def test_certificate_page_and_pdf_for_anyone(
    client: httpx.AsyncClient, db: Database, people: dict[str, User]
) -> None:
    course, code = await earn_certificate(db, people)
    for who in ("anonymous", "other", "learner"):
        await as_role(client, people, who)
        response = await client.get(f"/certificates/{code}")
        assert response.status_code == 200, who
        page = response.text
        assert people["learner"].display_name in page and "Moons and tides" in page
        assert people["instructor"].display_name in page and code in page
        assert f'href="http://testserver/certificates/{code}"' in page or code in page
        assert f'href="/certificates/{code}.pdf"' in page

        pdf = await client.get(f"/certificates/{code}.pdf")
        assert pdf.status_code == 200
        assert pdf.headers["content-type"] == "application/pdf"
        assert pdf.content.startswith(b"%PDF") and code.encode() in pdf.content

    assert (await client.get(f"/certificates/{code.lower()}")).status_code == 200
    for unknown in ("CS-AAAA-AAAA-AAAA", "nothing"):
        response = await client.get(f"/certificates/{unknown}")
        assert response.status_code == 404
        assert "no certificate with this code" in response.text
        assert (await client.get(f"/certificates/{unknown}.pdf")).status_code == 404

    # The learner finds it on the course page too.
    await as_role(client, people, "learner")
    page = (await client.get(f"/courses/{course.slug}")).text
    assert f'href="/certificates/{code}">Your certificate' in page


async def test_certificate_pdf_without_a_unicode_font(
    db: Database, people: dict[str, User], monkeypatch: pytest.MonkeyPatch
) -> None:
    from cosmostream.learning import certificate_pdf as module

    _, code = await earn_certificate(db, people)
    async with db.read() as session:
        view = await browse_service.certificate(session, code)
    view.learner.display_name = "Ада 天文"  # not Latin-1: the core font shows "?"
    monkeypatch.setattr(module, "_unicode_font", lambda: None)
    body = module.certificate_pdf(view, f"https://example.org/certificates/{code}", "CosmoStream")
    assert body.startswith(b"%PDF") and code.encode() in body
