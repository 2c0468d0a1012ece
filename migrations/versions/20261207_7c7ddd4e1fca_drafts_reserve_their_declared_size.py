"""drafts reserve their declared size

A draft video now keeps the size declared by `createVideo` in `source_size`,
counted against its owner's quota, and its upload must have exactly that
length. Drafts whose upload had started get the upload's length; drafts with
no upload yet take the length of their first upload (see `UploadService.create`).
The downgrade forgets the sizes of drafts again.

Revision ID: 7c7ddd4e1fca
Revises: f2f0f8ec4dca
Create Date: 2026-12-07 15:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "7c7ddd4e1fca"
down_revision: str | None = "f2f0f8ec4dca"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        sa.text(
            "UPDATE videos SET source_size ="
            " (SELECT uploads.length FROM uploads WHERE uploads.video_id = videos.id)"
            " WHERE status = 'uploading' AND source_size IS NULL"
        )
    )


def downgrade() -> None:
    op.execute(sa.text("UPDATE videos SET source_size = NULL WHERE status = 'uploading'"))
