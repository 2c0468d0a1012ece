"""Quiz attempts on the server: limits, deadlines, races, grading, feedback, regrading,
and who may do what."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from datetime import timedelta
from fractions import Fraction
from typing import Any

import pytest
from sqlalchemy import func, select, update

from cosmostream.db import Database
from cosmostream.errors import NotAuthenticated, PermissionDenied
from cosmostream.kit.time import utcnow
from cosmostream.learning.attempts import DEADLINE_GRACE, attempt_service
from cosmostream.learning.errors import (
    AttemptClosed,
    AttemptNotFound,
    AttemptStillOpen,
    BadAnswer,
    NoAttemptsLeft,
    NotEnrolled,
    QuizNotFound,
)
from cosmostream.learning.lessons import lesson_service
from cosmostream.learning.tasks import close_overdue_attempts
from cosmostream.models import AnswerStep, AttemptState, FeedbackTiming, PublishState, QuizAttempt
from tests.factories import actor, shift_time
from tests.learning.conftest import QuizSetup, enrol, make_quiz

PLANETS = {
    "kind": "single",
    "choices": [
        {"id": "jupiter", "text": "Jupiter", "correct": True, "feedback": "The biggest."},
        {"id": "mars", "text": "Mars", "feedback": "Smaller than Earth."},
    ],
    "explanation": "Jupiter is the largest planet.",
}
DISTANCE = {"kind": "numeric", "answer": "1", "unit": "au", "tolerance": "0.02", "relative": True}


async def _setup(db: Database, people: dict[str, Any], **settings: Any) -> QuizSetup:
    setup = await make_quiz(db, people["instructor"], [(PLANETS, 7), (DISTANCE, 3)], **settings)
    await enrol(db, people["learner"], setup.course)
    return setup


def _dump(value: Any) -> str:
    return json.dumps(dataclasses.asdict(value), default=str)


async def test_a_learner_takes_a_quiz_graded_on_the_server(
    db: Database, people: dict[str, Any]
) -> None:
    setup = await _setup(db, people, passing_percent=70)
    learner = actor(people["learner"])
    async with db.unit_of_work() as session:
        view = await attempt_service.start(session, learner, setup.quiz.id)
    shown = json.dumps([dataclasses.asdict(q) for q in view.questions], default=str)
    for secret in (
        '"correct"',
        "The biggest",
        "largest planet",
        '"0.02"',
        "tolerance",
        str(view.attempt.seed),
    ):
        assert secret not in shown, secret
    planets, distance = setup.questions
    async with db.unit_of_work() as session:
        result = await attempt_service.submit(
            session,
            learner,
            view.attempt.id,
            {planets.id: {"choices": ["jupiter"]}, distance.id: {"value": "2", "unit": "au"}},
        )
    # 7 of 10 points is exactly the passing score: a pass (compared as fractions).
    assert result.score == Fraction(7, 10) and result.passed
    by_id = {q.id: q for q in result.questions}
    assert by_id[planets.id].feedback == ("The biggest.",)
    assert by_id[planets.id].explanation == "Jupiter is the largest planet."
    assert by_id[distance.id].score == 0


async def test_passing_is_score_at_least_the_passing_score_exactly(
    db: Database, people: dict[str, Any]
) -> None:
    # Two of three equal questions is 66.666…%: below 67 %, although it rounds to 67.
    setup = await make_quiz(
        db, people["instructor"], [(PLANETS, 1), (PLANETS, 1), (PLANETS, 1)], passing_percent=67
    )
    await enrol(db, people["learner"], setup.course)
    learner = actor(people["learner"])
    async with db.unit_of_work() as session:
        view = await attempt_service.start(session, learner, setup.quiz.id)
        answers = {q.id: {"choices": ["jupiter"]} for q in setup.questions[:2]}
        answers[setup.questions[2].id] = {"choices": ["mars"]}
        result = await attempt_service.submit(session, learner, view.attempt.id, answers)
    # The score is kept to six places; the verdict was decided on the exact 2/3.
    assert abs(result.score - Fraction(2, 3)) < Fraction(1, 10**6) and not result.passed


async def test_an_unreadable_answer_is_refused_and_leaves_nothing(
    db: Database, people: dict[str, Any]
) -> None:
    setup = await _setup(db, people)
    learner = actor(people["learner"])
    async with db.unit_of_work() as session:
        view = await attempt_service.start(session, learner, setup.quiz.id)
    with pytest.raises(BadAnswer):
        async with db.unit_of_work() as session:
            await attempt_service.save_answer(
                session,
                learner,
                view.attempt.id,
                setup.questions[1].id,
                {"value": "\x00", "unit": "au"},
            )
    with pytest.raises(BadAnswer):
        async with db.unit_of_work() as session:
            await attempt_service.submit(
                session, learner, view.attempt.id, {setup.questions[0].id: {"choices": ["pluto"]}}
            )
    async with db.read() as session:
        assert await session.scalar(select(func.count()).select_from(AnswerStep)) == 0
        attempt = await session.get(QuizAttempt, view.attempt.id)
        assert attempt is not None and attempt.state.value == "open"


async def test_an_open_attempt_is_resumed_and_the_limit_holds(
    db: Database, people: dict[str, Any]
) -> None:
    setup = await _setup(db, people, max_attempts=2)
    learner = actor(people["learner"])
    async with db.unit_of_work() as session:
        first = await attempt_service.start(session, learner, setup.quiz.id)
    async with db.unit_of_work() as session:
        again = await attempt_service.start(session, learner, setup.quiz.id)
    assert again.attempt.id == first.attempt.id and again.attempts_left == 1
    assert [q.id for q in again.questions] == [q.id for q in first.questions]  # same order
    for _ in range(2):
        async with db.unit_of_work() as session:
            view = await attempt_service.start(session, learner, setup.quiz.id)
            await attempt_service.submit(session, learner, view.attempt.id)
    with pytest.raises(NoAttemptsLeft):
        async with db.unit_of_work() as session:
            await attempt_service.start(session, learner, setup.quiz.id)


async def test_two_submits_at_once_one_wins(db: Database, people: dict[str, Any]) -> None:
    setup = await _setup(db, people, max_attempts=1)
    learner = actor(people["learner"])
    async with db.unit_of_work() as session:
        view = await attempt_service.start(session, learner, setup.quiz.id)

    async def submit() -> str:
        try:
            async with db.unit_of_work() as session:
                await attempt_service.submit(
                    session,
                    learner,
                    view.attempt.id,
                    {setup.questions[0].id: {"choices": ["jupiter"]}},
                )
        except AttemptClosed:
            return "closed"
        return "graded"

    outcomes = sorted(await asyncio.gather(submit(), submit()))
    assert outcomes == ["closed", "graded"]
    async with db.read() as session:
        graded = await session.scalar(
            select(func.count()).select_from(AnswerStep).where(AnswerStep.kind == "submit")
        )
    assert graded == 1  # the answered question graded once, not twice


async def test_two_starts_at_once_make_one_attempt(db: Database, people: dict[str, Any]) -> None:
    setup = await _setup(db, people, max_attempts=1)
    learner = actor(people["learner"])

    async def start() -> Any:
        async with db.unit_of_work() as session:
            return (await attempt_service.start(session, learner, setup.quiz.id)).attempt.id

    first, second = await asyncio.gather(start(), start())
    assert first == second
    async with db.read() as session:
        assert await session.scalar(select(func.count()).select_from(QuizAttempt)) == 1


async def test_the_time_limit_is_the_servers(db: Database, people: dict[str, Any]) -> None:
    setup = await _setup(db, people, time_limit_seconds=600, max_attempts=2)
    learner = actor(people["learner"])
    async with db.unit_of_work() as session:
        view = await attempt_service.start(session, learner, setup.quiz.id)
        await attempt_service.save_answer(
            session, learner, view.attempt.id, setup.questions[0].id, {"choices": ["jupiter"]}
        )
    assert view.attempt.deadline_at is not None
    async with db.unit_of_work() as session:  # ten minutes and a bit later
        await session.execute(
            update(QuizAttempt)
            .where(QuizAttempt.id == view.attempt.id)
            .values(deadline_at=utcnow() - timedelta(seconds=30))
        )
    with pytest.raises(AttemptClosed):
        async with db.unit_of_work() as session:
            await attempt_service.save_answer(
                session,
                learner,
                view.attempt.id,
                setup.questions[1].id,
                {"value": "1", "unit": "au"},
            )
    # Coming back submits the expired attempt with what was saved in time.
    async with db.unit_of_work() as session:
        fresh = await attempt_service.start(session, learner, setup.quiz.id)
    assert fresh.attempt.id != view.attempt.id and fresh.attempts_left == 0
    async with db.read() as session:
        result = await attempt_service.result(session, learner, view.attempt.id)
    assert result.score == Fraction(7, 10)


async def test_feedback_can_wait_for_the_quiz_to_close(
    db: Database, people: dict[str, Any]
) -> None:
    setup = await _setup(
        db, people, feedback=FeedbackTiming.AFTER_CLOSE, closes_at=utcnow() + timedelta(days=1)
    )
    learner = actor(people["learner"])
    async with db.unit_of_work() as session:
        view = await attempt_service.start(session, learner, setup.quiz.id)
        with pytest.raises(AttemptStillOpen):
            await attempt_service.result(session, learner, view.attempt.id)
        result = await attempt_service.submit(
            session, learner, view.attempt.id, {setup.questions[0].id: {"choices": ["jupiter"]}}
        )
    assert result.feedback_withheld and result.questions == []
    assert "largest planet" not in _dump(result) and "biggest" not in _dump(result)


async def test_an_author_fixes_a_question_and_regrades(
    db: Database, people: dict[str, Any]
) -> None:
    setup = await _setup(db, people)
    learner = actor(people["learner"])
    planets = setup.questions[0]
    async with db.unit_of_work() as session:
        view = await attempt_service.start(session, learner, setup.quiz.id)
        before = await attempt_service.submit(
            session, learner, view.attempt.id, {planets.id: {"choices": ["mars"]}}
        )
    assert before.score == 0
    fixed = {
        **PLANETS,
        "choices": [{**c, "correct": c["id"] == "mars"} for c in PLANETS["choices"]],
    }
    async with db.unit_of_work() as session:
        await session.execute(
            update(type(planets))
            .where(type(planets).id == planets.id)
            .values(spec=fixed, version=2)
        )
    for who in ("learner", "other", "creator"):
        with pytest.raises((PermissionDenied, QuizNotFound)):
            async with db.unit_of_work() as session:
                await attempt_service.regrade(session, actor(people[who]), setup.quiz.id)
    async with db.unit_of_work() as session:
        assert (
            await attempt_service.regrade(session, actor(people["instructor"]), setup.quiz.id) == 1
        )
    async with db.read() as session:
        after = await attempt_service.result(session, learner, view.attempt.id)
        kinds = sorted(
            (
                await session.scalars(
                    select(AnswerStep.kind).where(AnswerStep.question_id == planets.id)
                )
            ).all()
        )
    assert after.score == Fraction(7, 10)
    assert [k.value for k in kinds] == ["regrade", "save", "submit"]  # every step kept
    async with db.unit_of_work() as session:  # an admin may regrade too
        assert await attempt_service.regrade(session, actor(people["admin"]), setup.quiz.id) == 1


async def test_who_may_take_and_read_attempts(db: Database, people: dict[str, Any]) -> None:
    setup = await _setup(db, people)
    draft = await make_quiz(db, people["instructor"], [(PLANETS, 1)], state=PublishState.DRAFT)
    learner = actor(people["learner"])
    async with db.unit_of_work() as session:
        view = await attempt_service.start(session, learner, setup.quiz.id)
    with pytest.raises(NotAuthenticated):
        async with db.unit_of_work() as session:
            await attempt_service.start(session, None, setup.quiz.id)
    for who in ("other", "creator", "admin"):  # not enrolled
        with pytest.raises(NotEnrolled):
            async with db.unit_of_work() as session:
                await attempt_service.start(session, actor(people[who]), setup.quiz.id)
    for who in ("other", "instructor", "admin"):  # someone else's attempt looks missing
        with pytest.raises(AttemptNotFound):
            async with db.unit_of_work() as session:
                await attempt_service.submit(session, actor(people[who]), view.attempt.id)
    # A draft course's quiz does not exist for learners; its instructor sees it.
    await enrol(db, people["learner"], draft.course)
    with pytest.raises(QuizNotFound):
        async with db.unit_of_work() as session:
            await attempt_service.start(session, learner, draft.quiz.id)
    await enrol(db, people["instructor"], draft.course)
    async with db.unit_of_work() as session:
        preview = await attempt_service.start(session, actor(people["instructor"]), draft.quiz.id)
    assert preview.attempt.user_id == people["instructor"].id


async def test_the_result_keeps_the_verdict_decided_when_graded(
    db: Database, people: dict[str, Any]
) -> None:
    three = {
        "kind": "multiple",
        "choices": [
            {"id": "a", "text": "A", "correct": True},
            {"id": "b", "text": "B", "correct": True},
            {"id": "c", "text": "C", "correct": True},
            {"id": "d", "text": "D"},
        ],
    }
    setup = await make_quiz(
        db, people["instructor"], [(three, 3), (PLANETS, 1)], passing_percent=25
    )
    await enrol(db, people["learner"], setup.course)
    learner = actor(people["learner"])
    async with db.unit_of_work() as session:
        view = await attempt_service.start(session, learner, setup.quiz.id)
        graded = await attempt_service.submit(
            session,
            learner,
            view.attempt.id,
            {
                setup.questions[0].id: {"choices": ["a"]},
                setup.questions[1].id: {"choices": ["mars"]},
            },
        )
    # 1/3 of 3 points and 0 of 1 is exactly 1/4: a pass at 25 %, now and later.
    assert graded.score == Fraction(1, 4) and graded.passed
    async with db.read() as session:
        later = await attempt_service.result(session, learner, view.attempt.id)
    assert later.passed and later.score == Fraction(1, 4)


async def test_a_place_can_be_given_to_an_open_attempt_that_has_none(
    db: Database, people: dict[str, Any]
) -> None:
    event = {"kind": "computed", "mode": "event", "body": "Moon", "event": "rise"}
    setup = await make_quiz(db, people["instructor"], [(event, 1)])
    await enrol(db, people["learner"], setup.course)
    learner = actor(people["learner"])
    async with db.unit_of_work() as session:
        first = await attempt_service.start(session, learner, setup.quiz.id)
    assert first.questions[0].view["needsPlace"] is True
    async with db.unit_of_work() as session:
        again = await attempt_service.start(
            session, learner, setup.quiz.id, latitude=48.0, longitude=2.0
        )
    assert again.attempt.id == first.attempt.id
    assert again.questions[0].view["needsPlace"] is False
    assert (again.attempt.latitude, again.attempt.longitude) == (48.0, 2.0)


async def test_attempts_whose_time_ran_out_are_graded_without_the_learner(
    db: Database, people: dict[str, Any]
) -> None:
    """The last attempt of a timed quiz: nobody comes back to submit it, yet the
    worker grades it with what was saved in time (and a quiz that closed likewise)."""
    setup = await _setup(db, people, time_limit_seconds=600, max_attempts=1)
    learner = actor(people["learner"])
    async with db.unit_of_work() as session:
        view = await attempt_service.start(session, learner, setup.quiz.id)
        await attempt_service.save_answer(
            session, learner, view.attempt.id, setup.questions[0].id, {"choices": ["jupiter"]}
        )
    async with db.unit_of_work() as session:
        assert await close_overdue_attempts(session) == 0  # still in time
    with shift_time(timedelta(seconds=600) + DEADLINE_GRACE + timedelta(seconds=1)):
        async with db.unit_of_work() as session:
            assert await close_overdue_attempts(session) == 1
        async with db.unit_of_work() as session:
            assert await close_overdue_attempts(session) == 0  # once
        async with db.read() as session:
            result = await attempt_service.result(session, learner, view.attempt.id)
    assert result.score == Fraction(7, 10) and result.attempt.submitted_at is not None


async def test_a_lesson_view_grades_its_learners_attempt_whose_time_ran_out(
    db: Database, people: dict[str, Any]
) -> None:
    setup = await _setup(db, people, time_limit_seconds=60, max_attempts=1)
    learner = actor(people["learner"])
    async with db.unit_of_work() as session:
        view = await attempt_service.start(session, learner, setup.quiz.id)
    with shift_time(timedelta(minutes=5)):
        async with db.unit_of_work() as session:
            page = await lesson_service.get(session, learner, setup.course.slug, setup.lesson.id)
    assert page.attempt is None
    assert [a.state for a in page.attempts] == [AttemptState.SUBMITTED]
    async with db.read() as session:
        result = await attempt_service.result(session, learner, view.attempt.id)
    assert result.score == 0
