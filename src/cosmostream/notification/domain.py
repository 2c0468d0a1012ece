"""The notification domain's contributions (see `cosmostream.registry`)."""

from cosmostream.notification import pages, tasks
from cosmostream.notification.gql import HUB_FIELDS, NotificationMutation
from cosmostream.registry import Domain, Middleware

domain = Domain(
    "notification",
    routers=[pages.router],
    mutation=NotificationMutation,
    tasks=[tasks],
    # The header bell's count, read once per page view.
    middleware=[Middleware(pages.UnreadBadgeMiddleware)],
    hub_fields=HUB_FIELDS,
)
