"""premium videos

`videos.premium` (watching it all needs the `video.premium` entitlement) and
`videos.preview_seconds` (how much others may watch; NULL: the setting).

Revision ID: c95da105cc27
Revises: 21a2b76cc977
Create Date: 2026-12-07 20:50:10.659842
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c95da105cc27"
down_revision: str | None = "21a2b76cc977"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("videos", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("premium", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("preview_seconds", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("videos", schema=None) as batch_op:
        batch_op.drop_column("preview_seconds")
        batch_op.drop_column("premium")
