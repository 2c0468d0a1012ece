"""Builders for class tests: a class with members, lesson progress and quiz attempts."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from cosmostream.db import Database
from cosmostream.kit.time import utcnow
from cosmostream.learning.classes import class_service
from cosmostream.models import (
    AttemptState,
    ClassMember,
    Course,
    Enrolment,
    LearningClass,
    LearningPath,
    Lesson,
    LessonProgress,
    PathCourse,
    PublishState,
    Quiz,
    QuizAttempt,
    User,
)
from tests.factories import actor


async def make_class(
    db: Database, teacher: User, members: list[User] | None = None, name: str = "Astronomy 101"
) -> LearningClass:
    async with db.unit_of_work() as session:
        klass = await class_service.create(session, actor(teacher), name)
        for user in members or []:
            session.add(ClassMember(class_id=klass.id, user_id=user.id))
        await session.flush()
    return klass


async def assign(
    db: Database,
    teacher: User,
    klass: LearningClass,
    *,
    course: Course | None = None,
    path: LearningPath | None = None,
    due_in: timedelta | None = None,
) -> None:
    async with db.unit_of_work() as session:
        await class_service.assign(
            session,
            actor(teacher),
            klass.id,
            course_slug=course.slug if course else None,
            path_slug=path.slug if path else None,
            due_at=utcnow() + due_in if due_in is not None else None,
        )


async def make_path(db: Database, author: User, courses: list[Course]) -> LearningPath:
    async with db.unit_of_work() as session:
        path = LearningPath(
            slug=f"path-{courses[0].slug}",
            title="A path",
            author_id=author.id,
            state=PublishState.PUBLISHED,
            published_at=utcnow(),
        )
        session.add(path)
        await session.flush()
        for n, course in enumerate(courses, start=1):
            session.add(PathCourse(path_id=path.id, course_id=course.id, position=n))
    return path


async def learn(
    db: Database,
    user: User,
    lesson: Lesson,
    *,
    done: bool,
    spent: float = 60.0,
) -> None:
    """A lesson-progress row (and its enrolment roll-up) as the progress service leaves them."""
    async with db.unit_of_work() as session:
        enrolment = await session.get(Enrolment, (user.id, lesson.course_id))
        if enrolment is None:
            enrolment = Enrolment(user_id=user.id, course_id=lesson.course_id)
            session.add(enrolment)
        session.add(
            LessonProgress(
                user_id=user.id,
                lesson_id=lesson.id,
                course_id=lesson.course_id,
                time_spent_seconds=spent,
                completed_at=utcnow() if done else None,
            )
        )
        if done:
            enrolment.completed_required = (enrolment.completed_required or 0) + 1
            enrolment.completed_lessons = (enrolment.completed_lessons or 0) + 1
            course = await session.get(Course, lesson.course_id)
            assert course is not None
            if enrolment.completed_required >= course.required_count:
                enrolment.completed_at = utcnow()


async def add_quiz(db: Database, lesson: Lesson) -> Quiz:
    async with db.unit_of_work() as session:
        quiz = Quiz(lesson_id=lesson.id)
        session.add(quiz)
    return quiz


async def attempt(db: Database, user: User, quiz: Quiz, number: int, score: str) -> None:
    async with db.unit_of_work() as session:
        session.add(
            QuizAttempt(
                quiz_id=quiz.id,
                user_id=user.id,
                number=number,
                seed=number,
                state=AttemptState.SUBMITTED,
                submitted_at=utcnow(),
                score=Decimal(score),
                passed=Decimal(score) >= Decimal("0.7"),
            )
        )
