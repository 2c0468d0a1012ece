"""Launch Library 2 faked at the HTTP boundary with recorded payloads."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from cosmostream.launch.fixtures import recorded_payload, shift_payload

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "space"
BASE = "https://lldev.example.test/2.3.0"
FIRST_URL = f"{BASE}/launches/upcoming/?limit=50&mode=normal"
STARLINK = "2c8bd4d1-6f3a-4f4e-9d0b-6a2c0c9d8e11"
CREW_13 = "9f2a6c4e-7d3b-4a5f-b1e8-2c6d9a0f3e77"


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def future_payload(now: datetime, lead: timedelta = timedelta(hours=3)) -> dict[str, Any]:
    return shift_payload(recorded_payload(), now, lead)


def paged(payload: dict[str, Any], size: int) -> dict[str, dict[str, Any]]:
    """The payload split into pages of `size`, keyed by URL, linked by `next`."""
    results = payload["results"]
    pages: dict[str, dict[str, Any]] = {}
    for n, start in enumerate(range(0, len(results), size)):
        url = (
            FIRST_URL
            if n == 0
            else f"{BASE}/launches/upcoming/?limit={size}&mode=normal&offset={start}"
        )
        nxt = (
            f"{BASE}/launches/upcoming/?limit={size}&mode=normal&offset={start + size}"
            if start + size < len(results)
            else None
        )
        pages[url] = {
            "count": len(results),
            "next": nxt,
            "previous": None,
            "results": results[start : start + size],
        }
    return pages


class Recorder:
    """A MockTransport handler that answers from a script and counts requests."""

    def __init__(self, answer: Callable[[httpx.Request], httpx.Response]) -> None:
        self.answer = answer
        self.requests: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(str(request.url))
        return self.answer(request)

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.MockTransport(self))


def serving(pages: dict[str, dict[str, Any]]) -> Recorder:
    def answer(request: httpx.Request) -> httpx.Response:
        page = pages.get(str(request.url))
        return (
            httpx.Response(200, json=page)
            if page
            else httpx.Response(404, json={"detail": "Not found."})
        )

    return Recorder(answer)
