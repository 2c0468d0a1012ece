"""SQL for the search index: one interface, a backend per dialect.

SQLite: an FTS5 table `video_search` (columns title, tags, creator, description;
unicode61 tokenizer, prefix indexes of 2 and 3 characters) whose content lives
in the ordinary table `video_search_content` (rowid, video_id → videos ON DELETE
CASCADE, the analysed text). A trigger removes a row's words from the FTS index
whenever its content row goes, including by cascade when a video or user is
deleted; words are added explicitly, so a rebuild can fill the content table
first and index it in one pass.

PostgreSQL: `video_search(video_id → videos ON DELETE CASCADE, document
tsvector)` with a GIN index; the title is weighted A, tags B, the creator's
name C and the description D, with the 'simple' configuration (no stemming,
no stop words: the text is already analysed in Python, see `schemas`).

Both rank so that a lower key is better: videos with a query word in the title
first, then bm25 (SQLite) or ts_rank_cd (PostgreSQL) with the weights above.
"""

from __future__ import annotations

import re
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from sqlalchemy import Float, Integer, Text, Uuid, bindparam, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.sql.selectable import TextualSelect

from cosmostream.models import User, Video, VideoTag
from cosmostream.search.schemas import (
    COUNT_CAP,
    RankedId,
    SearchDocument,
    SearchQuery,
    SuggestCandidate,
)

# Objects created by the search migration outside the models (and FTS5's own
# shadow tables): the models-vs-migrations comparison must not see them.
INDEX_TABLE_PREFIX = "video_search"

_SAFE_TERM = re.compile(r"[^\W_]+")
_CHUNK = 500


def include_name(name: str | None, type_: str, parent_names: Any) -> bool:
    """Alembic filter: leave the search index to its own migration."""
    return not (type_ == "table" and name is not None and name.startswith(INDEX_TABLE_PREFIX))


def _safe(term: str) -> str:
    # Terms come from `schemas.tokens`; this only guards against a future change there.
    if not _SAFE_TERM.fullmatch(term):
        raise ValueError(f"unsafe search term {term!r}")
    return term


