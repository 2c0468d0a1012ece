"""Learning: paths of courses, courses of modules and lessons, quizzes with every
attempt and answer step kept, progress rolled up per learner, certificates and
classes.

Roll-ups: `LessonProgress` holds what one learner did in one lesson (watched
ranges, completion); `Enrolment` holds their course totals, updated in the
same unit of work as the lesson progress that changes them, so `/learn` and a
course page read one row per course instead of recounting lessons.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Enum,
    Float,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column

from cosmostream.kit.time import utcnow
from cosmostream.models.base import Base, IdMixin, TimestampMixin


def _enum(cls: type[StrEnum], length: int) -> Enum:
    return Enum(
        cls, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e]
    )


class Level(StrEnum):
    BEGINNER = "beginner"
    INTERMEDIATE = "intermediate"
    ADVANCED = "advanced"


class PublishState(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    ARCHIVED = "archived"


class LessonKind(StrEnum):
    VIDEO = "video"
    ARTICLE = "article"
    SKY = "sky"
    QUIZ = "quiz"


class PathOrder(StrEnum):
    SEQUENTIAL = "sequential"
    FREE = "free"


class FeedbackTiming(StrEnum):
    AFTER_SUBMIT = "after_submit"
    AFTER_CLOSE = "after_close"


class AttemptScoring(StrEnum):
    BEST = "best"
    LAST = "last"


class AttemptState(StrEnum):
    OPEN = "open"
    SUBMITTED = "submitted"


class StepKind(StrEnum):
    SAVE = "save"  # the learner saved an answer (not graded yet)
    SUBMIT = "submit"  # graded when the attempt was submitted
    REGRADE = "regrade"  # graded again after the author fixed the question


class Course(IdMixin, TimestampMixin, Base):
    __tablename__ = "courses"
    __table_args__ = (
        # /learn lists published courses newest first, by topic and level.
        Index("ix_courses_state_published", "state", "published_at", "id"),
        Index("ix_courses_category_state", "category_id", "state", "published_at"),
        Index("ix_courses_instructor", "instructor_id", "updated_at"),
    )

    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(500), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    instructor_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    category_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("categories.id", ondelete="SET NULL")
    )
    level: Mapped[Level] = mapped_column(_enum(Level, 16), default=Level.BEGINNER)
    # Premium access is wired to entitlements by the billing issue.
    premium: Mapped[bool] = mapped_column(default=False, server_default=false())
    state: Mapped[PublishState] = mapped_column(_enum(PublishState, 16), default=PublishState.DRAFT)
    published_at: Mapped[datetime | None]
    issues_certificate: Mapped[bool] = mapped_column(default=True, server_default=true())
    forum_category_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("forum_categories.id", ondelete="SET NULL")
    )
    # Roll-ups of the published syllabus, kept by the service that edits it.
    lesson_count: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    required_count: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    duration_seconds: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    enrolment_count: Mapped[int] = mapped_column(default=0, server_default=text("0"))


class CoursePrerequisite(Base):
    __tablename__ = "course_prerequisites"
    __table_args__ = (CheckConstraint("course_id <> requires_id", name="not_itself"),)

    course_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True
    )
    requires_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True
    )


class CourseModule(IdMixin, Base):
    __tablename__ = "course_modules"
    __table_args__ = (Index("ix_course_modules_course", "course_id", "position"),)

    course_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    position: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    unlock_at: Mapped[datetime | None]
    requires_previous: Mapped[bool] = mapped_column(default=False, server_default=false())


class Lesson(IdMixin, TimestampMixin, Base):
    __tablename__ = "lessons"
    __table_args__ = (
        Index("ix_lessons_module", "module_id", "position"),
        Index("ix_lessons_course", "course_id"),
        Index("ix_lessons_video", "video_id"),
    )

    course_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    module_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("course_modules.id", ondelete="CASCADE")
    )
    position: Mapped[int]
    kind: Mapped[LessonKind] = mapped_column(_enum(LessonKind, 16))
    title: Mapped[str] = mapped_column(String(200))
    duration_seconds: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    required: Mapped[bool] = mapped_column(default=True, server_default=true())
    video_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("videos.id", ondelete="SET NULL"))
    # An article's Markdown, or a sky activity's task.
    body: Mapped[str] = mapped_column(Text, default="")
    # A sky activity's view: {"lat", "lon", "at", "alt", "az", "fov"}.
    sky: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # A video lesson is complete at this share of the video watched …
    completion_percent: Mapped[int] = mapped_column(default=90, server_default=text("90"))
    # … not counting what comes after this second (the end credits).
    credits_from: Mapped[float | None] = mapped_column(Float)


class Quiz(IdMixin, Base):
    __tablename__ = "quizzes"

    lesson_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("lessons.id", ondelete="CASCADE"), unique=True
    )
    passing_percent: Mapped[int] = mapped_column(default=70, server_default=text("70"))
    max_attempts: Mapped[int | None]
    time_limit_seconds: Mapped[int | None]
    shuffle: Mapped[bool] = mapped_column(default=True, server_default=true())
    feedback: Mapped[FeedbackTiming] = mapped_column(
        _enum(FeedbackTiming, 16), default=FeedbackTiming.AFTER_SUBMIT
    )
    closes_at: Mapped[datetime | None]
    scoring: Mapped[AttemptScoring] = mapped_column(
        _enum(AttemptScoring, 8), default=AttemptScoring.BEST
    )


class Question(IdMixin, TimestampMixin, Base):
    """A question of a quiz, or one asked inside a video lesson at `at_seconds`."""

    __tablename__ = "questions"
    __table_args__ = (
        Index("ix_questions_lesson", "lesson_id", "position"),
        Index("ix_questions_quiz", "quiz_id", "position"),
    )

    lesson_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"))
    quiz_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("quizzes.id", ondelete="CASCADE"))
    position: Mapped[int]
    prompt: Mapped[str] = mapped_column(Text)
    # The grading spec (learning/grading.py): it holds the answer, so it never
    # leaves the server.
    spec: Mapped[dict[str, Any]] = mapped_column(JSON)
    points: Mapped[int] = mapped_column(default=1, server_default=text("1"))
    at_seconds: Mapped[float | None] = mapped_column(Float)
    required: Mapped[bool] = mapped_column(default=True, server_default=true())
    # Bumped when the author changes the spec: answer steps record the version
    # they were graded against, and a regrade grades them against the new one.
    version: Mapped[int] = mapped_column(default=1, server_default=text("1"))


class QuizAttempt(IdMixin, Base):
    __tablename__ = "quiz_attempts"
    __table_args__ = (
        # Two requests starting the same attempt number: one wins.
        UniqueConstraint("quiz_id", "user_id", "number", name="uq_quiz_attempts_number"),
        Index("ix_quiz_attempts_user", "user_id", "started_at"),
        # Open attempts whose time ran out, for the worker to grade.
        Index("ix_quiz_attempts_open_deadline", "state", "deadline_at"),
    )

    quiz_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("quizzes.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    number: Mapped[int]
    # Shuffles and per-learner parameters come from it; never sent to the client.
    seed: Mapped[int] = mapped_column(BigInteger)
    state: Mapped[AttemptState] = mapped_column(_enum(AttemptState, 16), default=AttemptState.OPEN)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    deadline_at: Mapped[datetime | None]
    submitted_at: Mapped[datetime | None]
    # The place a learner gave for questions about their own sky.
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    # Share of the points earned (0 to 1) and the verdict, decided exactly
    # (as fractions) when graded; kept for listing.
    score: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    passed: Mapped[bool | None]


class AnswerStep(IdMixin, Base):
    """Every answer a learner saved or submitted, and every (re)grading of it."""

    __tablename__ = "answer_steps"
    __table_args__ = (
        Index("ix_answer_steps_attempt", "attempt_id", "question_id", "created_at"),
        Index("ix_answer_steps_question", "question_id"),
    )

    attempt_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("quiz_attempts.id", ondelete="CASCADE")
    )
    question_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"))
    question_version: Mapped[int]
    kind: Mapped[StepKind] = mapped_column(_enum(StepKind, 16))
    response: Mapped[dict[str, Any]] = mapped_column(JSON)
    score: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Enrolment(Base):
    __tablename__ = "enrolments"
    __table_args__ = (
        Index("ix_enrolments_course", "course_id", "enrolled_at"),
        # "My learning": a learner's courses, most recently active first.
        Index("ix_enrolments_user_active", "user_id", "active_at"),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    course_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True
    )
    enrolled_at: Mapped[datetime] = mapped_column(default=utcnow)
    active_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Roll-up of the learner's lesson progress in this course.
    completed_required: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    completed_lessons: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    last_lesson_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("lessons.id", ondelete="SET NULL")
    )
    completed_at: Mapped[datetime | None]


class LessonProgress(Base):
    __tablename__ = "lesson_progress"
    __table_args__ = (Index("ix_lesson_progress_course", "course_id", "user_id"),)

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    lesson_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("lessons.id", ondelete="CASCADE"), primary_key=True
    )
    course_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    # Watched stretches of a video lesson (learning/coverage.py), merged.
    ranges: Mapped[list[list[float]]] = mapped_column(JSON, default=list)
    covered_seconds: Mapped[float] = mapped_column(Float, default=0.0, server_default=text("0"))
    position: Mapped[float] = mapped_column(Float, default=0.0, server_default=text("0"))
    time_spent_seconds: Mapped[float] = mapped_column(Float, default=0.0, server_default=text("0"))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set once, never cleared: a rewatch does not undo completion.
    completed_at: Mapped[datetime | None]


class LearningPath(IdMixin, TimestampMixin, Base):
    __tablename__ = "learning_paths"
    __table_args__ = (Index("ix_learning_paths_state_published", "state", "published_at"),)

    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    level: Mapped[Level] = mapped_column(_enum(Level, 16), default=Level.BEGINNER)
    order: Mapped[PathOrder] = mapped_column(_enum(PathOrder, 16), default=PathOrder.SEQUENTIAL)
    state: Mapped[PublishState] = mapped_column(_enum(PublishState, 16), default=PublishState.DRAFT)
    published_at: Mapped[datetime | None]


class PathCourse(Base):
    __tablename__ = "path_courses"
    __table_args__ = (Index("ix_path_courses_course", "course_id"),)

    path_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("learning_paths.id", ondelete="CASCADE"), primary_key=True
    )
    course_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int]


class Certificate(IdMixin, Base):
    __tablename__ = "certificates"
    __table_args__ = (UniqueConstraint("user_id", "course_id", name="uq_certificates_user_course"),)

    # What anyone types at /certificates/<code> to check it.
    code: Mapped[str] = mapped_column(String(24), unique=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    course_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)


class LearningClass(IdMixin, Base):
    __tablename__ = "learning_classes"
    __table_args__ = (Index("ix_learning_classes_teacher", "teacher_id", "created_at"),)

    teacher_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    join_code: Mapped[str] = mapped_column(String(24), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    archived_at: Mapped[datetime | None]


class ClassMember(Base):
    __tablename__ = "class_members"
    __table_args__ = (Index("ix_class_members_user", "user_id"),)

    class_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("learning_classes.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)


class ClassAssignment(IdMixin, Base):
    __tablename__ = "class_assignments"
    __table_args__ = (
        Index("ix_class_assignments_class", "class_id", "due_at"),
        CheckConstraint("(course_id IS NULL) <> (path_id IS NULL)", name="a_course_or_a_path"),
    )

    class_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("learning_classes.id", ondelete="CASCADE")
    )
    course_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("courses.id", ondelete="CASCADE")
    )
    path_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("learning_paths.id", ondelete="CASCADE")
    )
    due_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
