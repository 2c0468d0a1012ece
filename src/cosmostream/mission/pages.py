"""Mission pages: the catalogue, a mission's detail view, and the ISS tracker."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from cosmostream.errors import AppError
from cosmostream.kit.time import utcnow
from cosmostream.launch.service import launch_service
from cosmostream.mission.schemas import MissionInfo
from cosmostream.mission.service import ISS_SLUG, mission_service
from cosmostream.news.service import news_service
from cosmostream.web import security
from cosmostream.web.deps import database
from cosmostream.web.templating import render

log = logging.getLogger(__name__)
router = APIRouter()

KIND_LABELS = {
    "station": "Space station",
    "telescope": "Space telescope",
    "satellite": "Satellite",
    "deep_space": "Deep space",
    "crewed": "Crewed flight",
    "rover": "Rover",
    "probe": "Probe",
}


async def _upcoming_launches(session: AsyncSession, request: Request) -> list[Any]:
    """The launch countdowns shown under the missions."""
    actor = security.current_actor(request)
    return list(await launch_service.upcoming(session, 4, actor))


@router.get("/missions")
async def missions_page(request: Request) -> Response:
    async with database(request).read() as session:
        missions = await mission_service.all(session)
        launches = await _upcoming_launches(session, request)
    return render(
        request,
        "mission/list.html",
        {
            "missions": missions,
            "kinds": KIND_LABELS,
            "upcoming_launches": launches,
            "now": utcnow(),
        },
    )


@router.get("/missions/{slug}")
async def mission_page(
    request: Request, slug: str, lat: float | None = None, lon: float | None = None
) -> Response:
    async with database(request).read() as session:
        mission = await mission_service.get(session, slug)
        telemetry = await mission_service.telemetry(session, mission)
        videos = await mission_service.related_videos(session, mission)
        news = list(await news_service.for_mission(session, mission.slug, 5))
        context: dict[str, Any] = {
            "mission": mission,
            "kinds": KIND_LABELS,
            "telemetry": telemetry.payload() if telemetry else None,
            "videos": videos,
            "news": news,
        }
        if mission.slug == ISS_SLUG and mission.norad_id:
            context.update(await _tracker(session, mission, lat, lon))
            return render(request, "mission/iss.html", context)
    return render(request, "mission/detail.html", context)


async def _tracker(
    session: AsyncSession, mission: MissionInfo, lat: float | None, lon: float | None
) -> dict[str, Any]:
    """What the ISS map and the passes table show before any JavaScript runs."""
    assert mission.norad_id is not None
    track, elements = await mission_service.ground_track(session, norad_id=mission.norad_id)
    ground = {
        "past": [[p.longitude, p.latitude] for p in track.past],
        "next": [[p.longitude, p.latitude] for p in track.next],
        "subsolar": [track.subsolar.longitude, track.subsolar.latitude],
        "at": track.at.isoformat(),
    }
    passes = None
    pass_error = None
    if lat is not None and lon is not None:
        try:
            passes, _ = await mission_service.passes(
                session, lat, lon, 10, norad_id=mission.norad_id
            )
        except AppError as exc:
            pass_error = exc.message
    return {
        "elements": elements,
        "ground": ground,
        "passes": passes,
        "pass_error": pass_error,
        "observer": {"lat": lat, "lon": lon} if lat is not None and lon is not None else None,
    }
