"""ISS figures: server time for 10 days of passes, and telemetry cost per tick.

1. Passes: `Orbit.passes` (Skyfield `find_events` at 10°, directions, sunlit,
   the Sun's altitude) for one observer over 10 days, against an anchor measured
   in the same run: brute-force sampling of the altitude every 10 s with the
   plain `sgp4` library (86,401 vectorised propagations + topocentric altitude).
2. Telemetry per tick, in process: the ticker's compute step (once per watched
   mission) and its emit step (python-socketio's broadcast to the room, with the
   transport's send stubbed out) with 1 and with 1,000 subscribers. The compute
   step must not grow with subscribers; the anchor is one plain SGP4 call.
"""

from __future__ import annotations

import asyncio
import json
import math
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import socketio
from sgp4 import omm
from sgp4.api import Satrec, jday

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
from cosmostream.mission.orbit import Orbit
from cosmostream.mission.schemas import MissionInfo
from cosmostream.mission.service import (
    ISS_NORAD_ID,
    Satellite,
    TelemetrySource,
    shipped_elements,
    shipped_missions,
)
from cosmostream.mission.sockets import TelemetryTicker

START = datetime(2026, 12, 4, 20, 0, tzinfo=UTC)
LAT, LON = 51.48, 0.0
RUNS = 7
TICKS = 300


def best_of(fn: Any, runs: int = RUNS) -> float:
    fn()  # warm-up (first Skyfield calls load tables)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def brute_force() -> int:
    sat = Satrec()
    omm.initialize(sat, shipped_elements()[ISS_NORAD_ID].omm_fields())
    jd0, fr0 = jday(START.year, START.month, START.day, START.hour, START.minute, 0)
    fr = fr0 + np.arange(0.0, 10 * 86400.0 + 10, 10.0) / 86400.0
    jd = np.full_like(fr, jd0)
    _, r, _ = sat.sgp4_array(jd, fr)
    t = (jd + fr - 2451545.0) / 36525.0
    g = np.radians((67310.54841 + (876600.0 * 3600 + 8640184.812866) * t) / 240.0)
    x = np.cos(g) * r[:, 0] + np.sin(g) * r[:, 1]
    y = -np.sin(g) * r[:, 0] + np.cos(g) * r[:, 1]
    phi, lam = math.radians(LAT), math.radians(LON)
    up = np.array([math.cos(phi) * math.cos(lam), math.cos(phi) * math.sin(lam), math.sin(phi)])
    rho = np.stack([x, y, r[:, 2]], axis=1) - 6378.137 * up
    alt = np.degrees(np.arcsin(rho @ up / np.linalg.norm(rho, axis=1)))
    return int(np.count_nonzero(np.diff((alt >= 10).astype(int)) == 1))


def passes_figure() -> None:
    orbit = Orbit.from_record(shipped_elements()[ISS_NORAD_ID])
    ours = best_of(lambda: orbit.passes(LAT, LON, START, 10))
    anchor = best_of(brute_force)
    count = len(orbit.passes(LAT, LON, START, 10))
    print(f"10 days of ISS passes ({count} passes, one observer)")
    print(f"  Orbit.passes (find_events + directions + sunlit): {ours * 1000:8.2f} ms")
    print(f"  anchor: brute force every 10 s, plain sgp4:       {anchor * 1000:8.2f} ms")
    print(f"  ratio ours / anchor: {ours / anchor:.2f}")


def churn() -> None:
    """Unrelated work of about the size of a 1,000-socket broadcast (the control)."""
    _ = [json.dumps({"n": n, "payload": [1.5, 2.5, 3.5]}) for n in range(3000)]


