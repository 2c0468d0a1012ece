"""launches and news

Revision ID: 4b6f1d2e3c5a
Revises: 3a5e0c1d2b4f
Create Date: 2026-12-04 19:50:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import cosmostream.models.base

revision: str = "4b6f1d2e3c5a"
down_revision: str | None = "3a5e0c1d2b4f"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ingest_states",
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column(
            "window_started_at", cosmostream.models.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("requests_in_window", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column(
            "blocked_until", cosmostream.models.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("failures", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column(
            "last_attempt_at", cosmostream.models.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "last_success_at", cosmostream.models.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.PrimaryKeyConstraint("source", name=op.f("pk_ingest_states")),
    )
    op.create_table(
        "launches",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("slug", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("provider", sa.String(length=200), nullable=False),
        sa.Column("vehicle", sa.String(length=200), nullable=False),
        sa.Column("mission_name", sa.String(length=300), nullable=True),
        sa.Column("mission_description", sa.Text(), nullable=True),
        sa.Column("mission_orbit", sa.String(length=100), nullable=True),
        sa.Column("pad_name", sa.String(length=200), nullable=False),
        sa.Column("pad_location", sa.String(length=200), nullable=False),
        sa.Column("pad_latitude", sa.Float(), nullable=True),
        sa.Column("pad_longitude", sa.Float(), nullable=True),
        sa.Column("net", cosmostream.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "window_start", cosmostream.models.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("window_end", cosmostream.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("status_abbrev", sa.String(length=32), nullable=False),
        sa.Column("status_name", sa.String(length=100), nullable=False),
        sa.Column("webcast_url", sa.String(length=1000), nullable=True),
        sa.Column("webcast_live", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("image_url", sa.String(length=1000), nullable=True),
        sa.Column(
            "source_updated_at", cosmostream.models.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("synced_at", cosmostream.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_launches")),
    )
    with op.batch_alter_table("launches", schema=None) as batch_op:
        batch_op.create_index("ix_launches_net", ["net"], unique=False)

    op.create_table(
        "news_articles",
        sa.Column("canonical_url", sa.String(length=1000), nullable=False),
        sa.Column("url", sa.String(length=1000), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("title_hash", sa.String(length=64), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("image_url", sa.String(length=1000), nullable=True),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("source_name", sa.String(length=200), nullable=False),
        sa.Column("via", sa.String(length=16), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=True),
        sa.Column(
            "published_at", cosmostream.models.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "source_updated_at", cosmostream.models.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "ingested_at", cosmostream.models.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_news_articles")),
        sa.UniqueConstraint("canonical_url", name=op.f("uq_news_articles_canonical_url")),
    )
    with op.batch_alter_table("news_articles", schema=None) as batch_op:
        batch_op.create_index("ix_news_articles_published", ["published_at", "id"], unique=False)
        batch_op.create_index(
            "ix_news_articles_source_published", ["source", "published_at"], unique=False
        )
        batch_op.create_index("ix_news_articles_title_hash", ["title_hash"], unique=False)

    op.create_table(
        "launch_follows",
        sa.Column("launch_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", cosmostream.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("notified_at", cosmostream.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["launch_id"],
            ["launches.id"],
            name=op.f("fk_launch_follows_launch_id_launches"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_launch_follows_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("launch_id", "user_id", name=op.f("pk_launch_follows")),
    )
    with op.batch_alter_table("launch_follows", schema=None) as batch_op:
        batch_op.create_index("ix_launch_follows_user", ["user_id"], unique=False)

    op.create_table(
        "news_article_launches",
        sa.Column("article_id", sa.Uuid(), nullable=False),
        sa.Column("launch_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["news_articles.id"],
            name=op.f("fk_news_article_launches_article_id_news_articles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("article_id", "launch_id", name=op.f("pk_news_article_launches")),
    )
    with op.batch_alter_table("news_article_launches", schema=None) as batch_op:
        batch_op.create_index("ix_news_article_launches_launch", ["launch_id"], unique=False)

    op.create_table(
        "news_article_missions",
        sa.Column("article_id", sa.Uuid(), nullable=False),
        sa.Column("mission_slug", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["news_articles.id"],
            name=op.f("fk_news_article_missions_article_id_news_articles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "article_id", "mission_slug", name=op.f("pk_news_article_missions")
        ),
    )
    with op.batch_alter_table("news_article_missions", schema=None) as batch_op:
        batch_op.create_index("ix_news_article_missions_slug", ["mission_slug"], unique=False)

    op.create_table(
        "news_article_topics",
        sa.Column("article_id", sa.Uuid(), nullable=False),
        sa.Column("topic", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["news_articles.id"],
            name=op.f("fk_news_article_topics_article_id_news_articles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("article_id", "topic", name=op.f("pk_news_article_topics")),
    )
    with op.batch_alter_table("news_article_topics", schema=None) as batch_op:
        batch_op.create_index("ix_news_article_topics_topic", ["topic"], unique=False)

    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("launch_id", sa.Uuid(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_notifications_launch_id_launches"),
            "launches",
            ["launch_id"],
            ["id"],
            ondelete="CASCADE",
        )


def downgrade() -> None:
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_notifications_launch_id_launches"), type_="foreignkey"
        )
        batch_op.drop_column("launch_id")

    with op.batch_alter_table("news_article_topics", schema=None) as batch_op:
        batch_op.drop_index("ix_news_article_topics_topic")

    op.drop_table("news_article_topics")
    with op.batch_alter_table("news_article_missions", schema=None) as batch_op:
        batch_op.drop_index("ix_news_article_missions_slug")

    op.drop_table("news_article_missions")
    with op.batch_alter_table("news_article_launches", schema=None) as batch_op:
        batch_op.drop_index("ix_news_article_launches_launch")

    op.drop_table("news_article_launches")
    with op.batch_alter_table("launch_follows", schema=None) as batch_op:
        batch_op.drop_index("ix_launch_follows_user")

    op.drop_table("launch_follows")
    with op.batch_alter_table("news_articles", schema=None) as batch_op:
        batch_op.drop_index("ix_news_articles_title_hash")
        batch_op.drop_index("ix_news_articles_source_published")
        batch_op.drop_index("ix_news_articles_published")

    op.drop_table("news_articles")
    with op.batch_alter_table("launches", schema=None) as batch_op:
        batch_op.drop_index("ix_launches_net")

    op.drop_table("launches")
    op.drop_table("ingest_states")
