"""GraphQL transport: errors, limits, masking, and the committed schema."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from cosmostream.db import Database
from cosmostream.graphql.schema import schema
from cosmostream.models import Category, Role
from tests.factories import gql, login, make_user

ROOT = Path(__file__).resolve().parents[2]


def test_committed_schema_matches_code() -> None:
    committed = (ROOT / "schema.graphql").read_text()
    assert committed.strip() == schema.as_str().strip(), (
        "schema.graphql is out of date: run `make schema` and commit it"
    )


async def test_malformed_query_is_400_with_errors(client: httpx.AsyncClient) -> None:
    response = await client.post("/graphql", json={"query": "{ me { id "})
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"].startswith("Syntax Error")


async def test_invalid_json_is_400(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/graphql", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 400


async def test_unknown_field_is_reported(client: httpx.AsyncClient) -> None:
    response = await client.post("/graphql", json={"query": "{ nope }"})
    body = response.json()
    assert body["errors"][0]["message"].startswith("Cannot query field 'nope'")


async def test_depth_limit(client: httpx.AsyncClient) -> None:
    too_deep = "{ " + "me { " * 14 + "id" + " }" * 14 + " }"
    response = await client.post("/graphql", json={"query": too_deep})
    assert response.status_code == 400
    messages = [e["message"] for e in response.json()["errors"]]
    assert any("exceeds maximum operation depth" in m for m in messages), messages


async def test_alias_limit(client: httpx.AsyncClient) -> None:
    query = "{ " + " ".join(f"a{i}: categories {{ id }}" for i in range(40)) + " }"
    body = (await client.post("/graphql", json={"query": query})).json()
    assert "aliases" in body["errors"][0]["message"].lower()


async def test_unexpected_errors_are_masked(
    client: httpx.AsyncClient, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cosmostream.account.service import account_service

    async def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("database password is hunter2")

    monkeypatch.setattr(account_service, "list_categories", boom)
    body = (await client.post("/graphql", json={"query": "{ categories { id } }"})).json()
    assert body["errors"][0]["message"] == "Unexpected error."
    assert body["errors"][0]["extensions"] == {"code": "internal_error"}
    assert "hunter2" not in str(body)


async def test_unexpected_errors_are_http_500_with_or_without_data(
    client: httpx.AsyncClient, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Monitoring that watches for 5xx must see bugs, even beside partial data."""
    from cosmostream.account.service import account_service
    from cosmostream.catalog.service import catalog_service

    async def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(account_service, "list_categories", boom)
    alone = await client.post("/graphql", json={"query": "{ categories { id } }"})
    assert alone.status_code == 500
    assert alone.json()["errors"][0]["extensions"] == {"code": "internal_error"}

    monkeypatch.undo()
    async with db.unit_of_work() as session:
        session.add(Category(slug="stars", name="Stars", description="", icon="star"))
    monkeypatch.setattr(catalog_service, "list_videos", boom)
    query = '{ category(slug: "stars") { slug videos { nodes { id } } } }'
    nested = await client.post("/graphql", json={"query": query})
    assert nested.status_code == 500
    assert nested.json()["errors"][0]["extensions"] == {"code": "internal_error"}


async def test_expected_errors_carry_codes(client: httpx.AsyncClient) -> None:
    body = (await client.post("/graphql", json={"query": "mutation { logout { ok } }"})).json()
    assert body["errors"][0]["extensions"]["code"] == "not_authenticated"
    assert body["errors"][0]["extensions"]["status"] == 401


MUTATIONS_NEEDING_AUTH = [
    "mutation { logout { ok } }",
    'mutation { updateProfile(input: {bio: "x"}) { id } }',
    'mutation { changePassword(currentPassword: "a", newPassword: "b") { accessToken } }',
    'mutation { followUser(userId: "0190a0c0-0000-7000-8000-000000000000") { id } }',
    'mutation { unfollowUser(userId: "0190a0c0-0000-7000-8000-000000000000") { id } }',
    'mutation { revokeSession(sessionId: "0190a0c0-0000-7000-8000-000000000000") { ok } }',
    "mutation { requestCreatorRole { id } }",
    "mutation { setFavouriteCategories(slugs: []) { id } }",
    'mutation { setUserRole(userId: "0190a0c0-0000-7000-8000-000000000000", role: ADMIN) { id } }',
    'mutation { setUserDisabled(userId: "0190a0c0-0000-7000-8000-000000000000", disabled: true) { id } }',
]


@pytest.mark.parametrize("mutation", MUTATIONS_NEEDING_AUTH)
async def test_mutations_refuse_anonymous(client: httpx.AsyncClient, mutation: str) -> None:
    body = (await client.post("/graphql", json={"query": mutation})).json()
    assert body["errors"][0]["extensions"]["code"] == "not_authenticated"


@pytest.mark.parametrize(
    ("role", "allowed"), [(Role.VIEWER, False), (Role.CREATOR, False), (Role.ADMIN, True)]
)
async def test_admin_mutations_authorization(
    client: httpx.AsyncClient, db: Database, role: Role, allowed: bool
) -> None:
    actor = await make_user(db, role=role)
    target = await make_user(db)
    auth = await login(db, actor)
    for mutation in (
        "mutation($id: ID!) { setUserRole(userId: $id, role: CREATOR) { role } }",
        "mutation($id: ID!) { setUserDisabled(userId: $id, disabled: true) { id } }",
    ):
        body = (await gql(client, mutation, {"id": str(target.id)}, token=auth.access_token)).json()
        if allowed:
            assert "errors" not in body, body
        else:
            assert body["errors"][0]["extensions"]["code"] == "forbidden"


