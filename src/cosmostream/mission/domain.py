"""The mission domain's contributions (see `cosmostream.registry`)."""

from cosmostream.mission import pages, sockets, tasks
from cosmostream.mission.gql import MissionQuery
from cosmostream.mission.service import mission_service
from cosmostream.registry import Domain, NavLink

domain = Domain(
    "mission",
    routers=[pages.router],
    query=MissionQuery,
    sockets=sockets.install,
    tasks=[tasks],
    nav=[NavLink("Missions", "/missions", 60)],
    demo=mission_service.load_demo,
)
