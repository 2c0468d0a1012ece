"""GraphQL of watch parties: who may do what (anonymous, outsider, member, host,
admin), the state it returns, and bad input. SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from cosmostream.db import Database
from cosmostream.models import Role, User
from cosmostream.watch_party.repository import party_repository
from tests.factories import gql, login, make_user, make_video

PARTY = """
fragment P on WatchParty {
  id everyoneControls endedAt inviteUrl
  state { playing position rate seq }
  host { id } video { id title } members { user { displayName } host }
}
"""
START = PARTY + "mutation($v: ID!) { startWatchParty(videoId: $v) { ...P } }"
JOIN = PARTY + "mutation($id: ID!, $i: String!) { joinWatchParty(id: $id, invite: $i) { ...P } }"
READ = PARTY + "query($id: ID!) { watchParty(id: $id) { ...P } }"
CONTROL = (
    PARTY
    + """mutation($id: ID!, $a: WatchPartyAction!, $p: Float, $r: Float) {
  controlWatchParty(id: $id, action: $a, position: $p, rate: $r) { ...P } }"""
)
TRANSFER = (
    PARTY + "mutation($id: ID!, $u: ID!) { transferWatchPartyHost(id: $id, userId: $u) { ...P } }"
)
MODE = (
    PARTY
    + "mutation($id: ID!, $e: Boolean!) { setWatchPartyControl(id: $id, everyone: $e) { ...P } }"
)
REMOVE = (
    PARTY + "mutation($id: ID!, $u: ID!) { removeWatchPartyMember(id: $id, userId: $u) { ...P } }"
)

WHO = ("anonymous", "outsider", "member", "host", "admin")


@dataclass
class World:
    db: Database
    client: httpx.AsyncClient
    users: dict[str, User]
    tokens: dict[str, str]
    video_id: str

    async def call(self, who: str, query: str, **variables: Any) -> Any:
        response = await gql(self.client, query, variables, token=self.tokens.get(who))
        assert response.status_code == 200, response.text
        return response.json()


def code(body: Any) -> str | None:
    errors = body.get("errors") or []
    return errors[0]["extensions"].get("code") if errors else None


@pytest.fixture
async def world(db: Database, client: httpx.AsyncClient) -> World:
    users, tokens = {}, {}
    for who in WHO[1:]:
        role = Role.ADMIN if who == "admin" else Role.VIEWER
        users[who] = await make_user(db, role=role, name=who.title())
        tokens[who] = (await login(db, users[who])).access_token
    creator = await make_user(db, role=Role.CREATOR)
    video = await make_video(db, creator, title="Artemis II launch", duration=600.0)
    return World(db, client, users, tokens, str(video.id))


async def started(world: World) -> dict[str, Any]:
    body = await world.call("host", START, v=world.video_id)
    party: dict[str, Any] = body["data"]["startWatchParty"]
    invite = party["inviteUrl"].split("invite=")[1]
    joined = await world.call("member", JOIN, id=party["id"], i=invite)
    assert not joined.get("errors"), joined
    return party


async def test_start_and_join(world: World) -> None:
    anonymous = await world.call("anonymous", START, v=world.video_id)
    assert code(anonymous) == "not_authenticated"
    party = await started(world)
    assert party["host"]["id"] == str(world.users["host"].id)
    assert party["video"]["title"] == "Artemis II launch"
    assert party["state"] == {"playing": False, "position": 0.0, "rate": 1.0, "seq": 0}
    assert party["inviteUrl"].startswith("http")
    body = await world.call("member", READ, id=party["id"])
    assert [
        (m["user"]["displayName"], m["host"]) for m in body["data"]["watchParty"]["members"]
    ] == [
        ("Host", True),
        ("Member", False),
    ]
    wrong = await world.call("outsider", JOIN, id=party["id"], i="not-the-token")
    assert code(wrong) == "bad_invite"
    missing = await world.call("host", START, v="00000000-0000-7000-8000-000000000000")
    assert code(missing) == "video_not_found"


@pytest.mark.parametrize("who", WHO)
async def test_who_reads_and_controls(world: World, who: str) -> None:
    party = await started(world)
    read = await world.call(who, READ, id=party["id"])
    control = await world.call(who, CONTROL, id=party["id"], a="SEEK", p=30.0)
    expected_read = {
        "anonymous": "not_authenticated",
        "outsider": "not_in_party",
        "member": None,
        "host": None,
        "admin": "not_in_party",  # parties are private to their members, admins included
    }[who]
    expected_control = {**{"member": "not_in_control"}}.get(who, expected_read)
    assert code(read) == expected_read, read
    assert code(control) == expected_control, control
    async with world.db.read() as session:
        import uuid

        stored = await party_repository.get(session, uuid.UUID(party["id"]))
    assert stored is not None
    assert stored.seq == (1 if who == "host" else 0)


@pytest.mark.parametrize("who", WHO)
async def test_only_the_host_hands_over_changes_mode_and_removes(world: World, who: str) -> None:
    party = await started(world)
    member_id = str(world.users["member"].id)
    results = [
        await world.call(who, MODE, id=party["id"], e=True),
        await world.call(who, TRANSFER, id=party["id"], u=member_id),
    ]
    allowed = who == "host"
    for body in results:
        assert (code(body) is None) == allowed, (who, body)
    if allowed:
        assert results[-1]["data"]["transferWatchPartyHost"]["host"]["id"] == member_id
        # The new host removes the former one, who can no longer read the party.
        removed = await world.call("member", REMOVE, id=party["id"], u=str(world.users["host"].id))
        assert code(removed) is None, removed
        assert code(await world.call("host", READ, id=party["id"])) == "removed_from_party"
    else:
        removal = await world.call(who, REMOVE, id=party["id"], u=member_id)
        assert code(removal) is not None


async def test_control_validates_and_computes_the_state(world: World) -> None:
    party = await started(world)
    pid = party["id"]
    bad = [
        {"a": "SEEK", "p": -1.0},
        {"a": "RATE", "r": 3.0},
        {"a": "RATE"},
    ]
    for variables in bad:
        body = await world.call("host", CONTROL, id=pid, **variables)
        assert code(body) == "validation_failed", (variables, body)
    body = await world.call("host", CONTROL, id=pid, a="PLAY", p=12.5)
    state = body["data"]["controlWatchParty"]["state"]
    assert state == {"playing": True, "position": 12.5, "rate": 1.0, "seq": 1}
    body = await world.call("host", CONTROL, id=pid, a="RATE", r=2.0)
    state = body["data"]["controlWatchParty"]["state"]
    assert state["rate"] == 2.0 and state["playing"] and state["position"] >= 12.5
    body = await world.call("host", CONTROL, id=pid, a="SEEK", p=10_000.0)
    assert body["data"]["controlWatchParty"]["state"]["position"] == 600.0
    garbage = await world.call("host", CONTROL, id="nope", a="PLAY")
    assert code(garbage) == "watch_party_not_found"


async def test_a_seek_after_the_end_stays_paused(world: World) -> None:
    party = await started(world)
    pid = party["id"]
    # Playing from the very end: the video has ended for everyone at once.
    body = await world.call("host", CONTROL, id=pid, a="PLAY", p=600.0)
    assert body["data"]["controlWatchParty"]["state"]["playing"] is True
    body = await world.call("host", CONTROL, id=pid, a="SEEK", p=30.0)
    state = body["data"]["controlWatchParty"]["state"]
    assert (state["playing"], state["position"]) == (False, 30.0)
    # Pressing play is what starts it again.
    body = await world.call("host", CONTROL, id=pid, a="PLAY", p=30.0)
    assert body["data"]["controlWatchParty"]["state"]["playing"] is True
