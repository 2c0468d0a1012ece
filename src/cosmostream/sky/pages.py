"""The `/sky-map` page: an interactive 3D sky; without JavaScript, a table of
the Sun, Moon and planets for the place and time in the URL."""

from __future__ import annotations

import asyncio
from datetime import datetime

from fastapi import APIRouter, Request
from starlette.responses import Response

from cosmostream.errors import AppError
from cosmostream.kit.time import aware, utcnow
from cosmostream.sky.schemas import Sky
from cosmostream.sky.service import sky_service
from cosmostream.web.templating import render

router = APIRouter()

# Royal Observatory, Greenwich.
DEFAULT_LAT = 51.4769
DEFAULT_LON = -0.0005


def _float(value: str | None, default: float) -> float:
    try:
        return float(value) if value not in (None, "") else default
    except ValueError:
        return default


def _time(value: str | None) -> datetime:
    if value:
        try:
            return aware(datetime.fromisoformat(value))
        except ValueError:
            pass
    return utcnow().replace(microsecond=0)


@router.get("/sky-map")
async def sky_map(request: Request) -> Response:
    q = request.query_params
    lat = _float(q.get("lat"), DEFAULT_LAT)
    lon = _float(q.get("lon"), DEFAULT_LON)
    at = _time(q.get("t"))
    sky: Sky | None = None
    error: str | None = None
    try:
        sky = await asyncio.to_thread(sky_service.sky, lat, lon, at)
    except AppError as exc:
        error = exc.message
    return render(
        request,
        "sky/sky_map.html",
        {
            "sky": sky,
            "error": error,
            "lat": lat,
            "lon": lon,
            "at": at,
            "iss": True,
        },
    )
