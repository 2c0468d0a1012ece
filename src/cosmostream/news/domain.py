"""The news domain's contributions (see `cosmostream.registry`)."""

from cosmostream.news import pages, tasks
from cosmostream.news.fixtures import load_demo_news
from cosmostream.news.gql import NewsQuery
from cosmostream.registry import Domain, NavLink

domain = Domain(
    "news",
    routers=[pages.router],
    query=NewsQuery,
    tasks=[tasks],
    nav=[NavLink("News", "/news", 70)],
    demo=load_demo_news,
)
