"""Discovery at scale: home, browse, search and the GraphQL listing on a large catalogue.

For each backend (SQLite file, and a dedicated PostgreSQL database created for
the run and dropped after it), a freshly migrated database is seeded by
`_seed.py` with 10,000 users, 100,000 videos and 1,000,000 playback events
(set-based: executemany batches on SQLite, COPY on PostgreSQL), the search
index is rebuilt with `search_service.rebuild`, trending is recomputed by the
catalog's own task code, and ANALYZE runs. Seeding is timed per table.

Then a real `cosmostream web` (Granian, one process) serves that database and
one client measures p50/p95 over loopback with one keep-alive connection:
20 warm-up requests, then 300 sequential requests per row, each cycling through
varied parameters (categories, sorts, search terms, cursors). Every row is
reported as a ratio of its p95 to `/healthz`'s p95 measured in the same run.
The search query itself (`search_service.search`, in-process on the same
database) is timed too.

Targets: p95 ≤ 50 ms for every page and the GraphQL listing on both
databases; search results (the service call) p95 ≤ 20 ms; seeding 100k
videos in under a minute.

    .venv/bin/python benchmarks/discovery.py [--quick] [--backend sqlite|postgresql|both]

`--quick` seeds a tenth of the catalogue and takes fewer samples (a smoke
run). PostgreSQL is skipped with a note when the server at BENCH_POSTGRES_URL
(default postgresql://postgres@127.0.0.1:5432/postgres) is unreachable.
"""

from __future__ import annotations

import argparse
import asyncio
import html
import os
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import cycle
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

import asyncpg  # type: ignore[import-untyped]
import httpx

sys.path.insert(0, str(Path(__file__).parent))
import _seed
from _server import percentile, running_server

from cosmostream.config import normalize_database_url
from cosmostream.migrate import upgrade

PG_ADMIN = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
# One database per run: two runs at once (make bench, by hand) must not drop each other's.
PG_DATABASE = f"cosmostream_bench_{os.getpid()}"
TARGET_MS = 50.0
SEARCH_TARGET_MS = 20.0
SEED_TARGET_S = 60.0

COMMON = ["saturn", "nebula", "launch", "jwst", "dark matter", "black holes", "perseverance rover",
          "galaxy", "supernova", "telescope"]  # fmt: skip
RARE = ["oumuamua", "arrokoth", "voorwerp", "przybylski", "hoag"]
PREFIX = ["satu", "nebu", "ganym", "perse", "andromeda gal", "spac", "tele", "europa cl"]

