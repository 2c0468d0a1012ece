"""The launch domain's contributions (see `cosmostream.registry`)."""

from cosmostream.launch import pages, tasks
from cosmostream.launch.fixtures import load_demo_launches
from cosmostream.launch.gql import LaunchMutation, LaunchQuery
from cosmostream.registry import Domain

domain = Domain(
    "launch",
    routers=[pages.router],
    query=LaunchQuery,
    mutation=LaunchMutation,
    tasks=[tasks],
    demo=load_demo_launches,
)
