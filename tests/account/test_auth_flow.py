"""Sign-up, sign-in, e-mail verification and password reset over GraphQL, with real mail."""

from __future__ import annotations

import re
import statistics
import time
from datetime import timedelta

import httpx
import pytest

from cosmostream.account.schemas import ClientInfo
from cosmostream.account.service import account_service
from cosmostream.account.tasks import purge_stale
from cosmostream.config import Settings
from cosmostream.db import Database
from cosmostream.errors import AppError
from tests.conftest import MailSink
from tests.factories import PASSWORD, gql, login, make_user, shift_time

SIGNUP = """mutation($input: SignupInput!) { signup(input: $input) {
  accessToken refreshToken accessTokenExpiresAt user { id email displayName role } } }"""
LOGIN = """mutation($e: String!, $p: String!) { login(email: $e, password: $p) {
  accessToken user { id } } }"""
RESET_REQUEST = "mutation($e: String!) { requestPasswordReset(email: $e) { ok } }"
RESET = "mutation($t: String!, $p: String!) { resetPassword(token: $t, password: $p) { ok } }"


def _link(message: object, path: str) -> str:
    body = message.get_payload()[0].get_payload(decode=True).decode()  # type: ignore[attr-defined]
    match = re.search(rf"http://testserver{path}\?token=([\w-]+)", body)
    assert match, body
    return match.group(1)


async def test_signup_returns_tokens_and_sends_verification(
    client: httpx.AsyncClient, mail: MailSink, task_worker: object, db: Database
) -> None:
    response = await gql(
        client,
        SIGNUP,
        {
            "input": {
                "email": "Nova@Example.com",
                "password": "twinkle twinkle",
                "displayName": "Nova",
            }
        },
    )
    payload = response.json()["data"]["signup"]
    assert payload["user"]["email"] == "nova@example.com"
    assert payload["user"]["role"] == "VIEWER"
    assert payload["accessToken"] and payload["refreshToken"]
    [message] = mail.wait_for("nova@example.com")
    assert "Confirm your e-mail" in message["Subject"]
    token = _link(message, "/verify-email")
    verified = await gql(
        client,
        "mutation($t: String!) { verifyEmail(token: $t) { emailVerified } }",
        {"t": token},
        token=payload["accessToken"],
    )
    assert verified.json()["data"]["verifyEmail"]["emailVerified"] is True
    # Single use.
    again = await gql(
        client, "mutation($t: String!) { verifyEmail(token: $t) { id } }", {"t": token}
    )
    assert again.json()["errors"][0]["extensions"]["code"] == "invalid_link"


@pytest.mark.parametrize(
    ("password", "message"),
    [("short", "at least 8"), ("password123", "too common"), ("x" * 257, "at most 256")],
)
async def test_signup_password_rules(
    client: httpx.AsyncClient, password: str, message: str
) -> None:
    response = await gql(
        client, SIGNUP, {"input": {"email": "p@example.com", "password": password}}
    )
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "weak_password"
    assert message in error["message"]


async def test_long_passwords_are_not_truncated(db: Database) -> None:
    long_password = "correct horse " * 10  # 140 characters
    user = await make_user(db, password=long_password)
    assert await login(db, user, long_password)
    with pytest.raises(AppError):
        await login(db, user, long_password[:-1])


async def test_signup_with_taken_email_creates_nothing(
    client: httpx.AsyncClient, db: Database
) -> None:
    user = await make_user(db, email="taken@example.com")
    response = await gql(
        client, SIGNUP, {"input": {"email": "TAKEN@example.com", "password": "another long one"}}
    )
    assert response.json()["errors"][0]["extensions"]["code"] == "signup_failed"
    # The original password still works and there is one account.
    assert await login(db, user)


