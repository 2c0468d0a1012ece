"""Mission rules: the catalogue, satellite positions and passes, deep-space
telemetry, and the fetchers that keep elements and Horizons tables fresh."""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from importlib import resources
from typing import Any

import httpx
import numpy as np
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from cosmostream.config import get_settings
from cosmostream.kit import upstream
from cosmostream.kit.ephemeris import AU_KM, ephemeris, timescale
from cosmostream.kit.ephemeris import validate_observer as observer_on_earth
from cosmostream.kit.time import aware, utcnow
from cosmostream.mission import horizons
from cosmostream.mission.errors import (
    BadObserver,
    ElementsUnavailable,
    FetchFailed,
    MissionNotFound,
)
from cosmostream.mission.orbit import Orbit
from cosmostream.mission.repository import mission_repository
from cosmostream.mission.schemas import (
    ElementsInfo,
    GroundTrack,
    MissionInfo,
    OmmRecord,
    Pass,
    SatellitePosition,
    SkyPoint,
    Telemetry,
)
from cosmostream.models import HorizonsTable, IngestState, Mission, SatelliteElements, Video

log = logging.getLogger(__name__)

ISS_NORAD_ID = 25544
ISS_SLUG = "iss"
MAX_PASS_DAYS = 10
MAX_SKY_MINUTES = 240
# SGP4 mean elements are good for days, not months: refuse far-off instants.
MAX_TIME_OFFSET = timedelta(days=30)
ELEMENTS_KEY = "celestrak:gp"
HORIZONS_REFRESH = timedelta(hours=20)
HORIZONS_DAYS_BEFORE = 30
HORIZONS_DAYS_AFTER = 120
MAX_BACKOFF = timedelta(hours=24)
TIMEOUT = httpx.Timeout(20.0)
USER_AGENT = "CosmoStream (self-hosted; mission telemetry)"


def _space_data(name: str) -> str:
    return resources.files("cosmostream.data").joinpath("space", name).read_text("utf-8")


@lru_cache(maxsize=1)
def shipped_missions() -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = json.loads(_space_data("missions.json"))
    return data


@lru_cache(maxsize=1)
def shipped_elements() -> dict[int, OmmRecord]:
    """The element snapshot shipped with the code: the fallback when none were fetched."""
    records = [OmmRecord.model_validate(r) for r in json.loads(_space_data("gp-stations.json"))]
    return {r.NORAD_CAT_ID: r for r in records}


@lru_cache(maxsize=16)
def shipped_table(target: str) -> horizons.VectorTable | None:
    for mission in shipped_missions():
        if mission.get("horizons_id") == target:
            try:
                text = _space_data(f"horizons/{mission['slug']}.txt")
            except FileNotFoundError:
                return None
            return horizons.VectorTable.from_rows(horizons.parse_vectors(text))
    return None


def _info(mission: Mission) -> MissionInfo:
    return MissionInfo(
        slug=mission.slug,
        name=mission.name,
        agency=mission.agency,
        status=mission.status,
        kind=mission.kind,
        launch_date=mission.launch_date,
        summary=mission.summary,
        description=mission.description,
        norad_id=mission.norad_id,
        horizons_id=mission.horizons_id,
        video_tag=mission.video_tag,
    )


def _record_of(row: SatelliteElements) -> OmmRecord:
    return OmmRecord(
        OBJECT_NAME=row.object_name,
        OBJECT_ID=row.object_id,
        EPOCH=aware(row.epoch),
        MEAN_MOTION=row.mean_motion,
        ECCENTRICITY=row.eccentricity,
        INCLINATION=row.inclination,
        RA_OF_ASC_NODE=row.ra_of_asc_node,
        ARG_OF_PERICENTER=row.arg_of_pericenter,
        MEAN_ANOMALY=row.mean_anomaly,
        EPHEMERIS_TYPE=row.ephemeris_type,
        CLASSIFICATION_TYPE=row.classification_type,
        NORAD_CAT_ID=row.norad_id,
        ELEMENT_SET_NO=row.element_set_no,
        REV_AT_EPOCH=row.rev_at_epoch,
        BSTAR=row.bstar,
        MEAN_MOTION_DOT=row.mean_motion_dot,
        MEAN_MOTION_DDOT=row.mean_motion_ddot,
    )


