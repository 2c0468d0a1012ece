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


@dataclass(frozen=True)
class PlaybackRecord:
    """Any viewer's player event, as the server measured it (for analytics).

    `session_id` is the viewer session the event belongs to (`new_session` on
    its first event, or after 30 min without events). The measured step is
    the wall-clock stretch [`t0`, `t1`] of `seconds` watched (0 when the player
    was not playing), from `from_position` to `to_position` in the video; `at`
    is the event's own time (a late, queued event's clamped `at`).
    `counted_view` says this event made the session's view count.
    """

    video_id: uuid.UUID
    owner_id: uuid.UUID
    user_id: uuid.UUID | None
    viewer_key: str
    session_id: uuid.UUID
    new_session: bool
    at: datetime
    t0: datetime
    t1: datetime
    from_position: float
    to_position: float
    seconds: float
    playing: bool
    event: str
    duration: float
    counted_view: bool
    rung: int | None = None
    referrer: str | None = None
    page_url: str | None = None
    user_agent: str = ""


playback_recorded: Signal[PlaybackRecord] = Signal("engagement.playback_recorded")