async def test_login_messages_do_not_reveal_accounts(
    client: httpx.AsyncClient, db: Database
) -> None:
    await make_user(db, email="known@example.com")
    wrong_password = await gql(client, LOGIN, {"e": "known@example.com", "p": "not the password"})
    unknown_user = await gql(client, LOGIN, {"e": "nobody@example.com", "p": "not the password"})
    malformed = await gql(client, LOGIN, {"e": "not an address", "p": "not the password"})
    errors = [r.json()["errors"][0] for r in (wrong_password, unknown_user, malformed)]
    assert {e["message"] for e in errors} == {"The e-mail address or password is incorrect."}
    assert {e["extensions"]["code"] for e in errors} == {"invalid_credentials"}
    assert {r.status_code for r in (wrong_password, unknown_user, malformed)} == {200}


@pytest.mark.real_password_hashing
async def test_login_timing_is_similar_for_unknown_accounts(db: Database) -> None:
    """Unknown accounts still pay for a password hash (no timing oracle).

    Compares medians of the two paths; a missing dummy hash makes the unknown
    path ~100x faster, far outside the factor allowed here.
    """
    user = await make_user(db, email="timing@example.com")
    client = ClientInfo(ip="192.0.2.50")

    async def attempt(email: str) -> float:
        started = time.perf_counter()
        with pytest.raises(AppError):
            await account_service.login(db, email, "wrong password!", client)
        return time.perf_counter() - started

    known, unknown = [], []
    for i in range(4):
        known.append(await attempt(user.email))
        unknown.append(await attempt(f"ghost{i}@example.com"))
        await account_service.login(db, user.email, PASSWORD, client)  # reset the account bucket
    ratio = statistics.median(unknown) / statistics.median(known)
    assert 0.33 < ratio < 3, (known, unknown)


async def test_login_is_throttled_per_account_with_backoff(
    client: httpx.AsyncClient, db: Database
) -> None:
    user = await make_user(db)
    for _ in range(5):
        response = await gql(client, LOGIN, {"e": user.email, "p": "wrong password"})
        assert response.json()["errors"][0]["extensions"]["code"] == "invalid_credentials"
    blocked = await gql(client, LOGIN, {"e": user.email, "p": PASSWORD})
    error = blocked.json()["errors"][0]
    assert error["extensions"]["code"] == "rate_limited"
    # The block lifts after the wait, and a success clears the counter.
    with shift_time(timedelta(seconds=31)):
        ok = await gql(client, LOGIN, {"e": user.email, "p": PASSWORD})
        assert ok.json()["data"]["login"]["user"]["id"] == str(user.id)


async def test_login_throttle_backoff_doubles(db: Database) -> None:
    user = await make_user(db)
    client = ClientInfo(ip="192.0.2.77")
    for _ in range(5):
        with pytest.raises(AppError):
            await account_service.login(db, user.email, "nope nope", client)
    with shift_time(timedelta(seconds=31)):
        with pytest.raises(AppError) as first:
            await account_service.login(db, user.email, "nope nope", client)
        assert first.value.code == "invalid_credentials"
        with pytest.raises(AppError) as second:
            await account_service.login(db, user.email, PASSWORD, client)
        assert second.value.code == "rate_limited"
        assert 50 <= second.value.retry_after <= 61  # type: ignore[attr-defined]


async def test_login_is_throttled_per_ip(db: Database) -> None:
    client = ClientInfo(ip="192.0.2.99")
    for i in range(30):
        with pytest.raises(AppError):
            await account_service.login(db, f"spray{i}@example.com", "guess guess", client)
    user = await make_user(db)
    with pytest.raises(AppError) as err:
        await account_service.login(db, user.email, PASSWORD, client)
    assert err.value.code == "rate_limited"
    # Another address is not affected.
    assert await account_service.login(db, user.email, PASSWORD, ClientInfo(ip="192.0.2.100"))


async def test_signup_is_throttled_per_ip(client: httpx.AsyncClient) -> None:
    codes = []
    for i in range(11):
        response = await gql(
            client,
            SIGNUP,
            {"input": {"email": f"bulk{i}@example.com", "password": "bulk signup pass"}},
        )
        body = response.json()
        codes.append(body["errors"][0]["extensions"]["code"] if body.get("errors") else "ok")
    assert codes[:9] == ["ok"] * 9
    assert codes[-1] == "rate_limited"


