"""Site pages that belong to no single domain (the home page is in catalog/pages.py)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from cosmostream.web.templating import render

router = APIRouter()


@router.get("/about")
async def about(request: Request) -> Response:
    return render(request, "about.html")
