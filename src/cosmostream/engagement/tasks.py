"""Periodic housekeeping for engagement."""

from __future__ import annotations

import logging

from huey import crontab

from cosmostream.db import WriteSession
from cosmostream.engagement.service import engagement_service
from cosmostream.worker import periodic_task

log = logging.getLogger(__name__)


async def prune_playback_states(session: WriteSession) -> int:
    """Forget per-viewer playback states idle for days (one per anonymous browser
    and video would otherwise pile up). The raw events stay for analytics."""
    pruned = await engagement_service.prune_playback_states(session)
    log.info("pruned %d idle playback states", pruned)
    return pruned


prune_playback_states_task = periodic_task(
    "engagement.prune_playback_states", crontab(minute="41", hour="*/6")
)(prune_playback_states)
