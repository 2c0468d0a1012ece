"""End to end, in a real Chromium against the real server: the life of a new account.

Sign up → pick favourite topics → edit the profile → upload an avatar → see the
public profile → log out → log back in. Plus: the public pages answer and the
home page shows the demo topics.

Screenshots land in test-artifacts/e2e/ at the repository root.
"""

from __future__ import annotations

import contextlib
import re
import secrets
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from PIL import Image

from tests.e2e.conftest import watch_socket_frames

if TYPE_CHECKING:
    from tests.e2e.conftest import BrowserProblems, LiveServer

pytestmark = pytest.mark.e2e

PASSWORD = "nebula-voyager-2026"
TIMEOUT_MS = 15_000


def _path(page: Any) -> str:
    url: str = page.url
    return "/" + url.split("/", 3)[3] if url.count("/") >= 3 else "/"


def _goto(page: Any, path: str) -> Any:
    response = page.goto(path, wait_until="load")
    assert response is not None, f"no response for {path}"
    return response


def _header(page: Any) -> Any:
    return page.locator("header.site-header")


def _topic_checkbox(page: Any, name: str) -> Any:
    label = page.locator("label.topic").filter(
        has=page.locator(".topic-name", has_text=re.compile(rf"^{re.escape(name)}$"))
    )
    return label.get_by_role("checkbox")


def _sign_up(page: Any, name: str, email: str) -> None:
    from playwright.sync_api import expect

    _goto(page, "/signup")
    expect(page.get_by_role("heading", name="Create your account")).to_be_visible()
    page.get_by_label("Display name").fill(name)
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    with page.expect_navigation(url=re.compile(r"/onboarding$")):
        page.get_by_role("button", name="Create account").click()


def _log_out_via_menu(page: Any) -> None:
    """Open the account menu, press "Log out", and wait until the browser settles.

    Signed-out pages open no Socket.IO connection, so "networkidle" means every
    navigation the click set off (including a reload by app.js) has finished.
    """
    from playwright.sync_api import expect

    menu = page.locator("details.account-menu")
    menu.locator("summary").click()
    expect(menu).to_have_attribute("open", "")
    log_out = menu.get_by_role("button", name="Log out")
    expect(log_out).to_be_visible()
    log_out.click()
    expect(page.locator("details.account-menu")).to_have_count(0)
    page.wait_for_load_state("networkidle")
    expect(page.locator("details.account-menu")).to_have_count(0)


def _wait_until(page: Any, condition: Any, message: str, timeout_s: float = 10) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, message
        page.wait_for_timeout(50)


def _assert_styled_dark_page(page: Any) -> None:
    """The built stylesheet loaded: the page is dark, not the browser's white default."""
    background = page.evaluate(
        "() => { const s = getComputedStyle(document.body);"
        " return [s.backgroundColor, s.backgroundImage, getComputedStyle(document.documentElement)"
        ".backgroundColor]; }"
    )
    colours = " ".join(background)
    assert "rgb(255, 255, 255)" not in colours, f"page looks unstyled: {background}"
    assert page.evaluate("() => document.styleSheets.length") >= 1


