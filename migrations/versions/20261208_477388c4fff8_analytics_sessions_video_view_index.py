"""analytics sessions: index (video_id, view_at) for the roll-up of an hour's views

Revision ID: 477388c4fff8
Revises: c8ea178989e2
Create Date: 2026-12-08 00:47:31.841125
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "477388c4fff8"
down_revision: str | None = "c8ea178989e2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("analytics_sessions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_analytics_sessions_video_view", ["video_id", "view_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("analytics_sessions", schema=None) as batch_op:
        batch_op.drop_index("ix_analytics_sessions_video_view")
