"""Bad text (NUL, unpaired surrogates) is refused at every transport's boundary: 400 `bad_text`.

PostgreSQL cannot store U+0000 and neither database driver can encode half a
surrogate pair, so any such text that reached SQL used to be a 500. The inputs
are enumerated from the app itself (every argument and input field of the
GraphQL schema, every HTTP route, every Socket.IO event), so an input added
later cannot escape these tests. They run on SQLite and PostgreSQL.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute
from graphql import (
    GraphQLArgument,
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
    GraphQLSchema,
    StringValueNode,
    Undefined,
    get_named_type,
    is_composite_type,
    print_ast,
)

from cosmostream.graphql.schema import build_schema
from cosmostream.models import Role
from tests.core.realtime_helpers import Served, Sockets, serve, signed_in
from tests.factories import csrf, gql, login, make_user

# Text no database can store: NUL (PostgreSQL), lone surrogates (every driver).
BAD = ("a\x00b", "\ud800", "x\udfff")
TEXT_SCALARS = ("String", "ID")
SAMPLE_SCALARS = {
    "String": "text",
    "ID": "01938f1e-0000-7000-8000-000000000000",
    "Int": 1,
    "Float": 1.0,
    "Boolean": False,
    "DateTime": "2026-12-01T12:00:00+00:00",
    "Date": "2026-12-01",
}


async def post_graphql(
    client: httpx.AsyncClient, query: str, variables: dict[str, Any], token: str | None = None
) -> httpx.Response:
    """A GraphQL POST whose JSON escapes lone surrogates (`\\ud800`), as JSON allows."""
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    body = json.dumps({"query": query, "variables": variables})
    return await client.post("/graphql", content=body, headers=headers)


def refused(response: httpx.Response, what: str) -> str | None:
    """None when `response` is the `bad_text` refusal; otherwise what it was instead."""
    try:
        body = response.json()
    except ValueError:
        return f"{what}: {response.status_code} {response.text[:80]!r}"
    error = (body.get("errors") or [{}])[0].get("extensions") or body.get("error") or {}
    if response.status_code == 400 and error.get("code") == "bad_text":
        return None
    return f"{what}: {response.status_code} {json.dumps(error)[:160]}"


# -- GraphQL ---------------------------------------------------------------------------


def sample(type_: GraphQLInputType) -> Any:
    """A well-formed value for a required input: every required field filled in."""
    if isinstance(type_, GraphQLNonNull):
        return sample(type_.of_type)
    if isinstance(type_, GraphQLList):
        return [sample(type_.of_type)]
    if isinstance(type_, GraphQLEnumType):
        return next(iter(type_.values))
    if isinstance(type_, GraphQLInputObjectType):
        return {
            name: sample(field.type)
            for name, field in type_.fields.items()
            if isinstance(field.type, GraphQLNonNull) and field.default_value is Undefined
        }
    assert isinstance(type_, GraphQLScalarType)
    return SAMPLE_SCALARS[type_.name]


def with_text(type_: GraphQLInputType, path: tuple[str, ...], text: str) -> Any:
    """`sample(type_)` with `text` at `path` (a list holds it as its one item)."""
    if isinstance(type_, GraphQLNonNull):
        return with_text(type_.of_type, path, text)
    if isinstance(type_, GraphQLList):
        return [with_text(type_.of_type, path, text)]
    if not path:
        return text
    assert isinstance(type_, GraphQLInputObjectType)
    field = type_.fields[path[0]]
    return {**sample(type_), path[0]: with_text(field.type, path[1:], text)}


def literal(type_: GraphQLInputType, value: Any) -> str:
    """`value` written in GraphQL (enums by name, strings escaped by graphql-core)."""
    if isinstance(type_, GraphQLNonNull):
        return literal(type_.of_type, value)
    if isinstance(type_, GraphQLList):
        return "[" + ", ".join(literal(type_.of_type, item) for item in value) + "]"
    if isinstance(type_, GraphQLInputObjectType):
        fields = type_.fields
        return "{" + ", ".join(f"{k}: {literal(fields[k].type, v)}" for k, v in value.items()) + "}"
    if isinstance(type_, GraphQLEnumType) or isinstance(value, bool | int | float):
        return json.dumps(value) if not isinstance(type_, GraphQLEnumType) else str(value)
    return print_ast(StringValueNode(value=value))


def text_paths(type_: GraphQLInputType, seen: frozenset[str] = frozenset()) -> Iterator[tuple]:
    """Every way into `type_` that ends at a String or an ID."""
    named = get_named_type(type_)
    if isinstance(named, GraphQLScalarType) and named.name in TEXT_SCALARS:
        yield ()
    elif isinstance(named, GraphQLInputObjectType) and named.name not in seen:
        for name, field in named.fields.items():
            for rest in text_paths(field.type, seen | {named.name}):
                yield (name, *rest)


def text_inputs(schema: GraphQLSchema) -> Iterator[tuple[str, str, str, tuple]]:
    """(operation, root field, argument, path inside it) for every text input."""
    for operation, root in (("query", schema.query_type), ("mutation", schema.mutation_type)):
        assert root is not None
        for field_name, field in root.fields.items():
            for argument in field.args:
                for path in text_paths(field.args[argument].type):
                    yield operation, field_name, argument, path


def document(
    operation: str,
    field_name: str,
    target: str,
    arguments: dict[str, GraphQLArgument],
    **inline: Any,
) -> tuple[str, dict[str, Any]]:
    """An operation calling one root field: the required arguments and `target` as
    variables, except those given in `inline`, which are written as literals."""
    schema = build_schema()._schema
    root = schema.query_type if operation == "query" else schema.mutation_type
    assert root is not None
    field = root.fields[field_name]
    chosen = {
        name: arg
        for name, arg in arguments.items()
        if name == target
        or (isinstance(arg.type, GraphQLNonNull) and arg.default_value is Undefined)
    }
    declared, passed, variables = [], [], {}
    for name, arg in chosen.items():
        if name in inline:
            passed.append(f"{name}: {literal(arg.type, inline[name])}")
        else:
            declared.append(f"${name}: {arg.type}")
            passed.append(f"{name}: ${name}")
            variables[name] = sample(arg.type)
    selection = " { __typename }" if is_composite_type(get_named_type(field.type)) else ""
    head = f"{operation}({', '.join(declared)})" if declared else operation
    return f"{head} {{ {field_name}({', '.join(passed)}){selection} }}", variables


async def test_every_graphql_text_input_refuses_bad_text(
    db: Any, client: httpx.AsyncClient
) -> None:
    admin = await make_user(db, role=Role.ADMIN)
    token = (await login(db, admin)).access_token
    schema = build_schema()._schema
    inputs = list(text_inputs(schema))
    # Search, sign-in, profile, forum, chat, video metadata… are all in there.
    assert len(inputs) > 60
    failures = []
    for operation, field_name, argument, path in inputs:
        root = schema.query_type if operation == "query" else schema.mutation_type
        assert root is not None
        arguments = root.fields[field_name].args
        where = f"{field_name}({argument}{''.join('.' + p for p in path)})"
        for text in BAD:
            query, variables = document(operation, field_name, argument, arguments)
            variables[argument] = with_text(arguments[argument].type, path, text)
            response = await post_graphql(client, query, variables, token)
            failures.append(refused(response, f"{where} = {text!r} as a variable"))
        # NUL can also be written in the document itself; a lone surrogate cannot
        # (graphql-core's lexer refuses it: a syntax error).
        value = with_text(arguments[argument].type, path, BAD[0])
        query, variables = document(operation, field_name, argument, arguments, **{argument: value})
        response = await post_graphql(client, query, variables, token)
        failures.append(refused(response, f"{where} = {BAD[0]!r} as a literal"))
    assert [f for f in failures if f] == []


async def test_bad_text_error_names_the_field(client: httpx.AsyncClient) -> None:
    query = """mutation($input: SignupInput!) { signup(input: $input) { accessToken } }"""
    response = await post_graphql(
        client,
        query,
        {"input": {"email": "a@example.com", "password": "x" * 12, "displayName": "A\x00"}},
    )
    assert response.status_code == 400
    error = response.json()["errors"][0]["extensions"]
    assert error == {
        "code": "bad_text",
        "message": "Text cannot contain NUL characters or unpaired surrogates.",
        "field": "display_name",
        "status": 400,
    }
    response = await post_graphql(
        client, "query($q: String!) { search(query: $q) { totalCount } }", {"q": "\ud800"}
    )
    assert response.json()["errors"][0]["extensions"]["field"] == "query"
    response = await post_graphql(client, '{ search(query: "jupiter\\u0000") { totalCount } }', {})
    assert response.json()["errors"][0]["extensions"]["field"] == "query"
    # A surrogate pair is one character: an emoji, escaped or not, is fine.
    for body in (
        '{"query": "{ search(query: \\"\\ud83e\\ude90 ring\\") { totalCount } }"}',
        json.dumps(
            {
                "query": "query($q: String!) { search(query: $q) { totalCount } }",
                "variables": {"q": "\U0001fa90 ring"},
            }
        ),
    ):
        response = await client.post(
            "/graphql", content=body, headers={"Content-Type": "application/json"}
        )
        assert response.json() == {"data": {"search": {"totalCount": 0}}}


# -- pages, forms and other HTTP routes -------------------------------------------------

# JSON and tus: tested below; webhooks take signed raw bodies (tests/billing).
NOT_FORMS = ("/graphql", "/api/", "/uploads/", "/webhooks/")


def http_routes(routes: list[Any], prefix: str = "") -> Iterator[tuple[str, str, APIRoute]]:
    """(method, path, route) for every API route, inside included routers too (FastAPI
    keeps those as one entry each, holding the router and its prefix)."""
    for route in routes:
        if isinstance(route, APIRoute):
            for method in sorted(route.methods - {"HEAD"}):
                yield method, prefix + route.path, route
        elif hasattr(route, "original_router"):
            inner = route.original_router.routes
            yield from http_routes(inner, prefix + route.include_context.prefix)


def fill(template: str, route: APIRoute, values: dict[str, str] | None = None) -> str:
    """The path `template` with its parameters filled in (`values`, else a fresh UUID)."""
    for name in route.param_convertors:
        value = (values or {}).get(name, str(uuid.uuid4()))
        template = template.replace(f"{{{name}}}", value).replace(f"{{{name}:path}}", value)
    return template


async def test_every_route_refuses_bad_text_in_its_url_and_form(
    app: Any, db: Any, client: httpx.AsyncClient
) -> None:
    admin = await make_user(db, role=Role.ADMIN)
    result = await login(db, admin)
    client.cookies.set("cs_access", result.access_token)
    token = await csrf(client, "/settings")
    json_accept = {"Accept": "application/json"}
    routes = list(http_routes(app.routes))
    assert len(routes) > 80
    failures = []
    forms = 0
    for method, path, route in routes:
        # In the query string (`?q=%00` on /forums was a 500 on PostgreSQL)…
        url = fill(path, route) + "?q=a%00b"
        response = await client.request(method, url, headers=json_accept)
        failures.append(refused(response, f"{method} {url}"))
        # …in any path parameter (a category slug, a mission)…
        for name in route.param_convertors:
            url = fill(path, route, {name: "a%00b"})
            response = await client.request(method, url, headers=json_accept)
            failures.append(refused(response, f"{method} {url}"))
        # …and in any field of a form, urlencoded or multipart.
        if method == "POST" and not path.startswith(NOT_FORMS):
            forms += 1
            url = fill(path, route)
            fields = {"csrf_token": token, "body": "a\x00b"}
            response = await client.post(url, data=fields, headers=json_accept)
            failures.append(refused(response, f"POST {path} (form)"))
            response = await client.post(
                url,
                data=fields,
                files={"avatar": ("a.png", b"x", "image/png")},
                headers=json_accept,
            )
            failures.append(refused(response, f"POST {path} (multipart)"))
    assert forms > 30
    assert [f for f in failures if f] == []


async def test_login_and_profile_forms_refuse_nul(db: Any, client: httpx.AsyncClient) -> None:
    """The two forms the report named, as a browser posts them: an error page, no 500."""
    token = await csrf(client, "/login")
    response = await client.post(
        "/login", data={"csrf_token": token, "email": "a\x00@example.com", "password": "x"}
    )
    assert response.status_code == 400
    assert "cannot contain NUL" in response.text
    user = await make_user(db)
    client.cookies.set("cs_access", (await login(db, user)).access_token)
    response = await client.post(
        "/settings/profile", data={"csrf_token": token, "display_name": "Ada\x00", "bio": ""}
    )
    assert response.status_code == 400
    assert "cannot contain NUL" in response.text


async def test_forums_search_refuses_nul(client: httpx.AsyncClient) -> None:
    response = await client.get("/forums?q=%00")
    assert response.status_code == 400
    assert "cannot contain NUL" in response.text


async def test_playback_beacon_refuses_bad_text(db: Any, client: httpx.AsyncClient) -> None:
    token = await csrf(client, "/")
    for text in BAD:
        for field in ("videoId", "event", "csrf"):
            beacon = {"videoId": str(uuid.uuid4()), "position": 1, "event": "PAUSE", "csrf": token}
            response = await client.post(
                "/api/playback",
                content=json.dumps({**beacon, field: text}),
                headers={"Content-Type": "text/plain"},
            )
            assert refused(response, field) is None


async def test_tus_metadata_refuses_nul(db: Any, client: httpx.AsyncClient) -> None:
    creator = await make_user(db, role=Role.CREATOR)
    token = (await login(db, creator)).access_token
    created = await gql(
        client,
        """mutation($input: CreateVideoInput!) { createVideo(input: $input) { video { id } } }""",
        {"input": {"title": "Clip", "size": 10, "filename": "clip.mp4"}},
        token=token,
    )
    video_id = created.json()["data"]["createVideo"]["video"]["id"]

    def b64(text: str) -> str:
        return base64.b64encode(text.encode()).decode()

    bad_name = b64("clip\x00.mp4")

    for key in ("filename", "filetype"):
        response = await client.post(
            "/uploads/",
            headers={
                "Authorization": f"Bearer {token}",
                "Tus-Resumable": "1.0.0",
                "Upload-Length": "10",
                "Upload-Metadata": f"videoId {b64(video_id)},{key} {bad_name}",
            },
        )
        assert refused(response, key) is None
        assert response.headers["Tus-Resumable"] == "1.0.0"
        assert response.json()["error"]["field"] == key


# -- Socket.IO -----------------------------------------------------------------------------


@pytest.fixture
async def server(settings: Any) -> Any:
    async with serve(settings) as served:
        yield served


@pytest.fixture
async def sockets() -> Any:
    opened = Sockets()
    yield opened
    await opened.close_all()


async def test_every_socket_event_refuses_bad_text(server: Served, sockets: Sockets) -> None:
    _, token = await signed_in(server.db)
    events = server.realtime.events
    assert {"join", "leave", "forum.chat.send", "watch.chat.send"} <= set(events)
    calls = [
        (event, {name: text})
        for event, schema in events.items()
        for name in [f.alias or name for name, f in schema.model_fields.items()]
        for text in BAD
    ]
    # A room named with NUL (`mission:` rooms are looked up by their slug).
    calls.append(("join", {"room": "mission:iss\x00"}))
    failures = []
    # One socket per 25 events: each has its own rate-limit bucket (burst 30).
    for start in range(0, len(calls), 25):
        client = await sockets.open(server, token=token if start == 0 else None)
        for event, payload in calls[start : start + 25]:
            ack = await client.call(event, payload)
            if ack.get("error", {}).get("code") != "bad_text":
                failures.append(f"{event} {payload!r}: {ack}")
    assert failures == []
    # The connection's `auth` payload too (PyJWT cannot even encode such a token).
    for text in BAD:
        refusal = await sockets.refused(server, auth={"token": text})
        assert refusal.mentions("bad_text"), refusal.data
