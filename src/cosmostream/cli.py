"""The `cosmostream` command: run the roles, migrate, load demo data, manage users.

Each command imports what it needs inside its body, on purpose: `cosmostream
--help`, `migrate` and `user` must not pay for importing every domain, the
GraphQL schema and the media stack (about a second), and a worker must not
import the web server.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import threading
import time
from typing import Annotated, Any

import typer

from cosmostream.config import ConfigurationError, Settings, get_settings

app = typer.Typer(help="CosmoStream: video for the cosmos.", no_args_is_help=True)
user_app = typer.Typer(help="Manage accounts.", no_args_is_help=True)
app.add_typer(user_app, name="user")

EMBED_ENV = "COSMOSTREAM_SERVE_EMBEDDED_WORKER"
Host = Annotated[str, typer.Option(help="Interface to listen on.")]
Port = Annotated[int, typer.Option(help="Port to listen on.")]


def _settings_or_exit() -> Settings:
    settings = get_settings()
    try:
        settings.check()
    except ConfigurationError as exc:
        typer.echo(f"configuration error: {exc}", err=True)
        raise typer.Exit(2) from None
    return settings


@app.command()
def migrate() -> None:
    """Apply database migrations."""
    from cosmostream.migrate import upgrade

    settings = _settings_or_exit()
    if settings.is_sqlite:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.resolved_database_url)
    typer.echo("database is up to date")


@app.command()
def demo(
    if_empty: Annotated[
        bool, typer.Option("--if-empty", help="Only when there are no users.")
    ] = False,
    videos: Annotated[
        int | None,
        typer.Option(
            "--videos",
            min=0,
            help="How many of the demo videos to make, short ones first (default: all; 0: none).",
        ),
    ] = None,
    wait: Annotated[
        bool,
        typer.Option("--wait", help="Process the videos in this command and wait until done."),
    ] = False,
) -> None:
    """Load demo data (idempotent): categories, an admin, two creators, a viewer, and
    short space videos that go through the real processing pipeline."""
    from cosmostream import domains, worker
    from cosmostream.bus import bus
    from cosmostream.db import Database
    from cosmostream.demo import (
        PLAN,
        add_demo_videos,
        is_empty,
        load_demo,
        wait_for_processing,
        wait_for_queue,
        wait_for_titles,
    )

    settings = _settings_or_exit()
    # New videos are queued where the web process's (or a worker's) consumer reads.
    worker.configure(settings)
    domains.task_modules()
    if settings.redis_url:
        bus.attach_external(settings.redis_url)

    async def run() -> None:
        db = Database.from_settings(settings, pooled=False)
        try:
            async with db.unit_of_work() as session:
                if if_empty and not await is_empty(session):
                    typer.echo("demo data skipped: the database already has users")
                    return
                created = await load_demo(session)
            typer.echo(f"demo data loaded ({len(created)} new accounts)")
            if created and not settings.is_production:
                for account in created:
                    typer.echo(
                        f"  {account.role.value:8} {account.email}  password: {account.password}"
                    )
            started = time.monotonic()
            made = await add_demo_videos(
                db,
                settings,
                len(PLAN) if videos is None else videos,
                workers=os.cpu_count() or 1,
            )
            typer.echo(
                f"{len(made.ids)} new demo videos ({time.monotonic() - started:.0f} s to draw)"
            )
            # Demo data that shows the videos (the learning courses) follows them.
            async with db.unit_of_work() as session:
                await load_demo(session)
            if made.showcase:
                typer.echo(
                    f"{len(made.showcase)} long 1080p/4K demo videos queued after them "
                    "(the task worker draws and processes them in the following minutes)"
                )
            if (made.ids or made.showcase) and wait:
                await _process_here(db, made.ids, made.showcase)
            elif made.ids:
                typer.echo(
                    "  they are processed by the task worker: with `cosmostream run`, "
                    "posters appear within about a minute"
                )
        finally:
            await db.dispose()

    async def _process_here(db: Database, ids: list[Any], showcase: list[str]) -> None:
        started = time.monotonic()
        consumer = worker.EmbeddedConsumer(settings.worker_concurrency)
        consumer.start()
        try:
            status = await wait_for_processing(db, ids)
            if showcase:
                status |= await wait_for_titles(db, showcase)
            await wait_for_queue()  # the followers' notifications, among others
        finally:
            await asyncio.to_thread(consumer.stop)
        total = len(ids) + len(showcase)
        ready = sum(1 for s in status.values() if s.value == "ready")
        typer.echo(f"  {ready} of {total} ready in {time.monotonic() - started:.0f} s")
        if ready < total:
            raise typer.Exit(1)

    asyncio.run(run())


def _ensure_schema(settings: Settings, *, apply: bool) -> None:
    """Start only on a database at this version's revision.

    The embedded default (`run` on SQLite) migrates itself, as PeerTube does;
    with a shared database (PostgreSQL) or a separate role (`web`, `worker`),
    migrating is the operator's step, so the process refuses to start instead.
    """
    from cosmostream.migrate import check_schema, upgrade

    if settings.is_sqlite:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    url = settings.resolved_database_url
    state = check_schema(url)
    if state.current:
        return
    if apply and state.upgradable:
        upgrade(url)
        typer.echo("database migrated to this version", err=True)
        return
    typer.echo(state.describe(), err=True)
    raise typer.Exit(1)


def _serve(host: str, port: int, *, embedded_worker: bool) -> None:
    settings = _settings_or_exit()
    _ensure_schema(settings, apply=embedded_worker and settings.is_sqlite)
    if settings.server == "granian":
        from granian import Granian
        from granian.constants import Interfaces

        # Granian runs the app in a worker process it spawns: the factory there
        # reads the same environment, plus whether to embed the task consumer.
        os.environ[EMBED_ENV] = "1" if embedded_worker else "0"
        Granian(
            "cosmostream.main:served_app",
            factory=True,
            address=host,
            port=port,
            interface=Interfaces.ASGI,
            workers=1,
            websockets=True,
            log_enabled=False,
        ).serve()
        return
    import uvicorn

    from cosmostream.main import create_asgi

    uvicorn.run(
        create_asgi(settings, embedded_worker=embedded_worker),
        host=host,
        port=port,
        log_config=None,
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips,
        ws="websockets-sansio",
        timeout_graceful_shutdown=10,
    )


@app.command()
def run(host: Host = "127.0.0.1", port: Port = 8000) -> None:
    """All-in-one: web, Socket.IO, media and the task worker in one process."""
    _serve(host, port, embedded_worker=True)


@app.command()
def web(host: Host = "127.0.0.1", port: Port = 8000) -> None:
    """Web role only: pages, GraphQL, Socket.IO and local media."""
    _serve(host, port, embedded_worker=False)


@app.command("worker")
def worker_cmd(
    concurrency: Annotated[
        int | None, typer.Option(help="Worker threads (default COSMOSTREAM_WORKER_CONCURRENCY).")
    ] = None,
) -> None:
    """Task consumer: e-mail now, transcoding and ingest jobs as they arrive."""
    from cosmostream import domains, worker
    from cosmostream.bus import bus
    from cosmostream.logs import configure_logging

    settings = _settings_or_exit()
    _ensure_schema(settings, apply=False)
    configure_logging(settings)
    worker.configure(settings)
    domains.task_modules()
    if settings.redis_url:
        bus.attach_external(settings.redis_url)
    concurrency = concurrency or settings.worker_concurrency
    consumer = worker.EmbeddedConsumer(concurrency)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    consumer.start()
    tasks, periodic = worker.registered_tasks()
    typer.echo(f"tasks: {' '.join(tasks)}")
    typer.echo(f"periodic: {' '.join(periodic)}")
    typer.echo(f"worker running with {concurrency} threads; Ctrl+C to stop")
    stop.wait()
    consumer.stop()


@user_app.command("create")
def user_create(
    email: Annotated[str, typer.Option(help="E-mail address.")],
    password: Annotated[str, typer.Option(help="Password (at least 8 characters).")],
    role: Annotated[str, typer.Option(help="viewer, creator or admin.")] = "viewer",
    name: Annotated[str | None, typer.Option(help="Display name.")] = None,
) -> None:
    """Create an account with a verified e-mail."""
    from cosmostream.account.service import account_service
    from cosmostream.db import Database
    from cosmostream.errors import AppError
    from cosmostream.models import Role

    settings = _settings_or_exit()
    try:
        role_value = Role(role)
    except ValueError:
        typer.echo("role must be viewer, creator or admin", err=True)
        raise typer.Exit(2) from None

    async def run() -> None:
        db = Database.from_settings(settings, pooled=False)
        try:
            async with db.unit_of_work() as session:
                user = await account_service.create_user(
                    session, email=email, password=password, role=role_value, display_name=name
                )
            typer.echo(f"created {user.email} ({user.role.value}) id={user.id}")
        except AppError as exc:
            typer.echo(f"error: {exc.message}", err=True)
            raise typer.Exit(1) from None
        finally:
            await db.dispose()

    asyncio.run(run())


@user_app.command("set-role")
def user_set_role(
    email: Annotated[str, typer.Argument(help="E-mail of the account.")],
    role: Annotated[str, typer.Argument(help="viewer, creator or admin.")],
) -> None:
    """Change an account's role; its live sessions see it on their next request."""
    from cosmostream.account.service import account_service
    from cosmostream.db import Database
    from cosmostream.errors import AppError
    from cosmostream.models import Role

    settings = _settings_or_exit()
    try:
        role_value = Role(role)
    except ValueError:
        typer.echo("role must be viewer, creator or admin", err=True)
        raise typer.Exit(2) from None

    async def run() -> None:
        from cosmostream.bus import bus

        db = Database.from_settings(settings, pooled=False)
        if settings.redis_url:
            # Live sockets of the user reconnect with the new rights.
            bus.attach_external(settings.redis_url)
        try:
            async with db.unit_of_work() as session:
                user = await account_service.get_by_email(session, email)
                await account_service.set_role(session, None, user.id, role_value)
            typer.echo(f"{email} is now {role_value.value}")
        except AppError as exc:
            typer.echo(f"error: {exc.message}", err=True)
            raise typer.Exit(1) from None
        finally:
            await db.dispose()

    asyncio.run(run())


@app.command("analytics-rollup")
def analytics_rollup(
    full: Annotated[
        bool,
        typer.Option("--rebuild", help="Rebuild every roll-up from the raw rows (idempotent)."),
    ] = False,
) -> None:
    """Roll up the analytics raw rows that changed since the last run (what the
    worker does every minute), or all of them with --rebuild."""
    from cosmostream.analytics import rollup
    from cosmostream.db import Database

    settings = _settings_or_exit()

    async def run() -> None:
        db = Database.from_settings(settings, pooled=False)
        try:
            async with db.unit_of_work() as session:
                if full:
                    await rollup.rebuild(session)
                    typer.echo("analytics roll-ups rebuilt")
                else:
                    hours = await rollup.catch_up(session)
                    typer.echo(f"analytics roll-ups caught up ({hours} video hours)")
        finally:
            await db.dispose()

    asyncio.run(run())


@app.command("export-schema")
def export_schema() -> None:
    """Print the GraphQL schema (SDL); `schema.graphql` is this output, committed."""
    from cosmostream.graphql.schema import schema

    typer.echo(schema.as_str())


def main() -> None:  # pragma: no cover - console entry point
    sys.exit(app())
