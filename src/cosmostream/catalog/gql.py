"""GraphQL for discovery: paginated video listings, trending, staff picks,
rising creators, categories with their videos, and up next."""

from __future__ import annotations

import uuid
from enum import Enum

import strawberry

from cosmostream.catalog import schemas
from cosmostream.catalog.service import catalog_service
from cosmostream.graphql.context import Info
from cosmostream.graphql.hubs import Category, User, Video, VideoConnection, video_connection
from cosmostream.kit.ids import parse_uuid, require_uuid
from cosmostream.video.errors import VideoNotFound
from cosmostream.video.urls import poster_url


@strawberry.enum(description="Orderings of video listings (each newest-id first on ties).")
class VideoSort(Enum):
    NEWEST = "newest"
    MOST_VIEWED = "views"
    TRENDING = "trending"
    LONGEST = "longest"


@strawberry.enum(description="SHORT < 4 min, MEDIUM 4-20 min, LONG > 20 min.")
class DurationBand(Enum):
    SHORT = "short"
    MEDIUM = "medium"
    LONG = "long"


@strawberry.enum(description="Published within the last day, 7, 30 or 365 days.")
class UploadDate(Enum):
    TODAY = "today"
    WEEK = "week"
    MONTH = "month"
    YEAR = "year"


@strawberry.input
class VideoFilter:
    category: str | None = strawberry.field(default=None, description="A category slug.")
    duration: DurationBand | None = None
    uploaded: UploadDate | None = None
    owner_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Only videos by these creators."
    )
    following: bool = strawberry.field(
        default=False, description="Only creators the signed-in viewer follows."
    )


@strawberry.type(description="A creator gaining an audience this week.")
class RisingCreator:
    user: User
    views_this_week: int
    views_last_week: int
    new_followers: int
    follower_count: int
    score: float


def _sort(value: VideoSort | None) -> schemas.VideoSort:
    return schemas.VideoSort(value.value) if value else schemas.VideoSort.NEWEST


def _filter(info: Info, value: VideoFilter | None) -> schemas.VideoFilter:
    if value is None:
        return schemas.VideoFilter()
    owner_ids = None
    if value.owner_ids is not None:
        # An id that is not a UUID cannot own anything: it just matches nothing.
        owner_ids = tuple(i for i in (parse_uuid(str(o)) for o in value.owner_ids) if i)
    followed_by = info.context.require_actor().id if value.following else None
    return schemas.VideoFilter(
        category=value.category or None,
        duration=schemas.DurationBand(value.duration.value) if value.duration else None,
        uploaded=schemas.UploadDate(value.uploaded.value) if value.uploaded else None,
        owner_ids=owner_ids,
        followed_by=followed_by,
    )


def _connection(page: schemas.VideoPage) -> VideoConnection:
    return video_connection(page.videos, page.cursor, page.has_next)


@strawberry.type
class CategoryCatalogFields(Category):
    """What the catalog adds to `Category`."""

    @strawberry.field(description="How many public videos it has.")
    async def video_count(self, info: Info) -> int:
        stats = await info.context.loaders.category_stats.load(uuid.UUID(str(self.id)))
        return stats.video_count

    @strawberry.field(description="The poster of its most viewed video, or null.")
    async def cover_url(self, info: Info) -> str | None:
        stats = await info.context.loaders.category_stats.load(uuid.UUID(str(self.id)))
        if stats.cover is None:
            return None
        return poster_url(stats.cover, "card")

    @strawberry.field(description="Its public videos (sort defaults to NEWEST, first <= 100).")
    async def videos(
        self, info: Info, sort: VideoSort | None = None, first: int = 24, after: str | None = None
    ) -> VideoConnection:
        async with info.context.db.read() as session:
            page = await catalog_service.list_videos(
                session, schemas.VideoFilter(category=self.slug), _sort(sort), first, after
            )
        return _connection(page)


@strawberry.type
class VideoCatalogFields(Video):
    """What the catalog adds to `Video`."""

    @strawberry.field(description="Related public videos: shared tags first, then its category.")
    async def up_next(self, info: Info, first: int = 8) -> list[Video]:
        request = schemas.UpNextRequest.of(self.model, first)
        return [Video(model=v) for v in await info.context.loaders.up_next.load(request)]


HUB_FIELDS = (CategoryCatalogFields, VideoCatalogFields)


@strawberry.type
class CatalogQuery:
    @strawberry.field(
        description="Public videos, filtered and sorted, Relay-paginated (first <= 100)."
    )
    async def videos(
        self,
        info: Info,
        filter: VideoFilter | None = None,
        sort: VideoSort = VideoSort.NEWEST,
        first: int = schemas.DEFAULT_PAGE,
        after: str | None = None,
    ) -> VideoConnection:
        criteria = _filter(info, filter)
        async with info.context.db.read() as session:
            page = await catalog_service.list_videos(session, criteria, _sort(sort), first, after)
        return _connection(page)

    @strawberry.field(description="The most trending public videos right now.")
    async def trending(self, info: Info, first: int = schemas.DEFAULT_PAGE) -> list[Video]:
        async with info.context.db.read() as session:
            videos = await catalog_service.trending(session, first)
        return [Video(model=v) for v in videos]

    @strawberry.field(description="Videos pinned by the staff, most recently pinned first.")
    async def staff_picks(self, info: Info, first: int = schemas.DEFAULT_PAGE) -> list[Video]:
        async with info.context.db.read() as session:
            videos = await catalog_service.staff_picks(session, first)
        return [Video(model=v) for v in videos]

    @strawberry.field(description="Creators whose views and followers grew most this week.")
    async def rising_creators(self, info: Info, first: int = 8) -> list[RisingCreator]:
        async with info.context.db.read() as session:
            rising = await catalog_service.rising_creators(session, first)
        return [
            RisingCreator(
                user=User(model=r.user),
                views_this_week=r.views_this_week,
                views_last_week=r.views_last_week,
                new_followers=r.new_followers,
                follower_count=r.follower_count,
                score=r.score,
            )
            for r in rising
        ]

    @strawberry.field
    async def category(self, info: Info, slug: str) -> Category | None:
        async with info.context.db.read() as session:
            found = await catalog_service.find_category(session, slug)
        return Category.from_model(found) if found else None


@strawberry.type
class CatalogMutation:
    @strawberry.mutation(description="Admins only: make a public video a staff pick.")
    async def pin_video(self, info: Info, video_id: strawberry.ID) -> Video:
        async with info.context.unit_of_work() as session:
            video = await catalog_service.pin(
                session, info.context.actor, require_uuid(video_id, VideoNotFound)
            )
        return Video(model=video)

    @strawberry.mutation(description="Admins only: remove a staff pick.")
    async def unpin_video(self, info: Info, video_id: strawberry.ID) -> Video:
        async with info.context.unit_of_work() as session:
            video = await catalog_service.unpin(
                session, info.context.actor, require_uuid(video_id, VideoNotFound)
            )
        return Video(model=video)
