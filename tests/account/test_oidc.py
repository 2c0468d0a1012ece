"""Sign-in with Google and OpenID Connect providers, against a real provider on
loopback (`oidc-provider`, see tests/oidc/provider.mjs).

Every test runs twice: with the provider configured like Google (the
`GOOGLE_CLIENT_*` settings, an issuer setting, `hd` in the ID token) and as an
organization's own provider (`COSMOSTREAM_OIDC_PROVIDERS`, no `hd`). The rules
differ in one place: only Google's verified address opens an existing account
with that address; an organization's provider is linked from /settings.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from http.cookiejar import Cookie
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from cosmostream.account import oidc, signals
from cosmostream.account.identities import identity_service
from cosmostream.account.schemas import ClientInfo
from cosmostream.account.service import account_service
from cosmostream.config import Settings, get_settings
from cosmostream.db import Database
from cosmostream.errors import AppError
from cosmostream.kit.time import utcnow
from cosmostream.models import Role, User, UserIdentity
from tests.conftest import free_port
from tests.factories import gql, login, make_user, sign_in
from tests.oidc.loopback import LoopbackProvider, running_provider

HD = "cosmos-school.edu"


@dataclass(frozen=True)
class Config:
    key: str
    name: str
    provider: LoopbackProvider


@pytest.fixture(scope="module", params=["google", "org"])
def loopback(request: pytest.FixtureRequest) -> Iterator[Config]:
    key = "google" if request.param == "google" else "acme"
    with running_provider(
        client_id=f"cosmostream-{key}",
        client_secret=f"{key}-client-secret-0123456789",
        redirect_uris=[f"http://testserver/auth/oidc/{key}/callback"],
        hd=HD if key == "google" else None,
    ) as provider:
        name = "Google" if key == "google" else "Acme Observatory"
        yield Config(key=key, name=name, provider=provider)


@pytest.fixture
def settings(settings: Settings, loopback: Config) -> Settings:
    provider = loopback.provider
    if loopback.key == "google":
        settings.google_client_id = provider.client_id
        settings.google_client_secret = provider.client_secret
        settings.google_issuer = provider.issuer
    else:
        settings.oidc_providers = [
            {
                "key": "acme",
                "name": loopback.name,
                "issuer": provider.issuer,
                "client_id": provider.client_id,
                "client_secret": provider.client_secret,
            }
        ]
    return settings


async def start(client: httpx.AsyncClient, cfg: Config, next_url: str | None = None) -> str:
    path = f"/auth/oidc/{cfg.key}/start" + (f"?next={next_url}" if next_url else "")
    response = await client.get(path)
    assert response.status_code == 303, response.text
    return str(response.headers["location"])


async def provider_sign_in(
    client: httpx.AsyncClient, cfg: Config, sub: str, next_url: str | None = None
) -> httpx.Response:
    callback = await cfg.provider.authorize(await start(client, cfg, next_url), sub)
    return await client.get(callback)


def flow_cookie(client: httpx.AsyncClient) -> Cookie:
    return next(c for c in client.cookies.jar if c.name == "cs_oidc")


async def count(db: Database, model: type[Any]) -> int:
    async with db.read() as session:
        return int(await session.scalar(sa.select(sa.func.count()).select_from(model)) or 0)


async def me(client: httpx.AsyncClient) -> dict[str, Any]:
    token = client.cookies.get("cs_access")
    assert token, "not signed in"
    response = await gql(
        client,
        "{ me { id email emailVerified identities { id issuer provider email createdAt } } }",
        token=token,
    )
    data: dict[str, Any] = response.json()["data"]["me"]
    return data


@pytest.fixture
def received() -> Iterator[list[signals.ProviderSignIn]]:
    payloads: list[signals.ProviderSignIn] = []

    async def receiver(session: AsyncSession, payload: signals.ProviderSignIn) -> None:
        payloads.append(payload)

    signals.signed_in_with_provider.connect(receiver)
    yield payloads
    signals.signed_in_with_provider.disconnect(receiver)


# -- the flow -------------------------------------------------------------------


async def test_new_user_lands_in_onboarding(
    client: httpx.AsyncClient, loopback: Config, db: Database
) -> None:
    cfg = loopback
    await cfg.provider.set_account("ada-1", email="Ada@Example.org", email_verified=True)
    location = await start(client, cfg)
    # Authorization code flow with PKCE S256, state, nonce and the exact redirect URI.
    query = parse_qs(urlsplit(location).query)
    assert location.startswith(cfg.provider.issuer)
    assert query["response_type"] == ["code"]
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["code_challenge"][0]) == 43
    assert query["state"][0] and query["nonce"][0]
    assert query["redirect_uri"] == [f"http://testserver/auth/oidc/{cfg.key}/callback"]
    assert set(query["scope"][0].split()) == {"openid", "email", "profile"}
    cookie = flow_cookie(client)
    assert cookie.path == "/auth/oidc/"
    assert cookie.has_nonstandard_attr("HttpOnly")

    callback = await cfg.provider.authorize(location, "ada-1")
    assert callback.startswith(f"http://testserver/auth/oidc/{cfg.key}/callback?")
    response = await client.get(callback)
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/onboarding"
    profile = await me(client)
    assert profile["email"] == "ada@example.org"
    assert profile["emailVerified"] is True
    [identity] = profile["identities"]
    assert identity["issuer"] == cfg.provider.issuer
    assert identity["provider"] == cfg.name
    assert identity["email"] == "Ada@Example.org"
    onboarding = await client.get("/onboarding")
    assert onboarding.status_code == 200
    async with db.read() as session:
        user = await session.scalar(sa.select(User).where(User.email == "ada@example.org"))
    assert user is not None and user.password_hash is None and user.onboarded_at is None


UNVERIFIED = "has not verified your e-mail address"


@pytest.mark.parametrize("email_verified", [False, None, "false"])
async def test_an_unverified_provider_address_makes_no_account(
    client: httpx.AsyncClient, loopback: Config, db: Database, email_verified: object
) -> None:
    """No account may hold an address its provider did not verify (pre-account
    hijacking): `email_verified` false, missing or anything but true."""
    cfg = loopback
    await cfg.provider.set_account("bo-1", email="bo@example.org", email_verified=email_verified)
    response = await provider_sign_in(client, cfg, "bo-1")
    await assert_refused(response, db, status=403, text=UNVERIFIED)
    assert f"Verify it at {cfg.name}" in response.text
    assert "sign up with your e-mail address and a password" in response.text
    # The page is the sign-in page again, with its password form.
    assert 'action="/login"' in response.text


async def test_returning_user_is_found_by_subject_after_changing_email(
    client: httpx.AsyncClient, loopback: Config, db: Database
) -> None:
    cfg = loopback
    await cfg.provider.set_account("cy-1", email="cy@example.org", email_verified=True)
    await provider_sign_in(client, cfg, "cy-1")
    first = await me(client)
    client.cookies.clear()
    await cfg.provider.set_account("cy-1", email="cy.new@example.org", email_verified=True)
    response = await provider_sign_in(client, cfg, "cy-1", next_url="/library")
    assert response.status_code == 303
    assert response.headers["location"] == "/library"
    again = await me(client)
    assert again["id"] == first["id"]
    assert again["email"] == "cy@example.org"  # the account's own address is unchanged
    assert [i["email"] for i in again["identities"]] == ["cy.new@example.org"]
    # A known identity opens its account even when its provider stops vouching
    # for the address it sends now: the account is found by subject.
    client.cookies.clear()
    await cfg.provider.set_account("cy-1", email="cy.newer@example.org", email_verified=False)
    await provider_sign_in(client, cfg, "cy-1")
    later = await me(client)
    assert later["id"] == first["id"]
    assert [(i["email"]) for i in later["identities"]] == ["cy.newer@example.org"]
    assert await count(db, User) == 1


async def test_signal_carries_issuer_and_hd(
    client: httpx.AsyncClient, loopback: Config, received: list[signals.ProviderSignIn]
) -> None:
    cfg = loopback
    await cfg.provider.set_account("di-1", email="di@example.org", email_verified=True)
    await provider_sign_in(client, cfg, "di-1")
    [payload] = received
    assert payload.issuer == cfg.provider.issuer
    assert payload.subject == "di-1"
    assert payload.new_account is True
    assert str(payload.user_id) == (await me(client))["id"]
    assert payload.claims.get("hd") == cfg.provider.hd
    assert payload.claims["email_verified"] is True
    client.cookies.clear()
    await provider_sign_in(client, cfg, "di-1")
    assert [p.new_account for p in received] == [True, False]


async def test_signal_receiver_writes_commit_with_the_sign_in(
    client: httpx.AsyncClient, loopback: Config, db: Database
) -> None:
    """A receiver's failure rolls the whole sign-in back: same unit of work."""
    cfg = loopback

    async def failing(session: AsyncSession, payload: signals.ProviderSignIn) -> None:
        user = await session.get(User, payload.user_id)
        assert user is not None
        user.bio = "written by the receiver"
        await session.flush()
        raise RuntimeError("receiver failed")

    await cfg.provider.set_account("ed-1", email="ed@example.org", email_verified=True)
    signals.signed_in_with_provider.connect(failing)
    try:
        with pytest.raises(RuntimeError):
            await provider_sign_in(client, cfg, "ed-1")
    finally:
        signals.signed_in_with_provider.disconnect(failing)
    assert await count(db, User) == 0
    assert await count(db, UserIdentity) == 0


