"""News: ingest from feeds and the Spaceflight News API, deduplicated, and the
reader's lists (latest, per mission, sources).

Dedup rule: an item is the same article as a stored one when its canonical
URL (text.canonical_url) matches, or when its normalised title hash matches
one published within three days of it. A duplicate is never stored twice;
it only adds the topics, launches and missions it knows to the stored one
(SNAPI knows launches that feeds do not), and a newer version from the same
source and channel updates the title and summary.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from cosmostream.errors import ValidationFailed
from cosmostream.kit import upstream
from cosmostream.kit.ids import uuid7
from cosmostream.kit.pagination import decode_after, encode_cursor, page_size
from cosmostream.kit.time import utcnow
from cosmostream.models import IngestState, NewsArticle
from cosmostream.news.errors import UnknownTopic
from cosmostream.news.parsers import MalformedFeed, parse_feed, parse_snapi
from cosmostream.news.repository import news_repository
from cosmostream.news.schemas import (
    TOPICS,
    ArticleData,
    ArticleView,
    FeedConfig,
    IngestResult,
    NewsPage,
    NewsSource,
)
from cosmostream.news.text import (
    DEFAULT_MISSIONS,
    canonical_url,
    missions_in,
    title_hash,
    topics_for,
)

log = logging.getLogger(__name__)

SAME_TITLE_WINDOW = timedelta(days=3)
MAX_PAGE = 50
MAX_SNAPI_PAGES = 2
# Feeds and SNAPI have no published limit; stay polite all the same.
REQUESTS_PER_HOUR = 12
TIMEOUT = httpx.Timeout(20.0)
_CURSOR_SORT = "news"


@dataclass
class _Links:
    topics: set[str] = field(default_factory=set)
    launches: set[uuid.UUID] = field(default_factory=set)
    missions: set[str] = field(default_factory=set)


class NewsService:
    async def ingest(
        self,
        session: AsyncSession,
        client: httpx.AsyncClient,
        *,
        feeds: Sequence[FeedConfig],
        snapi_url: str | None,
        state_prefix: str = "",
    ) -> IngestResult:
        """Fetch every feed and SNAPI, then store what is new. A failing source
        (HTTP error, 429, malformed document) is logged and backs off on its own;
        the others are still ingested. Never raises for upstream trouble."""
        result = IngestResult()
        articles: list[ArticleData] = []
        known_sites = {f.name.lower(): f.key for f in feeds}
        for feed in feeds:
            body = await self._fetch(
                session, client, f"{state_prefix}feed:{feed.key}", feed.url, result
            )
            if body is None:
                continue
            try:
                articles.extend(parse_feed(body, source=feed.key, source_name=feed.name))
            except MalformedFeed as exc:
                log.warning("skipping the malformed feed %s: %s", feed.key, exc)
                await self._mark_failed(
                    session, f"{state_prefix}feed:{feed.key}", f"malformed: {exc}"
                )
                result.failed_sources.append(feed.key)
        url = snapi_url
        for _ in range(MAX_SNAPI_PAGES):
            if not url:
                break
            body = await self._fetch(session, client, f"{state_prefix}snapi", url, result)
            if body is None:
                break
            try:
                found, url = parse_snapi(json.loads(body), known_sites)
            except (ValueError, MalformedFeed) as exc:
                log.warning("skipping a malformed Spaceflight News API page: %s", exc)
                await self._mark_failed(session, f"{state_prefix}snapi", f"malformed: {exc}")
                result.failed_sources.append("snapi")
                break
            articles.extend(found)
        result.fetched = len(articles)
        result.created, result.merged = await self.store(session, articles)
        return result

    async def _fetch(
        self,
        session: AsyncSession,
        client: httpx.AsyncClient,
        source: str,
        url: str,
        result: IngestResult,
    ) -> bytes | None:
        state = await upstream.state_of(session, source)
        now = utcnow()
        if not upstream.may_request(state, now, REQUESTS_PER_HOUR):
            return None
        upstream.record_request(state, now)
        try:
            response = await client.get(url, timeout=TIMEOUT, follow_redirects=True)
        except httpx.HTTPError as exc:
            self._failure(state, now, f"{type(exc).__name__}: {exc}", None, result)
            return None
        if response.status_code == 429:
            wait = upstream.retry_after(response.headers.get("Retry-After"), now)
            self._failure(state, now, "429 Too Many Requests", wait, result)
            return None
        if response.status_code >= 400:
            self._failure(state, now, f"HTTP {response.status_code}", None, result)
            return None
        upstream.record_success(state, now)
        return response.content

    def _failure(
        self,
        state: IngestState,
        now: datetime,
        error: str,
        wait: timedelta | None,
        result: IngestResult,
    ) -> None:
        upstream.record_failure(state, now, error, wait)
        result.failed_sources.append(state.source)
        log.warning(
            "news source %s failed (%s); backing off until %s",
            state.source,
            error,
            state.blocked_until,
        )

    async def _mark_failed(self, session: AsyncSession, source: str, error: str) -> None:
        state = await upstream.state_of(session, source)
        upstream.record_failure(state, utcnow(), error)

    async def store(
        self, session: AsyncSession, articles: Sequence[ArticleData]
    ) -> tuple[int, int]:
        """Store new articles and merge duplicates (see the module docstring).
        Returns (created, merged). Idempotent: a second run creates nothing."""
        if not articles:
            return 0, 0
        missions = await self._missions(session)
        keyed = [(a, canonical_url(a.url), title_hash(a.title)) for a in articles]
        by_url = await news_repository.by_canonical_urls(session, [u for _, u, _ in keyed])
        by_hash = await news_repository.by_title_hashes(session, [h for _, _, h in keyed])
        stored_ids = {a.id for a in by_url.values()} | {
            a.id for group in by_hash.values() for a in group
        }
        topics, launches, mission_links = await news_repository.links(session, list(stored_ids))
        links = {i: _Links(topics[i], launches[i], mission_links[i]) for i in stored_ids}
        created = merged = 0
        now = utcnow()
        for data, canon, digest in keyed:
            target = by_url.get(canon) or self._same_title(
                by_hash.get(digest, []), data.published_at
            )
            want = _Links(
                set(topics_for(data.title, data.summary, data.categories, bool(data.launch_ids))),
                set(data.launch_ids),
                set(missions_in(data.title, missions, data.categories)),
            )
            if target is None:
                target = NewsArticle(
                    id=uuid7(),
                    canonical_url=canon,
                    url=data.url,
                    title=data.title,
                    title_hash=digest,
                    summary=data.summary,
                    image_url=data.image_url,
                    source=data.source,
                    source_name=data.source_name,
                    via=data.via,
                    external_id=data.external_id,
                    published_at=data.published_at,
                    source_updated_at=data.source_updated_at,
                    ingested_at=now,
                )
                session.add(target)
                by_url[canon] = target
                by_hash.setdefault(digest, []).append(target)
                links[target.id] = _Links()
                created += 1
            else:
                merged += 1
                self._refresh(target, data)
            have = links[target.id]
            news_repository.add_links(
                session,
                target.id,
                topics=want.topics - have.topics,
                launch_ids=want.launches - have.launches,
                mission_slugs=want.missions - have.missions,
            )
            have.topics |= want.topics
            have.launches |= want.launches
            have.missions |= want.missions
        await session.flush()
        return created, merged

    def _same_title(self, candidates: list[NewsArticle], published: datetime) -> NewsArticle | None:
        for article in candidates:
            if abs(article.published_at - published) <= SAME_TITLE_WINDOW:
                return article
        return None

    def _refresh(self, article: NewsArticle, data: ArticleData) -> None:
        """A newer version of the same item from the same place replaces the text."""
        if (
            article.source == data.source
            and article.via == data.via
            and data.source_updated_at is not None
            and (
                article.source_updated_at is None
                or data.source_updated_at > article.source_updated_at
            )
        ):
            article.title = data.title
            article.summary = data.summary
            article.image_url = data.image_url or article.image_url
            article.source_updated_at = data.source_updated_at

    async def _missions(self, session: AsyncSession) -> dict[str, tuple[str, ...]]:
        """Built-in mission names, plus every mission of the `missions` table when
        the missions domain has one (its name, with the built-in aliases)."""
        missions = dict(DEFAULT_MISSIONS)
        for slug, names in (await news_repository.mission_names(session)).items():
            missions[slug] = names + DEFAULT_MISSIONS.get(slug, ())
        return missions

    async def latest(
        self,
        session: AsyncSession,
        source: str | None = None,
        topic: str | None = None,
        first: int = 20,
        after: str | None = None,
    ) -> NewsPage:
        """Newest articles first, optionally of one source and/or topic."""
        if topic and topic not in TOPICS:
            raise UnknownTopic(field="topic")
        return await self._page(session, source=source, topic=topic, first=first, after=after)

    async def for_mission(
        self, session: AsyncSession, slug: str, limit: int = 5
    ) -> list[ArticleView]:
        """The newest articles that name this mission (by slug)."""
        page = await self._page(session, mission_slug=slug, first=limit, after=None)
        return page.items

    async def _page(
        self,
        session: AsyncSession,
        *,
        source: str | None = None,
        topic: str | None = None,
        mission_slug: str | None = None,
        first: int,
        after: str | None,
    ) -> NewsPage:
        size = page_size(first, MAX_PAGE)
        cursor = decode_after(after, _CURSOR_SORT, datetime)
        rows = await news_repository.page(
            session,
            source=source or None,
            topic=topic or None,
            mission_slug=mission_slug,
            after=cursor,
            limit=size + 1,
        )
        items = await self._views(session, rows[:size])
        cursors = [encode_cursor(_CURSOR_SORT, v.article.published_at, v.article.id) for v in items]
        return NewsPage(items=items, cursors=cursors, has_next=len(rows) > size)

    async def _views(self, session: AsyncSession, articles: list[NewsArticle]) -> list[ArticleView]:
        topics, launches, missions = await news_repository.links(session, [a.id for a in articles])
        return [
            ArticleView(
                article=a,
                topics=sorted(topics[a.id]),
                launch_ids=sorted(launches[a.id]),
                mission_slugs=sorted(missions[a.id]),
            )
            for a in articles
        ]

    async def sources(self, session: AsyncSession) -> list[NewsSource]:
        return [
            NewsSource(key=key, name=name, article_count=n)
            for key, name, n in await news_repository.sources(session)
        ]


def feeds_from_settings(raw: Sequence[dict[str, str]]) -> list[FeedConfig]:
    feeds: list[FeedConfig] = []
    for entry in raw:
        try:
            feeds.append(FeedConfig(key=entry["key"], name=entry["name"], url=entry["url"]))
        except KeyError as exc:
            raise ValidationFailed(
                f"A news feed needs key, name and url (missing {exc})."
            ) from None
    return feeds


news_service = NewsService()
