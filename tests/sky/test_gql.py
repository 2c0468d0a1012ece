"""GraphQL `sky`: the shape clients rely on and the validation errors."""

from __future__ import annotations

import httpx
import pytest

from tests.factories import gql

SKY = """query($lat: Float!, $lon: Float!, $at: DateTime) {
  sky(lat: $lat, lon: $lon, at: $at) {
    at observer { lat lon }
    bodies { name kind raHours decDegrees altDegrees azDegrees distanceKm distanceAu
             magnitude phaseFraction phaseName constellation rise transit set }
  }
}"""


async def test_sky_query(client: httpx.AsyncClient) -> None:
    response = await gql(client, SKY, {"lat": 51.4769, "lon": 0.0, "at": "2026-12-04T20:00:00Z"})
    assert response.status_code == 200
    sky = response.json()["data"]["sky"]
    assert sky["at"].startswith("2026-12-04T20:00:00")
    assert sky["observer"] == {"lat": 51.4769, "lon": 0.0}
    names = [b["name"] for b in sky["bodies"]]
    assert names == [
        "Sun",
        "Moon",
        "Mercury",
        "Venus",
        "Mars",
        "Jupiter",
        "Saturn",
        "Uranus",
        "Neptune",
    ]
    kinds = {b["name"]: b["kind"] for b in sky["bodies"]}
    assert kinds["Sun"] == "SUN" and kinds["Moon"] == "MOON" and kinds["Mars"] == "PLANET"
    moon = sky["bodies"][1]
    assert moon["phaseName"] == "Waning Crescent" and 0 < moon["phaseFraction"] < 1
    saturn = sky["bodies"][6]
    assert saturn["altDegrees"] > 30 and saturn["constellation"] == "Cetus"
    assert saturn["rise"] and saturn["set"] and saturn["transit"]


@pytest.mark.parametrize(
    "at", ["1900-01-01T00:00:00Z", "2049-12-31T00:00:00Z", "2049-12-31T23:59:59Z"]
)
async def test_sky_accepts_the_documented_range_to_its_last_second(
    client: httpx.AsyncClient, at: str
) -> None:
    # docs/space.md: 1900-01-01 to 2049-12-31, both days whole.
    response = await gql(
        client, "query($at: DateTime) { sky(lat: 0, lon: 0, at: $at) { at } }", {"at": at}
    )
    assert "errors" not in response.json(), response.json()
    assert response.json()["data"]["sky"]["at"].startswith(at[:19])


async def test_sky_defaults_to_now(client: httpx.AsyncClient) -> None:
    response = await gql(client, "{ sky(lat: 0, lon: 0) { at bodies { name } } }")
    assert len(response.json()["data"]["sky"]["bodies"]) == 9


@pytest.mark.parametrize(
    ("variables", "field"),
    [
        ({"lat": 90.01, "lon": 0}, "lat"),
        ({"lat": 0, "lon": -181}, "lon"),
        ({"lat": 0, "lon": 0, "at": "1850-01-01T00:00:00Z"}, "at"),
        ({"lat": 0, "lon": 0, "at": "2099-01-01T00:00:00Z"}, "at"),
    ],
)
async def test_sky_validation(
    client: httpx.AsyncClient, variables: dict[str, object], field: str
) -> None:
    response = await gql(client, SKY, variables)
    body = response.json()
    assert body["data"] is None
    error = body["errors"][0]
    assert error["extensions"]["code"] == "validation_failed"
    assert error["extensions"]["field"] == field
    assert error["message"]


async def test_sky_requires_coordinates(client: httpx.AsyncClient) -> None:
    response = await gql(client, "{ sky(lat: 1) { at } }")
    assert response.status_code == 400
