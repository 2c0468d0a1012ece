"""Notifications: fan-out when a followed creator publishes, the reader's list,
the unread count and marking read.

A notification stores who did what to which video, never its text: the text is
made when it is read, so a renamed video or creator reads right, and a video
made private since shows no title to people who may no longer see it.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from cosmostream import effects
from cosmostream.account.repository import user_repository
from cosmostream.account.schemas import Actor
from cosmostream.errors import ValidationFailed
from cosmostream.kit.pagination import decode_after, encode_cursor
from cosmostream.kit.time import utcnow
from cosmostream.models import Launch, Notification, User, Video
from cosmostream.notification.repository import notification_repository
from cosmostream.notification.schemas import (
    MarkReadResult,
    NotificationItem,
    NotificationKind,
    NotificationPage,
)
from cosmostream.video.policy import can_view
from cosmostream.video.repository import video_repository

NEW_EVENT = "notification.new"
READ_EVENT = "notification.read"
FAN_OUT_BATCH = 1000
KEEP_PER_USER = 500
MAX_PAGE = 100
MAX_MARK_IDS = 500
_CURSOR_SORT = "notifications"


def user_room(user_id: uuid.UUID) -> str:
    return f"user:{user_id}"


def video_published_text(creator: str, title: str | None) -> str:
    if title is None:
        return f"{creator} published a video that is no longer available"
    return f"{creator} published “{title}”"


def _video_url(video_id: uuid.UUID) -> str:
    return f"/video/{video_id}"


def launch_soon_text(launch: Launch | None) -> str:
    if launch is None:
        return "A launch you follow is about to lift off"
    return f"“{launch.name}” lifts off soon (NET {launch.net:%d %b %H:%M} UTC)"


def _launch_url(launch_id: uuid.UUID) -> str:
    return f"/launches/{launch_id}"


class NotificationService:
    async def fan_out_video_published(self, session: AsyncSession, video_id: uuid.UUID) -> int:
        """Notify every follower of the video's creator once; returns how many were new.

        Idempotent: followers who already have this notification are skipped, so
        a retried or duplicated task creates nothing twice. Nothing happens when
        the video is no longer listed (made private or deleted in the meantime).
        """
        # The row lock serializes two runs for the same video (PostgreSQL; SQLite
        # writers are serialized anyway), so the "not yet notified" check holds.
        video = await video_repository.get_for_update(session, video_id)
        if video is None or not video.listed:
            return 0
        creator = await user_repository.get(session, video.owner_id)
        if creator is None:
            return 0
        now = utcnow()
        kind = NotificationKind.VIDEO_PUBLISHED.value
        text = video_published_text(creator.display_name, video.title)
        total = 0
        after: uuid.UUID | None = None
        while True:
            made = await notification_repository.fan_out_batch(
                session,
                kind=kind,
                actor_id=creator.id,
                video_id=video.id,
                now=now,
                after=after,
                limit=FAN_OUT_BATCH,
            )
            if not made:
                break
            await _announce(session, made, kind, text, _video_url(video.id), now)
            total += len(made)
            if len(made) < FAN_OUT_BATCH:
                break
            after = max(user_id for _, user_id in made)
        return total

    async def launch_soon(
        self, session: AsyncSession, launch: Launch, user_ids: Sequence[uuid.UUID], now: datetime
    ) -> int:
        """Tell these followers of `launch` that it lifts off soon (the caller
        makes sure each hears once: see `launch_service.notify_due`)."""
        kind = NotificationKind.LAUNCH_SOON.value
        made = await notification_repository.add_launch_soon(
            session, kind=kind, launch_id=launch.id, user_ids=user_ids, now=now
        )
        await _announce(session, made, kind, launch_soon_text(launch), _launch_url(launch.id), now)
        return len(made)

    async def list_for(
        self, session: AsyncSession, reader: Actor, *, first: int = 20, after: str | None = None
    ) -> NotificationPage:
        """The reader's own notifications, newest first."""
        if first < 1:
            raise ValidationFailed("Ask for at least one notification.", field="first")
        first = min(first, MAX_PAGE)
        cursor = decode_after(after, _CURSOR_SORT, datetime)
        rows = await notification_repository.page(session, reader.id, limit=first + 1, after=cursor)
        items = [self._item(reader, *row) for row in rows[:first]]
        cursors = [encode_cursor(_CURSOR_SORT, i.created_at, i.id) for i in items]
        return NotificationPage(items=items, cursors=cursors, has_next=len(rows) > first)

    def _item(
        self,
        reader: Actor,
        notification: Notification,
        actor: User | None,
        video: Video | None,
        launch: Launch | None = None,
    ) -> NotificationItem:
        if notification.kind == NotificationKind.LAUNCH_SOON:
            return NotificationItem(
                notification=notification,
                actor=None,
                video=None,
                text=launch_soon_text(launch),
                url=_launch_url(launch.id) if launch else None,
                launch=launch,
            )
        visible = video if video is not None and can_view(reader, video) else None
        name = actor.display_name if actor is not None else "Someone"
        return NotificationItem(
            notification=notification,
            actor=actor,
            video=visible,
            text=video_published_text(name, visible.title if visible else None),
            url=_video_url(visible.id) if visible else None,
        )

    async def unread_count(self, session: AsyncSession, reader: Actor) -> int:
        return await notification_repository.unread_count(session, reader.id)

    async def mark_read(
        self, session: AsyncSession, reader: Actor, ids: Sequence[uuid.UUID] | None = None
    ) -> MarkReadResult:
        """Mark the reader's notifications read: those of `ids`, or all when None or empty.

        Ids of other people's notifications are ignored, as if they did not exist.
        """
        if ids is not None and len(ids) > MAX_MARK_IDS:
            raise ValidationFailed(f"Mark at most {MAX_MARK_IDS} at a time.", field="ids")
        marked = await notification_repository.mark_read(
            session, reader.id, list(ids) if ids else None, utcnow()
        )
        unread = await notification_repository.unread_count(session, reader.id)
        if marked:
            # Other tabs and devices of the reader update their badge.
            effects.publish(user_room(reader.id), READ_EVENT, {"unreadCount": unread})
        return MarkReadResult(marked=marked, unread=unread)

    async def prune(self, session: AsyncSession, keep: int = KEEP_PER_USER) -> int:
        """Keep only the newest `keep` notifications of each user."""
        return await notification_repository.prune(session, keep)


async def _announce(
    session: AsyncSession,
    made: list[tuple[uuid.UUID, uuid.UUID]],
    kind: str,
    text: str,
    url: str,
    now: datetime,
) -> None:
    """Tell each new notification's reader, with their new unread count, after commit."""
    unread = await notification_repository.unread_counts(session, [u for _, u in made])
    for notification_id, user_id in made:
        effects.publish(
            user_room(user_id),
            NEW_EVENT,
            {
                "id": str(notification_id),
                "kind": kind.upper(),
                "text": text,
                "url": url,
                "createdAt": now.isoformat(),
                "unreadCount": unread[user_id],
            },
        )


notification_service = NotificationService()
