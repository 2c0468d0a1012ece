"""What the sky service returns: plain dataclasses, shared by GraphQL and the page."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime


class BodyKind(enum.Enum):
    SUN = "sun"
    MOON = "moon"
    PLANET = "planet"


@dataclass(frozen=True, slots=True)
class Observer:
    lat: float
    lon: float
    elevation_m: float = 0.0


@dataclass(frozen=True, slots=True)
class SkyBody:
    name: str
    kind: BodyKind
    ra_hours: float
    """Apparent right ascension, true equator and equinox of date."""
    dec_degrees: float
    alt_degrees: float
    """Geometric altitude (no refraction) above the observer's horizon."""
    az_degrees: float
    """Azimuth from north through east."""
    distance_km: float
    distance_au: float
    magnitude: float | None
    phase_angle_degrees: float | None
    phase_fraction: float | None
    """Illuminated fraction of the disc (0 to 1); None for the Sun."""
    phase_name: str | None
    constellation: str
    rise: datetime | None
    transit: datetime | None
    set: datetime | None


@dataclass(frozen=True, slots=True)
class Sky:
    at: datetime
    observer: Observer
    bodies: list[SkyBody]
