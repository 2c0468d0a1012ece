"""Starting on a database that is not at this version's revision.

`cosmostream run` on SQLite migrates itself; every other role, and any role on
PostgreSQL, refuses to start and names both revisions; `/readyz` is 503 while
migrations are pending. Each command runs as its own process.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy.ext.asyncio import create_async_engine

from cosmostream.config import normalize_database_url
from cosmostream.migrate import alembic_config, code_revisions, upgrade
from tests.conftest import PG_URL, free_port

BIN = Path(sys.executable).parent / "cosmostream"
HEAD = next(iter(code_revisions()))


def _start(args: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(BIN), *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def _stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def refused(args: list[str], env: dict[str, str]) -> str:
    """Run a role that must refuse to start; return what it printed on stderr."""
    process = _start(args, env)
    try:
        _, err = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        _stop(process)
        pytest.fail(f"`cosmostream {' '.join(args)}` started instead of refusing")
    assert process.returncode == 1, err
    return err


@pytest.fixture
def served(cli_env: dict[str, str]) -> Iterator[str]:
    """`cosmostream run` on a fresh data directory; its base URL once /healthz answers."""
    port = free_port()
    env = {**cli_env, "COSMOSTREAM_BASE_URL": f"http://127.0.0.1:{port}"}
    process = _start(["run", "--host", "127.0.0.1", "--port", str(port)], env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                pytest.fail(f"the server exited with {process.returncode}: {process.stderr}")
            try:
                if httpx.get(f"{base}/healthz", timeout=2, trust_env=False).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "/healthz did not answer within 60 s"
            time.sleep(0.2)
        yield base
    finally:
        _stop(process)


def sqlite_url(env: dict[str, str]) -> str:
    return f"sqlite+aiosqlite:///{Path(env['COSMOSTREAM_DATA_DIR']).resolve()}/cosmostream.db"


def test_run_on_sqlite_migrates_a_fresh_data_directory(
    served: str, cli_env: dict[str, str]
) -> None:
    with httpx.Client(base_url=served, trust_env=False, timeout=10) as client:
        assert client.get("/").status_code == 200
        ready = client.get("/readyz")
        assert ready.status_code == 200, ready.text
        assert ready.json()["checks"]["migrations"] == "ok"

        # Migrated backwards under the running server: not ready until migrated again.
        command.downgrade(alembic_config(sqlite_url(cli_env)), "-1")
        behind = client.get("/readyz")
        assert behind.status_code == 503
        message = behind.json()["checks"]["migrations"]
        assert f"this version needs {HEAD}: run `cosmostream migrate`" in message
        assert f"at revision {HEAD}" not in message

        upgrade(sqlite_url(cli_env))
        assert client.get("/readyz").status_code == 200


@pytest.mark.parametrize("role", ["web", "worker"])
def test_other_roles_refuse_an_unmigrated_sqlite_database(
    cli_env: dict[str, str], role: str
) -> None:
    err = refused([role], cli_env)
    assert (
        f"database is at revision none (empty database), this version needs {HEAD}: "
        "run `cosmostream migrate`" in err
    )

    # One revision behind: both revisions are named, and nothing was migrated.
    url = sqlite_url(cli_env)
    upgrade(url)
    command.downgrade(alembic_config(url), "-1")
    err = refused([role], cli_env)
    assert f"this version needs {HEAD}: run `cosmostream migrate`" in err
    assert "database is at revision none" not in err
    assert f"at revision {HEAD}" not in err


@pytest.fixture
def empty_postgresql() -> Iterator[str]:
    if not PG_URL:
        pytest.skip("COSMOSTREAM_TEST_DATABASE_URL is not set")
    admin_url = normalize_database_url(PG_URL)
    name = f"cs_startup_{uuid.uuid4().hex[:8]}"

    async def execute(statement: str) -> None:
        engine = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
        async with engine.connect() as conn:
            await conn.execute(sa.text(statement))
        await engine.dispose()

    asyncio.run(execute(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        asyncio.run(execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.mark.parametrize("role", ["run", "web", "worker"])
def test_postgresql_is_never_migrated_at_start(
    cli_env: dict[str, str], empty_postgresql: str, role: str
) -> None:
    env = {**cli_env, "DATABASE_URL": empty_postgresql}
    err = refused([role, "--port", str(free_port())] if role != "worker" else [role], env)
    assert "database is at revision none (empty database)" in err
    assert "run `cosmostream migrate`" in err
