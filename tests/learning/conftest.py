"""Builders for learning tests: a course with one quiz lesson, and enrolments."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from cosmostream.db import Database
from cosmostream.kit.time import utcnow
from cosmostream.models import (
    Course,
    CourseModule,
    Enrolment,
    Lesson,
    LessonKind,
    PublishState,
    Question,
    Quiz,
    Role,
    User,
)
from tests.factories import gql, login, make_user


@pytest.fixture
async def people(db: Database) -> dict[str, User]:
    """An instructor, an enrolled-to-be learner, another viewer, another creator, an admin."""
    return {
        "instructor": await make_user(db, role=Role.CREATOR),
        "learner": await make_user(db),
        "other": await make_user(db),
        "creator": await make_user(db, role=Role.CREATOR),
        "admin": await make_user(db, role=Role.ADMIN),
    }


@pytest.fixture
async def tokens(db: Database, people: dict[str, User]) -> dict[str, str | None]:
    """An access token for each of `people`, and None for the anonymous caller."""
    found: dict[str, str | None] = {"anonymous": None}
    for name, user in people.items():
        found[name] = (await login(db, user)).access_token
    return found


async def call(
    client: httpx.AsyncClient, token: str | None, query: str, **variables: Any
) -> dict[str, Any]:
    body: dict[str, Any] = (await gql(client, query, variables, token=token)).json()
    return body


def code(body: dict[str, Any]) -> str | None:
    """The first error's code, or None for an answer without errors."""
    return body["errors"][0]["extensions"]["code"] if body.get("errors") else None


@dataclass
class QuizSetup:
    course: Course
    lesson: Lesson
    quiz: Quiz
    questions: list[Question]


async def make_quiz(
    db: Database,
    instructor: User,
    specs: list[tuple[dict[str, Any], int]],
    *,
    state: PublishState = PublishState.PUBLISHED,
    **settings: Any,
) -> QuizSetup:
    """A course with one module holding one quiz lesson of these (spec, points) questions."""
    async with db.unit_of_work() as session:
        slug = f"course-{uuid.uuid4().hex[:8]}"
        course = Course(
            slug=slug,
            title=f"Course {slug}",
            instructor_id=instructor.id,
            state=state,
            published_at=utcnow() if state is PublishState.PUBLISHED else None,
        )
        session.add(course)
        await session.flush()
        module = CourseModule(course_id=course.id, position=1, title="Module 1")
        session.add(module)
        await session.flush()
        lesson = Lesson(
            course_id=course.id, module_id=module.id, position=1, kind=LessonKind.QUIZ, title="Quiz"
        )
        session.add(lesson)
        await session.flush()
        quiz = Quiz(lesson_id=lesson.id, **settings)
        session.add(quiz)
        await session.flush()
        questions = []
        for n, (spec, points) in enumerate(specs, start=1):
            question = Question(
                lesson_id=lesson.id,
                quiz_id=quiz.id,
                position=n,
                prompt=f"Question {n}",
                spec=spec,
                points=points,
            )
            session.add(question)
            questions.append(question)
        await session.flush()
    return QuizSetup(course, lesson, quiz, questions)


async def make_course(
    db: Database,
    instructor: User,
    lessons: list[dict[str, Any]],
    *,
    state: PublishState = PublishState.PUBLISHED,
    issues_certificate: bool = True,
    **course_fields: Any,
) -> tuple[Course, list[Lesson]]:
    """A course with one module of these lessons (Lesson fields), roll-ups filled in."""
    async with db.unit_of_work() as session:
        slug = f"course-{uuid.uuid4().hex[:8]}"
        fields = {"title": f"Course {slug}", **course_fields}
        course = Course(
            slug=slug,
            instructor_id=instructor.id,
            state=state,
            published_at=utcnow() if state is PublishState.PUBLISHED else None,
            issues_certificate=issues_certificate,
            **fields,
            lesson_count=len(lessons),
            required_count=sum(1 for lesson in lessons if lesson.get("required", True)),
        )
        session.add(course)
        await session.flush()
        module = CourseModule(course_id=course.id, position=1, title="Module 1")
        session.add(module)
        await session.flush()
        made = []
        for n, fields in enumerate(lessons, start=1):
            lesson = Lesson(
                course_id=course.id, module_id=module.id, position=n, title=f"Lesson {n}", **fields
            )
            session.add(lesson)
            made.append(lesson)
        await session.flush()
    return course, made


async def enrol(db: Database, user: User, course: Course) -> None:
    async with db.unit_of_work() as session:
        session.add(Enrolment(user_id=user.id, course_id=course.id))
