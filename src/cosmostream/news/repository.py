"""SQL for news articles, their topics and their launch / mission links."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from cosmostream.models import (
    Mission,
    NewsArticle,
    NewsArticleLaunch,
    NewsArticleMission,
    NewsArticleTopic,
)


class NewsRepository:
    async def by_canonical_urls(
        self, session: AsyncSession, urls: Iterable[str]
    ) -> dict[str, NewsArticle]:
        urls = list(set(urls))
        if not urls:
            return {}
        rows = await session.scalars(select(NewsArticle).where(NewsArticle.canonical_url.in_(urls)))
        return {a.canonical_url: a for a in rows}

    async def by_title_hashes(
        self, session: AsyncSession, hashes: Iterable[str]
    ) -> dict[str, list[NewsArticle]]:
        hashes = list(set(hashes))
        if not hashes:
            return {}
        found: dict[str, list[NewsArticle]] = {}
        for a in await session.scalars(
            select(NewsArticle).where(NewsArticle.title_hash.in_(hashes))
        ):
            found.setdefault(a.title_hash, []).append(a)
        return found

    async def links(
        self, session: AsyncSession, article_ids: Sequence[uuid.UUID]
    ) -> tuple[
        dict[uuid.UUID, set[str]], dict[uuid.UUID, set[uuid.UUID]], dict[uuid.UUID, set[str]]
    ]:
        """Topics, launch ids and mission slugs of these articles (three queries)."""
        topics: dict[uuid.UUID, set[str]] = {i: set() for i in article_ids}
        launches: dict[uuid.UUID, set[uuid.UUID]] = {i: set() for i in article_ids}
        missions: dict[uuid.UUID, set[str]] = {i: set() for i in article_ids}
        if not article_ids:
            return topics, launches, missions
        ids = list(article_ids)
        for aid, topic in await session.execute(
            select(NewsArticleTopic.article_id, NewsArticleTopic.topic).where(
                NewsArticleTopic.article_id.in_(ids)
            )
        ):
            topics[aid].add(topic)
        for aid, lid in await session.execute(
            select(NewsArticleLaunch.article_id, NewsArticleLaunch.launch_id).where(
                NewsArticleLaunch.article_id.in_(ids)
            )
        ):
            launches[aid].add(lid)
        for aid, slug in await session.execute(
            select(NewsArticleMission.article_id, NewsArticleMission.mission_slug).where(
                NewsArticleMission.article_id.in_(ids)
            )
        ):
            missions[aid].add(slug)
        return topics, launches, missions

    def add_links(
        self,
        session: AsyncSession,
        article_id: uuid.UUID,
        *,
        topics: Iterable[str] = (),
        launch_ids: Iterable[uuid.UUID] = (),
        mission_slugs: Iterable[str] = (),
    ) -> None:
        session.add_all(NewsArticleTopic(article_id=article_id, topic=t) for t in topics)
        session.add_all(NewsArticleLaunch(article_id=article_id, launch_id=i) for i in launch_ids)
        session.add_all(
            NewsArticleMission(article_id=article_id, mission_slug=s) for s in mission_slugs
        )

    async def page(
        self,
        session: AsyncSession,
        *,
        source: str | None,
        topic: str | None,
        mission_slug: str | None = None,
        after: tuple[datetime, uuid.UUID] | None,
        limit: int,
    ) -> list[NewsArticle]:
        """Newest first, keyset-paginated on (published_at, id)."""
        stmt = select(NewsArticle).order_by(NewsArticle.published_at.desc(), NewsArticle.id.desc())
        if source:
            stmt = stmt.where(NewsArticle.source == source)
        if topic:
            stmt = stmt.where(
                exists().where(
                    NewsArticleTopic.article_id == NewsArticle.id, NewsArticleTopic.topic == topic
                )
            )
        if mission_slug:
            stmt = stmt.where(
                exists().where(
                    NewsArticleMission.article_id == NewsArticle.id,
                    NewsArticleMission.mission_slug == mission_slug,
                )
            )
        if after is not None:
            published, last_id = after
            stmt = stmt.where(
                or_(
                    NewsArticle.published_at < published,
                    and_(NewsArticle.published_at == published, NewsArticle.id < last_id),
                )
            )
        return list(await session.scalars(stmt.limit(limit)))

    async def sources(self, session: AsyncSession) -> list[tuple[str, str, int]]:
        rows = await session.execute(
            select(NewsArticle.source, func.min(NewsArticle.source_name), func.count())
            .group_by(NewsArticle.source)
            .order_by(func.min(NewsArticle.source_name))
        )
        return [(key, name, int(n)) for key, name, n in rows]

    async def mission_names(self, session: AsyncSession) -> dict[str, tuple[str, ...]]:
        """Slug → (name,) of every mission."""
        rows = await session.execute(select(Mission.slug, Mission.name))
        return {slug: (name,) for slug, name in rows if slug and name}


news_repository = NewsRepository()
