"""The GraphQL schema: one Query and one Mutation merged from the domains."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError
from strawberry.extensions import MaxAliasesLimiter, MaxTokensLimiter, QueryDepthLimiter
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext

from cosmostream.account.gql import AccountMutation, AccountQuery
from cosmostream.catalog import gql as catalog_gql
from cosmostream.catalog.gql import CatalogMutation, CatalogQuery
from cosmostream.config import get_settings
from cosmostream.engagement import gql as engagement_gql
from cosmostream.engagement.gql import EngagementMutation
from cosmostream.forum.gql import ForumMutation, ForumQuery
from cosmostream.graphql.errors import AppErrorMasker
from cosmostream.graphql.hubs import extend_hubs
from cosmostream.launch.gql import LaunchMutation, LaunchQuery
from cosmostream.mission.gql import MissionQuery
from cosmostream.news.gql import NewsQuery
from cosmostream.notification import gql as notification_gql
from cosmostream.notification.gql import NotificationMutation
from cosmostream.search.gql import SearchQuery
from cosmostream.sky.gql import SkyQuery
from cosmostream.video.gql import VideoMutation, VideoQuery
from cosmostream.watch_party.gql import WatchPartyMutation, WatchPartyQuery

Query = merge_types(
    "Query",
    (
        AccountQuery,
        VideoQuery,
        CatalogQuery,
        SearchQuery,
        ForumQuery,
        WatchPartyQuery,
        LaunchQuery,
        MissionQuery,
        NewsQuery,
        SkyQuery,
    ),
)
Mutation = merge_types(
    "Mutation",
    (
        AccountMutation,
        VideoMutation,
        CatalogMutation,
        NotificationMutation,
        EngagementMutation,
        ForumMutation,
        WatchPartyMutation,
        LaunchMutation,
    ),
)

# In domain order, which is the order of the fields they add to a hub.
HUB_FIELDS = (*catalog_gql.HUB_FIELDS, *notification_gql.HUB_FIELDS, *engagement_gql.HUB_FIELDS)


class Schema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        # Client errors are not ours to log; unexpected ones are logged by the masker.
        return None


def build_schema() -> strawberry.Schema:
    settings = get_settings()
    extend_hubs(HUB_FIELDS)
    return Schema(
        query=Query,
        mutation=Mutation,
        config=StrawberryConfig(auto_camel_case=True),
        extensions=[
            lambda: QueryDepthLimiter(max_depth=settings.graphql_max_depth),
            lambda: MaxTokensLimiter(max_token_count=settings.graphql_max_tokens),
            lambda: MaxAliasesLimiter(max_alias_count=settings.graphql_max_aliases),
            AppErrorMasker,
        ],
    )


schema = build_schema()
