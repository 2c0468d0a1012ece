"""GraphQL of watch parties: start, join, read and steer a party.

Playback in a browser goes over Socket.IO (`watch.*` events); these
operations give API clients the same powers, through the same service.
"""

from __future__ import annotations

import asyncio
import enum
import uuid
from datetime import datetime

import strawberry

from cosmostream.graphql.context import Info
from cosmostream.graphql.hubs import User, Video
from cosmostream.kit.ids import require_uuid
from cosmostream.models import WatchParty as WatchPartyModel
from cosmostream.video.errors import VideoNotFound
from cosmostream.watch_party.errors import NotInParty, WatchPartyNotFound
from cosmostream.watch_party.schemas import Action
from cosmostream.watch_party.service import watch_party_service


@strawberry.enum(description="A change to a party's playback.")
class WatchPartyAction(enum.Enum):
    PLAY = "play"
    PAUSE = "pause"
    SEEK = "seek"
    RATE = "rate"


@strawberry.type(description="The shared playback state, as of `updatedAt`.")
class WatchPartyState:
    playing: bool
    position: float = strawberry.field(description="Seconds from the start at `updatedAt`.")
    rate: float
    updated_at: datetime
    seq: int = strawberry.field(description="Bumped on every change.")


@strawberry.type
class WatchPartyMember:
    user: User
    host: bool


@strawberry.type
class WatchParty:
    model: strawberry.Private[WatchPartyModel]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.model.id))

    @strawberry.field
    def everyone_controls(self) -> bool:
        return self.model.everyone_controls

    @strawberry.field
    def ended_at(self) -> datetime | None:
        return self.model.ended_at

    @strawberry.field
    def created_at(self) -> datetime:
        return self.model.created_at

    @strawberry.field(description="The link that lets a signed-in person join.")
    def invite_url(self, info: Info) -> str:
        base = info.context.settings.base_url.rstrip("/")
        return f"{base}/watch-party/{self.model.id}?invite={self.model.invite_token}"

    @strawberry.field
    def state(self) -> WatchPartyState:
        m = self.model
        return WatchPartyState(
            playing=m.playing, position=m.position, rate=m.rate, updated_at=m.state_at, seq=m.seq
        )

    @strawberry.field
    async def host(self, info: Info) -> User | None:
        user = await info.context.loaders.users.load(self.model.host_id)
        return User(model=user) if user else None

    @strawberry.field(
        description="The video with its media links: null (with the reason in `errors`) "
        "once the party has ended, or when you may not watch it now."
    )
    async def video(self, info: Info) -> Video | None:
        async with info.context.db.read() as session:
            video = await watch_party_service.video(session, info.context.actor, self.model)
        return Video(model=video)

    @strawberry.field(description="Members in order of joining (removed ones left out).")
    async def members(self, info: Info) -> list[WatchPartyMember]:
        async with info.context.db.read() as session:
            members = await watch_party_service.members(session, self.model)
        loads = [info.context.loaders.users.load(uuid.UUID(str(m["id"]))) for m in members]
        users = await asyncio.gather(*loads)
        return [
            WatchPartyMember(user=User(model=u), host=bool(m["host"]))
            for m, u in zip(members, users, strict=True)
            if u is not None
        ]


@strawberry.type
class WatchPartyQuery:
    @strawberry.field(description="A party you are a member of.")
    async def watch_party(self, info: Info, id: strawberry.ID) -> WatchParty:
        actor = info.context.require_actor()
        async with info.context.db.read() as session:
            party = await watch_party_service.get(
                session, actor, require_uuid(id, WatchPartyNotFound)
            )
        return WatchParty(model=party)


@strawberry.type
class WatchPartyMutation:
    @strawberry.mutation(description="Start a party on a video; you host it.")
    async def start_watch_party(self, info: Info, video_id: strawberry.ID) -> WatchParty:
        actor = info.context.require_actor()
        async with info.context.unit_of_work() as session:
            party = await watch_party_service.start(
                session, actor, require_uuid(video_id, VideoNotFound)
            )
        return WatchParty(model=party)

    @strawberry.mutation(description="Join a party with the token of its invite link.")
    async def join_watch_party(self, info: Info, id: strawberry.ID, invite: str) -> WatchParty:
        actor = info.context.require_actor()
        pid = require_uuid(id, WatchPartyNotFound)
        async with info.context.unit_of_work() as session:
            party = await watch_party_service.join(session, actor, pid, invite)
        return WatchParty(model=party)

    @strawberry.mutation(description="Play, pause or seek at `position`, or change the speed.")
    async def control_watch_party(
        self,
        info: Info,
        id: strawberry.ID,
        action: WatchPartyAction,
        position: float | None = None,
        rate: float | None = None,
    ) -> WatchParty:
        actor = info.context.require_actor()
        pid = require_uuid(id, WatchPartyNotFound)
        async with info.context.unit_of_work() as session:
            party = await watch_party_service.control(
                session, actor, pid, Action(action.value), position, rate
            )
        return WatchParty(model=party)

    @strawberry.mutation(description="Hand control to another member (host only).")
    async def transfer_watch_party_host(
        self, info: Info, id: strawberry.ID, user_id: strawberry.ID
    ) -> WatchParty:
        actor = info.context.require_actor()
        pid, uid = require_uuid(id, WatchPartyNotFound), require_uuid(user_id, NotInParty)
        async with info.context.unit_of_work() as session:
            party = await watch_party_service.transfer_host(session, actor, pid, uid)
        return WatchParty(model=party)

    @strawberry.mutation(description="Let everyone control playback, or only the host.")
    async def set_watch_party_control(
        self, info: Info, id: strawberry.ID, everyone: bool
    ) -> WatchParty:
        actor = info.context.require_actor()
        pid = require_uuid(id, WatchPartyNotFound)
        async with info.context.unit_of_work() as session:
            party = await watch_party_service.set_everyone_controls(session, actor, pid, everyone)
        return WatchParty(model=party)

    @strawberry.mutation(description="Remove a member (host only); they cannot rejoin.")
    async def remove_watch_party_member(
        self, info: Info, id: strawberry.ID, user_id: strawberry.ID
    ) -> WatchParty:
        actor = info.context.require_actor()
        pid, uid = require_uuid(id, WatchPartyNotFound), require_uuid(user_id, NotInParty)
        async with info.context.unit_of_work() as session:
            party = await watch_party_service.remove_member(session, actor, pid, uid)
        return WatchParty(model=party)
