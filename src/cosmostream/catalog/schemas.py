"""What discovery asks for (filters, sorts) and what it answers (pages, rows)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum

from cosmostream.kit.pagination import encode_cursor
from cosmostream.models import Category, User, Video

DEFAULT_PAGE = 24
MAX_PAGE = 100


class VideoSort(StrEnum):
    NEWEST = "newest"
    MOST_VIEWED = "views"
    TRENDING = "trending"
    LONGEST = "longest"


class DurationBand(StrEnum):
    SHORT = "short"
    MEDIUM = "medium"
    LONG = "long"


# Bands in seconds: [low, high). Short < 4 min, medium 4-20 min, long > 20 min.
DURATION_BANDS: dict[DurationBand, tuple[float | None, float | None]] = {
    DurationBand.SHORT: (None, 4 * 60.0),
    DurationBand.MEDIUM: (4 * 60.0, 20 * 60.0),
    DurationBand.LONG: (20 * 60.0, None),
}


class UploadDate(StrEnum):
    TODAY = "today"
    WEEK = "week"
    MONTH = "month"
    YEAR = "year"


UPLOAD_WINDOWS: dict[UploadDate, timedelta] = {
    UploadDate.TODAY: timedelta(days=1),
    UploadDate.WEEK: timedelta(days=7),
    UploadDate.MONTH: timedelta(days=30),
    UploadDate.YEAR: timedelta(days=365),
}


@dataclass(frozen=True)
class VideoFilter:
    """Narrow a listing. `followed_by` keeps the creators that user follows."""

    category: str | None = None
    duration: DurationBand | None = None
    uploaded: UploadDate | None = None
    owner_ids: tuple[uuid.UUID, ...] | None = None
    followed_by: uuid.UUID | None = None


def sort_key(video: Video, sort: VideoSort) -> object:
    return {
        VideoSort.NEWEST: video.published_at,
        VideoSort.MOST_VIEWED: video.view_count,
        VideoSort.TRENDING: video.trending_score,
        VideoSort.LONGEST: video.duration_seconds,
    }[sort]


def cursor_of(video: Video, sort: VideoSort) -> str:
    return encode_cursor(f"videos:{sort.value}", sort_key(video, sort), video.id)  # type: ignore[arg-type]


@dataclass(frozen=True)
class VideoPage:
    """One page of a listing; owners, categories and tags are loaded."""

    videos: list[Video]
    sort: VideoSort
    has_next: bool

    def cursor(self, video: Video) -> str:
        return cursor_of(video, self.sort)

    @property
    def end_cursor(self) -> str | None:
        return self.cursor(self.videos[-1]) if self.videos else None


# The orders of a creator's channel page: its tabs.
CHANNEL_SORTS = (VideoSort.NEWEST, VideoSort.MOST_VIEWED)


@dataclass(frozen=True)
class ChannelTotals:
    """A creator's number of listed videos and the views those videos have."""

    video_count: int
    total_views: int


@dataclass(frozen=True)
class Channel:
    """A creator's channel: one page of their videos and their totals."""

    page: VideoPage
    video_count: int
    total_views: int


@dataclass(frozen=True)
class UpNextRequest:
    """Which video wants up next, and how many; hashable, so a DataLoader key."""

    video_id: uuid.UUID
    category_id: uuid.UUID | None
    first: int = 8

    @classmethod
    def of(cls, video: Video, first: int = 8) -> UpNextRequest:
        return cls(video.id, video.category_id, first)


@dataclass(frozen=True)
class ContinueWatching:
    video: Video
    position: float
    progress: float


@dataclass(frozen=True)
class CategoryRow:
    category: Category
    videos: list[Video]


@dataclass(frozen=True)
class CategoryStats:
    video_count: int
    cover: Video | None


@dataclass(frozen=True)
class CategorySummary:
    category: Category
    video_count: int
    cover: Video | None


@dataclass
class HomeRows:
    continue_watching: list[ContinueWatching] = field(default_factory=list)
    following: list[Video] = field(default_factory=list)
    staff_picks: list[Video] = field(default_factory=list)
    trending: list[Video] = field(default_factory=list)
    new: list[Video] = field(default_factory=list)
    categories: list[CategoryRow] = field(default_factory=list)
    # Every category (the topic grid) and the viewer's favourites among them.
    topics: list[Category] = field(default_factory=list)
    favourite_ids: set[uuid.UUID] = field(default_factory=set)


@dataclass(frozen=True)
class RisingCreator:
    user: User
    views_this_week: int
    views_last_week: int
    new_followers: int
    follower_count: int
    score: float


@dataclass(frozen=True)
class Discover:
    trending: list[Video]
    rising: list[RisingCreator]
    staff_picks: list[Video]
    picked_ids: set[uuid.UUID]
