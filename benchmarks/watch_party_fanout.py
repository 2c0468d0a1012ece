"""Watch-party fan-out: one host seeks, every member of a 1,000-socket party gets the state.

A real `cosmostream web` (Granian, one process, SQLite) is started in a
temporary data directory. Into its database go, through the app's own
services: a creator and one public, READY video row; CLIENTS users (argon2 at
test cost, as the `cheap_password_hashing` fixture does) each with a signed-in
session and its access token; one watch party started by the first user (the
host) on that video with `watch_party_service.start`, the second member joined
by `watch_party_service.join` with the invite token, the others written as the
rows that join leaves (quicker to seed than 1,000 service calls).

The load driver `benchmarks/node/clients.mjs` (socket.io-client 4.x from npm,
websocket transport, one connection per member, connected 50 at a time) joins
every member to `watch:<party>`, waits until join-time traffic has died down,
then has the host send ROUNDS `watch.control {action: "seek"}` 200 ms apart
(after a few warm-up rounds) and timestamps each member's matching
`watch.state`. Latency = receipt - send on the driver's clock; messages per
second = deliveries / the summed time from each send to that round's last
receipt.

Anchor, in the same run with the same driver: `benchmarks/node/server.mjs`,
the official Node.js Socket.IO server (npm `socket.io` 4.x) doing the same
fan-out from an in-memory state, with no auth, database or member lists. It
runs before and after ours (the machine is shared: the two show how much it
moved) and its better p99 is the anchor. The servers are measured one after
the other, never at once; on this 2-core machine the driver has the other
core. "1st p50" is the median over rounds of the earliest delivery: what an
event costs before its fan-out starts.

Targets: our p99 ≤ 2 x Node's p99, and ≤ 100 ms.

    .venv/bin/python benchmarks/watch_party_fanout.py [--clients 1000] [--rounds 30] [--quick]
        [--only cosmostream|node] [--workers 1] [--batch 50] [--keep DIR] [--py-spy FILE]

`--quick`: 200 clients, 10 rounds (a smoke run). `--keep DIR` writes the
driver's full JSON results (every latency) there. `--py-spy FILE` samples our
server (with Granian's worker) through the rounds into FILE as folded stacks
(needs `pip install py-spy` in the venv, and root). Node.js ≥ 18 and npm are
needed; `npm ci` runs in benchmarks/node when its node_modules is missing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from _server import free_port, running_server

NODE_DIR = Path(__file__).parent / "node"
NODE = shutil.which("node")
NPM = shutil.which("npm")
TARGET_RATIO = 2.0
TARGET_MS = 100.0
ROUND_INTERVAL_MS = 200
WARMUP_ROUNDS = 3
# After the last join, before the first seek: past the presence grace period
# (8 s) and the batched presence announcements, so that nothing the joins set
# off lands in a measured round.
SETTLE_MS = 10_000


@dataclass
class Party:
    id: str
    tokens: list[str]  # the host's first
    seeded_in: float


# ----------------------------------------------------------------------------
# The party, through the app's services


def seed_party(env: dict[str, str], clients: int) -> Party:
    """Users with sessions, a video, a party with everyone in it: in the server's database."""
    os.environ.update(env)
    from argon2 import PasswordHasher

    from cosmostream.account import passwords
    from cosmostream.account.schemas import Actor, ClientInfo
    from cosmostream.account.service import account_service
    from cosmostream.config import Settings, use_settings
    from cosmostream.db import Database
    from cosmostream.kit.time import utcnow
    from cosmostream.models import Role, Video, VideoStatus, Visibility, WatchPartyMember
    from cosmostream.watch_party.service import watch_party_service

    # As the `cheap_password_hashing` test fixture: argon2's defaults cost ~0.3 s a user.
    passwords.hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    settings = Settings()
    use_settings(settings)
    client = ClientInfo(ip="198.51.100.7", user_agent="watch-party-fanout benchmark")

    async def write() -> Party:
        started = time.perf_counter()
        db = Database.from_settings(settings, pooled=False)
        try:
            async with db.unit_of_work() as session:
                creator = await account_service.create_user(
                    session,
                    email="fanout-creator@example.com",
                    password="fanout-creator-pass",
                    role=Role.CREATOR,
                    display_name="Fan-out Creator",
                )
                video = Video(
                    owner_id=creator.id,
                    title="Watch-party fan-out benchmark",
                    visibility=Visibility.PUBLIC,
                    status=VideoStatus.READY,
                    playable=True,
                    duration_seconds=3600.0,
                    renditions=[],
                    images={},
                )
                session.add(video)
                await session.flush()
                video_id = video.id
            actors: list[Actor] = []
            tokens: list[str] = []
            batch = 250
            for first in range(0, clients, batch):
                async with db.unit_of_work() as session:
                    for n in range(first, min(first + batch, clients)):
                        user = await account_service.create_user(
                            session,
                            email=f"fanout{n}@example.com",
                            password="fanout-member-pass",
                            role=Role.VIEWER,
                            display_name=f"Member {n}",
                        )
                        auth = await account_service._start_session(session, user, client)
                        actors.append(Actor(user=user, session_id=auth.session_id))
                        tokens.append(auth.access_token)
            async with db.unit_of_work() as session:
                party = await watch_party_service.start(session, actors[0], video_id)
                party_id, invite = party.id, party.invite_token
                if clients > 1:
                    await watch_party_service.join(session, actors[1], party_id, invite)
            # The rest as the service's join leaves them, without its announcement
            # (each join rebuilds and publishes the whole member list: O(members)).
            now = utcnow()
            for first in range(2, clients, batch):
                async with db.unit_of_work() as session:
                    session.add_all(
                        WatchPartyMember(party_id=party_id, user_id=member.id, joined_at=now)
                        for member in actors[first : first + batch]
                    )
            return Party(str(party_id), tokens, time.perf_counter() - started)
        finally:
            await db.dispose()

    return asyncio.run(write())