# -- refusals ---------------------------------------------------------------------


async def assert_refused(
    response: httpx.Response, db: Database, status: int = 400, text: str = ""
) -> None:
    assert response.status_code == status, response.text
    assert "cs_access" not in response.cookies
    assert text in response.text
    assert await count(db, User) == 0
    assert await count(db, UserIdentity) == 0


async def test_state_mismatch_is_refused(
    client: httpx.AsyncClient, loopback: Config, db: Database
) -> None:
    cfg = loopback
    await cfg.provider.set_account("fa-1", email="fa@example.org", email_verified=True)
    callback = await cfg.provider.authorize(await start(client, cfg), "fa-1")
    parts = urlsplit(callback)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    forged = httpx.URL(parts.path, params={**query, "state": "another-browsers-state"})
    response = await client.get(str(forged))
    await assert_refused(response, db, text="state does not match")
    # The same answer without the flow cookie (a callback opened in another browser).
    client.cookies.delete("cs_oidc", path="/auth/oidc/")
    await assert_refused(await client.get(callback), db, text="Try again")


async def test_pkce_verifier_mismatch_is_refused(
    client: httpx.AsyncClient, loopback: Config, db: Database
) -> None:
    """A code obtained for another flow (another PKCE challenge) is useless even
    with a valid state: the provider checks our verifier and refuses."""
    cfg = loopback
    await cfg.provider.set_account("ga-1", email="ga@example.org", email_verified=True)
    first = await start(client, cfg)
    first_cookie = flow_cookie(client)
    first_state = parse_qs(urlsplit(first).query)["state"][0]
    second_callback = await cfg.provider.authorize(await start(client, cfg), "ga-1")
    code = parse_qs(urlsplit(second_callback).query)["code"][0]
    assert flow_cookie(client).value != first_cookie.value
    assert first_cookie.value
    client.cookies.set(
        "cs_oidc", first_cookie.value, domain=first_cookie.domain, path="/auth/oidc/"
    )
    response = await client.get(
        f"/auth/oidc/{cfg.key}/callback",
        params={"code": code, "state": first_state, "iss": cfg.provider.issuer},
    )
    await assert_refused(response, db, text="refused to complete")


