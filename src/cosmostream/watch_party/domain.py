"""The watch-party domain's contributions (see `cosmostream.registry`)."""

from cosmostream.registry import Domain
from cosmostream.watch_party import pages, sockets
from cosmostream.watch_party.gql import WatchPartyMutation, WatchPartyQuery

domain = Domain(
    "watch_party",
    routers=[pages.router],
    query=WatchPartyQuery,
    mutation=WatchPartyMutation,
    sockets=sockets.install,
)
