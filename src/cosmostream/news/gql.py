"""GraphQL for news: `news(source, topic, first, after)` and `newsSources`."""

from __future__ import annotations

from datetime import datetime

import strawberry

from cosmostream.graphql.context import Info
from cosmostream.graphql.relay import Connection, connection
from cosmostream.news.schemas import TOPICS, ArticleView
from cosmostream.news.service import news_service


@strawberry.type(description="A news topic, derived from keywords and feed categories.")
class NewsTopic:
    key: str
    name: str


@strawberry.type(description="A news article: title, sanitised summary and a link to the source.")
class NewsArticle:
    view: strawberry.Private[ArticleView]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.view.article.id))

    @strawberry.field
    def title(self) -> str:
        return self.view.article.title

    @strawberry.field(description="The source's link (unchanged, tracking parameters included).")
    def url(self) -> str:
        return self.view.article.url

    @strawberry.field(description="Sanitised HTML: a small allow-list of tags, http(s) links.")
    def summary(self) -> str:
        return self.view.article.summary

    @strawberry.field
    def image_url(self) -> str | None:
        return self.view.article.image_url

    @strawberry.field(description="Source key, e.g. nasa, esa, spacenews.")
    def source(self) -> str:
        return self.view.article.source

    @strawberry.field
    def source_name(self) -> str:
        return self.view.article.source_name

    @strawberry.field
    def published_at(self) -> datetime:
        return self.view.article.published_at

    @strawberry.field
    def topics(self) -> list[NewsTopic]:
        return [NewsTopic(key=k, name=name) for k, name in self.view.topic_labels]

    @strawberry.field(description="Launch Library 2 ids of the launches it is about.")
    def launch_ids(self) -> list[strawberry.ID]:
        return [strawberry.ID(str(i)) for i in self.view.launch_ids]

    @strawberry.field(description="Slugs of the missions it names.")
    def mission_slugs(self) -> list[str]:
        return self.view.mission_slugs


@strawberry.type
class NewsSource:
    key: str
    name: str
    article_count: int


@strawberry.type
class NewsQuery:
    @strawberry.field(description="Space news, newest first; filter by source key and topic key.")
    async def news(
        self,
        info: Info,
        source: str | None = None,
        topic: str | None = None,
        first: int = 20,
        after: str | None = None,
    ) -> Connection[NewsArticle]:
        async with info.context.db.read() as session:
            page = await news_service.latest(session, source, topic, first, after)
        return connection(page, lambda v: NewsArticle(view=v))

    @strawberry.field(description="Every news source with stored articles.")
    async def news_sources(self, info: Info) -> list[NewsSource]:
        async with info.context.db.read() as session:
            found = await news_service.sources(session)
        return [NewsSource(key=s.key, name=s.name, article_count=s.article_count) for s in found]

    @strawberry.field(description="The news topics.")
    def news_topics(self) -> list[NewsTopic]:
        return [NewsTopic(key=k, name=v) for k, v in TOPICS.items()]