# ----------------------------------------------------------------------------
# Node: the anchor server and the driver


def ensure_node_modules() -> None:
    if NODE is None or NPM is None:
        sys.exit("Node.js and npm are needed (Debian: apt-get install nodejs npm)")
    if not (NODE_DIR / "node_modules" / "socket.io-client").is_dir():
        print("installing benchmarks/node (npm ci)...")
        subprocess.run([NPM, "ci", "--no-audit", "--no-fund"], cwd=NODE_DIR, check=True)


@contextmanager
def running_node_server() -> Iterator[str]:
    assert NODE is not None
    port = free_port()
    proc = subprocess.Popen(
        [NODE, str(NODE_DIR / "server.mjs"), str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if not line.startswith("ready"):
            assert proc.stderr is not None
            raise RuntimeError(f"node server did not start: {line}{proc.stderr.read()[-2000:]}")
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def drive(
    url: str,
    party: str,
    tokens: list[str] | None,
    args: argparse.Namespace,
    tmp: Path,
    name: str,
    profile_pid: int | None = None,
) -> dict[str, Any]:
    assert NODE is not None
    out = tmp / f"{name}.json"
    cmd = [
        NODE, str(NODE_DIR / "clients.mjs"), "--url", url, "--party", party,
        "--clients", str(args.clients), "--rounds", str(args.rounds),
        "--warmup", str(WARMUP_ROUNDS), "--interval", str(ROUND_INTERVAL_MS),
        "--workers", str(args.workers), "--batch", str(args.batch),
        "--settle", str(SETTLE_MS), "--out", str(out),
    ]  # fmt: skip
    if profile_pid is not None:
        cmd += ["--hold", "3000"]  # py-spy takes a moment to attach
    if tokens is not None:
        token_file = tmp / f"{name}-tokens.json"
        token_file.write_text(json.dumps(tokens))
        cmd += ["--tokens", str(token_file)]
    print(f"== {name}: {args.clients} clients, {args.rounds} rounds", flush=True)
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    assert proc.stdout is not None
    spy: subprocess.Popen[bytes] | None = None
    for line in proc.stderr:
        sys.stderr.write(line)
        if profile_pid is not None and spy is None and "quiet after" in line:
            spy = start_py_spy(profile_pid, Path(args.py_spy))
        elif spy is not None and "rounds done" in line:
            spy.send_signal(signal.SIGINT)  # py-spy writes what it has and exits
    stdout = proc.stdout.read()
    proc.wait()
    if spy is not None:
        spy.wait()
        print(f"py-spy profile of the rounds (folded stacks): {args.py_spy}")
    if proc.returncode != 0 or not out.exists():
        sys.exit(f"the driver failed against {name}: {stdout[-2000:]}")
    result: dict[str, Any] = json.loads(out.read_text())
    if args.keep:
        keep = Path(args.keep)
        keep.mkdir(parents=True, exist_ok=True)
        shutil.copy(out, keep / out.name)
    return result


def server_pid() -> int:
    """The `cosmostream web` process this script started (Granian's worker is its child)."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == os.getpid() and any(a.endswith(b"cosmostream") for a in cmdline[:2]):
            return int(entry.name)
    raise RuntimeError("cannot find the server process")


def start_py_spy(pid: int, out: Path) -> subprocess.Popen[bytes]:
    """Sample the server (Granian's worker included) until the rounds are done."""
    spy = Path(sys.executable).parent / "py-spy"
    if not spy.exists():
        sys.exit("--py-spy needs py-spy in the venv (pip install py-spy)")
    # Non-blocking sampling leaves the latencies nearly as they are; native frames
    # (which would show the garbage collector) would need the process paused.
    return subprocess.Popen(
        [str(spy), "record", "--subprocesses", "--nonblocking", "-r", "200",
         "-f", "raw", "-d", "600", "-p", str(pid), "-o", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=out.with_suffix(".log").open("w"),
    )  # fmt: skip


# ----------------------------------------------------------------------------


def first_delivery_p50(r: dict[str, Any]) -> float:
    """Median over the measured rounds of the earliest delivery: the per-event cost
    before the fan-out (auth, the control's transaction, the ack's path)."""
    firsts: list[float] = [min(x["latencies"]) for x in r["perRound"] if not x["warmup"]]
    return statistics.median(firsts)


def row(name: str, r: dict[str, Any]) -> str:
    s = r["summary"]
    return (
        f"{name:24} {s['p50']:7.1f} {s['p99']:7.1f} {s['max']:7.1f} {first_delivery_p50(r):9.1f} "
        f"{s['messagesPerSecond']:8,.0f} {s['delivered']:>7,}/{s['expected']:<7,} "
        f"{r['connectSeconds']:7.1f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=None, help="members (default 1000)")
    parser.add_argument("--rounds", type=int, default=None, help="measured seeks (default 30)")
    parser.add_argument("--quick", action="store_true", help="200 clients, 10 rounds")
    parser.add_argument("--only", choices=("cosmostream", "node"), default=None)
    parser.add_argument("--workers", type=int, default=1, help="driver worker threads")
    parser.add_argument("--batch", type=int, default=50, help="clients connecting at once")
    parser.add_argument("--keep", default="", help="directory for the driver's raw JSON")
    parser.add_argument(
        "--py-spy", default="", metavar="FILE", help="profile our server during the rounds"
    )
    args = parser.parse_args()
    args.clients = args.clients or (200 if args.quick else 1000)
    args.rounds = args.rounds or (10 if args.quick else 30)
    ensure_node_modules()
    load_start = os.getloadavg()[0]
    ours: dict[str, Any] | None = None
    anchors: dict[str, dict[str, Any]] = {}

    def node_run(name: str) -> None:
        with running_node_server() as url:
            anchors[name] = drive(url, str(uuid.uuid4()), None, args, tmp, name)

    with tempfile.TemporaryDirectory(prefix="cs-bench-fanout-") as tmp_name:
        tmp = Path(tmp_name)
        if args.only != "cosmostream":
            node_run("node-before")
        if args.only != "node":
            with running_server("web") as server:
                party = seed_party(server.env, args.clients)
                print(
                    f"seeded {args.clients} members with sessions and party {party.id} "
                    f"in {party.seeded_in:.1f} s"
                )
                pid = server_pid() if args.py_spy else None
                ours = drive(server.url, party.id, party.tokens, args, tmp, "cosmostream", pid)
            if args.only is None:
                node_run("node-after")
    node_version = subprocess.run([NODE or "node", "--version"], capture_output=True, text=True)
    print(
        f"\n{args.clients} clients in one party, {args.rounds} seeks {ROUND_INTERVAL_MS} ms apart "
        f"(+{WARMUP_ROUNDS} warm-up), driver: socket.io-client on Node "
        f"{node_version.stdout.strip()}, {args.workers} thread(s)"
    )
    print(
        f"load average (1 min): {load_start:.2f} at the start, {os.getloadavg()[0]:.2f} at the end"
    )
    print(
        f"\n{'server':24} {'p50 ms':>7} {'p99 ms':>7} {'max ms':>7} {'1st p50 ms':>9} "
        f"{'msg/s':>8} {'delivered':>15} {'join s':>7}"
    )
    rows = {f"Node socket.io ({k[5:]})": v for k, v in anchors.items()}
    if ours is not None:
        rows = {"CosmoStream (web)": ours, **rows}
    for name, r in rows.items():
        print(row(name, r))
    for name, r in rows.items():
        if r["otherEventsWhileJoining"] or r["summary"]["failedControls"]:
            print(
                f"  {name}: {r['otherEventsWhileJoining']:,} other events while joining, "
                f"{r['summary']['failedControls']} refused controls"
            )
    if ours and anchors:
        # The anchor is Node's better run: the stricter ratio, and the other run
        # shows how much the machine moved meanwhile.
        node = min(anchors.values(), key=lambda r: r["summary"]["p99"])
        p99, anchor = ours["summary"]["p99"], node["summary"]["p99"]
        ratio = p99 / anchor
        rate = ours["summary"]["messagesPerSecond"] / node["summary"]["messagesPerSecond"]
        complete = ours["summary"]["delivered"] == ours["summary"]["expected"]
        print(
            f"\nratio p99 ours / node (its better run): {ratio:.2f}; msg/s ours / node: {rate:.2f}"
        )
        met = ratio <= TARGET_RATIO and p99 <= TARGET_MS and complete
        print(
            f"target (p99 <= {TARGET_RATIO:g} x node and <= {TARGET_MS:g} ms, all delivered): "
            + ("met" if met else "NOT met")
        )


if __name__ == "__main__":
    main()
