"""Learning at scale: /learn, a course page, quiz submission, a class table and the
progress roll-up after a heartbeat, on 1,000 courses, 100,000 learners and 5 million
lesson-progress rows.

For each backend (a SQLite file, and a PostgreSQL database created for the run
and dropped after it) a freshly migrated database gets the demo accounts
through the app's own `load_demo`, then a generated catalogue written
set-based with `_seed.py`'s writers (executemany in one transaction on SQLite,
COPY on PostgreSQL): learners and creators, videos, courses of 3-5 modules
(about 20 lessons each: video, article, sky activity and quiz lessons; every
quiz asks a single-choice, a multiple-choice, a numeric, a text and an
ordering question, every sky activity a sky-pointing question), learning
paths, enrolments with popularity skewed towards a few courses, the lesson
progress behind them (completed lessons, then one lesson half-watched) and the
`Enrolment` roll-ups that agree with those rows, and a class of 200 learners
taking a 60-lesson course with their quiz attempts. Then ANALYZE.

Measured, p50/p95, each with its anchor from the same run:

- through a real `cosmostream web` over loopback (one keep-alive connection,
  as `discovery.py`, signed in by the access cookie): the `/learn` page and a
  course page for a signed-in learner, the `/classes/<id>` page for the
  class's teacher (the 200 x 60 progress table), quiz submission with grading
  (`submitQuizAttempt`, the attempt started untimed before it), and the same
  for a one-question sky-pointing quiz; anchor `/healthz`.
- in process, through the services the pages call: the /learn and
  course-page reads (`browse_service`), the class progress table
  (`class_service.progress_table`), and a heartbeat through
  `progress_service.on_playback` in its own unit of work; each against the
  same figures computed naively from raw rows (lesson, enrolment and
  completion counts aggregated from `lessons`, `enrolments` and
  `lesson_progress`; the class table with typed cells and totals summed from
  the rows; a heartbeat followed by recounting the learner's course from its
  lesson rows), and quiz submission through `attempt_service`.

Targets: /learn and course page p95 <= 50 ms; submission p95 <= 30 ms (sky
<= 60 ms); class table p95 <= 150 ms; progress recompute after a heartbeat
<= 5 ms.

    .venv/bin/python benchmarks/learning_scale.py [--scale 0.1] [--backend sqlite|postgresql|both]
        [--keep DIR [--seed-only]]

`--scale` shrinks courses, learners and progress rows together (at least 50
courses; at least 210 learners, the class needs 200); samples stay the same.
`--keep DIR` keeps the seeded databases and the plan in DIR and measures them
again on the next run without seeding (`--seed-only`: seed and stop).
PostgreSQL is skipped with a note when the server at BENCH_POSTGRES_URL
(default postgresql://postgres@127.0.0.1:5432/postgres) is unreachable.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import pickle
import platform
import random
import statistics
import sys
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from itertools import accumulate, cycle
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).parent))
import _seed
from _server import percentile, running_server
from discovery import postgres_available, postgres_database, sqlite_database

from cosmostream.account.passwords import hash_password
from cosmostream.migrate import upgrade

TARGETS_MS = {
    "learn": 50.0,
    "course": 50.0,
    "submit": 30.0,
    "sky": 60.0,
    "class": 150.0,
    "heartbeat": 5.0,
}
FULL_COURSES = 1_000
FULL_LEARNERS = 100_000
FULL_PROGRESS = 5_000_000
CLASS_SIZE = 200
CLASS_LESSONS = 60
CLASS_CODE = "BENCH-CLASS"
ADA = "ada@example.com"
ADA_PASSWORD = "stargazer-viewer"
DAY = 86400.0

SKY_SPEC = {
    "kind": "sky",
    "target": "M31",
    "latitude": 51.4779,
    "longitude": -0.0015,
    "at": "2026-10-15T21:00:00+00:00",
    "tolerance_degrees": 3,
}
QUIZ_SPECS: list[dict[str, Any]] = [
    {
        "kind": "single",
        "choices": [
            {"id": "a", "text": "Cassiopeia", "correct": True},
            {"id": "b", "text": "Orion"},
            {"id": "c", "text": "Lyra"},
        ],
        "explanation": "The W points to Andromeda.",
    },
    {
        "kind": "multiple",
        "choices": [
            {"id": "a", "text": "M31", "correct": True},
            {"id": "b", "text": "M45", "correct": True},
            {"id": "c", "text": "Neptune"},
            {"id": "d", "text": "Proxima"},
        ],
    },
    {"kind": "numeric", "answer": "2.5e6", "unit": "ly", "tolerance": "0.2e6"},
    {"kind": "text", "accepted": ["Perseus"]},
    {
        "kind": "ordering",
        "items": [
            {"id": "liftoff", "text": "Liftoff"},
            {"id": "maxq", "text": "Max-Q"},
            {"id": "meco", "text": "MECO"},
            {"id": "sep", "text": "Separation"},
        ],
    },
]
QUIZ_ANSWERS: list[dict[str, Any]] = [
    {"choices": ["a"]},
    {"choices": ["a", "b"]},
    {"value": "2.5e6", "unit": "ly"},
    {"text": "perseus"},
    {"order": ["liftoff", "maxq", "meco", "sep"]},
]


# ---------------------------------------------------------------------------
# The generated catalogue


@dataclass
class LessonRow:
    id: str
    course: int
    kind: str
    required: bool
    duration: int
    video_id: str | None
    quiz_id: str | None = None
    questions: list[str] = field(default_factory=list)


@dataclass
class CourseRow:
    id: str
    slug: str
    lessons: list[LessonRow]
    required: int
    published: float


@dataclass
class Plan:
    """What the benchmark needs to know about what was seeded."""

    courses: list[CourseRow] = field(default_factory=list)
    ada: str = ""
    teacher: str = ""
    members: list[str] = field(default_factory=list)
    # (user, course index) of enrolments with a half-watched video lesson next.
    watching: list[tuple[str, int, int]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Size:
    courses: int
    learners: int
    progress: int

    @classmethod
    def scaled(cls, scale: float) -> Size:
        return cls(
            max(50, round(FULL_COURSES * scale)),
            max(CLASS_SIZE + 10, round(FULL_LEARNERS * scale)),
            round(FULL_PROGRESS * scale),
        )


def ada_course_indexes(courses: int) -> list[int]:
    """The courses the demo viewer takes: the class's course and seven more."""
    return [0, *[c for c in range(1, courses) if c % 97 == 1][:7]]


