"""The course catalogue: listing, a course for each viewer with its locks, enrolment,
"My learning" — and who sees what."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import update

from cosmostream.db import Database
from cosmostream.errors import NotAuthenticated, ValidationFailed
from cosmostream.kit.pagination import BadCursor
from cosmostream.kit.time import utcnow
from cosmostream.learning.courses import course_service
from cosmostream.learning.errors import CourseNotFound, PrerequisitesMissing
from cosmostream.learning.progress import progress_service
from cosmostream.models import (
    Category,
    Course,
    CourseModule,
    CoursePrerequisite,
    Lesson,
    LessonKind,
    Level,
    PublishState,
)
from tests.factories import actor, recorded_queries, selects
from tests.learning.conftest import make_course


@pytest.fixture
async def topics(db: Database) -> dict[str, Category]:
    async with db.unit_of_work() as session:
        made = {
            slug: Category(slug=slug, name=slug.title(), icon="star")
            for slug in ("planets", "rockets")
        }
        session.add_all(made.values())
    return made


async def _publish_at(db: Database, course: Course, minutes_ago: int) -> None:
    async with db.unit_of_work() as session:
        await session.execute(
            update(Course)
            .where(Course.id == course.id)
            .values(published_at=utcnow() - timedelta(minutes=minutes_ago))
        )


async def test_browse_lists_published_courses_by_topic_level_and_words(
    db: Database, people: dict[str, Any], topics: dict[str, Category]
) -> None:
    orbits, _ = await make_course(
        db,
        people["instructor"],
        [],
        title="Orbital mechanics",
        category_id=topics["rockets"].id,
        level=Level.ADVANCED,
    )
    moons, _ = await make_course(
        db,
        people["instructor"],
        [],
        title="Moons of Jupiter",
        summary="Io, Europa",
        category_id=topics["planets"].id,
    )
    await make_course(db, people["instructor"], [], title="Secret draft", state=PublishState.DRAFT)
    await _publish_at(db, orbits, 10)
    await _publish_at(db, moons, 5)
    async with db.read() as session:
        everything = await course_service.browse(session, None)
        assert [c.course.title for c in everything.items] == [
            "Moons of Jupiter",
            "Orbital mechanics",
        ]
        by_topic = await course_service.browse(session, None, topic="rockets")
        assert [c.course.id for c in by_topic.items] == [orbits.id]
        by_level = await course_service.browse(session, None, level=Level.ADVANCED)
        assert [c.course.id for c in by_level.items] == [orbits.id]
        by_words = await course_service.browse(session, None, query="europa MOONS")
        assert [c.course.id for c in by_words.items] == [moons.id]
        assert (await course_service.browse(session, None, query="100%")).items == []
        first = await course_service.browse(session, None, first=1)
        assert first.has_next and first.items[0].course.id == moons.id
        second = await course_service.browse(session, None, first=1, after=first.cursors[0])
        assert [c.course.id for c in second.items] == [orbits.id] and not second.has_next
        with pytest.raises(BadCursor):
            await course_service.browse(session, None, after="")
        with pytest.raises(ValidationFailed):
            await course_service.browse(session, None, topic="nope")
        with pytest.raises(ValidationFailed):
            await course_service.browse(session, None, query="x" * 201)


async def test_browse_costs_the_same_queries_for_few_or_many(
    db: Database, people: dict[str, Any], topics: dict[str, Category]
) -> None:
    async def count() -> int:
        with recorded_queries(db) as statements:
            async with db.read() as session:
                await course_service.browse(session, actor(people["learner"]), first=50)
        return len(selects(statements))

    creators = [people["instructor"], people["creator"]]
    for n in range(2):
        await make_course(db, creators[n % 2], [], category_id=topics["planets"].id)
    few = await count()
    for n in range(10):
        await make_course(db, creators[n % 2], [], category_id=topics["rockets"].id)
    assert await count() == few == 4  # courses, instructors, topics, the viewer's enrolments


async def test_a_course_page_for_each_viewer(db: Database, people: dict[str, Any]) -> None:
    draft, _ = await make_course(
        db, people["instructor"], [{"kind": LessonKind.ARTICLE}], state=PublishState.DRAFT
    )
    for who in (None, actor(people["learner"]), actor(people["creator"])):
        with pytest.raises(CourseNotFound):
            async with db.read() as session:
                await course_service.get(session, who, draft.slug)
    for who, editor in (("instructor", True), ("admin", True)):
        async with db.read() as session:
            detail = await course_service.get(session, actor(people[who]), draft.slug)
        assert detail.can_edit is editor
    async with db.read() as session:
        with pytest.raises(CourseNotFound):
            await course_service.get(session, None, "no-such-course")


async def test_modules_lock_until_their_date_and_the_previous_module(
    db: Database, people: dict[str, Any]
) -> None:
    course, [intro] = await make_course(db, people["instructor"], [{"kind": LessonKind.ARTICLE}])
    async with db.unit_of_work() as session:
        second = CourseModule(course_id=course.id, position=2, title="Next", requires_previous=True)
        later = CourseModule(
            course_id=course.id, position=3, title="Later", unlock_at=utcnow() + timedelta(days=2)
        )
        session.add_all([second, later])
        await session.flush()
        session.add_all(
            [
                Lesson(
                    course_id=course.id,
                    module_id=second.id,
                    position=1,
                    kind=LessonKind.ARTICLE,
                    title="Two",
                ),
                Lesson(
                    course_id=course.id,
                    module_id=later.id,
                    position=1,
                    kind=LessonKind.ARTICLE,
                    title="Three",
                ),
            ]
        )
        # The syllabus roll-ups, as the course editor keeps them.
        await session.execute(
            update(Course).where(Course.id == course.id).values(lesson_count=3, required_count=3)
        )
    learner = actor(people["learner"])
    async with db.unit_of_work() as session:
        await course_service.enrol(session, learner, course.slug)
    async with db.read() as session:
        detail = await course_service.get(session, learner, course.slug)
    assert [(m.locked, m.locked_because) for m in detail.modules] == [
        (False, None),
        (True, "previous"),
        (True, "opens"),
    ]
    assert detail.resume is not None and detail.resume.id == intro.id
    async with db.unit_of_work() as session:
        await progress_service.mark_done(session, learner, intro.id)
    async with db.read() as session:
        detail = await course_service.get(session, learner, course.slug)
    assert [m.locked for m in detail.modules] == [False, False, True]
    assert detail.resume is not None and detail.resume.title == "Two"
    assert detail.modules[0].lessons[0].completed
    assert detail.card.progress == pytest.approx(1 / 3)


async def test_enrolment_needs_a_visible_course_and_its_prerequisites(
    db: Database, people: dict[str, Any]
) -> None:
    basics, [basic_lesson] = await make_course(
        db, people["instructor"], [{"kind": LessonKind.ARTICLE}], title="Basics"
    )
    advanced, _ = await make_course(
        db, people["instructor"], [{"kind": LessonKind.ARTICLE}], title="Advanced"
    )
    draft, _ = await make_course(db, people["instructor"], [], state=PublishState.DRAFT)
    async with db.unit_of_work() as session:
        session.add(CoursePrerequisite(course_id=advanced.id, requires_id=basics.id))
    learner = actor(people["learner"])
    with pytest.raises(NotAuthenticated):
        async with db.unit_of_work() as session:
            await course_service.enrol(session, None, basics.slug)
    with pytest.raises(CourseNotFound):
        async with db.unit_of_work() as session:
            await course_service.enrol(session, learner, draft.slug)
    with pytest.raises(PrerequisitesMissing, match="Basics"):
        async with db.unit_of_work() as session:
            await course_service.enrol(session, learner, advanced.slug)
    for _ in range(2):
        async with db.unit_of_work() as session:
            await course_service.enrol(session, learner, basics.slug)
    async with db.read() as session:
        refreshed = await session.get(Course, basics.id)
        assert refreshed is not None and refreshed.enrolment_count == 1
    async with db.unit_of_work() as session:
        await progress_service.mark_done(session, learner, basic_lesson.id)
    async with db.unit_of_work() as session:
        await course_service.enrol(session, learner, advanced.slug)
    async with db.read() as session:
        mine = await course_service.my_learning(session, learner)
    assert [c.course.id for c in mine.in_progress] == [advanced.id]
    assert [c.course.id for c in mine.completed] == [basics.id]
    with pytest.raises(NotAuthenticated):
        async with db.read() as session:
            await course_service.my_learning(session, None)
    async with db.read() as session:
        other = await course_service.my_learning(session, actor(people["other"]))
    assert other.in_progress == [] and other.completed == []
    assert uuid.UUID(str(advanced.id))
