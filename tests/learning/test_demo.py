"""The demo learning data: made once through the services, on the demo videos, with
every kind of question answerable by the real grading."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from cosmostream import demo
from cosmostream.db import Database
from cosmostream.kit.time import aware, utcnow
from cosmostream.learning import demo as learning_demo
from cosmostream.learning import grading
from cosmostream.learning.courses import course_service
from cosmostream.models import (
    AnswerStep,
    Certificate,
    ClassAssignment,
    ClassMember,
    Course,
    CourseModule,
    CoursePrerequisite,
    Enrolment,
    LearningClass,
    LearningPath,
    Lesson,
    LessonKind,
    LessonProgress,
    PathCourse,
    PublishState,
    Question,
    Quiz,
    QuizAttempt,
    User,
)
from tests.factories import make_video

TABLES = (
    Course,
    CourseModule,
    Lesson,
    Quiz,
    Question,
    CoursePrerequisite,
    LearningPath,
    PathCourse,
    Enrolment,
    LessonProgress,
    QuizAttempt,
    AnswerStep,
    Certificate,
    LearningClass,
    ClassMember,
    ClassAssignment,
    User,
)


async def _with_videos(db: Database) -> None:
    """The demo accounts, then the demo clips the courses show, as processed videos."""
    async with db.unit_of_work() as session:
        await demo.load_demo(session)
        users = await demo.demo_users(session)
    used = learning_demo._clips()
    for clip in demo.CLIPS:
        if any(clip.creator == creator and clip.title.startswith(p) for creator, p in used):
            await make_video(db, users[clip.creator], title=clip.title, duration=clip.seconds)


async def _counts(db: Database) -> dict[str, int]:
    async with db.read() as session:
        return {
            model.__name__: int(await session.scalar(select(func.count()).select_from(model)) or 0)
            for model in TABLES
        }


def test_the_lessons_know_their_clips() -> None:
    clips = {clip.title: clip for clip in demo.CLIPS}
    for course in learning_demo.COURSES:
        for module in course.modules:
            for lesson in module.lessons:
                if lesson.kind is LessonKind.VIDEO:
                    assert lesson.clip is not None
                    [title] = [t for t in clips if t.startswith(lesson.clip)]
                    assert clips[title].creator == course.instructor
                    assert lesson.seconds == clips[title].seconds
                    for question in lesson.questions:
                        assert question.at_seconds is not None
                        assert 0 < question.at_seconds < lesson.seconds


async def test_nothing_is_made_before_the_videos(db: Database) -> None:
    async with db.unit_of_work() as session:
        await demo.load_demo(session)
        assert await learning_demo.load(session) == 0
    counts = await _counts(db)
    assert counts["Course"] == 0
    async with db.read() as session:
        # The demo college's class needs no video; the learning demo's waits for them.
        names = set(await session.scalars(select(LearningClass.name)))
    assert "Astronomy 101 — Tuesday group" not in names


async def test_the_demo_loads_once_with_everything_the_issue_lists(db: Database) -> None:
    await _with_videos(db)
    async with db.unit_of_work() as session:
        await demo.load_demo(session)
    first = await _counts(db)
    async with db.unit_of_work() as session:
        await demo.load_demo(session)
        assert await learning_demo.load(session) == 0
    assert await _counts(db) == first
    assert first["Course"] == 5 and first["LearningPath"] == 2

    async with db.read() as session:
        courses = {c.title: c for c in await session.scalars(select(Course))}
        assert all(c.state is PublishState.PUBLISHED for c in courses.values())
        assert [c.title for c in courses.values() if c.premium] == [learning_demo.ORBITS.title]
        paths = {p.title for p in await session.scalars(select(LearningPath))}
        assert paths == {"Naked-eye astronomy", "Rockets and orbits"}
        assert first["CoursePrerequisite"] == 2

        lessons = list(await session.scalars(select(Lesson)))
        assert {lesson.kind for lesson in lessons} == set(LessonKind)
        for course in courses.values():
            mine = [lesson for lesson in lessons if lesson.course_id == course.id]
            # The roll-ups of the syllabus are the authoring service's.
            assert course.lesson_count == len(mine)
            assert course.required_count == sum(1 for lesson in mine if lesson.required)
            assert course.duration_seconds == sum(lesson.duration_seconds for lesson in mine) > 0
        articles = [lesson.body for lesson in lessons if lesson.kind is LessonKind.ARTICLE]
        assert any("\\ln \\frac{m_0}{m_f}" in body for body in articles)  # the rocket equation
        assert any("T^2 \\propto a^3" in body for body in articles)  # Kepler's third law
        [sky] = [lesson for lesson in lessons if lesson.kind is LessonKind.SKY]
        assert sky.sky is not None and {"lat", "lon", "at"} <= sky.sky.keys()
        videos = [lesson for lesson in lessons if lesson.kind is LessonKind.VIDEO]
        assert all(lesson.video_id is not None for lesson in videos)
        assert any(lesson.credits_from is not None for lesson in videos)

        modules = list(await session.scalars(select(CourseModule)))
        assert any(m.requires_previous for m in modules)
        assert any(m.unlock_at is not None and aware(m.unlock_at) > utcnow() for m in modules)

        questions = list(await session.scalars(select(Question)))
        kinds = {(q.spec["kind"], q.spec.get("mode")) for q in questions}
        assert kinds >= {
            ("single", None),
            ("multiple", None),
            ("numeric", None),
            ("text", None),
            ("ordering", None),
            ("sky", None),
            ("computed", "formula"),
            ("computed", "event"),
        }
        assert any(q.spec["kind"] == "numeric" and q.spec.get("unit") for q in questions)
        assert any(q.at_seconds is not None for q in questions)  # asked inside a video

        # The demo viewer's certificate, from completing the first course for real.
        ada = await session.scalar(select(User).where(User.email == demo.ADA))
        assert ada is not None
        first_night = courses[learning_demo.FIRST_NIGHT.title]
        certificate = await session.scalar(
            select(Certificate).where(
                Certificate.user_id == ada.id, Certificate.course_id == first_night.id
            )
        )
        assert certificate is not None and certificate.code.startswith("CS-")

        # Every learner's roll-up matches their lesson rows.
        enrolments = list(await session.scalars(select(Enrolment)))
        progress = list(await session.scalars(select(LessonProgress)))
        required = {lesson.id for lesson in lessons if lesson.required}
        for enrolment in enrolments:
            done = [
                p
                for p in progress
                if p.user_id == enrolment.user_id
                and p.course_id == enrolment.course_id
                and p.completed_at is not None
            ]
            assert enrolment.completed_lessons == len(done)
            assert enrolment.completed_required == sum(1 for p in done if p.lesson_id in required)
            course = next(c for c in courses.values() if c.id == enrolment.course_id)
            complete = enrolment.completed_required >= course.required_count
            assert (enrolment.completed_at is not None) == complete
        stages = {(e.completed_at is not None, e.completed_lessons > 0) for e in enrolments}
        assert stages == {(True, True), (False, True), (False, False)}
        # Somebody is half-way through a video: watched ranges, not complete.
        assert any(p.completed_at is None and p.covered_seconds > 0 for p in progress)
        # A failed attempt is kept.
        assert any(a.passed is False for a in await session.scalars(select(QuizAttempt)))

        # As the demo viewer sees the courses.
        viewer = demo.demo_actor(ada)
        details = {
            title: await course_service.get(session, viewer, course.slug)
            for title, course in courses.items()
        }
        assert details[learning_demo.FIRST_NIGHT.title].card.progress == 1
        assert 0 < details[learning_demo.MOON_AND_PLANETS.title].card.progress < 1
        assert details[learning_demo.MOON_AND_PLANETS.title].resume is not None
        orbits = details[learning_demo.ORBITS.title]
        assert not orbits.enrolled and orbits.modules[-1].locked_because == "opens"
        assert [c.title for c, _done in orbits.prerequisites] == [learning_demo.ROCKETS_101.title]

        # The learning demo's class (the demo college has one of its own).
        [taught] = list(
            await session.scalars(
                select(LearningClass).where(LearningClass.name == "Astronomy 101 — Tuesday group")
            )
        )
        teacher = await session.get(User, taught.teacher_id)
        assert teacher is not None and teacher.email == demo.VERA
        members = list(
            await session.scalars(select(ClassMember).where(ClassMember.class_id == taught.id))
        )
        assert 4 <= len(members) - 1 <= 6 and ada.id in {m.user_id for m in members}
        assignments = list(await session.scalars(select(ClassAssignment)))
        assert {a.course_id is not None for a in assignments} == {True, False}
        now = utcnow()
        assert sorted(aware(a.due_at) < now for a in assignments if a.due_at) == [False, True]


async def test_every_demo_question_grades_its_correct_answer_as_correct(db: Database) -> None:
    await _with_videos(db)
    async with db.unit_of_work() as session:
        await demo.load_demo(session)
    async with db.read() as session:
        questions = list(await session.scalars(select(Question)))
    assert questions
    rng = random.Random(13)
    for question in questions:
        spec = grading.parse_spec(question.spec)  # the stored spec, as the server reads it
        for _ in range(3):  # several learners: their own parameters and moments
            attempt = grading.Attempt(
                seed=rng.getrandbits(62),
                started_at=utcnow() + timedelta(hours=rng.uniform(0, 48)),
                latitude=rng.uniform(-50, 50),
                longitude=rng.uniform(-180, 180),
            )
            response: dict[str, Any] = learning_demo.correct_response(
                spec, attempt, str(question.id)
            )
            grade = grading.grade(spec, response, attempt, str(question.id))
            assert grade.correct, (question.prompt, response)
