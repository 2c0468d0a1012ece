"""Notification tasks: the fan-out after a first publication, and pruning."""

from __future__ import annotations

import uuid

from huey import crontab

from cosmostream.db import WriteSession
from cosmostream.notification.service import notification_service
from cosmostream.worker import periodic_task, task


@task("notification.video_published", retries=2, retry_delay=10)
async def notify_video_published(session: WriteSession, video_id_text: str) -> int:
    """Tell the creator's followers about a newly published video (idempotent)."""
    return await notification_service.fan_out_video_published(session, uuid.UUID(video_id_text))


async def prune_notifications(session: WriteSession) -> int:
    return await notification_service.prune(session)


prune_notifications_task = periodic_task("notification.prune", crontab(minute="41"))(
    prune_notifications
)
