"""Class pages without JavaScript: every form and page, who may use it, the CSV export
(with formula injection defused) and the query count of the progress table."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import httpx
from sqlalchemy import func, select

from cosmostream.db import Database
from cosmostream.kit.time import utcnow
from cosmostream.learning.class_pages import csv_cell
from cosmostream.learning.classes import class_service
from cosmostream.models import (
    ClassAssignment,
    ClassMember,
    CoursePrerequisite,
    Enrolment,
    LearningClass,
    LessonKind,
    User,
)
from tests.factories import (
    actor,
    make_user,
    recorded_queries,
    selects,
    shift_time,
    sign_in,
)
from tests.learning.class_helpers import add_quiz, assign, attempt, learn, make_class
from tests.learning.conftest import make_course

ROLES = ("anonymous", "learner", "other", "instructor", "creator", "admin")


async def as_(client: httpx.AsyncClient, people: dict[str, User], who: str) -> str:
    return await sign_in(client, people.get(who))


async def post(client: httpx.AsyncClient, path: str, token: str, **fields: str) -> httpx.Response:
    return await client.post(path, data={"csrf_token": token, **fields})


async def notice(client: httpx.AsyncClient, response: httpx.Response) -> str:
    assert response.status_code == 303, response.text
    page = await client.get(response.headers["location"])
    assert page.status_code == 200, page.text
    return page.text


async def load(db: Database, klass: LearningClass) -> LearningClass:
    async with db.read() as session:
        found = await session.get(LearningClass, klass.id)
    assert found is not None
    return found


async def count(db: Database, model: type) -> int:
    async with db.read() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


# -- /classes ------------------------------------------------------------------------------


async def test_classes_page_and_opening_a_class(
    client: httpx.AsyncClient, db: Database, people: dict[str, User]
) -> None:
    await as_(client, people, "anonymous")
    response = await client.get("/classes")
    assert response.status_code == 303 and response.headers["location"] == "/login?next=/classes"

    token = await as_(client, people, "learner")
    page = await client.get("/classes")
    assert page.status_code == 200
    assert 'action="/classes/join"' in page.text and 'action="/classes/new"' not in page.text
    # A learner cannot open one: a notice, nothing written.
    response = await post(client, "/classes/new", token, name="Mine")
    assert "Only creators can open classes." in await notice(client, response)
    assert await count(db, LearningClass) == 0

    token = await as_(client, people, "instructor")
    assert 'action="/classes/new"' in (await client.get("/classes")).text
    response = await post(client, "/classes/new", token, name="")
    assert "Name the class" in await notice(client, response)
    response = await post(client, "/classes/new", token, name="Astronomy <101>")
    page = await notice(client, response)
    assert "Astronomy &lt;101&gt;" in page and "Your class is open" in page
    [klass] = await _all_classes(db)
    assert klass.join_code in page and f"/classes/join/{klass.join_code}" in page
    assert "Astronomy &lt;101&gt;" in (await client.get("/classes")).text
    # No CSRF token: refused.
    response = await client.post("/classes/new", data={"name": "x"})
    assert response.status_code == 403


async def _all_classes(db: Database) -> list[LearningClass]:
    async with db.read() as session:
        return list(await session.scalars(select(LearningClass)))


async def test_join_by_form_and_by_link_then_leave(
    client: httpx.AsyncClient, db: Database, people: dict[str, User]
) -> None:
    klass = await make_class(db, people["instructor"])
    link = f"/classes/join/{klass.join_code}"
    await as_(client, people, "anonymous")
    response = await client.get(link)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?" + urlencode({"next": link})

    token = await as_(client, people, "learner")
    page = await client.get(link)
    assert page.status_code == 200 and "Join Astronomy 101" in page.text
    # Opening the link joins nobody: the page's button does.
    assert await count(db, ClassMember) == 0
    assert (await client.get("/classes/join/NOSUCHCODE")).status_code == 404

    response = await post(client, "/classes/join", token, code=klass.join_code.lower())
    assert response.headers["location"] == f"/classes/{klass.id}"
    page = await notice(client, response)
    assert "You are in Astronomy 101." in page and "Leave the class" in page
    assert klass.join_code not in page  # members do not see the code
    await post(client, "/classes/join", token, code=klass.join_code)  # again: a no-op
    assert await count(db, ClassMember) == 1
    response = await post(client, "/classes/join", token, code="WRONG")
    assert response.headers["location"] == "/classes"
    assert "No class has this code." in await notice(client, response)

    assert "Astronomy 101" in (await client.get("/classes")).text
    response = await post(client, f"/classes/{klass.id}/leave", token)
    assert response.headers["location"] == "/classes"
    assert "You left the class." in await notice(client, response)
    assert await count(db, ClassMember) == 0
    assert (await client.get(f"/classes/{klass.id}")).status_code == 404


async def test_class_page_and_csv_matrix(
    client: httpx.AsyncClient, db: Database, people: dict[str, User]
) -> None:
    klass = await make_class(db, people["instructor"], [people["learner"]])
    course, _lessons = await make_course(db, people["instructor"], [{"kind": LessonKind.ARTICLE}])
    await assign(db, people["instructor"], klass, course=course)
    expected = {
        "anonymous": 404,
        "learner": 200,
        "other": 404,
        "instructor": 200,
        "creator": 404,
        "admin": 200,
    }
    for who, status in expected.items():
        await as_(client, people, who)
        page = await client.get(f"/classes/{klass.id}")
        assert page.status_code == status, who
        export = await client.get(f"/classes/{klass.id}/progress.csv")
        teaches = who in ("instructor", "admin")
        assert export.status_code == (200 if teaches else 404), who
        if status == 200:
            assert (klass.join_code in page.text) is teaches, who
            assert ('class="class-table"' in page.text) is teaches, who
            assert ("Your assignments" in page.text) is (who == "learner"), who
            assert course.title in page.text
        if teaches:
            assert export.headers["content-type"].startswith("text/csv")
            assert "attachment" in export.headers["content-disposition"]
    assert (await client.get("/classes/not-an-id")).status_code == 404
    assert (await client.get("/classes/not-an-id/progress.csv")).status_code == 404


async def test_progress_table_and_csv_content(
    client: httpx.AsyncClient, db: Database, people: dict[str, User]
) -> None:
    teacher = people["instructor"]
    sneaky = await make_user(db, name='=HYPERLINK("http://x")')
    course, lessons = await make_course(
        db,
        teacher,
        [{"kind": LessonKind.ARTICLE}, {"kind": LessonKind.QUIZ}],
        title="-Orbits",
    )
    quiz = await add_quiz(db, lessons[1])
    klass = await make_class(db, teacher, [people["learner"], sneaky])
    await assign(db, teacher, klass, course=course, due_in=timedelta(days=1))
    await learn(db, people["learner"], lessons[0], done=True, spent=600)
    await attempt(db, people["learner"], quiz, 1, "0.75")

    await as_(client, people, "instructor")
    page = (await client.get(f"/classes/{klass.id}")).text
    assert "class-cell-completed" in page and "75%" in page and "10 min" in page
    export = await client.get(f"/classes/{klass.id}/progress.csv")
    rows = list(csv.reader(io.StringIO(export.text)))
    assert rows[0] == [
        "learner",
        "learner_id",
        "course",
        "lesson",
        "lesson_kind",
        "required",
        "status",
        "quiz_best_score_percent",
        "time_spent_seconds",
        "due_at_utc",
        "overdue",
    ]
    assert len(rows) == 1 + 2 * 2
    mine = [r for r in rows if r[1] == str(people["learner"].id)]
    assert [(r[3], r[6], r[7], r[8], r[10]) for r in mine] == [
        ("Lesson 1", "completed", "", "600", "no"),
        ("Lesson 2", "not_started", "75.0", "0", "no"),
    ]
    assert mine[0][2] == "'-Orbits"  # a title starting with "-" is defused too
    assert mine[0][9].endswith("Z")
    theirs = [r for r in rows if r[1] == str(sneaky.id)]
    assert theirs[0][0] == '\'=HYPERLINK("http://x")'
    assert [csv_cell(v) for v in ("+1", "@a", "plain", 3, None)] == ["'+1", "'@a", "plain", "3", ""]


async def test_progress_page_query_count_does_not_grow(
    client: httpx.AsyncClient, db: Database, people: dict[str, User]
) -> None:
    teacher = people["instructor"]
    course, _lessons = await make_course(
        db, teacher, [{"kind": LessonKind.ARTICLE}, {"kind": LessonKind.ARTICLE}]
    )
    klass = await make_class(db, teacher, [people["learner"]])
    await assign(db, teacher, klass, course=course)
    await as_(client, people, "instructor")
    counts = []
    for _ in range(2):
        with recorded_queries(db) as statements:
            assert (await client.get(f"/classes/{klass.id}/progress.csv")).status_code == 200
        counts.append(len(selects(statements)))
        async with db.unit_of_work() as session:
            for _ in range(5):
                user = await make_user(db)
                session.add(ClassMember(class_id=klass.id, user_id=user.id))
    assert counts[0] == counts[1]


# -- teaching forms --------------------------------------------------------------------------


async def test_assign_forms_due_dates_and_removal(
    client: httpx.AsyncClient, db: Database, people: dict[str, User]
) -> None:
    klass = await make_class(db, people["instructor"], [people["learner"]])
    course, _ = await make_course(db, people["creator"], [{"kind": LessonKind.ARTICLE}])
    path_url = f"/classes/{klass.id}/assign"

    # Who may assign: the member gets a notice, outsiders a 404, nothing is written.
    token = await as_(client, people, "learner")
    response = await post(client, path_url, token, kind="course", slug=course.slug)
    assert "Only the class&#39;s teacher" in await notice(client, response)
    for who in ("other", "creator"):
        token = await as_(client, people, who)
        response = await post(client, path_url, token, kind="course", slug=course.slug)
        assert response.status_code == 404, who
    token = await as_(client, people, "anonymous")
    response = await post(client, path_url, token, kind="course", slug=course.slug)
    assert response.headers["location"].startswith("/login")
    assert await count(db, ClassAssignment) == 0

    token = await as_(client, people, "instructor")
    for fields in (
        {"kind": "video", "slug": course.slug},
        {"kind": "course", "slug": ""},
        {"kind": "course", "slug": course.slug, "due": "tomorrow"},
        {"kind": "course", "slug": course.slug, "due": "2001-01-01T10:00"},
    ):
        response = await post(client, path_url, token, **fields)
        assert response.status_code == 303
        assert 'class="flash flash-error"' in await notice(client, response), fields
    assert await count(db, ClassAssignment) == 0

    # Without JavaScript the typed time is UTC; classes.js sends due_utc instead.
    future = (utcnow() + timedelta(days=3)).replace(second=0, microsecond=0)
    response = await post(
        client,
        path_url,
        token,
        kind="course",
        slug=f"https://example.org/courses/{course.slug}",
        due=future.strftime("%Y-%m-%dT%H:%M"),
    )
    assert "Assigned." in await notice(client, response)
    assert await _due(db) == future
    later = future + timedelta(days=1)
    response = await post(
        client,
        path_url,
        token,
        kind="course",
        slug=course.slug,
        due="2000-01-01T00:00",  # ignored: due_utc wins
        due_utc=later.astimezone(UTC).isoformat().replace("+00:00", "Z"),
    )
    assert await _due(db) == later and await count(db, ClassAssignment) == 1
    page = (await client.get(f"/classes/{klass.id}")).text
    assert f'datetime="{later.isoformat()}" data-local' in page

    async with db.read() as session:
        [assignment] = list(await session.scalars(select(ClassAssignment)))
    remove = f"/classes/{klass.id}/assignments/{assignment.id}/remove"
    token = await as_(client, people, "learner")
    response = await post(client, remove, token)
    assert "Only the class&#39;s teacher" in await notice(client, response)
    token = await as_(client, people, "creator")
    assert (await post(client, remove, token)).status_code == 404
    token = await as_(client, people, "admin")
    # Through another class's address, the assignment is not there.
    other = await make_class(db, people["admin"], name="Another class")
    elsewhere = f"/classes/{other.id}/assignments/{assignment.id}/remove"
    assert (await post(client, elsewhere, token)).status_code == 404
    assert await count(db, ClassAssignment) == 1
    response = await post(client, remove, token)
    assert "The assignment is removed." in await notice(client, response)
    assert await count(db, ClassAssignment) == 0


async def _due(db: Database) -> datetime | None:
    async with db.read() as session:
        found = await session.scalar(select(ClassAssignment.due_at))
    return found.astimezone(UTC) if found else None


async def test_new_code_and_archive_forms(
    client: httpx.AsyncClient, db: Database, people: dict[str, User]
) -> None:
    klass = await make_class(db, people["instructor"], [people["learner"]])
    for action in ("code", "archive"):
        token = await as_(client, people, "learner")
        response = await post(client, f"/classes/{klass.id}/{action}", token)
        assert "Only the class&#39;s teacher" in await notice(client, response)
        token = await as_(client, people, "other")
        assert (await post(client, f"/classes/{klass.id}/{action}", token)).status_code == 404
    assert (await load(db, klass)).join_code == klass.join_code

    token = await as_(client, people, "instructor")
    response = await post(client, f"/classes/{klass.id}/code", token)
    assert "new code" in await notice(client, response)
    fresh = (await load(db, klass)).join_code
    assert fresh != klass.join_code
    response = await post(client, f"/classes/{klass.id}/archive", token)
    page = await notice(client, response)
    assert "The class is archived." in page and fresh not in page
    assert (await load(db, klass)).archived_at is not None

    token = await as_(client, people, "other")
    response = await post(client, "/classes/join", token, code=fresh)
    assert "archived" in await notice(client, response)
    assert "takes no new members" in (await client.get(f"/classes/join/{fresh}")).text


# -- learners ------------------------------------------------------------------------------


async def test_member_enrols_from_an_assignment_in_one_click(
    client: httpx.AsyncClient, db: Database, people: dict[str, User]
) -> None:
    teacher = people["instructor"]
    course, lessons = await make_course(db, teacher, [{"kind": LessonKind.ARTICLE}] * 2)
    klass = await make_class(db, teacher, [people["learner"]])
    await assign(db, teacher, klass, course=course, due_in=timedelta(hours=2))
    async with db.read() as session:
        [standing] = await class_service.assignments_for(session, actor(people["learner"]))
    enrol = f"/classes/{klass.id}/assignments/{standing.item.assignment.id}/enrol"

    for who in ("other", "creator"):
        token = await as_(client, people, who)
        assert (await post(client, enrol, token)).status_code == 404, who
    assert await count(db, Enrolment) == 0

    token = await as_(client, people, "learner")
    page = (await client.get("/classes")).text
    assert f'action="{enrol}"' in page and "No due date" not in page
    response = await post(client, enrol, token)
    assert response.headers["location"] == f"/courses/{course.slug}"
    assert await count(db, Enrolment) == 1
    response = await post(client, enrol, token)
    assert response.status_code == 303
    assert await count(db, Enrolment) == 1
    await learn(db, people["learner"], lessons[0], done=True)
    page = (await client.get(f"/classes/{klass.id}")).text
    assert "50%" in page and f'action="{enrol}"' not in page and "Continue" in page


async def test_assignments_partial_renders_for_learn(
    db: Database, people: dict[str, User], app: object
) -> None:
    """The partial the /learn page includes: overdue, progress and the enrol button."""
    from cosmostream.web.templating import templates

    teacher = people["instructor"]
    course, _ = await make_course(db, teacher, [{"kind": LessonKind.ARTICLE}])
    klass = await make_class(db, teacher, [people["learner"]], name="Night sky club")
    await assign(db, teacher, klass, course=course, due_in=timedelta(minutes=5))
    with shift_time(timedelta(hours=1)):
        async with db.read() as session:
            standings = await class_service.assignments_for(session, actor(people["learner"]))
    html = templates.get_template("learning/_assignments.html").render(
        assignments=standings, csrf_input=""
    )
    assert "Night sky club" in html and "Overdue" in html and "Enrol" in html
    assert "No assignments." in templates.get_template("learning/_assignments.html").render(
        assignments=[], csrf_input=""
    )


async def test_notices_quote_titles_outside_latin_1(
    client: httpx.AsyncClient, db: Database, people: dict[str, User]
) -> None:
    """A class named with an em dash, and a refusal quoting a course title in “…”,
    come back as notices (a cookie holds Latin-1 only)."""
    teacher = people["instructor"]
    first, _ = await make_course(db, teacher, [{"kind": LessonKind.ARTICLE}], title="Naked eye")
    second, _ = await make_course(db, teacher, [{"kind": LessonKind.ARTICLE}])
    async with db.unit_of_work() as session:
        session.add(CoursePrerequisite(course_id=second.id, requires_id=first.id))
    klass = await make_class(db, teacher, name="Astronomy 101 — Tuesday group")
    await assign(db, teacher, klass, course=second)
    token = await as_(client, people, "learner")
    response = await post(client, "/classes/join", token, code=klass.join_code)
    assert "You are in Astronomy 101 — Tuesday group." in await notice(client, response)
    async with db.read() as session:
        [standing] = await class_service.assignments_for(session, actor(people["learner"]))
    response = await post(
        client, f"/classes/{klass.id}/assignments/{standing.item.assignment.id}/enrol", token
    )
    assert "Complete “Naked eye” first." in await notice(client, response)
    assert await count(db, Enrolment) == 0
