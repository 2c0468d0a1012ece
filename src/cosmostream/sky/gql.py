"""GraphQL of the sky: where the Sun, Moon and planets are for an observer."""

from __future__ import annotations

import asyncio
import enum
from datetime import datetime

import strawberry

from cosmostream.kit.time import utcnow
from cosmostream.sky import schemas
from cosmostream.sky.service import sky_service


@strawberry.enum(name="SkyBodyKind")
class SkyBodyKind(enum.Enum):
    SUN = "sun"
    MOON = "moon"
    PLANET = "planet"


@strawberry.type
class SkyObserver:
    lat: float
    lon: float


@strawberry.type(description="A solar-system body as seen by the observer.")
class SkyBody:
    name: str
    kind: SkyBodyKind
    ra_hours: float = strawberry.field(
        description="Apparent right ascension (true equator and equinox of date), hours."
    )
    dec_degrees: float = strawberry.field(description="Apparent declination of date, degrees.")
    alt_degrees: float = strawberry.field(description="Geometric altitude (no refraction).")
    az_degrees: float = strawberry.field(description="Azimuth from north through east.")
    distance_km: float
    distance_au: float
    magnitude: float | None = strawberry.field(description="Apparent visual magnitude.")
    phase_fraction: float | None = strawberry.field(
        description="Illuminated fraction of the disc, 0 to 1 (null for the Sun)."
    )
    phase_name: str | None = strawberry.field(description="Moon only: 'Waxing Crescent', …")
    constellation: str
    rise: datetime | None = strawberry.field(description="Next rising within 24 hours.")
    transit: datetime | None = strawberry.field(description="Next meridian transit within 24 h.")
    set: datetime | None = strawberry.field(description="Next setting within 24 hours.")

    @classmethod
    def of(cls, body: schemas.SkyBody) -> SkyBody:
        return cls(
            name=body.name,
            kind=SkyBodyKind[body.kind.name],
            ra_hours=body.ra_hours,
            dec_degrees=body.dec_degrees,
            alt_degrees=body.alt_degrees,
            az_degrees=body.az_degrees,
            distance_km=body.distance_km,
            distance_au=body.distance_au,
            magnitude=body.magnitude,
            phase_fraction=body.phase_fraction,
            phase_name=body.phase_name,
            constellation=body.constellation,
            rise=body.rise,
            transit=body.transit,
            set=body.set,
        )


@strawberry.type(description="The Sun, Moon and planets for an observer at an instant.")
class Sky:
    at: datetime
    observer: SkyObserver
    bodies: list[SkyBody]


@strawberry.type
class SkyQuery:
    @strawberry.field(
        description="Sun, Moon and planets for an observer (degrees, east positive) at "
        "`at` (default now). Times from 1900 to 2049."
    )
    async def sky(self, lat: float, lon: float, at: datetime | None = None) -> Sky:
        when = at or utcnow()
        # CPU-bound (~0.1 s): keep it off the event loop.
        result = await asyncio.to_thread(sky_service.sky, lat, lon, when)
        return Sky(
            at=result.at,
            observer=SkyObserver(lat=result.observer.lat, lon=result.observer.lon),
            bodies=[SkyBody.of(b) for b in result.bodies],
        )
