"""The learning domain: so far, lesson progress from what engagement measures.

Its pages, GraphQL, authoring, paths and classes are being built (issue 13);
until then it only follows engagement's `playback_step` signal.
"""

from __future__ import annotations

from cosmostream.engagement.signals import playback_step
from cosmostream.learning.progress import progress_service
from cosmostream.registry import Domain
from cosmostream.signals import Receiver

domain = Domain(
    "learning",
    receivers=(Receiver(playback_step, progress_service.on_playback),),
)
