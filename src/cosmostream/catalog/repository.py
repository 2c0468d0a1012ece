"""SQL for discovery: keyset listings over listed videos, rows, picks, trending.

Every listing reads `videos.listed` first so it walks one of the
`(listed, <sort key>, id)` indexes in order and stops after a page.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    delete,
    func,
    literal,
    or_,
    select,
    true,
    union_all,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import InstrumentedAttribute, aliased, selectinload
from sqlalchemy.sql.base import ExecutableOption
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from cosmostream.account.schemas import Actor
from cosmostream.catalog.schemas import DURATION_BANDS, DurationBand, VideoSort
from cosmostream.kit.time import utcnow
from cosmostream.models import (
    Category,
    CreatorRanking,
    Follow,
    StaffPick,
    User,
    UserFavouriteCategory,
    Video,
    VideoDailyStats,
    VideoTag,
    WatchHistory,
)
from cosmostream.models.base import UTCDateTime
from cosmostream.video.policy import viewable_clause

SORT_COLUMNS: dict[VideoSort, InstrumentedAttribute[Any]] = {
    VideoSort.NEWEST: Video.published_at,
    VideoSort.MOST_VIEWED: Video.view_count,
    VideoSort.TRENDING: Video.trending_score,
    VideoSort.LONGEST: Video.duration_seconds,
}

LISTED = Video.listed == true()

_S = TypeVar("_S", bound=Select[Any])
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# Up to this window an upload-date filter is selective enough to drive the query.
NARROW_WINDOW = timedelta(days=31)


class unindexed(FunctionElement[Any]):
    """A column SQLite must not pick an index for (`+col`); plain on other databases.

    SQLite has no statistics here, so given a range filter on one indexed
    column and an ORDER BY on another it prefers the range and sorts every
    match; walking the sort's index and stopping after a page is far cheaper.
    """

    inherit_cache = True
    name = "unindexed"

    def __init__(self, column: ColumnElement[Any]) -> None:
        super().__init__(column)
        self.type = column.type


# For queries that start from a small table (picks, tags, history) and only
# check each video: the `listed` indexes would make SQLite walk every video.
LISTED_NO_INDEX = unindexed(Video.listed.expression) == true()


@compiles(unindexed)
def _unindexed_default(element: unindexed, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.clauses, **kw)


@compiles(unindexed, "sqlite")
def _unindexed_sqlite(element: unindexed, compiler: SQLCompiler, **kw: Any) -> str:
    return "+" + compiler.process(element.clauses, **kw)


@dataclass(frozen=True)
class Listing:
    """A listing query with its filters already resolved to ids and instants."""

    sort: VideoSort = VideoSort.NEWEST
    category_id: uuid.UUID | None = None
    duration: DurationBand | None = None
    published_since: datetime | None = None
    owner_ids: tuple[uuid.UUID, ...] | None = None
    followed_by: uuid.UUID | None = None
    after: tuple[object, uuid.UUID] | None = None


def _full() -> tuple[ExecutableOption, ...]:
    # What a video card and the GraphQL Video type read without lazy loads.
    return (selectinload(Video.owner), selectinload(Video.category), selectinload(Video.tags))


def _listing_where(listing: Listing) -> list[ColumnElement[bool]]:
    column = SORT_COLUMNS[listing.sort]
    # A recent-uploads window matches few rows: let its index drive and sort
    # the matches. Otherwise walk the sort's index and filter as it goes.
    narrow = (
        listing.published_since is not None and utcnow() - listing.published_since <= NARROW_WINDOW
    )
    duration: ColumnElement[Any] = Video.duration_seconds.expression
    if narrow or listing.sort is not VideoSort.LONGEST:
        duration = unindexed(duration)
    published: ColumnElement[Any] = Video.published_at.expression
    if not narrow and listing.sort is not VideoSort.NEWEST:
        published = unindexed(published)

    by_owner = listing.owner_ids is not None or listing.followed_by is not None
    # A few creators' videos are found faster through the owner index than by
    # walking the whole catalogue in order looking for theirs.
    where: list[ColumnElement[bool]] = [LISTED_NO_INDEX if by_owner else LISTED]
    if listing.sort is VideoSort.LONGEST:
        # Ready videos always have a duration; the guard keeps NULLs out of the keyset.
        where.append(duration.is_not(None))
    if listing.category_id is not None:
        where.append(Video.category_id == listing.category_id)
    if listing.duration is not None:
        low, high = DURATION_BANDS[listing.duration]
        if low is not None:
            where.append(duration >= low)
        if high is not None:
            where.append(duration < high)
    if listing.published_since is not None:
        where.append(published >= listing.published_since)
    if listing.owner_ids is not None:
        where.append(Video.owner_id.in_(listing.owner_ids))
    if listing.followed_by is not None:
        where.append(
            Video.owner_id.in_(
                select(Follow.followee_id).where(Follow.follower_id == listing.followed_by)
            )
        )
    if listing.after is not None:
        key, last_id = listing.after
        # `key <= k` lets the index seek to the cursor; the OR only decides ties.
        where.append(and_(column <= key, or_(column < key, Video.id < last_id)))
    return where


def _newest_of_followed(listing: Listing) -> bool:
    return (
        listing.followed_by is not None
        and listing.sort is VideoSort.NEWEST
        and listing.category_id is None
        and listing.duration is None
        and listing.published_since is None
        and listing.owner_ids is None
    )


def _filtered(stmt: _S, listing: Listing, limit: int) -> _S:
    """`stmt` (over videos) narrowed to the listing; `limit` is the page size."""
    if not _newest_of_followed(listing):
        return stmt.where(*_listing_where(listing))
    # Followed creators can own a large share of the catalogue (40,000 of 100,000
    # videos in the benchmark): gathering all of theirs and sorting took 100 ms
    # on SQLite. Only each creator's own newest `limit` can make the page, so the
    # `limit`-th newest bounds a range scan of (owner_id, listed, published_at)
    # per creator: about `limit` rows each. Ties at the bound let a few more
    # through, never fewer.
    followed = (
        select(Follow.followee_id.label("owner_id"))
        .where(Follow.follower_id == listing.followed_by)
        # OFFSET (LIMIT -1 on SQLite) keeps the subquery from being flattened, so
        # the follows drive the join even where SQLite has no statistics.
        .offset(0)
        .subquery()
    )
    inner = aliased(Video)
    bounds: list[ColumnElement[bool]] = [
        inner.owner_id == followed.c.owner_id,
        inner.listed == true(),
    ]
    where: list[ColumnElement[bool]] = [LISTED]
    if listing.after is not None:
        key, last_id = listing.after
        bounds.append(
            and_(inner.published_at <= key, or_(inner.published_at < key, inner.id < last_id))
        )
        # Checked on the few rows the bound lets through; as an index range it
        # would have SQLite walk the whole catalogue from the cursor instead.
        published = unindexed(Video.published_at.expression)
        where.append(and_(published <= key, or_(published < key, Video.id < last_id)))
    # Only the bound's value matters, so no tie-break: the owner index gives it in order.
    nth = (
        select(inner.published_at)
        .where(*bounds)
        .order_by(inner.published_at.desc())
        .offset(max(limit, 1) - 1)
        .limit(1)
        .correlate(followed)
        .scalar_subquery()
    )
    # Fewer than `limit` videos: no bound (the epoch is before any publication).
    where.append(Video.published_at >= func.coalesce(nth, literal(_EPOCH, UTCDateTime())))
    return stmt.join_from(followed, Video, Video.owner_id == followed.c.owner_id).where(*where)


def listing_statement(listing: Listing, limit: int) -> Select[Video]:
    column = SORT_COLUMNS[listing.sort]
    return (
        _filtered(select(Video), listing, limit)
        .order_by(column.desc(), Video.id.desc())
        .limit(limit)
    )


def _ids_statement(listing: Listing, limit: int) -> Select[uuid.UUID]:
    column = SORT_COLUMNS[listing.sort]
    return (
        _filtered(select(Video.id), listing, limit)
        .order_by(column.desc(), Video.id.desc())
        .limit(limit)
    )


class CatalogRepository:
    async def page(self, session: AsyncSession, listing: Listing, limit: int) -> list[Video]:
        """Up to `limit` listed videos in the listing's order, fully loaded."""
        return list(await session.scalars(listing_statement(listing, limit).options(*_full())))

    async def page_ids(
        self, session: AsyncSession, listings: Sequence[Listing], limit: int
    ) -> list[list[uuid.UUID]]:
        """The first `limit` ids of each listing, in one statement."""
        if not listings:
            return []
        # Each branch is wrapped so its own ORDER BY / LIMIT survive the UNION
        # (SQLite allows neither directly inside a compound select).
        branches = []
        for n, listing in enumerate(listings):
            inner = _ids_statement(listing, limit).subquery()
            branches.append(select(literal(n).label("row"), inner.c.id))
        rows = await session.execute(union_all(*branches))
        result: list[list[uuid.UUID]] = [[] for _ in listings]
        for row, video_id in rows:
            result[row].append(video_id)
        return result

    async def load_many(self, session: AsyncSession, ids: Sequence[uuid.UUID]) -> list[Video]:
        """Videos by id, fully loaded, in the order of `ids` (missing ones skipped)."""
        if not ids:
            return []
        found = {
            v.id: v
            for v in await session.scalars(select(Video).where(Video.id.in_(ids)).options(*_full()))
        }
        return [found[i] for i in ids if i in found]

    # -- categories ------------------------------------------------------------

    async def category_by_slug(self, session: AsyncSession, slug: str) -> Category | None:
        return await session.scalar(select(Category).where(Category.slug == slug))

    async def categories(self, session: AsyncSession) -> list[Category]:
        return list(
            await session.scalars(select(Category).order_by(Category.position, Category.name))
        )

    async def favourite_category_ids(
        self, session: AsyncSession, user_id: uuid.UUID
    ) -> set[uuid.UUID]:
        return set(
            await session.scalars(
                select(UserFavouriteCategory.category_id).where(
                    UserFavouriteCategory.user_id == user_id
                )
            )
        )

    async def trending_category_ids(self, session: AsyncSession, limit: int) -> list[uuid.UUID]:
        """The categories of the `limit` most trending listed videos (with repeats)."""
        rows = await session.scalars(
            select(Video.category_id)
            .where(LISTED)
            .order_by(Video.trending_score.desc(), Video.id.desc())
            .limit(limit)
        )
        return [c for c in rows if c is not None]

    async def category_counts(
        self, session: AsyncSession, category_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, int]:
        """Listed videos per category, one index range count each, in one statement.

        (A GROUP BY over all videos would walk the `listed` index and the
        table; counting per category stays on the category index.)
        """
        if not category_ids:
            return {}
        branches = [
            select(literal(n).label("n"), func.count().label("count")).where(
                Video.category_id == cid, LISTED
            )
            for n, cid in enumerate(category_ids)
        ]
        rows = await session.execute(union_all(*branches))
        return {category_ids[n]: int(count) for n, count in rows}

    async def category_covers(
        self, session: AsyncSession, category_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, Video]:
        """The most viewed listed video of each category (one statement)."""
        if not category_ids:
            return {}
        branches = []
        for cid in category_ids:
            inner = (
                select(Video.id)
                .where(Video.category_id == cid, LISTED)
                .order_by(Video.view_count.desc(), Video.id.desc())
                .limit(1)
                .subquery()
            )
            branches.append(select(inner.c.id))
        ids = list(await session.scalars(union_all(*branches)))
        if not ids:
            return {}
        videos = await session.scalars(select(Video).where(Video.id.in_(ids)))
        return {v.category_id: v for v in videos if v.category_id is not None}

    # -- staff picks -----------------------------------------------------------

    async def staff_picks(self, session: AsyncSession, limit: int) -> list[Video]:
        return list(
            await session.scalars(
                select(Video)
                .join(StaffPick, StaffPick.video_id == Video.id)
                .where(LISTED_NO_INDEX)
                .order_by(StaffPick.created_at.desc(), StaffPick.video_id.desc())
                .limit(limit)
                .options(*_full())
            )
        )

    async def staff_pick_ids(self, session: AsyncSession, limit: int) -> list[uuid.UUID]:
        return list(
            await session.scalars(
                select(StaffPick.video_id)
                .join(Video, Video.id == StaffPick.video_id)
                .where(LISTED_NO_INDEX)
                .order_by(StaffPick.created_at.desc(), StaffPick.video_id.desc())
                .limit(limit)
            )
        )

    async def picked_ids(
        self, session: AsyncSession, video_ids: Sequence[uuid.UUID]
    ) -> set[uuid.UUID]:
        if not video_ids:
            return set()
        return set(
            await session.scalars(
                select(StaffPick.video_id).where(StaffPick.video_id.in_(video_ids))
            )
        )

    async def get_pick(self, session: AsyncSession, video_id: uuid.UUID) -> StaffPick | None:
        return await session.get(StaffPick, video_id)

    async def remove_pick(self, session: AsyncSession, video_id: uuid.UUID) -> None:
        await session.execute(delete(StaffPick).where(StaffPick.video_id == video_id))

    # -- channels --------------------------------------------------------------

    async def channel_page(
        self,
        session: AsyncSession,
        owner_id: uuid.UUID,
        viewer: Actor | None,
        sort: VideoSort,
        after: tuple[object, uuid.UUID] | None,
        limit: int,
    ) -> list[Video]:
        """Up to `limit` of one creator's listed videos, newest or most viewed
        first, after the keyset `after`; scoped by `viewable_clause` as well, so
        the list can never hold a video its reader may not watch.

        Query plan (measured with 100,000 videos, 20 creators of 4,500 listed
        each, the page with its owner and tag loads): NEWEST seeks
        `ix_videos_owner_listed_published` to (owner_id, listed = true), walks
        it backwards and stops after a page; only ties of `published_at` are
        sorted on the id (6.9 ms on SQLite, 2.9 ms on PostgreSQL).
        MOST_VIEWED on SQLite reads the creator's listed rows from that range
        and keeps the top `limit` (14.7 ms); PostgreSQL, with statistics,
        walks `ix_videos_listed_views` backwards filtering on the owner when
        the creator is large, or takes the owner range when small (3.0 ms).
        Either way a page never costs more than the creator's own catalogue.
        """
        # On SQLite (no statistics) only the owner index may drive: the `+` on
        # the id, and on the key when it is not the index's next column, stops
        # the planner from walking a whole-catalogue index in order instead.
        column: ColumnElement[Any] = SORT_COLUMNS[sort].expression
        if sort is not VideoSort.NEWEST:
            column = unindexed(column)
        where: list[ColumnElement[bool]] = [
            Video.owner_id == owner_id,
            LISTED,
            viewable_clause(viewer),
        ]
        if after is not None:
            key, last_id = after
            where.append(and_(column <= key, or_(column < key, Video.id < last_id)))
        return list(
            await session.scalars(
                select(Video)
                .where(*where)
                .order_by(column.desc(), unindexed(Video.id.expression).desc())
                .limit(limit)
                .options(*_full())
            )
        )

    async def channel_totals(self, session: AsyncSession, owner_id: uuid.UUID) -> tuple[int, int]:
        """(listed videos, their views) of one creator: the owner's range of an
        owner index, and each row for its `view_count` (4,500 listed videos:
        13 ms on SQLite, 2.8 ms on PostgreSQL)."""
        row = (
            await session.execute(
                select(func.count(), func.coalesce(func.sum(Video.view_count), 0)).where(
                    Video.owner_id == owner_id, LISTED
                )
            )
        ).one()
        return int(row[0]), int(row[1])

    # -- continue watching -----------------------------------------------------

    async def continue_watching(
        self, session: AsyncSession, user_id: uuid.UUID, limit: int
    ) -> list[tuple[WatchHistory, Video]]:
        """Unfinished videos of the user's history, most recently watched first.

        Only videos listed now, or the viewer's own: history must not leak a
        video that has since gone private.
        """
        rows = await session.execute(
            select(WatchHistory, Video)
            .join(Video, Video.id == WatchHistory.video_id)
            .where(
                WatchHistory.user_id == user_id,
                WatchHistory.completed.is_(False),
                WatchHistory.position > 0,
                or_(LISTED, and_(Video.owner_id == user_id, Video.playable == true())),
            )
            .order_by(WatchHistory.updated_at.desc())
            .limit(limit)
            .options(*_full())
        )
        return [(h, v) for h, v in rows]

    # -- trending --------------------------------------------------------------

    async def recompute_trending(
        self, session: AsyncSession, since: date, weights: dict[date, float]
    ) -> None:
        """Set `trending_score` from the daily stats since `since`, each day
        weighted by `weights`; videos without stats in the window get 0."""
        weight = case(
            *((VideoDailyStats.day == day, literal(w)) for day, w in weights.items()),
            else_=literal(0.0),
        )
        engagement = (
            VideoDailyStats.views
            + VideoDailyStats.watch_seconds / 3600.0
            + VideoDailyStats.likes * 4
            + VideoDailyStats.comments * 6
        )
        in_window = (
            select(VideoDailyStats.video_id)
            .where(VideoDailyStats.video_id == Video.id, VideoDailyStats.day >= since)
            .exists()
        )
        scores = (
            select(VideoDailyStats.video_id, func.sum(engagement * weight).label("score"))
            .where(VideoDailyStats.day >= since)
            .group_by(VideoDailyStats.video_id)
            .subquery()
        )
        # Fall-outs decay to zero; the rest get their sum. Only changed rows are
        # written: within a day a video's score moves only when its stats do.
        await session.execute(
            update(Video)
            .where(Video.trending_score != 0, ~in_window)
            # A score is not an edit: keep `updated_at` as it was.
            .values(trending_score=0.0, updated_at=Video.updated_at)
            .execution_options(synchronize_session=False)
        )
        await session.execute(
            update(Video)
            .where(Video.id == scores.c.video_id, Video.trending_score != scores.c.score)
            .values(trending_score=scores.c.score, updated_at=Video.updated_at)
            .execution_options(synchronize_session=False)
        )

    # -- rising creators -------------------------------------------------------

    async def creator_views(
        self, session: AsyncSession, since: date, split: date
    ) -> list[tuple[uuid.UUID, int, int]]:
        """(creator, views since `split`, views from `since` to `split`) over listed videos."""
        # Summing per video first (in primary-key order), then joining one sum
        # per video, is about twice as fast as joining every daily row.
        per_video = (
            select(
                VideoDailyStats.video_id,
                func.sum(
                    case((VideoDailyStats.day >= split, VideoDailyStats.views), else_=0)
                ).label("recent"),
                func.sum(case((VideoDailyStats.day < split, VideoDailyStats.views), else_=0)).label(
                    "before"
                ),
            )
            .where(VideoDailyStats.day >= since)
            .group_by(VideoDailyStats.video_id)
            .subquery()
        )
        rows = await session.execute(
            select(Video.owner_id, func.sum(per_video.c.recent), func.sum(per_video.c.before))
            .join(per_video, per_video.c.video_id == Video.id)
            .where(LISTED_NO_INDEX)
            .group_by(Video.owner_id)
        )
        return [(owner, int(r or 0), int(b or 0)) for owner, r, b in rows]

    async def creator_rankings(self, session: AsyncSession, limit: int) -> list[CreatorRanking]:
        return list(
            await session.scalars(
                select(CreatorRanking)
                .order_by(CreatorRanking.score.desc(), CreatorRanking.user_id)
                .limit(limit)
            )
        )

    async def replace_creator_rankings(
        self, session: AsyncSession, rows: Sequence[CreatorRanking]
    ) -> None:
        await session.execute(delete(CreatorRanking))
        session.add_all(rows)
        await session.flush()

    async def new_followers(self, session: AsyncSession, since: datetime) -> dict[uuid.UUID, int]:
        rows = await session.execute(
            select(Follow.followee_id, func.count())
            .where(Follow.created_at >= since)
            .group_by(Follow.followee_id)
        )
        return {uid: int(n) for uid, n in rows}

    async def creators_with_listed_videos(
        self, session: AsyncSession, ids: Sequence[uuid.UUID]
    ) -> list[User]:
        """Enabled users among `ids` who have at least one listed video."""
        if not ids:
            return []
        has_listed = select(Video.id).where(Video.owner_id == User.id, LISTED).exists()
        return list(
            await session.scalars(
                select(User).where(User.id.in_(ids), User.disabled_at.is_(None), has_listed)
            )
        )

    async def follower_counts(
        self, session: AsyncSession, ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, int]:
        if not ids:
            return {}
        rows = await session.execute(
            select(Follow.followee_id, func.count())
            .where(Follow.followee_id.in_(ids))
            .group_by(Follow.followee_id)
        )
        return {uid: int(n) for uid, n in rows}

    # -- up next ---------------------------------------------------------------

    async def related_ids(
        self,
        session: AsyncSession,
        sources: Sequence[tuple[uuid.UUID, uuid.UUID | None]],
        limit: int,
    ) -> dict[uuid.UUID, list[uuid.UUID]]:
        """For each (video, its category): up to `limit` other listed videos
        sharing a tag (most shared tags first, then same category, then
        trending), topped up with the category's trending videos, then the
        site's. One statement for any number of sources."""
        branches = []
        for n, (video_id, category_id) in enumerate(sources):
            same = (
                case((Video.category_id == category_id, 1), else_=0)
                if category_id is not None
                else literal(0)
            )
            # Starting from the tags touches only videos that share one, not
            # the whole category.
            shared = (
                select(Video.id)
                .join(VideoTag, VideoTag.video_id == Video.id)
                .where(
                    VideoTag.tag.in_(select(VideoTag.tag).where(VideoTag.video_id == video_id)),
                    Video.id != video_id,
                    LISTED_NO_INDEX,
                )
                .group_by(Video.id, Video.category_id, Video.trending_score)
                .order_by(
                    func.count().desc(), same.desc(), Video.trending_score.desc(), Video.id.desc()
                )
                .limit(limit)
                .subquery()
            )
            branches.append(
                select(literal(n).label("source"), literal(0).label("part"), shared.c.id)
            )
            if category_id is not None:
                # Up to `limit` of these may repeat a tag match, hence twice as many.
                category = (
                    select(Video.id)
                    .where(Video.category_id == category_id, Video.id != video_id, LISTED)
                    .order_by(Video.trending_score.desc(), Video.id.desc())
                    .limit(limit * 2)
                    .subquery()
                )
                branches.append(
                    select(literal(n).label("source"), literal(1).label("part"), category.c.id)
                )
        result: dict[uuid.UUID, list[uuid.UUID]] = {s[0]: [] for s in sources}
        if not branches:
            return result
        # A niche video still gets a full list: the site's trending videos, shared
        # by every source, fill what tags and category leave empty.
        popular = (
            select(Video.id)
            .where(LISTED)
            .order_by(Video.trending_score.desc(), Video.id.desc())
            .limit(limit * 3)
            .subquery()
        )
        branches.append(select(literal(-1).label("source"), literal(2).label("part"), popular.c.id))
        rows = (await session.execute(union_all(*branches))).all()
        # UNION ALL keeps no order across branches: tag matches first, each in its own order.
        for part in (0, 1):
            for n, row_part, related_id in rows:
                ids = result[sources[n][0]] if n >= 0 else []
                if row_part == part and len(ids) < limit and related_id not in ids:
                    ids.append(related_id)
        fillers = [related_id for _, row_part, related_id in rows if row_part == 2]
        for video_id, _ in sources:
            ids = result[video_id]
            for related_id in fillers:
                if len(ids) >= limit:
                    break
                if related_id != video_id and related_id not in ids:
                    ids.append(related_id)
        return result

    async def tags_of(
        self, session: AsyncSession, video_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, list[str]]:
        result: dict[uuid.UUID, list[str]] = {i: [] for i in video_ids}
        rows = await session.execute(
            select(VideoTag.video_id, VideoTag.tag)
            .where(VideoTag.video_id.in_(video_ids))
            .order_by(VideoTag.video_id, VideoTag.position)
        )
        for vid, tag in rows:
            result[vid].append(tag)
        return result


catalog_repository = CatalogRepository()
