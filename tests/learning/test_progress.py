"""Lesson and course progress from what the server saw: coverage, answers, passes;
completion once and for good, certificates once."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from cosmostream.db import Database
from cosmostream.engagement.schemas import PlaybackEventKind
from cosmostream.engagement.service import engagement_service
from cosmostream.errors import NotAuthenticated, ValidationFailed
from cosmostream.learning.attempts import attempt_service
from cosmostream.learning.errors import LessonNotFound, NotEnrolled
from cosmostream.learning.progress import CODE_ALPHABET, progress_service
from cosmostream.models import (
    Certificate,
    Enrolment,
    LessonKind,
    LessonProgress,
    PublishState,
    Question,
    Quiz,
)
from tests.factories import actor, make_video, shift_time, stopped_clock
from tests.learning.conftest import enrol, make_course

START, HEARTBEAT, SEEK, PAUSE = (
    PlaybackEventKind.START,
    PlaybackEventKind.HEARTBEAT,
    PlaybackEventKind.SEEK,
    PlaybackEventKind.PAUSE,
)
CHOICE = {
    "kind": "single",
    "choices": [{"id": "a", "text": "A", "correct": True}, {"id": "b", "text": "B"}],
}


@pytest.fixture(autouse=True)
def _stopped_clock() -> Iterator[None]:
    with stopped_clock():
        yield


async def play(
    db: Database, who: Any, video: Any, event: PlaybackEventKind, position: float, when: float
) -> None:
    with shift_time(timedelta(seconds=when)):
        async with db.unit_of_work() as session:
            await engagement_service.record_playback(
                session, actor(who), f"u:{who.id}", video.id, position, event
            )


async def watch(
    db: Database, who: Any, video: Any, start: float, end: float, t0: float = 0.0
) -> float:
    """Play from `start` to `end` in 10 s heartbeats, starting at test time `t0`; the time after."""
    await play(db, who, video, START, start, t0)
    t, position = t0, start
    while position < end:
        t, position = t + 10, min(position + 10, end)
        await play(db, who, video, HEARTBEAT, position, t)
    await play(db, who, video, PAUSE, position, t + 0.5)
    return t + 1


async def progress_of(db: Database, user: Any, lesson_id: uuid.UUID) -> LessonProgress | None:
    async with db.read() as session:
        return await session.get(LessonProgress, (user.id, lesson_id))


async def enrolment_of(db: Database, user: Any, course_id: uuid.UUID) -> Enrolment:
    async with db.read() as session:
        found = await session.get(Enrolment, (user.id, course_id))
        assert found is not None
        return found


async def test_watching_completes_a_video_lesson_and_the_course(
    db: Database, people: dict[str, Any]
) -> None:
    video = await make_video(db, people["instructor"], duration=100.0)
    course, [lesson] = await make_course(
        db,
        people["instructor"],
        [{"kind": LessonKind.VIDEO, "video_id": video.id, "duration_seconds": 100}],
    )
    learner = people["learner"]
    await enrol(db, learner, course)

    t = await watch(db, learner, video, 0, 80)
    progress = await progress_of(db, learner, lesson.id)
    assert progress is not None and progress.completed_at is None
    assert progress.covered_seconds == pytest.approx(80)
    await watch(db, learner, video, 80, 95, t)
    progress = await progress_of(db, learner, lesson.id)
    assert progress is not None and progress.completed_at is not None
    enrolment = await enrolment_of(db, learner, course.id)
    assert enrolment.completed_lessons == 1 and enrolment.completed_at is not None
    async with db.read() as session:
        [certificate] = (await session.scalars(select(Certificate))).all()
    assert certificate.user_id == learner.id and certificate.code.startswith("CS-")
    assert set(certificate.code[3:].replace("-", "")) <= set(CODE_ALPHABET)


async def test_seeking_to_the_end_completes_nothing_and_rewatching_undoes_nothing(
    db: Database, people: dict[str, Any]
) -> None:
    video = await make_video(db, people["instructor"], duration=100.0)
    course, [lesson, _other] = await make_course(
        db,
        people["instructor"],
        [
            {"kind": LessonKind.VIDEO, "video_id": video.id, "credits_from": 90.0},
            {"kind": LessonKind.ARTICLE},
        ],
    )
    learner = people["learner"]
    await enrol(db, learner, course)
    await play(db, learner, video, START, 0, 0)
    await play(db, learner, video, SEEK, 85, 2)  # jumped near the end
    await play(db, learner, video, HEARTBEAT, 95, 12)
    progress = await progress_of(db, learner, lesson.id)
    assert progress is not None and progress.completed_at is None
    assert progress.covered_seconds < 15

    # Watching the whole video before the end credits (at 90 s) completes it.
    t = await watch(db, learner, video, 0, 90, 100)
    completed = await progress_of(db, learner, lesson.id)
    assert completed is not None and completed.completed_at is not None
    # Watching a bit again, and seeking around, never takes it back nor counts it twice.
    await watch(db, learner, video, 10, 30, t)
    again = await progress_of(db, learner, lesson.id)
    assert again is not None and again.completed_at == completed.completed_at
    enrolment = await enrolment_of(db, learner, course.id)
    assert (
        enrolment.completed_lessons == 1 and enrolment.completed_at is None
    )  # the article is left


async def test_only_enrolled_learners_get_progress(db: Database, people: dict[str, Any]) -> None:
    video = await make_video(db, people["instructor"], duration=60.0)
    await make_course(db, people["instructor"], [{"kind": LessonKind.VIDEO, "video_id": video.id}])
    await watch(db, people["other"], video, 0, 60)
    async with db.read() as session:
        assert await session.scalar(select(func.count()).select_from(LessonProgress)) == 0


async def test_a_required_question_in_the_video_must_be_answered(
    db: Database, people: dict[str, Any]
) -> None:
    video = await make_video(db, people["instructor"], duration=60.0)
    course, [lesson] = await make_course(
        db, people["instructor"], [{"kind": LessonKind.VIDEO, "video_id": video.id}]
    )
    async with db.unit_of_work() as session:
        quiz = Quiz(lesson_id=lesson.id, max_attempts=None, passing_percent=0)
        session.add(quiz)
        await session.flush()
        question = Question(
            lesson_id=lesson.id,
            quiz_id=quiz.id,
            position=1,
            prompt="?",
            spec=CHOICE,
            at_seconds=30.0,
        )
        session.add(question)
    learner = people["learner"]
    await enrol(db, learner, course)
    await watch(db, learner, video, 0, 60)
    progress = await progress_of(db, learner, lesson.id)
    assert progress is not None and progress.completed_at is None  # watched, not answered
    async with db.unit_of_work() as session:
        view = await attempt_service.start(session, actor(learner), quiz.id)
        await attempt_service.save_answer(
            session, actor(learner), view.attempt.id, question.id, {"choices": ["b"]}
        )
    progress = await progress_of(db, learner, lesson.id)
    assert progress is not None and progress.completed_at is not None  # answered (even wrongly)


async def test_a_quiz_lesson_completes_on_a_pass_and_stays_complete(
    db: Database, people: dict[str, Any]
) -> None:
    course, [lesson] = await make_course(db, people["instructor"], [{"kind": LessonKind.QUIZ}])
    async with db.unit_of_work() as session:
        quiz = Quiz(lesson_id=lesson.id, passing_percent=100)
        session.add(quiz)
        await session.flush()
        question = Question(
            lesson_id=lesson.id, quiz_id=quiz.id, position=1, prompt="?", spec=CHOICE
        )
        session.add(question)
    learner = actor(people["learner"])
    await enrol(db, people["learner"], course)
    for answer, complete in (("b", False), ("a", True), ("b", True)):
        async with db.unit_of_work() as session:
            view = await attempt_service.start(session, learner, quiz.id)
            await attempt_service.submit(
                session, learner, view.attempt.id, {question.id: {"choices": [answer]}}
            )
        progress = await progress_of(db, people["learner"], lesson.id)
        assert (progress is not None and progress.completed_at is not None) is complete
    async with db.read() as session:
        assert await session.scalar(select(func.count()).select_from(Certificate)) == 1


async def test_articles_are_marked_done_by_enrolled_learners(
    db: Database, people: dict[str, Any]
) -> None:
    course, [article, video_lesson] = await make_course(
        db,
        people["instructor"],
        [{"kind": LessonKind.ARTICLE}, {"kind": LessonKind.VIDEO}],
        issues_certificate=False,
    )
    draft, [draft_article] = await make_course(
        db, people["instructor"], [{"kind": LessonKind.ARTICLE}], state=PublishState.DRAFT
    )
    learner = actor(people["learner"])
    await enrol(db, people["learner"], course)
    await enrol(db, people["learner"], draft)
    cases: list[tuple[Any, uuid.UUID, type[Exception]]] = [
        (None, article.id, NotAuthenticated),
        (actor(people["other"]), article.id, NotEnrolled),
        (learner, draft_article.id, LessonNotFound),  # a draft looks missing
        (learner, uuid.uuid4(), LessonNotFound),
        (learner, video_lesson.id, ValidationFailed),  # videos complete by watching
    ]
    for who, lesson_id, error in cases:
        with pytest.raises(error):
            async with db.unit_of_work() as session:
                await progress_service.mark_done(session, who, lesson_id)
    for _ in range(2):
        async with db.unit_of_work() as session:
            await progress_service.mark_done(session, learner, article.id)
    enrolment = await enrolment_of(db, people["learner"], course.id)
    assert enrolment.completed_lessons == 1 and enrolment.last_lesson_id == article.id
    async with db.read() as session:
        assert await session.scalar(select(func.count()).select_from(Certificate)) == 0
