"""The analytics domain's contributions (see `cosmostream.registry`)."""

from __future__ import annotations

from cosmostream.analytics import ingest, tasks
from cosmostream.engagement.signals import playback_recorded
from cosmostream.registry import Domain
from cosmostream.signals import Receiver

domain = Domain(
    "analytics",
    tasks=[tasks],
    receivers=[Receiver(playback_recorded, ingest.on_playback)],
)
