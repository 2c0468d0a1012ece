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
down_revision: str | None = "7c487bc7f072"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ALTER TABLE … ADD COLUMN on both backends: no batch copy of
    # `videos`, whose search triggers make SQLite refuse to drop it.
    op.add_column(
        "videos", sa.Column("premium", sa.Boolean(), server_default=sa.false(), nullable=False)
    )
    op.add_column("videos", sa.Column("preview_seconds", sa.Integer(), nullable=True))


def downgrade() -> None:
    # Plain ALTER TABLE … DROP COLUMN (SQLite 3.35+ and PostgreSQL), as above.
    op.drop_column("videos", "preview_seconds")
    op.drop_column("videos", "premium")