async def test_provider_refuses_an_authorization_request_without_pkce(
    client: httpx.AsyncClient, loopback: Config
) -> None:
    location = await start(client, loopback)
    parts = urlsplit(location)
    query = {
        k: v[0]
        for k, v in parse_qs(parts.query).items()
        if k not in ("code_challenge", "code_challenge_method")
    }
    async with httpx.AsyncClient() as http:
        response = await http.get(f"{parts.scheme}://{parts.netloc}{parts.path}", params=query)
    assert response.status_code == 303
    assert "error=invalid_request" in response.headers["location"]


@pytest.mark.parametrize(
    "mode", ["aud", "iss", "expired", "none", "unknown_key", "nonce", "multi_aud", "bad_text"]
)
async def test_forged_id_tokens_are_refused(
    client: httpx.AsyncClient,
    loopback: Config,
    db: Database,
    mode: str,
    received: list[signals.ProviderSignIn],
) -> None:
    cfg = loopback
    await cfg.provider.set_account("ha-1", email="ha@example.org", email_verified=True)
    location = await start(client, cfg)
    await cfg.provider.forge_next_id_token(mode)
    try:
        callback = await cfg.provider.authorize(location, "ha-1")
        response = await client.get(callback)
    finally:
        await cfg.provider.forge_next_id_token(None)
    await assert_refused(response, db, text="did not pass our checks")
    assert received == []


