"""The GraphQL HTTP endpoint, answering transport errors in the GraphQL error shape."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cross_web import HTTPException
from fastapi import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from strawberry.fastapi import GraphQLRouter


class JsonErrorGraphQLRouter(GraphQLRouter[Any, None]):
    """Strawberry's router; GraphiQL, when on, is the `ide` page the app renders
    (our own bundle: Strawberry's page loads React and GraphiQL from a CDN)."""

    def __init__(
        self, schema: Any, *, ide: Callable[[Request], Response] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(schema, graphql_ide="graphiql" if ide else None, **kwargs)
        self._ide = ide

    async def render_graphql_ide(self, request: Request) -> HTMLResponse:
        assert self._ide is not None  # Strawberry asks only when graphql_ide is set
        page = self._ide(request)
        assert isinstance(page, HTMLResponse)
        return page

    async def run(  # type: ignore[override]
        self, request: Request, context: Any = None, root_value: Any = None, **kwargs: Any
    ) -> Response:
        try:
            result: Response = await super().run(
                request, context=context, root_value=root_value, **kwargs
            )
            return result
        except HTTPException as exc:
            # Strawberry answers these in plain text; clients expect `errors`.
            return JSONResponse(
                {
                    "errors": [
                        {
                            "message": exc.reason,
                            "extensions": {"code": "bad_request", "status": exc.status_code},
                        }
                    ]
                },
                status_code=exc.status_code,
            )
