"""The ASGI application: pages, GraphQL, Socket.IO, media, health checks."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import socketio
import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from strawberry.fastapi import GraphQLRouter

from cosmostream import realtime, worker
from cosmostream.account.pages import router as account_pages
from cosmostream.config import Settings, get_settings, use_settings
from cosmostream.db import Database
from cosmostream.errors import INTERNAL_ERROR_BODY, AppError, render_json
from cosmostream.graphql.context import get_context
from cosmostream.graphql.schema import schema
from cosmostream.logs import configure_logging
from cosmostream.web.middleware import ActorMiddleware, BodyLimitMiddleware
from cosmostream.web.pages import router as site_pages
from cosmostream.web.templating import STATIC_DIR, render

log = logging.getLogger(__name__)


def _wants_json(request: Request) -> bool:
    path = request.url.path
    if path.startswith(("/graphql", "/api/", "/uploads")):
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def _error_response(request: Request, error: AppError) -> Response:
    if _wants_json(request):
        return JSONResponse(render_json(error), status_code=error.status, headers=error.headers)
    template = f"errors/{error.status}.html" if error.status in (403, 404) else "errors/error.html"
    return render(request, template, {"error": error}, status=error.status, headers=error.headers)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AppError)
    async def app_error(request: Request, exc: AppError) -> Response:
        return _error_response(request, exc)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        messages = {404: "We could not find that page.", 405: "That method is not allowed here."}
        error = AppError(
            messages.get(exc.status_code, str(exc.detail)),
            status=exc.status_code,
            code={404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error"),
        )
        return _error_response(request, error)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        return _error_response(
            request, AppError("Some fields are not valid.", status=422, code="validation_failed")
        )

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        if _wants_json(request):
            return JSONResponse(INTERNAL_ERROR_BODY, status_code=500)
        return render(request, "errors/500.html", status=500)


def create_app(settings: Settings | None = None, *, embedded_worker: bool | None = None) -> FastAPI:
    settings = settings or get_settings()
    settings.check()
    use_settings(settings)
    configure_logging(settings)
    db = Database.from_settings(settings)
    worker.configure(settings)
    worker.load_tasks()
    rt = realtime.Realtime(settings, db)
    run_worker = settings.run_embedded_worker if embedded_worker is None else embedded_worker

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        realtime.bus.attach(rt.sio, asyncio.get_running_loop())
        consumer = worker.EmbeddedConsumer(settings.worker_concurrency) if run_worker else None
        if consumer:
            consumer.start()
        try:
            yield
        finally:
            if consumer:
                await asyncio.to_thread(consumer.stop)
            realtime.bus.detach()
            await db.dispose()

    app = FastAPI(
        title=settings.site_name,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/openapi.json" if not settings.is_production else None,
    )
    app.state.settings = settings
    app.state.db = db
    app.state.realtime = rt
    install_error_handlers(app)

    @app.middleware("http")
    async def request_context(request: Request, call_next: Any) -> Response:
        request_id = request.headers.get("x-request-id") or uuid.uuid4().hex
        structlog.contextvars.bind_contextvars(request_id=request_id[:64])
        started = time.perf_counter()
        try:
            response: Response = await call_next(request)
        finally:
            structlog.contextvars.clear_contextvars()
        response.headers["X-Request-ID"] = request_id[:64]
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        elapsed = (time.perf_counter() - started) * 1000
        response.headers["Server-Timing"] = f"app;dur={elapsed:.1f}"
        return response

    app.add_middleware(ActorMiddleware, settings=settings, db=db)
    app.add_middleware(
        BodyLimitMiddleware,
        limits={"/settings/avatar": settings.max_avatar_bytes + (256 << 10)},
        default=settings.max_request_bytes,
    )

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", include_in_schema=False)
    async def readyz() -> Response:
        checks: dict[str, str] = {}
        ok = True
        try:
            await asyncio.wait_for(db.ping(), timeout=3)
            checks["database"] = "ok"
        except Exception as exc:
            checks["database"] = f"error: {type(exc).__name__}"
            ok = False
        if settings.redis_url:
            try:
                import redis.asyncio as aioredis

                client = aioredis.from_url(settings.redis_url)
                try:
                    await asyncio.wait_for(client.ping(), timeout=3)
                finally:
                    await client.aclose()
                checks["redis"] = "ok"
            except Exception as exc:
                checks["redis"] = f"error: {type(exc).__name__}"
                ok = False
        return JSONResponse(
            {"status": "ok" if ok else "unavailable", "checks": checks},
            status_code=200 if ok else 503,
        )

    @app.get("/robots.txt", include_in_schema=False)
    async def robots() -> PlainTextResponse:
        return PlainTextResponse("User-agent: *\nDisallow: /settings\nDisallow: /admin\n")

    graphql = GraphQLRouter(
        schema,
        context_getter=get_context,
        graphql_ide="graphiql" if settings.is_development else None,
        multipart_uploads_enabled=False,
    )
    app.include_router(graphql, prefix="/graphql", include_in_schema=False)
    app.include_router(site_pages)
    app.include_router(account_pages)
    app.mount("/static", StaticFiles(directory=STATIC_DIR, check_dir=False), name="static")
    settings.media_dir.mkdir(parents=True, exist_ok=True)
    app.mount("/media", StaticFiles(directory=settings.media_dir), name="media")
    return app


def create_asgi(settings: Settings | None = None, *, embedded_worker: bool | None = None) -> Any:
    """The FastAPI app wrapped by Socket.IO at `/socket.io`."""
    app = create_app(settings, embedded_worker=embedded_worker)
    return socketio.ASGIApp(app.state.realtime.sio, other_asgi_app=app, socketio_path="socket.io")