async def test_cancelled_at_the_provider(
    client: httpx.AsyncClient, loopback: Config, db: Database
) -> None:
    cfg = loopback
    location = await start(client, cfg)
    state = parse_qs(urlsplit(location).query)["state"][0]
    response = await client.get(
        f"/auth/oidc/{cfg.key}/callback",
        params={"error": "access_denied", "state": state, "iss": cfg.provider.issuer},
    )
    await assert_refused(response, db, text="You cancelled signing in")


async def test_unknown_provider_is_not_found(client: httpx.AsyncClient, loopback: Config) -> None:
    assert (await client.get("/auth/oidc/nowhere/start")).status_code == 404


# -- linking rules ----------------------------------------------------------------


async def test_unverified_address_equal_to_an_account_is_no_takeover(
    client: httpx.AsyncClient, loopback: Config, db: Database
) -> None:
    cfg = loopback
    victim = await make_user(db, email="victim@example.org")  # verified
    await cfg.provider.set_account("mallory", email="victim@example.org", email_verified=False)
    response = await provider_sign_in(client, cfg, "mallory")
    # The same answer as for a free address: it tells nobody the address is taken.
    assert response.status_code == 403
    assert UNVERIFIED in response.text
    assert "cs_access" not in response.cookies
    assert await count(db, UserIdentity) == 0
    assert await count(db, User) == 1
    async with db.read() as session:
        fresh = await session.get(User, victim.id)
    assert fresh is not None and fresh.last_login_at is None


async def test_verified_provider_address_does_not_link_an_unverified_account(
    client: httpx.AsyncClient, loopback: Config, db: Database
) -> None:
    cfg = loopback
    async with db.unit_of_work() as session:
        await account_service.create_user(
            session,
            email="early@example.org",
            password="correct horse battery",
            role=Role.VIEWER,
            verified=False,
        )
    await cfg.provider.set_account("early", email="early@example.org", email_verified=True)
    response = await provider_sign_in(client, cfg, "early")
    assert response.status_code == 409
    assert await count(db, UserIdentity) == 0


async def test_a_verified_address_opens_an_existing_account_only_from_google(
    client: httpx.AsyncClient, loopback: Config, db: Database
) -> None:
    """Google's `email_verified` means Google checked the address; an organization's
    provider can assert any address, so it only reaches an account by linking."""
    cfg = loopback
    owner = await make_user(db, email="owner@example.org")
    await cfg.provider.set_account("owner-sub", email="Owner@Example.org", email_verified=True)
    response = await provider_sign_in(client, cfg, "owner-sub", next_url="/settings")
    if cfg.key == "google":
        assert response.status_code == 303
        assert response.headers["location"] == "/settings"
        profile = await me(client)
        assert profile["id"] == str(owner.id)
        assert len(profile["identities"]) == 1
        return
    assert response.status_code == 409, response.text
    assert "Sign in with your password, then link" in response.text
    assert "cs_access" not in response.cookies
    assert await count(db, UserIdentity) == 0
    async with db.read() as session:
        fresh = await session.get(User, owner.id)
    assert fresh is not None and fresh.last_login_at is None
    # Signed in, the owner links that provider identity from /settings.
    await link_from_settings(client, cfg, owner, "owner-sub")
    client.cookies.clear()
    await provider_sign_in(client, cfg, "owner-sub")
    assert (await me(client))["id"] == str(owner.id)


async def link_from_settings(client: httpx.AsyncClient, cfg: Config, user: User, sub: str) -> None:
    """The signed-in `user` links the provider's account `sub` (the Link form)."""
    token = await sign_in(client, user)
    started = await client.post(f"/auth/oidc/{cfg.key}/link", data={"csrf_token": token})
    assert started.status_code == 303, started.text
    response = await client.get(await cfg.provider.authorize(started.headers["location"], sub))
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/settings"


