"""What the LL2 parser produces and the launch service hands to its transports."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from cosmostream.models import Launch


@dataclass(frozen=True)
class LaunchData:
    """One launch of an LL2 2.3.0 `launches` page, flattened to what we store."""

    id: uuid.UUID
    slug: str
    name: str
    provider: str
    vehicle: str
    mission_name: str | None
    mission_description: str | None
    mission_orbit: str | None
    pad_name: str
    pad_location: str
    pad_latitude: float | None
    pad_longitude: float | None
    net: datetime
    window_start: datetime | None
    window_end: datetime | None
    status_abbrev: str
    status_name: str
    webcast_url: str | None
    webcast_live: bool
    image_url: str | None
    source_updated_at: datetime | None


@dataclass(frozen=True)
class LaunchPage:
    launches: list[LaunchData]
    next_url: str | None
    skipped: int = 0


@dataclass
class SyncResult:
    """What one `launch.sync` run did."""

    requests: int = 0
    stored: int = 0
    skipped_items: int = 0
    stopped: str | None = None  # "budget", "backoff", "rate_limited", "error"
    errors: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class LaunchView:
    launch: Launch
    followed: bool = False
