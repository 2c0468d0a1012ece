"""Cost of an authenticated request, and cold start of the all-in-one process.

Every authenticated request verifies the JWT and re-reads the session and the
account (so a revoked session or a changed role applies at once). This measures
what that costs: p50/p95 of GraphQL `{ me { id role } }` with a Bearer token and
of a signed-in page (`/settings`), each as a ratio against `/healthz` (no auth,
no database) measured in the same run on the same server. Also reports the
cold start of `cosmostream run` (process start to first healthy answer).

Target: authenticated GraphQL p95 ≤ 20 ms, and the account check itself
(`me` minus an anonymous `{ __typename }`, p50) ≤ 3 ms.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).parent))
from _server import percentile, running_server

N = 400
LOGIN = 'mutation { login(email: "ada@example.com", password: "stargazer-viewer") { accessToken } }'


def sample(client: httpx.Client, method: str, path: str, **kwargs: object) -> list[float]:
    for _ in range(20):  # warm-up
        client.request(method, path, **kwargs)  # type: ignore[arg-type]
    times = []
    for _ in range(N):
        started = time.perf_counter()
        response = client.request(method, path, **kwargs)  # type: ignore[arg-type]
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.text[:200]
    return times


def main() -> None:
    with running_server("run") as server, httpx.Client(base_url=server.url) as client:
        token = client.post("/graphql", json={"query": LOGIN}).json()["data"]["login"][
            "accessToken"
        ]
        bearer = {"Authorization": f"Bearer {token}"}
        anchor = sample(client, "GET", "/healthz")
        bare = sample(client, "POST", "/graphql", json={"query": "{ __typename }"})
        me = sample(
            client, "POST", "/graphql", json={"query": "{ me { id role } }"}, headers=bearer
        )
        page = sample(client, "GET", "/settings", headers={"Cookie": f"cs_access={token}"})
        cold = server.started_in
    a95 = percentile(anchor, 0.95)
    print(f"cold start of `cosmostream run`: {cold * 1000:.0f} ms")
    print(f"{'request':32} {'p50 ms':>8} {'p95 ms':>8} {'p95 ratio':>10}")
    for name, values in (
        ("GET /healthz (anchor)", anchor),
        ("GraphQL __typename (anonymous)", bare),
        ("GraphQL me (Bearer)", me),
        ("GET /settings (cookie)", page),
    ):
        p95 = percentile(values, 0.95)
        print(f"{name:32} {statistics.median(values):8.2f} {p95:8.2f} {p95 / a95:10.2f}")
    me95 = percentile(me, 0.95)
    auth_cost = statistics.median(me) - statistics.median(bare)
    print(f"cost of authenticating (me - __typename, p50): {auth_cost:.2f} ms")
    ok = me95 <= 20 and auth_cost <= 3
    print(f"target (me p95 <= 20 ms; auth check <= 3 ms at p50): {'met' if ok else 'NOT met'}")


if __name__ == "__main__":
    main()
