"""Running Alembic from code (`cosmostream migrate`, the start-up check, `/readyz`, the tests)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from cosmostream.db import make_engine

ROOT = Path(__file__).resolve().parents[2]


def alembic_config(url: str) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.attributes["url"] = url
    return config


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


@cache
def _script() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config(""))


def code_revisions() -> frozenset[str]:
    """The head revisions this version of the code needs (read once per process)."""
    return frozenset(_script().get_heads())


@dataclass(frozen=True)
class SchemaState:
    database: frozenset[str]  # empty for a database that was never migrated
    code: frozenset[str]

    @property
    def current(self) -> bool:
        return self.database == self.code

    @property
    def upgradable(self) -> bool:
        """Whether `migrate` can bring the database to the code's revision: every
        revision it is at is one this code knows (it is behind, not ahead)."""
        known = {rev.revision for rev in _script().walk_revisions()}
        return self.database <= known

    def describe(self) -> str:
        def name(revisions: frozenset[str]) -> str:
            return ", ".join(sorted(revisions)) or "none (empty database)"

        return (
            f"database is at revision {name(self.database)}, "
            f"this version needs {name(self.code)}: run `cosmostream migrate`"
        )


def _database_revisions(connection: Connection) -> frozenset[str]:
    return frozenset(MigrationContext.configure(connection).get_current_heads())


async def schema_state(engine: AsyncEngine) -> SchemaState:
    """Where the database is, against what this code needs (one small query)."""
    async with engine.connect() as connection:
        database = await connection.run_sync(_database_revisions)
    return SchemaState(database=database, code=code_revisions())


def check_schema(url: str) -> SchemaState:
    """`schema_state` for a command outside any event loop (the start-up check)."""

    async def run() -> SchemaState:
        engine = make_engine(url, pooled=False)
        try:
            return await schema_state(engine)
        finally:
            await engine.dispose()

    return asyncio.run(run())
