"""Accuracy of the orbit computations against independent methods.

Positions: the plain `sgp4` library (TEME), turned into latitude, longitude
and height here with our own GMST rotation and WGS84 geodetic conversion.
Passes: brute-force altitude sampling every 10 s, with the same plain SGP4.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import numpy as np
from sgp4 import omm
from sgp4.api import Satrec, jday

from cosmostream.mission.orbit import Orbit, compass, footprint_radius_km
from cosmostream.mission.service import shipped_elements

START = datetime(2026, 12, 4, 20, 0, tzinfo=UTC)
WGS84_A = 6378.137
WGS84_F = 1 / 298.257223563
E2 = WGS84_F * (2 - WGS84_F)


def plain_satrec(norad_id: int) -> Satrec:
    sat = Satrec()
    omm.initialize(sat, shipped_elements()[norad_id].omm_fields())
    return sat


def gmst_radians(jd_ut1: np.ndarray) -> np.ndarray:
    """IAU-82 Greenwich mean sidereal time (Vallado's gstime)."""
    t = (jd_ut1 - 2451545.0) / 36525.0
    seconds = (
        -6.2e-6 * t**3 + 0.093104 * t**2 + (876600.0 * 3600 + 8640184.812866) * t + 67310.54841
    )
    return np.mod(np.radians(seconds / 240.0), 2 * np.pi)


def teme_to_ecef(r: np.ndarray, jd: np.ndarray) -> np.ndarray:
    g = gmst_radians(jd)
    c, s = np.cos(g), np.sin(g)
    x = c * r[..., 0] + s * r[..., 1]
    y = -s * r[..., 0] + c * r[..., 1]
    return np.stack([x, y, r[..., 2]], axis=-1)


def geodetic(ecef: np.ndarray) -> tuple[float, float, float]:
    x, y, z = ecef
    lon = math.atan2(y, x)
    p = math.hypot(x, y)
    lat = math.atan2(z, p * (1 - E2))
    for _ in range(10):
        n = WGS84_A / math.sqrt(1 - E2 * math.sin(lat) ** 2)
        h = p / math.cos(lat) - n
        lat = math.atan2(z, p * (1 - E2 * n / (n + h)))
    n = WGS84_A / math.sqrt(1 - E2 * math.sin(lat) ** 2)
    h = p / math.cos(lat) - n
    return math.degrees(lat), math.degrees(lon), h


def surface_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    a, b = math.radians(lat1), math.radians(lat2)
    d = math.radians(lon2 - lon1)
    c = math.sin(a) * math.sin(b) + math.cos(a) * math.cos(b) * math.cos(d)
    return 6371.0 * math.acos(max(-1.0, min(1.0, c)))


def test_iss_position_matches_plain_sgp4_within_1_km() -> None:
    orbit = Orbit.from_record(shipped_elements()[25544])
    sat = plain_satrec(25544)
    for minutes in (0, 17, 46, 95, 600, 2 * 1440 + 13):
        at = START + timedelta(minutes=minutes)
        ours = orbit.position(at)
        jd, fr = jday(at.year, at.month, at.day, at.hour, at.minute, at.second)
        error, r, _ = sat.sgp4(jd, fr)
        assert error == 0
        ecef = teme_to_ecef(np.array(r), np.array(jd + fr))
        lat, lon, h = geodetic(ecef)
        horizontal = surface_km(ours.latitude, ours.longitude, lat, lon) * (6371 + h) / 6371
        assert horizontal < 1.0, (minutes, horizontal)
        assert abs(ours.altitude_km - h) < 1.0
        assert 400 < ours.altitude_km < 450
        assert 7.6 < ours.speed_km_s < 7.7


def brute_force_passes(
    norad_id: int, lat: float, lon: float, start: datetime, days: int
) -> list[tuple[datetime, datetime, datetime, float]]:
    """(rise, culmination, set, max elevation) by sampling the altitude every 10 s."""
    sat = plain_satrec(norad_id)
    step = 10.0
    jd0, fr0 = jday(start.year, start.month, start.day, start.hour, start.minute, start.second)
    phi, lam = math.radians(lat), math.radians(lon)
    n = WGS84_A / math.sqrt(1 - E2 * math.sin(phi) ** 2)
    site = np.array(
        [n * math.cos(phi) * math.cos(lam), n * math.cos(phi) * math.sin(lam),
         n * (1 - E2) * math.sin(phi)]
    )  # fmt: skip
    up = np.array([math.cos(phi) * math.cos(lam), math.cos(phi) * math.sin(lam), math.sin(phi)])

    def altitude(seconds: np.ndarray) -> np.ndarray:
        fr = fr0 + seconds / 86400.0
        jd = np.full_like(fr, jd0)
        errors, r, _ = sat.sgp4_array(jd, fr)
        assert not errors.any()
        rho = teme_to_ecef(r, jd + fr) - site
        return np.degrees(np.arcsin(rho @ up / np.linalg.norm(rho, axis=1)))

    offsets = np.arange(0.0, days * 86400.0 + step, step)
    alt = altitude(offsets)
    above = alt >= 10.0
    passes = []
    i = 0
    while i < len(alt):
        if above[i] and i > 0 and not above[i - 1]:
            j = i
            while j < len(alt) and above[j]:
                j += 1
            if j == len(alt):
                break

            def cross(k: int) -> float:  # between samples k-1 and k
                a0, a1 = alt[k - 1], alt[k]
                return offsets[k - 1] + step * (10.0 - a0) / (a1 - a0)

            top = i + int(np.argmax(alt[i:j]))
            # Near the zenith the peak is sharp: sample its neighbourhood every 0.1 s.
            fine = np.arange(offsets[top] - step, offsets[top] + step, 0.1)
            fine_alt = altitude(fine)
            k = int(np.argmax(fine_alt))
            peak, peak_at = float(fine_alt[k]), float(fine[k])
            passes.append(
                (
                    start + timedelta(seconds=cross(i)),
                    start + timedelta(seconds=peak_at),
                    start + timedelta(seconds=cross(j)),
                    peak,
                )
            )
            i = j
        i += 1
    return passes


def test_passes_match_brute_force_sampling() -> None:
    orbit = Orbit.from_record(shipped_elements()[25544])
    for lat, lon in ((51.48, -0.0), (-33.87, 151.21)):
        ours = orbit.passes(lat, lon, START, 10)
        reference = brute_force_passes(25544, lat, lon, START, 10)
        assert len(ours) == len(reference) > 20
        for p, (rise, top, end, peak) in zip(ours, reference, strict=True):
            assert abs((p.rise.at - rise).total_seconds()) < 20
            assert abs((p.set.at - end).total_seconds()) < 20
            assert abs((p.culmination.at - top).total_seconds()) < 20
            assert abs(p.max_elevation - peak) < 0.5
            assert p.rise.altitude == pytest_approx(10.0)
            assert p.brightness in ("bright", "visible", "not visible")
            if p.brightness == "bright":
                assert p.sunlit and p.max_elevation >= 40 and p.sun_altitude < -6


def pytest_approx(value: float) -> object:
    import pytest

    return pytest.approx(value, abs=0.05)


def test_brightness_needs_dark_sky_and_sunlit_station() -> None:
    orbit = Orbit.from_record(shipped_elements()[25544])
    passes = orbit.passes(51.48, 0.0, START, 10)
    kinds = {p.brightness for p in passes}
    # December evenings in London: some bright passes, and daytime ones that are not visible.
    assert "bright" in kinds and "not visible" in kinds
    for p in passes:
        if p.sun_altitude > -6:
            assert p.brightness == "not visible"


def test_ground_track_covers_past_and_next_orbit() -> None:
    orbit = Orbit.from_record(shipped_elements()[25544])
    track = orbit.ground_track(START)
    now = orbit.position(START)
    assert track.past[-1] == track.next[0]
    assert abs(track.next[0].latitude - now.latitude) < 0.01
    period_points = orbit.period_minutes * 2
    assert abs(len(track.past) - period_points) <= 2 and abs(len(track.next) - period_points) <= 2
    assert max(abs(p.latitude) for p in track.next) < 52.0
    # The subsolar point in December is near the Tropic of Capricorn.
    assert -23.5 < track.subsolar.latitude < -22.0


def test_sky_track_and_helpers() -> None:
    orbit = Orbit.from_record(shipped_elements()[25544])
    points = orbit.sky_track(51.48, 0.0, START, 30)
    assert len(points) == 121
    assert all(-90 <= p.altitude <= 90 and 0 <= p.azimuth < 360 for p in points)
    assert compass(0) == "N" and compass(359) == "N" and compass(135) == "SE"
    assert compass(247.5) == "WSW"
    assert 2200 < footprint_radius_km(420) < 2300