async def test_admin_cannot_demote_self(client: httpx.AsyncClient, db: Database) -> None:
    admin = await make_user(db, role=Role.ADMIN)
    auth = await login(db, admin)
    body = (
        await gql(
            client,
            "mutation($id: ID!) { setUserRole(userId: $id, role: VIEWER) { id } }",
            {"id": str(admin.id)},
            token=auth.access_token,
        )
    ).json()
    assert body["errors"][0]["extensions"]["code"] == "own_role"


async def test_email_is_private(client: httpx.AsyncClient, db: Database) -> None:
    alice = await make_user(db)
    bob = await make_user(db)
    admin = await make_user(db, role=Role.ADMIN)
    query = "query($id: ID!) { user(id: $id) { email displayName followerCount } }"
    anonymous = (await gql(client, query, {"id": str(alice.id)})).json()["data"]["user"]
    assert anonymous["email"] is None and anonymous["displayName"] == alice.display_name
    as_bob = (
        await gql(client, query, {"id": str(alice.id)}, token=(await login(db, bob)).access_token)
    ).json()["data"]["user"]
    assert as_bob["email"] is None
    as_self = (
        await gql(client, query, {"id": str(alice.id)}, token=(await login(db, alice)).access_token)
    ).json()["data"]["user"]
    assert as_self["email"] == alice.email
    as_admin = (
        await gql(client, query, {"id": str(alice.id)}, token=(await login(db, admin)).access_token)
    ).json()["data"]["user"]
    assert as_admin["email"] == alice.email


async def test_profile_and_follow_mutations(client: httpx.AsyncClient, db: Database) -> None:
    alice = await make_user(db)
    bob = await make_user(db)
    token = (await login(db, bob)).access_token
    updated = await gql(
        client,
        'mutation { updateProfile(input: {displayName: "  Bob  the  Builder ", bio: "Hi"}) { displayName bio } }',
        token=token,
    )
    assert updated.json()["data"]["updateProfile"] == {
        "displayName": "Bob the Builder",
        "bio": "Hi",
    }
    follow = await gql(
        client,
        "mutation($id: ID!) { followUser(userId: $id) { followerCount } }",
        {"id": str(alice.id)},
        token=token,
    )
    assert follow.json()["data"]["followUser"]["followerCount"] == 1
    self_follow = await gql(
        client,
        "mutation($id: ID!) { followUser(userId: $id) { id } }",
        {"id": str(bob.id)},
        token=token,
    )
    assert self_follow.json()["errors"][0]["extensions"]["code"] == "cannot_follow_self"
    me = await gql(client, "{ me { followingCount } }", token=token)
    assert me.json()["data"]["me"]["followingCount"] == 1


async def test_user_list_query_count_is_constant(client: httpx.AsyncClient, db: Database) -> None:
    """Follower counts for many users resolve in one batch, not one query per user."""
    from sqlalchemy import event

    users = [await make_user(db) for _ in range(6)]
    statements: list[str] = []

    def count(conn: object, cursor: object, statement: str, *args: object) -> None:
        statements.append(statement)

    engine = db.read_engine.sync_engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        for n in (2, 6):
            statements.clear()
            query = (
                "{ "
                + " ".join(
                    f'u{i}: user(id: "{u.id}") {{ followerCount followingCount }}'
                    for i, u in enumerate(users[:n])
                )
                + " }"
            )
            body = (await client.post("/graphql", json={"query": query})).json()
            assert "errors" not in body
            selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
            # one batch of users + two grouped counts, whatever n is
            assert len(selects) == 3, selects
    finally:
        event.remove(engine, "before_cursor_execute", count)


async def test_invalid_json_answers_in_graphql_error_shape(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/graphql", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "bad_request"


async def test_streamed_oversized_body_is_413(client: httpx.AsyncClient) -> None:
    async def chunks() -> Any:
        for _ in range(40):
            yield b"x" * 64 * 1024

    response = await client.post(
        "/graphql", content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"


async def test_early_refusals_carry_request_id_and_security_headers(
    client: httpx.AsyncClient,
) -> None:
    response = await gql(client, "{ me { id } }", token="forged")
    assert response.status_code == 401
    assert response.headers["x-request-id"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    echoed = await client.get("/healthz", headers={"x-request-id": "trace-123"})
    assert echoed.headers["x-request-id"] == "trace-123"


async def test_rate_limited_errors_say_when_to_retry(client: httpx.AsyncClient) -> None:
    query = 'mutation { login(email: "who@example.com", password: "wrong guess") { accessToken } }'
    for _ in range(5):
        await client.post("/graphql", json={"query": query})
    body = (await client.post("/graphql", json={"query": query})).json()
    extensions = body["errors"][0]["extensions"]
    assert extensions["code"] == "rate_limited"
    assert 1 <= extensions["retryAfter"] <= 31


async def test_metrics_are_exported(client: httpx.AsyncClient) -> None:
    await client.get("/healthz")
    metrics = await client.get("/metrics")
    assert "cosmostream_http_requests_total" in metrics.text


async def test_cors_allows_configured_origins_only(settings: Any) -> None:
    from cosmostream.main import create_app

    app = create_app(
        settings.model_copy(update={"cors_origin": ["https://app.example.com"]}),
        embedded_worker=False,
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        headers = {
            "Origin": "https://app.example.com",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type",
        }
        ok = await c.options("/graphql", headers=headers)
        assert ok.headers["access-control-allow-origin"] == "https://app.example.com"
        assert "access-control-allow-credentials" not in ok.headers
        evil = await c.options("/graphql", headers={**headers, "Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in evil.headers
