"""Notifications. Placeholder interface; the implementation lands with the notification work."""

from __future__ import annotations

from cosmostream.models import Video


class NotificationService:
    def video_published(self, video: Video) -> None:
        """A video became public for the first time: tell its creator's followers."""


notification_service = NotificationService()
