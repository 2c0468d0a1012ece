"""learning indexes: answer steps by question (whether a question was answered, and
cascades from it), open attempts by deadline (the worker grades those whose time ran out)

Revision ID: 8a3d5e7f9b21
Revises: 7c1e2a9d4b60
Create Date: 2026-12-07 19:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "8a3d5e7f9b21"
down_revision: str | None = "7c1e2a9d4b60"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_answer_steps_question", "answer_steps", ["question_id"])
    op.create_index("ix_quiz_attempts_open_deadline", "quiz_attempts", ["state", "deadline_at"])


def downgrade() -> None:
    op.drop_index("ix_quiz_attempts_open_deadline", table_name="quiz_attempts")
    op.drop_index("ix_answer_steps_question", table_name="answer_steps")
