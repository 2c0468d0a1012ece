"""Earth-orbiter geometry: SGP4 from OMM elements through Skyfield.

Everything takes one Skyfield `Time` array where it has many instants, so a
ground track or a sky track costs one vectorised propagation. Pass prediction
uses Skyfield's `find_events` (rise/culmination/set through 10° altitude).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from sgp4 import omm
from sgp4.api import Satrec
from skyfield.api import EarthSatellite, wgs84

from cosmostream.kit.ephemeris import ephemeris, timescale
from cosmostream.mission.schemas import (
    GroundTrack,
    LatLon,
    OmmRecord,
    Pass,
    PassEvent,
    SatellitePosition,
    SkyPoint,
)

EARTH_RADIUS_KM = 6371.0
PASS_ALTITUDE_DEG = 10.0
COMPASS = (
    *("N", "NNE", "NE", "ENE", "E", "ESE", "SE", "SSE"),
    *("S", "SSW", "SW", "WSW", "W", "WNW", "NW", "NNW"),
)


def compass(azimuth: float) -> str:
    """The 16-point compass direction of an azimuth in degrees."""
    return COMPASS[int((azimuth % 360) / 22.5 + 0.5) % 16]


def footprint_radius_km(altitude_km: float) -> float:
    """Ground distance from the sub-satellite point to the satellite's horizon."""
    r = EARTH_RADIUS_KM
    return r * math.acos(r / (r + max(0.0, altitude_km)))


def _utc(t: Any) -> datetime:
    value: datetime = t.utc_datetime()
    return value.astimezone(UTC)


@dataclass(frozen=True)
class Orbit:
    """One satellite's elements, ready to propagate."""

    record: OmmRecord
    satellite: Any  # skyfield EarthSatellite

    @classmethod
    def from_record(cls, record: OmmRecord) -> Orbit:
        satrec = Satrec()
        omm.initialize(satrec, record.omm_fields())
        sat = EarthSatellite.from_satrec(satrec, timescale())
        sat.name = record.OBJECT_NAME
        return cls(record, sat)

    @property
    def period_minutes(self) -> float:
        return 1440.0 / self.record.MEAN_MOTION

    def position(self, at: datetime) -> SatellitePosition:
        t = timescale().from_datetime(at)
        geo = self.satellite.at(t)
        lat, lon = wgs84.latlon_of(geo)
        height = float(wgs84.height_of(geo).km)
        return SatellitePosition(
            at=at,
            latitude=float(lat.degrees),
            longitude=float(lon.degrees),
            altitude_km=height,
            speed_km_s=float(np.linalg.norm(geo.velocity.km_per_s)),
            sunlit=bool(geo.is_sunlit(ephemeris())),
            footprint_radius_km=footprint_radius_km(height),
        )

    def ground_track(self, at: datetime, step_seconds: float = 30.0) -> GroundTrack:
        """The sub-satellite points for the past and the next orbit, and the subsolar point."""
        ts = timescale()
        period = self.period_minutes * 60.0
        offsets = np.arange(-period, period + step_seconds, step_seconds)
        now_index = int(np.searchsorted(offsets, 0.0))
        offsets[now_index] = 0.0 if now_index < len(offsets) else offsets[now_index - 1]
        t0 = ts.from_datetime(at)
        times = ts.tt_jd(t0.tt + offsets / 86400.0)
        lat, lon = wgs84.latlon_of(self.satellite.at(times))
        points = [
            LatLon(round(float(a), 4), round(float(o), 4))
            for a, o in zip(lat.degrees, lon.degrees, strict=True)
        ]
        eph = ephemeris()
        sun = (eph["sun"] - eph["earth"]).at(t0)
        slat, slon = wgs84.latlon_of(sun)
        return GroundTrack(
            at=at,
            period_minutes=self.period_minutes,
            past=points[: now_index + 1],
            next=points[now_index:],
            subsolar=LatLon(float(slat.degrees), float(slon.degrees)),
        )

    def passes(
        self,
        latitude: float,
        longitude: float,
        start: datetime,
        days: float,
        elevation_m: float = 0.0,
    ) -> list[Pass]:
        """Passes above 10° from `start` for `days`, with directions and brightness.

        A pass already under way at `start` (no rise in the window) is left out,
        and so is one still rising when the window ends.
        """
        ts = timescale()
        eph = ephemeris()
        observer = wgs84.latlon(latitude, longitude, elevation_m)
        t0 = ts.from_datetime(start)
        t1 = ts.from_datetime(start + timedelta(days=days))
        times, kinds = self.satellite.find_events(
            observer, t0, t1, altitude_degrees=PASS_ALTITUDE_DEG
        )
        if len(times) == 0:
            return []
        # One propagation for every event; then group them into whole passes.
        alt, az, _ = (self.satellite - observer).at(times).altaz()
        sunlit = self.satellite.at(times).is_sunlit(eph)
        triples: list[tuple[int, int, int]] = []
        rise: int | None = None
        top: int | None = None
        for i, kind in enumerate(kinds):
            if kind == 0:
                rise, top = i, None
            elif kind == 1 and rise is not None:
                # A pass can have two culminations (a dip between): keep the higher.
                if top is None or alt.degrees[i] > alt.degrees[top]:
                    top = i
            elif kind == 2 and rise is not None and top is not None:
                triples.append((rise, top, i))
                rise = top = None
        if not triples:
            return []
        culminations = times[np.array([c for _, c, _ in triples])]
        sun_alt, _, _ = (
            (eph["earth"] + observer).at(culminations).observe(eph["sun"]).apparent().altaz()
        )
        result: list[Pass] = []
        for n in range(len(triples)):
            events = [
                PassEvent(
                    at=_utc(times[k]),
                    altitude=float(alt.degrees[k]),
                    azimuth=float(az.degrees[k]),
                    direction=compass(float(az.degrees[k])),
                    sunlit=bool(sunlit[k]),
                )
                for k in triples[n]
            ]
            max_el = events[1].altitude
            dark = float(sun_alt.degrees[n]) < -6.0
            lit_any = any(e.sunlit for e in events)
            if lit_any and dark and events[1].sunlit and max_el >= 40.0:
                brightness = "bright"
            elif lit_any and dark:
                brightness = "visible"
            else:
                brightness = "not visible"
            result.append(
                Pass(
                    rise=events[0],
                    culmination=events[1],
                    set=events[2],
                    max_elevation=max_el,
                    sunlit=events[1].sunlit,
                    sun_altitude=float(sun_alt.degrees[n]),
                    brightness=brightness,
                )
            )
        return result

    def sky_track(
        self,
        latitude: float,
        longitude: float,
        start: datetime,
        minutes: float,
        step_seconds: float = 15.0,
    ) -> list[SkyPoint]:
        """Altitude/azimuth as seen by the observer every `step_seconds` (one propagation)."""
        ts = timescale()
        observer = wgs84.latlon(latitude, longitude)
        offsets = np.arange(0.0, minutes * 60.0 + step_seconds / 2, step_seconds)
        t0 = ts.from_datetime(start)
        times = ts.tt_jd(t0.tt + offsets / 86400.0)
        alt, az, _ = (self.satellite - observer).at(times).altaz()
        sunlit = self.satellite.at(times).is_sunlit(ephemeris())
        return [
            SkyPoint(
                at=start + timedelta(seconds=float(s)),
                altitude=round(float(a), 3),
                azimuth=round(float(z), 3),
                sunlit=bool(lit),
            )
            for s, a, z, lit in zip(offsets, alt.degrees, az.degrees, sunlit, strict=True)
        ]
