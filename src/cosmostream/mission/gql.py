"""GraphQL of missions and the ISS: the catalogue, position, passes and tracks."""

from __future__ import annotations

from datetime import date, datetime

import strawberry

from cosmostream.graphql.context import Info
from cosmostream.mission.errors import MissionNotFound
from cosmostream.mission.schemas import ElementsInfo, MissionInfo, PassEvent, SatellitePosition
from cosmostream.mission.schemas import Pass as PassData
from cosmostream.mission.service import mission_service


@strawberry.type(description="A space mission (spacecraft, station, rover or crewed flight).")
class Mission:
    slug: str
    name: str
    agency: str
    status: str = strawberry.field(description="active, planned, completed or lost.")
    kind: str = strawberry.field(
        description="station, telescope, satellite, deep_space, crewed, rover or probe."
    )
    launch_date: date | None
    summary: str
    description: str
    norad_id: int | None = strawberry.field(description="NORAD catalogue number (Earth orbiters).")
    horizons_id: str | None = strawberry.field(description="JPL Horizons target (deep space).")
    video_tag: str | None = strawberry.field(description="Videos with this tag are related.")
    url: str

    @classmethod
    def of(cls, m: MissionInfo) -> Mission:
        return cls(
            slug=m.slug,
            name=m.name,
            agency=m.agency,
            status=m.status,
            kind=m.kind,
            launch_date=m.launch_date,
            summary=m.summary,
            description=m.description,
            norad_id=m.norad_id,
            horizons_id=m.horizons_id,
            video_tag=m.video_tag,
            url=f"/missions/{m.slug}",
        )


@strawberry.type(description="Where the ISS is, and how old the elements behind it are.")
class IssPosition:
    at: datetime
    latitude: float
    longitude: float
    altitude_km: float
    speed_km_s: float = strawberry.field(description="Inertial speed.")
    sunlit: bool
    footprint_radius_km: float = strawberry.field(
        description="Ground radius of the area that sees the station above the horizon."
    )
    elements_epoch: datetime
    elements_age_days: float
    elements_stale: bool = strawberry.field(description="True when older than 14 days.")
    elements_source: str = strawberry.field(description="celestrak or snapshot.")


@strawberry.type
class PassPoint:
    at: datetime
    altitude: float = strawberry.field(description="Degrees above the horizon.")
    azimuth: float = strawberry.field(description="Degrees from north, eastward.")
    direction: str = strawberry.field(description="16-point compass direction.")
    sunlit: bool

    @classmethod
    def of(cls, e: PassEvent) -> PassPoint:
        return cls(
            at=e.at, altitude=e.altitude, azimuth=e.azimuth, direction=e.direction, sunlit=e.sunlit
        )


@strawberry.type(description="One pass of the ISS above 10° for an observer.")
class IssPass:
    start: PassPoint
    highest: PassPoint
    end: PassPoint
    max_elevation: float
    sunlit: bool = strawberry.field(description="Sunlit at its highest point.")
    sun_altitude: float = strawberry.field(description="The Sun's altitude for the observer then.")
    brightness: str = strawberry.field(description="bright, visible or not visible.")
    good: bool = strawberry.field(description="Maximum elevation of 40° or more.")

    @classmethod
    def of(cls, p: PassData) -> IssPass:
        return cls(
            start=PassPoint.of(p.rise),
            highest=PassPoint.of(p.culmination),
            end=PassPoint.of(p.set),
            max_elevation=p.max_elevation,
            sunlit=p.sunlit,
            sun_altitude=p.sun_altitude,
            brightness=p.brightness,
            good=p.good,
        )


@strawberry.type
class GeoPoint:
    latitude: float
    longitude: float


@strawberry.type(description="Sub-satellite points of the past and the next orbit (30 s apart).")
class IssGroundTrack:
    at: datetime
    period_minutes: float
    past: list[GeoPoint]
    next: list[GeoPoint]
    subsolar: GeoPoint = strawberry.field(
        description="Where the Sun is overhead: the terminator is 90° from it."
    )
    elements_age_days: float
    elements_stale: bool


@strawberry.type
class SkyTrackPoint:
    at: datetime
    altitude: float
    azimuth: float
    sunlit: bool


def _position_of(p: SatellitePosition, e: ElementsInfo) -> IssPosition:
    return IssPosition(
        at=p.at,
        latitude=p.latitude,
        longitude=p.longitude,
        altitude_km=p.altitude_km,
        speed_km_s=p.speed_km_s,
        sunlit=p.sunlit,
        footprint_radius_km=p.footprint_radius_km,
        elements_epoch=e.epoch,
        elements_age_days=e.age_days,
        elements_stale=e.stale,
        elements_source=e.source,
    )


@strawberry.type
class MissionQuery:
    @strawberry.field(description="Every mission, in catalogue order.")
    async def missions(self, info: Info) -> list[Mission]:
        async with info.context.db.read() as session:
            return [Mission.of(m) for m in await mission_service.all(session)]

    @strawberry.field(description="One mission by slug (null when there is none).")
    async def mission(self, info: Info, slug: str) -> Mission | None:
        async with info.context.db.read() as session:
            try:
                return Mission.of(await mission_service.get(session, slug))
            except MissionNotFound:
                return None

    @strawberry.field(description="The ISS now (or at `at`, within 30 days).")
    async def iss_position(self, info: Info, at: datetime | None = None) -> IssPosition:
        async with info.context.db.read() as session:
            position, elements = await mission_service.position(session, at=at)
        return _position_of(position, elements)

    @strawberry.field(
        description="ISS passes above 10° for an observer over the next 1 to 10 days."
    )
    async def iss_passes(self, info: Info, lat: float, lon: float, days: int = 10) -> list[IssPass]:
        async with info.context.db.read() as session:
            passes, _ = await mission_service.passes(session, lat, lon, days)
        return [IssPass.of(p) for p in passes]

    @strawberry.field(description="The ISS ground track for the past and the next orbit.")
    async def iss_ground_track(self, info: Info, at: datetime | None = None) -> IssGroundTrack:
        async with info.context.db.read() as session:
            track, e = await mission_service.ground_track(session, at)
        return IssGroundTrack(
            at=track.at,
            period_minutes=track.period_minutes,
            past=[GeoPoint(latitude=p.latitude, longitude=p.longitude) for p in track.past],
            next=[GeoPoint(latitude=p.latitude, longitude=p.longitude) for p in track.next],
            subsolar=GeoPoint(latitude=track.subsolar.latitude, longitude=track.subsolar.longitude),
            elements_age_days=e.age_days,
            elements_stale=e.stale,
        )

    @strawberry.field(description="ISS altitude/azimuth for an observer every 15 s (sky map).")
    async def iss_sky_track(
        self,
        info: Info,
        lat: float,
        lon: float,
        at: datetime | None = None,
        minutes: int = 30,
    ) -> list[SkyTrackPoint]:
        async with info.context.db.read() as session:
            points = await mission_service.sky_track(session, lat, lon, at, minutes)
        return [
            SkyTrackPoint(at=p.at, altitude=p.altitude, azimuth=p.azimuth, sunlit=p.sunlit)
            for p in points
        ]
