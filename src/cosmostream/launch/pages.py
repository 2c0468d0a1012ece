"""Launch pages: the upcoming list, a launch's detail view, follow / unfollow forms."""

from __future__ import annotations

from fastapi import APIRouter, Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData
from starlette.responses import Response

from cosmostream.account.schemas import Actor
from cosmostream.kit.ids import require_uuid
from cosmostream.kit.time import utcnow
from cosmostream.launch.errors import LaunchNotFound
from cosmostream.launch.service import launch_service
from cosmostream.web import security
from cosmostream.web.deps import database
from cosmostream.web.forms import act
from cosmostream.web.templating import render

router = APIRouter()

LIST_SIZE = 30


@router.get("/launches")
async def launches_page(request: Request) -> Response:
    actor = security.current_actor(request)
    async with database(request).read() as session:
        launches = await launch_service.upcoming(session, LIST_SIZE, actor)
    return render(request, "launch/list.html", {"launches": launches, "now": utcnow()})


@router.get("/launches/{launch_id}")
async def launch_page(request: Request, launch_id: str) -> Response:
    actor = security.current_actor(request)
    lid = require_uuid(launch_id, LaunchNotFound)
    async with database(request).read() as session:
        view = await launch_service.launch(session, lid, actor)
    return render(
        request, "launch/detail.html", {"view": view, "launch": view.launch, "now": utcnow()}
    )


@router.post("/launches/{launch_id}/follow")
async def follow_submit(request: Request, launch_id: str) -> Response:
    lid = require_uuid(launch_id, LaunchNotFound)

    async def action(session: AsyncSession, actor: Actor, form: FormData) -> None:
        await launch_service.follow(session, actor, lid)

    return await act(
        request,
        action,
        back=f"/launches/{lid}",
        success="Following: you will hear before lift-off.",
    )


@router.post("/launches/{launch_id}/unfollow")
async def unfollow_submit(request: Request, launch_id: str) -> Response:
    lid = require_uuid(launch_id, LaunchNotFound)

    async def action(session: AsyncSession, actor: Actor, form: FormData) -> None:
        await launch_service.unfollow(session, actor, lid)

    return await act(request, action, back=f"/launches/{lid}", success="No longer following.")
