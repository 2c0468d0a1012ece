"""The search domain's contributions (see `cosmostream.registry`)."""

from cosmostream.registry import Domain
from cosmostream.search import pages
from cosmostream.search.gql import SearchQuery

domain = Domain("search", routers=[pages.router], query=SearchQuery)
