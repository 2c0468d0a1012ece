"""The `/sky-map` page: useful HTML without JavaScript, from the same service."""

from __future__ import annotations

import httpx


async def test_sky_map_page_lists_bodies_for_greenwich(client: httpx.AsyncClient) -> None:
    response = await client.get("/sky-map?t=2026-12-04T20:00:00Z")
    assert response.status_code == 200
    html = response.text
    for name in ("Sun", "Moon", "Mercury", "Venus", "Mars", "Jupiter", "Saturn", "Uranus"):
        assert f'<tr data-body="{name}"' in html
    assert "Waning Crescent" in html
    assert 'data-lat="51.4769"' in html and 'data-at="2026-12-04T20:00:00Z"' in html
    assert "sky-map.js" in html


async def test_sky_map_page_takes_place_from_the_url(client: httpx.AsyncClient) -> None:
    response = await client.get("/sky-map?lat=-33.87&lon=151.21&t=2024-04-08T18:00:00Z")
    assert response.status_code == 200
    assert "latitude -33.8700°, longitude 151.2100°" in response.text


async def test_sky_map_page_explains_bad_input(client: httpx.AsyncClient) -> None:
    response = await client.get("/sky-map?lat=123&lon=0")
    assert response.status_code == 200
    assert "Latitude must be between -90 and 90 degrees." in response.text
    assert "<tr data-body" not in response.text
    # Nonsense falls back to the defaults instead of failing.
    response = await client.get("/sky-map?lat=abc&t=yesterday")
    assert response.status_code == 200 and '<tr data-body="Sun"' in response.text
