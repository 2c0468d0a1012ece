"""The ASGI application: pages, GraphQL, Socket.IO, media, health checks."""

from __future__ import annotations

import asyncio
import gc
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import redis.asyncio as aioredis
from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, PlainTextResponse
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from cosmostream import domains, realtime, worker
from cosmostream.account.service import account_service
from cosmostream.bus import bus
from cosmostream.config import Settings, get_settings, use_settings
from cosmostream.db import Database
from cosmostream.errors import INTERNAL_ERROR_BODY, AppError, render_json
from cosmostream.graphql.context import get_context
from cosmostream.graphql.router import JsonErrorGraphQLRouter
from cosmostream.graphql.schema import build_schema
from cosmostream.logs import configure_logging
from cosmostream.migrate import schema_state
from cosmostream.video.media import SegmentFastPath
from cosmostream.web import security
from cosmostream.web.deps import text_in_url
from cosmostream.web.middleware import (
    ActorMiddleware,
    BodyLimitMiddleware,
    HeadMiddleware,
    RequestContextMiddleware,
)
from cosmostream.web.pages import graphiql_page
from cosmostream.web.pages import router as site_pages
from cosmostream.web.templating import STATIC_DIR, render, use_navigation

log = logging.getLogger(__name__)


def _wants_json(request: Request) -> bool:
    path = request.url.path
    if path.startswith(("/graphql", "/api/", "/uploads")):
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def _error_response(request: Request, error: AppError) -> Response:
    if _wants_json(request):
        headers = dict(error.headers)
        if request.url.path.startswith("/uploads"):
            headers["Tus-Resumable"] = "1.0.0"  # on every tus response, errors included
        return JSONResponse(render_json(error), status_code=error.status, headers=headers)
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
    domains.task_modules()
    rt = realtime.Realtime(settings, db, authenticate=account_service.authenticate)
    for domain in domains.all_domains():
        if domain.sockets:
            domain.sockets(rt)
    use_navigation((link.label, link.href) for link in domains.navigation())
    run_worker = settings.run_embedded_worker if embedded_worker is None else embedded_worker

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        bus.attach(rt.sio, asyncio.get_running_loop())
        # Everything loaded at start-up lives as long as the process: keep it out
        # of the collector's full passes, which otherwise walk it again every time
        # (measurable as stalls when a thousand sockets share a room).
        gc.collect()
        gc.freeze()
        consumer = worker.EmbeddedConsumer(settings.worker_concurrency) if run_worker else None
        if consumer:
            consumer.start()
        try:
            yield
        finally:
            if consumer:
                await asyncio.to_thread(consumer.stop)
            bus.detach(rt.sio)
            await rt.close()
            await db.dispose()

    app = FastAPI(
        title=settings.site_name,
        # Before any route's own dependencies: no handler sees bad text in the URL.
        dependencies=[Depends(text_in_url)],
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/openapi.json" if not settings.is_production else None,
    )
    app.state.settings = settings
    app.state.db = db
    app.state.realtime = rt
    install_error_handlers(app)

    # Innermost, next to the routes whose 405 it turns into a bodiless GET.
    app.add_middleware(HeadMiddleware)
    # Added before (so inside) ActorMiddleware: they need the resolved actor.
    for domain in reversed(domains.all_domains()):
        for middleware in reversed(domain.middleware):
            app.add_middleware(middleware.cls, db=db)
    app.add_middleware(ActorMiddleware, settings=settings, db=db)
    app.add_middleware(
        BodyLimitMiddleware,
        # tus PATCH bodies stream to disk; their size is checked against the upload.
        limits={"/settings/avatar": settings.max_avatar_bytes + (256 << 10), "/uploads/": 0},
        default=settings.max_request_bytes,
    )
    if settings.cors_origin:
        # API clients on other origins use Bearer tokens; cookies never cross.
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origin,
            allow_credentials=False,
            allow_methods=["GET", "POST", "OPTIONS"],
            allow_headers=["Authorization", "Content-Type"],
            max_age=600,
        )
    # Outermost: every response, early refusals included, gets the request id
    # and security headers, and is counted.
    app.add_middleware(RequestContextMiddleware, csp=security.content_security_policy(settings))

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
            # A database behind (or ahead of) this code fails every page: not ready.
            schema = await asyncio.wait_for(schema_state(db.read_engine), timeout=3)
            checks["migrations"] = "ok" if schema.current else schema.describe()
            ok = schema.current
        except Exception as exc:
            failed = "migrations" if "database" in checks else "database"
            checks[failed] = f"error: {type(exc).__name__}"
            ok = False
        if settings.redis_url:
            try:
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

    @app.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    graphql = JsonErrorGraphQLRouter(
        build_schema(),
        context_getter=get_context,
        ide=graphiql_page if settings.is_development else None,
        multipart_uploads_enabled=False,
    )
    app.include_router(graphql, prefix="/graphql", include_in_schema=False)
    app.include_router(site_pages)
    for domain in domains.all_domains():
        for router in domain.routers:
            app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR, check_dir=False), name="static")
    # Only avatars are plain public files; hls/ and images/ go through the
    # video media routes' access checks, and originals/ must never be served.
    avatars = settings.media_dir / "avatars"
    avatars.mkdir(parents=True, exist_ok=True)
    app.mount("/media/avatars", StaticFiles(directory=avatars), name="media")
    return app


def create_asgi(settings: Settings | None = None, *, embedded_worker: bool | None = None) -> Any:
    """The FastAPI app wrapped by Socket.IO at `/socket.io`."""
    app = create_app(settings, embedded_worker=embedded_worker)
    inner = SegmentFastPath(app, app.state.db)
    return app.state.realtime.asgi(inner)


def served_app() -> Any:
    """Factory for the Granian worker process (see `cosmostream run` / `web`).

    Granian does not read X-Forwarded-* itself, so the same trusted-proxy rule
    as with Uvicorn is applied here.
    """
    settings = get_settings()
    embedded = os.environ.get("COSMOSTREAM_SERVE_EMBEDDED_WORKER", "1") == "1"
    asgi = create_asgi(settings, embedded_worker=embedded)
    return ProxyHeadersMiddleware(asgi, trusted_hosts=settings.forwarded_allow_ips)
