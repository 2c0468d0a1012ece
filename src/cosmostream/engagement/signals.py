"""What engagement tells other domains, inside the unit of work of the event.

See `cosmostream.signals`.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from cosmostream.account.schemas import Actor
from cosmostream.signals import Signal


@dataclass(frozen=True)
class PlaybackStep:
    """A signed-in viewer's player event, with what the server measured since the previous one.

    Between `from_position` (where the previous event left playback) and
    `to_position` (where this one says it is), `elapsed_seconds` of server time
    passed, capped like watch time; `playing` is whether the previous event left
    the player playing. Nothing here is the client's claim of time watched.
    """

    user_id: uuid.UUID
    video_id: uuid.UUID
    duration: float
    from_position: float
    to_position: float
    elapsed_seconds: float
    playing: bool
    at: datetime


playback_step: Signal[PlaybackStep] = Signal("engagement.playback_step")


@dataclass(frozen=True)
class VideoAction:
    """A viewer's action on a video that changed something: `delta` is +1, or
    -1 when it was undone (an unlike, an unsave, a deleted comment). Sent only
    when the state really changed: liking twice is one like. `user_id` is None
    for an anonymous share."""

    video_id: uuid.UUID
    owner_id: uuid.UUID
    user_id: uuid.UUID | None
    delta: int
    at: datetime


video_liked: Signal[VideoAction] = Signal("engagement.video_liked")
video_saved: Signal[VideoAction] = Signal("engagement.video_saved")
comment_posted: Signal[VideoAction] = Signal("engagement.comment_posted")
video_shared: Signal[VideoAction] = Signal("engagement.video_shared")


@dataclass(frozen=True)
class DashboardSection:
    """A part another domain adds to the viewer's dashboard: the template that
    renders it (included with `section` = this object) and what it shows."""

    template: str
    context: Mapping[str, object]


@dataclass(frozen=True)
class DashboardSections:
    """Sent while the dashboard is read, with the read session: receivers add
    their sections (shown above the viewer's library, in domain order) for
    `actor`, after deciding themselves whether the actor gets one."""

    actor: Actor
    sections: list[DashboardSection] = field(default_factory=list)


dashboard_sections: Signal[DashboardSections] = Signal("engagement.dashboard_sections")
