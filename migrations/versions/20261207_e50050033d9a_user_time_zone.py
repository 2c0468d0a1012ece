"""user time zone

`users.time_zone`: the IANA zone the creator studio shows days and hours in
(default UTC; chosen on /settings).

Revision ID: e50050033d9a
Revises: 21f8ed9cb210
Create Date: 2026-12-07 23:31:11.047606
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e50050033d9a"
down_revision: str | None = "21f8ed9cb210"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ALTER TABLE … ADD COLUMN on both backends: no batch copy of `users`.
    op.add_column(
        "users",
        sa.Column("time_zone", sa.String(length=64), server_default="UTC", nullable=False),
    )


def downgrade() -> None:
    # ALTER TABLE … DROP COLUMN on both backends (SQLite ≥ 3.35): a batch copy
    # of `users` would have to drop a table every other table refers to.
    op.drop_column("users", "time_zone")
