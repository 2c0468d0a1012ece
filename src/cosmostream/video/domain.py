"""The video domain's contributions (see `cosmostream.registry`)."""

from cosmostream.registry import Domain
from cosmostream.video import api, media, pages, sockets, tasks
from cosmostream.video.gql import VideoMutation, VideoQuery

domain = Domain(
    "video",
    routers=[pages.router, api.router, media.router],
    query=VideoQuery,
    mutation=VideoMutation,
    sockets=sockets.install,
    tasks=[tasks],
)
