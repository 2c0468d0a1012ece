"""Who gets a party's video and its media links, by role, after the owner makes
the video private and after the party ends: GraphQL, the party page, the media
itself. (The socket room: tests/watch_party/test_sockets.py.) SQLite and PostgreSQL."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from cosmostream.config import Settings
from cosmostream.db import Database
from cosmostream.models import Role, User, Visibility
from cosmostream.video.schemas import VideoUpdate
from cosmostream.video.service import video_service
from cosmostream.watch_party.service import watch_party_service
from tests.catalog.conftest import browser_login
from tests.factories import actor, gql, login, make_user, make_video

TITLE = "Europa Clipper flyby"
READ = "query($id: ID!) { watchParty(id: $id) { id video { title hlsUrl posterUrl } } }"
JOIN = "mutation($id: ID!, $i: String!) { joinWatchParty(id: $id, invite: $i) { id } }"

# "member" and "admin" joined with the invite; "owner" (of the video) too;
# "outsider" holds the invite but has not joined; "host" started the party.
ROLES = ("anonymous", "member", "outsider", "owner", "host", "admin")


@dataclass
class World:
    app: Any
    db: Database
    client: httpx.AsyncClient
    users: dict[str, User]
    tokens: dict[str, str]
    video_id: uuid.UUID
    party_id: uuid.UUID
    invite: str

    async def read(self, who: str) -> str:
        """What GraphQL gives `who` for the party's video: "plays" when it hands out
        a media link the media route answers 200 to, else the error code."""
        body = (
            await gql(self.client, READ, {"id": str(self.party_id)}, token=self.tokens.get(who))
        ).json()
        party = (body.get("data") or {}).get("watchParty")
        video = party and party["video"]
        if video is None:
            return str(body["errors"][0]["extensions"]["code"])
        assert video["title"] == TITLE and not body.get("errors"), body
        media = await self.client.get(video["hlsUrl"])
        return "plays" if media.status_code == 200 else f"media {media.status_code}"

    async def page(self, who: str) -> str:
        """What the party page (opened with the invite link) shows `who`."""
        async with self.browser(who) as browser:
            response = await browser.get(f"/watch-party/{self.party_id}?invite={self.invite}")
        if response.status_code != 200:
            assert TITLE not in response.text
            return str(response.status_code)
        html = response.text
        kind = "party" if "data-party " in html or "data-party\n" in html else "invite"
        links = re.findall(r'(?:src|poster)="(/media/[^"]+)"', html)
        assert TITLE in html
        return f"{kind} with media" if links else kind

    @asynccontextmanager
    async def browser(self, who: str) -> AsyncIterator[httpx.AsyncClient]:
        transport = httpx.ASGITransport(app=self.app, client=("203.0.113.9", 50001))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            if who in self.users:
                await browser_login(c, self.users[who])
            yield c

    async def matrix(self) -> dict[str, tuple[str, str]]:
        return {who: (await self.read(who), await self.page(who)) for who in ROLES}


@pytest.fixture
async def world(app: Any, db: Database, client: httpx.AsyncClient, settings: Settings) -> World:
    users: dict[str, User] = {}
    for who in ROLES[1:]:
        role = {"owner": Role.CREATOR, "admin": Role.ADMIN}.get(who, Role.VIEWER)
        users[who] = await make_user(db, role=role, name=who.title())
    tokens = {who: (await login(db, user)).access_token for who, user in users.items()}
    # Unlisted: every media link carries a token, as for a private video.
    video = await make_video(db, users["owner"], title=TITLE, visibility="unlisted")
    playlist = settings.media_dir / "hls" / str(video.id) / "master.m3u8"
    playlist.parent.mkdir(parents=True)
    playlist.write_text("#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:4,\nseg0.ts\n#EXT-X-ENDLIST\n")
    async with db.unit_of_work() as session:
        party = await watch_party_service.start(session, actor(users["host"]), video.id)
    for who in ("member", "owner", "admin"):
        async with db.unit_of_work() as session:
            await watch_party_service.join(session, actor(users[who]), party.id, party.invite_token)
    return World(app, db, client, users, tokens, video.id, party.id, party.invite_token)


async def test_before_anything_changes_members_watch(world: World) -> None:
    assert await world.matrix() == {
        "anonymous": ("not_authenticated", "303"),
        "member": ("plays", "party with media"),
        "outsider": ("not_in_party", "invite"),
        "owner": ("plays", "party with media"),
        "host": ("plays", "party with media"),
        "admin": ("plays", "party with media"),
    }


async def test_a_video_made_private_leaves_the_party(world: World) -> None:
    async with world.db.unit_of_work() as session:
        await video_service.update(
            session,
            actor(world.users["owner"]),
            world.video_id,
            VideoUpdate(visibility=Visibility.PRIVATE),
        )
    # Only those who may watch a private video (its owner, admins) still get it.
    assert await world.matrix() == {
        "anonymous": ("not_authenticated", "303"),
        "member": ("video_not_found", "404"),
        "outsider": ("not_in_party", "404"),
        "owner": ("plays", "party with media"),
        "host": ("video_not_found", "404"),
        "admin": ("plays", "party with media"),
    }
    # The old invite no longer lets anyone in.
    joined = await gql(
        world.client,
        JOIN,
        {"id": str(world.party_id), "i": world.invite},
        token=world.tokens["outsider"],
    )
    assert joined.json()["errors"][0]["extensions"]["code"] == "video_not_found"


async def test_an_ended_party_hands_out_no_media_links(world: World) -> None:
    async with world.db.unit_of_work() as session:
        ended = await watch_party_service.reconcile(session, world.party_id, present=[])
    assert ended is not None and ended.ended_at is not None
    assert await world.matrix() == {
        "anonymous": ("not_authenticated", "303"),
        "member": ("watch_party_ended", "party"),
        "outsider": ("not_in_party", "invite"),
        "owner": ("watch_party_ended", "party"),
        "host": ("watch_party_ended", "party"),
        "admin": ("watch_party_ended", "party"),
    }


async def test_wrong_invite_and_removed_members_find_nothing(world: World) -> None:
    async with world.db.unit_of_work() as session:
        await watch_party_service.remove_member(
            session, actor(world.users["host"]), world.party_id, world.users["member"].id
        )
    for who, invite in (("outsider", "not-the-invite"), ("outsider", ""), ("member", world.invite)):
        async with world.browser(who) as browser:
            response = await browser.get(f"/watch-party/{world.party_id}?invite={invite}")
        assert response.status_code == 404, (who, invite)
        assert TITLE not in response.text
