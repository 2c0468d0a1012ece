"""The worst GraphQL documents the limits admit, and how long the server is busy with them.

The cost budget (`COSMOSTREAM_GRAPHQL_MAX_COST`) and the bound on expanded
fields (`COSMOSTREAM_GRAPHQL_MAX_FIELDS`) decide what a client may send; this
times what they still let through on demo-size data (the demo accounts and
categories plus 22 ready videos sharing their tags, so every `upNext` list is
full), each as a ratio against a typical page query (the browse page's
`videos(first: 24)`) measured in the same run. While each document runs, a
second client polls `/healthz` every 10 ms: its slowest answer is how long the
event loop was blocked. Also times the refusals (the 21-fragment bomb, an
`upNext` nest over the budget, a search for a 1 MiB string), which must be
quick, and a 1 MiB document that is nearly all comment.

Target: no admitted document blocks `/healthz` for more than 100 ms.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import threading
import time
from pathlib import Path

import httpx
from graphql import get_introspection_query, parse

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parents[1]))
from _server import running_server
from tests.factories import make_user, make_video

from cosmostream.config import Settings, use_settings
from cosmostream.db import Database
from cosmostream.graphql.cost import measure
from cosmostream.graphql.schema import schema
from cosmostream.models import Role

RUNS = 5
VIDEOS = 22
ANCHOR = (
    "{ videos(first: 24) { edges { cursor node { id title durationSeconds viewCount "
    'publishedAt posterUrl(size: "card") owner { displayName } category { slug } } } '
    "pageInfo { hasNextPage endCursor } } }"
)
CARD = 'id title durationSeconds viewCount posterUrl(size: "card") owner { displayName }'


def fragment_bomb(count: int, leaf: str = "categories { id slug name }") -> str:
    """Each fragment spreads the next twice: 2**(count - 1) leaves once expanded."""
    fragments = [f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(count - 1)]
    fragments.append(f"fragment F{count - 1} on Query {{ {leaf} }}")
    return "{ ...F0 } " + " ".join(fragments)


# Documents just under the request body limit (1 MiB with the JSON around them).
BODY_CHARS = (1 << 20) - 1024
ADMITTED = {
    # Lists nested to the budget: 22 videos, each with 21 related, each with 16.
    "upNext nest 24x24x16": (
        "{ videos(first: 24) { nodes { upNext(first: 24) { upNext(first: 16) { id } } } } }"
    ),
    "upNext, full cards 48x24": (
        "{ videos(first: 48) { nodes { " + CARD + " upNext(first: 24) { " + CARD + " } } } }"
    ),
    "aliased pages 30x videos(40)": "{ "
    + " ".join(f"a{i}: videos(first: 40) {{ nodes {{ {CARD} }} }}" for i in range(30))
    + " }",
    # Same-named fields: the overlap rule compares them pairwise during validation.
    "expanded fields (128 x me)": fragment_bomb(8, "me { id displayName }"),
    "introspection (GraphiQL)": get_introspection_query(),
    "1 MiB of comments": "#" + "a" * BODY_CHARS + "\n{ categories { id } }",
    "ISS sky track, 240 min": (
        "{ issSkyTrack(lat: 51.5, lon: 0, minutes: 240) { at altitude azimuth sunlit } }"
    ),
}
REFUSED = {
    "fragment bomb (21 levels)": fragment_bomb(21),
    "1 MiB string argument": '{ search(query: "' + "a" * BODY_CHARS + '") { nodes { id } } }',
    "upNext nest over budget": (
        "{ videos(first: 24) { nodes { upNext(first: 24) { upNext(first: 24) { id } } } } }"
    ),
}


async def seed(env: dict[str, str]) -> None:
    os.environ.update(env)
    settings = Settings()
    use_settings(settings)
    db = Database.from_settings(settings)
    creator = await make_user(db, role=Role.CREATOR)
    for i in range(VIDEOS):
        await make_video(db, creator, title=f"Jupiter {i}", tags=["jupiter", "planets"])
    await db.dispose()


def poll(url: str, done: threading.Event, health: list[float]) -> None:
    """Ask for /healthz every 10 ms until `done`, noting each answer's time."""
    with httpx.Client(base_url=url) as other:
        while not done.is_set():
            started = time.perf_counter()
            other.get("/healthz")
            health.append((time.perf_counter() - started) * 1000)
            time.sleep(0.01)


def timed(client: httpx.Client, query: str) -> tuple[float, float, int]:
    """Median ms over RUNS, the slowest /healthz answer meanwhile, and the HTTP status."""
    times = []
    worst_health = 0.0
    status = 0
    for _ in range(RUNS):
        done = threading.Event()
        health: list[float] = []
        poller = threading.Thread(target=poll, args=(str(client.base_url), done, health))
        poller.start()
        time.sleep(0.05)
        started = time.perf_counter()
        response = client.post("/graphql", json={"query": query}, timeout=120)
        times.append((time.perf_counter() - started) * 1000)
        time.sleep(0.02)
        done.set()
        poller.join()
        status = response.status_code
        worst_health = max(worst_health, max(health, default=0.0))
    return statistics.median(times), worst_health, status


def main() -> None:
    with running_server("run") as server, httpx.Client(base_url=server.url) as client:
        asyncio.run(seed(server.env))
        for _ in range(20):  # warm-up
            client.post("/graphql", json={"query": ANCHOR})
        anchor, anchor_health, _ = timed(client, ANCHOR)
        rows = [("typical page query (anchor)", ANCHOR, anchor, anchor_health, 200)]
        for name, query in {**ADMITTED, **REFUSED}.items():
            ms, health, status = timed(client, query)
            rows.append((name, query, ms, health, status))
    print(
        f"{'document':36} {'cost':>6} {'fields':>7} {'HTTP':>5} {'ms':>8} {'ratio':>7} {'healthz max ms':>15}"
    )
    worst = 0.0
    for name, query, ms, health, status in rows:
        found = measure(schema._schema, parse(query))
        print(
            f"{name:36} {found.cost:6} {found.fields:7} {status:5} {ms:8.1f} "
            f"{ms / anchor:7.1f} {health:15.1f}"
        )
        if status == 200:
            worst = max(worst, health)
    print(f"slowest /healthz while an admitted document ran: {worst:.1f} ms")
    print(f"target (<= 100 ms): {'met' if worst <= 100 else 'NOT met'}")


if __name__ == "__main__":
    main()
