"""Dialect-aware INSERTs: upsert and insert-or-ignore on SQLite and PostgreSQL alike.

Both dialects spell `INSERT … ON CONFLICT` the same way, but SQLAlchemy gives
each its own `insert`; the statement is built for the session's database.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

Insert = postgresql.Insert | sqlite.Insert


def insert(session: AsyncSession, model: type[Any]) -> Insert:
    """The dialect's own INSERT for `model`, which knows ON CONFLICT."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(model)
    return sqlite.insert(model)


async def insert_ignore(session: AsyncSession, model: type[Any], **values: Any) -> bool:
    """Insert one row unless it clashes with a unique key; True when it is new.

    A repeat (a second like, a second report) is a no-op the caller can detect,
    without a read first that concurrent requests could both pass.
    """
    stmt = (
        insert(session, model)
        .values(**values)
        .on_conflict_do_nothing()
        .returning(*inspect(model).primary_key)
    )
    return (await session.execute(stmt)).first() is not None


async def free_slug(session: AsyncSession, column: InstrumentedAttribute[str], base: str) -> str:
    """`base`, or `base-2`, `base-3`… the first that `column` does not hold yet.

    One query for the base and its numbered forms; the column's unique index
    still decides between two requests taking the same slug at once.
    """
    pattern = base.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "-%"
    taken = set(
        await session.scalars(
            select(column).where((column == base) | column.like(pattern, escape="\\"))
        )
    )
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug
