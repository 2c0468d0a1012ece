"""What the engagement service takes and hands back."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from urllib.parse import urlencode

from pydantic import BaseModel, ConfigDict, Field, field_validator

from cosmostream.engagement.signals import DashboardSection
from cosmostream.kit.pagination import Page
from cosmostream.kit.text import clean_text
from cosmostream.models import Comment, User, Video, WatchHistory

MAX_COMMENT_LENGTH = 5000
DEFAULT_PAGE = 20
MAX_PAGE = 100
# Replies shown under each top-level comment of a page; `reply_count` tells the rest.
REPLIES_PER_COMMENT = 50

# Playback and views (see docs/api.md, "Engagement").
HEARTBEAT_SECONDS = 10.0
# The most watch time one event can add: a heartbeat and a half, so a late
# heartbeat still counts fully while a silent client earns nothing more.
MAX_CREDIT_SECONDS = HEARTBEAT_SECONDS * 1.5
# A view counts once per viewer session (events less than SESSION_GAP apart)
# when its measured watch time reaches VIEW_SECONDS, or VIEW_FRACTION of a
# video shorter than SHORT_VIDEO_SECONDS (docs/analytics.md, "Counting rules").
VIEW_SECONDS = 30.0
VIEW_FRACTION = 0.5
SHORT_VIDEO_SECONDS = 60.0
SESSION_GAP = timedelta(minutes=30)
# A queued event's `at` older than this is taken as "now".
LATE_EVENT_LIMIT = timedelta(hours=24)
MAX_URL_LENGTH = 2048
COMPLETED_FRACTION = 0.95
# Events closer together than this are applied to the playback state but not
# stored raw, so a flooding client cannot grow the event table.
MIN_EVENT_GAP = timedelta(seconds=1)
VIEWER_COOKIE = "cs_viewer"
# A viewer's shares of one video count once in this window.
SHARE_WINDOW = timedelta(hours=1)


class PlaybackEventKind(StrEnum):
    START = "start"
    HEARTBEAT = "heartbeat"
    PAUSE = "pause"
    SEEK = "seek"
    END = "end"

    @property
    def plays(self) -> bool:
        """Whether the player is playing after this event (the clock runs)."""
        return self in (PlaybackEventKind.START, PlaybackEventKind.HEARTBEAT)


class CommentSort(StrEnum):
    NEWEST = "newest"
    TOP = "top"  # most replies first


def clean_comment_body(body: str) -> str:
    """Trimmed text of 1-5,000 characters with normalised line breaks."""
    return clean_text(body, MAX_COMMENT_LENGTH, "Comments")


@dataclass(frozen=True)
class ViewerState:
    """What the signed-in viewer did with one video."""

    liked: bool = False
    saved: bool = False
    position: float | None = None
    completed: bool = False


@dataclass(frozen=True)
class CommentThread:
    """A top-level comment (possibly a "[deleted]" placeholder) and its first replies."""

    comment: Comment
    video_owner_id: uuid.UUID
    replies: list[Comment] = field(default_factory=list)


@dataclass(frozen=True)
class HistoryItem:
    video: Video
    entry: WatchHistory

    @property
    def progress(self) -> float:
        """0..1 of the video watched up to the last position (for the progress bar)."""
        duration = self.video.duration_seconds or 0
        if self.entry.completed:
            return 1.0
        return max(0.0, min(1.0, self.entry.position / duration)) if duration else 0.0


@dataclass(frozen=True)
class FollowedCreator:
    user: User
    followed_at: datetime
    followers: int
    latest_video: Video | None


@dataclass(frozen=True)
class Activity:
    """One recent thing the viewer did: liked, saved or commented on a video."""

    kind: str
    at: datetime
    video: Video
    comment: Comment | None = None


@dataclass(frozen=True)
class Dashboard:
    continue_watching: list[HistoryItem]
    saved: list[Video]
    following: list[FollowedCreator]
    activity: list[Activity]
    # Parts other domains add (`signals.dashboard_sections`): the creator's channel.
    sections: Sequence[DashboardSection] = ()


@dataclass(frozen=True)
class WatchState:
    """What the watch page shows about the viewer and the conversation."""

    viewer: ViewerState
    comments: Page[CommentThread]
    resume_at: float | None


@dataclass(frozen=True)
class PlaybackResult:
    recorded: bool
    counted_view: bool
    watched_seconds: float
    view_count: int


@dataclass(frozen=True)
class Counts:
    view_count: int
    like_count: int
    comment_count: int


@dataclass(frozen=True)
class VideoEngagement:
    """A video after a like or save, with the viewer's state."""

    video: Video
    viewer: ViewerState


@dataclass(frozen=True)
class PostedComment:
    """A comment just written or edited, with who may moderate its video."""

    comment: Comment
    video_owner_id: uuid.UUID


@dataclass(frozen=True)
class PlaybackContext:
    """What the player tells about an event besides position and kind (all optional):
    the watch page's `document.referrer` and URL (START only), the quality rung
    being played (its height), and `at`, when a queued event really happened."""

    referrer: str | None = None
    page_url: str | None = None
    rung: int | None = None
    at: datetime | None = None
    user_agent: str = ""


def playback_context(
    *,
    referrer: str | None,
    src: str | None,
    rung: int | None,
    at: datetime | None,
    user_agent: str,
) -> PlaybackContext:
    """The context a transport received, trimmed: over-long text is dropped, a rung
    outside 1..10,000 is unknown. `src` (the watch URL's `?src=`) becomes the
    page URL's query, where analytics/sources.py reads it."""
    src = (src or "").strip()[:64]
    return PlaybackContext(
        referrer=referrer if referrer and len(referrer) <= MAX_URL_LENGTH else None,
        page_url=f"?{urlencode({'src': src})}" if src else None,
        rung=rung if rung is not None and 0 < rung <= 10_000 else None,
        at=at,
        user_agent=user_agent[:512],
    )


def view_threshold(duration: float) -> float:
    """Seconds of watching that make a session's view: 30 s, or half of a short video."""
    if 0 < duration < SHORT_VIDEO_SECONDS:
        return VIEW_FRACTION * duration
    return VIEW_SECONDS


class PlaybackBeacon(BaseModel):
    """The body of `POST /api/playback` (sent by `navigator.sendBeacon` as text/plain JSON)."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    video_id: uuid.UUID = Field(alias="videoId")
    position: float = Field(allow_inf_nan=False)
    event: PlaybackEventKind
    # Missing is a CSRF failure (403), not a malformed event.
    csrf: str = Field(default="", max_length=256)
    # The optional context of `recordPlayback` (see PlaybackContext).
    referrer: str | None = Field(default=None, max_length=MAX_URL_LENGTH)
    src: str | None = Field(default=None, max_length=64)
    rung: int | None = Field(default=None, ge=0, le=10_000)
    at: datetime | None = None

    @field_validator("event", mode="before")
    @classmethod
    def _event(cls, value: object) -> object:
        # GraphQL spells the events in capitals; accept both.
        return value.lower() if isinstance(value, str) else value
