"""Watch-party rules.

- A signed-in user who may watch a video starts a party on it and becomes its
  host; private videos only by their owner. The party's invite link carries a
  random token: only people holding it join, and a member removed by the host
  cannot come back with it.
- The server keeps the playback state (playing, position, rate, when). The
  host — or everyone, when the host allows it — changes it; every change bumps
  `seq` and reaches the room after commit.
- Every read of the party's video checks that the reader may watch it, by the
  watch page's rule (`video.policy.can_view`): a video made private leaves its
  parties for everyone but its owner and admins. An ended party hands out no
  media links at all. The party page answers 404, naming nothing, to anyone
  who is neither a member nor holds the invite, and to removed members.
- When the host is gone (left, or disconnected past the grace period) control
  passes to the member present longest; when nobody is present, the party ends.
"""

from __future__ import annotations

import hmac
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from cosmostream.account.people import people
from cosmostream.account.schemas import Actor, require_signed_in
from cosmostream.chat.schemas import clean_chat_body
from cosmostream.chat.service import chat_service
from cosmostream.errors import PermissionDenied, ValidationFailed
from cosmostream.kit.time import utcnow
from cosmostream.models import ChatMessage, Video, Visibility, WatchParty, WatchPartyMember
from cosmostream.video.errors import VideoNotFound
from cosmostream.video.policy import can_view
from cosmostream.video.repository import video_repository
from cosmostream.video.service import video_service
from cosmostream.watch_party import events
from cosmostream.watch_party.errors import (
    BadInvite,
    NotHost,
    NotInControl,
    NotInParty,
    RemovedFromParty,
    WatchPartyEnded,
    WatchPartyNotFound,
)
from cosmostream.watch_party.events import PARTY_CHAT
from cosmostream.watch_party.repository import party_repository
from cosmostream.watch_party.schemas import (
    Action,
    clean_position,
    clean_rate,
    live_position,
)


@dataclass(frozen=True)
class Visit:
    """What the party page shows its visitor."""

    party: WatchParty
    video: Video
    member: bool  # False: an invitation to join
    playable: bool  # False once the party has ended: no player, no media links


def can_control(actor: Actor | None, party: WatchParty) -> bool:
    return actor is not None and (party.everyone_controls or actor.id == party.host_id)