@lru_cache(maxsize=64)
def _orbit(record: OmmRecord) -> Orbit:
    # Records are frozen and hashable: the same elements build one Satrec.
    return Orbit.from_record(record)


@dataclass(frozen=True)
class Satellite:
    orbit: Orbit
    source: str

    def elements(self, now: datetime) -> ElementsInfo:
        record = self.orbit.record
        epoch = aware(record.EPOCH)
        age = (now - epoch).total_seconds() / 86400.0
        return ElementsInfo(
            norad_id=record.NORAD_CAT_ID,
            name=record.OBJECT_NAME,
            epoch=epoch,
            source=self.source,
            age_days=age,
            stale=age > get_settings().elements_stale_days,
        )


@dataclass(frozen=True)
class TelemetrySource:
    """Everything needed to compute a mission's telemetry without the database."""

    mission: MissionInfo
    satellite: Satellite | None = None
    table: horizons.VectorTable | None = None


def validate_observer(latitude: float, longitude: float) -> None:
    observer_on_earth(latitude, longitude, BadObserver)


def validate_instant(at: datetime | None, now: datetime) -> datetime:
    """`at` (now when not given), refused beyond 30 days of now."""
    if at is None:
        return now
    at = aware(at)
    if abs(at - now) > MAX_TIME_OFFSET:
        raise BadObserver("The time must be within 30 days of now.", field="at")
    return at


def _failed(
    state: IngestState, now: datetime, error: str, base: timedelta, wait: timedelta | None
) -> None:
    """Exponential backoff from `base`, never sooner than the server's Retry-After."""
    upstream.record_failure(state, now, error, wait, base=base, ceiling=MAX_BACKOFF)
    log.warning("%s failed (%d in a row): %s", state.source, state.failures, error)


