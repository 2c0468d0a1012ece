"""Classes: codes, joining, assignments, standings and the progress table, through the
service and GraphQL, with who may do what (teacher, member, non-member, other creator,
admin, anonymous)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from fractions import Fraction

import httpx
import pytest

from cosmostream.db import Database
from cosmostream.learning.classes import class_service, clean_code
from cosmostream.models import LearningClass, LessonKind, PublishState, User
from tests.factories import actor, make_user, recorded_queries, selects, shift_time
from tests.learning.class_helpers import (
    add_quiz,
    assign,
    attempt,
    learn,
    make_class,
    make_path,
)
from tests.learning.conftest import call, code, make_course

CLASS = """query($id: ID!) { learningClass(id: $id) {
  id name archived canTeach isMember joinCode joinPath memberCount
  teacher { displayName } members { user { displayName } }
  assignments { kind slug dueAt courseSlugs }
  myAssignments { progress completed overdue enrolSlug assignment { slug } }
} }"""
CREATE = "mutation($n: String!) { createClass(name: $n) { id name joinCode canTeach } }"
JOIN = (
    "mutation($c: String!) { joinClass(code: $c) { id isMember joinCode members { user { id } } } }"
)
LEAVE = "mutation($id: ID!) { leaveClass(id: $id) }"
CODE = "mutation($id: ID!) { regenerateClassCode(id: $id) { joinCode } }"
ARCHIVE = "mutation($id: ID!) { archiveClass(id: $id) { archived } }"
ASSIGN = """mutation($id: ID!, $c: String, $p: String, $due: DateTime) {
  assignToClass(classId: $id, courseSlug: $c, pathSlug: $p, dueAt: $due) {
    assignments { id kind slug dueAt } } }"""
UNASSIGN = "mutation($id: ID!) { removeClassAssignment(id: $id) { assignments { id } } }"
MINE = (
    "{ myAssignments { className progress completed overdue enrolSlug assignment { slug dueAt } } }"
)
TEACHING = "{ classesITeach { name memberCount assignments { slug } } }"
PROGRESS = """query($c: ID!, $a: ID!) { classProgress(classId: $c, assignmentId: $a) {
  learner { displayName } progress completed overdue timeSpentSeconds } }"""

CALLERS = ("anonymous", "learner", "other", "instructor", "creator", "admin")


async def _article_course(db: Database, teacher: User, n: int = 2, **kw: object) -> tuple:
    return await make_course(db, teacher, [{"kind": LessonKind.ARTICLE}] * n, **kw)


# -- opening, joining, codes ------------------------------------------------------------


async def test_who_may_open_a_class(
    client: httpx.AsyncClient, tokens: dict[str, str | None]
) -> None:
    expected = {
        "anonymous": "not_authenticated",
        "learner": "forbidden",
        "other": "forbidden",
        "instructor": None,
        "creator": None,
        "admin": None,
    }
    for who, error in expected.items():
        body = await call(client, tokens[who], CREATE, n="  Stars   for beginners ")
        assert code(body) == error, who
        if error is None:
            made = body["data"]["createClass"]
            assert made["name"] == "Stars for beginners"
            assert made["canTeach"] and len(made["joinCode"]) == 8
    for bad in ("", " ", "x" * 201):
        assert code(await call(client, tokens["instructor"], CREATE, n=bad)) == "validation_failed"


async def test_join_by_code_once_and_who_sees_what(
    client: httpx.AsyncClient, db: Database, people: dict[str, User], tokens: dict[str, str | None]
) -> None:
    klass = await make_class(db, people["instructor"])
    typed = f" {klass.join_code[:4].lower()}-{klass.join_code[4:]} "
    assert clean_code(typed) == klass.join_code
    for _ in range(2):  # again is a no-op
        body = await call(client, tokens["learner"], JOIN, c=typed)
        assert code(body) is None
        assert body["data"]["joinClass"]["isMember"] is True
        # A member sees neither the code nor the other members.
        assert body["data"]["joinClass"]["joinCode"] is None
        assert body["data"]["joinClass"]["members"] is None
    assert code(await call(client, tokens["anonymous"], JOIN, c=typed)) == "not_authenticated"
    assert code(await call(client, tokens["other"], JOIN, c="WRONGCODE")) == "class_not_found"
    assert code(await call(client, tokens["instructor"], JOIN, c=typed)) == "conflict"

    seen = {}
    for who in CALLERS:
        body = await call(client, tokens[who], CLASS, id=str(klass.id))
        assert code(body) is None, (who, body)
        seen[who] = body["data"]["learningClass"]
    for who in ("anonymous", "other", "creator"):
        assert seen[who] is None, who
    assert seen["learner"]["isMember"] and not seen["learner"]["canTeach"]
    assert seen["learner"]["joinCode"] is None and seen["learner"]["members"] is None
    assert seen["learner"]["teacher"]["displayName"] == people["instructor"].display_name
    for who in ("instructor", "admin"):
        assert seen[who]["canTeach"] and seen[who]["joinCode"] == klass.join_code, who
        assert seen[who]["joinPath"] == f"/classes/join/{klass.join_code}"
        assert [m["user"]["displayName"] for m in seen[who]["members"]] == [
            people["learner"].display_name
        ]
        assert seen[who]["memberCount"] == 1
    # A malformed id is a class nobody has.
    assert (await call(client, tokens["admin"], CLASS, id="nope"))["data"]["learningClass"] is None


async def test_leave(
    client: httpx.AsyncClient, db: Database, people: dict[str, User], tokens: dict[str, str | None]
) -> None:
    klass = await make_class(db, people["instructor"], [people["learner"]])
    for who, error in (
        ("anonymous", "not_authenticated"),
        ("other", "class_not_found"),
        ("instructor", "class_not_found"),
    ):
        assert code(await call(client, tokens[who], LEAVE, id=str(klass.id))) == error, who
    assert (await call(client, tokens["learner"], LEAVE, id=str(klass.id)))["data"]["leaveClass"]
    body = await call(client, tokens["learner"], CLASS, id=str(klass.id))
    assert body["data"]["learningClass"] is None
    assert code(await call(client, tokens["learner"], LEAVE, id=str(klass.id))) == "class_not_found"


async def test_regenerate_code_and_archive_matrix(
    client: httpx.AsyncClient, db: Database, people: dict[str, User], tokens: dict[str, str | None]
) -> None:
    klass = await make_class(db, people["instructor"], [people["learner"]])
    expected = {
        "anonymous": "not_authenticated",
        "learner": "forbidden",
        "other": "class_not_found",
        "creator": "class_not_found",
    }
    for who, error in expected.items():
        assert code(await call(client, tokens[who], CODE, id=str(klass.id))) == error, who
        assert code(await call(client, tokens[who], ARCHIVE, id=str(klass.id))) == error, who
    old = klass.join_code
    for who in ("instructor", "admin"):
        body = await call(client, tokens[who], CODE, id=str(klass.id))
        assert code(body) is None, who
        new = body["data"]["regenerateClassCode"]["joinCode"]
        assert new != old
        old = new
    assert code(await call(client, tokens["other"], JOIN, c=klass.join_code)) == "class_not_found"
    assert code(await call(client, tokens["other"], JOIN, c=old)) is None

    for who in ("admin", "instructor"):  # again is a no-op
        body = await call(client, tokens[who], ARCHIVE, id=str(klass.id))
        assert body["data"]["archiveClass"]["archived"] is True
    assert code(await call(client, tokens["creator"], JOIN, c=old)) == "class_archived"
    assert code(await call(client, tokens["instructor"], CODE, id=str(klass.id))) == (
        "class_archived"
    )
    course, _ = await _article_course(db, people["instructor"])
    body = await call(client, tokens["instructor"], ASSIGN, id=str(klass.id), c=course.slug)
    assert code(body) == "class_archived"


# -- assignments --------------------------------------------------------------------------


async def test_assign_and_remove_matrix_and_rules(
    client: httpx.AsyncClient, db: Database, people: dict[str, User], tokens: dict[str, str | None]
) -> None:
    klass = await make_class(db, people["instructor"], [people["learner"]])
    course, _ = await _article_course(db, people["creator"])  # anyone's published course
    draft, _ = await _article_course(db, people["instructor"], state=PublishState.DRAFT)
    path = await make_path(db, people["creator"], [course])
    cid = str(klass.id)
    expected = {
        "anonymous": "not_authenticated",
        "learner": "forbidden",
        "other": "class_not_found",
        "creator": "class_not_found",
    }
    for who, error in expected.items():
        assert code(await call(client, tokens[who], ASSIGN, id=cid, c=course.slug)) == error, who

    bad = [
        {"c": draft.slug},
        {"c": "no-such-course"},
        {"p": "no-such-path"},
        {},
        {"c": course.slug, "p": path.slug},
        {"c": course.slug, "due": "2001-01-01T00:00:00Z"},
    ]
    for variables in bad:
        body = await call(client, tokens["instructor"], ASSIGN, id=cid, **variables)
        assert code(body) == "validation_failed", variables

    body = await call(client, tokens["instructor"], ASSIGN, id=cid, c=course.slug)
    assert code(body) is None
    body = await call(
        client, tokens["admin"], ASSIGN, id=cid, p=path.slug, due="2099-01-02T03:04:00+01:00"
    )
    items = body["data"]["assignToClass"]["assignments"]
    assert [(i["kind"], i["slug"]) for i in items] == [("path", path.slug), ("course", course.slug)]
    assert items[0]["dueAt"].startswith("2099-01-02T02:04:00")
    # Assigning again moves the due date instead of adding a second assignment.
    body = await call(
        client, tokens["instructor"], ASSIGN, id=cid, c=course.slug, due="2098-01-01T00:00:00Z"
    )
    items = body["data"]["assignToClass"]["assignments"]
    assert [i["slug"] for i in items] == [course.slug, path.slug]

    aid = items[0]["id"]
    for who, error in {**expected, "learner": "forbidden"}.items():
        want = "assignment_not_found" if error == "class_not_found" else error
        assert code(await call(client, tokens[who], UNASSIGN, id=aid)) == want, who
    assert code(await call(client, tokens["instructor"], UNASSIGN, id="nope")) == (
        "assignment_not_found"
    )
    body = await call(client, tokens["admin"], UNASSIGN, id=aid)
    assert len(body["data"]["removeClassAssignment"]["assignments"]) == 1
    assert code(await call(client, tokens["instructor"], UNASSIGN, id=aid)) == (
        "assignment_not_found"
    )


# -- standings and the progress table -------------------------------------------------------


async def test_learner_standings_progress_overdue_and_enrol_offer(
    client: httpx.AsyncClient, db: Database, people: dict[str, User], tokens: dict[str, str | None]
) -> None:
    teacher, learner = people["instructor"], people["learner"]
    first, first_lessons = await _article_course(db, teacher, 2, title="Naked eye")
    second, second_lessons = await _article_course(db, teacher, 1, title="Binoculars")
    path = await make_path(db, teacher, [first, second])
    klass = await make_class(db, teacher, [learner, people["other"]])
    await assign(db, teacher, klass, course=first, due_in=timedelta(days=1))
    await assign(db, teacher, klass, path=path, due_in=timedelta(days=2))
    await assign(db, teacher, klass, course=second)  # no due date: last
    archived = await make_class(db, people["creator"], [learner], name="Old class")
    await assign(db, people["creator"], archived, course=second)
    async with db.unit_of_work() as session:
        await class_service.archive(session, actor(people["creator"]), archived.id)

    mine = (await call(client, tokens["learner"], MINE))["data"]["myAssignments"]
    assert [(m["assignment"]["slug"], m["progress"], m["enrolSlug"]) for m in mine] == [
        (first.slug, 0.0, first.slug),
        (path.slug, 0.0, first.slug),
        (second.slug, 0.0, second.slug),
    ]
    assert {m["className"] for m in mine} == {"Astronomy 101"}  # not the archived class
    assert code(await call(client, tokens["anonymous"], MINE)) == "not_authenticated"

    await learn(db, learner, first_lessons[0], done=True, spent=120)
    await learn(db, learner, second_lessons[0], done=True, spent=30)
    with shift_time(timedelta(days=1, hours=1)):
        mine = (await call(client, tokens["learner"], MINE))["data"]["myAssignments"]
        # The course is half done and overdue; the path is not due yet; the
        # completed course has left the open assignments.
        assert [(m["assignment"]["slug"], m["overdue"]) for m in mine] == [
            (first.slug, True),
            (path.slug, False),
        ]
        assert mine[0]["progress"] == 0.5 and mine[0]["enrolSlug"] is None
        assert mine[1]["progress"] == pytest.approx(2 / 3)
        async with db.read() as session:
            standings = await class_service.assignments_for(session, actor(learner))
        assert standings[1].progress == Fraction(2, 3)
        view = (await call(client, tokens["learner"], CLASS, id=str(klass.id)))["data"][
            "learningClass"
        ]
        assert [m["completed"] for m in view["myAssignments"]] == [False, False, True]

        first_id = view["assignments"][0]
        rows = await call(
            client,
            tokens["instructor"],
            "query($id: ID!) { learningClass(id: $id) { assignments { slug } } }",
            id=str(klass.id),
        )
        assert rows["data"]["learningClass"]["assignments"][0]["slug"] == first_id["slug"]

    await learn(db, learner, first_lessons[1], done=True, spent=60)
    with shift_time(timedelta(days=3)):
        # Completing late clears the overdue flag: the assignment is complete.
        assert (await call(client, tokens["learner"], MINE))["data"]["myAssignments"] == []


async def test_class_progress_per_assignment_matrix(
    client: httpx.AsyncClient, db: Database, people: dict[str, User], tokens: dict[str, str | None]
) -> None:
    teacher = people["instructor"]
    course, lessons = await _article_course(db, teacher, 2)
    klass = await make_class(db, teacher, [people["learner"], people["other"]])
    await assign(db, teacher, klass, course=course, due_in=timedelta(hours=1))
    async with db.read() as session:
        view = await class_service.get(session, actor(teacher), klass.id)
    aid = str(view.items[0].assignment.id)
    await learn(db, people["learner"], lessons[0], done=True, spent=90)
    await learn(db, people["learner"], lessons[1], done=False, spent=30)
    expected = {
        "anonymous": "not_authenticated",
        "learner": "forbidden",  # members see their own standing only
        "other": "forbidden",
    }
    for who, error in expected.items():
        body = await call(client, tokens[who], PROGRESS, c=str(klass.id), a=aid)
        assert code(body) == error, who
    for who in ("creator",):
        body = await call(client, tokens[who], PROGRESS, c=str(klass.id), a=aid)
        assert code(body) is None and body["data"]["classProgress"] is None, who
    for who in ("instructor", "admin"):
        with shift_time(timedelta(hours=2)):
            body = await call(client, tokens[who], PROGRESS, c=str(klass.id), a=aid)
        rows = {r["learner"]["displayName"]: r for r in body["data"]["classProgress"]}
        mine = rows[people["learner"].display_name]
        assert (mine["progress"], mine["completed"], mine["overdue"]) == (0.5, False, True)
        assert mine["timeSpentSeconds"] == 120
        assert rows[people["other"].display_name]["progress"] == 0
    body = await call(client, tokens["instructor"], PROGRESS, c=str(klass.id), a=str(klass.id))
    assert code(body) == "assignment_not_found"

    teaching = (await call(client, tokens["instructor"], TEACHING))["data"]["classesITeach"]
    assert [(t["name"], t["memberCount"]) for t in teaching] == [("Astronomy 101", 2)]
    assert (await call(client, tokens["creator"], TEACHING))["data"]["classesITeach"] == []
    assert code(await call(client, tokens["anonymous"], TEACHING)) == "not_authenticated"


async def test_progress_table_cells_scores_and_time(db: Database, people: dict[str, User]) -> None:
    teacher, learner, other = people["instructor"], people["learner"], people["other"]
    course, lessons = await make_course(
        db,
        teacher,
        [{"kind": LessonKind.ARTICLE}, {"kind": LessonKind.QUIZ}, {"kind": LessonKind.ARTICLE}],
        title="Orbits",
    )
    quiz = await add_quiz(db, lessons[1])
    second, second_lessons = await _article_course(db, teacher, 1, title="Rockets")
    path = await make_path(db, teacher, [course, second])
    klass = await make_class(db, teacher, [learner, other])
    await assign(db, teacher, klass, course=course, due_in=timedelta(days=1))
    await assign(db, teacher, klass, path=path, due_in=timedelta(days=2))  # course once
    await learn(db, learner, lessons[0], done=True, spent=300)
    await learn(db, learner, lessons[1], done=False, spent=100)
    await attempt(db, learner, quiz, 1, "0.5")
    await attempt(db, learner, quiz, 2, "0.8")
    await attempt(db, other, quiz, 1, "0.25")  # took the quiz without opening the lesson

    async with db.read() as session:
        table = await class_service.progress_table(session, actor(teacher), klass.id)
    assert [c.title for c in table.courses] == ["Orbits", "Rockets"]
    assert [c.lesson.id for c in table.columns] == [*(x.id for x in lessons), second_lessons[0].id]
    by_name = {row.learner.id: row for row in table.rows}
    row = by_name[learner.id]
    assert [c.state for c in row.cells] == [
        "completed",
        "in_progress",
        "not_started",
        "not_started",
    ]
    assert row.cells[1].best_score == Decimal("0.8")
    assert row.time_spent_seconds == 400
    assert by_name[other.id].cells[1].best_score == Decimal("0.25")
    assert by_name[other.id].cells[1].state == "not_started"
    with shift_time(timedelta(days=1, minutes=1)):
        async with db.read() as session:
            table = await class_service.progress_table(session, actor(teacher), klass.id)
    assert [s.overdue for s in table.rows[0].standings] == [True, False]


@pytest.mark.parametrize("learners", [2, 6])
async def test_progress_table_query_count_does_not_grow_with_the_class(
    db: Database, people: dict[str, User], learners: int
) -> None:
    """The same statements for any class: no query per learner, lesson or course.

    Query plan (see the comment in class_repository): each per-learner read
    joins the class's members from pk_class_members to the courses' rows —
    lesson_progress through ix_lesson_progress_course (course_id, user_id),
    enrolments through their primary key (user_id, course_id), quiz_attempts
    through uq_quiz_attempts_number (quiz_id, user_id, number); PostgreSQL
    runs the 200 x 60 table's largest read (12,000 rows) in about 4 ms.
    """
    teacher = people["instructor"]
    course, lessons = await make_course(
        db, teacher, [{"kind": LessonKind.ARTICLE}, {"kind": LessonKind.QUIZ}]
    )
    quiz = await add_quiz(db, lessons[1])
    other_course, other_lessons = await _article_course(db, teacher, 2)
    path = await make_path(db, teacher, [other_course])
    members = [await make_user(db) for _ in range(learners)]
    klass = await make_class(db, teacher, members)
    await assign(db, teacher, klass, course=course)
    await assign(db, teacher, klass, path=path)
    for user in members:
        await learn(db, user, lessons[0], done=True)
        await learn(db, user, other_lessons[1], done=False)
        await attempt(db, user, quiz, 1, "1")
    with recorded_queries(db) as statements:
        async with db.read() as session:
            table = await class_service.progress_table(session, actor(teacher), klass.id)
    assert len(table.rows) == learners and len(table.columns) == 4
    # class, membership, assignments, paths' courses, lessons, members, lesson
    # progress, enrolments, best scores.
    assert len(selects(statements)) == 9, statements


async def test_service_refusals_look_missing(db: Database, people: dict[str, User]) -> None:
    klass: LearningClass = await make_class(db, people["instructor"], [people["learner"]])
    from cosmostream.learning.classes import ClassNotFound

    async with db.read() as session:
        for who in ("other", "creator"):
            with pytest.raises(ClassNotFound):
                await class_service.get(session, actor(people[who]), klass.id)
        with pytest.raises(ClassNotFound):
            await class_service.get(session, None, klass.id)
        assert await class_service.assignments_for(session, None) == []


async def test_lists_query_count_does_not_grow_with_classes(
    db: Database, people: dict[str, User]
) -> None:
    """A learner's assignments and a teacher's classes: the same statements for one
    class as for three (classes, assignments, paths' courses, enrolments / members)."""
    teacher, learner = people["instructor"], people["learner"]
    course, _ = await _article_course(db, teacher)
    path = await make_path(db, teacher, [course])
    counts = []
    for _ in range(2):
        klass = await make_class(db, teacher, [learner, people["other"]])
        await assign(db, teacher, klass, course=course, due_in=timedelta(days=1))
        await assign(db, teacher, klass, path=path)
        with recorded_queries(db) as mine:
            async with db.read() as session:
                standings = await class_service.assignments_for(session, actor(learner))
        with recorded_queries(db) as taught:
            async with db.read() as session:
                views = await class_service.teaching(session, actor(teacher))
        counts.append((len(selects(mine)), len(selects(taught)), len(standings), len(views)))
    assert counts[0][:2] == counts[1][:2] == (4, 4)
    assert counts[1][2:] == (4, 2)


async def test_a_due_date_no_one_can_mean_is_refused(db: Database, people: dict[str, User]) -> None:
    from datetime import UTC, datetime, timezone

    from cosmostream.errors import ValidationFailed

    course, _ = await make_course(db, people["instructor"], [{"kind": LessonKind.ARTICLE}])
    klass = await make_class(db, people["instructor"])
    for due in (
        datetime(9999, 12, 31, 23, 59, tzinfo=timezone(timedelta(hours=-5))),
        datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=5))),
        datetime(2300, 1, 1, tzinfo=UTC),
    ):
        with pytest.raises(ValidationFailed):
            async with db.unit_of_work() as session:
                await class_service.assign(
                    session,
                    actor(people["instructor"]),
                    klass.id,
                    course_slug=course.slug,
                    due_at=due,
                )
