"""What the feed and SNAPI parsers produce and the news service hands out."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from cosmostream.kit.pagination import Page
from cosmostream.models import NewsArticle

TOPICS: dict[str, str] = {
    "launches": "Launches",
    "missions": "Missions",
    "astronomy": "Astronomy",
    "planetary": "Planetary science",
    "earth": "Earth observation",
    "human-spaceflight": "Human spaceflight",
}


@dataclass
class ArticleData:
    """One item of a feed or of a SNAPI page, before deduplication.

    `summary` is already sanitised HTML; `categories` are the feed's own tags.
    """

    url: str
    title: str
    summary: str
    source: str
    source_name: str
    via: str
    published_at: datetime
    image_url: str | None = None
    external_id: str | None = None
    source_updated_at: datetime | None = None
    categories: list[str] = field(default_factory=list)
    launch_ids: list[uuid.UUID] = field(default_factory=list)


@dataclass(frozen=True)
class FeedConfig:
    key: str
    name: str
    url: str


@dataclass
class IngestResult:
    fetched: int = 0
    created: int = 0
    merged: int = 0
    failed_sources: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ArticleView:
    article: NewsArticle
    topics: list[str]
    launch_ids: list[uuid.UUID]
    mission_slugs: list[str]

    @property
    def topic_labels(self) -> list[tuple[str, str]]:
        return [(t, TOPICS.get(t, t)) for t in self.topics]


NewsPage = Page[ArticleView]


@dataclass(frozen=True)
class NewsSource:
    key: str
    name: str
    article_count: int
