"""The catalog domain's contributions (see `cosmostream.registry`)."""

from cosmostream.catalog import pages, tasks
from cosmostream.catalog.demo import load_demo_categories
from cosmostream.catalog.gql import HUB_FIELDS, CatalogMutation, CatalogQuery
from cosmostream.registry import Domain, NavLink

domain = Domain(
    "catalog",
    routers=[pages.router],
    query=CatalogQuery,
    mutation=CatalogMutation,
    tasks=[tasks],
    nav=[
        NavLink("Browse", "/browse", 10),
        NavLink("Discover", "/discover", 20),
        NavLink("Categories", "/categories", 30),
    ],
    demo=load_demo_categories,
    hub_fields=HUB_FIELDS,
)
