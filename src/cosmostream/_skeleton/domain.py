"""What the domain adds to the platform; listed once in `cosmostream.domains`."""

from cosmostream._skeleton import pages, tasks
from cosmostream._skeleton.gql import SkeletonMutation, SkeletonQuery
from cosmostream.registry import Domain, NavLink

domain = Domain(
    "_skeleton",
    routers=[pages.router],
    query=SkeletonQuery,
    mutation=SkeletonMutation,
    tasks=[tasks],
    nav=[NavLink("Skeleton", "/skeleton", 90)],
)
