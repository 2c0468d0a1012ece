"""People, videos and a course for the analytics read-side tests."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from cosmostream.db import Database
from cosmostream.models import Course, CourseModule, Lesson, Role, User
from cosmostream.models.learning import LessonKind, Question
from tests.factories import login, make_user, make_video

# Who asks, in every authorization matrix ("creator" owns the channel, its videos
# and the course; "other" is another creator).
ROLES = ("anonymous", "viewer", "creator", "other", "admin")


@dataclass
class Studio:
    db: Database
    client: httpx.AsyncClient
    users: dict[str, User]
    tokens: dict[str, str]
    videos: list[Any]  # the creator's: 100 s, 200 s
    other_video: Any  # the other creator's
    course: Course

    @property
    def creator(self) -> User:
        return self.users["creator"]


async def make_course(db: Database, owner: User, video: Any, title: str = "Stars 101") -> Course:
    """A course whose one lesson is `video`, with a question asked at 30 s into it."""
    async with db.unit_of_work() as session:
        course = Course(slug=f"c-{uuid.uuid4().hex[:12]}", title=title, instructor_id=owner.id)
        session.add(course)
        await session.flush()
        module = CourseModule(course_id=course.id, position=1, title="Week 1")
        session.add(module)
        await session.flush()
        lesson = Lesson(
            course_id=course.id,
            module_id=module.id,
            position=1,
            kind=LessonKind.VIDEO,
            title="Watch",
            video_id=video.id,
        )
        session.add(lesson)
        await session.flush()
        session.add(
            Question(
                lesson_id=lesson.id,
                position=1,
                prompt="Which planet   is shown here?",
                spec={"kind": "short", "answer": "Jupiter"},
                at_seconds=30.0,
            )
        )
        await session.flush()
        return course


@pytest.fixture
async def studio(db: Database, client: httpx.AsyncClient) -> Studio:
    users = {
        "viewer": await make_user(db, name="Vera Viewer"),
        "creator": await make_user(db, role=Role.CREATOR, name="Cleo Creator"),
        "other": await make_user(db, role=Role.CREATOR, name="Otto Other"),
        "admin": await make_user(db, role=Role.ADMIN, name="Alma Admin"),
    }
    tokens = {name: (await login(db, user)).access_token for name, user in users.items()}
    videos = [
        await make_video(db, users["creator"], title="Orion nebula", duration=100.0),
        await make_video(db, users["creator"], title="Saturn rings", duration=200.0),
    ]
    other_video = await make_video(db, users["other"], title="Mars dust", duration=50.0)
    course = await make_course(db, users["creator"], videos[0])
    return Studio(db, client, users, tokens, videos, other_video, course)
