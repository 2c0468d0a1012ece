"""End to end, in a real Chromium against the real server: finding a video and keeping it.

A creator's clip goes through the real pipeline (GraphQL draft, tus upload,
the server's own worker). Then the demo viewer signs in → types a word of the
title in the header search → opens the result → plays a little → likes it,
saves it and comments, without the page reloading → finds it in their saved
videos and their watch history, and sees the view counted. Screenshots land
in test-artifacts/e2e/.
"""

from __future__ import annotations

import base64
import re
import secrets
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from tests.e2e.test_video_flow import _make_clip

if TYPE_CHECKING:
    from tests.e2e.conftest import BrowserProblems, LiveServer

pytestmark = pytest.mark.e2e

CREATOR = ("vera@example.com", "dark-matter-halo")
VIEWER = ("ada@example.com", "stargazer-viewer")
VIEWER_NAME = "Ada Stargazer"
# The server processes the demo catalogue too; ours may wait behind it.
READY_TIMEOUT_S = 300
COMMENT = "The test pattern looks lovely at 0:02 <b>really</b>"


def _graphql(server: LiveServer, query: str, variables: dict[str, Any], token: str | None) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = httpx.post(
        server.url("/graphql"),
        json={"query": query, "variables": variables},
        headers=headers,
        timeout=30,
        trust_env=False,
    )
    body = response.json()
    assert not body.get("errors"), body
    return body["data"]


def _publish_clip(server: LiveServer, clip: Path, title: str) -> str:
    """What the upload page does, over HTTP: a draft, then the bytes with tus."""
    email, password = CREATOR
    login = _graphql(
        server,
        "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }",
        {"e": email, "p": password},
        None,
    )
    token = login["login"]["accessToken"]
    data = clip.read_bytes()
    created = _graphql(
        server,
        """mutation($input: CreateVideoInput!) {
             createVideo(input: $input) { video { id } upload { url } } }""",
        {
            "input": {
                "title": title,
                "size": len(data),
                "filename": clip.name,
                "description": "A test pattern and a tone, for the discovery test.",
                "category": "galaxies",
                "tags": ["test-pattern"],
            }
        },
        token,
    )
    video_id = created["createVideo"]["video"]["id"]
    meta = ",".join(
        f"{k} {base64.b64encode(v.encode()).decode()}"
        for k, v in (("videoId", video_id), ("filename", clip.name))
    )
    tus = {"Tus-Resumable": "1.0.0", "Authorization": f"Bearer {token}"}
    made = httpx.post(
        server.url("/uploads/"),
        headers={**tus, "Upload-Length": str(len(data)), "Upload-Metadata": meta},
        timeout=30,
        trust_env=False,
    )
    assert made.status_code == 201, made.text
    sent = httpx.patch(
        made.headers["Location"],
        content=data,
        headers={**tus, "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"},
        timeout=60,
        trust_env=False,
    )
    assert sent.status_code == 204, sent.text

    deadline = time.monotonic() + READY_TIMEOUT_S
    status = None
    while time.monotonic() < deadline:
        status = _graphql(
            server, "query($id: ID!) { video(id: $id) { status } }", {"id": video_id}, token
        )["video"]["status"]
        if status == "READY":
            return str(video_id)
        assert status in ("UPLOADING", "PROCESSING"), f"processing ended in {status}"
        time.sleep(1)
    raise AssertionError(f"the video was not ready within {READY_TIMEOUT_S} s ({status})")


def _player_time(page: Any) -> float:
    return float(page.evaluate("() => (window.__player && window.__player.video.currentTime) || 0"))


