"""Sky positions against astronomy-engine, an independent implementation
(VSOP87/own lunar theory, not JPL DE421), within 1 arcminute; rise, transit
and set within two minutes; bad input."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import astronomy
import pytest

from cosmostream.errors import ValidationFailed
from cosmostream.sky.schemas import BodyKind
from cosmostream.sky.service import moon_phase_name, sky_service

ARCMIN = 1 / 60

REFERENCE = {
    "Sun": astronomy.Body.Sun,
    "Moon": astronomy.Body.Moon,
    "Mercury": astronomy.Body.Mercury,
    "Venus": astronomy.Body.Venus,
    "Mars": astronomy.Body.Mars,
    "Jupiter": astronomy.Body.Jupiter,
    "Saturn": astronomy.Body.Saturn,
    "Uranus": astronomy.Body.Uranus,
    "Neptune": astronomy.Body.Neptune,
}

CASES = [
    # (latitude, longitude, when): Greenwich, Sydney, Quito, Tromsø, Honolulu.
    (51.4769, -0.0005, datetime(2026, 12, 4, 20, 0, tzinfo=UTC)),
    (-33.8688, 151.2093, datetime(2024, 4, 8, 18, 17, 30, tzinfo=UTC)),
    (-0.1807, -78.4678, datetime(2000, 1, 1, 12, 0, tzinfo=UTC)),
    (69.6492, 18.9553, datetime(2031, 6, 21, 0, 0, tzinfo=UTC)),
    (21.3069, -157.8583, datetime(1969, 7, 20, 20, 17, tzinfo=UTC)),
]


def _time(when: datetime) -> astronomy.Time:
    return astronomy.Time.Make(when.year, when.month, when.day, when.hour, when.minute, when.second)


def _angle(a: float, b: float, period: float = 360.0) -> float:
    d = (a - b) % period
    return min(d, period - d)


def _separation(ra1_h: float, dec1: float, ra2_h: float, dec2: float) -> float:
    """Great-circle separation in degrees."""
    r1, r2 = math.radians(ra1_h * 15), math.radians(ra2_h * 15)
    d1, d2 = math.radians(dec1), math.radians(dec2)
    c = math.sin(d1) * math.sin(d2) + math.cos(d1) * math.cos(d2) * math.cos(r1 - r2)
    return math.degrees(math.acos(max(-1.0, min(1.0, c))))


def _altaz_separation(alt1: float, az1: float, alt2: float, az2: float) -> float:
    return _separation(az1 / 15, alt1, az2 / 15, alt2)


@pytest.mark.parametrize(("lat", "lon", "when"), CASES)
def test_positions_match_astronomy_engine(lat: float, lon: float, when: datetime) -> None:
    sky = sky_service.sky(lat, lon, when)
    observer = astronomy.Observer(lat, lon, 0.0)
    t = _time(when)
    assert [b.name for b in sky.bodies] == list(REFERENCE)
    for body in sky.bodies:
        ref = astronomy.Equator(REFERENCE[body.name], t, observer, ofdate=True, aberration=True)
        sep = _separation(body.ra_hours, body.dec_degrees, ref.ra, ref.dec)
        assert sep < ARCMIN, f"{body.name}: RA/Dec off by {sep * 60:.2f} arcmin"
        hor = astronomy.Horizon(t, observer, ref.ra, ref.dec, astronomy.Refraction.Airless)
        off = _altaz_separation(body.alt_degrees, body.az_degrees, hor.altitude, hor.azimuth)
        assert off < ARCMIN, f"{body.name}: alt/az off by {off * 60:.2f} arcmin"
        # Ours is the light-time distance, theirs the geometric one: they
        # differ by radial velocity times light time (thousands of km for Venus).
        assert body.distance_au == pytest.approx(ref.dist, rel=5e-4)
        assert body.distance_km == pytest.approx(body.distance_au * 149_597_870.7)


@pytest.mark.parametrize(("lat", "lon", "when"), CASES)
def test_rise_transit_set_match_astronomy_engine(lat: float, lon: float, when: datetime) -> None:
    sky = sky_service.sky(lat, lon, when)
    observer = astronomy.Observer(lat, lon, 0.0)
    t = _time(when)
    for body in sky.bodies:
        ref = REFERENCE[body.name]
        for ours, direction in (
            (body.rise, astronomy.Direction.Rise),
            (body.set, astronomy.Direction.Set),
        ):
            found = astronomy.SearchRiseSet(ref, observer, direction, t, 1.0)
            if found is None:
                assert ours is None, body.name
                continue
            theirs = found.Utc().replace(tzinfo=UTC)
            assert ours is not None, body.name
            assert abs((ours - theirs).total_seconds()) < 120, (body.name, direction, ours, theirs)
        transit = astronomy.SearchHourAngle(ref, observer, 0.0, t, +1)
        theirs = transit.time.Utc().replace(tzinfo=UTC)
        if theirs - when < timedelta(hours=24):
            assert body.transit is not None
            assert abs((body.transit - theirs).total_seconds()) < 120, body.name


def test_magnitudes_and_phase() -> None:
    sky = sky_service.sky(51.4769, 0.0, datetime(2026, 12, 4, 20, 0, tzinfo=UTC))
    by = {b.name: b for b in sky.bodies}
    t = _time(sky.at)
    assert by["Sun"].kind is BodyKind.SUN and by["Sun"].magnitude == -26.74
    assert by["Sun"].phase_fraction is None
    moon = by["Moon"]
    illum = astronomy.Illumination(astronomy.Body.Moon, t)
    assert moon.phase_fraction == pytest.approx(illum.phase_fraction, abs=0.01)
    assert moon.magnitude is not None and -13 < moon.magnitude < -3
    assert moon.phase_name == "Waning Crescent"
    for name in ("Mercury", "Venus", "Mars", "Jupiter", "Saturn", "Uranus", "Neptune"):
        ours = by[name].magnitude
        assert ours is not None, name
        # Different photometric models (Mallama 2018 vs older): within a few tenths.
        theirs = astronomy.Illumination(REFERENCE[name], t).mag
        assert ours == pytest.approx(theirs, abs=0.3), name
    assert by["Saturn"].constellation == "Cetus"
    assert by["Sun"].constellation == "Ophiuchus"  # IAU boundaries, not the zodiac


def test_phase_names() -> None:
    assert moon_phase_name(0) == "New Moon"
    assert moon_phase_name(350) == "New Moon"
    assert moon_phase_name(45) == "Waxing Crescent"
    assert moon_phase_name(90) == "First Quarter"
    assert moon_phase_name(180) == "Full Moon"
    assert moon_phase_name(270) == "Last Quarter"
    assert moon_phase_name(315) == "Waning Crescent"


def test_naive_time_is_utc() -> None:
    sky = sky_service.sky(0, 0, datetime(2020, 1, 1, 0, 0))
    assert sky.at == datetime(2020, 1, 1, tzinfo=UTC)


def test_circumpolar_sun_has_no_rise() -> None:
    # Midsummer at 78° N: the Sun neither rises nor sets.
    sky = sky_service.sky(78.22, 15.65, datetime(2025, 6, 21, 12, tzinfo=UTC))
    sun = sky.bodies[0]
    assert sun.alt_degrees > 0 and sun.rise is None and sun.set is None
    assert sun.transit is not None


@pytest.mark.parametrize(
    ("lat", "lon", "when", "field"),
    [
        (91.0, 0.0, datetime(2020, 1, 1, tzinfo=UTC), "lat"),
        (-90.5, 0.0, datetime(2020, 1, 1, tzinfo=UTC), "lat"),
        (float("nan"), 0.0, datetime(2020, 1, 1, tzinfo=UTC), "lat"),
        (0.0, 180.1, datetime(2020, 1, 1, tzinfo=UTC), "lon"),
        (0.0, float("inf"), datetime(2020, 1, 1, tzinfo=UTC), "lon"),
        (0.0, 0.0, datetime(1899, 12, 31, tzinfo=UTC), "at"),
        (0.0, 0.0, datetime(2050, 1, 1, tzinfo=UTC), "at"),
    ],
)
def test_bad_input(lat: float, lon: float, when: datetime, field: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        sky_service.sky(lat, lon, when)
    assert caught.value.code == "validation_failed"
    assert caught.value.field == field
