"""Dialect-aware INSERTs: upsert and insert-or-ignore on SQLite and PostgreSQL alike.

Both dialects spell `INSERT … ON CONFLICT` the same way, but SQLAlchemy gives
each its own `insert`; the statement is built for the session's database.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import inspect
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

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