async def test_password_reset_flow(
    client: httpx.AsyncClient, db: Database, mail: MailSink, task_worker: object
) -> None:
    user = await make_user(db, email="reset@example.com")
    old = await login(db, user)
    known = await gql(client, RESET_REQUEST, {"e": "reset@example.com"})
    unknown = await gql(client, RESET_REQUEST, {"e": "ghost@example.com"})
    assert known.json() == unknown.json() == {"data": {"requestPasswordReset": {"ok": True}}}
    [message] = mail.wait_for("reset@example.com")
    token = _link(message, "/reset-password")
    response = await gql(client, RESET, {"t": token, "p": "brand new passphrase"})
    assert response.json()["data"]["resetPassword"]["ok"] is True
    # Single use, old sessions gone, new password works, old does not.
    reused = await gql(client, RESET, {"t": token, "p": "yet another passphrase"})
    assert reused.json()["errors"][0]["extensions"]["code"] == "invalid_link"
    assert (await gql(client, "{ me { id } }", token=old.access_token)).status_code == 401
    assert await login(db, user, "brand new passphrase")
    with pytest.raises(AppError):
        await login(db, user)
    assert not [m for m in mail.messages if m["To"] == "ghost@example.com"]


async def test_password_reset_link_expires(
    client: httpx.AsyncClient,
    db: Database,
    mail: MailSink,
    task_worker: object,
    settings: Settings,
) -> None:
    await make_user(db, email="slow@example.com")
    await gql(client, RESET_REQUEST, {"e": "slow@example.com"})
    token = _link(mail.wait_for("slow@example.com")[0], "/reset-password")
    with shift_time(timedelta(seconds=settings.password_reset_ttl_seconds + 1)):
        response = await gql(client, RESET, {"t": token, "p": "brand new passphrase"})
    assert response.json()["errors"][0]["extensions"]["code"] == "invalid_link"


async def test_newer_reset_link_invalidates_older(
    client: httpx.AsyncClient, db: Database, mail: MailSink, task_worker: object
) -> None:
    await make_user(db, email="twice@example.com")
    await gql(client, RESET_REQUEST, {"e": "twice@example.com"})
    mail.wait_for("twice@example.com")
    await gql(client, RESET_REQUEST, {"e": "twice@example.com"})
    first, second = (
        _link(m, "/reset-password") for m in mail.wait_for("twice@example.com", count=2)
    )
    stale = await gql(client, RESET, {"t": first, "p": "brand new passphrase"})
    assert stale.json()["errors"][0]["extensions"]["code"] == "invalid_link"
    fresh = await gql(client, RESET, {"t": second, "p": "brand new passphrase"})
    assert fresh.json()["data"]["resetPassword"]["ok"] is True


async def test_creator_request_needs_admin_unless_auto(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    viewer = await make_user(db)
    auth = await login(db, viewer)
    ask = "mutation { requestCreatorRole { role } }"
    assert (await gql(client, ask, token=auth.access_token)).json()["data"]["requestCreatorRole"][
        "role"
    ] == "VIEWER"
    settings.auto_approve_creators = True
    other = await make_user(db)
    other_auth = await login(db, other)
    assert (await gql(client, ask, token=other_auth.access_token)).json()["data"][
        "requestCreatorRole"
    ]["role"] == "CREATOR"


async def test_purge_forgets_expired_sessions(db: Database) -> None:
    user = await make_user(db)
    auth = await login(db, user)
    with shift_time(timedelta(days=200)):
        async with db.unit_of_work() as session:
            counts = await purge_stale(session)
    assert counts["sessions"] == 1
    with pytest.raises(AppError):
        await account_service.refresh(db, auth.refresh_token, ClientInfo())