async def test_signed_in_user_links_from_settings(
    client: httpx.AsyncClient, loopback: Config, db: Database
) -> None:
    cfg = loopback
    user = await make_user(db, email="linker@example.org")
    # The provider's address is another one, and unverified: a signed-in link needs neither.
    await cfg.provider.set_account("link-sub", email="elsewhere@example.org", email_verified=False)
    token = await sign_in(client, user)
    page = await client.get("/settings")
    assert f"Link {cfg.name}" in page.text
    started = await client.post(f"/auth/oidc/{cfg.key}/link", data={"csrf_token": token})
    assert started.status_code == 303
    callback = await cfg.provider.authorize(started.headers["location"], "link-sub")
    response = await client.get(callback)
    assert response.status_code == 303
    assert response.headers["location"] == "/settings"
    settings_page = await client.get("/settings")
    assert "elsewhere@example.org" in settings_page.text
    # Signed out, the provider now opens the same account.
    client.cookies.clear()
    await provider_sign_in(client, cfg, "link-sub")
    assert (await me(client))["id"] == str(user.id)


async def test_link_needs_a_form_token_and_the_same_user(
    client: httpx.AsyncClient, loopback: Config, db: Database
) -> None:
    cfg = loopback
    user = await make_user(db)
    await sign_in(client, user)
    assert (await client.post(f"/auth/oidc/{cfg.key}/link", data={})).status_code == 403
    assert await count(db, UserIdentity) == 0


async def test_identity_linked_to_another_account_cannot_be_linked_again(
    client: httpx.AsyncClient, loopback: Config, db: Database
) -> None:
    cfg = loopback
    await cfg.provider.set_account("taken-sub", email="taken@example.org", email_verified=True)
    await provider_sign_in(client, cfg, "taken-sub")
    other = await make_user(db, email="other@example.org")
    token = await sign_in(client, other)
    started = await client.post(f"/auth/oidc/{cfg.key}/link", data={"csrf_token": token})
    response = await client.get(
        await cfg.provider.authorize(started.headers["location"], "taken-sub")
    )
    assert response.status_code == 409
    assert "already linked to another account" in response.text
    async with db.read() as session:
        owners = set(await session.scalars(sa.select(UserIdentity.user_id)))
    assert other.id not in owners


# -- unlinking and the authorization matrix -----------------------------------------

UNLINK = "mutation($id: ID!) { unlinkIdentity(id: $id) { ok } }"


async def test_the_last_way_in_cannot_be_unlinked(
    client: httpx.AsyncClient, loopback: Config, db: Database
) -> None:
    cfg = loopback
    await cfg.provider.set_account("only-sub", email="only@example.org", email_verified=True)
    await provider_sign_in(client, cfg, "only-sub")
    [identity] = (await me(client))["identities"]
    token = client.cookies.get("cs_access")
    response = await gql(client, UNLINK, {"id": identity["id"]}, token=token)
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "last_sign_in"
    page = await client.get("/settings")
    csrf_token = client.cookies.get("cs_csrf")
    assert page.status_code == 200
    refused = await client.post(
        f"/settings/identities/{identity['id']}/unlink", data={"csrf_token": csrf_token}
    )
    assert refused.status_code == 409
    assert "only way to sign in" in refused.text
    assert await count(db, UserIdentity) == 1