class WatchPartyService:
    # -- membership ------------------------------------------------------------

    async def start(
        self, session: AsyncSession, actor: Actor | None, video_id: uuid.UUID
    ) -> WatchParty:
        """Start a party on a video the actor may watch; the actor hosts it."""
        actor = require_signed_in(actor)
        video = await video_service.get(session, actor, video_id)
        if not video.playable:
            raise ValidationFailed("This video cannot be played yet.", field="videoId")
        if video.visibility is Visibility.PRIVATE and video.owner_id != actor.id:
            raise PermissionDenied("Only its owner can watch a private video with others.")
        now = utcnow()
        party = WatchParty(
            video_id=video.id,
            host_id=actor.id,
            invite_token=secrets.token_urlsafe(24),
            everyone_controls=False,
            playing=False,
            position=0.0,
            rate=1.0,
            state_at=now,
            seq=0,
            created_at=now,
        )
        session.add(party)
        await session.flush()
        session.add(WatchPartyMember(party_id=party.id, user_id=actor.id, joined_at=now))
        await session.flush()
        return party

    async def join(
        self, session: AsyncSession, actor: Actor | None, party_id: uuid.UUID, invite: str
    ) -> WatchParty:
        """Become a member with the party's invite token (joining twice is a no-op)."""
        actor = require_signed_in(actor)
        party = await self._live(session, party_id)
        member = await party_repository.member(session, party.id, actor.id)
        if member is not None:
            if member.removed_at is not None:
                raise RemovedFromParty()
            return party
        if not hmac.compare_digest(invite.encode(), party.invite_token.encode()):
            raise BadInvite()
        await self._viewable(session, actor, party)
        session.add(WatchPartyMember(party_id=party.id, user_id=actor.id, joined_at=utcnow()))
        await session.flush()
        events.member_joined(party, actor.user)
        return party

    async def get(
        self, session: AsyncSession, actor: Actor | None, party_id: uuid.UUID
    ) -> WatchParty:
        """A party, for its members only (ended parties included)."""
        actor = require_signed_in(actor)
        party = await self.find(session, party_id)
        await self._member(session, party, actor)
        return party

    async def find(
        self, session: AsyncSession, party_id: uuid.UUID, *, for_update: bool = False
    ) -> WatchParty:
        """A party by id, whoever asks (pages decide what a non-member sees)."""
        party = await party_repository.get(session, party_id, for_update=for_update)
        if party is None:
            raise WatchPartyNotFound()
        return party

    async def visit(
        self, session: AsyncSession, actor: Actor | None, party_id: uuid.UUID, invite: str | None
    ) -> Visit:
        """The party page: members see the party, others holding the invite an
        invitation to join. Everyone else (no or a wrong invite, removed, or unable
        to watch the video) finds nothing, so not even the video's title leaks."""
        actor = require_signed_in(actor)
        party = await self.find(session, party_id)
        member = await party_repository.member(session, party.id, actor.id)
        if member is not None and member.removed_at is not None:
            raise WatchPartyNotFound()
        if member is None and not (
            invite and hmac.compare_digest(invite.encode(), party.invite_token.encode())
        ):
            raise WatchPartyNotFound()
        try:
            video = await self._viewable(session, actor, party)
        except VideoNotFound:
            raise WatchPartyNotFound() from None
        return Visit(party, video, member=member is not None, playable=party.ended_at is None)

    async def authorize_room(
        self, session: AsyncSession, actor: Actor | None, party_id: uuid.UUID
    ) -> WatchParty:
        """May the actor be in the party's room now? Members of a live party who
        may still watch its video."""
        party = await self.get(session, actor, party_id)
        if party.ended_at is not None:
            raise WatchPartyEnded()
        await self._viewable(session, actor, party)
        return party

    async def members(self, session: AsyncSession, party: WatchParty) -> list[dict[str, object]]:
        """The members (not removed) with who is host, as sent to clients."""
        members = await party_repository.members(session, party.id)
        users = await people(session, (m.user_id for m in members))
        return events.members_payload(party, members, users)

    async def video(self, session: AsyncSession, actor: Actor | None, party: WatchParty) -> Video:
        """The party's video with its media links: only while the party lasts, and
        only for a reader who may watch it now (checked on every read)."""
        if party.ended_at is not None:
            raise WatchPartyEnded()
        return await self._viewable(session, actor, party)

    # -- playback --------------------------------------------------------------

    async def control(
        self,
        session: AsyncSession,
        actor: Actor | None,
        party_id: uuid.UUID,
        action: Action,
        position: float | None = None,
        rate: float | None = None,
    ) -> WatchParty:
        """Change the shared playback state: play, pause or seek at a position, or the speed."""
        actor = require_signed_in(actor)
        party = await self._live(session, party_id, for_update=True)
        await self._member(session, party, actor)
        if not can_control(actor, party):
            raise NotInControl()
        duration = await video_repository.duration(session, party.video_id)
        now = utcnow()
        current = live_position(party, now, duration)
        if party.playing and duration and current >= duration:
            # Playback ran off the end: every player has stopped there, so the
            # party is paused at the end; a seek back does not restart it.
            party.playing = False
        if action is Action.RATE:
            if rate is None:
                raise ValidationFailed("Say which speed.", field="rate")
            party.rate = clean_rate(rate)
            party.position = round(current, 3)
        else:
            party.position = current if position is None else clean_position(position, duration)
            if action is Action.PLAY:
                party.playing = True
            elif action is Action.PAUSE:
                party.playing = False
        party.state_at = now
        party.seq += 1
        await session.flush()
        events.state_changed(party, actor.id)
        return party

    # -- the host's powers -------------------------------------------------------

    async def transfer_host(
        self, session: AsyncSession, actor: Actor | None, party_id: uuid.UUID, user_id: uuid.UUID
    ) -> WatchParty:
        """Hand control to another member."""
        party = await self._hosted(session, actor, party_id)
        target = await party_repository.member(session, party.id, user_id)
        if target is None or target.removed_at is not None:
            raise NotInParty("That person is not in this party.")
        party.host_id = user_id
        await session.flush()
        await self._announce(session, party)
        return party

    async def set_everyone_controls(
        self, session: AsyncSession, actor: Actor | None, party_id: uuid.UUID, everyone: bool
    ) -> WatchParty:
        party = await self._hosted(session, actor, party_id)
        party.everyone_controls = everyone
        await session.flush()
        await self._announce(session, party)
        return party

    async def remove_member(
        self, session: AsyncSession, actor: Actor | None, party_id: uuid.UUID, user_id: uuid.UUID
    ) -> WatchParty:
        """Take a member out: they stop receiving at once and cannot rejoin."""
        party = await self._hosted(session, actor, party_id)
        if user_id == party.host_id:
            raise ValidationFailed("Hand over control before leaving.", field="userId")
        target = await party_repository.member(session, party.id, user_id)
        if target is None or target.removed_at is not None:
            raise NotInParty("That person is not in this party.")
        target.removed_at = utcnow()
        await session.flush()
        events.member_removed(party, user_id)
        await self._announce(session, party)
        return party

    async def reconcile(
        self, session: AsyncSession, party_id: uuid.UUID, present: Sequence[uuid.UUID]
    ) -> WatchParty | None:
        """Apply who is present now (in order of arrival): hand control on when the
        host has gone, end the party when nobody is left. Idempotent."""
        party = await party_repository.get(session, party_id, for_update=True)
        if party is None or party.ended_at is not None:
            return party
        members = {m.user_id for m in await party_repository.members(session, party.id)}
        here = [user_id for user_id in present if user_id in members]
        if not here:
            now = utcnow()
            party.position = live_position(party, now)
            party.playing = False
            party.state_at = now
            party.ended_at = now
            party.seq += 1
            await session.flush()
            events.ended(party)
            return party
        if party.host_id not in here:
            party.host_id = here[0]
            await session.flush()
            await self._announce(session, party)
        return party

    # -- chat --------------------------------------------------------------------

    async def post_message(
        self, session: AsyncSession, actor: Actor | None, party_id: uuid.UUID, body: str
    ) -> ChatMessage:
        """Store a chat message; it reaches the room only after it is committed."""
        actor = require_signed_in(actor)
        text = clean_chat_body(body)
        party = await self._live(session, party_id)
        await self._member(session, party, actor)
        return await chat_service.post(session, PARTY_CHAT, party.id, actor.user, text)

    async def delete_message(
        self, session: AsyncSession, actor: Actor | None, message_id: uuid.UUID
    ) -> ChatMessage:
        """Remove a message: its author, the host or an admin."""
        actor = require_signed_in(actor)
        message = await chat_service.message(session, PARTY_CHAT, message_id)
        party = await self.get(session, actor, PARTY_CHAT.room_id(message))
        moderator = actor.id == party.host_id or actor.is_admin
        return await chat_service.delete(
            session, PARTY_CHAT, message, actor.id, moderator=moderator
        )

    async def history(self, session: AsyncSession, party: WatchParty) -> list[dict[str, object]]:
        """The latest chat messages, as events carry them."""
        messages = await chat_service.history(session, PARTY_CHAT, party.id)
        return await chat_service.payloads(session, PARTY_CHAT, messages)

    # -- helpers -------------------------------------------------------------------

    async def _live(
        self, session: AsyncSession, party_id: uuid.UUID, *, for_update: bool = False
    ) -> WatchParty:
        party = await self.find(session, party_id, for_update=for_update)
        if party.ended_at is not None:
            raise WatchPartyEnded()
        return party

    async def _viewable(
        self, session: AsyncSession, actor: Actor | None, party: WatchParty
    ) -> Video:
        # The watch page's rule, not the party's: the video may have been made
        # private (or taken down) since the party started.
        video = await video_repository.get_full(session, party.video_id)
        if video is None or not can_view(actor, video):
            raise VideoNotFound()
        return video

    async def _member(self, session: AsyncSession, party: WatchParty, actor: Actor) -> None:
        member = await party_repository.member(session, party.id, actor.id)
        if member is None:
            raise NotInParty()
        if member.removed_at is not None:
            raise RemovedFromParty()

    async def _hosted(
        self, session: AsyncSession, actor: Actor | None, party_id: uuid.UUID
    ) -> WatchParty:
        actor = require_signed_in(actor)
        party = await self._live(session, party_id, for_update=True)
        if actor.id != party.host_id:
            await self._member(session, party, actor)
            raise NotHost()
        return party

    async def _announce(self, session: AsyncSession, party: WatchParty) -> None:
        events.party_changed(party, await self.members(session, party))


watch_party_service = WatchPartyService()