def _chunks(items: Sequence[Any], size: int = _CHUNK) -> Iterable[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


class IndexBackend(Protocol):
    async def replace(self, session: AsyncSession, docs: Sequence[SearchDocument]) -> None: ...

    async def delete(self, session: AsyncSession, video_ids: Sequence[uuid.UUID]) -> None: ...

    async def load_all(self, session: AsyncSession, docs: Sequence[SearchDocument]) -> None: ...

    async def ranked(
        self,
        session: AsyncSession,
        query: SearchQuery,
        limit: int,
        after: tuple[float, uuid.UUID] | None,
    ) -> list[RankedId]:
        """The best `limit` listed matches after the cursor position `after`
        ((key, video id) of the last one seen), best first."""
        ...

    async def count(self, session: AsyncSession, query: SearchQuery, cap: int) -> int: ...


# Both backends rank in three steps, each bounded:
# 1. the pool: at most RANK_POOL matches, read from the full-text index alone
#    and scored there (scoring costs about a microsecond a match, so a query
#    matching most of the catalogue must not score all of it);
# 2. the page: the best `limit` of the pool after the cursor;
# 3. only those are joined to `videos`, where `listed` is checked again.
# A cursor resumes after where its video ranks *now*: scores move a little as
# the corpus changes, and comparing with its old score could skip or repeat.
RANK_POOL = 5000
# PostgreSQL reads each match's tsvector from the heap to score it, about four
# times SQLite's cost per match: its pool is smaller so that a word matching
# most of 100,000 videos still answers in ~15 ms (docs/benchmarks.md). One more
# than the count cap, so the pool's size is the capped match count as well and
# a results page needs no second scan to count.
PG_RANK_POOL = COUNT_CAP + 1

_SQLITE_KEY = """bm25(video_search, 10.0, 4.0, 2.0, 1.0)
  - CASE WHEN bm25(video_search, 1.0, 0.0, 0.0, 0.0) < 0 THEN 10000.0 ELSE 0.0 END"""

# bm25 weights: title 10, tags 4, creator 2, description 1. A title hit (its
# title-only bm25 is below zero) is moved 10000 ahead, beyond any relevance
# score, so it outranks every other match. The pool is the most recently
# indexed matches.
_SQLITE_POOL = f"""
  SELECT rowid, {_SQLITE_KEY} AS key FROM video_search
  WHERE video_search MATCH :match ORDER BY rowid DESC LIMIT :pool
"""  # noqa: S608 - constants only, as in every statement here: values are bound
_SQLITE_CURSOR = f"""
  WITH cur AS (
    SELECT c.rowid AS r,
           (SELECT {_SQLITE_KEY} FROM video_search
            WHERE video_search MATCH :match AND video_search.rowid = c.rowid) AS k
    FROM video_search_content AS c WHERE c.video_id = :after_id
  )
"""  # noqa: S608
_SQLITE_AFTER = """
  WHERE key > coalesce((SELECT k FROM cur), :after_key)
     OR (key = coalesce((SELECT k FROM cur), :after_key)
         AND rowid < coalesce((SELECT r FROM cur), -1))
"""


def _sqlite_ranked(after: bool) -> str:
    page = (
        f"SELECT rowid, key FROM ({_SQLITE_POOL})"  # noqa: S608
        + (_SQLITE_AFTER if after else "")
        + " ORDER BY key, rowid DESC LIMIT :limit"
    )
    cursor = _SQLITE_CURSOR if after else ""
    return (
        f"{cursor} SELECT c.video_id, t.key FROM ({page}) AS t"  # noqa: S608
        " JOIN video_search_content AS c ON c.rowid = t.rowid"
        " JOIN videos AS v ON v.id = c.video_id"
        " WHERE v.listed ORDER BY t.key, t.rowid DESC"
    )


_SQLITE_RANKED = {False: _sqlite_ranked(False), True: _sqlite_ranked(True)}
# Counting trusts the index to hold listed videos only (what `sync` keeps true):
# joining a thousand rows to `videos` would double the cost of a results page.
_SQLITE_COUNT = """
  SELECT count(*) FROM (
    SELECT rowid FROM video_search WHERE video_search MATCH :match LIMIT :cap
  ) AS m
"""


def _ranked_statement(
    sql: str, after: tuple[float, uuid.UUID] | None, *, pool_size: bool = False
) -> TextualSelect:
    columns: dict[str, Any] = {"video_id": Uuid(), "key": Float()}
    if pool_size:
        columns["pool_size"] = Integer()
    stmt = text(sql).columns(**columns)
    if after:
        stmt = stmt.bindparams(
            bindparam("after_id", type_=Uuid()), bindparam("after_key", type_=Float())
        )
    return stmt


class SqliteIndex:
    async def ranked(
        self,
        session: AsyncSession,
        query: SearchQuery,
        limit: int,
        after: tuple[float, uuid.UUID] | None,
    ) -> list[RankedId]:
        params: dict[str, Any] = {
            "match": self.match_expression(query),
            "pool": RANK_POOL,
            "limit": limit,
        }
        if after:
            params.update(after_key=after[0], after_id=after[1])
        rows = await session.execute(_ranked_statement(_SQLITE_RANKED[bool(after)], after), params)
        return [RankedId(video_id=r.video_id, key=float(r.key)) for r in rows]

    async def count(self, session: AsyncSession, query: SearchQuery, cap: int) -> int:
        params = {"match": self.match_expression(query), "cap": cap}
        return int(await session.scalar(text(_SQLITE_COUNT), params) or 0)

    @staticmethod
    def match_expression(query: SearchQuery) -> str:
        """FTS5 syntax: quoted strings are plain words (no operators, no column
        filters); juxtaposition is AND; `"…"*` is a prefix."""
        parts = [f'"{_safe(t)}"' for t in query.exact]
        if query.prefix:
            parts.append(f'"{_safe(query.terms[-1])}"*')
        return " ".join(parts)

    async def delete(self, session: AsyncSession, video_ids: Sequence[uuid.UUID]) -> None:
        stmt = text("DELETE FROM video_search_content WHERE video_id IN :ids").bindparams(
            bindparam("ids", expanding=True, type_=Uuid())
        )
        for chunk in _chunks(video_ids):
            await session.execute(stmt, {"ids": list(chunk)})

    async def _insert_content(self, session: AsyncSession, docs: Sequence[SearchDocument]) -> None:
        stmt = text(
            "INSERT INTO video_search_content (video_id, title, tags, creator, description)"
            " VALUES (:video_id, :title, :tags, :creator, :description)"
        ).bindparams(bindparam("video_id", type_=Uuid()))
        for chunk in _chunks(docs, 5000):
            await session.execute(stmt, [_row(d) for d in chunk])

    async def replace(self, session: AsyncSession, docs: Sequence[SearchDocument]) -> None:
        ids = [d.video_id for d in docs]
        await self.delete(session, ids)  # the trigger takes the old words out
        await self._insert_content(session, docs)
        index = text(
            "INSERT INTO video_search (rowid, title, tags, creator, description)"
            " SELECT rowid, title, tags, creator, description FROM video_search_content"
            " WHERE video_id IN :ids"
        ).bindparams(bindparam("ids", expanding=True, type_=Uuid()))
        for chunk in _chunks(ids):
            await session.execute(index, {"ids": list(chunk)})

    async def load_all(self, session: AsyncSession, docs: Sequence[SearchDocument]) -> None:
        await session.execute(text("DELETE FROM video_search_content"))
        await self._insert_content(session, docs)
        # FTS5 indexes the whole content table far faster than row by row, then
        # merges its segments so queries read one b-tree.
        await session.execute(text("INSERT INTO video_search (video_search) VALUES ('rebuild')"))
        await session.execute(text("INSERT INTO video_search (video_search) VALUES ('optimize')"))


_PG_INSERT = """
  INSERT INTO video_search (video_id, document)
  SELECT u.id, setweight(to_tsvector('simple', u.title), 'A')
               || setweight(to_tsvector('simple', u.tags), 'B')
               || setweight(to_tsvector('simple', u.creator), 'C')
               || setweight(to_tsvector('simple', u.description), 'D')
  FROM unnest(:ids, :titles, :tags, :creators, :descriptions)
       AS u(id, title, tags, creator, description)
"""
_PG_UPSERT = _PG_INSERT + " ON CONFLICT (video_id) DO UPDATE SET document = excluded.document"


# ts_rank_cd weights are given as D, C, B, A: description 0.1, creator 0.2,
# tags 0.4, title 1.0. A title hit is moved 10000 ahead, as on SQLite. The pool
# is the first matches the GIN index yields.
_PG_KEY = """-CAST(ts_rank_cd(CAST('{0.1, 0.2, 0.4, 1.0}' AS float4[]), s.document, tq.q) AS float8)
  - CASE WHEN s.document @@ tq.qt THEN 10000.0 ELSE 0.0 END"""
_PG_QUERY = "(SELECT to_tsquery('simple', :match) AS q, to_tsquery('simple', :title_match) AS qt)"
_PG_POOL = f"""
  SELECT s.video_id, {_PG_KEY} AS key FROM video_search AS s CROSS JOIN {_PG_QUERY} AS tq
  WHERE s.document @@ tq.q LIMIT :pool
"""  # noqa: S608
_PG_CURSOR_KEY = f"""coalesce(
  (SELECT {_PG_KEY} FROM video_search AS s CROSS JOIN {_PG_QUERY} AS tq
   WHERE s.video_id = :after_id AND s.document @@ tq.q),
  :after_key)"""  # noqa: S608
_PG_AFTER = f"""
  WHERE key > {_PG_CURSOR_KEY} OR (key = {_PG_CURSOR_KEY} AND video_id < :after_id)
"""


def _pg_ranked(after: bool) -> str:
    sized = f"SELECT video_id, key, count(*) OVER () AS pool_size FROM ({_PG_POOL}) AS p0"  # noqa: S608
    page = (
        f"SELECT video_id, key, pool_size FROM ({sized}) AS p"  # noqa: S608
        + (_PG_AFTER if after else "")
        + " ORDER BY key, video_id DESC LIMIT :limit"
    )
    return (
        f"SELECT t.video_id, t.key, t.pool_size FROM ({page}) AS t"  # noqa: S608
        + " JOIN videos AS v ON v.id = t.video_id"
        + " WHERE v.listed ORDER BY t.key, t.video_id DESC"
    )


_PG_RANKED = {False: _pg_ranked(False), True: _pg_ranked(True)}
_PG_COUNT = """
  SELECT count(*) FROM (
    SELECT 1 FROM video_search AS s WHERE s.document @@ to_tsquery('simple', :match) LIMIT :cap
  ) AS m
"""


class PostgresIndex:
    async def ranked(
        self,
        session: AsyncSession,
        query: SearchQuery,
        limit: int,
        after: tuple[float, uuid.UUID] | None,
    ) -> list[RankedId]:
        params: dict[str, Any] = {
            "match": self.match_expression(query),
            "title_match": self.title_expression(query),
            "pool": PG_RANK_POOL,
            "limit": limit,
        }
        if after:
            params.update(after_key=after[0], after_id=after[1])
        stmt = _ranked_statement(_PG_RANKED[bool(after)], after, pool_size=True)
        rows = await session.execute(stmt, params)
        return [
            RankedId(video_id=r.video_id, key=float(r.key), match_count=self._count(r.pool_size))
            for r in rows
        ]

    @staticmethod
    def _count(pool_size: int) -> int | None:
        # A pool that was not full holds every match; a full one counts them
        # only while it is at least as large as the cap.
        if pool_size < PG_RANK_POOL or PG_RANK_POOL >= COUNT_CAP + 1:
            return min(pool_size, COUNT_CAP + 1)
        return None

    async def count(self, session: AsyncSession, query: SearchQuery, cap: int) -> int:
        params = {"match": self.match_expression(query), "cap": cap}
        return int(await session.scalar(text(_PG_COUNT), params) or 0)

    @staticmethod
    def _lexemes(query: SearchQuery, suffix: str = "") -> list[str]:
        # Quoted lexemes made only of letters and digits: nothing to escape.
        parts = [f"'{_safe(t)}'{':' + suffix if suffix else ''}" for t in query.exact]
        if query.prefix:
            parts.append(f"'{_safe(query.terms[-1])}':*{suffix}")
        return parts

    @classmethod
    def match_expression(cls, query: SearchQuery) -> str:
        return " & ".join(cls._lexemes(query))

    @classmethod
    def title_expression(cls, query: SearchQuery) -> str:
        """Any of the words in the title (weight A)."""
        return " | ".join(cls._lexemes(query, "A"))

    async def delete(self, session: AsyncSession, video_ids: Sequence[uuid.UUID]) -> None:
        stmt = text("DELETE FROM video_search WHERE video_id IN :ids").bindparams(
            bindparam("ids", expanding=True, type_=Uuid())
        )
        for chunk in _chunks(video_ids):
            await session.execute(stmt, {"ids": list(chunk)})

    async def _insert(
        self, session: AsyncSession, docs: Sequence[SearchDocument], *, upsert: bool
    ) -> None:
        # One statement per batch: the documents travel as arrays and are
        # weighted and merged by the server.
        stmt = text(_PG_UPSERT if upsert else _PG_INSERT).bindparams(
            bindparam("ids", type_=ARRAY(Uuid())),
            *(
                bindparam(name, type_=ARRAY(Text()))
                for name in ("titles", "tags", "creators", "descriptions")
            ),
        )
        for chunk in _chunks(docs, 5000):
            await session.execute(
                stmt,
                {
                    "ids": [d.video_id for d in chunk],
                    "titles": [d.title for d in chunk],
                    "tags": [d.tags for d in chunk],
                    "creators": [d.creator for d in chunk],
                    "descriptions": [d.description for d in chunk],
                },
            )

    async def replace(self, session: AsyncSession, docs: Sequence[SearchDocument]) -> None:
        await self._insert(session, docs, upsert=True)

    async def load_all(self, session: AsyncSession, docs: Sequence[SearchDocument]) -> None:
        await session.execute(text("TRUNCATE video_search"))
        await self._insert(session, docs, upsert=False)


def _row(doc: SearchDocument) -> dict[str, Any]:
    return {
        "video_id": doc.video_id,
        "title": doc.title,
        "tags": doc.tags,
        "creator": doc.creator,
        "description": doc.description,
    }


_SQLITE = SqliteIndex()
_POSTGRES = PostgresIndex()


class SearchRepository:
    def index(self, session: AsyncSession) -> IndexBackend:
        name = session.get_bind().dialect.name
        if name == "sqlite":
            return _SQLITE
        if name == "postgresql":
            return _POSTGRES
        raise RuntimeError(f"search does not support the {name} dialect")

    async def documents(
        self,
        session: AsyncSession,
        *,
        video_ids: Sequence[uuid.UUID] | None = None,
        owner_id: uuid.UUID | None = None,
    ) -> list[SearchDocument]:
        """The documents of listed videos: all of them, those given, or an owner's."""
        rows_stmt = select(
            Video.id, Video.title, Video.description, Video.listed, User.display_name
        ).join(User, User.id == Video.owner_id)
        tags_stmt = (
            select(VideoTag.video_id, VideoTag.tag)
            .join(Video, Video.id == VideoTag.video_id)
            .order_by(VideoTag.video_id, VideoTag.position)
        )
        if video_ids is not None:
            # By id only: `listed` is checked below, so SQLite looks the ids up
            # instead of walking an index on `listed`.
            rows_stmt = rows_stmt.where(Video.id.in_(video_ids))
            tags_stmt = tags_stmt.where(VideoTag.video_id.in_(video_ids))
        else:
            rows_stmt = rows_stmt.where(Video.listed)
            tags_stmt = tags_stmt.where(Video.listed)
        if owner_id is not None:
            rows_stmt = rows_stmt.where(Video.owner_id == owner_id)
            tags_stmt = tags_stmt.where(Video.owner_id == owner_id)
        tags: dict[uuid.UUID, list[str]] = defaultdict(list)
        for video_id, tag in await session.execute(tags_stmt):
            tags[video_id].append(tag)
        return [
            SearchDocument.build(vid, title, tags.get(vid, []), creator, description)
            for vid, title, description, listed, creator in await session.execute(rows_stmt)
            if listed
        ]

    async def videos(self, session: AsyncSession, ids: Sequence[uuid.UUID]) -> list[Video]:
        """Listed videos in the order of `ids`, with what cards and the API show."""
        if not ids:
            return []
        # `listed` is checked here, not in SQL: there, without statistics,
        # SQLite would rather walk an index on `listed` than look up the ids.
        found = {
            v.id: v
            for v in await session.scalars(
                select(Video)
                .where(Video.id.in_(ids))
                .options(
                    # Many-to-one in the same query; tags in one more.
                    joinedload(Video.owner),
                    joinedload(Video.category),
                    selectinload(Video.tags),
                )
            )
            if v.listed
        }
        return [found[i] for i in ids if i in found]

    async def suggest_candidates(
        self, session: AsyncSession, ids: Sequence[uuid.UUID]
    ) -> list[SuggestCandidate]:
        if not ids:
            return []
        tags: dict[uuid.UUID, list[str]] = defaultdict(list)
        rows = await session.execute(
            select(Video.id, Video.title, Video.listed, User.display_name, VideoTag.tag)
            .join(User, User.id == Video.owner_id)
            .outerjoin(VideoTag, VideoTag.video_id == Video.id)
            .where(Video.id.in_(ids))
            .order_by(Video.id, VideoTag.position)
        )
        seen: dict[uuid.UUID, tuple[str, str]] = {}
        for video_id, title, listed, creator, tag in rows:
            if not listed:
                continue
            seen[video_id] = (title, creator)
            if tag is not None:
                tags[video_id].append(tag)
        return [
            SuggestCandidate(video_id=i, title=seen[i][0], creator=seen[i][1], tags=tags[i])
            for i in ids
            if i in seen
        ]


search_repository = SearchRepository()
__all__ = ["include_name", "search_repository"]