async def test_unlink_with_a_password_and_the_authorization_matrix(
    client: httpx.AsyncClient, loopback: Config, db: Database
) -> None:
    cfg = loopback
    owner = await make_user(db, email="matrix@example.org")
    await cfg.provider.set_account("matrix-sub", email="matrix@example.org", email_verified=True)
    await link_from_settings(client, cfg, owner, "matrix-sub")
    [identity] = (await me(client))["identities"]
    identity_id = identity["id"]
    client.cookies.clear()

    # Anonymous: no `me`, and the mutation asks to sign in.
    anonymous = await gql(client, UNLINK, {"id": identity_id})
    assert anonymous.json()["errors"][0]["extensions"]["code"] == "not_authenticated"
    nobody = await gql(client, "{ me { id } }")
    assert nobody.json()["data"]["me"] is None
    # Everyone else, whatever their role, sees no such sign-in.
    for role in (Role.VIEWER, Role.CREATOR, Role.ADMIN):
        someone = await make_user(db, role=role)
        auth = await login(db, someone)
        refused = await gql(client, UNLINK, {"id": identity_id}, token=auth.access_token)
        assert refused.json()["errors"][0]["extensions"]["code"] == "not_found"
        listed = await gql(client, "{ me { identities { id } } }", token=auth.access_token)
        assert listed.json()["data"]["me"]["identities"] == []
    bad = await gql(client, UNLINK, {"id": "not-an-id"}, token=auth.access_token)
    assert bad.json()["errors"][0]["extensions"]["code"] == "not_found"
    assert await count(db, UserIdentity) == 1
    # The owner has a password, so unlinking is allowed.
    auth = await login(db, owner)
    done = await gql(client, UNLINK, {"id": identity_id}, token=auth.access_token)
    assert done.json()["data"]["unlinkIdentity"]["ok"] is True
    assert await count(db, UserIdentity) == 0
    missing = await gql(client, UNLINK, {"id": str(uuid.uuid4())}, token=auth.access_token)
    assert missing.json()["errors"][0]["extensions"]["code"] == "not_found"


async def test_settings_unlink_form(
    client: httpx.AsyncClient, loopback: Config, db: Database
) -> None:
    cfg = loopback
    owner = await make_user(db, email="former@example.org")
    await cfg.provider.set_account("former", email="former@example.org", email_verified=True)
    await link_from_settings(client, cfg, owner, "former")
    [identity] = (await me(client))["identities"]
    token = await sign_in(client, owner)
    page = await client.get("/settings")
    assert f"/settings/identities/{identity['id']}/unlink" in page.text
    response = await client.post(
        f"/settings/identities/{identity['id']}/unlink", data={"csrf_token": token}
    )
    assert response.status_code == 303
    assert await count(db, UserIdentity) == 0


# -- the pages ------------------------------------------------------------------------


async def test_buttons_only_for_configured_providers(
    client: httpx.AsyncClient, loopback: Config, settings: Settings
) -> None:
    cfg = loopback
    for path in ("/login", "/signup"):
        page = await client.get(path)
        assert f"Sign in with {cfg.name}" in page.text
        assert f'href="/auth/oidc/{cfg.key}/start' in page.text
        # Linking posts a form answered with a redirect to the provider: allowed there only.
        policy = page.headers["content-security-policy"]
        assert f"form-action 'self' {cfg.provider.issuer};" in policy
    settings.google_client_id = None
    settings.oidc_providers = []
    for path in ("/login", "/signup"):
        page = await client.get(path)
        assert "Sign in with" not in page.text
    assert (await client.get(f"/auth/oidc/{cfg.key}/start")).status_code == 404


async def test_an_answer_naming_another_issuer_is_refused(
    client: httpx.AsyncClient, loopback: Config, db: Database
) -> None:
    """RFC 9207: the `iss` of the authorization response must be our provider's."""
    cfg = loopback
    await cfg.provider.set_account("mix-1", email="mix@example.org", email_verified=True)
    callback = await cfg.provider.authorize(await start(client, cfg), "mix-1")
    parts = urlsplit(callback)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert query["iss"] == cfg.provider.issuer
    mixed = httpx.URL(parts.path, params={**query, "iss": "https://idp.evil.example"})
    await assert_refused(await client.get(str(mixed)), db, text="another sign-in provider")


async def test_a_provider_that_is_down_is_a_clear_refusal(
    client: httpx.AsyncClient, loopback: Config, settings: Settings
) -> None:
    oidc.forget_cached_metadata()
    down = f"http://127.0.0.1:{free_port()}"
    if loopback.key == "google":
        settings.google_issuer = down
    else:
        settings.oidc_providers = [{**settings.oidc_providers[0], "issuer": down}]
    try:
        response = await client.get(f"/auth/oidc/{loopback.key}/start")
    finally:
        oidc.forget_cached_metadata()
    assert response.status_code == 400
    assert "not answering" in response.text
    assert "cs_oidc" not in response.cookies


