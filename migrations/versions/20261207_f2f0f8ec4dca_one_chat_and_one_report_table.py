"""one chat and one report table

Forum thread chat and watch-party chat move into `chat_messages`; comment
reports and forum reports into `reports`. Ids are kept, so a report about a
chat message still points at it. The downgrade moves the rows back.

Revision ID: f2f0f8ec4dca
Revises: 4b6f1d2e3c5a
Create Date: 2026-12-07 12:22:29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import cosmostream.models.base

revision: str = "f2f0f8ec4dca"
down_revision: str | None = "4b6f1d2e3c5a"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTCDateTime = cosmostream.models.base.UTCDateTime


def _messages_table(name: str, room: str, room_table: str) -> None:
    """One of the two chat tables before this revision."""
    op.create_table(
        name,
        sa.Column(room, sa.Uuid(), nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=False),
        sa.Column("body", sa.String(length=2000), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f(f"fk_{name}_author_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            [room],
            [f"{room_table}.id"],
            name=op.f(f"fk_{name}_{room}_{room_table}"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{name}")),
    )


def upgrade() -> None:
    op.create_table(
        "chat_messages",
        sa.Column("thread_id", sa.Uuid(), nullable=True),
        sa.Column("party_id", sa.Uuid(), nullable=True),
        sa.Column("author_id", sa.Uuid(), nullable=False),
        sa.Column("body", sa.String(length=2000), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "(thread_id IS NULL) <> (party_id IS NULL)", name=op.f("ck_chat_messages_one_room")
        ),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_chat_messages_author_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["party_id"],
            ["watch_parties.id"],
            name=op.f("fk_chat_messages_party_id_watch_parties"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["thread_id"],
            ["forum_threads.id"],
            name=op.f("fk_chat_messages_thread_id_forum_threads"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chat_messages")),
    )
    with op.batch_alter_table("chat_messages", schema=None) as batch_op:
        batch_op.create_index(
            "ix_chat_messages_party_created", ["party_id", "created_at"], unique=False
        )
        batch_op.create_index(
            "ix_chat_messages_thread_created", ["thread_id", "created_at"], unique=False
        )

    op.create_table(
        "reports",
        sa.Column("comment_id", sa.Uuid(), nullable=True),
        sa.Column("post_id", sa.Uuid(), nullable=True),
        sa.Column("chat_message_id", sa.Uuid(), nullable=True),
        sa.Column("reporter_id", sa.Uuid(), nullable=False),
        sa.Column("reason", sa.String(length=500), server_default="", nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "(CASE WHEN comment_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN post_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN chat_message_id IS NULL THEN 0 ELSE 1 END) = 1",
            name=op.f("ck_reports_one_subject"),
        ),
        sa.ForeignKeyConstraint(
            ["chat_message_id"],
            ["chat_messages.id"],
            name=op.f("fk_reports_chat_message_id_chat_messages"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["comment_id"],
            ["comments.id"],
            name=op.f("fk_reports_comment_id_comments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["post_id"],
            ["forum_posts.id"],
            name=op.f("fk_reports_post_id_forum_posts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reporter_id"],
            ["users.id"],
            name=op.f("fk_reports_reporter_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reports")),
        sa.UniqueConstraint(
            "chat_message_id", "reporter_id", name=op.f("uq_reports_chat_message_id")
        ),
        sa.UniqueConstraint("comment_id", "reporter_id", name=op.f("uq_reports_comment_id")),
        sa.UniqueConstraint("post_id", "reporter_id", name=op.f("uq_reports_post_id")),
    )
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.create_index("ix_reports_open", ["resolved_at", "created_at"], unique=False)

    # The rows move before their tables go; messages first, as reports point at them.
    op.execute(
        "INSERT INTO chat_messages (id, thread_id, author_id, body, created_at, deleted_at)"
        " SELECT id, thread_id, author_id, body, created_at, deleted_at FROM forum_chat_messages"
    )
    op.execute(
        "INSERT INTO chat_messages (id, party_id, author_id, body, created_at, deleted_at)"
        " SELECT id, party_id, author_id, body, created_at, deleted_at FROM watch_party_messages"
    )
    op.execute(
        "INSERT INTO reports (id, comment_id, reporter_id, reason, created_at, resolved_at)"
        " SELECT id, comment_id, reporter_id, reason, created_at, resolved_at"
        " FROM comment_reports"
    )
    op.execute(
        "INSERT INTO reports"
        " (id, post_id, chat_message_id, reporter_id, reason, created_at, resolved_at)"
        " SELECT id, post_id, chat_message_id, reporter_id, reason, created_at, resolved_at"
        " FROM forum_reports"
    )

    with op.batch_alter_table("forum_reports", schema=None) as batch_op:
        batch_op.drop_index("ix_forum_reports_open")
    op.drop_table("forum_reports")
    with op.batch_alter_table("comment_reports", schema=None) as batch_op:
        batch_op.drop_index("ix_comment_reports_open")
    op.drop_table("comment_reports")
    with op.batch_alter_table("forum_chat_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_forum_chat_messages_thread_created")
    op.drop_table("forum_chat_messages")
    with op.batch_alter_table("watch_party_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_watch_party_messages_party_created")
    op.drop_table("watch_party_messages")


def downgrade() -> None:
    _messages_table("forum_chat_messages", "thread_id", "forum_threads")
    with op.batch_alter_table("forum_chat_messages", schema=None) as batch_op:
        batch_op.create_index(
            "ix_forum_chat_messages_thread_created", ["thread_id", "created_at"], unique=False
        )
    _messages_table("watch_party_messages", "party_id", "watch_parties")
    with op.batch_alter_table("watch_party_messages", schema=None) as batch_op:
        batch_op.create_index(
            "ix_watch_party_messages_party_created", ["party_id", "created_at"], unique=False
        )
    op.create_table(
        "comment_reports",
        sa.Column("comment_id", sa.Uuid(), nullable=False),
        sa.Column("reporter_id", sa.Uuid(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["comment_id"],
            ["comments.id"],
            name=op.f("fk_comment_reports_comment_id_comments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reporter_id"],
            ["users.id"],
            name=op.f("fk_comment_reports_reporter_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comment_reports")),
        sa.UniqueConstraint(
            "comment_id", "reporter_id", name=op.f("uq_comment_reports_comment_id")
        ),
    )
    with op.batch_alter_table("comment_reports", schema=None) as batch_op:
        batch_op.create_index(
            "ix_comment_reports_open", ["resolved_at", "created_at"], unique=False
        )
    op.create_table(
        "forum_reports",
        sa.Column("post_id", sa.Uuid(), nullable=True),
        sa.Column("chat_message_id", sa.Uuid(), nullable=True),
        sa.Column("reporter_id", sa.Uuid(), nullable=False),
        sa.Column("reason", sa.String(length=500), server_default="", nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "(post_id IS NULL) <> (chat_message_id IS NULL)",
            name=op.f("ck_forum_reports_one_target"),
        ),
        sa.ForeignKeyConstraint(
            ["chat_message_id"],
            ["forum_chat_messages.id"],
            name=op.f("fk_forum_reports_chat_message_id_forum_chat_messages"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["post_id"],
            ["forum_posts.id"],
            name=op.f("fk_forum_reports_post_id_forum_posts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reporter_id"],
            ["users.id"],
            name=op.f("fk_forum_reports_reporter_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_forum_reports")),
        sa.UniqueConstraint(
            "chat_message_id", "reporter_id", name=op.f("uq_forum_reports_chat_message_id")
        ),
        sa.UniqueConstraint("post_id", "reporter_id", name=op.f("uq_forum_reports_post_id")),
    )
    with op.batch_alter_table("forum_reports", schema=None) as batch_op:
        batch_op.create_index("ix_forum_reports_open", ["resolved_at", "created_at"], unique=False)

    op.execute(
        "INSERT INTO forum_chat_messages (id, thread_id, author_id, body, created_at, deleted_at)"
        " SELECT id, thread_id, author_id, body, created_at, deleted_at FROM chat_messages"
        " WHERE thread_id IS NOT NULL"
    )
    op.execute(
        "INSERT INTO watch_party_messages (id, party_id, author_id, body, created_at, deleted_at)"
        " SELECT id, party_id, author_id, body, created_at, deleted_at FROM chat_messages"
        " WHERE party_id IS NOT NULL"
    )
    op.execute(
        "INSERT INTO comment_reports (id, comment_id, reporter_id, reason, created_at, resolved_at)"
        " SELECT id, comment_id, reporter_id, reason, created_at, resolved_at FROM reports"
        " WHERE comment_id IS NOT NULL"
    )
    op.execute(
        "INSERT INTO forum_reports"
        " (id, post_id, chat_message_id, reporter_id, reason, created_at, resolved_at)"
        " SELECT id, post_id, chat_message_id, reporter_id, reason, created_at, resolved_at"
        " FROM reports WHERE comment_id IS NULL"
    )

    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.drop_index("ix_reports_open")
    op.drop_table("reports")
    with op.batch_alter_table("chat_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_chat_messages_thread_created")
        batch_op.drop_index("ix_chat_messages_party_created")
    op.drop_table("chat_messages")
