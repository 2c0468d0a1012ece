"""A brand-new account is welcomed, not welcomed back: on the home page and
the dashboard, until it signs in again or its first session is a day old."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import httpx

from cosmostream.db import Database
from tests.catalog.conftest import browser_login
from tests.factories import PASSWORD, csrf, make_user, shift_time


def headline(html: str) -> str:
    match = re.search(r"<h1[^>]*>([^<]*)</h1>", html)
    assert match, "no H1"
    return match.group(1).strip()


async def sign_up(client: httpx.AsyncClient, name: str, email: str) -> None:
    token = await csrf(client, "/signup")
    response = await client.post(
        "/signup",
        data={"display_name": name, "email": email, "password": PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 303


def browser(app: Any) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=("203.0.113.20", 50003))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


async def test_a_new_account_is_welcomed_then_welcomed_back(app: Any, db: Database) -> None:
    async with browser(app) as c:
        await sign_up(c, "Luna", "luna@example.com")
        home = (await c.get("/")).text
        assert headline(home) == "Welcome to CosmoStream, Luna."
        assert "Welcome back" not in home and "data-first-visit" in home
        assert headline((await c.get("/dashboard")).text) == "Welcome, Luna"
        # The same first session, a day later: now it is a return.
        with shift_time(timedelta(days=1, minutes=1)):
            assert headline((await c.get("/")).text) == "Welcome back, Luna."

    # Signing in again (another device, or after signing out) is a return too.
    async with browser(app) as c:
        token = await csrf(c)
        signed_in = await c.post(
            "/login",
            data={"email": "luna@example.com", "password": PASSWORD, "csrf_token": token},
        )
        assert signed_in.status_code == 303
        home = (await c.get("/")).text
        assert headline(home) == "Welcome back, Luna." and "data-first-visit" not in home
        assert headline((await c.get("/dashboard")).text) == "Welcome back, Luna"


async def test_an_account_made_for_someone_is_welcomed_at_its_first_sign_in(
    app: Any, db: Database
) -> None:
    user = await make_user(db, name="Ada")
    async with browser(app) as c:
        await browser_login(c, user)
        assert headline((await c.get("/")).text) == "Welcome to CosmoStream, Ada."
