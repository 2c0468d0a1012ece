"""search_index

The full-text index of listed videos, one shape per dialect (see
cosmostream/search/repository.py): an FTS5 table over a content table on
SQLite, a weighted tsvector with a GIN index on PostgreSQL. Neither is a model,
so autogenerate is told to leave them alone (`search.repository.include_name`).

Revision ID: 28fe619dbfc3
Revises: e48ef54bebe1
Create Date: 2026-11-24 15:02:11.000000
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections import defaultdict
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "28fe619dbfc3"
down_revision: str | None = "e48ef54bebe1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


SQLITE_UP = [
    """
    CREATE TABLE video_search_content (
        rowid INTEGER PRIMARY KEY,
        video_id CHAR(32) NOT NULL UNIQUE REFERENCES videos (id) ON DELETE CASCADE,
        title TEXT NOT NULL,
        tags TEXT NOT NULL,
        creator TEXT NOT NULL,
        description TEXT NOT NULL
    )
    """,
    """
    CREATE VIRTUAL TABLE video_search USING fts5 (
        title, tags, creator, description,
        content = 'video_search_content', content_rowid = 'rowid',
        tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3'
    )
    """,
    # Words leave the index with their content row, however the row goes
    # (explicit delete, or a cascade from videos or users).
    """
    CREATE TRIGGER video_search_content_ad AFTER DELETE ON video_search_content BEGIN
        INSERT INTO video_search (video_search, rowid, title, tags, creator, description)
        VALUES ('delete', old.rowid, old.title, old.tags, old.creator, old.description);
    END
    """,
]

SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS video_search_content_ad",
    "DROP TABLE IF EXISTS video_search",
    "DROP TABLE IF EXISTS video_search_content",
]

PG_UP = [
    """
    CREATE TABLE video_search (
        video_id UUID PRIMARY KEY REFERENCES videos (id) ON DELETE CASCADE,
        document TSVECTOR NOT NULL
    )
    """,
    "CREATE INDEX video_search_document ON video_search USING gin (document)",
]

PG_DOWN = ["DROP TABLE IF EXISTS video_search"]


# The text analysis of cosmostream.search.schemas as it was when this migration
# was written, frozen here so the migration means the same thing forever.
_TOKEN = re.compile(r"[^\W_]+")


def _analysed(text: str) -> str:
    if text.isascii():
        folded = text.lower()
    else:
        decomposed = unicodedata.normalize("NFKD", text)
        folded = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return " ".join(t[:64] for t in _TOKEN.findall(folded))


def _index_listed_videos(dialect: str) -> None:
    """Index the videos that are already listed."""
    bind = op.get_bind()
    tags: dict[uuid.UUID, list[str]] = defaultdict(list)
    tag_rows = bind.execute(
        sa.text(
            "SELECT t.video_id, t.tag FROM video_tags AS t JOIN videos AS v ON v.id = t.video_id"
            " WHERE v.listed ORDER BY t.video_id, t.position"
        ).columns(video_id=sa.Uuid(), tag=sa.String())
    )
    for video_id, tag in tag_rows:
        tags[video_id].append(tag)
    rows = [
        {
            "video_id": video_id,
            "title": _analysed(title),
            "tags": _analysed(" ".join(tags.get(video_id, []))),
            "creator": _analysed(creator),
            "description": _analysed(description),
        }
        for video_id, title, description, creator in bind.execute(
            sa.text(
                "SELECT v.id, v.title, v.description, u.display_name FROM videos AS v"
                " JOIN users AS u ON u.id = v.owner_id WHERE v.listed"
            ).columns(id=sa.Uuid())
        )
    ]
    if not rows:
        return
    if dialect == "sqlite":
        bind.execute(
            sa.text(
                "INSERT INTO video_search_content (video_id, title, tags, creator, description)"
                " VALUES (:video_id, :title, :tags, :creator, :description)"
            ).bindparams(sa.bindparam("video_id", type_=sa.Uuid())),
            rows,
        )
        bind.execute(sa.text("INSERT INTO video_search (video_search) VALUES ('rebuild')"))
    else:
        bind.execute(
            sa.text(
                "INSERT INTO video_search (video_id, document) VALUES (:video_id,"
                " setweight(to_tsvector('simple', :title), 'A')"
                " || setweight(to_tsvector('simple', :tags), 'B')"
                " || setweight(to_tsvector('simple', :creator), 'C')"
                " || setweight(to_tsvector('simple', :description), 'D'))"
            ).bindparams(sa.bindparam("video_id", type_=sa.Uuid())),
            rows,
        )


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    for statement in SQLITE_UP if dialect == "sqlite" else PG_UP:
        op.execute(statement)
    _index_listed_videos(dialect)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for statement in SQLITE_DOWN if dialect == "sqlite" else PG_DOWN:
        op.execute(statement)
