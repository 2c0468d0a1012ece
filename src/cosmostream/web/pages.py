"""Site pages that belong to no single domain: home and about."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from cosmostream.account.service import account_service
from cosmostream.db import Database
from cosmostream.web import security
from cosmostream.web.templating import render

router = APIRouter()


@router.get("/")
async def home(request: Request) -> Response:
    db: Database = request.app.state.db
    actor = security.current_actor(request)
    async with db.read() as session:
        categories = await account_service.list_categories(session)
        favourites = (
            await account_service.favourite_category_slugs(session, actor.id) if actor else set()
        )
    return render(request, "home.html", {"categories": categories, "favourites": favourites})


@router.get("/about")
async def about(request: Request) -> Response:
    return render(request, "about.html")
