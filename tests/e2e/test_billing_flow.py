"""End to end in Chromium, with billing in test mode (the fake Stripe mounted at
/_stripe, reached by the server's SDK over loopback): a new viewer opens /pricing,
upgrades to Premium through the hosted Checkout page, comes back to
/settings/billing showing Premium, sees the invoice, then watches a premium
video past where its preview stopped on the Free plan, then cancels at period end.
The demo's own Premium viewer and Institutional organization are there too."""

from __future__ import annotations

import re
import secrets
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.e2e.conftest import COSMOSTREAM, _free_port, _server_env, serve
from tests.e2e.test_discovery_flow import CREATOR, _graphql, _publish_clip
from tests.e2e.test_watch_party_flow import _log_in
from tests.video.conftest import make_clip

if TYPE_CHECKING:
    from tests.e2e.conftest import BrowserProblems, LiveServer

pytestmark = pytest.mark.e2e

BILLING = {"COSMOSTREAM_BILLING_MODE": "test"}


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The demo loaded and served with billing in test mode."""
    root = tmp_path_factory.mktemp("e2e-billing-demo")
    data_dir = root / "data"
    env = {**_server_env(data_dir, _free_port()), **BILLING}
    for command in (["migrate"], ["demo", "--videos", "0"]):
        done = subprocess.run(
            [*COSMOSTREAM, *command], env=env, cwd=root, capture_output=True, timeout=180
        )
        assert done.returncode == 0, done.stderr.decode(errors="replace")
    with serve(tmp_path_factory, data_dir, **BILLING) as server:
        yield server


def _sign_up(tab: Any) -> None:
    tab.goto("/signup", wait_until="load")
    tab.get_by_label("Display name").fill(f"Vega {secrets.token_hex(2)}")
    tab.get_by_label("E-mail").fill(f"vega-{secrets.token_hex(4)}@example.com")
    tab.get_by_label("Password", exact=True).fill("a long enough passphrase")
    with tab.expect_navigation(url=re.compile(r"/onboarding$")):
        tab.get_by_role("button", name="Create account").click()


@pytest.fixture(scope="module")
def premium_video(live_server: LiveServer, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A 12 s clip (4 s segments) through the real pipeline, marked Premium with a 4 s preview."""
    clip = make_clip(tmp_path_factory.mktemp("premium") / "premium.mp4", seconds=12)
    video_id = _publish_clip(live_server, clip, "Premium nebula pattern")
    token = _graphql(
        live_server,
        "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }",
        {"e": CREATOR[0], "p": CREATOR[1]},
        None,
    )["login"]["accessToken"]
    _graphql(
        live_server,
        """mutation($id: ID!, $input: UpdateVideoInput!) {
             updateVideo(id: $id, input: $input) { premium } }""",
        {"id": video_id, "input": {"premium": True, "previewSeconds": 4}},
        token,
    )
    return video_id


def _segments_requested(tab: Any) -> list[str]:
    seen: list[str] = []

    def on_request(request: Any) -> None:
        match = re.search(r"/hls/[^/]+/v\d+/(seg_\d+\.m4s)", request.url)
        if match:
            seen.append(match.group(1))

    tab.on("request", on_request)
    return seen


def test_upgrade_to_premium_and_cancel(
    page: tuple[Any, BrowserProblems],
    live_server: LiveServer,
    premium_video: str,
    artifacts_dir: Path,
) -> None:
    from playwright.sync_api import expect

    tab, problems = page
    _sign_up(tab)
    segments = _segments_requested(tab)
    # On the Free plan: the premium video's page offers the preview only.
    tab.goto(f"/video/{premium_video}", wait_until="domcontentloaded")
    source = tab.locator("[data-player]").get_attribute("data-src") or ""
    assert "/preview.m3u8?" in source, source
    tab.goto("/pricing", wait_until="load")
    free = tab.locator('[data-plan="free"]')
    expect(free).to_have_class(re.compile("plan-current"))
    premium = tab.locator('[data-plan="premium"]')
    expect(premium.locator('[data-price="premium_month"]')).to_have_text("$9.00")
    expect(premium.locator('[data-price="premium_year"]')).to_have_text("$90.00")
    expect(tab.locator("[data-test-mode]")).to_be_visible()

    with tab.expect_navigation(url=re.compile(r"/_stripe/checkout/cs_test_")):
        premium.get_by_role("button", name="Upgrade to Premium").click()
    expect(tab.get_by_text("TEST MODE — no payment is taken.")).to_be_visible()
    with tab.expect_navigation(url=re.compile(r"/settings/billing\?checkout=cs_test_")):
        tab.get_by_role("button", name="Pay (test)").click()

    expect(tab.locator('[data-current-plan="premium"]')).to_have_text("Premium")
    expect(tab.locator("[data-renews]")).to_be_visible()
    expect(tab.locator('[data-entitlement="video.premium"]')).to_be_visible()
    expect(tab.locator("tr[data-invoice]")).to_have_count(1)
    expect(tab.locator("tr[data-invoice]")).to_contain_text("$9.00")
    tab.screenshot(path=str(artifacts_dir / "billing-premium.png"), full_page=True)

    # Premium now: the whole video plays, past where the preview stopped (the
    # player may fetch every segment while the page loads).
    segments.clear()
    tab.goto(f"/video/{premium_video}", wait_until="domcontentloaded")
    source = tab.locator("[data-player]").get_attribute("data-src") or ""
    assert "/master.m3u8?" in source and "/preview.m3u8" not in source, source
    expect(tab.locator("[data-paywall]")).to_be_hidden()
    tab.locator("[data-player-bigplay]").click()
    tab.evaluate("document.querySelector('[data-player-video]').currentTime = 9")
    tab.wait_for_function(
        "() => document.querySelector('[data-player-video]').currentTime > 9.5", timeout=60_000
    )
    assert "seg_00002.m4s" in segments, segments

    # The pricing page now highlights Premium.
    tab.goto("/pricing", wait_until="load")
    expect(tab.locator('[data-plan="premium"]')).to_have_class(re.compile("plan-current"))

    # Cancel at period end: still Premium, with the end date and a way back.
    tab.goto("/settings/billing", wait_until="load")
    with tab.expect_navigation(url=re.compile(r"/settings/billing$")):
        tab.get_by_role("button", name="Cancel at the end of the period").click()
    expect(tab.locator("[data-ends]")).to_be_visible()
    expect(tab.locator('[data-current-plan="premium"]')).to_be_visible()
    expect(tab.get_by_role("button", name="Resume my plan")).to_be_visible()

    # The Customer Portal (the fake's) opens from "Manage payment method".
    with tab.expect_navigation(url=re.compile(r"/_stripe/portal/bps_test_")):
        tab.get_by_role("button", name="Manage payment method").click()
    expect(tab.get_by_text("(cancels at period end)")).to_be_visible()
    assert problems.errors == [], problems.errors


def test_demo_has_a_premium_viewer_and_an_organization(
    page: tuple[Any, BrowserProblems], live_server: LiveServer
) -> None:
    from playwright.sync_api import expect

    tab, problems = page
    _log_in(tab, "ada@example.com", "stargazer-viewer")
    tab.goto("/settings/billing", wait_until="load")
    expect(tab.locator('[data-current-plan="premium"]')).to_be_visible()
    tab.context.clear_cookies()
    _log_in(tab, "vera@example.com", "dark-matter-halo")
    tab.goto("/org/griffith-club/seats", wait_until="load")
    expect(tab.locator('[data-seats="25"]')).to_be_visible()
    assert problems.errors == [], problems.errors
