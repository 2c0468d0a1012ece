"""Aggregated space news: articles from RSS/Atom feeds and the Spaceflight News
API, deduplicated, with their topics and the launches and missions they name."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cosmostream.kit.time import utcnow
from cosmostream.models.base import Base, IdMixin


class NewsArticle(IdMixin, Base):
    __tablename__ = "news_articles"
    __table_args__ = (
        Index("ix_news_articles_published", "published_at", "id"),
        Index("ix_news_articles_source_published", "source", "published_at"),
        Index("ix_news_articles_title_hash", "title_hash"),
    )

    # The link without tracking parameters, fragment or `www.`: the first dedup key.
    canonical_url: Mapped[str] = mapped_column(String(1000), unique=True)
    url: Mapped[str] = mapped_column(String(1000))
    title: Mapped[str] = mapped_column(String(500))
    # sha256 of the normalised title: the second dedup key (same story, other link).
    title_hash: Mapped[str] = mapped_column(String(64))
    # Sanitised HTML (a small allow-list), safe to render as is.
    summary: Mapped[str] = mapped_column(Text, default="")
    image_url: Mapped[str | None] = mapped_column(String(1000))
    source: Mapped[str] = mapped_column(String(64))
    source_name: Mapped[str] = mapped_column(String(200))
    # How it reached us: "feed" or "snapi".
    via: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str | None] = mapped_column(String(200))
    published_at: Mapped[datetime]
    source_updated_at: Mapped[datetime | None]
    ingested_at: Mapped[datetime] = mapped_column(default=utcnow)


class NewsArticleTopic(Base):
    __tablename__ = "news_article_topics"
    __table_args__ = (Index("ix_news_article_topics_topic", "topic"),)

    article_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("news_articles.id", ondelete="CASCADE"), primary_key=True
    )
    topic: Mapped[str] = mapped_column(String(32), primary_key=True)


class NewsArticleLaunch(Base):
    """An article about an LL2 launch. No foreign key: the article may arrive
    before the launch is synced (or after it left the upcoming list)."""

    __tablename__ = "news_article_launches"
    __table_args__ = (Index("ix_news_article_launches_launch", "launch_id"),)

    article_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("news_articles.id", ondelete="CASCADE"), primary_key=True
    )
    launch_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)


class NewsArticleMission(Base):
    """An article about a mission, by the mission's slug (see docs/space.md)."""

    __tablename__ = "news_article_missions"
    __table_args__ = (Index("ix_news_article_missions_slug", "mission_slug"),)

    article_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("news_articles.id", ondelete="CASCADE"), primary_key=True
    )
    mission_slug: Mapped[str] = mapped_column(String(100), primary_key=True)