def test_search_watch_like_save_comment_then_find_it_in_the_library(
    page: tuple[Any, BrowserProblems],
    live_server: LiveServer,
    tmp_path: Path,
    artifacts_dir: Path,
) -> None:
    from playwright.sync_api import expect

    tab, problems = page
    word = f"Quasar{secrets.token_hex(3)}"
    title = f"{word} jets over the galaxy"
    video_id = _publish_clip(live_server, _make_clip(tmp_path / "quasar.mp4"), title)

    try:
        # --- sign in as the demo viewer -----------------------------------
        tab.goto("/login", wait_until="load")
        tab.get_by_label("E-mail").fill(VIEWER[0])
        tab.get_by_label("Password").fill(VIEWER[1])
        with tab.expect_navigation(url=re.compile(r"/$")):
            tab.locator("main").get_by_role("button", name="Log in").click()
        expect(tab.locator(".account-menu .account-name")).to_have_text(VIEWER_NAME)

        # --- search from the header ---------------------------------------
        search = tab.locator("#site-search")
        search.click()
        search.press_sequentially(word.lower(), delay=20)
        with tab.expect_navigation(url=re.compile(r"/search\?q=")):
            search.press("Enter")
        expect(tab.get_by_role("heading", level=1)).to_contain_text(word.lower())
        result = tab.locator(".search-grid .video-card-title a", has_text=word)
        expect(result).to_have_count(1)
        expect(result.locator("mark")).to_have_count(1)  # the matched word is highlighted
        tab.screenshot(path=str(artifacts_dir / "discovery-search.png"), full_page=True)
        with tab.expect_navigation(url=re.compile(rf"/video/{video_id}$")):
            result.click()
        expect(tab.get_by_role("heading", name=title, level=1)).to_be_visible()

        # --- play a little: START, then PAUSE ------------------------------
        player = tab.locator("[data-player]:not(.player-pending)")
        with tab.expect_response(
            lambda r: (
                r.url.endswith("/graphql")
                and r.request.method == "POST"
                and "recordPlayback" in (r.request.post_data or "")
                and '"START"' in (r.request.post_data or "")
            )
        ) as started:
            player.get_by_role("button", name="Play", exact=True).click()
        assert started.value.ok
        deadline = time.monotonic() + 20
        while _player_time(tab) < 2.2:
            assert time.monotonic() < deadline, f"the video does not play ({_player_time(tab)})"
            tab.wait_for_timeout(100)
        with tab.expect_response(
            lambda r: r.url.endswith("/graphql") and '"PAUSE"' in (r.request.post_data or "")
        ) as paused:
            player.locator("[data-player-play]").click()
        playback = paused.value.json()["data"]["recordPlayback"]
        assert playback == {"countedView": True, "viewCount": 1}, playback
        expect(tab.locator(".watch-views")).to_have_text("1 view")

        # --- share a link at the current time ------------------------------
        share = tab.locator("[data-share]")
        share.locator("summary").click()
        link = share.get_by_label("Link to this video")
        expect(link).to_have_value(re.compile(rf"^http://127\.0\.0\.1:\d+/video/{video_id}\?t=2$"))
        share.get_by_role("checkbox", name=re.compile(r"Start at 0:02")).uncheck()
        expect(link).to_have_value(re.compile(rf"/video/{video_id}$"))
        share.get_by_role("button", name="Copy link").click()
        expect(tab.locator(".toasts")).to_contain_text("Link copied.")
        share.locator("summary").click()

        # --- like, save, comment: in place ---------------------------------
        actions = tab.locator("[data-engagement]")
        like = actions.locator("form[data-toggle=like] button")
        save = actions.locator("form[data-toggle=save] button")
        expect(like).to_have_attribute("aria-pressed", "false")
        like.click()
        expect(like).to_have_attribute("aria-pressed", "true")
        expect(like.locator("[data-like-count]")).to_have_text("1")
        save.click()
        expect(save).to_have_attribute("aria-pressed", "true")
        expect(save).to_contain_text("Saved")

        comments = tab.locator("[data-comments]")
        comments.get_by_label("Add a comment").fill(COMMENT)
        comments.get_by_role("button", name="Comment", exact=True).click()
        posted = comments.locator(".comment-body", has_text="The test pattern looks lovely")
        expect(posted).to_have_count(1)
        expect(posted).to_have_text(COMMENT)  # shown as text, not as markup
        expect(comments.locator("[data-comment-count]")).to_have_text("1")
        expect(comments.get_by_role("textbox", name="Add a comment")).to_have_value("")
        assert re.search(rf"/video/{video_id}$", tab.url), "the page navigated away"
        tab.screenshot(path=str(artifacts_dir / "discovery-watch.png"), full_page=True)

        # Everything is on the server: a reload shows the same state.
        tab.reload(wait_until="load")
        expect(like).to_have_attribute("aria-pressed", "true")
        expect(save).to_have_attribute("aria-pressed", "true")
        expect(tab.locator("[data-view-count]")).to_have_text("1")
        expect(posted).to_have_count(1)
        expect(comments.locator(".comment-author").first).to_have_text(VIEWER_NAME)

        # --- the library ----------------------------------------------------
        tab.goto("/library/saved", wait_until="load")
        expect(tab.locator("[data-saved-list] .video-card-title", has_text=title)).to_have_count(1)
        tab.screenshot(path=str(artifacts_dir / "discovery-saved.png"), full_page=True)

        tab.goto("/library/history", wait_until="load")
        entry = tab.locator("[data-history-list] .video-card", has_text=title)
        expect(entry).to_have_count(1)
        expect(entry.locator(".library-meta")).to_contain_text(
            re.compile(r"Stopped at 0:0[2-4]|Watched")
        )
        tab.screenshot(path=str(artifacts_dir / "discovery-history.png"), full_page=True)

        # The account menu leads there too.
        tab.locator(".account-menu summary").click()
        with tab.expect_navigation(url=re.compile(r"/dashboard$")):
            tab.locator(".account-menu").get_by_role("link", name="Dashboard").click()
        expect(tab.locator("[data-activity-list]")).to_contain_text(f"You liked {title}")
        tab.screenshot(path=str(artifacts_dir / "discovery-dashboard.png"), full_page=True)

        assert problems.errors == []
    except Exception:
        tab.screenshot(path=str(artifacts_dir / "discovery-failure.png"), full_page=True)
        print(live_server.log_tail())
        raise
