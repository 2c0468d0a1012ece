"""The search migration indexes videos that were listed before it ran."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy.ext.asyncio import create_async_engine

from cosmostream.config import normalize_database_url
from cosmostream.db import Database
from cosmostream.migrate import alembic_config
from cosmostream.search.service import search_service
from tests.conftest import BACKENDS, PG_URL


@pytest.fixture(params=BACKENDS)
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path}/before.db"
        return
    assert PG_URL
    admin_url = normalize_database_url(PG_URL)
    name = f"cs_search_mig_{os.getpid()}_{uuid.uuid4().hex[:6]}"

    async def run(statement: str) -> None:
        engine = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
        async with engine.connect() as conn:
            await conn.execute(sa.text(statement))
        await engine.dispose()

    asyncio.run(run(f'CREATE DATABASE "{name}"'))
    yield admin_url.rsplit("/", 1)[0] + f"/{name}"
    asyncio.run(run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _seed(url: str) -> None:
    """Rows as an older version left them: one listed video, one private."""

    async def seed() -> None:
        engine = create_async_engine(url)
        user_id, listed_id, private_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
        users = sa.table(
            "users",
            *(sa.column(c) for c in ("email", "display_name", "bio", "role", "history_paused")),
            sa.column("id", sa.Uuid()),
            sa.column("created_at", sa.DateTime(timezone=True)),
            sa.column("updated_at", sa.DateTime(timezone=True)),
        )
        video_cols = [
            "title",
            "description",
            "visibility",
            "status",
            "status_message",
            "processing_progress",
            "playable",
            "attempts",
            "source_name",
            "renditions",
            "images",
            "listed",
            "view_count",
            "like_count",
            "comment_count",
            "watch_seconds",
            "trending_score",
        ]
        videos = sa.table(
            "videos",
            *(sa.column(c) for c in video_cols),
            sa.column("id", sa.Uuid()),
            sa.column("owner_id", sa.Uuid()),
            sa.column("created_at", sa.DateTime(timezone=True)),
            sa.column("updated_at", sa.DateTime(timezone=True)),
        )
        tags = sa.table(
            "video_tags", sa.column("video_id", sa.Uuid()), sa.column("tag"), sa.column("position")
        )
        now = sa.func.now() if url.startswith("postgresql") else sa.text("CURRENT_TIMESTAMP")
        common = {
            "description": "Seen from Mars",
            "status": "ready",
            "status_message": "",
            "processing_progress": 1.0,
            "playable": True,
            "attempts": 1,
            "source_name": "a.mp4",
            "renditions": "[]",
            "images": "{}",
            "view_count": 0,
            "like_count": 0,
            "comment_count": 0,
            "watch_seconds": 0.0,
            "trending_score": 0.0,
            "owner_id": user_id,
            "created_at": now,
            "updated_at": now,
        }
        async with engine.begin() as conn:
            await conn.execute(
                users.insert().values(
                    id=user_id,
                    email="old@example.com",
                    display_name="Élodie Kepler",
                    bio="",
                    role="creator",
                    history_paused=False,
                    created_at=now,
                    updated_at=now,
                )
            )
            await conn.execute(
                videos.insert().values(
                    id=listed_id, title="Phobos transit", visibility="public", listed=True, **common
                )
            )
            await conn.execute(
                videos.insert().values(
                    id=private_id, title="Deimos", visibility="private", listed=False, **common
                )
            )
            await conn.execute(tags.insert().values(video_id=listed_id, tag="moons", position=0))
        await engine.dispose()

    asyncio.run(seed())


def test_upgrade_indexes_listed_videos_and_downgrade_drops_the_index(empty_database: str) -> None:
    config = alembic_config(empty_database)
    command.upgrade(config, "e48ef54bebe1")
    _seed(empty_database)
    command.upgrade(config, "head")

    async def found(query: str) -> list[str]:
        db = Database(empty_database, pooled=False)
        try:
            async with db.read() as session:
                page = await search_service.search(session, None, query)
            return [h.video.title for h in page.hits]
        finally:
            await db.dispose()

    assert asyncio.run(found("phobos")) == ["Phobos transit"]
    assert asyncio.run(found("moons elodie mars")) == ["Phobos transit"]
    assert asyncio.run(found("deimos")) == []

    command.downgrade(config, "e48ef54bebe1")

    async def tables() -> set[str]:
        engine = create_async_engine(empty_database)
        async with engine.connect() as conn:
            names = await conn.run_sync(lambda c: set(sa.inspect(c).get_table_names()))
        await engine.dispose()
        return names

    assert not {t for t in asyncio.run(tables()) if t.startswith("video_search")}
    command.upgrade(config, "head")
    assert asyncio.run(found("phobos")) == ["Phobos transit"]
