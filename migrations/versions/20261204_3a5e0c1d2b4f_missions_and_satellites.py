"""missions and satellites

Revision ID: 3a5e0c1d2b4f
Revises: 767fb5c167c6
Create Date: 2026-12-04 19:50:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import cosmostream.models.base

revision: str = "3a5e0c1d2b4f"
down_revision: str | None = "767fb5c167c6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "missions",
        sa.Column("slug", sa.String(length=60), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("agency", sa.String(length=120), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("launch_date", sa.Date(), nullable=True),
        sa.Column("summary", sa.String(length=300), server_default="", nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("norad_id", sa.Integer(), nullable=True),
        sa.Column("horizons_id", sa.String(length=20), nullable=True),
        sa.Column("video_tag", sa.String(length=40), nullable=True),
        sa.Column("position", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("created_at", cosmostream.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", cosmostream.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_missions")),
        sa.UniqueConstraint("slug", name=op.f("uq_missions_slug")),
    )
    op.create_table(
        "satellite_elements",
        sa.Column("norad_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("object_name", sa.String(length=80), nullable=False),
        sa.Column("object_id", sa.String(length=20), nullable=False),
        sa.Column("epoch", cosmostream.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("mean_motion", sa.Float(), nullable=False),
        sa.Column("eccentricity", sa.Float(), nullable=False),
        sa.Column("inclination", sa.Float(), nullable=False),
        sa.Column("ra_of_asc_node", sa.Float(), nullable=False),
        sa.Column("arg_of_pericenter", sa.Float(), nullable=False),
        sa.Column("mean_anomaly", sa.Float(), nullable=False),
        sa.Column("ephemeris_type", sa.Integer(), nullable=False),
        sa.Column("classification_type", sa.String(length=1), nullable=False),
        sa.Column("element_set_no", sa.Integer(), nullable=False),
        sa.Column("rev_at_epoch", sa.Integer(), nullable=False),
        sa.Column("bstar", sa.Float(), nullable=False),
        sa.Column("mean_motion_dot", sa.Float(), nullable=False),
        sa.Column("mean_motion_ddot", sa.Float(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("fetched_at", cosmostream.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("norad_id", name=op.f("pk_satellite_elements")),
    )
    op.create_table(
        "horizons_tables",
        sa.Column("target", sa.String(length=20), nullable=False),
        sa.Column("center", sa.String(length=20), nullable=False),
        sa.Column("start_jd", sa.Float(), nullable=False),
        sa.Column("stop_jd", sa.Float(), nullable=False),
        sa.Column("rows", sa.JSON(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("fetched_at", cosmostream.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("target", name=op.f("pk_horizons_tables")),
    )


def downgrade() -> None:
    op.drop_table("horizons_tables")
    op.drop_table("satellite_elements")
    op.drop_table("missions")
