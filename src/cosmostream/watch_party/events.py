"""Realtime events of watch parties, sent to `watch:<id>` (and `user:<id>`) after commit."""

from __future__ import annotations

import uuid
from typing import Any

from cosmostream import effects
from cosmostream.account.people import person
from cosmostream.chat.schemas import ChatRoom
from cosmostream.models import ChatMessage, User, WatchParty, WatchPartyMember
from cosmostream.watch_party.errors import PartyMessageNotFound
from cosmostream.watch_party.schemas import epoch_ms

STATE = "watch.state"
PARTY = "watch.party"
MEMBER = "watch.member"
PRESENCE = "watch.presence"
REMOVED = "watch.removed"
ENDED = "watch.ended"


# The party's chat: `watch.chat.message` and `watch.chat.deleted` events,
# `watch.chat.send` and `watch.chat.delete` socket events.
PARTY_CHAT = ChatRoom(
    kind="watch",
    key="partyId",
    events="watch.chat",
    column=ChatMessage.party_id,
    not_found=PartyMessageNotFound,
)


def party_room(party_id: uuid.UUID | str) -> str:
    return PARTY_CHAT.room(party_id)


def state_payload(party: WatchParty) -> dict[str, Any]:
    return {
        "playing": party.playing,
        "position": party.position,
        "rate": party.rate,
        "updatedAt": epoch_ms(party.state_at),
        "seq": party.seq,
    }


def party_payload(party: WatchParty) -> dict[str, Any]:
    return {
        "id": str(party.id),
        "videoId": str(party.video_id),
        "hostId": str(party.host_id),
        "everyoneControls": party.everyone_controls,
        "endedAt": party.ended_at.isoformat() if party.ended_at else None,
    }


def members_payload(
    party: WatchParty, members: list[WatchPartyMember], users: dict[uuid.UUID, User]
) -> list[dict[str, Any]]:
    return [
        {**person(users[m.user_id]), "host": m.user_id == party.host_id}
        for m in members
        if m.user_id in users
    ]


def state_changed(party: WatchParty, by: uuid.UUID) -> None:
    effects.publish(
        party_room(party.id),
        STATE,
        {"partyId": str(party.id), "state": state_payload(party), "by": str(by)},
    )


def party_changed(party: WatchParty, members: list[dict[str, Any]]) -> None:
    effects.publish(
        party_room(party.id),
        PARTY,
        {"partyId": str(party.id), "party": party_payload(party), "members": members},
    )


def member_joined(party: WatchParty, user: User) -> None:
    # Only the newcomer: a party of a thousand must not resend its whole list per arrival.
    effects.publish(
        party_room(party.id),
        MEMBER,
        {"partyId": str(party.id), "member": {**person(user), "host": False}},
    )


def member_removed(party: WatchParty, user_id: uuid.UUID) -> None:
    # Out of the room first, on every process, then told why: nothing sent to
    # the party after this reaches them.
    effects.remove_from_room(user_id, party_room(party.id))
    effects.publish(f"user:{user_id}", REMOVED, {"partyId": str(party.id)})


def ended(party: WatchParty) -> None:
    effects.publish(party_room(party.id), ENDED, {"partyId": str(party.id)})
