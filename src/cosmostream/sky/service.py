"""Ephemeris: where the Sun, Moon and planets are for an observer at an instant.

Skyfield with JPL's DE421, loaded from the `skyfield-data` wheel (see
`cosmostream.kit.ephemeris`): nothing is downloaded, ever, and the kernel and
the timescale are loaded once per process.

Frames: RA/Dec are *apparent* (light time, aberration and deflection applied)
and referred to the true equator and equinox of date, which is what a telescope
mount or a planetarium shows. Alt/az are geometric (no atmospheric refraction),
azimuth from north through east. Rise and set follow the almanac convention of
Skyfield and the USNO: standard refraction (34 arcmin) plus the Sun's and the
Moon's radius.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

import numpy as np
from skyfield.api import wgs84
from skyfield.framelib import ecliptic_frame
from skyfield.magnitudelib import planetary_magnitude

from cosmostream.kit import ephemeris as kit_ephemeris
from cosmostream.kit.time import aware
from cosmostream.sky.errors import BadObserver, OutOfRange
from cosmostream.sky.schemas import BodyKind, Observer, Sky, SkyBody

# DE421 covers 1899-07-29 … 2053-10-09; we promise a round, safe subset whose
# 24-hour event search (up to 2050-01-01 + 24 h) still stays inside it.
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(2050, 1, 1, tzinfo=UTC)
SUN_MAGNITUDE = -26.74

# (display name, DE421 target). The outer planets only exist as barycenters in
# DE421; the offset from the planet's centre is tens to hundreds of km at most.
BODIES: tuple[tuple[str, str, BodyKind], ...] = (
    ("Sun", "sun", BodyKind.SUN),
    ("Moon", "moon", BodyKind.MOON),
    ("Mercury", "mercury", BodyKind.PLANET),
    ("Venus", "venus", BodyKind.PLANET),
    ("Mars", "mars", BodyKind.PLANET),
    ("Jupiter", "jupiter barycenter", BodyKind.PLANET),
    ("Saturn", "saturn barycenter", BodyKind.PLANET),
    ("Uranus", "uranus barycenter", BodyKind.PLANET),
    ("Neptune", "neptune barycenter", BodyKind.PLANET),
)


def moon_phase_name(elongation_degrees: float) -> str:
    """Name of the phase from the Moon's ecliptic longitude minus the Sun's (0 to 360 degrees)."""
    e = elongation_degrees % 360.0
    names = (
        "New Moon",
        "Waxing Crescent",
        "First Quarter",
        "Waxing Gibbous",
        "Full Moon",
        "Waning Gibbous",
        "Last Quarter",
        "Waning Crescent",
    )
    # Principal phases get a ±11.25° band (about a day); the rest goes to the in-betweens.
    return names[int(((e + 22.5) % 360.0) // 45.0)]


def moon_magnitude(phase_angle_degrees: float, distance_km: float) -> float:
    """Visual magnitude of the Moon (Allen's phase law, scaled to the mean distance)."""
    a = abs(phase_angle_degrees)
    v = -12.73 + 0.026 * a + 4e-9 * a**4
    return v + 5 * math.log10(distance_km / 384_400.0)


def validate(lat: float, lon: float, at: datetime) -> datetime:
    kit_ephemeris.validate_observer(lat, lon, BadObserver)
    at = aware(at).astimezone(UTC)
    if not EARLIEST <= at < LATEST:
        raise OutOfRange(field="at")
    return at


def _utc(t: Any) -> datetime:
    value: datetime = t.utc_datetime()
    return value.replace(microsecond=0)


class SkyService:
    def sky(self, lat: float, lon: float, at: datetime, elevation_m: float = 0.0) -> Sky:
        """Sun, Moon and planets for an observer at `at` (UTC), with their next
        rise, transit and set within 24 hours. Raises `ValidationFailed`."""
        at = validate(lat, lon, at)
        k, ts = kit_ephemeris.ephemeris(), kit_ephemeris.timescale()
        constellation_at = kit_ephemeris.constellation_map()
        constellation_names = kit_ephemeris.constellation_names()
        # One array of times for the next 24 h: index 0 is `at` itself, the rest
        # is the grid on which rise, set and transit are bracketed.
        t = ts.tt_jd(ts.from_datetime(at).tt + GRID)
        observer = k["earth"] + wgs84.latlon(lat, lon, elevation_m=elevation_m)
        # The observer's barycentric positions are computed once, for every body.
        here = observer.at(t)
        # The positions reported are computed at `at` alone: cheaper than
        # phase, magnitude and constellation for the whole grid.
        here_now = observer.at(t[0])
        sun = k["sun"]
        sun_lon = here_now.observe(sun).apparent().frame_latlon(ecliptic_frame)[1].degrees
        bodies: list[SkyBody] = []
        for name, target, kind in BODIES:
            body = k[target]
            grid = here.observe(body).apparent()
            grid_alt, _, grid_dist = grid.altaz()
            astrometric = here_now.observe(body)
            apparent = astrometric.apparent()
            alt, az, dist = apparent.altaz()
            ra, dec, _ = apparent.radec(epoch="date")
            distance_km = float(dist.km)
            phase_angle = phase_fraction = None
            phase_name = None
            magnitude: float | None
            if kind is BodyKind.SUN:
                magnitude = SUN_MAGNITUDE
            else:
                phase_angle = float(apparent.phase_angle(sun).degrees)
                phase_fraction = float(apparent.fraction_illuminated(sun))
                if kind is BodyKind.MOON:
                    moon_lon = apparent.frame_latlon(ecliptic_frame)[1].degrees
                    phase_name = moon_phase_name(float(moon_lon - sun_lon))
                    magnitude = moon_magnitude(phase_angle, distance_km)
                else:
                    magnitude = _planet_magnitude(astrometric)
            abbr = str(constellation_at(apparent))
            above = grid_alt.radians - _horizon(kind, grid_dist.m)
            hour_angle = grid.hadec()[0].radians
            rise, transit, set_ = _events(ts, observer, body, kind, t, above, hour_angle)
            bodies.append(
                SkyBody(
                    name=name,
                    kind=kind,
                    ra_hours=float(ra.hours),
                    dec_degrees=float(dec.degrees),
                    alt_degrees=float(alt.degrees),
                    az_degrees=float(az.degrees),
                    distance_km=distance_km,
                    distance_au=distance_km / kit_ephemeris.AU_KM,
                    magnitude=None if magnitude is None else round(magnitude, 2),
                    phase_angle_degrees=phase_angle,
                    phase_fraction=phase_fraction,
                    phase_name=phase_name,
                    constellation=constellation_names.get(abbr, abbr),
                    rise=rise,
                    transit=transit,
                    set=set_,
                )
            )
        return Sky(at=at, observer=Observer(lat, lon, elevation_m), bodies=bodies)


# Rise, set and transit: altitudes and hour angles on a 20-minute grid (one
# vectorised `observe` per body), sign changes bracket the events, then one
# round of false position — all of a body's events refined in one array call —
# bring them well under a second. Horizons as in Skyfield's almanac (USNO): 34 arcmin
# of refraction, plus 16 arcmin for the Sun's radius or the Moon's topocentric radius.
GRID_STEP_DAYS = 20 / 1440
GRID = np.arange(0.0, 1.0 + GRID_STEP_DAYS / 2, GRID_STEP_DAYS)
REFRACTION = math.radians(-34 / 60)
SUN_HORIZON = math.radians(-50 / 60)
MOON_RADIUS_M = 1.7374e6
REFINE_ROUNDS = 1


def _horizon(kind: BodyKind, distance_m: Any) -> Any:
    if kind is BodyKind.SUN:
        return SUN_HORIZON
    if kind is BodyKind.MOON:
        return REFRACTION - MOON_RADIUS_M / distance_m
    return REFRACTION


def _wrap(x: Any) -> Any:
    return (x + math.pi) % (2 * math.pi) - math.pi


def _events(
    ts: Any, observer: Any, body: Any, kind: BodyKind, t: Any, f: Any, ha: Any
) -> tuple[datetime | None, datetime | None, datetime | None]:
    """Next rise, transit, set after t[0]: `f` is altitude minus the horizon and
    `ha` the hour angle (radians), both sampled at the times `t`."""
    tt = t.tt
    ha = _wrap(ha)
    # (which, lo index) of the first bracket of each kind.
    brackets: list[tuple[str, int]] = []
    rising = np.flatnonzero((f[:-1] < 0) & (f[1:] >= 0))
    setting = np.flatnonzero((f[:-1] >= 0) & (f[1:] < 0))
    # Hour angle goes through 0 upwards at transit (not through ±π, the wrap).
    transit = np.flatnonzero((ha[:-1] < 0) & (ha[1:] >= 0) & (ha[1:] - ha[:-1] < math.pi))
    for which, hits in (("rise", rising), ("transit", transit), ("set", setting)):
        if len(hits):
            brackets.append((which, int(hits[0])))
    if not brackets:
        return None, None, None
    lo_t = np.array([tt[i] for _, i in brackets])
    hi_t = np.array([tt[i + 1] for _, i in brackets])
    values = [(ha if w == "transit" else f) for w, _ in brackets]
    lo_v = np.array([v[i] for v, (_, i) in zip(values, brackets, strict=True)])
    hi_v = np.array([v[i + 1] for v, (_, i) in zip(values, brackets, strict=True)])
    is_transit = np.array([w == "transit" for w, _ in brackets])
    guess = lo_t
    for round_ in range(REFINE_ROUNDS + 1):
        guess = lo_t - lo_v * (hi_t - lo_t) / (hi_v - lo_v)
        if round_ == REFINE_ROUNDS:
            break
        apparent = observer.at(ts.tt_jd(guess)).observe(body).apparent()
        alt, _az, dist = apparent.altaz()
        value = np.where(
            is_transit,
            _wrap(apparent.hadec()[0].radians),
            alt.radians - _horizon(kind, dist.m),
        )
        # Keep the root bracketed: the new point replaces the end of its sign.
        like_lo = np.signbit(value) == np.signbit(lo_v)
        lo_t = np.where(like_lo, guess, lo_t)
        lo_v = np.where(like_lo, value, lo_v)
        hi_t = np.where(like_lo, hi_t, guess)
        hi_v = np.where(like_lo, hi_v, value)
    events: dict[str, datetime] = {}
    for (which, _i), when in zip(brackets, ts.tt_jd(guess), strict=True):
        events[which] = _utc(when)
    return events.get("rise"), events.get("transit"), events.get("set")


def _planet_magnitude(astrometric: Any) -> float | None:
    try:
        value = float(np.asarray(planetary_magnitude(astrometric)).flat[0])
    except ValueError:
        return None
    return value if np.isfinite(value) else None


sky_service = SkyService()

__all__ = ["SkyService", "sky_service"]
