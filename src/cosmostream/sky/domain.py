"""The sky domain's contributions (see `cosmostream.registry`)."""

from cosmostream.registry import Domain, NavLink
from cosmostream.sky import pages
from cosmostream.sky.gql import SkyQuery

domain = Domain(
    "sky",
    routers=[pages.router],
    query=SkyQuery,
    nav=[NavLink("Sky map", "/sky-map", 50)],
)
