"""GraphQL: the mission catalogue, the ISS queries and their input validation."""

from __future__ import annotations

import threading
from typing import Any

import httpx
import pytest

from cosmostream.mission.orbit import Orbit
from tests.factories import gql
from tests.mission.conftest import FrozenClock


async def data(client: httpx.AsyncClient, query: str, **variables: Any) -> dict[str, Any]:
    body = (await gql(client, query, variables)).json()
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"]
    return result


async def error(client: httpx.AsyncClient, query: str, **variables: Any) -> dict[str, Any]:
    body = (await gql(client, query, variables)).json()
    assert body.get("errors"), body
    first: dict[str, Any] = body["errors"][0]
    return first


async def test_missions_and_one_mission(client: httpx.AsyncClient, missions: FrozenClock) -> None:
    found = await data(client, "{ missions { slug name status kind noradId horizonsId url } }")
    slugs = [m["slug"] for m in found["missions"]]
    assert slugs[0] == "iss" and "jwst" in slugs and len(slugs) == 9
    jwst = await data(
        client, "query($s: String!) { mission(slug: $s) { name horizonsId launchDate } }", s="jwst"
    )
    assert jwst["mission"] == {
        "name": "James Webb Space Telescope",
        "horizonsId": "-170",
        "launchDate": "2021-12-25",
    }
    assert (await data(client, '{ mission(slug: "nope") { name } }'))["mission"] is None


async def test_iss_position_reports_element_age(
    client: httpx.AsyncClient, missions: FrozenClock
) -> None:
    query = (
        "{ issPosition { latitude longitude altitudeKm speedKmS sunlit footprintRadiusKm"
        " elementsAgeDays elementsStale elementsSource } }"
    )
    p = (await data(client, query))["issPosition"]
    assert -52 < p["latitude"] < 52 and -180 <= p["longitude"] <= 180
    assert 400 < p["altitudeKm"] < 450 and 2000 < p["footprintRadiusKm"] < 2500
    assert p["elementsStale"] is False and p["elementsSource"] == "snapshot"
    from datetime import timedelta

    missions.advance(timedelta(days=15))
    late = (await data(client, query))["issPosition"]
    assert late["elementsStale"] is True and late["elementsAgeDays"] > 14


async def test_iss_passes_track_and_sky_track(
    client: httpx.AsyncClient, missions: FrozenClock
) -> None:
    passes = await data(
        client,
        "query($lat: Float!, $lon: Float!) { issPasses(lat: $lat, lon: $lon, days: 3) {"
        " start { at direction altitude } highest { at altitude } end { direction }"
        " maxElevation brightness sunlit good } }",
        lat=51.48,
        lon=0.0,
    )
    found = passes["issPasses"]
    assert len(found) > 5
    assert all(p["start"]["at"] < p["highest"]["at"] for p in found)
    assert {p["brightness"] for p in found} <= {"bright", "visible", "not visible"}
    track = (
        await data(
            client,
            "{ issGroundTrack { periodMinutes past { latitude longitude } next { latitude }"
            " subsolar { latitude longitude } elementsStale } }",
        )
    )["issGroundTrack"]
    assert 92 < track["periodMinutes"] < 94 and len(track["past"]) > 180
    sky = (
        await data(
            client,
            "{ issSkyTrack(lat: 51.48, lon: 0, minutes: 10) { at altitude azimuth sunlit } }",
        )
    )["issSkyTrack"]
    assert len(sky) == 41


async def test_orbit_searches_run_off_the_event_loop(
    client: httpx.AsyncClient, missions: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pass searches and tracks are CPU work: the event loop's thread never does them."""
    threads: dict[str, threading.Thread] = {}
    for name in ("passes", "ground_track", "sky_track"):
        real = getattr(Orbit, name)

        def recording(self: Orbit, *args: Any, _name: str = name, _real: Any = real) -> Any:
            threads[_name] = threading.current_thread()
            return _real(self, *args)

        monkeypatch.setattr(Orbit, name, recording)
    await data(client, "{ issPasses(lat: 51.48, lon: 0, days: 1) { maxElevation } }")
    await data(client, "{ issGroundTrack { periodMinutes } }")
    await data(client, "{ issSkyTrack(lat: 51.48, lon: 0, minutes: 5) { altitude } }")
    assert set(threads) == {"passes", "ground_track", "sky_track"}
    assert threading.main_thread() not in threads.values()


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("{ issPasses(lat: 91, lon: 0) { maxElevation } }", "Latitude must be between"),
        ("{ issPasses(lat: 10, lon: -181) { maxElevation } }", "Longitude must be between"),
        ("{ issPasses(lat: 10, lon: 0, days: 11) { maxElevation } }", "Days must be between 1"),
        ("{ issPasses(lat: 10, lon: 0, days: 0) { maxElevation } }", "Days must be between 1"),
        ("{ issSkyTrack(lat: 10, lon: 0, minutes: 0) { altitude } }", "Minutes must be between"),
        (
            '{ issSkyTrack(lat: 10, lon: 0, at: "2030-01-01T00:00:00Z") { altitude } }',
            "within 30 days",
        ),
    ],
)
async def test_bad_inputs_get_clear_errors(
    client: httpx.AsyncClient, missions: FrozenClock, query: str, message: str
) -> None:
    found = await error(client, query)
    assert message in found["message"]
    assert found["extensions"]["code"] == "bad_observer"