def ada_courses(plan: Plan) -> list[CourseRow]:
    return [plan.courses[i] for i in ada_course_indexes(len(plan.courses))]


def _lesson_kinds(rng: random.Random, n: int) -> list[str]:
    kinds = rng.choices(("video", "article", "sky", "quiz"), weights=(50, 25, 5, 20), k=n)
    kinds[-1] = "quiz"
    return kinds


async def seed(url: str, size: Size, log: Callable[[str], None] = print) -> Plan:
    from cosmostream.db import Database
    from cosmostream.demo import load_demo

    steps: list[_seed.Step] = []

    def done(name: str, rows: int, started: float) -> None:
        seconds = time.perf_counter() - started
        steps.append(_seed.Step(name, rows, seconds))
        rate = f"{rows / seconds:>9,.0f} rows/s" if rows and seconds else ""
        log(f"  {name:28} {rows:>10,} rows {seconds:7.2f} s {rate}")

    started = time.perf_counter()
    db = Database(url, pooled=False)
    try:
        async with db.unit_of_work() as session:
            await load_demo(session)
    finally:
        await db.dispose()
    done("demo accounts", 0, started)

    rng = random.Random(2613)
    cat = _seed.Catalog(rng=rng, now=time.time())
    plan = Plan()
    writer: _seed.Writer
    if url.startswith("sqlite"):
        writer = _seed.SQLiteWriter(url.split("///", 1)[1])
    else:
        writer = await _seed.PostgresWriter.connect(
            url.replace("postgresql+asyncpg://", "postgresql://")
        )
    sqlite = writer.sqlite
    now = cat.now
    try:
        cat.categories = [
            (_seed._hex(i), s)
            for i, s in await writer.rows("SELECT id, slug FROM categories ORDER BY position")
        ]
        for uid, email, created in await writer.rows("SELECT id, email, created_at FROM users"):
            when = created if isinstance(created, datetime) else datetime.fromisoformat(created)
            cat.demo[email] = (_seed._hex(uid), when.replace(tzinfo=UTC).timestamp())
        plan.ada = cat.demo[ADA][0]
        plan.teacher = cat.demo["vera@example.com"][0]
        for email in ("vera@example.com", "carl@example.com"):
            cat.creators.append(cat.demo[email][0])

        started = time.perf_counter()
        rows = await writer.insert(
            "users",
            _seed.USER_COLUMNS,
            _seed.gen_users(cat, size.learners, hash_password(_seed.SEEDED_PASSWORD)),
        )
        done("users", rows, started)
        creators = set(cat.creators)
        learners = [u for u in cat.users if u not in creators]
        cat.creator_weights = [1 / (i + 1) ** 0.9 for i in range(len(cat.creators))]
        cat.creator_category = {c: rng.randrange(len(cat.categories)) for c in cat.creators}

        # Courses, modules and lessons (one video per video lesson).
        lesson_total = 0
        shapes: list[list[int]] = []
        for n in range(size.courses):
            if n == 0:
                shape = [15, 15, 15, 15]  # the class's course: 60 lessons
            else:
                shape = [rng.randint(3, 7) for _ in range(rng.randint(3, 5))]
            shapes.append(shape)
            lesson_total += sum(shape)
        kinds = [_lesson_kinds(rng, sum(shape)) for shape in shapes]
        video_lessons = sum(k.count("video") for k in kinds)

        started = time.perf_counter()
        videos = [row for row, _tags in _seed.gen_videos(cat, video_lessons * 11 // 10)]
        ready = [row for row in videos if row[6] == "ready"]
        rows = await writer.insert("videos", _seed.VIDEO_COLUMNS, videos)
        done("videos", rows, started)

        module_rows: list[_seed.Row] = []
        lesson_rows: list[_seed.Row] = []
        quiz_rows: list[_seed.Row] = []
        question_rows: list[_seed.Row] = []
        course_rows: list[list[Any]] = []
        video_iter = iter(ready)
        levels = ("beginner", "intermediate", "advanced")
        for n, shape in enumerate(shapes):
            published = now - rng.uniform(1, 700) * DAY
            course_id = cat.new_id(published - 7 * DAY)
            instructor = rng.choice(cat.creators)
            lessons: list[LessonRow] = []
            position = 0
            for m, count in enumerate(shape):
                module_id = cat.new_id(published - 7 * DAY)
                module_rows.append((module_id, course_id, m + 1, f"Module {m + 1}", None, False))
                for p in range(count):
                    kind = kinds[n][position]
                    position += 1
                    lesson_id = cat.new_id(published - 6 * DAY)
                    video_id = None
                    duration = 0
                    if kind == "video":
                        video = next(video_iter)
                        video_id = video[0]
                        duration = round(video[_seed.VIDEO_COLUMNS.index("duration_seconds")])
                    elif kind == "article":
                        duration = 300
                    required = kind == "quiz" or rng.random() < 0.9
                    lesson = LessonRow(lesson_id, n, kind, required, duration, video_id)
                    sky = None
                    if kind == "sky":
                        sky = {"lat": 51.48, "lon": 0.0, "at": SKY_SPEC["at"], "alt": 50.0,
                               "az": 80.0, "fov": 60.0}  # fmt: skip
                    lesson_rows.append(
                        (lesson_id, course_id, module_id, p + 1, kind, f"Lesson {position}",
                         duration, required, video_id, "Text with $E = mc^2$." if kind ==
                         "article" else "", sky, 90, None, published - 6 * DAY,
                         published - 6 * DAY)
                    )  # fmt: skip
                    if kind in ("quiz", "sky"):
                        quiz_id = cat.new_id(published - 6 * DAY)
                        lesson.quiz_id = quiz_id
                        quiz_rows.append(
                            (quiz_id, lesson_id, 70, None, None, True, "after_submit", None, "best")
                        )
                        specs = QUIZ_SPECS if kind == "quiz" else [SKY_SPEC]
                        for q, spec in enumerate(specs):
                            question_id = cat.new_id(published - 6 * DAY)
                            lesson.questions.append(question_id)
                            question_rows.append(
                                (question_id, lesson_id, quiz_id, q + 1, f"Question {q + 1}",
                                 spec, 1, None, True, 1, published - 6 * DAY, published - 6 * DAY)
                            )  # fmt: skip
                    lessons.append(lesson)
            required_count = sum(1 for lesson in lessons if lesson.required)
            plan.courses.append(
                CourseRow(course_id, f"course-{n:05d}", lessons, required_count, published)
            )
            category = cat.categories[n % len(cat.categories)][0]
            course_rows.append(
                [course_id, f"course-{n:05d}", f"Course {n}: {rng.choice(_seed.SUBJECTS[cat.categories[n % len(cat.categories)][1]])}",
                 "A course generated for the benchmark.", "Longer description.", instructor,
                 category, levels[n % 3], n % 10 == 0, "published", published, True,
                 len(lessons), required_count, sum(lesson.duration for lesson in lessons), 0,
                 published - 7 * DAY, published]
            )  # fmt: skip

        # Enrolments, planned first: the courses carry their enrolment counts.
        weights = list(accumulate(1 / (i + 1) ** 0.8 for i in range(size.courses)))
        budget = size.progress / max(1, len(learners))
        enrolments: list[tuple[str, int, int, bool]] = []  # user, course, lessons done, complete
        planned = 0

        def enrol(user: str, course: int, done_share: float | None = None) -> None:
            nonlocal planned
            lessons = plan.courses[course].lessons
            complete = done_share is None and rng.random() < 0.3
            if complete:
                k = len(lessons)
            else:
                share = rng.random() if done_share is None else done_share
                k = min(len(lessons) - 1, int(len(lessons) * share))
            enrolments.append((user, course, k, complete))
            planned += k if complete else k + 1

        members = learners[:CLASS_SIZE]
        plan.members = members
        in_class = set(members)
        for user in members:
            enrol(user, 0)
        for course in ada_course_indexes(size.courses):
            enrol(plan.ada, course, done_share=rng.uniform(0.2, 0.7))
        for user in learners:
            target = planned + budget * rng.uniform(0.5, 1.5)
            taken = {0} if user in in_class else set()
            while planned < target and planned < size.progress and len(taken) < 12:
                course = rng.choices(range(size.courses), cum_weights=weights)[0]
                if course in taken:
                    continue
                taken.add(course)
                enrol(user, course)
            if planned >= size.progress:
                break
        counts = [0] * size.courses
        for _, course, _, _ in enrolments:
            counts[course] += 1
        for n, row in enumerate(course_rows):
            row[15] = counts[n]

        started = time.perf_counter()
        rows = await writer.insert(
            "courses",
            ("id", "slug", "title", "summary", "description", "instructor_id", "category_id",
             "level", "premium", "state", "published_at", "issues_certificate", "lesson_count",
             "required_count", "duration_seconds", "enrolment_count", "created_at",
             "updated_at"),
            [tuple(r) for r in course_rows],
        )  # fmt: skip
        rows += await writer.insert(
            "course_modules",
            ("id", "course_id", "position", "title", "unlock_at", "requires_previous"),
            module_rows,
        )
        rows += await writer.insert(
            "lessons",
            ("id", "course_id", "module_id", "position", "kind", "title", "duration_seconds",
             "required", "video_id", "body", "sky", "completion_percent", "credits_from",
             "created_at", "updated_at"),
            lesson_rows,
        )  # fmt: skip
        rows += await writer.insert(
            "quizzes",
            ("id", "lesson_id", "passing_percent", "max_attempts", "time_limit_seconds",
             "shuffle", "feedback", "closes_at", "scoring"),
            quiz_rows,
        )  # fmt: skip
        rows += await writer.insert(
            "questions",
            ("id", "lesson_id", "quiz_id", "position", "prompt", "spec", "points", "at_seconds",
             "required", "version", "created_at", "updated_at"),
            question_rows,
        )  # fmt: skip
        done("courses, modules, lessons, quizzes", rows, started)

        # Enrolments with their roll-ups, and the progress rows behind them.
        def gen_enrolments() -> Iterator[_seed.Row]:
            for user, course, k, complete in enrolments:
                lessons = plan.courses[course].lessons
                enrolled = max(plan.courses[course].published, now - 300 * DAY) + rng.uniform(
                    0, 20 * DAY
                )
                active = min(now - 60, enrolled + rng.uniform(0, 60 * DAY))
                done_required = sum(1 for lesson in lessons[:k] if lesson.required)
                last = lessons[min(k, len(lessons) - 1)].id
                yield (
                    user, plan.courses[course].id, enrolled, active, done_required, k, last,
                    active if complete else None,
                )  # fmt: skip

        def gen_progress() -> Iterator[_seed.Row]:
            for user, course, k, complete in enrolments:
                lessons = plan.courses[course].lessons
                course_id = plan.courses[course].id
                t = now - rng.uniform(1, 60) * DAY
                for i, lesson in enumerate(lessons[: k if complete else k + 1]):
                    finished = i < k
                    d = float(lesson.duration)
                    covered = d if finished else round(d * rng.uniform(0.1, 0.6), 1)
                    ranges = [[0.0, covered]] if lesson.kind == "video" and covered else []
                    yield (
                        user, lesson.id, course_id, ranges,
                        covered if lesson.kind == "video" else 0.0, covered,
                        covered if lesson.kind == "video" else 120.0, t - 3600, t,
                        t if finished else None,
                    )  # fmt: skip
                    if not finished and lesson.kind == "video" and d > 60:
                        plan.watching.append((user, course, i))

        started = time.perf_counter()
        rows = await writer.insert(
            "enrolments",
            ("user_id", "course_id", "enrolled_at", "active_at", "completed_required",
             "completed_lessons", "last_lesson_id", "completed_at"),
            gen_enrolments(),
        )  # fmt: skip
        done("enrolments", rows, started)
        started = time.perf_counter()
        rows = await writer.insert(
            "lesson_progress",
            ("user_id", "lesson_id", "course_id", "ranges", "covered_seconds", "position",
             "time_spent_seconds", "started_at", "updated_at", "completed_at"),
            gen_progress(),
        )  # fmt: skip
        done("lesson_progress", rows, started)

        # The class: 200 learners on the 60-lesson course, with their quiz attempts.
        started = time.perf_counter()
        class_id = cat.new_id(now - 40 * DAY)
        rows = await writer.insert(
            "learning_classes",
            ("id", "teacher_id", "name", "join_code", "created_at"),
            [(class_id, plan.teacher, "Benchmark class", CLASS_CODE, now - 40 * DAY)],
        )
        rows += await writer.insert(
            "class_members",
            ("class_id", "user_id", "joined_at"),
            [(class_id, user, now - 39 * DAY) for user in members],
        )
        rows += await writer.insert(
            "class_assignments",
            ("id", "class_id", "course_id", "due_at", "created_at"),
            [(cat.new_id(now - 38 * DAY), class_id, plan.courses[0].id, now + 7 * DAY,
              now - 38 * DAY)],
        )  # fmt: skip
        quizzes = [lesson for lesson in plan.courses[0].lessons if lesson.kind == "quiz"]
        attempts = []
        for user, course, k, complete in enrolments:
            if course != 0 or user not in in_class:
                continue
            for lesson in plan.courses[0].lessons[: k if complete else k + 1]:
                if lesson.kind != "quiz":
                    continue
                score = rng.choice((0.6, 0.8, 1.0))
                t = now - rng.uniform(1, 30) * DAY
                attempts.append(
                    (cat.new_id(t), lesson.quiz_id, user, 1, rng.getrandbits(62), "submitted",
                     t, None, t + 300, None, None,
                     score if sqlite else Decimal(str(score)), score >= 0.7)
                )  # fmt: skip
        rows += await writer.insert(
            "quiz_attempts",
            ("id", "quiz_id", "user_id", "number", "seed", "state", "started_at", "deadline_at",
             "submitted_at", "latitude", "longitude", "score", "passed"),
            attempts,
        )  # fmt: skip
        done(f"class ({len(quizzes)} quizzes)", rows, started)

        started = time.perf_counter()
        await writer.commit()
        done("commit", 0, started)
        for table in ("users", "courses", "lessons", "enrolments", "lesson_progress"):
            plan.counts[table] = int(await writer.scalar(f"SELECT count(*) FROM {table}"))
    finally:
        await writer.close()
    started = time.perf_counter()
    await _seed.analyze(url)
    done("ANALYZE", 0, started)
    plan.counts["seconds"] = round(sum(step.seconds for step in steps))
    return plan


# ---------------------------------------------------------------------------
# In-process measurements: the services against naive recounts


@dataclass
class Row:
    name: str
    times: list[float]
    target: str | None = None
    anchor: str | None = None  # the name of the row this one is the naive version of
    # SQL statements per call, for the in-process rows: set by the `timed` just run
    # (its result is this row's `times`, evaluated right before the row is made).
    statements: float | None = field(
        default_factory=lambda: _STATEMENTS.pop() if _STATEMENTS else None
    )

    @property
    def p50(self) -> float:
        return statistics.median(self.times)

    @property
    def p95(self) -> float:
        return percentile(self.times, 0.95)


_STATEMENTS: list[float] = []
_COUNTER = [0]


def count_statements(db: Any) -> None:
    """Count every statement the database's engines send (see `Row.statements`)."""
    from sqlalchemy import event

    def counted(*_args: Any) -> None:
        _COUNTER[0] += 1

    for engine in {db.write_engine, db.read_engine}:
        event.listen(engine.sync_engine, "before_cursor_execute", counted)


async def timed(n: int, warmup: int, call: Callable[[int], Awaitable[object]]) -> list[float]:
    """n timings (ms) after `warmup` calls. A call that times only part of itself
    returns (ms, statements) of that part."""
    times = []
    statements = 0
    for i in range(warmup + n):
        before = _COUNTER[0]
        started = time.perf_counter()
        own = await call(i)
        elapsed = (time.perf_counter() - started) * 1000
        if i >= warmup:
            times.append(own[0] if isinstance(own, tuple) else elapsed)
            statements += own[1] if isinstance(own, tuple) else _COUNTER[0] - before
    _STATEMENTS[:] = [statements / max(1, n)]
    return times


async def in_process(url: str, plan: Plan, n: int, warmup: int) -> list[Row]:
    from sqlalchemy import case, func, select
    from sqlalchemy.ext.asyncio import AsyncSession

    from cosmostream.account.schemas import Actor
    from cosmostream.db import Database
    from cosmostream.engagement.signals import PlaybackStep
    from cosmostream.kit.ids import uuid7
    from cosmostream.kit.time import utcnow
    from cosmostream.learning.attempts import attempt_service
    from cosmostream.learning.browse import LearnFilters, browse_service
    from cosmostream.learning.catalog_repository import course_catalog_repository
    from cosmostream.learning.classes import class_service
    from cosmostream.learning.progress import progress_service
    from cosmostream.models import (
        AttemptState,
        ClassMember,
        Course,
        Enrolment,
        LearningClass,
        Lesson,
        LessonProgress,
        Quiz,
        QuizAttempt,
        User,
    )

    db = Database(url)
    count_statements(db)
    rows: list[Row] = []
    try:
        async with db.read() as session:
            ada_user = await session.scalar(select(User).where(User.email == ADA))
            assert ada_user is not None
        ada = Actor(user=ada_user, session_id=uuid7())
        topics = [None, "planets", "stars", "rockets", "education"]
        ada_slugs = [c.slug for c in ada_courses(plan)]

        # /learn: what the page reads (the catalogue, the paths, "My learning" on the
        # unfiltered page, the learner's class assignments).
        async def learn(i: int) -> None:
            topic = topics[i % len(topics)]
            async with db.read() as session:
                page = await browse_service.learn(session, ada, LearnFilters(topic=topic))
                await class_service.assignments_for(session, ada)
            assert page.courses.items
            assert topic is not None or (page.mine is not None and page.mine.in_progress)

        async def learn_naive(i: int) -> None:
            topic = topics[i % len(topics)]
            async with db.read() as session:
                page = await browse_service.learn(session, ada, LearnFilters(topic=topic))
                await class_service.assignments_for(session, ada)
                ids = [card.course.id for card in page.courses.items]
                await _lesson_totals(session, ids)
                await session.execute(
                    select(Enrolment.course_id, func.count())
                    .where(Enrolment.course_id.in_(ids))
                    .group_by(Enrolment.course_id)
                )
                # My learning, each course's progress recounted from the lesson rows.
                result = await session.execute(
                    select(
                        Enrolment.course_id,
                        func.count(LessonProgress.completed_at),
                    )
                    .join(
                        LessonProgress,
                        (LessonProgress.user_id == Enrolment.user_id)
                        & (LessonProgress.course_id == Enrolment.course_id),
                        isouter=True,
                    )
                    .where(Enrolment.user_id == ada.id)
                    .group_by(Enrolment.course_id)
                )
                mine = list(result)
                await _lesson_totals(session, [row[0] for row in mine])
            assert page.courses.items
            assert mine

        async def _lesson_totals(session: AsyncSession, ids: list[uuid.UUID]) -> None:
            await session.execute(
                select(
                    Lesson.course_id,
                    func.count(),
                    func.sum(case((Lesson.required, 1), else_=0)),
                    func.sum(Lesson.duration_seconds),
                )
                .where(Lesson.course_id.in_(ids))
                .group_by(Lesson.course_id)
            )

        rows.append(Row("/learn data (services)", await timed(n, warmup, learn), "learn"))
        rows.append(
            Row(
                "/learn data, naive recounts",
                await timed(n, warmup, learn_naive),
                anchor="/learn data (services)",
            )
        )

        # A course page: the syllabus with the learner's lesson states.
        async def course(i: int) -> None:
            async with db.read() as session:
                page = await browse_service.course(session, ada, ada_slugs[i % len(ada_slugs)])
            assert page.detail.enrolled

        async def course_naive(i: int) -> None:
            async with db.read() as session:
                page = await browse_service.course(session, ada, ada_slugs[i % len(ada_slugs)])
                detail = page.detail
                course_id = detail.card.course.id
                await _lesson_totals(session, [course_id])
                await session.scalar(
                    select(func.count())
                    .select_from(Enrolment)
                    .where(Enrolment.course_id == course_id)
                )
                await session.scalar(
                    select(func.count())
                    .select_from(LessonProgress)
                    .join(Lesson, Lesson.id == LessonProgress.lesson_id)
                    .where(
                        LessonProgress.course_id == course_id,
                        LessonProgress.user_id == ada.id,
                        LessonProgress.completed_at.is_not(None),
                        Lesson.required.is_(True),
                    )
                )
            assert detail.enrolled

        rows.append(Row("course page data (services)", await timed(n, warmup, course), "course"))
        rows.append(
            Row(
                "course page data, naive recounts",
                await timed(n, warmup, course_naive),
                anchor="course page data (services)",
            )
        )

        # The class table: 200 learners x 60 lessons, totals, cells and best scores.
        async with db.read() as session:
            class_id = await session.scalar(
                select(LearningClass.id).where(LearningClass.join_code == CLASS_CODE)
            )
        class_course = uuid.UUID(plan.courses[0].id)

        async with db.read() as session:
            vera_user = await session.scalar(select(User).where(User.id == uuid.UUID(plan.teacher)))
            assert vera_user is not None
        vera = Actor(user=vera_user, session_id=uuid7())

        async def service_table(i: int) -> None:
            async with db.read() as session:
                table = await class_service.progress_table(session, vera, class_id)
            assert len(table.rows) == CLASS_SIZE
            assert len(table.columns) == CLASS_LESSONS

        async def naive_table(i: int) -> int:
            """The anchor: the same table read naively, every cell typed (two UUIDs, a
            timestamp, two floats) and each learner's totals summed from the rows."""
            async with db.read() as session:
                members = list(
                    await session.scalars(
                        select(ClassMember.user_id).where(ClassMember.class_id == class_id)
                    )
                )
                _modules, lessons = await course_catalog_repository.syllabus(session, class_course)
                totals = await session.execute(
                    select(
                        LessonProgress.user_id,
                        func.count(LessonProgress.completed_at),
                        func.sum(LessonProgress.time_spent_seconds),
                    )
                    .where(
                        LessonProgress.course_id == class_course,
                        LessonProgress.user_id.in_(members),
                    )
                    .group_by(LessonProgress.user_id)
                )
                summary = list(totals)
                where = (
                    LessonProgress.course_id == class_course,
                    LessonProgress.user_id.in_(members),
                )
                cells = await session.execute(
                    select(
                        LessonProgress.user_id,
                        LessonProgress.lesson_id,
                        LessonProgress.completed_at,
                        LessonProgress.covered_seconds,
                        LessonProgress.time_spent_seconds,
                    ).where(*where)
                )
                grid = {(row[0], row[1]): row for row in cells}
                keys = members, [lesson.id for lesson in lessons]
                scores = await session.execute(
                    select(QuizAttempt.user_id, Quiz.lesson_id, func.max(QuizAttempt.score))
                    .join(Quiz, Quiz.id == QuizAttempt.quiz_id)
                    .join(Lesson, Lesson.id == Quiz.lesson_id)
                    .where(
                        Lesson.course_id == class_course,
                        QuizAttempt.user_id.in_(members),
                        QuizAttempt.state == AttemptState.SUBMITTED,
                    )
                    .group_by(QuizAttempt.user_id, Quiz.lesson_id)
                )
                best = {(row[0], row[1]): row[2] for row in scores}
            table = [[grid.get((m, lesson)) for lesson in keys[1]] for m in keys[0]]
            assert sum(cell is not None for line in table for cell in line) == len(grid)
            assert len(table) == CLASS_SIZE
            assert len(lessons) == CLASS_LESSONS
            return len(summary) + len(best)

        # Fewer samples: each reads 12,000 cells.
        k, w = max(20, n // 4), max(3, warmup // 4)
        rows.append(
            Row("class table 200 x 60 (service)", await timed(k, w, service_table), "class")
        )
        rows.append(
            Row("class table, typed cells, totals from rows", await timed(k, w, naive_table),
                anchor="class table 200 x 60 (service)")
        )  # fmt: skip

        # A heartbeat: the lesson's coverage, its completion and the course roll-up.
        watching = cycle(plan.watching[: n + warmup])

        def step(user: str, course: int, index: int) -> PlaybackStep:
            lesson = plan.courses[course].lessons[index]
            assert lesson.video_id is not None
            return PlaybackStep(
                user_id=uuid.UUID(user),
                video_id=uuid.UUID(lesson.video_id),
                duration=float(lesson.duration),
                from_position=1.0,
                to_position=16.0,
                elapsed_seconds=15.0,
                playing=True,
                at=utcnow(),
            )

        async def heartbeat(i: int) -> None:
            user, course, index = next(watching)
            async with db.unit_of_work() as session:
                await progress_service.on_playback(session, step(user, course, index))

        async def heartbeat_naive(i: int) -> None:
            user, course, index = next(watching)
            async with db.unit_of_work() as session:
                await progress_service.on_playback(session, step(user, course, index))
                course_id = uuid.UUID(plan.courses[course].id)
                await session.execute(
                    select(
                        func.count(LessonProgress.completed_at),
                        func.sum(case((Lesson.required, 1), else_=0)),
                    )
                    .join(Lesson, Lesson.id == LessonProgress.lesson_id)
                    .where(
                        LessonProgress.user_id == uuid.UUID(user),
                        LessonProgress.course_id == course_id,
                        LessonProgress.completed_at.is_not(None),
                    )
                )
                await session.scalar(select(Course.required_count).where(Course.id == course_id))

        rows.append(
            Row("heartbeat -> course roll-up", await timed(n, warmup, heartbeat), "heartbeat")
        )
        rows.append(
            Row(
                "heartbeat, course recounted",
                await timed(n, warmup, heartbeat_naive),
                anchor="heartbeat -> course roll-up",
            )
        )

        # Quiz submission through the service (the attempt started first, untimed).
        quizzes, skies = quiz_lessons(plan)

        def submitting(
            lessons: list[LessonRow], answers: list[dict[str, Any]]
        ) -> Callable[[int], Awaitable[tuple[float, int]]]:
            async def submit(i: int) -> tuple[float, int]:
                lesson = lessons[i % len(lessons)]
                assert lesson.quiz_id is not None
                async with db.unit_of_work() as session:
                    view = await attempt_service.start(session, ada, uuid.UUID(lesson.quiz_id))
                given = {uuid.UUID(q): a for q, a in zip(lesson.questions, answers, strict=True)}
                before = _COUNTER[0]
                started = time.perf_counter()
                async with db.unit_of_work() as session:
                    result = await attempt_service.submit(session, ada, view.attempt.id, given)
                elapsed = (time.perf_counter() - started) * 1000
                assert result.passed
                return elapsed, _COUNTER[0] - before

            return submit

        rows.append(
            Row("submit quiz (service)", await timed(n, warmup, submitting(quizzes, QUIZ_ANSWERS)),
                "submit")
        )  # fmt: skip
        rows.append(
            Row("submit sky-pointing (service)",
                await timed(n, warmup, submitting(skies, [_sky_answer()])), "sky")
        )  # fmt: skip
    finally:
        await db.dispose()
    return rows


# ---------------------------------------------------------------------------
# Through the real app

LOGIN = "mutation($email: String!, $password: String!) { login(email: $email, password: $password) { accessToken } }"
VERA = "vera@example.com"
VERA_PASSWORD = "dark-matter-halo"
START = """
mutation Start($quizId: ID!) {
  startQuizAttempt(quizId: $quizId) { id questions { id kind options { id } } }
}
"""
SUBMIT = """
mutation Submit($attemptId: ID!, $answers: [AnswerInput!]) {
  submitQuizAttempt(attemptId: $attemptId, answers: $answers) {
    score passed questions { questionId score feedback explanation }
  }
}
"""


def over_http(url: str, plan: Plan, n: int, warmup: int) -> list[Row]:
    env = {"DATABASE_URL": url.replace("+aiosqlite", "").replace("+asyncpg", "")}
    rows: list[Row] = []
    class_id = asyncio.run(_class_id(url))
    mine = ada_courses(plan)
    quizzes, skies = quiz_lessons(plan)
    with running_server("web", env) as server, httpx.Client(base_url=server.url) as client:

        def token(email: str, password: str) -> str:
            login = client.post(
                "/graphql",
                json={"query": LOGIN, "variables": {"email": email, "password": password}},
            )
            return str(login.json()["data"]["login"]["accessToken"])

        ada_token = token(ADA, ADA_PASSWORD)
        headers = {"Authorization": f"Bearer {ada_token}"}
        # The pages read the access cookie (the page benchmarks sign in the same way).
        ada_cookie = {"Cookie": f"cs_access={ada_token}"}
        vera_cookie = {"Cookie": f"cs_access={token(VERA, VERA_PASSWORD)}"}

        def gql(query: str, variables: dict[str, Any]) -> dict[str, Any]:
            response = client.post(
                "/graphql", json={"query": query, "variables": variables}, headers=headers
            )
            assert response.status_code == 200, response.text[:300]
            body: dict[str, Any] = response.json()
            assert "errors" not in body, body["errors"]
            return body

        def sample(call: Callable[[int], object], n: int = n, warmup: int = warmup) -> list[float]:
            times = []
            for i in range(warmup + n):
                started = time.perf_counter()
                call(i)
                elapsed = (time.perf_counter() - started) * 1000
                if i >= warmup:
                    times.append(elapsed)
            return times

        def page(path: str, cookie: dict[str, str], expect: str) -> None:
            response = client.get(path, headers=cookie)
            assert response.status_code == 200, (path, response.status_code)
            assert expect in response.text, (path, expect)

        def healthz(i: int) -> None:
            assert client.get("/healthz").status_code == 200

        topics = [None, "planets", "stars", "rockets", "education"]

        def learn(i: int) -> None:
            topic = topics[i % len(topics)]
            # The unfiltered page shows "My learning": her courses in progress.
            page("/learn" + (f"?topic={topic}" if topic else ""), ada_cookie,
                 "Course " if topic else "my-learning-heading")  # fmt: skip

        def course(i: int) -> None:
            slug = mine[i % len(mine)].slug
            page(f"/courses/{slug}", ada_cookie, "Lesson 1")

        def classroom(i: int) -> None:
            page(f"/classes/{class_id}", vera_cookie, "class-table")

        rows.append(Row("GET /healthz (anchor)", sample(healthz)))
        rows.append(Row("GET /learn (page)", sample(learn), "learn"))
        rows.append(Row("GET /courses/<slug> (page)", sample(course), "course"))
        k, w = max(20, n // 4), max(3, warmup // 4)
        rows.append(Row("GET /classes/<id> (teacher's table)", sample(classroom, k, w), "class"))

        def submissions(lessons: list[LessonRow], answers: list[dict[str, Any]]) -> list[float]:
            times = []
            for i in range(warmup + n):
                lesson = lessons[i % len(lessons)]
                body = gql(START, {"quizId": lesson.quiz_id})
                attempt = body["data"]["startQuizAttempt"]["id"]
                given = [
                    {"questionId": q, **a} for q, a in zip(lesson.questions, answers, strict=True)
                ]
                started = time.perf_counter()
                result = gql(SUBMIT, {"attemptId": attempt, "answers": given})
                elapsed = (time.perf_counter() - started) * 1000
                assert result["data"]["submitQuizAttempt"]["passed"], result
                if i >= warmup:
                    times.append(elapsed)
            return times

        rows.append(Row("submit quiz (5 questions, graded)", submissions(quizzes, QUIZ_ANSWERS),
                        "submit"))  # fmt: skip
        sky_answer = _sky_answer()
        rows.append(Row("submit sky-pointing question", submissions(skies, [sky_answer]), "sky"))
    return rows


async def _class_id(url: str) -> str:
    from sqlalchemy import select

    from cosmostream.db import Database
    from cosmostream.models import LearningClass

    db = Database(url, pooled=False)
    try:
        async with db.read() as session:
            return str(
                await session.scalar(
                    select(LearningClass.id).where(LearningClass.join_code == CLASS_CODE)
                )
            )
    finally:
        await db.dispose()


def quiz_lessons(plan: Plan) -> tuple[list[LessonRow], list[LessonRow]]:
    """The quiz lessons and the sky activities of the demo viewer's courses (with the
    first sky activity of all when hers have none: `_paths_and_sky` enrols her)."""
    mine = ada_courses(plan)
    quizzes = [lesson for c in mine for lesson in c.lessons if lesson.kind == "quiz"]
    skies = [lesson for c in mine for lesson in c.lessons if lesson.kind == "sky"]
    if not skies:
        skies = [lesson for c in plan.courses for lesson in c.lessons if lesson.kind == "sky"][:1]
    return quizzes, skies


def _sky_answer() -> dict[str, Any]:
    from cosmostream.learning import grading

    altitude, azimuth = grading.apparent_altaz(
        SKY_SPEC["target"],
        SKY_SPEC["latitude"],
        SKY_SPEC["longitude"],
        datetime.fromisoformat(SKY_SPEC["at"]),
    )
    return {"altitude": altitude, "azimuth": azimuth}


# ---------------------------------------------------------------------------


@dataclass
class Result:
    backend: str
    plan: Plan
    rows: list[Row]


def run(
    backend: str, size: Size, n: int, warmup: int, keep: Path | None = None, seed_only: bool = False
) -> Result:
    database = sqlite_database if backend == "sqlite" else postgres_database
    saved = keep / f"learning-{backend}.plan" if keep else None
    with (
        kept_database(backend, keep, fresh=saved is None or not saved.exists())
        if keep
        else (database()) as url
    ):
        if saved is not None and saved.exists():
            plan = pickle.loads(saved.read_bytes())
            print(f"== {backend}: the database kept in {keep} (seeded {plan.counts})")
        else:
            print(
                f"== {backend}: seeding {size.courses:,} courses, {size.learners:,} learners, "
                f"{size.progress:,} lesson-progress rows"
            )
            upgrade(url)
            plan = asyncio.run(seed(url, size))
            asyncio.run(_paths_and_sky(url, plan))
            if saved is not None:
                saved.write_bytes(pickle.dumps(plan))
        if seed_only:
            return Result(backend, plan, [])
        # The plan (a few hundred thousand objects) is the harness's, not the app's:
        # keep it out of the collector's full passes, which would land in the timings.
        gc.collect()
        gc.freeze()
        rows = asyncio.run(in_process(url, plan, n, warmup))
        rows += over_http(url, plan, n, warmup)
    return Result(backend, plan, rows)


@contextmanager
def kept_database(backend: str, keep: Path, fresh: bool) -> Iterator[str]:
    """A database that outlives the run (`--keep DIR`): seeded once, measured again.
    The measurements add heartbeats and attempts to it; reseed for a clean record."""
    keep.mkdir(parents=True, exist_ok=True)
    if backend == "sqlite":
        path = keep / "learning.db"
        if fresh:
            path.unlink(missing_ok=True)
        yield f"sqlite+aiosqlite:///{path}"
        return
    import asyncpg  # type: ignore[import-untyped]
    from discovery import PG_ADMIN

    from cosmostream.config import normalize_database_url

    name = "cosmostream_bench_learning_kept"

    async def admin() -> None:
        conn = await asyncpg.connect(PG_ADMIN)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()

    if fresh:
        asyncio.run(admin())
    yield normalize_database_url(PG_ADMIN.rsplit("/", 1)[0] + f"/{name}")


async def _paths_and_sky(url: str, plan: Plan) -> None:
    """Two learning paths of ten courses (through the path service), and a course
    with a sky activity for the demo viewer when hers have none (sky submissions)."""
    from sqlalchemy import select

    from cosmostream.account.schemas import Actor
    from cosmostream.db import Database
    from cosmostream.kit.ids import uuid7
    from cosmostream.learning.courses import course_service
    from cosmostream.learning.paths import path_service
    from cosmostream.models import User

    db = Database(url, pooled=False)
    try:
        async with db.unit_of_work() as session:
            users = {
                u.email: Actor(user=u, session_id=uuid7())
                for u in await session.scalars(
                    select(User).where(User.email.in_([ADA, "vera@example.com"]))
                )
            }
            for p in range(2):
                vera = users["vera@example.com"]
                path = await path_service.create(session, vera, f"Benchmark path {p}")
                for k in range(10):
                    course = plan.courses[1 + p * 10 + k]
                    await path_service.add_course(session, vera, path.slug, course.slug)
                await path_service.publish(session, vera, path.slug)
            if not any(lesson.kind == "sky" for c in ada_courses(plan) for lesson in c.lessons):
                course = next(
                    c for c in plan.courses if any(lesson.kind == "sky" for lesson in c.lessons)
                )
                await course_service.enrol(session, users[ADA], course.slug)
    finally:
        await db.dispose()


def report(result: Result) -> list[str]:
    missed = []
    plan = result.plan
    print(f"\n== {result.backend}")
    print(
        "seeded: "
        + ", ".join(f"{k} {v:,}" for k, v in plan.counts.items() if k != "seconds")
        + f" in {plan.counts.get('seconds', 0)} s"
    )
    by_name = {row.name: row for row in result.rows}
    healthz = by_name.get("GET /healthz (anchor)")
    print(f"\n{'measurement':40} {'p50 ms':>8} {'p95 ms':>8} {'target':>8} {'ratio':>8} {'SQL':>6}")
    for row in result.rows:
        target = TARGETS_MS.get(row.target or "")
        if row.anchor:
            ratio = f"{row.p95 / by_name[row.anchor].p95:7.2f}x"  # naive / roll-up
        elif healthz is not None and row.statements is None and row is not healthz:
            ratio = f"{row.p95 / healthz.p95:7.1f}h"  # against /healthz
        else:
            ratio = ""
        shown = f"{target:g}" if target else ""
        sql = f"{row.statements:6.1f}" if row.statements is not None else ""
        print(f"{row.name:40} {row.p50:8.2f} {row.p95:8.2f} {shown:>8} {ratio:>8} {sql:>6}")
        if target is not None and row.p95 > target:
            missed.append(f"{result.backend} {row.name} p95 {row.p95:.1f} ms > {target:g}")
    return missed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="shrink the data (0.1: a tenth)")
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument(
        "--keep", type=Path, help="keep the seeded databases in DIR and reuse them when there"
    )
    parser.add_argument("--seed-only", action="store_true", help="seed (with --keep), no runs")
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    if "postgresql" in backends and not postgres_available():
        if args.backend == "postgresql":
            sys.exit("PostgreSQL is not reachable")
        print("PostgreSQL is not reachable: measuring SQLite only")
        backends.remove("postgresql")
    size = Size.scaled(args.scale)
    print(
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs, "
        f"{platform.platform()}, Python {platform.python_version()}, scale {args.scale:g}"
    )
    started = os.getloadavg()[0]
    results = [
        run(backend, size, args.samples, 20, args.keep, args.seed_only) for backend in backends
    ]
    if args.seed_only:
        return
    print(
        f"\nload average (1 min): {started:.2f} at the start, {os.getloadavg()[0]:.2f} at the end"
    )
    print("ratio: x = naive recount p95 / roll-up p95 (same run); h = p95 / GET /healthz p95")
    missed = [m for r in results for m in report(r)]
    print(
        "\ntargets (/learn, course p95 <= 50 ms; submit <= 30, sky <= 60; class table <= 150; "
        "heartbeat roll-up <= 5): " + ("met" if not missed else "NOT met: " + "; ".join(missed))
    )


if __name__ == "__main__":
    main()
