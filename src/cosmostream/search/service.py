"""Full-text search over listed videos (SQLite FTS5 / PostgreSQL tsvector).

Placeholder interface; the implementation lands with the search work."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from cosmostream.models import Video


class SearchService:
    async def sync(self, session: AsyncSession, video: Video) -> None:
        """Index a listed video; drop an unlisted one from the index."""

    async def remove(self, session: AsyncSession, video_id: uuid.UUID) -> None:
        """Drop a video from the index (it is being deleted)."""


search_service = SearchService()
