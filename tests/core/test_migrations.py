"""Alembic migrations run on every backend and match the models exactly."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from cosmostream.models import Base
from cosmostream.search.repository import include_name


async def test_migrations_match_models(database_url: str) -> None:
    engine = sa.ext.asyncio.create_async_engine(database_url)

    def diff(connection: sa.Connection) -> list[object]:
        # The same filter as migrations/env.py: the search index is not a model.
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_name": include_name}
        )
        return list(compare_metadata(context, Base.metadata))

    try:
        async with engine.connect() as conn:
            differences = await conn.run_sync(diff)
    finally:
        await engine.dispose()
    assert differences == [], f"models and migrations differ: {differences}"


def test_downgrade_and_upgrade_again(tmp_path: object) -> None:
    from alembic import command

    from cosmostream.migrate import alembic_config

    url = f"sqlite+aiosqlite:///{tmp_path}/roundtrip.db"
    config = alembic_config(url)
    command.upgrade(config, "head")
    command.downgrade(config, "base")
    command.upgrade(config, "head")
