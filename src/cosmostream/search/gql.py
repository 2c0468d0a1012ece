"""GraphQL for search: ranked results with highlights, and suggestions while typing."""

from __future__ import annotations

from enum import Enum

import strawberry

from cosmostream.graphql.context import Info
from cosmostream.graphql.hubs import Video
from cosmostream.graphql.relay import Edge, PageInfo
from cosmostream.search.schemas import COUNT_CAP, DEFAULT_PAGE, SearchHit
from cosmostream.search.service import search_service


@strawberry.type
class SearchEdge(Edge[Video]):
    hit: strawberry.Private[SearchHit]

    @strawberry.field(
        description="The title as HTML: escaped, matched words in <mark>. Safe to insert."
    )
    def title_highlighted(self) -> str:
        return str(self.hit.title_html)

    @strawberry.field(
        description="Some of the description around the first match, as HTML like titleHighlighted."
    )
    def snippet_highlighted(self) -> str:
        return str(self.hit.snippet_html)


# Not a `Connection`: it has never had `nodes`, and has a total count.
@strawberry.type
class SearchConnection:
    edges: list[SearchEdge]
    page_info: PageInfo
    query: strawberry.Private[str]

    @strawberry.field(
        description=f"How many videos match, counted up to {COUNT_CAP + 1}: "
        f"a value above {COUNT_CAP} means more than {COUNT_CAP}."
    )
    async def total_count(self, info: Info) -> int:
        async with info.context.db.read() as session:
            return await search_service.count(session, self.query)


@strawberry.enum
class SearchSuggestionKind(Enum):
    VIDEO = "video"
    TAG = "tag"
    CREATOR = "creator"


@strawberry.type
class SearchSuggestion:
    text: str
    kind: SearchSuggestionKind
    video_id: strawberry.ID | None = strawberry.field(
        description="For VIDEO suggestions: the video to open."
    )


@strawberry.type
class SearchQuery:
    @strawberry.field(
        description="Listed videos matching every word of `query` (the last word also as a "
        "prefix), title matches first, then by relevance. Punctuation and operators are "
        "ignored. Page with `after` = pageInfo.endCursor."
    )
    async def search(
        self, info: Info, query: str, first: int = DEFAULT_PAGE, after: str | None = None
    ) -> SearchConnection:
        async with info.context.db.read() as session:
            page = await search_service.search(session, info.context.actor, query, first, after)
        return SearchConnection(
            edges=[
                SearchEdge(cursor=h.cursor, node=Video(model=h.video), hit=h) for h in page.hits
            ],
            page_info=PageInfo(has_next_page=page.has_next, end_cursor=page.end_cursor),
            query=query,
        )

    @strawberry.field(description="Titles, tags and creators to offer while `prefix` is typed.")
    async def search_suggestions(
        self, info: Info, prefix: str, limit: int = 8
    ) -> list[SearchSuggestion]:
        async with info.context.db.read() as session:
            suggestions = await search_service.suggest(session, prefix, limit)
        return [
            SearchSuggestion(
                text=s.text,
                kind=SearchSuggestionKind(s.kind.value),
                video_id=strawberry.ID(str(s.video_id)) if s.video_id else None,
            )
            for s in suggestions
        ]