async def tick_cost(subscribers: int, control: bool = False) -> tuple[float, float]:
    """Median compute and emit seconds per tick with `subscribers` sockets in the room
    (`control`: unrelated churn between ticks instead of more subscribers)."""
    sio = socketio.AsyncServer(async_mode="asgi")
    sent = 0

    async def send_packet(eio_sid: str, packet: Any) -> None:
        nonlocal sent
        sent += 1

    # The manager encodes once and hands each socket the packet: count, do not send.
    sio.eio.send_packet = send_packet
    for n in range(subscribers):
        sid = await sio.manager.connect(f"eio-{n}", "/")
        await sio.manager.enter_room(sid, "/", "mission:iss")
    data = next(m for m in shipped_missions() if m["slug"] == "iss")
    info = MissionInfo(
        slug="iss", name=data["name"], agency=data["agency"], status="active", kind="station",
        launch_date=None, summary="", description="", norad_id=ISS_NORAD_ID, horizons_id=None,
        video_tag=None,
    )  # fmt: skip
    source = TelemetrySource(
        info, satellite=Satellite(Orbit.from_record(shipped_elements()[ISS_NORAD_ID]), "snapshot")
    )
    ticker = TelemetryTicker(SimpleNamespace(sio=sio))  # type: ignore[arg-type]
    ticker._sources["iss"] = (time.monotonic() + 3600, source)
    for _ in range(10):  # warm-up
        await ticker.tick(["iss"])
    ticker.stats.computations = 0
    sent = 0
    compute, emit = [], []
    for _ in range(TICKS):
        if control:
            churn()
        c0, e0 = ticker.stats.compute_seconds, ticker.stats.emit_seconds
        await ticker.tick(["iss"])
        compute.append(ticker.stats.compute_seconds - c0)
        emit.append(ticker.stats.emit_seconds - e0)
    assert ticker.stats.computations == TICKS  # once per tick, whatever the audience
    assert sent == TICKS * subscribers
    # Medians: the machine is shared, and a mean would carry its hiccups.
    return statistics.median(compute), statistics.median(emit)


def telemetry_figure() -> None:
    sat = Satrec()
    omm.initialize(sat, shipped_elements()[ISS_NORAD_ID].omm_fields())
    jd, fr = jday(2026, 12, 4, 20, 0, 0)
    anchor = best_of(lambda: [sat.sgp4(jd, fr + i * 1e-6) for i in range(1000)]) / 1000
    # Interleaved, best of two rounds each, so a busy moment does not pick a side.
    rounds = [
        (asyncio.run(tick_cost(1)), asyncio.run(tick_cost(1000)), asyncio.run(tick_cost(1, True)))
        for _ in range(2)
    ]
    one = min((r[0] for r in rounds), key=lambda x: x[0] + x[1])
    many = min((r[1] for r in rounds), key=lambda x: x[0] + x[1])
    control = min((r[2] for r in rounds), key=lambda x: x[0] + x[1])
    print("ISS telemetry per tick (in process)")
    print(f"  anchor: one plain sgp4 call:         {anchor * 1e6:9.1f} µs")
    for label, (compute, emit) in (("1 subscriber", one), ("1,000 subscribers", many)):
        print(
            f"  {label:18} compute {compute * 1e6:9.1f} µs ({compute / anchor:6.1f}x anchor)"
            f"   emit {emit * 1e6:9.1f} µs"
        )
    print(
        f"  control: 1 subscriber + unrelated churn between ticks: compute"
        f" {control[0] * 1e6:9.1f} µs (cold caches, not more work)"
    )
    print("  computations per tick: 1 with 1 and with 1,000 subscribers (asserted)")
    print(f"  compute ratio 1,000 / 1 subscribers: {many[0] / one[0]:.2f}")
    print(f"  compute ratio 1,000 subscribers / control: {many[0] / control[0]:.2f}")
    print(f"  emit ratio 1,000 / 1 subscribers:    {many[1] / one[1]:.1f}")
    print(
        f"  total per tick: 1 -> {(one[0] + one[1]) * 1000:.2f} ms,"
        f" 1,000 -> {(many[0] + many[1]) * 1000:.2f} ms"
    )


if __name__ == "__main__":
    passes_figure()
    print()
    telemetry_figure()