class MissionService:
    # -- catalogue ---------------------------------------------------------

    async def all(self, session: AsyncSession) -> list[MissionInfo]:
        return [_info(m) for m in await mission_repository.all(session)]

    async def get(self, session: AsyncSession, slug: str) -> MissionInfo:
        mission = await mission_repository.by_slug(session, slug[:60])
        if mission is None:
            raise MissionNotFound()
        return _info(mission)

    async def exists(self, session: AsyncSession, slug: str) -> bool:
        return await mission_repository.by_slug(session, slug[:60]) is not None

    async def related_videos(
        self, session: AsyncSession, mission: MissionInfo, limit: int = 8
    ) -> list[Video]:
        """Listed videos tagged with the mission's video tag."""
        if not mission.video_tag:
            return []
        return list(await mission_repository.tagged_videos(session, mission.video_tag, limit))

    # -- satellites --------------------------------------------------------

    async def satellite(self, session: AsyncSession, norad_id: int) -> Satellite:
        """The latest elements of `norad_id` (fetched, else the shipped snapshot)."""
        row = await mission_repository.elements(session, norad_id)
        if row is not None:
            return Satellite(_orbit(_record_of(row)), row.source)
        record = shipped_elements().get(norad_id)
        if record is None:
            raise ElementsUnavailable()
        return Satellite(_orbit(record), "snapshot")

    async def position(
        self, session: AsyncSession, norad_id: int = ISS_NORAD_ID, at: datetime | None = None
    ) -> tuple[SatellitePosition, ElementsInfo]:
        now = utcnow()
        at = validate_instant(at, now)
        satellite = await self.satellite(session, norad_id)
        return satellite.orbit.position(at), satellite.elements(now)

    async def passes(
        self,
        session: AsyncSession,
        latitude: float,
        longitude: float,
        days: int = MAX_PASS_DAYS,
        start: datetime | None = None,
        norad_id: int = ISS_NORAD_ID,
    ) -> tuple[list[Pass], ElementsInfo]:
        """Passes above 10° for an observer over the next `days` (1 to 10)."""
        validate_observer(latitude, longitude)
        if not 1 <= days <= MAX_PASS_DAYS:
            raise BadObserver("Days must be between 1 and 10.", field="days")
        now = utcnow()
        start = validate_instant(start, now)
        satellite = await self.satellite(session, norad_id)
        # Searching days of orbit is CPU work: in a thread, so the event loop goes on.
        passes = await asyncio.to_thread(satellite.orbit.passes, latitude, longitude, start, days)
        return passes, satellite.elements(now)

    async def ground_track(
        self, session: AsyncSession, at: datetime | None = None, norad_id: int = ISS_NORAD_ID
    ) -> tuple[GroundTrack, ElementsInfo]:
        now = utcnow()
        at = validate_instant(at, now)
        satellite = await self.satellite(session, norad_id)
        track = await asyncio.to_thread(satellite.orbit.ground_track, at)
        return track, satellite.elements(now)

    async def sky_track(
        self,
        session: AsyncSession,
        latitude: float,
        longitude: float,
        at: datetime | None = None,
        minutes: int = 30,
        norad_id: int = ISS_NORAD_ID,
    ) -> list[SkyPoint]:
        """Where the satellite is on the observer's sky, every 15 s for `minutes`."""
        validate_observer(latitude, longitude)
        if not 1 <= minutes <= MAX_SKY_MINUTES:
            raise BadObserver("Minutes must be between 1 and 240.", field="minutes")
        now = utcnow()
        at = validate_instant(at, now)
        satellite = await self.satellite(session, norad_id)
        return await asyncio.to_thread(satellite.orbit.sky_track, latitude, longitude, at, minutes)

    # -- telemetry ---------------------------------------------------------

    async def telemetry_source(
        self, session: AsyncSession, mission: MissionInfo | str
    ) -> TelemetrySource:
        """What computing `mission`'s telemetry needs (given as loaded, or by slug)."""
        if isinstance(mission, str):
            mission = await self.get(session, mission)
        if mission.norad_id is not None:
            try:
                return TelemetrySource(
                    mission, satellite=await self.satellite(session, mission.norad_id)
                )
            except ElementsUnavailable:
                return TelemetrySource(mission)
        if mission.horizons_id:
            row = await mission_repository.horizons_table(session, mission.horizons_id)
            table = (
                horizons.VectorTable.from_rows(row.rows)
                if row is not None
                else shipped_table(mission.horizons_id)
            )
            return TelemetrySource(mission, table=table)
        return TelemetrySource(mission)

    def compute_telemetry(self, source: TelemetrySource, at: datetime) -> Telemetry | None:
        """One tick of telemetry (no I/O), or None for a mission without any."""
        if source.satellite is not None:
            p = source.satellite.orbit.position(at)
            elements = source.satellite.elements(at)
            return Telemetry(
                source.mission.slug,
                at,
                {
                    "kind": "orbit",
                    "latitude": round(p.latitude, 5),
                    "longitude": round(p.longitude, 5),
                    "altitudeKm": round(p.altitude_km, 3),
                    "speedKmS": round(p.speed_km_s, 4),
                    "sunlit": p.sunlit,
                    "footprintKm": round(p.footprint_radius_km, 1),
                    "elementsAgeDays": round(elements.age_days, 2),
                    "elementsStale": elements.stale,
                },
            )
        if source.table is not None:
            t = timescale().from_datetime(at)
            geo, vel, extrapolated = source.table.state(float(t.tdb))
            eph = ephemeris()
            earth = (eph["earth"] - eph["sun"]).at(t)
            helio = geo + earth.position.km
            helio_v = vel + earth.velocity.km_per_s
            d_earth = float(np.linalg.norm(geo))
            d_sun = float(np.linalg.norm(helio))
            return Telemetry(
                source.mission.slug,
                at,
                {
                    "kind": "deep_space",
                    "distanceEarthKm": round(d_earth, 1),
                    "distanceEarthAu": round(d_earth / AU_KM, 6),
                    "distanceSunKm": round(d_sun, 1),
                    "distanceSunAu": round(d_sun / AU_KM, 6),
                    "speedKmS": round(float(np.linalg.norm(vel)), 4),
                    "heliocentricSpeedKmS": round(float(np.linalg.norm(helio_v)), 4),
                    "lightTimeSeconds": round(d_earth / horizons.LIGHT_KM_S, 2),
                    "extrapolated": extrapolated,
                },
            )
        return None

    async def telemetry(
        self, session: AsyncSession, mission: MissionInfo | str
    ) -> Telemetry | None:
        source = await self.telemetry_source(session, mission)
        return self.compute_telemetry(source, utcnow())

    # -- fetchers ----------------------------------------------------------

    async def refresh_elements(
        self,
        session: AsyncSession,
        client: httpx.AsyncClient,
        *,
        force: bool = False,
    ) -> dict[str, Any]:
        """Fetch the GP elements of every mission's NORAD id from CelesTrak.

        At most once per `elements_refresh_seconds` (2 h, CelesTrak's own rule),
        later after failures (exponential backoff, and never before a 429's
        Retry-After). Older elements stay until newer ones arrive.
        """
        settings = get_settings()
        now = utcnow()
        state = await upstream.state_of(session, ELEMENTS_KEY)
        if not force and upstream.blocked(state, now):
            assert state.blocked_until is not None
            return {"skipped": True, "nextAttemptAt": aware(state.blocked_until)}
        state.last_attempt_at = now
        norad_ids = await mission_repository.norad_ids(session) or sorted(shipped_elements())
        updated: list[int] = []
        errors: list[str] = []
        retry_after: timedelta | None = None
        for norad_id in norad_ids:
            url = settings.celestrak_gp_url.format(norad_id=norad_id)
            limited = False
            try:
                response = await client.get(url, headers={"User-Agent": USER_AGENT})
                if response.status_code != 200:
                    limited = response.status_code == 429
                    wait = upstream.retry_after(response.headers.get("retry-after"), now)
                    if wait is not None:
                        retry_after = max(retry_after or wait, wait)
                    raise FetchFailed(f"CelesTrak answered HTTP {response.status_code}")
                records = _parse_gp(response.content, norad_id)
            except (httpx.HTTPError, FetchFailed) as exc:
                errors.append(f"{norad_id}: {exc}")
                if limited:
                    break  # rate-limited: ask for nothing more now
                continue
            for record in records:
                if await self._upsert_elements(session, record, now):
                    updated.append(record.NORAD_CAT_ID)
        base = timedelta(seconds=settings.elements_refresh_seconds)
        if errors:
            _failed(state, now, "; ".join(errors), base, retry_after)
        else:
            upstream.record_success(state, now, next_run=now + base)
        await session.flush()
        return {"skipped": False, "updated": updated, "errors": errors}

    async def _upsert_elements(
        self, session: AsyncSession, record: OmmRecord, now: datetime, source: str = "celestrak"
    ) -> bool:
        """Store `record` unless what is stored is as new; True when something changed."""
        row = await mission_repository.elements(session, record.NORAD_CAT_ID)
        epoch = aware(record.EPOCH)
        if row is not None and aware(row.epoch) >= epoch and row.source != "snapshot":
            return False
        if row is None:
            row = SatelliteElements(norad_id=record.NORAD_CAT_ID)
            session.add(row)
        row.object_name = record.OBJECT_NAME
        row.object_id = record.OBJECT_ID
        row.epoch = epoch
        row.mean_motion = record.MEAN_MOTION
        row.eccentricity = record.ECCENTRICITY
        row.inclination = record.INCLINATION
        row.ra_of_asc_node = record.RA_OF_ASC_NODE
        row.arg_of_pericenter = record.ARG_OF_PERICENTER
        row.mean_anomaly = record.MEAN_ANOMALY
        row.ephemeris_type = record.EPHEMERIS_TYPE
        row.classification_type = record.CLASSIFICATION_TYPE
        row.element_set_no = record.ELEMENT_SET_NO
        row.rev_at_epoch = record.REV_AT_EPOCH
        row.bstar = record.BSTAR
        row.mean_motion_dot = record.MEAN_MOTION_DOT
        row.mean_motion_ddot = record.MEAN_MOTION_DDOT
        row.source = source
        row.fetched_at = now
        return True

    async def refresh_horizons(
        self,
        session: AsyncSession,
        client: httpx.AsyncClient,
        *,
        force: bool = False,
    ) -> dict[str, Any]:
        """Fetch a daily vector table (30 days back, 120 ahead) per deep-space mission,
        at most once every 20 hours each; a failed target keeps its old table."""
        settings = get_settings()
        now = utcnow()
        updated: list[str] = []
        errors: list[str] = []
        skipped: list[str] = []
        for slug, target in await mission_repository.horizons_targets(session):
            state = await upstream.state_of(session, f"horizons:{target}")
            if not force and upstream.blocked(state, now):
                skipped.append(slug)
                continue
            state.last_attempt_at = now
            start = (now - timedelta(days=HORIZONS_DAYS_BEFORE)).replace(
                hour=0, minute=0, second=0, microsecond=0
            )
            params = horizons.api_params(target, start, HORIZONS_DAYS_BEFORE + HORIZONS_DAYS_AFTER)
            retry_after: timedelta | None = None
            try:
                response = await client.get(
                    settings.horizons_api_url, params=params, headers={"User-Agent": USER_AGENT}
                )
                if response.status_code != 200:
                    retry_after = upstream.retry_after(response.headers.get("retry-after"), now)
                    raise FetchFailed(f"Horizons answered HTTP {response.status_code}")
                rows = horizons.parse_api_response(response.content)
            except (httpx.HTTPError, FetchFailed) as exc:
                errors.append(f"{slug}: {exc}")
                _failed(state, now, str(exc), timedelta(hours=1), retry_after)
                continue
            await self._store_table(session, target, rows, "horizons", now)
            upstream.record_success(state, now, next_run=now + HORIZONS_REFRESH)
            updated.append(slug)
        await session.flush()
        return {"updated": updated, "errors": errors, "skipped": skipped}

    async def _store_table(
        self,
        session: AsyncSession,
        target: str,
        rows: list[list[float]],
        source: str,
        now: datetime,
    ) -> None:
        table = horizons.VectorTable.from_rows(rows)
        row = await mission_repository.horizons_table(session, target)
        if row is None:
            row = HorizonsTable(target=target)
            session.add(row)
        row.center = "500@399"
        row.start_jd = table.start_jd
        row.stop_jd = table.stop_jd
        row.rows = table.rows.tolist()
        row.source = source
        row.fetched_at = now

    # -- demo data -----------------------------------------------------------

    async def load_demo(self, session: AsyncSession) -> int:
        """Missions, element snapshot and Horizons tables from the shipped files.

        Idempotent by slug / NORAD id / target; fetched data is never replaced by
        the snapshot. Returns how many missions were created.
        """
        existing = {m.slug: m for m in await mission_repository.all(session)}
        created = 0
        for position, data in enumerate(shipped_missions()):
            mission = existing.get(data["slug"])
            if mission is None:
                mission = Mission(slug=data["slug"])
                session.add(mission)
                created += 1
            mission.name = data["name"]
            mission.agency = data["agency"]
            mission.status = data["status"]
            mission.kind = data["kind"]
            launch = data.get("launch_date")
            mission.launch_date = date.fromisoformat(launch) if launch else None
            mission.summary = data.get("summary", "")
            mission.description = data.get("description", "")
            mission.norad_id = data.get("norad_id")
            mission.horizons_id = data.get("horizons_id")
            mission.video_tag = data.get("video_tag")
            mission.position = position
        now = utcnow()
        for record in shipped_elements().values():
            row = await mission_repository.elements(session, record.NORAD_CAT_ID)
            if row is None:
                await self._upsert_elements(session, record, now, source="snapshot")
        for data in shipped_missions():
            target = data.get("horizons_id")
            if target and await mission_repository.horizons_table(session, target) is None:
                table = shipped_table(target)
                if table is not None:
                    await self._store_table(session, target, table.rows.tolist(), "demo", now)
        await session.flush()
        return created


def _parse_gp(body: bytes, norad_id: int) -> list[OmmRecord]:
    """CelesTrak GP JSON → records; anything malformed fails the whole payload."""
    try:
        data = json.loads(body)
    except ValueError:
        text = body[:80].decode("utf-8", "replace").strip()
        # CelesTrak answers unknown or not-updated objects with plain text.
        raise FetchFailed(f"CelesTrak sent no JSON ({text!r})") from None
    if not isinstance(data, list) or not data:
        raise FetchFailed("CelesTrak sent no element sets")
    try:
        records = [OmmRecord.model_validate(item) for item in data]
    except ValidationError as exc:
        raise FetchFailed(
            f"CelesTrak sent malformed elements ({exc.error_count()} errors)"
        ) from None
    for record in records:
        try:
            Orbit.from_record(record).position(aware(record.EPOCH))
        except Exception:
            raise FetchFailed(f"elements of {record.NORAD_CAT_ID} do not propagate") from None
    if all(norad_id != r.NORAD_CAT_ID for r in records):
        raise FetchFailed(f"CelesTrak sent elements for other objects than {norad_id}")
    return records


mission_service = MissionService()
