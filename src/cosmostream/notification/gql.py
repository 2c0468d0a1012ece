"""GraphQL for notifications: `me { notifications unreadNotificationCount }` (fields
this domain adds to the `Me` hub) and `markNotificationsRead`."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import Enum

import strawberry

from cosmostream.errors import ValidationFailed
from cosmostream.graphql.context import Info
from cosmostream.graphql.hubs import Me, User, Video
from cosmostream.graphql.relay import Connection, connection
from cosmostream.kit.ids import parse_uuid
from cosmostream.notification.schemas import NotificationItem
from cosmostream.notification.service import notification_service


@strawberry.enum
class NotificationKind(Enum):
    VIDEO_PUBLISHED = "video_published"
    LAUNCH_SOON = "launch_soon"


@strawberry.type
class Notification:
    item: strawberry.Private[NotificationItem]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.item.id))

    @strawberry.field
    def kind(self) -> NotificationKind:
        return NotificationKind(self.item.kind)

    @strawberry.field(description="One line for people, e.g. 'Vera Nebula published “…”'.")
    def text(self) -> str:
        return self.item.text

    @strawberry.field(description="Where the notification leads; null when that is gone.")
    def url(self) -> str | None:
        return self.item.url

    @strawberry.field
    def created_at(self) -> datetime:
        return self.item.created_at

    @strawberry.field
    def read(self) -> bool:
        return self.item.read

    @strawberry.field
    def actor(self) -> User | None:
        return User(model=self.item.actor) if self.item.actor else None

    @strawberry.field(description="Null when the reader may no longer see the video.")
    def video(self) -> Video | None:
        return Video(model=self.item.video) if self.item.video else None


@strawberry.type
class MarkNotificationsReadPayload:
    marked: int
    unread_count: int


@strawberry.type
class MeNotificationFields(Me):
    """What notifications add to `Me`."""

    @strawberry.field(description="Your notifications, newest first (the latest 500 are kept).")
    async def notifications(
        self, info: Info, first: int = 20, after: str | None = None
    ) -> Connection[Notification]:
        async with info.context.db.read() as session:
            page = await notification_service.list_for(
                session, self.as_actor(), first=first, after=after
            )
        return connection(page, lambda item: Notification(item=item))

    @strawberry.field
    async def unread_notification_count(self, info: Info) -> int:
        async with info.context.db.read() as session:
            return await notification_service.unread_count(session, self.as_actor())


HUB_FIELDS = (MeNotificationFields,)


def _ids(values: list[strawberry.ID] | None) -> list[uuid.UUID] | None:
    if values is None:
        return None
    ids = [parse_uuid(str(v)) for v in values]
    if any(i is None for i in ids):
        raise ValidationFailed("That is not a notification id.", field="ids")
    return [i for i in ids if i is not None]


@strawberry.type
class NotificationMutation:
    @strawberry.mutation(
        description="Mark your notifications read: those of `ids`, or all when `ids` is null "
        "or empty. Ids that are not yours are ignored."
    )
    async def mark_notifications_read(
        self, info: Info, ids: list[strawberry.ID] | None = None
    ) -> MarkNotificationsReadPayload:
        actor = info.context.require_actor()
        wanted = _ids(ids)
        async with info.context.unit_of_work() as session:
            result = await notification_service.mark_read(session, actor, wanted)
        return MarkNotificationsReadPayload(marked=result.marked, unread_count=result.unread)
