"""Discovery: what viewers can browse, and in which order.

Only listed videos (public and ready, see `video_service.refresh_listing`)
ever appear here, whoever asks: private, unlisted and unfinished videos are
reachable by their link alone. Every listing is keyset-paginated on
(sort key, id) with opaque cursors, so new uploads arriving between two pages
neither repeat nor skip anything.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Sequence
from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from cosmostream.account.schemas import Actor
from cosmostream.catalog.errors import CategoryNotFound, NotPickable
from cosmostream.catalog.repository import Listing, catalog_repository
from cosmostream.catalog.schemas import (
    CHANNEL_SORTS,
    DEFAULT_PAGE,
    MAX_PAGE,
    UPLOAD_WINDOWS,
    CategoryRow,
    CategoryStats,
    CategorySummary,
    Channel,
    ChannelTotals,
    ContinueWatching,
    Discover,
    HomeRows,
    RisingCreator,
    UpNextRequest,
    VideoFilter,
    VideoPage,
    VideoSort,
)
from cosmostream.errors import NotAuthenticated, PermissionDenied, ValidationFailed
from cosmostream.kit.pagination import decode_after, page_size
from cosmostream.kit.time import utcnow
from cosmostream.models import Category, CreatorRanking, StaffPick, Video
from cosmostream.video.errors import VideoNotFound
from cosmostream.video.repository import video_repository

ROW_SIZE = 12
HOME_CATEGORY_ROWS = 3
TOP_CATEGORY_SAMPLE = 200
UP_NEXT_MAX = 24

# Trending: a day's engagement loses half its weight every HALF_LIFE_DAYS and
# is forgotten after TRENDING_WINDOW_DAYS.
HALF_LIFE_DAYS = 2.0
TRENDING_WINDOW_DAYS = 14

# Rising creators: one new follower counts like this many extra weekly views.
FOLLOWER_WEIGHT = 10
# How many rising creators the periodic ranking keeps.
RISING_KEPT = 100


def _check_first(first: int, maximum: int = MAX_PAGE) -> int:
    return page_size(first, maximum)


def _cursor(after: str | None, sort: VideoSort) -> tuple[object, uuid.UUID] | None:
    name = f"videos:{sort.value}"
    if sort is VideoSort.NEWEST:
        return decode_after(after, name, datetime)
    if sort is VideoSort.MOST_VIEWED:
        return decode_after(after, name, int)
    return decode_after(after, name, float)


def trending_weights(today: date) -> dict[date, float]:
    """The decay weight of each day in the trending window (today weighs 1)."""
    return {
        today - timedelta(days=age): 0.5 ** (age / HALF_LIFE_DAYS)
        for age in range(TRENDING_WINDOW_DAYS)
    }


class CatalogService:
    # -- listings --------------------------------------------------------------

    async def _listing(
        self,
        session: AsyncSession,
        filter: VideoFilter,
        sort: VideoSort,
        after: tuple[object, uuid.UUID] | None = None,
    ) -> Listing:
        category_id = None
        if filter.category:
            category = await catalog_repository.category_by_slug(session, filter.category)
            if category is None:
                raise ValidationFailed("Unknown category.", field="category")
            category_id = category.id
        return Listing(
            sort=sort,
            category_id=category_id,
            duration=filter.duration,
            published_since=utcnow() - UPLOAD_WINDOWS[filter.uploaded] if filter.uploaded else None,
            owner_ids=filter.owner_ids,
            followed_by=filter.followed_by,
            after=after,
        )

    async def list_videos(
        self,
        session: AsyncSession,
        filter: VideoFilter | None = None,
        sort: VideoSort = VideoSort.NEWEST,
        first: int = DEFAULT_PAGE,
        after: str | None = None,
    ) -> VideoPage:
        """One page of listed videos, `first` at most 100, after the cursor `after`.

        A cursor from another sort order, or one that is not ours, is a
        `BadCursor` (422). An unknown category slug is a `ValidationFailed`.
        """
        first = _check_first(first)
        cursor = _cursor(after, sort)
        listing = await self._listing(session, filter or VideoFilter(), sort, cursor)
        videos = await catalog_repository.page(session, listing, first + 1)
        return VideoPage(videos=videos[:first], sort=sort, has_next=len(videos) > first)

    async def channel(
        self,
        session: AsyncSession,
        actor: Actor | None,
        owner_id: uuid.UUID,
        sort: VideoSort = VideoSort.NEWEST,
        first: int = DEFAULT_PAGE,
        after: str | None = None,
    ) -> Channel:
        """A creator's channel: one page of their listed videos (newest or most
        viewed first, keyset-paginated like every listing) with their number of
        listed videos and the views those videos have. Private, unlisted and
        unfinished videos stay off it, for their owner too: it is the public
        face of the channel, and `/content` is where owners see everything."""
        if sort not in CHANNEL_SORTS:
            raise ValidationFailed("Channels sort by newest or most viewed.", field="sort")
        first = _check_first(first)
        cursor = _cursor(after, sort)
        videos = await catalog_repository.channel_page(
            session, owner_id, actor, sort, cursor, first + 1
        )
        count, views = await catalog_repository.channel_totals(session, owner_id)
        page = VideoPage(videos=videos[:first], sort=sort, has_next=len(videos) > first)
        return Channel(page=page, video_count=count, total_views=views)

    async def channel_totals(self, session: AsyncSession, owner_id: uuid.UUID) -> ChannelTotals:
        """A channel's number of listed videos and the views they have (the
        figures of `channel` without a page of videos: its other tabs)."""
        count, views = await catalog_repository.channel_totals(session, owner_id)
        return ChannelTotals(video_count=count, total_views=views)

    async def trending(self, session: AsyncSession, first: int = DEFAULT_PAGE) -> list[Video]:
        page = await self.list_videos(session, sort=VideoSort.TRENDING, first=first)
        return page.videos

    async def staff_picks(self, session: AsyncSession, first: int = DEFAULT_PAGE) -> list[Video]:
        """Listed videos pinned by admins, most recently pinned first."""
        return await catalog_repository.staff_picks(session, _check_first(first))

    # -- home ------------------------------------------------------------------

    async def home(self, session: AsyncSession, actor: Actor | None) -> HomeRows:
        """The rows of the home page: continue watching and following for a
        signed-in viewer, then staff picks, trending, new, and a row per
        favourite category (or the biggest categories when there are none)."""
        rows = HomeRows(topics=await catalog_repository.categories(session))
        if actor is not None:
            rows.favourite_ids = await catalog_repository.favourite_category_ids(session, actor.id)
        categories = [c for c in rows.topics if c.id in rows.favourite_ids]
        if not categories:
            categories = await self._top_categories(session, rows.topics, HOME_CATEGORY_ROWS)

        listings = [
            Listing(sort=VideoSort.TRENDING),
            Listing(sort=VideoSort.NEWEST),
            *(Listing(sort=VideoSort.NEWEST, category_id=c.id) for c in categories),
        ]
        if actor is not None:
            listings.append(Listing(sort=VideoSort.NEWEST, followed_by=actor.id))
        ids = await catalog_repository.page_ids(session, listings, ROW_SIZE)
        picks = await catalog_repository.staff_pick_ids(session, ROW_SIZE)
        wanted = list(dict.fromkeys([i for row in ids for i in row] + picks))
        found = {v.id: v for v in await catalog_repository.load_many(session, wanted)}

        def videos(row: Sequence[uuid.UUID]) -> list[Video]:
            return [found[i] for i in row if i in found]

        rows.trending, rows.new = videos(ids[0]), videos(ids[1])
        rows.categories = [
            CategoryRow(category=c, videos=videos(ids[2 + n])) for n, c in enumerate(categories)
        ]
        rows.staff_picks = videos(picks)
        if actor is not None:
            rows.following = videos(ids[-1])
            rows.continue_watching = await self.continue_watching(session, actor)
        return rows

    async def continue_watching(
        self, session: AsyncSession, actor: Actor, first: int = ROW_SIZE
    ) -> list[ContinueWatching]:
        """Videos the viewer started and did not finish, most recent first."""
        rows = await catalog_repository.continue_watching(session, actor.id, _check_first(first))
        result = []
        for history, video in rows:
            length = video.duration_seconds or 0.0
            progress = min(1.0, history.position / length) if length > 0 else 0.0
            result.append(
                ContinueWatching(video=video, position=history.position, progress=progress)
            )
        return result

    # -- categories ------------------------------------------------------------

    async def _top_categories(
        self, session: AsyncSession, categories: Sequence[Category], first: int
    ) -> list[Category]:
        """The categories most present among what is trending now.

        Sampling the trending index is a cheap stand-in for "biggest": counting
        every category's videos would read the whole catalogue on each visit.
        """
        sample = await catalog_repository.trending_category_ids(session, TOP_CATEGORY_SAMPLE)
        counts = Counter(sample)
        ranked = [cid for cid, _ in counts.most_common(first)]
        by_id = {c.id: c for c in categories}
        return [by_id[c] for c in ranked if c in by_id]

    async def categories(self, session: AsyncSession) -> list[CategorySummary]:
        """Every category with its number of listed videos and a cover video."""
        categories = await catalog_repository.categories(session)
        stats = await self.category_stats(session, [c.id for c in categories])
        return [
            CategorySummary(
                category=c, video_count=stats[c.id].video_count, cover=stats[c.id].cover
            )
            for c in categories
        ]

    async def list_categories(self, session: AsyncSession) -> list[Category]:
        return await catalog_repository.categories(session)

    async def find_category(self, session: AsyncSession, slug: str) -> Category | None:
        return await catalog_repository.category_by_slug(session, slug)

    async def category(self, session: AsyncSession, slug: str) -> CategorySummary:
        category = await catalog_repository.category_by_slug(session, slug)
        if category is None:
            raise CategoryNotFound()
        stats = (await self.category_stats(session, [category.id]))[category.id]
        return CategorySummary(category=category, video_count=stats.video_count, cover=stats.cover)

    async def category_stats(
        self, session: AsyncSession, category_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, CategoryStats]:
        """Listed-video count and cover (the most viewed listed video) per category."""
        ids = list(dict.fromkeys(category_ids))
        if not ids:
            return {}
        counts = await catalog_repository.category_counts(session, ids)
        with_videos = [c for c in ids if counts.get(c)]
        covers = await catalog_repository.category_covers(session, with_videos)
        return {c: CategoryStats(video_count=counts.get(c, 0), cover=covers.get(c)) for c in ids}

    # -- discover --------------------------------------------------------------

    async def rising_creators(self, session: AsyncSession, first: int = 8) -> list[RisingCreator]:
        """Creators gaining an audience, fastest first, as ranked by the last
        `catalog.trending` run (see `recompute_rising_creators`). Creators
        disabled or left without a listed video since then are skipped."""
        first = _check_first(first, 50)
        ranked = await catalog_repository.creator_rankings(session, first * 3)
        users = {
            u.id: u
            for u in await catalog_repository.creators_with_listed_videos(
                session, [r.user_id for r in ranked]
            )
        }
        chosen = [r for r in ranked if r.user_id in users][:first]
        totals = await catalog_repository.follower_counts(session, [r.user_id for r in chosen])
        return [
            RisingCreator(
                user=users[r.user_id],
                views_this_week=r.views_this_week,
                views_last_week=r.views_last_week,
                new_followers=r.new_followers,
                follower_count=totals.get(r.user_id, 0),
                score=r.score,
            )
            for r in chosen
        ]

    async def recompute_rising_creators(
        self, session: AsyncSession, now: datetime | None = None
    ) -> int:
        """Rank the creators gaining an audience and keep the top RISING_KEPT.

        Score = views of their listed videos over the last 7 days minus the 7
        days before (from `video_daily_stats`), plus FOLLOWER_WEIGHT per follower
        gained over the last 7 days. Only enabled creators with at least one
        listed video and a positive score are ranked; ties go to the most
        recent views. Absolute growth rather than a ratio, so a single view on
        a new channel does not count as infinite growth.
        """
        now = now or utcnow()
        today = now.date()
        split = today - timedelta(days=6)
        views = {
            owner: (recent, before)
            for owner, recent, before in await catalog_repository.creator_views(
                session, since=split - timedelta(days=7), split=split
            )
        }
        followers = await catalog_repository.new_followers(session, now - timedelta(days=7))
        scores: dict[uuid.UUID, float] = {}
        for uid in set(views) | set(followers):
            recent, before = views.get(uid, (0, 0))
            score = recent - before + FOLLOWER_WEIGHT * followers.get(uid, 0)
            if score > 0:
                scores[uid] = score
        ranked = sorted(scores, key=lambda u: (-scores[u], -views.get(u, (0, 0))[0], str(u)))
        # Over-fetch: some candidates are disabled or have nothing listed.
        candidates = ranked[: RISING_KEPT * 2]
        eligible = {
            u.id for u in await catalog_repository.creators_with_listed_videos(session, candidates)
        }
        rows = [
            CreatorRanking(
                user_id=u,
                score=scores[u],
                views_this_week=views.get(u, (0, 0))[0],
                views_last_week=views.get(u, (0, 0))[1],
                new_followers=followers.get(u, 0),
                computed_at=now,
            )
            for u in candidates
            if u in eligible
        ][:RISING_KEPT]
        await catalog_repository.replace_creator_rankings(session, rows)
        return len(rows)

    async def discover(self, session: AsyncSession) -> Discover:
        trending = await self.trending(session, ROW_SIZE)
        picks = await self.staff_picks(session, ROW_SIZE)
        rising = await self.rising_creators(session)
        picked = await catalog_repository.picked_ids(session, [v.id for v in trending])
        return Discover(
            trending=trending,
            rising=rising,
            staff_picks=picks,
            picked_ids=picked | {v.id for v in picks},
        )

    # -- staff picks -----------------------------------------------------------

    def _require_admin(self, actor: Actor | None) -> Actor:
        if actor is None:
            raise NotAuthenticated()
        if not actor.is_admin:
            raise PermissionDenied("Only admins can choose staff picks.")
        return actor

    async def pin(self, session: AsyncSession, actor: Actor | None, video_id: uuid.UUID) -> Video:
        """Make a listed video a staff pick (admins only; pinning twice is a no-op)."""
        admin = self._require_admin(actor)
        video = await video_repository.get_full(session, video_id)
        if video is None:
            raise VideoNotFound()
        if not video.listed:
            raise NotPickable()
        if await catalog_repository.get_pick(session, video_id) is None:
            session.add(StaffPick(video_id=video_id, picked_by_id=admin.id, created_at=utcnow()))
            await session.flush()
        return video

    async def unpin(self, session: AsyncSession, actor: Actor | None, video_id: uuid.UUID) -> Video:
        """Remove a staff pick (admins only; unpinning a video that is not picked is a no-op)."""
        self._require_admin(actor)
        video = await video_repository.get_full(session, video_id)
        if video is None:
            raise VideoNotFound()
        await catalog_repository.remove_pick(session, video_id)
        return video

    async def is_picked(self, session: AsyncSession, video_id: uuid.UUID) -> bool:
        return bool(await catalog_repository.picked_ids(session, [video_id]))

    # -- up next ---------------------------------------------------------------

    async def up_next(self, session: AsyncSession, video: Video, first: int = 8) -> list[Video]:
        """Listed videos related to `video`: see `up_next_many`."""
        request = UpNextRequest.of(video, first)
        return (await self.up_next_many(session, [request]))[request]

    async def up_next_many(
        self, session: AsyncSession, requests: Sequence[UpNextRequest]
    ) -> dict[UpNextRequest, list[Video]]:
        """Up next for several videos at once, in a constant number of queries.

        Related means sharing a tag or the category; ranked by the number of
        shared tags, then same category, then trending score. Never the video
        itself, never anything unlisted.
        """
        if not requests:
            return {}
        limit = max(_check_first(r.first, UP_NEXT_MAX) for r in requests)
        sources = [(r.video_id, r.category_id) for r in requests]
        ids = await catalog_repository.related_ids(session, sources, limit)
        wanted = list(dict.fromkeys(i for row in ids.values() for i in row))
        found = {v.id: v for v in await catalog_repository.load_many(session, wanted)}
        return {
            r: [found[i] for i in ids[r.video_id] if i in found][: min(r.first, UP_NEXT_MAX)]
            for r in requests
        }

    # -- trending --------------------------------------------------------------

    async def recompute_trending(self, session: AsyncSession, now: datetime | None = None) -> None:
        """Recompute every video's trending score from its daily stats.

        score = Σ over the last 14 days of (views + watch hours + 4 * likes +
        6 * comments) * 0.5^(age in days / 2). Set-based and idempotent: run it
        twice and nothing changes; videos without recent stats fall to 0.
        """
        today = (now or utcnow()).date()
        weights = trending_weights(today)
        await catalog_repository.recompute_trending(session, min(weights), weights)


catalog_service = CatalogService()
