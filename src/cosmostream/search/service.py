"""Full-text search over listed videos (SQLite FTS5 / PostgreSQL tsvector).

Only listed videos (public and ready) are indexed, and every query joins back
to `videos` to check `listed` again, so private, unlisted and unfinished
videos are found by nobody, their owners included: search is the public
catalogue. The index follows the videos through `sync` (called by
`video_service.refresh_listing` on every change of text, visibility or state),
`remove` (deletion) and `reindex_owner` (a creator renamed).

Results are ranked title hits first, then by relevance, and paged with an
opaque keyset cursor: (rank key, video id) of the last result seen.
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from cosmostream.account.schemas import Actor
from cosmostream.errors import ValidationFailed
from cosmostream.kit.pagination import decode_after, encode_cursor
from cosmostream.models import Video
from cosmostream.search.highlight import highlight, snippet
from cosmostream.search.repository import search_repository
from cosmostream.search.schemas import (
    COUNT_CAP,
    DEFAULT_PAGE,
    MAX_PAGE,
    SearchHit,
    SearchPage,
    SearchQuery,
    Suggestion,
    SuggestionKind,
)

CURSOR_SORT = "search"
# Suggestions are picked from the best matching videos: enough to find a few
# distinct tags and creators, few enough to stay a millisecond query.
SUGGEST_POOL = 24
MAX_SUGGESTIONS = 20


class SearchService:
    async def sync(self, session: AsyncSession, video: Video) -> None:
        """Index a listed video; drop an unlisted one from the index."""
        index = search_repository.index(session)
        await session.flush()
        docs = await search_repository.documents(session, video_ids=[video.id])
        if docs:
            await index.replace(session, docs)
        else:
            await index.delete(session, [video.id])

    async def remove(self, session: AsyncSession, video_id: uuid.UUID) -> None:
        """Drop a video from the index (it is being deleted)."""
        await search_repository.index(session).delete(session, [video_id])

    async def reindex_owner(self, session: AsyncSession, user_id: uuid.UUID) -> int:
        """Index the listed videos of a user again (their display name changed).
        Returns how many were indexed."""
        await session.flush()
        docs = await search_repository.documents(session, owner_id=user_id)
        if docs:
            await search_repository.index(session).replace(session, docs)
        return len(docs)

    async def rebuild(self, session: AsyncSession) -> int:
        """Re-create the whole index from the listed videos in a few set-based
        statements (seconds for 100,000 videos). Returns how many were indexed."""
        await session.flush()
        docs = await search_repository.documents(session)
        await search_repository.index(session).load_all(session, docs)
        return len(docs)

    async def search(
        self,
        session: AsyncSession,
        actor: Actor | None,
        query: str,
        first: int = DEFAULT_PAGE,
        after: str | None = None,
        *,
        with_total: bool = False,
    ) -> SearchPage:
        """One page of listed videos matching every word of `query` (the last
        one as a prefix while it may still be typed), best first.

        The results are the same for everyone, `actor` included: search shows
        only what is public. `with_total` also counts the matches (see `count`)."""
        if not 1 <= first <= MAX_PAGE:
            raise ValidationFailed(f"Ask for 1 to {MAX_PAGE} results.", field="first")
        position = self._position(after)
        parsed = SearchQuery.parse(query)
        if parsed.empty:
            return SearchPage(query=parsed, total=0 if with_total else None)
        index = search_repository.index(session)
        ranked = await index.ranked(session, parsed, first + 1, position)
        total = None
        if with_total:
            counted = ranked[0].match_count if ranked else None
            if counted is not None:
                total = counted
            elif not ranked and position is None:
                total = 0
            else:
                total = await index.count(session, parsed, COUNT_CAP + 1)
        page, has_next = ranked[:first], len(ranked) > first
        videos = {
            v.id: v for v in await search_repository.videos(session, [r.video_id for r in page])
        }
        hits = [
            SearchHit(
                video=videos[r.video_id],
                cursor=encode_cursor(CURSOR_SORT, r.key, r.video_id),
                title_html=highlight(videos[r.video_id].title, parsed),
                snippet_html=snippet(videos[r.video_id].description, parsed),
            )
            for r in page
            # Unlisted between the two queries: leave it out, keep the page.
            if r.video_id in videos
        ]
        return SearchPage(query=parsed, hits=hits, has_next=has_next, total=total)

    def _position(self, after: str | None) -> tuple[float, uuid.UUID] | None:
        return decode_after(after, CURSOR_SORT, float)

    async def count(self, session: AsyncSession, query: str) -> int:
        """How many listed videos match, counted up to `COUNT_CAP` + 1 (so callers
        can say "more than 1,000")."""
        parsed = SearchQuery.parse(query)
        if parsed.empty:
            return 0
        return await search_repository.index(session).count(session, parsed, COUNT_CAP + 1)

    async def suggest(self, session: AsyncSession, prefix: str, limit: int = 8) -> list[Suggestion]:
        """What to offer under the search box while `prefix` is typed: the best
        matching videos' titles, then tags and creators whose names match."""
        if not 1 <= limit <= MAX_SUGGESTIONS:
            raise ValidationFailed(f"Ask for 1 to {MAX_SUGGESTIONS} suggestions.", field="limit")
        parsed = SearchQuery.parse(prefix)
        if parsed.empty:
            return []
        ranked = await search_repository.index(session).ranked(session, parsed, SUGGEST_POOL, None)
        candidates = await search_repository.suggest_candidates(
            session, [r.video_id for r in ranked]
        )
        videos: list[Suggestion] = []
        tags: list[Suggestion] = []
        creators: list[Suggestion] = []
        for c in candidates:
            if parsed.matches_all(c.title):
                videos.append(Suggestion(c.title, SuggestionKind.VIDEO, c.video_id))
            for tag in c.tags:
                if parsed.matches_all(tag) and all(s.text != tag for s in tags):
                    tags.append(Suggestion(tag, SuggestionKind.TAG))
            if parsed.matches_all(c.creator) and all(s.text != c.creator for s in creators):
                creators.append(Suggestion(c.creator, SuggestionKind.CREATOR))
        # Leave room for a couple of tags and creators below the titles.
        others = (tags[:2] + creators[:2])[: max(0, limit - 1)]
        return (videos[: limit - len(others)] + others)[:limit]


search_service = SearchService()
