"""Site pages that belong to no single domain (the home page is in catalog/pages.py)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from cosmostream.kit.crypto import new_token
from cosmostream.web.security import content_security_policy
from cosmostream.web.templating import render

router = APIRouter()


@router.get("/about")
async def about(request: Request) -> Response:
    return render(request, "about.html")


def graphiql_page(request: Request) -> Response:
    """GraphiQL (development only; the GraphQL router serves it at GET /graphql).

    Its dialogs add `<style>` elements at run time (react-remove-scroll), which
    the policy admits by a nonce of this response only, read from the page.
    """
    nonce = new_token(16)
    policy = content_security_policy(request.app.state.settings, style_nonce=nonce)
    return render(
        request,
        "graphiql.html",
        {"style_nonce": nonce},
        headers={"Content-Security-Policy": policy},
    )
