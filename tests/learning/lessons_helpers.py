"""Builders for the lesson page tests: a course with a lesson of every kind, and a
browser-like client signed in as one of `people`."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from cosmostream.db import Database
from cosmostream.kit.time import utcnow
from cosmostream.models import (
    Course,
    CourseModule,
    Lesson,
    LessonKind,
    PublishState,
    Question,
    Quiz,
    User,
)
from tests.factories import make_video

ARTICLE = (
    "# Kepler's third law\n\nThe period obeys $T^2 = a^3$.\n\n$$E = mc^2$$\n\n"
    "![Andromeda](/static/m31.png)\n\n"
    '<script>alert("x")</script><img src=x onerror=alert(1)> '
    "[a link](javascript:alert(1)) ![remote](javascript:alert(2))"
)
SKY = {"lat": 52.0, "lon": 5.0, "at": "2026-08-01T22:00:00+00:00", "alt": 60.0, "az": 270.0}


@dataclass
class Lessons:
    course: Course
    video: Lesson
    article: Lesson
    sky: Lesson
    quiz: Lesson
    locked: Lesson  # in a second module that opens next year
    quiz_row: Quiz
    video_quiz: Quiz
    video_questions: list[Question]
    questions: list[Question]

    def url(self, lesson: Lesson, tail: str = "") -> str:
        return f"/courses/{self.course.slug}/lessons/{lesson.id}{tail}"


async def make_lessons(
    db: Database,
    instructor: User,
    specs: list[tuple[dict[str, Any], int]],
    *,
    state: PublishState = PublishState.PUBLISHED,
    **quiz_settings: Any,
) -> Lessons:
    """A course: module 1 with a video (two questions at 10 s and 30 s), an article,
    a sky activity and a quiz of `specs`; module 2, not open yet, with one article."""
    video = await make_video(db, instructor, duration=60.0)
    async with db.unit_of_work() as session:
        slug = f"course-{uuid.uuid4().hex[:8]}"
        course = Course(
            slug=slug,
            title=f"Course {slug}",
            instructor_id=instructor.id,
            state=state,
            published_at=utcnow() if state is PublishState.PUBLISHED else None,
            lesson_count=5,
            required_count=5,
        )
        session.add(course)
        await session.flush()
        first = CourseModule(course_id=course.id, position=1, title="Module 1")
        later = CourseModule(
            course_id=course.id,
            position=2,
            title="Module 2",
            unlock_at=utcnow() + timedelta(days=365),
        )
        session.add_all([first, later])
        await session.flush()

        def lesson(module: CourseModule, n: int, kind: LessonKind, **fields: Any) -> Lesson:
            made = Lesson(
                course_id=course.id,
                module_id=module.id,
                position=n,
                kind=kind,
                title=f"{kind.value.title()} lesson {n}",
                **fields,
            )
            session.add(made)
            return made

        lessons = [
            lesson(first, 1, LessonKind.VIDEO, video_id=video.id, duration_seconds=60),
            lesson(first, 2, LessonKind.ARTICLE, body=ARTICLE),
            lesson(first, 3, LessonKind.SKY, body="Find **Vega** high in the west.", sky=SKY),
            lesson(first, 4, LessonKind.QUIZ),
            lesson(later, 1, LessonKind.ARTICLE, body="LOCKED-CONTENT about comets."),
        ]
        await session.flush()
        video_quiz = Quiz(lesson_id=lessons[0].id, max_attempts=None, shuffle=False)
        quiz = Quiz(lesson_id=lessons[3].id, **quiz_settings)
        session.add_all([video_quiz, quiz])
        await session.flush()
        in_video = [
            Question(
                lesson_id=lessons[0].id,
                quiz_id=video_quiz.id,
                position=n,
                prompt=f"Video question {n}",
                spec=specs[0][0],
                at_seconds=at,
            )
            for n, at in ((1, 10.0), (2, 30.0))
        ]
        questions = [
            Question(
                lesson_id=lessons[3].id,
                quiz_id=quiz.id,
                position=n,
                prompt=f"Question {n}",
                spec=spec,
                points=points,
            )
            for n, (spec, points) in enumerate(specs, start=1)
        ]
        session.add_all([*in_video, *questions])
        await session.flush()
    return Lessons(course, *lessons, quiz, video_quiz, in_video, questions)


def form_fields(html: str, form_marker: str = "data-quiz-form") -> dict[str, list[str]]:
    """The named inputs of the first form carrying `form_marker` (names → values), as
    a browser would send them untouched: checked boxes, selected options, text."""
    start = html.index(form_marker)
    body = html[start : html.index("</form>", start)]
    fields: dict[str, list[str]] = {}
    for tag in re.findall(r"<input[^>]*>", body):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if not name:
            continue
        if ('type="radio"' in tag or 'type="checkbox"' in tag) and " checked" not in tag:
            continue
        fields.setdefault(name.group(1), []).append(value.group(1) if value else "")
    for name, options in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', body, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected', options) or re.search(
            r'<option value="([^"]*)"', options
        )
        fields.setdefault(name, []).append(chosen.group(1) if chosen else "")
    return fields
