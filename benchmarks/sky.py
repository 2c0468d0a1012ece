"""Server time of `sky(...)`: the Sun, Moon and seven planets for one observer at
one instant, with their next rise, transit and set (Skyfield + DE421).

In process: p50/p95 of `sky_service.sky` over N runs after a warm-up, against
two anchors measured in the same run: astronomy-engine (pure Python, VSOP87)
doing the same work (apparent RA/Dec, alt/az, rise, set and transit of the
same nine bodies), and a single Skyfield `observe().apparent()` of Mars (the
unit cost of one position). Then the same query over HTTP GraphQL on a real
server, against `GET /healthz` on that server.

Also prints the CPU time per call (process time), steadier than wall time on
a busy machine.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import astronomy
import httpx

sys.path.insert(0, str(Path(__file__).parent))
from _server import percentile, running_server

from cosmostream.kit.ephemeris import ephemeris, timescale
from cosmostream.sky.service import sky_service

N = 60
LAT, LON = 51.4769, -0.0005
AT = datetime(2026, 12, 4, 20, 0, tzinfo=UTC)
BODIES = [
    astronomy.Body.Sun,
    astronomy.Body.Moon,
    astronomy.Body.Mercury,
    astronomy.Body.Venus,
    astronomy.Body.Mars,
    astronomy.Body.Jupiter,
    astronomy.Body.Saturn,
    astronomy.Body.Uranus,
    astronomy.Body.Neptune,
]
QUERY = """query($lat: Float!, $lon: Float!, $at: DateTime) { sky(lat: $lat, lon: $lon, at: $at) {
  at bodies { name raHours decDegrees altDegrees azDegrees distanceKm magnitude phaseFraction
              phaseName constellation rise transit set } } }"""


def timed(fn: Callable[[], object], n: int = N, warm: int = 5) -> list[float]:
    for _ in range(warm):
        fn()
    out = []
    for _ in range(n):
        started = time.perf_counter()
        fn()
        out.append((time.perf_counter() - started) * 1000)
    return out


def astronomy_engine_sky() -> None:
    observer = astronomy.Observer(LAT, LON, 0.0)
    t = astronomy.Time.Make(AT.year, AT.month, AT.day, AT.hour, AT.minute, AT.second)
    for body in BODIES:
        eq = astronomy.Equator(body, t, observer, ofdate=True, aberration=True)
        astronomy.Horizon(t, observer, eq.ra, eq.dec, astronomy.Refraction.Airless)
        astronomy.SearchRiseSet(body, observer, astronomy.Direction.Rise, t, 1.0)
        astronomy.SearchRiseSet(body, observer, astronomy.Direction.Set, t, 1.0)
        astronomy.SearchHourAngle(body, observer, 0.0, t, +1)


def one_observe() -> None:
    from skyfield.api import wgs84

    kernel = ephemeris()
    t = timescale().from_datetime(AT)
    (kernel["earth"] + wgs84.latlon(LAT, LON)).at(t).observe(kernel["mars"]).apparent()


def row(name: str, values: list[float], anchor95: float) -> None:
    p95 = percentile(values, 0.95)
    print(f"{name:44} {statistics.median(values):9.2f} {p95:9.2f} {p95 / anchor95:10.2f}")


def main() -> None:
    started = time.perf_counter()
    sky_service.sky(LAT, LON, AT)
    cold = (time.perf_counter() - started) * 1000
    ours = timed(lambda: sky_service.sky(LAT, LON, AT))
    reference = timed(astronomy_engine_sky, n=max(10, N // 3))
    unit = timed(one_observe, n=N * 5)
    ae95 = percentile(reference, 0.95)
    print(f"first call (loads DE421 + constellation map): {cold:.0f} ms")
    print(f"{'in process':44} {'p50 ms':>9} {'p95 ms':>9} {'p95 ratio':>10}")
    row("astronomy-engine, same bodies (anchor)", reference, ae95)
    row("skyfield one observe() of Mars", unit, ae95)
    row("sky_service.sky (9 bodies + rise/transit/set)", ours, ae95)
    print(f"sky p95 / one observe p95: {percentile(ours, 0.95) / percentile(unit, 0.95):.1f}")
    print(
        f"sky p50 / astronomy-engine p50: {statistics.median(ours) / statistics.median(reference):.2f}"
    )
    cpu = time.process_time()
    for _ in range(20):
        sky_service.sky(LAT, LON, AT)
    print(f"CPU time per sky call: {(time.process_time() - cpu) / 20 * 1000:.1f} ms")

    if "--no-http" in sys.argv:
        return
    with running_server("run") as server, httpx.Client(base_url=server.url) as client:

        def gql() -> None:
            at = (AT + timedelta(minutes=gql.calls)).isoformat()  # type: ignore[attr-defined]
            gql.calls += 1  # type: ignore[attr-defined]
            r = client.post(
                "/graphql", json={"query": QUERY, "variables": {"lat": LAT, "lon": LON, "at": at}}
            )
            assert r.status_code == 200, r.text[:300]
            assert "errors" not in r.json(), r.text[:300]

        gql.calls = 0  # type: ignore[attr-defined]
        health = timed(lambda: client.get("/healthz"), n=200, warm=20)
        http = timed(gql, n=N)
    h95 = percentile(health, 0.95)
    print(f"{'over HTTP':44} {'p50 ms':>9} {'p95 ms':>9} {'p95 ratio':>10}")
    row("GET /healthz (anchor)", health, h95)
    row("GraphQL sky(...)", http, h95)


if __name__ == "__main__":
    main()
