"""The engagement domain's contributions (see `cosmostream.registry`)."""

from cosmostream.engagement import api, pages, tasks
from cosmostream.engagement.gql import HUB_FIELDS, EngagementMutation
from cosmostream.registry import Domain

domain = Domain(
    "engagement",
    routers=[pages.router, api.router],
    mutation=EngagementMutation,
    tasks=[tasks],
    hub_fields=HUB_FIELDS,
)