def _make_png(path: Path) -> Path:
    image = Image.new("RGB", (96, 96))
    for x in range(96):
        for y in range(96):
            image.putpixel((x, y), (40 + x, 20 + y, 120 + (x + y) // 2))
    image.save(path, format="PNG")
    return path


def test_public_pages_and_demo_topics(page: tuple[Any, BrowserProblems]) -> None:
    from playwright.sync_api import expect

    tab, problems = page
    for path in ("/", "/about", "/login", "/signup", "/forgot-password"):
        response = _goto(tab, path)
        assert response.status == 200, f"{path} answered {response.status}"
        expect(_header(tab).get_by_role("link", name="Log in")).to_be_visible()
        _assert_styled_dark_page(tab)

    _goto(tab, "/")
    topics = tab.locator(".category-grid .category-card h3")
    for name in ("Planets", "Stars", "Galaxies", "Cosmology"):
        expect(topics.filter(has_text=re.compile(rf"^{name}$"))).to_have_count(1)
    assert topics.count() >= 9
    assert problems.errors == []


def test_signup_onboarding_profile_avatar_logout_login(
    page: tuple[Any, BrowserProblems],
    live_server: LiveServer,
    tmp_path: Path,
    artifacts_dir: Path,
) -> None:
    from playwright.sync_api import expect

    tab, problems = page
    (artifacts_dir / "failure.png").unlink(missing_ok=True)
    suffix = secrets.token_hex(4)
    email = f"e2e-{suffix}@example.com"
    first_name = f"Nova {suffix}"
    new_name = f"Nova Explorer {suffix}"
    bio = f"Comet chaser {suffix}. I photograph the Orion Nebula from a rooftop."

    try:
        # --- sign up ---------------------------------------------------------
        _sign_up(tab, first_name, email)
        expect(tab.get_by_role("heading", name="What are you curious about?")).to_be_visible()
        expect(tab.locator(".account-menu .account-name")).to_have_text(first_name)

        # --- onboarding: two favourite topics -------------------------------
        for topic in ("Planets", "Galaxies"):
            box = _topic_checkbox(tab, topic)
            expect(box).to_have_count(1)
            box.check()
            expect(box).to_be_checked()
        with tab.expect_navigation(url=re.compile(r"/settings$")):
            tab.get_by_role("button", name="Save and edit my profile").click()
        expect(tab.get_by_role("heading", name="Settings", exact=True)).to_be_visible()
        expect(tab.locator(".flash")).to_contain_text("favourite topics are saved")

        # --- profile ----------------------------------------------------------
        profile = tab.locator("section.panel").filter(
            has=tab.get_by_role("heading", name="Profile", exact=True)
        )
        expect(profile.get_by_label("Display name")).to_have_value(first_name)
        profile.get_by_label("Display name").fill(new_name)
        profile.get_by_label("Bio").fill(bio)
        with tab.expect_navigation(url=re.compile(r"/settings$")):
            profile.get_by_role("button", name="Save profile").click()
        expect(tab.locator(".flash")).to_have_text("Your profile has been saved.")
        expect(tab.get_by_label("Display name")).to_have_value(new_name)
        expect(tab.get_by_label("Bio")).to_have_value(bio)
        expect(tab.locator(".account-menu .account-name")).to_have_text(new_name)

        # --- avatar -----------------------------------------------------------
        expect(tab.locator('img[data-testid="avatar"]')).to_have_count(0)
        png = _make_png(tmp_path / "avatar.png")
        tab.locator("input#avatar").set_input_files(png)
        with tab.expect_navigation(url=re.compile(r"/settings$")):
            tab.get_by_role("button", name="Upload avatar").click()
        expect(tab.locator(".flash")).to_have_text("Your avatar is updated.")
        avatar = tab.locator('img[data-testid="avatar"]')
        expect(avatar).to_have_count(1)
        expect(avatar).to_have_attribute("src", re.compile(r"^/media/avatars/"))
        tab.wait_for_function(
            "() => { const i = document.querySelector('img[data-testid=\"avatar\"]');"
            " return i && i.complete && i.naturalWidth > 0; }",
            timeout=TIMEOUT_MS,
        )
        src = avatar.get_attribute("src")
        served = tab.request.get(src)
        assert served.ok, f"{src} answered {served.status}"
        assert served.headers.get("content-type", "").startswith("image/")
        # The header shows the new avatar too.
        expect(tab.locator(".account-menu summary img.avatar")).to_have_attribute("src", src)
        tab.screenshot(path=str(artifacts_dir / "settings-after-avatar.png"), full_page=True)

        # --- public profile -------------------------------------------------
        _goto(tab, "/profile")
        expect(tab.get_by_role("heading", name=new_name, level=1)).to_be_visible()
        expect(tab.locator(".profile-bio")).to_have_text(bio)
        expect(tab.get_by_role("img", name=f"{new_name}'s avatar")).to_have_attribute("src", src)

        # --- log out via the account menu -----------------------------------
        _log_out_via_menu(tab)
        expect(_header(tab).get_by_role("link", name="Log in")).to_be_visible()
        expect(tab.locator("details.account-menu")).to_have_count(0)
        # Signed out for real: a private page sends us to the log-in form.
        _goto(tab, "/settings")
        assert _path(tab).startswith("/login"), tab.url

        # --- log back in ----------------------------------------------------
        _goto(tab, "/login")
        tab.get_by_label("E-mail").fill(email)
        tab.get_by_label("Password").fill(PASSWORD)
        with tab.expect_navigation(url=re.compile(r"/$")):
            tab.locator("main").get_by_role("button", name="Log in").click()
        assert _path(tab) == "/", tab.url
        expect(tab.locator(".account-menu .account-name")).to_have_text(new_name)
        expect(_header(tab).get_by_role("link", name="Log in")).to_have_count(0)
        expect(tab.get_by_role("heading", name=f"Welcome back, {new_name}.")).to_be_visible()
        # The topics chosen at onboarding are marked on the home page.
        favourites = tab.locator(".category-card.is-favourite h3")
        expect(favourites).to_have_text(["Planets", "Galaxies"])
        _assert_styled_dark_page(tab)
        tab.screenshot(path=str(artifacts_dir / "home-after-login.png"), full_page=True)

        assert problems.errors == []
    except Exception as exc:
        with contextlib.suppress(Exception):  # best effort only
            tab.screenshot(path=str(artifacts_dir / "failure.png"), full_page=True)
        raise AssertionError(
            f"{exc}\n\nbrowser at {tab.url}\nbrowser problems: {problems.errors}\n"
            f"server log:\n{live_server.log_tail()}"
        ) from exc


# Log-out closes the page's socket while the log-out POST is in flight; the
# page must not mistake that for "signed out elsewhere" and reload over it.
def test_log_out_from_a_private_page_lands_on_home(page: tuple[Any, BrowserProblems]) -> None:
    from playwright.sync_api import expect

    tab, _ = page
    suffix = secrets.token_hex(4)
    _sign_up(tab, f"Quasar {suffix}", f"e2e-{suffix}@example.com")
    # The server accepted a Socket.IO connection (its CONNECT ack is "40").
    connected = watch_socket_frames(tab, lambda frame, url: url if frame.startswith("40") else None)
    _goto(tab, "/settings")
    expect(tab.locator(".account-menu")).to_have_count(1)
    # The page's live connection is up, as it is for anyone who reads the page
    # for more than a moment before logging out.
    _wait_until(tab, lambda: connected, "the Socket.IO connection never opened")
    _log_out_via_menu(tab)
    assert _path(tab) == "/", tab.url
    expect(tab.locator(".flash")).to_have_text("You have signed out.")
