"""The GraphQL HTTP endpoint, answering transport errors in the GraphQL error shape."""

from __future__ import annotations

from typing import Any

from cross_web import HTTPException
from fastapi import Request
from starlette.responses import JSONResponse, Response
from strawberry.fastapi import GraphQLRouter


class JsonErrorGraphQLRouter(GraphQLRouter[Any, None]):
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
