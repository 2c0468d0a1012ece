"""The forum domain's contributions (see `cosmostream.registry`)."""

from cosmostream.forum import pages, sockets
from cosmostream.forum.demo import load_demo_forum
from cosmostream.forum.gql import ForumMutation, ForumQuery
from cosmostream.registry import Domain, NavLink

domain = Domain(
    "forum",
    routers=[pages.router],
    query=ForumQuery,
    mutation=ForumMutation,
    sockets=sockets.install,
    nav=[NavLink("Forums", "/forums", 40)],
    demo=load_demo_forum,
)