async def test_a_disabled_account_cannot_sign_in_with_its_provider(
    client: httpx.AsyncClient, loopback: Config, db: Database
) -> None:
    cfg = loopback
    await cfg.provider.set_account("gone-1", email="gone@example.org", email_verified=True)
    await provider_sign_in(client, cfg, "gone-1")
    user_id = uuid.UUID((await me(client))["id"])
    async with db.unit_of_work() as session:
        user = await session.get(User, user_id)
        assert user is not None
        user.disabled_at = utcnow()
    client.cookies.clear()
    response = await provider_sign_in(client, cfg, "gone-1")
    assert response.status_code == 403
    assert "cs_access" not in response.cookies


async def test_a_provider_without_an_email_cannot_create_an_account(
    client: httpx.AsyncClient, loopback: Config, db: Database
) -> None:
    cfg = loopback
    await cfg.provider.set_account("mute-1", email=None, email_verified=None)
    response = await provider_sign_in(client, cfg, "mute-1")
    await assert_refused(response, db, text="did not share your e-mail address")


async def test_the_forms_authorization_matrix(
    client: httpx.AsyncClient, loopback: Config, db: Database
) -> None:
    """Unlink and Link forms: anonymous callers are sent to sign in, other users
    (any role) see no such sign-in, and nothing changes."""
    cfg = loopback
    owner = await make_user(db, email="forms@example.org")
    await cfg.provider.set_account("forms-sub", email="forms@example.org", email_verified=True)
    await link_from_settings(client, cfg, owner, "forms-sub")
    [identity] = (await me(client))["identities"]
    unlink = f"/settings/identities/{identity['id']}/unlink"

    token = await sign_in(client, None)
    anonymous = await client.post(unlink, data={"csrf_token": token})
    assert anonymous.status_code == 401
    link = await client.post(f"/auth/oidc/{cfg.key}/link", data={"csrf_token": token})
    assert link.status_code == 303
    assert link.headers["location"].startswith("/login")
    for role in (Role.VIEWER, Role.CREATOR, Role.ADMIN):
        someone = await make_user(db, role=role)
        token = await sign_in(client, someone)
        refused = await client.post(unlink, data={"csrf_token": token})
        assert refused.status_code == 404, role
    assert await count(db, UserIdentity) == 1
    token = await sign_in(client, owner)
    assert (await client.post(unlink, data={})).status_code == 403  # no CSRF token
    assert (await client.post(unlink, data={"csrf_token": token})).status_code == 303
    assert await count(db, UserIdentity) == 0


async def test_two_first_sign_ins_racing_open_one_account(loopback: Config, db: Database) -> None:
    """Two callbacks of one new identity at once (two tabs): one account, one identity,
    two sessions; the loser of the race finds the winner's rows."""
    [provider] = oidc.providers(get_settings())
    claims = {
        "iss": provider.issuer,
        "sub": "race-1",
        "email": "race@example.org",
        "email_verified": True,
    }
    outcomes = await asyncio.gather(
        *(
            identity_service.sign_in(db, provider, claims, ClientInfo(ip="198.51.100.9"))
            for _ in range(2)
        )
    )
    assert outcomes[0].user.id == outcomes[1].user.id
    assert sorted(o.new_account for o in outcomes) == [False, True]
    assert await count(db, User) == 1
    assert await count(db, UserIdentity) == 1


async def test_accounts_made_through_a_provider_count_as_sign_ups(
    loopback: Config, db: Database
) -> None:
    """The sign-up limit per IP holds for provider sign-ups too; a returning user
    from that address still signs in."""
    [provider] = oidc.providers(get_settings())
    client = ClientInfo(ip="198.51.100.23")

    def claims(n: int) -> dict[str, Any]:
        return {
            "iss": provider.issuer,
            "sub": f"many-{n}",
            "email": f"many{n}@example.org",
            "email_verified": True,
        }

    for n in range(10):
        outcome = await identity_service.sign_in(db, provider, claims(n), client)
        assert outcome.new_account
    with pytest.raises(AppError) as refused:
        await identity_service.sign_in(db, provider, claims(10), client)
    assert refused.value.status == 429
    again = await identity_service.sign_in(db, provider, claims(3), client)
    assert again.auth is not None and not again.new_account
    assert await count(db, User) == 10
