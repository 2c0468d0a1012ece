"""GraphQL cost limit: list fields multiply by their page size, fragments are bounded."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from graphql import (
    get_introspection_query,
    get_named_type,
    get_nullable_type,
    is_leaf_type,
    is_list_type,
    is_object_type,
    parse,
)

from cosmostream.config import get_settings
from cosmostream.db import Database
from cosmostream.graphql.cost import (
    CONNECTION_LISTS,
    LIST_SIZES,
    PAGE_SIZE_ARGUMENTS,
    measure,
)
from cosmostream.graphql.schema import schema
from cosmostream.models import Role
from tests.factories import gql, make_user, make_video

ROOT = Path(__file__).resolve().parents[2]


def cost(query: str, variables: dict[str, Any] | None = None) -> int:
    return measure(schema._schema, parse(query), variables).cost


def nested_up_next(levels: int) -> str:
    return (
        "{ videos(first: 1) { nodes { "
        + "upNext(first: 24) { " * levels
        + "id"
        + " }" * levels
        + " } } }"
    )


def fragment_bomb(count: int = 21) -> str:
    """Each fragment spreads the next twice: 2**count fields once expanded."""
    fragments = [f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(count - 1)]
    fragments.append(f"fragment F{count - 1} on Query {{ categories {{ id }} }}")
    return "{ ...F0 } " + " ".join(fragments)


def test_list_fields_multiply_by_their_page_size() -> None:
    assert cost("{ videos(first: 10) { nodes { id title } } }") == 1 + 10 * (1 + 2)
    # Without `first`, the argument's default page size (24) counts.
    assert cost("{ videos { nodes { id } } }") == 1 + 24 * 2
    # Connections count their page once, not again for edges and nodes.
    assert cost("{ videos(first: 10) { edges { node { id } } } }") == 1 + 10 * (1 + 2)
    # Nested lists multiply; lists without an argument count their maximum.
    assert cost("{ trending(first: 5) { upNext(first: 4) { id } } }") == 1 + 5 * (1 + 4 * 1)
    assert cost("{ categories { id } }") == 1 + LIST_SIZES["Query.categories"]
    # No list serves more than 100 a page, so a larger page costs no more.
    assert cost("{ trending(first: 100000) { id } }") == 1 + 100


def test_variables_aliases_and_fragments_add_up() -> None:
    query = "query($n: Int!) { trending(first: $n) { id } }"
    assert cost(query, {"n": 50}) == 1 + 50
    assert cost("query($n: Int = 7) { trending(first: $n) { id } }") == 1 + 7
    aliased = "{ a: trending(first: 10) { id } b: trending(first: 10) { id } }"
    assert cost(aliased) == 2 * (1 + 10)
    spread = (
        "{ trending(first: 10) { ...V } staffPicks(first: 2) { ...V } } "
        "fragment V on Video { id upNext(first: 3) { id } }"
    )
    assert cost(spread) == (1 + 10 * 5) + (1 + 2 * 5)


def test_every_list_field_has_a_size() -> None:
    """A new list field needs a page-size argument or an entry in LIST_SIZES."""
    unsized = []
    for name, type_ in schema._schema.type_map.items():
        if name.startswith("__") or not is_object_type(type_):
            continue
        for field_name, field in type_.fields.items():
            key = f"{name}.{field_name}"
            if (
                is_list_type(get_nullable_type(field.type))
                and not is_leaf_type(get_named_type(field.type))
                and field_name not in CONNECTION_LISTS
                and not set(PAGE_SIZE_ARGUMENTS) & set(field.args)
                and key not in LIST_SIZES
            ):
                unsized.append(key)
    assert unsized == []


def _page_queries() -> list[tuple[str, str]]:
    """Every GraphQL document in the front end's JavaScript and in the docs."""
    found = []
    for path in sorted((ROOT / "frontend" / "src").rglob("*.js")):
        text = path.read_text()
        for match in re.finditer(r"([`\"'])((?:query|mutation)\b.*?|\{ \w+[ ({].*?)\1", text, re.S):
            body = match.group(2)
            if "{" in body and "}" in body:
                # `${field}` picks one of a few fields: any name costs the same.
                found.append((path.name, re.sub(r"\$\{[^}]*\}", "field", body)))
    for path in sorted((ROOT / "docs").glob("*.md")):
        text = path.read_text()
        for block in re.findall(r"```graphql\n(.*?)```", text, re.S):
            found.append((path.name, block))
        for body in re.findall(r'"query": "((?:[^"\\]|\\.)*)"', text):
            found.append((path.name, body.replace('\\"', '"')))
    found.append(("GraphiQL", get_introspection_query()))
    return found


def test_the_pages_and_docs_queries_fit_the_budget() -> None:
    queries = _page_queries()
    # Every page script that talks GraphQL, and the docs' examples, were found.
    assert {name for name, _ in queries} >= {
        "notifications.js",
        "comments.js",
        "upload.js",
        "sky-map.js",
        "iss-tracker.js",
        "engagement.js",
        "api.md",
        "GraphiQL",
    }
    limits = get_settings()
    for name, query in queries:
        found = measure(schema._schema, parse(query))
        assert found.cost <= limits.graphql_max_cost, (name, found, query)
        assert found.fields <= limits.graphql_max_fields, (name, found, query)


async def test_nested_lists_over_the_budget_are_refused_before_execution(
    client: httpx.AsyncClient, db: Database
) -> None:
    owner = await make_user(db, role=Role.CREATOR)
    await make_video(db, owner)
    response = await gql(client, nested_up_next(4))
    assert response.status_code == 400
    body = response.json()
    assert body.get("data") is None  # nothing ran
    [error] = body["errors"]
    assert error["extensions"]["code"] == "query_too_complex"
    assert error["extensions"]["cost"] == cost(nested_up_next(4))
    assert error["extensions"]["cost"] > get_settings().graphql_max_cost
    assert error["extensions"]["maxCost"] == get_settings().graphql_max_cost
    # One level less fits.
    fits = (await gql(client, nested_up_next(2))).json()
    assert "errors" not in fits, fits


async def test_aliases_add_up_to_the_budget(client: httpx.AsyncClient) -> None:
    one = "videos(first: 100) { edges { cursor node { id title viewCount } } }"
    assert "errors" not in (await gql(client, "{ " + one + " }")).json()
    many = "{ " + " ".join(f"a{i}: {one}" for i in range(20)) + " }"
    body = (await gql(client, many)).json()
    assert body["errors"][0]["extensions"]["code"] == "query_too_complex"


@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_fragment_bomb_is_refused_before_validation(
    client: httpx.AsyncClient, method: str
) -> None:
    bomb = fragment_bomb(21)
    assert len(bomb) < 1024
    if method == "GET":
        response = await client.get("/graphql", params={"query": bomb})
    else:
        response = await client.post("/graphql", json={"query": bomb})
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "query_too_complex"
    assert "fragments are expanded" in error["message"]
