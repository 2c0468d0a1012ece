"""The GraphQL schema: one Query and one Mutation merged from the domains, in their order."""

from __future__ import annotations

from functools import cache

import strawberry
from graphql import GraphQLError
from strawberry.extensions import MaxAliasesLimiter, MaxTokensLimiter, QueryDepthLimiter
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext

from cosmostream import domains
from cosmostream.config import get_settings
from cosmostream.graphql.cost import QueryCostLimiter
from cosmostream.graphql.errors import AppErrorMasker
from cosmostream.graphql.execution import ParseLargeDocumentsInThread, SlicedExecutionContext
from cosmostream.graphql.hubs import extend_hubs
from cosmostream.graphql.text import BadTextGuard
from cosmostream.registry import Domain


def _root(name: str, parts: list[type | None]) -> type:
    """One root type from the domains' parts, their fields in the domains' order."""
    return merge_types(name, tuple(part for part in parts if part is not None))


class Schema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        # Client errors are not ours to log; unexpected ones are logged by the masker.
        return None


def build_schema() -> strawberry.Schema:
    """The schema of the registered domains (built once per set of domains)."""
    return _schema_of(domains.all_domains())


@cache
def _schema_of(every: tuple[Domain, ...]) -> strawberry.Schema:
    settings = get_settings()
    # In domain order, which is the order of the fields they add to a hub.
    extend_hubs([fields for domain in every for fields in domain.hub_fields])
    return Schema(
        query=_root("Query", [domain.query for domain in every]),
        mutation=_root("Mutation", [domain.mutation for domain in every]),
        types=[t for domain in every for t in domain.gql_types],
        config=StrawberryConfig(auto_camel_case=True),
        execution_context_class=SlicedExecutionContext,
        extensions=[
            ParseLargeDocumentsInThread,
            lambda: QueryDepthLimiter(max_depth=settings.graphql_max_depth),
            lambda: MaxTokensLimiter(max_token_count=settings.graphql_max_tokens),
            lambda: MaxAliasesLimiter(max_alias_count=settings.graphql_max_aliases),
            # Runs before the validation rules, some of which walk every fragment spread.
            lambda: QueryCostLimiter(
                max_cost=settings.graphql_max_cost, max_fields=settings.graphql_max_fields
            ),
            BadTextGuard,
            AppErrorMasker,
        ],
    )


schema = build_schema()
