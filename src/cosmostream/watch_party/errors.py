from __future__ import annotations

from cosmostream.errors import Conflict, NotFound, PermissionDenied


class WatchPartyNotFound(NotFound):
    code = "watch_party_not_found"
    message = "That watch party does not exist."


class WatchPartyEnded(Conflict):
    code = "watch_party_ended"
    message = "This watch party has ended."


class BadInvite(PermissionDenied):
    code = "bad_invite"
    message = "That invite link is not valid for this party."


class NotInParty(PermissionDenied):
    code = "not_in_party"
    message = "Only members of this party can do that."


class RemovedFromParty(PermissionDenied):
    code = "removed_from_party"
    message = "The host removed you from this party."


class NotInControl(PermissionDenied):
    code = "not_in_control"
    message = "Only the host controls playback in this party."


class NotHost(PermissionDenied):
    code = "not_host"
    message = "Only the host can do that."


class PartyMessageNotFound(NotFound):
    code = "party_message_not_found"
    message = "That message does not exist."
