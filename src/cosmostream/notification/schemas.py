"""What the notification service hands to its transports."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from cosmostream.kit.pagination import Page
from cosmostream.models import Launch, Notification, User, Video


class NotificationKind(StrEnum):
    VIDEO_PUBLISHED = "video_published"
    LAUNCH_SOON = "launch_soon"


@dataclass(frozen=True)
class NotificationItem:
    """A notification with the people and things it is about.

    `video` is None when the reader may no longer see the video (made private
    since); the notification stays, without the title.
    """

    notification: Notification
    actor: User | None
    video: Video | None
    text: str
    url: str | None
    launch: Launch | None = None

    @property
    def id(self) -> uuid.UUID:
        return self.notification.id

    @property
    def kind(self) -> str:
        return self.notification.kind

    @property
    def created_at(self) -> datetime:
        return self.notification.created_at

    @property
    def read(self) -> bool:
        return self.notification.read_at is not None


NotificationPage = Page[NotificationItem]


@dataclass(frozen=True)
class MarkReadResult:
    marked: int
    unread: int
