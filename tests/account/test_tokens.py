"""The token rules of SECURITY.md, each shown through the public API."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import timedelta

import httpx
import jwt
import pytest

from cosmostream.account.schemas import ClientInfo
from cosmostream.account.service import account_service
from cosmostream.config import Settings
from cosmostream.db import Database
from cosmostream.errors import AppError
from cosmostream.kit.time import utcnow
from cosmostream.models import Role
from tests.factories import gql, login, make_user, shift_time

ME = "{ me { id email role } }"
REFRESH = """mutation($t: String!) { refreshTokens(refreshToken: $t) {
  accessToken refreshToken user { id } } }"""

CLIENT = ClientInfo(ip="198.51.100.9")


async def me(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await gql(client, ME, token=token)


async def test_access_token_authenticates(client: httpx.AsyncClient, db: Database) -> None:
    user = await make_user(db)
    auth = await login(db, user)
    response = await me(client, auth.access_token)
    assert response.status_code == 200
    assert response.json()["data"]["me"] == {
        "id": str(user.id),
        "email": user.email,
        "role": "VIEWER",
    }


async def test_refresh_rotates_and_old_token_is_single_use(db: Database) -> None:
    user = await make_user(db)
    first = await login(db, user)
    second = await account_service.refresh(db, first.refresh_token, CLIENT)
    assert second.refresh_token != first.refresh_token
    assert second.session_id == first.session_id
    third = await account_service.refresh(db, second.refresh_token, CLIENT)
    assert third.session_id == first.session_id


async def test_reuse_of_rotated_token_revokes_family(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    user = await make_user(db)
    first = await login(db, user)
    second = await account_service.refresh(db, first.refresh_token, CLIENT)
    third = await account_service.refresh(db, second.refresh_token, CLIENT)
    # `first` is two generations old: that is theft, whatever the clock says.
    with pytest.raises(AppError) as err:
        await account_service.refresh(db, first.refresh_token, CLIENT)
    assert err.value.status == 401
    # The whole family is dead: the newest refresh token and its access token too.
    with pytest.raises(AppError):
        await account_service.refresh(db, third.refresh_token, CLIENT)
    assert (await me(client, third.access_token)).status_code == 401


async def test_predecessor_grace_window_allows_parallel_refresh(db: Database) -> None:
    user = await make_user(db)
    first = await login(db, user)
    # Two tabs refresh with the same token at once: both succeed.
    a = await account_service.refresh(db, first.refresh_token, CLIENT)
    b = await account_service.refresh(db, first.refresh_token, CLIENT)
    assert a.refresh_token != b.refresh_token
    # And the family is intact: either result keeps working.
    c = await account_service.refresh(db, b.refresh_token, CLIENT)
    assert c.session_id == first.session_id


async def test_predecessor_outside_grace_window_is_reuse(db: Database, settings: Settings) -> None:
    user = await make_user(db)
    first = await login(db, user)
    second = await account_service.refresh(db, first.refresh_token, CLIENT)
    with shift_time(timedelta(seconds=settings.refresh_grace_seconds + 5)):
        with pytest.raises(AppError):
            await account_service.refresh(db, first.refresh_token, CLIENT)
        with pytest.raises(AppError):
            await account_service.refresh(db, second.refresh_token, CLIENT)


async def test_refresh_token_idle_expiry(db: Database, settings: Settings) -> None:
    user = await make_user(db)
    first = await login(db, user)
    with shift_time(timedelta(seconds=settings.refresh_token_ttl_seconds + 60)):
        with pytest.raises(AppError):
            await account_service.refresh(db, first.refresh_token, CLIENT)


async def test_session_absolute_expiry(db: Database, settings: Settings) -> None:
    user = await make_user(db)
    auth = await login(db, user)
    # Keep refreshing so the idle limit never bites; the absolute limit still does.
    step = timedelta(seconds=settings.refresh_token_ttl_seconds - 3600)
    offset = timedelta()
    token = auth.refresh_token
    while offset + step < timedelta(seconds=settings.session_max_age_seconds):
        offset += step
        with shift_time(offset):
            token = (await account_service.refresh(db, token, CLIENT)).refresh_token
    with shift_time(timedelta(seconds=settings.session_max_age_seconds + 1)):
        with pytest.raises(AppError):
            await account_service.refresh(db, token, CLIENT)


async def test_logout_revokes_access_and_refresh(client: httpx.AsyncClient, db: Database) -> None:
    user = await make_user(db)
    auth = await login(db, user)
    other = await login(db, user)
    response = await gql(client, "mutation { logout { ok } }", token=auth.access_token)
    assert response.json()["data"]["logout"]["ok"] is True
    assert (await me(client, auth.access_token)).status_code == 401
    with pytest.raises(AppError):
        await account_service.refresh(db, auth.refresh_token, CLIENT)
    # Another device of the same user stays signed in.
    assert (await me(client, other.access_token)).status_code == 200


async def test_password_change_revokes_every_session(
    client: httpx.AsyncClient, db: Database
) -> None:
    user = await make_user(db)
    here = await login(db, user)
    elsewhere = await login(db, user)
    response = await gql(
        client,
        """mutation { changePassword(currentPassword: "correct horse battery",
             newPassword: "a much better passphrase") { accessToken refreshToken } }""",
        token=here.access_token,
    )
    fresh = response.json()["data"]["changePassword"]
    for old in (here, elsewhere):
        assert (await me(client, old.access_token)).status_code == 401
        with pytest.raises(AppError):
            await account_service.refresh(db, old.refresh_token, CLIENT)
    assert (await me(client, fresh["accessToken"])).status_code == 200


async def test_disable_applies_on_next_request(client: httpx.AsyncClient, db: Database) -> None:
    admin = await make_user(db, role=Role.ADMIN)
    user = await make_user(db)
    auth = await login(db, user)
    async with db.unit_of_work() as session:
        await account_service.set_disabled(session, None, user.id, True)
    assert (await me(client, auth.access_token)).status_code == 401
    with pytest.raises(AppError):
        await account_service.refresh(db, auth.refresh_token, CLIENT)
    with pytest.raises(AppError):
        await login(db, user)
    del admin


async def test_role_change_applies_on_next_request(client: httpx.AsyncClient, db: Database) -> None:
    admin = await make_user(db, role=Role.ADMIN)
    user = await make_user(db, role=Role.CREATOR)
    admin_auth = await login(db, admin)
    auth = await login(db, user)
    assert (await me(client, auth.access_token)).json()["data"]["me"]["role"] == "CREATOR"
    response = await gql(
        client,
        "mutation($id: ID!) { setUserRole(userId: $id, role: VIEWER) { role } }",
        {"id": str(user.id)},
        token=admin_auth.access_token,
    )
    assert response.json()["data"]["setUserRole"]["role"] == "VIEWER"
    # Same access token, very next request: the new role.
    assert (await me(client, auth.access_token)).json()["data"]["me"]["role"] == "VIEWER"


def _b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _claims(settings: Settings, user_id: uuid.UUID, session_id: uuid.UUID) -> dict[str, object]:
    now = utcnow()
    return {
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "sub": str(user_id),
        "sid": str(session_id),
        "typ": "access",
        "iat": now,
        "nbf": now,
        "exp": now + timedelta(hours=1),
    }


@pytest.mark.parametrize(
    "variant",
    [
        "alg_none",
        "wrong_key",
        "expired",
        "not_yet_valid",
        "wrong_audience",
        "wrong_issuer",
        "wrong_type",
        "missing_session",
        "other_users_session",
        "garbage",
        "hs512",
    ],
)
async def test_forged_tokens_are_rejected(
    client: httpx.AsyncClient, db: Database, settings: Settings, variant: str
) -> None:
    user = await make_user(db)
    victim = await make_user(db)
    auth = await login(db, user)
    victim_auth = await login(db, victim)
    claims = _claims(settings, user.id, auth.session_id)
    key = settings.secret_key
    alg = "HS256"
    if variant == "alg_none":
        token = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64({**claims, 'iat': 0, 'nbf': 0, 'exp': 4102444800})}."
    else:
        if variant == "wrong_key":
            key = "another-secret-" + "y" * 40
        elif variant == "expired":
            claims["exp"] = utcnow() - timedelta(minutes=5)
        elif variant == "not_yet_valid":
            claims["nbf"] = utcnow() + timedelta(minutes=5)
        elif variant == "wrong_audience":
            claims["aud"] = "someone-else"
        elif variant == "wrong_issuer":
            claims["iss"] = "someone-else"
        elif variant == "wrong_type":
            claims["typ"] = "refresh"
        elif variant == "missing_session":
            claims["sid"] = str(uuid.uuid4())
        elif variant == "other_users_session":
            claims["sid"] = str(victim_auth.session_id)
        elif variant == "hs512":
            alg = "HS512"
        token = jwt.encode(claims, key, algorithm=alg)
        if variant == "garbage":
            token = "not-a-jwt"
    # Sanity: the untouched token works, so each rejection is about the variant.
    assert (
        await me(
            client,
            jwt.encode(
                _claims(settings, user.id, auth.session_id), settings.secret_key, algorithm="HS256"
            ),
        )
    ).status_code == 200
    response = await me(client, token)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_token"


async def test_refresh_with_unknown_token_is_401(client: httpx.AsyncClient) -> None:
    response = await gql(client, REFRESH, {"t": "made-up"})
    body = response.json()
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "invalid_token"
    assert body["errors"][0]["extensions"]["status"] == 401


async def test_refresh_tokens_are_stored_hashed(db: Database) -> None:
    user = await make_user(db)
    auth = await login(db, user)
    from sqlalchemy import select

    from cosmostream.models import RefreshToken

    async with db.read() as session:
        stored = list(await session.scalars(select(RefreshToken.token_hash)))
    assert auth.refresh_token not in stored
    assert len(auth.refresh_token) >= 22  # ≥ 128 bits of base64url