VIDEOS_QUERY = """
query Videos($filter: VideoFilter, $sort: VideoSort!, $after: String) {
  videos(filter: $filter, sort: $sort, first: 24, after: $after) {
    edges { cursor node {
      id title durationSeconds viewCount publishedAt posterUrl
      owner { id displayName }
      category { slug name }
    } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
LOGIN = "mutation($email: String!, $password: String!) { login(email: $email, password: $password) { accessToken } }"


@dataclass
class Row:
    name: str
    times: list[float]

    @property
    def p50(self) -> float:
        return statistics.median(self.times)

    @property
    def p95(self) -> float:
        return percentile(self.times, 0.95)


@dataclass
class Result:
    backend: str
    seed: _seed.SeedReport
    extra_steps: list[_seed.Step] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    search: list[Row] = field(default_factory=list)


# ---------------------------------------------------------------------------
# Databases


@contextmanager
def sqlite_database() -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="cs-bench-discovery-") as tmp:
        yield f"sqlite+aiosqlite:///{tmp}/bench.db"


def postgres_available() -> bool:
    async def probe() -> None:
        conn = await asyncpg.connect(PG_ADMIN, timeout=3)
        await conn.close()

    try:
        asyncio.run(probe())
    except (OSError, asyncpg.PostgresError, TimeoutError):
        return False
    return True


@contextmanager
def postgres_database() -> Iterator[str]:
    async def admin(sql: str) -> None:
        conn = await asyncpg.connect(PG_ADMIN)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(admin(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)'))
    asyncio.run(admin(f'CREATE DATABASE "{PG_DATABASE}"'))
    try:
        yield normalize_database_url(PG_ADMIN.rsplit("/", 1)[0] + f"/{PG_DATABASE}")
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)'))


# ---------------------------------------------------------------------------
# Preparation: seed, index, trending, analyze


async def prepare(url: str, size: _seed.Size) -> tuple[_seed.SeedReport, list[_seed.Step]]:
    from cosmostream.catalog.service import catalog_service
    from cosmostream.db import Database
    from cosmostream.search.service import search_service

    report = await _seed.seed(url, size)
    steps: list[_seed.Step] = []
    db = Database(url, pooled=False)
    try:
        started = time.perf_counter()
        async with db.unit_of_work() as session:
            indexed = await search_service.rebuild(session)
        steps.append(_seed.Step("search index rebuild", indexed, time.perf_counter() - started))
        started = time.perf_counter()
        async with db.unit_of_work() as session:
            await catalog_service.recompute_trending(session)
        steps.append(_seed.Step("trending recompute", 0, time.perf_counter() - started))
    finally:
        await db.dispose()
    steps.append(_seed.Step("ANALYZE", 0, await _seed.analyze(url)))
    await _seed.verify(url, report, size)
    return report, steps


async def time_search(url: str, n: int) -> list[Row]:
    """The search service call alone, in-process: the query a results page runs."""
    from cosmostream.db import Database
    from cosmostream.search.schemas import COUNT_CAP
    from cosmostream.search.service import search_service

    db = Database(url)
    rows = []
    try:
        for name, terms in (("common words", COMMON), ("rare words", RARE), ("prefix", PREFIX)):
            times = []
            totals = set()
            queries = cycle(terms)
            for i in range(n + 10):
                query = next(queries)
                async with db.read() as session:
                    started = time.perf_counter()
                    page = await search_service.search(session, None, query, 24, with_total=True)
                    elapsed = (time.perf_counter() - started) * 1000
                if i >= 10:
                    times.append(elapsed)
                assert page.hits, query
                totals.add(page.total or 0)
            most = f"{COUNT_CAP}+" if max(totals) > COUNT_CAP else str(max(totals))
            rows.append(Row(f"search: {name} ({min(totals)}-{most})", times))
    finally:
        await db.dispose()
    return rows


# ---------------------------------------------------------------------------
# HTTP measurement


Request = Callable[[httpx.Client], httpx.Response]


def get(path: str, **kwargs: Any) -> Request:
    return lambda client: client.get(path, **kwargs)


def post_graphql(variables: dict[str, Any]) -> Request:
    return lambda client: client.post(
        "/graphql", json={"query": VIDEOS_QUERY, "variables": variables}
    )


def sample(client: httpx.Client, requests: list[Request], n: int, warmup: int) -> list[float]:
    calls = cycle(requests)
    times = []
    for i in range(warmup + n):
        call = next(calls)
        started = time.perf_counter()
        response = call(client)
        elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, (response.request.url, response.text[:300])
        if i >= warmup:
            times.append(elapsed)
    return times


def cards(response: httpx.Response) -> int:
    return response.text.count('class="video-card"')


def next_link(response: httpx.Response, path: str) -> str:
    match = re.search(rf'href="({re.escape(path)}\?[^"]*after=[^"]*)"', response.text)
    assert match, f"no next-page link on {response.request.url}"
    return html.unescape(match.group(1))


def measure(url: str, size_n: int, warmup: int) -> list[Row]:
    env = {"DATABASE_URL": url.replace("+aiosqlite", "").replace("+asyncpg", "")}
    slugs = list(_seed.SUBJECTS)
    rows: list[Row] = []
    with running_server("web", env) as server, httpx.Client(base_url=server.url) as client:
        login = client.post(
            "/graphql",
            json={
                "query": LOGIN,
                "variables": {"email": _seed.SIGNED_IN_EMAIL, "password": _seed.SIGNED_IN_PASSWORD},
            },
        )
        token = login.json()["data"]["login"]["accessToken"]
        signed_in = {"Cookie": f"cs_access={token}"}

        # The pages must show the seeded catalogue, or the figures mean nothing.
        assert cards(client.get("/")) >= 24
        home = client.get("/", headers=signed_in)
        for row in ("Continue watching", "From creators you follow", "Trending", "New"):
            assert row in home.text, row
        assert cards(client.get("/browse")) >= 24

        filtered = [
            f"/browse?category={s}&sort={sort}"
            for s in slugs
            for sort in ("views", "trending", "newest", "longest")
        ]
        second = [next_link(client.get(p), "/browse") for p in filtered[::3]]
        second += [next_link(client.get("/browse"), "/browse")]
        searches_common = [f"/search?q={quote_plus(q)}" for q in COMMON]
        for p in searches_common:
            assert cards(client.get(p)) > 0, p
        gql_vars: list[dict[str, Any]] = [
            {"sort": sort} for sort in ("NEWEST", "MOST_VIEWED", "TRENDING", "LONGEST")
        ]
        gql_vars += [{"filter": {"category": s}, "sort": "MOST_VIEWED"} for s in slugs]
        first = client.post(
            "/graphql", json={"query": VIDEOS_QUERY, "variables": gql_vars[0]}
        ).json()
        assert "errors" not in first, first
        assert len(first["data"]["videos"]["edges"]) == 24
        gql_vars.append(
            {"sort": "NEWEST", "after": first["data"]["videos"]["pageInfo"]["endCursor"]}
        )

        workloads: list[tuple[str, list[Request]]] = [
            ("GET /healthz (anchor)", [get("/healthz")]),
            ("GET / (anonymous)", [get("/")]),
            ("GET / (signed in)", [get("/", headers=signed_in)]),
            ("GET /browse", [get("/browse")]),
            ("GET /browse category+sort", [get(p) for p in filtered]),
            ("GET /browse page 2 (cursor)", [get(p) for p in second]),
            ("GET /search common word", [get(p) for p in searches_common]),
            ("GET /search rare word", [get(f"/search?q={quote_plus(q)}") for q in RARE]),
            ("GET /search prefix", [get(f"/search?q={quote_plus(q)}") for q in PREFIX]),
            ("GraphQL videos(first: 24)", [post_graphql(v) for v in gql_vars]),
        ]
        for name, requests in workloads:
            rows.append(Row(name, sample(client, requests, size_n, warmup)))
    return rows


# ---------------------------------------------------------------------------


def run(backend: str, quick: bool) -> Result:
    size = _seed.QUICK if quick else _seed.FULL
    n, warmup = (60, 10) if quick else (300, 20)
    database = sqlite_database if backend == "sqlite" else postgres_database
    print(
        f"== {backend}: seeding {size.users:,} users, {size.videos:,} videos, {size.events:,} playback events"
    )
    with database() as url:
        upgrade(url)
        report, steps = asyncio.run(prepare(url, size))
        for step in steps:
            print(f"  {step.name:28} {step.rows:>10,} rows {step.seconds:7.2f} s")
        search = asyncio.run(time_search(url, n))
        rows = measure(url, n, warmup)
    return Result(backend, report, steps, rows, search)


def report(result: Result, quick: bool) -> list[str]:
    """Print one backend's figures; returns what missed its target."""
    seed = result.seed
    missed = []
    print(f"\n== {result.backend}")
    print(f"{'seeding step':32} {'rows':>10} {'s':>7}")
    for step in seed.steps + result.extra_steps:
        print(f"{step.name:32} {step.rows:>10,} {step.seconds:7.2f}")
    print(f"{'seeding in all (demo to commit)':32} {'':>10} {seed.total:7.2f}")
    if not quick and seed.total > SEED_TARGET_S:
        missed.append(f"{result.backend} seeding {seed.total:.0f} s")
    anchor = result.rows[0].p95
    print(f"\n{'request':36} {'p50 ms':>8} {'p95 ms':>8} {'p95 ratio':>10}")
    for row in result.rows:
        print(f"{row.name:36} {row.p50:8.2f} {row.p95:8.2f} {row.p95 / anchor:10.2f}")
        if row.p95 > TARGET_MS:
            missed.append(f"{result.backend} {row.name}")
    print(f"\n{'in-process (matches per query)':36} {'p50 ms':>8} {'p95 ms':>8}")
    for row in result.search:
        print(f"{row.name:36} {row.p50:8.2f} {row.p95:8.2f}")
        if row.p95 > SEARCH_TARGET_MS:
            missed.append(f"{result.backend} {row.name}")
    return missed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="10k videos, fewer samples")
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    if "postgresql" in backends and not postgres_available():
        if args.backend == "postgresql":
            sys.exit(f"PostgreSQL is not reachable at {PG_ADMIN}")
        print(f"PostgreSQL is not reachable at {PG_ADMIN}: measuring SQLite only")
        backends.remove("postgresql")
    started = os.getloadavg()[0]
    results = [run(backend, args.quick) for backend in backends]
    # Other work on the machine shows in the tails: say how busy it was.
    print(
        f"\nload average (1 min): {started:.2f} at the start, {os.getloadavg()[0]:.2f} at the end"
    )
    missed = [m for r in results for m in report(r, args.quick)]
    print(
        f"\ntarget (every page p95 <= {TARGET_MS:g} ms, search service p95 <= "
        f"{SEARCH_TARGET_MS:g} ms, seeding < {SEED_TARGET_S:g} s): "
        + ("met" if not missed else "NOT met: " + "; ".join(missed))
    )


if __name__ == "__main__":
    main()
