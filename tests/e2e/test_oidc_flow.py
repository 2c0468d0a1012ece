"""End to end in Chromium: "Sign in with Google" against a real OpenID provider
on loopback (`oidc-provider`, tests/oidc/provider.mjs) configured like Google.

- A new user clicks "Sign in with Google" on /login, signs in and consents at
  the provider, and lands in onboarding, signed in, their Google sign-in
  listed in their settings.
- A password user links Google from /settings (a form whose answer redirects to
  the provider, which the page's `form-action` policy must allow).
- A Google account whose address Google has not verified makes no account: the
  browser is back on /login with the reason.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from tests.conftest import free_port
from tests.e2e.conftest import serve
from tests.e2e.test_discovery_flow import VIEWER
from tests.e2e.test_watch_party_flow import _log_in
from tests.oidc.loopback import LoopbackProvider, running_provider

if TYPE_CHECKING:
    from pathlib import Path

    from tests.e2e.conftest import BrowserProblems, LiveServer

pytestmark = pytest.mark.e2e

CLIENT_ID = "cosmostream-e2e.apps.googleusercontent.com"
CLIENT_SECRET = "e2e-client-secret-0123456789"


@pytest.fixture(scope="module")
def google_port() -> int:
    return free_port()


@pytest.fixture(scope="module")
def google(google_port: int) -> Iterator[LoopbackProvider]:
    with running_provider(
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        redirect_uris=[f"http://127.0.0.1:{google_port}/auth/oidc/google/callback"],
        hd="cosmos-school.edu",
    ) as provider:
        yield provider


@pytest.fixture(scope="module")
def live_server(
    tmp_path_factory: pytest.TempPathFactory,
    demo_data_dir: Path,
    google: LoopbackProvider,
    google_port: int,
) -> Iterator[LiveServer]:
    with serve(
        tmp_path_factory,
        demo_data_dir,
        port=google_port,
        GOOGLE_CLIENT_ID=CLIENT_ID,
        GOOGLE_CLIENT_SECRET=CLIENT_SECRET,
        COSMOSTREAM_GOOGLE_ISSUER=google.issuer,
    ) as server:
        yield server


def _set_account(provider: LoopbackProvider, sub: str, **claims: Any) -> None:
    response = httpx.post(f"{provider.issuer}/__test/accounts", json={sub: claims}, trust_env=False)
    response.raise_for_status()


def _sign_in_at_provider(tab: Any, login: str) -> None:
    tab.locator("input[name=login]").fill(login)
    tab.locator("input[name=password]").fill("any password at all")
    tab.get_by_role("button", name="Sign-in").click()
    tab.get_by_role("button", name="Continue").click()


def test_a_new_user_signs_in_with_google_and_lands_in_onboarding(
    page: tuple[Any, BrowserProblems], google: LoopbackProvider
) -> None:
    from playwright.sync_api import expect

    tab, problems = page
    _set_account(
        google, "nova-e2e", email="nova.e2e@cosmos-school.edu", email_verified=True, name="Nova"
    )
    tab.goto("/login", wait_until="load")
    tab.get_by_role("link", name="Sign in with Google").click()
    tab.wait_for_url(re.compile(re.escape(google.issuer) + r"/interaction/"))
    _sign_in_at_provider(tab, "nova-e2e")
    tab.wait_for_url(re.compile(r"/onboarding$"))
    expect(tab.get_by_role("heading", name="What are you curious about?")).to_be_visible()
    tab.goto("/settings", wait_until="load")
    linked = tab.locator("section[aria-labelledby=identities-heading]")
    expect(linked).to_contain_text("Google")
    expect(linked).to_contain_text("nova.e2e@cosmos-school.edu")
    expect(tab.get_by_label("Display name")).to_have_value("Nova")
    assert problems.errors == [], problems.errors


def test_a_password_user_links_google_from_settings(
    page: tuple[Any, BrowserProblems], google: LoopbackProvider
) -> None:
    from playwright.sync_api import expect

    tab, problems = page
    _set_account(google, "ada-e2e", email="ada.google@example.org", email_verified=False)
    _log_in(tab, *VIEWER)
    tab.goto("/settings", wait_until="load")
    tab.get_by_role("button", name="Link Google").click()
    tab.wait_for_url(re.compile(re.escape(google.issuer) + r"/interaction/"))
    _sign_in_at_provider(tab, "ada-e2e")
    tab.wait_for_url(re.compile(r"/settings$"))
    linked = tab.locator("section[aria-labelledby=identities-heading]")
    expect(linked).to_contain_text("ada.google@example.org")
    expect(tab.get_by_role("status").or_(tab.locator(".flash"))).to_contain_text("linked")
    assert problems.errors == [], problems.errors


def test_an_unverified_google_address_makes_no_account(
    page: tuple[Any, BrowserProblems], google: LoopbackProvider
) -> None:
    from playwright.sync_api import expect

    tab, problems = page
    _set_account(google, "mallory-e2e", email="victim.e2e@example.org", email_verified=False)
    tab.goto("/login", wait_until="load")
    tab.get_by_role("link", name="Sign in with Google").click()
    tab.wait_for_url(re.compile(re.escape(google.issuer) + r"/interaction/"))
    with tab.expect_response(re.compile(r"/auth/oidc/google/callback")) as answer:
        _sign_in_at_provider(tab, "mallory-e2e")
    assert answer.value.status == 403
    expect(tab.get_by_text("Google has not verified your e-mail address")).to_be_visible()
    expect(tab.get_by_label("Password")).to_be_visible()  # the password form, to sign up instead
    tab.goto("/settings", wait_until="load")
    tab.wait_for_url(re.compile(r"/login"))  # nobody is signed in
    # The browser reports the 403 document load as a console error; nothing else.
    assert all("403" in e for e in problems.errors), problems.errors
