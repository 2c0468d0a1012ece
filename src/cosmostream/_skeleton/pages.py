"""Pages: server-rendered HTML that works before JavaScript loads."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from cosmostream._skeleton.service import skeleton_service
from cosmostream.web.deps import DbDep
from cosmostream.web.templating import render

router = APIRouter()


@router.get("/skeleton")
async def index(request: Request, db: DbDep, topic: str = "astronomy") -> Response:
    async with db.read() as session:
        summary = await skeleton_service.summary(session, topic)
    return render(request, "skeleton/index.html", {"summary": summary})
