"""The domain registry: every domain's tasks reach a stand-alone worker, and a new
domain made from the skeleton package is served, in the schema and in the worker."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import cosmostream
from cosmostream import domains, effects, worker
from cosmostream.config import Settings
from cosmostream.graphql.schema import build_schema
from cosmostream.main import create_app
from cosmostream.web import templating

SRC = Path(cosmostream.__file__).parent
BIN = Path(sys.executable).parent / "cosmostream"
DECORATORS = {"task": False, "job": False, "periodic_task": True}


def declared_tasks() -> tuple[set[str], set[str]]:
    """Task names as written in the source of every `tasks.py`, `mail.py` and `demo.py`,
    read without importing anything (so the registry cannot vouch for itself)."""
    tasks: set[str] = set()
    periodic: set[str] = set()
    files = [SRC / "mail.py", *sorted(SRC.glob("*/tasks.py")), SRC / "demo.py"]
    for path in files:
        if path.parent.name.startswith("_"):
            continue  # the skeleton is a template, not a domain
        # As decorators (`@task("mail.send")`) or called (`periodic_task("a.b", …)(fn)`).
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            first = node.args[0]
            if name in DECORATORS and isinstance(first, ast.Constant):
                tasks.add(str(first.value))
                if DECORATORS[name]:
                    periodic.add(str(first.value))
    return tasks, periodic


def test_a_standalone_worker_registers_every_task_of_every_domain(
    cli_env: dict[str, str],
) -> None:
    expected_tasks, expected_periodic = declared_tasks()
    assert {"mail.send", "video.process", "catalog.trending"} <= expected_tasks
    # A worker refuses a database that is not at this version's revision.
    migrated = subprocess.run([str(BIN), "migrate"], env=cli_env, capture_output=True, timeout=120)
    assert migrated.returncode == 0, migrated.stderr
    process = subprocess.Popen(
        [str(BIN), "worker", "--concurrency", "1"],
        env=cli_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: dict[str, set[str]] = {}
    try:
        assert process.stdout is not None
        for line in process.stdout:
            key, _, rest = line.partition(":")
            lines[key] = set(rest.split())
            if line.startswith("worker running"):
                break
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=30)
    assert "worker running" in "".join(lines), stderr
    assert lines["tasks"] == expected_tasks
    assert lines["periodic"] == expected_periodic


@pytest.fixture
def throwaway(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The skeleton copied to a new domain `throwaway`, templates included, and
    registered with one line, as docs/architecture.md tells a newcomer to do."""
    package = tmp_path / "pkg" / "throwaway"
    shutil.copytree(SRC / "_skeleton", package, ignore=shutil.ignore_patterns("__pycache__"))
    for path in package.glob("*.py"):
        text = path.read_text().replace("cosmostream._skeleton", "cosmostream.throwaway")
        text = text.replace('"_skeleton"', '"throwaway"')
        path.write_text(text.replace("skeleton", "throwaway").replace("Skeleton", "Throwaway"))
    shutil.copytree(SRC / "web" / "templates" / "skeleton", tmp_path / "templates" / "throwaway")
    monkeypatch.syspath_prepend(str(tmp_path / "pkg"))  # nothing else of ours lives there
    monkeypatch.setattr(cosmostream, "__path__", [*cosmostream.__path__, str(tmp_path / "pkg")])
    monkeypatch.setattr(
        templating.templates.env.loader,
        "searchpath",
        [*templating.templates.env.loader.searchpath, str(tmp_path / "templates")],  # type: ignore[union-attr]
    )
    monkeypatch.setattr(domains, "DOMAINS", (*domains.DOMAINS, "throwaway"))
    domains.all_domains.cache_clear()
    yield "throwaway"
    monkeypatch.undo()  # the registry as it was, before it is read again below
    domains.all_domains.cache_clear()
    templating.use_navigation((link.label, link.href) for link in domains.navigation())
    effects.forget_task("throwaway.refresh")
    for name in [m for m in sys.modules if m.startswith("cosmostream.throwaway")]:
        del sys.modules[name]
    registry = worker.huey._registry
    for key, cls in list(registry._registry.items()):
        if key.startswith("cosmostream.throwaway."):
            registry.unregister(cls)


async def test_a_domain_from_the_skeleton_is_served_in_the_schema_and_the_worker(
    throwaway: str, settings: Settings
) -> None:
    sdl = build_schema().as_str()
    assert "throwaway(topic: String!): ThrowawaySummary!" in sdl
    assert "refreshThrowaway: Boolean!" in sdl
    domains.task_modules()  # what `cosmostream worker` does before it consumes
    assert "throwaway.refresh" in worker.registered_tasks()[0]
    app: Any = create_app(settings, embedded_worker=False)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            page = await client.get("/throwaway", params={"topic": "Comets"})
            assert page.status_code == 200
            assert "<h1>Comets</h1>" in page.text
            assert 'href="/throwaway"' in page.text  # in the navigation
            answer = await client.post(
                "/graphql", json={"query": '{ throwaway(topic: "Moons") { topic } }'}
            )
            assert answer.json() == {"data": {"throwaway": {"topic": "Moons"}}}
            refused = await client.post("/graphql", json={"query": "mutation { refreshThrowaway }"})
            assert refused.json()["errors"][0]["extensions"]["code"] == "not_authenticated"
