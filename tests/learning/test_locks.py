"""Module locks hold on the server: a locked lesson's quiz cannot start, an article in
it cannot be marked done, and watching it completes it only once the module opens."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from cosmostream.db import Database
from cosmostream.kit.time import utcnow
from cosmostream.learning.attempts import attempt_service
from cosmostream.learning.errors import LessonLocked
from cosmostream.learning.progress import progress_service
from cosmostream.models import CourseModule, Lesson, LessonKind, LessonProgress, Quiz
from tests.factories import actor, make_video, shift_time, stopped_clock
from tests.learning.conftest import enrol, make_course
from tests.learning.test_progress import watch

CHOICE = {
    "kind": "single",
    "choices": [{"id": "a", "text": "A", "correct": True}, {"id": "b", "text": "B"}],
}


@pytest.fixture(autouse=True)
def _stopped_clock() -> Iterator[None]:
    with stopped_clock():
        yield


async def second_module(
    db: Database, course: Any, kinds: list[LessonKind], **module: Any
) -> tuple[list[Lesson], Quiz | None]:
    """A second module of `kinds` lessons; a quiz for the first quiz lesson."""
    async with db.unit_of_work() as session:
        made = CourseModule(course_id=course.id, position=2, title="Module 2", **module)
        session.add(made)
        await session.flush()
        lessons = [
            Lesson(
                course_id=course.id,
                module_id=made.id,
                position=n,
                kind=kind,
                title=f"Later {n}",
                duration_seconds=60,
            )
            for n, kind in enumerate(kinds, start=1)
        ]
        session.add_all(lessons)
        await session.flush()
        quiz = None
        quiz_lesson = next((x for x in lessons if x.kind is LessonKind.QUIZ), None)
        if quiz_lesson is not None:
            quiz = Quiz(lesson_id=quiz_lesson.id)
            session.add(quiz)
            await session.flush()
    return lessons, quiz


async def test_a_module_that_requires_the_previous_one_stays_locked_until_it_is_done(
    db: Database, people: dict[str, Any]
) -> None:
    course, [first] = await make_course(db, people["instructor"], [{"kind": LessonKind.ARTICLE}])
    [article, _quiz_lesson], quiz = await second_module(
        db, course, [LessonKind.ARTICLE, LessonKind.QUIZ], requires_previous=True
    )
    assert quiz is not None
    learner = actor(people["learner"])
    await enrol(db, people["learner"], course)

    with pytest.raises(LessonLocked) as refused:
        async with db.unit_of_work() as session:
            await attempt_service.start(session, learner, quiz.id)
    assert refused.value.code == "lesson_locked" and refused.value.status == 403
    with pytest.raises(LessonLocked):
        async with db.unit_of_work() as session:
            await progress_service.mark_done(session, learner, article.id)
    # The course's instructor previews without locks.
    await enrol(db, people["instructor"], course)
    async with db.unit_of_work() as session:
        await attempt_service.start(session, actor(people["instructor"]), quiz.id)

    async with db.unit_of_work() as session:
        await progress_service.mark_done(session, learner, first.id)
    async with db.unit_of_work() as session:
        await progress_service.mark_done(session, learner, article.id)
    async with db.unit_of_work() as session:
        view = await attempt_service.start(session, learner, quiz.id)
    assert view.attempt.number == 1


async def test_a_module_with_an_unlock_date_opens_on_that_date(
    db: Database, people: dict[str, Any]
) -> None:
    course, _ = await make_course(db, people["instructor"], [{"kind": LessonKind.ARTICLE}])
    [article], _ = await second_module(
        db, course, [LessonKind.ARTICLE], unlock_at=utcnow() + timedelta(days=2)
    )
    learner = actor(people["learner"])
    await enrol(db, people["learner"], course)
    with pytest.raises(LessonLocked) as refused:
        async with db.unit_of_work() as session:
            await progress_service.mark_done(session, learner, article.id)
    assert "not opened" in refused.value.message
    with shift_time(timedelta(days=2, seconds=1)):
        async with db.unit_of_work() as session:
            await progress_service.mark_done(session, learner, article.id)


async def test_watching_a_locked_lesson_counts_but_completes_it_only_once_open(
    db: Database, people: dict[str, Any]
) -> None:
    video = await make_video(db, people["instructor"], duration=60.0)
    course, [first] = await make_course(db, people["instructor"], [{"kind": LessonKind.ARTICLE}])
    [lesson], _ = await second_module(db, course, [LessonKind.VIDEO], requires_previous=True)
    async with db.unit_of_work() as session:
        found = await session.get(Lesson, lesson.id)
        assert found is not None
        found.video_id = video.id
    await enrol(db, people["learner"], course)

    t = await watch(db, people["learner"], video, 0, 60)
    async with db.read() as session:
        progress = await session.get(LessonProgress, (people["learner"].id, lesson.id))
    assert progress is not None and progress.covered_seconds == pytest.approx(60)
    assert progress.completed_at is None

    async with db.unit_of_work() as session:
        await progress_service.mark_done(session, actor(people["learner"]), first.id)
    await watch(db, people["learner"], video, 50, 60, t)
    async with db.read() as session:
        progress = await session.get(LessonProgress, (people["learner"].id, lesson.id))
    assert progress is not None and progress.completed_at is not None
