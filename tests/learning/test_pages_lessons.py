"""Lesson pages and the quiz in plain forms: each kind of lesson, who sees what,
locks, safe articles, a quiz from start to result, and that no page a learner
gets before submitting gives an answer away."""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from cosmostream.db import Database
from cosmostream.models import (
    AnswerStep,
    Enrolment,
    LessonProgress,
    PublishState,
    QuizAttempt,
    User,
)
from tests.learning.conftest import enrol
from tests.learning.lessons_helpers import Lessons, form_fields, make_lessons, sign_in
from tests.learning.test_gql import QUESTIONS, SECRET_EXPLANATION, SECRETS, leaks

ROLES = ("anonymous", "learner", "other", "instructor", "creator", "admin")


@pytest.fixture
async def course(db: Database, people: dict[str, User]) -> Lessons:
    made = await make_lessons(
        db, people["instructor"], QUESTIONS, passing_percent=50, max_attempts=2
    )
    await enrol(db, people["learner"], made.course)
    return made


async def as_(client: httpx.AsyncClient, people: dict[str, User], who: str) -> str:
    return await sign_in(client, people.get(who))


async def post(client: httpx.AsyncClient, path: str, token: str, **fields: Any) -> httpx.Response:
    return await client.post(path, data={"csrf_token": token, **fields})


def attempt_id(html: str) -> str:
    found = re.search(r'data-attempt-id="([0-9a-f-]{36})"', html)
    assert found, html
    return found.group(1)


# -- each kind ---------------------------------------------------------------------


async def test_each_kind_renders_for_an_enrolled_learner(
    client: httpx.AsyncClient, course: Lessons, people: dict[str, User]
) -> None:
    await as_(client, people, "learner")
    video = await client.get(course.url(course.video))
    assert video.status_code == 200, video.text
    assert "data-player" in video.text and "data-lesson-player" in video.text
    assert '"at": 10.0' in video.text and '"answered": false' in video.text
    assert "You watched 0%" in video.text
    assert f'data-quiz-id="{course.video_quiz.id}"' in video.text

    article = await client.get(course.url(course.article))
    assert article.status_code == 200
    assert '<span class="math">T^2 = a^3</span>' in article.text
    assert '<div class="math math-display">E = mc^2</div>' in article.text
    assert '<img src="/static/m31.png" alt="Andromeda">' in article.text
    assert "Mark as done" in article.text

    sky = await client.get(course.url(course.sky))
    assert sky.status_code == 200
    assert "<strong>Vega</strong>" in sky.text
    assert "/sky-map?lat=52.0&amp;lon=5.0&amp;t=2026-08-01T22%3A00%3A00%2B00%3A00" in sky.text
    assert "az=270.0" in sky.text

    quiz = await client.get(course.url(course.quiz))
    assert quiz.status_code == 200
    assert "Start the quiz" in quiz.text and "Pass at 50%" in quiz.text
    assert "2 attempts allowed" in quiz.text

    # The sidebar: every lesson of the course, the next and previous ones.
    assert course.locked.title in article.text
    assert f'rel="prev" href="{course.url(course.video)}"' in article.text
    assert f'rel="next" href="{course.url(course.sky)}"' in article.text
