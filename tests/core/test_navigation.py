"""Every page linked from the navigation and the account menu answers 200,
for a visitor, a viewer, a creator and an admin."""

from __future__ import annotations

import re

import httpx
import pytest

from cosmostream.db import Database
from cosmostream.domains import navigation
from cosmostream.models import Role
from tests.account.test_pages import browser_login
from tests.factories import make_user

NAV = [(link.label, link.href) for link in navigation()]
LINK = re.compile(r'<a\b[^>]*\bhref="(/[^"#?]*)[^"]*"', re.IGNORECASE)


def _menu_links(html: str) -> set[str]:
    """Links in the site header: the main navigation and the account menu."""
    header = html[html.index('<header class="site-header">') : html.index("</header>")]
    return {href for href in LINK.findall(header) if not href.startswith("/static/")}


@pytest.mark.parametrize("who", ["anonymous", Role.VIEWER, Role.CREATOR, Role.ADMIN])
async def test_every_navigation_link_works(
    client: httpx.AsyncClient, db: Database, who: str | Role
) -> None:
    if isinstance(who, Role):
        user = await make_user(db, role=who)
        await browser_login(client, user.email)
    home = await client.get("/")
    assert home.status_code == 200
    links = _menu_links(home.text)
    assert {href for _, href in NAV} <= links
    if who == Role.ADMIN:
        assert "/admin" in links
    for href in sorted(links):
        response = await client.get(href)
        # A signed-out visitor may be sent to log in; nothing may be broken.
        assert response.status_code in (200, 303), (who, href, response.status_code)
        if response.status_code == 303:
            assert who == "anonymous" and response.headers["location"].startswith("/login")
