"""learning

Courses of modules and lessons, learning paths, quizzes with their questions,
attempts and answer steps, enrolments and lesson progress (the roll-ups),
certificates and classes (models/learning.py).

Revision ID: 7c1e2a9d4b60
Revises: 7c7ddd4e1fca
Create Date: 2026-12-07 15:19:43
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import cosmostream.models.base

revision: str = "7c1e2a9d4b60"
down_revision: str | None = "7c7ddd4e1fca"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "courses",
        sa.Column("slug", sa.String(length=80), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("summary", sa.String(length=500), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("instructor_id", sa.Uuid(), nullable=False),
        sa.Column("category_id", sa.Uuid(), nullable=True),
        sa.Column(
            "level",
            sa.Enum(
                "beginner", "intermediate", "advanced", name="level", native_enum=False, length=16
            ),
            nullable=False,
        ),
        sa.Column("premium", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "draft", "published", "archived", name="publishstate", native_enum=False, length=16
            ),
            nullable=False,
        ),
        sa.Column(
            "published_at", cosmostream.models.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("issues_certificate", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("forum_category_id", sa.Uuid(), nullable=True),
        sa.Column("lesson_count", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("required_count", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("duration_seconds", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("enrolment_count", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", cosmostream.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", cosmostream.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["categories.id"],
            name=op.f("fk_courses_category_id_categories"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["forum_category_id"],
            ["forum_categories.id"],
            name=op.f("fk_courses_forum_category_id_forum_categories"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["instructor_id"],
            ["users.id"],
            name=op.f("fk_courses_instructor_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_courses")),
        sa.UniqueConstraint("slug", name=op.f("uq_courses_slug")),
    )
    with op.batch_alter_table("courses", schema=None) as batch_op:
        batch_op.create_index(
            "ix_courses_category_state", ["category_id", "state", "published_at"], unique=False
        )
        batch_op.create_index(
            "ix_courses_instructor", ["instructor_id", "updated_at"], unique=False
        )
        batch_op.create_index(
            "ix_courses_state_published", ["state", "published_at", "id"], unique=False
        )

    op.create_table(
        "learning_classes",
        sa.Column("teacher_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("join_code", sa.String(length=24), nullable=False),
        sa.Column("created_at", cosmostream.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("archived_at", cosmostream.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["teacher_id"],
            ["users.id"],
            name=op.f("fk_learning_classes_teacher_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_learning_classes")),
        sa.UniqueConstraint("join_code", name=op.f("uq_learning_classes_join_code")),
    )
    with op.batch_alter_table("learning_classes", schema=None) as batch_op:
        batch_op.create_index(
            "ix_learning_classes_teacher", ["teacher_id", "created_at"], unique=False
        )

    op.create_table(
        "learning_paths",
        sa.Column("slug", sa.String(length=80), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=False),
        sa.Column(
            "level",
            sa.Enum(
                "beginner", "intermediate", "advanced", name="level", native_enum=False, length=16
            ),
            nullable=False,
        ),
        sa.Column(
            "order",
            sa.Enum("sequential", "free", name="pathorder", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column(
            "state",
            sa.Enum(
                "draft", "published", "archived", name="publishstate", native_enum=False, length=16
            ),
            nullable=False,
        ),
        sa.Column(
            "published_at", cosmostream.models.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", cosmostream.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", cosmostream.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_learning_paths_author_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_learning_paths")),
        sa.UniqueConstraint("slug", name=op.f("uq_learning_paths_slug")),
    )
    with op.batch_alter_table("learning_paths", schema=None) as batch_op:
        batch_op.create_index(
            "ix_learning_paths_state_published", ["state", "published_at"], unique=False
        )

    op.create_table(
        "certificates",
        sa.Column("code", sa.String(length=24), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("course_id", sa.Uuid(), nullable=False),
        sa.Column("issued_at", cosmostream.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["courses.id"],
            name=op.f("fk_certificates_course_id_courses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_certificates_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificates")),
        sa.UniqueConstraint("code", name=op.f("uq_certificates_code")),
        sa.UniqueConstraint("user_id", "course_id", name="uq_certificates_user_course"),
    )
    op.create_table(
        "class_assignments",
        sa.Column("class_id", sa.Uuid(), nullable=False),
        sa.Column("course_id", sa.Uuid(), nullable=True),
        sa.Column("path_id", sa.Uuid(), nullable=True),
        sa.Column("due_at", cosmostream.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", cosmostream.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "(course_id IS NULL) <> (path_id IS NULL)",
            name=op.f("ck_class_assignments_a_course_or_a_path"),
        ),
        sa.ForeignKeyConstraint(
            ["class_id"],
            ["learning_classes.id"],
            name=op.f("fk_class_assignments_class_id_learning_classes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["courses.id"],
            name=op.f("fk_class_assignments_course_id_courses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["path_id"],
            ["learning_paths.id"],
            name=op.f("fk_class_assignments_path_id_learning_paths"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_class_assignments")),
    )
    with op.batch_alter_table("class_assignments", schema=None) as batch_op:
        batch_op.create_index("ix_class_assignments_class", ["class_id", "due_at"], unique=False)

    op.create_table(
        "class_members",
        sa.Column("class_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("joined_at", cosmostream.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["class_id"],
            ["learning_classes.id"],
            name=op.f("fk_class_members_class_id_learning_classes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_class_members_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("class_id", "user_id", name=op.f("pk_class_members")),
    )
    with op.batch_alter_table("class_members", schema=None) as batch_op:
        batch_op.create_index("ix_class_members_user", ["user_id"], unique=False)

    op.create_table(
        "course_modules",
        sa.Column("course_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("unlock_at", cosmostream.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("requires_previous", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["courses.id"],
            name=op.f("fk_course_modules_course_id_courses"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_course_modules")),
    )
    with op.batch_alter_table("course_modules", schema=None) as batch_op:
        batch_op.create_index("ix_course_modules_course", ["course_id", "position"], unique=False)

    op.create_table(
        "course_prerequisites",
        sa.Column("course_id", sa.Uuid(), nullable=False),
        sa.Column("requires_id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "course_id <> requires_id", name=op.f("ck_course_prerequisites_not_itself")
        ),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["courses.id"],
            name=op.f("fk_course_prerequisites_course_id_courses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["requires_id"],
            ["courses.id"],
            name=op.f("fk_course_prerequisites_requires_id_courses"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("course_id", "requires_id", name=op.f("pk_course_prerequisites")),
    )
    op.create_table(
        "path_courses",
        sa.Column("path_id", sa.Uuid(), nullable=False),
        sa.Column("course_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["courses.id"],
            name=op.f("fk_path_courses_course_id_courses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["path_id"],
            ["learning_paths.id"],
            name=op.f("fk_path_courses_path_id_learning_paths"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("path_id", "course_id", name=op.f("pk_path_courses")),
    )
    with op.batch_alter_table("path_courses", schema=None) as batch_op:
        batch_op.create_index("ix_path_courses_course", ["course_id"], unique=False)

    op.create_table(
        "lessons",
        sa.Column("course_id", sa.Uuid(), nullable=False),
        sa.Column("module_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "video", "article", "sky", "quiz", name="lessonkind", native_enum=False, length=16
            ),
            nullable=False,
        ),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("duration_seconds", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("required", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("video_id", sa.Uuid(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("sky", sa.JSON(), nullable=True),
        sa.Column(
            "completion_percent", sa.Integer(), server_default=sa.text("(90)"), nullable=False
        ),
        sa.Column("credits_from", sa.Float(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", cosmostream.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", cosmostream.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["courses.id"],
            name=op.f("fk_lessons_course_id_courses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["module_id"],
            ["course_modules.id"],
            name=op.f("fk_lessons_module_id_course_modules"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["video_id"],
            ["videos.id"],
            name=op.f("fk_lessons_video_id_videos"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lessons")),
    )
    with op.batch_alter_table("lessons", schema=None) as batch_op:
        batch_op.create_index("ix_lessons_course", ["course_id"], unique=False)
        batch_op.create_index("ix_lessons_module", ["module_id", "position"], unique=False)
        batch_op.create_index("ix_lessons_video", ["video_id"], unique=False)

    op.create_table(
        "enrolments",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("course_id", sa.Uuid(), nullable=False),
        sa.Column(
            "enrolled_at", cosmostream.models.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("active_at", cosmostream.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("completed_required", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("completed_lessons", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("last_lesson_id", sa.Uuid(), nullable=True),
        sa.Column(
            "completed_at", cosmostream.models.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["courses.id"],
            name=op.f("fk_enrolments_course_id_courses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["last_lesson_id"],
            ["lessons.id"],
            name=op.f("fk_enrolments_last_lesson_id_lessons"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_enrolments_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", "course_id", name=op.f("pk_enrolments")),
    )
    with op.batch_alter_table("enrolments", schema=None) as batch_op:
        batch_op.create_index("ix_enrolments_course", ["course_id", "enrolled_at"], unique=False)
        batch_op.create_index("ix_enrolments_user_active", ["user_id", "active_at"], unique=False)

    op.create_table(
        "lesson_progress",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("lesson_id", sa.Uuid(), nullable=False),
        sa.Column("course_id", sa.Uuid(), nullable=False),
        sa.Column("ranges", sa.JSON(), nullable=False),
        sa.Column("covered_seconds", sa.Float(), server_default=sa.text("0"), nullable=False),
        sa.Column("position", sa.Float(), server_default=sa.text("0"), nullable=False),
        sa.Column("time_spent_seconds", sa.Float(), server_default=sa.text("0"), nullable=False),
        sa.Column("started_at", cosmostream.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", cosmostream.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "completed_at", cosmostream.models.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["courses.id"],
            name=op.f("fk_lesson_progress_course_id_courses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["lesson_id"],
            ["lessons.id"],
            name=op.f("fk_lesson_progress_lesson_id_lessons"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_lesson_progress_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "lesson_id", name=op.f("pk_lesson_progress")),
    )
    with op.batch_alter_table("lesson_progress", schema=None) as batch_op:
        batch_op.create_index("ix_lesson_progress_course", ["course_id", "user_id"], unique=False)

    op.create_table(
        "quizzes",
        sa.Column("lesson_id", sa.Uuid(), nullable=False),
        sa.Column("passing_percent", sa.Integer(), server_default=sa.text("(70)"), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=True),
        sa.Column("time_limit_seconds", sa.Integer(), nullable=True),
        sa.Column("shuffle", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column(
            "feedback",
            sa.Enum(
                "after_submit", "after_close", name="feedbacktiming", native_enum=False, length=16
            ),
            nullable=False,
        ),
        sa.Column("closes_at", cosmostream.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "scoring",
            sa.Enum("best", "last", name="attemptscoring", native_enum=False, length=8),
            nullable=False,
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["lesson_id"],
            ["lessons.id"],
            name=op.f("fk_quizzes_lesson_id_lessons"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quizzes")),
        sa.UniqueConstraint("lesson_id", name=op.f("uq_quizzes_lesson_id")),
    )
    op.create_table(
        "questions",
        sa.Column("lesson_id", sa.Uuid(), nullable=False),
        sa.Column("quiz_id", sa.Uuid(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("prompt", sa.Text(), nullable=False),
        sa.Column("spec", sa.JSON(), nullable=False),
        sa.Column("points", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("at_seconds", sa.Float(), nullable=True),
        sa.Column("required", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", cosmostream.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", cosmostream.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["lesson_id"],
            ["lessons.id"],
            name=op.f("fk_questions_lesson_id_lessons"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["quiz_id"],
            ["quizzes.id"],
            name=op.f("fk_questions_quiz_id_quizzes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_questions")),
    )
    with op.batch_alter_table("questions", schema=None) as batch_op:
        batch_op.create_index("ix_questions_lesson", ["lesson_id", "position"], unique=False)
        batch_op.create_index("ix_questions_quiz", ["quiz_id", "position"], unique=False)

    op.create_table(
        "quiz_attempts",
        sa.Column("quiz_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("seed", sa.BigInteger(), nullable=False),
        sa.Column(
            "state",
            sa.Enum("open", "submitted", name="attemptstate", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("started_at", cosmostream.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("deadline_at", cosmostream.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "submitted_at", cosmostream.models.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("score", sa.Numeric(precision=9, scale=6), nullable=True),
        sa.Column("passed", sa.Boolean(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["quiz_id"],
            ["quizzes.id"],
            name=op.f("fk_quiz_attempts_quiz_id_quizzes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_quiz_attempts_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quiz_attempts")),
        sa.UniqueConstraint("quiz_id", "user_id", "number", name="uq_quiz_attempts_number"),
    )
    with op.batch_alter_table("quiz_attempts", schema=None) as batch_op:
        batch_op.create_index("ix_quiz_attempts_user", ["user_id", "started_at"], unique=False)

    op.create_table(
        "answer_steps",
        sa.Column("attempt_id", sa.Uuid(), nullable=False),
        sa.Column("question_id", sa.Uuid(), nullable=False),
        sa.Column("question_version", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("save", "submit", "regrade", name="stepkind", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("response", sa.JSON(), nullable=False),
        sa.Column("score", sa.Numeric(precision=9, scale=6), nullable=True),
        sa.Column("created_at", cosmostream.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["attempt_id"],
            ["quiz_attempts.id"],
            name=op.f("fk_answer_steps_attempt_id_quiz_attempts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["questions.id"],
            name=op.f("fk_answer_steps_question_id_questions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_answer_steps")),
    )
    with op.batch_alter_table("answer_steps", schema=None) as batch_op:
        batch_op.create_index(
            "ix_answer_steps_attempt", ["attempt_id", "question_id", "created_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("answer_steps", schema=None) as batch_op:
        batch_op.drop_index("ix_answer_steps_attempt")

    op.drop_table("answer_steps")
    with op.batch_alter_table("quiz_attempts", schema=None) as batch_op:
        batch_op.drop_index("ix_quiz_attempts_user")

    op.drop_table("quiz_attempts")
    with op.batch_alter_table("questions", schema=None) as batch_op:
        batch_op.drop_index("ix_questions_quiz")
        batch_op.drop_index("ix_questions_lesson")

    op.drop_table("questions")
    op.drop_table("quizzes")
    with op.batch_alter_table("lesson_progress", schema=None) as batch_op:
        batch_op.drop_index("ix_lesson_progress_course")

    op.drop_table("lesson_progress")
    with op.batch_alter_table("enrolments", schema=None) as batch_op:
        batch_op.drop_index("ix_enrolments_user_active")
        batch_op.drop_index("ix_enrolments_course")

    op.drop_table("enrolments")
    with op.batch_alter_table("lessons", schema=None) as batch_op:
        batch_op.drop_index("ix_lessons_video")
        batch_op.drop_index("ix_lessons_module")
        batch_op.drop_index("ix_lessons_course")

    op.drop_table("lessons")
    with op.batch_alter_table("path_courses", schema=None) as batch_op:
        batch_op.drop_index("ix_path_courses_course")

    op.drop_table("path_courses")
    op.drop_table("course_prerequisites")
    with op.batch_alter_table("course_modules", schema=None) as batch_op:
        batch_op.drop_index("ix_course_modules_course")

    op.drop_table("course_modules")
    with op.batch_alter_table("class_members", schema=None) as batch_op:
        batch_op.drop_index("ix_class_members_user")

    op.drop_table("class_members")
    with op.batch_alter_table("class_assignments", schema=None) as batch_op:
        batch_op.drop_index("ix_class_assignments_class")

    op.drop_table("class_assignments")
    op.drop_table("certificates")
    with op.batch_alter_table("learning_paths", schema=None) as batch_op:
        batch_op.drop_index("ix_learning_paths_state_published")

    op.drop_table("learning_paths")
    with op.batch_alter_table("learning_classes", schema=None) as batch_op:
        batch_op.drop_index("ix_learning_classes_teacher")

    op.drop_table("learning_classes")
    with op.batch_alter_table("courses", schema=None) as batch_op:
        batch_op.drop_index("ix_courses_state_published")
        batch_op.drop_index("ix_courses_instructor")
        batch_op.drop_index("ix_courses_category_state")

    op.drop_table("courses")
