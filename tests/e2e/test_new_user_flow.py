"""End to end in Chromium: what new users tripped over (issue 12, items 18, 19, 22).

- An admin follows "Manage video" from someone else's watch page to that
  video's own manage view, renames it, then deletes it.
- A post arriving live in a forum thread has its Report link, and the
  thread's reply count follows.
- Selected onboarding topics are plain to see: a check mark, a strong border,
  and the checkbox's state for assistive technology.
"""

from __future__ import annotations

import re
import secrets
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from tests.e2e.test_discovery_flow import CREATOR, VIEWER, _graphql, _publish_clip
from tests.e2e.test_video_flow import _make_clip
from tests.e2e.test_watch_party_flow import _log_in

if TYPE_CHECKING:
    from tests.e2e.conftest import BrowserProblems, LiveServer

pytestmark = pytest.mark.e2e

ADMIN = ("admin@example.com", "orbital-admin-2026")


def _token(server: LiveServer, email: str, password: str) -> str:
    data = _graphql(
        server,
        "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }",
        {"e": email, "p": password},
        None,
    )
    return str(data["login"]["accessToken"])


def test_an_admin_manages_someone_elses_video_from_its_watch_page(
    page: tuple[Any, BrowserProblems], live_server: LiveServer
) -> None:
    from playwright.sync_api import expect

    tab, problems = page
    # Vera's draft: the manage view works for a video in any state.
    token = _token(live_server, *CREATOR)
    title = f"Comet {secrets.token_hex(3)} over the ridge"
    created = _graphql(
        live_server,
        """mutation($input: CreateVideoInput!) { createVideo(input: $input) {
             video { id owner { id } } } }""",
        {"input": {"title": title, "size": 1000, "filename": "comet.mp4"}},
        token,
    )["createVideo"]["video"]
    video_id, owner_id = created["id"], created["owner"]["id"]

    _log_in(tab, *ADMIN)
    tab.goto(f"/video/{video_id}", wait_until="load")
    with tab.expect_navigation(url=re.compile(rf"/content/{video_id}$")):
        tab.get_by_role("link", name="Manage video").click()
    expect(tab.locator("h1")).to_have_text("Manage video")
    expect(tab.locator("[data-video-owner]")).to_contain_text("Vera Nebula")
    row = tab.locator(f"#video-{video_id}")
    expect(row.locator(".video-title")).to_have_text(title)

    # The edit form is open on this page: rename and make it unlisted.
    tab.get_by_label("Title").fill(f"{title} (renamed)")
    tab.get_by_label("Visibility").select_option("unlisted")
    with tab.expect_navigation(url=re.compile(rf"/content/{video_id}$")):
        row.get_by_role("button", name="Save").click()
    expect(tab.locator(".flash")).to_contain_text("Saved.")
    expect(row.locator(".video-title")).to_have_text(f"{title} (renamed)")
    expect(row.locator(".visibility")).to_have_text("Unlisted")

    # Deleting asks first, then lands on the owner's channel, not the admin's own list.
    tab.once("dialog", lambda dialog: dialog.accept())
    with tab.expect_navigation(url=re.compile(rf"/profile/{owner_id}$")):
        row.get_by_role("button", name=re.compile("^Delete")).click()
    expect(tab.locator(".flash")).to_contain_text("deleted")
    gone = httpx.get(live_server.url(f"/video/{video_id}"), trust_env=False, timeout=10)
    assert gone.status_code == 404
    assert problems.errors == [], problems.errors


def test_a_live_post_has_its_report_link_and_the_reply_count_follows(
    two_contexts: list[tuple[Any, BrowserProblems]],
) -> None:
    from playwright.sync_api import expect

    (vera, vera_problems), (ada, ada_problems) = two_contexts
    _log_in(vera, *CREATOR)
    _log_in(ada, *VIEWER)
    vera.goto("/forums", wait_until="load")
    with vera.expect_navigation(url=re.compile(r"/forums/[0-9a-f-]+$")):
        vera.locator("[data-thread-list] .thread-row-title a").first.click()
    thread_url = vera.url
    ada.goto(thread_url, wait_until="load")
    expect(ada.locator("[data-chat-status]")).to_have_text("Live")
    count = ada.locator("[data-reply-count]")
    before = int(count.inner_text().split()[0])

    word = f"Nebula{secrets.token_hex(3)}"
    vera.locator("#reply-body").fill(f"A live reply about {word}.")
    with vera.expect_navigation():
        vera.get_by_role("button", name="Post reply").click()

    post = ada.locator("[data-posts] [data-post-id]", has_text=word)
    expect(post).to_have_count(1)
    expect(count).to_have_text(f"{before + 1} {'reply' if before == 0 else 'replies'}")
    # What the server renders under someone else's post: Report, and it works.
    post.locator("[data-post-report] summary").click()
    post.get_by_label("Why are you reporting this post?").fill("Testing the live report form")
    with ada.expect_navigation(url=re.compile(r"#post-")):
        post.get_by_role("button", name="Report").click()
    expect(ada.locator(".flash")).to_contain_text("the moderators will have a look")

    # A deleted reply takes the count back down on the other page.
    vera.goto(thread_url, wait_until="load")
    expect(vera.locator("[data-chat-status]")).to_have_text("Live")
    ada.goto(thread_url, wait_until="load")
    expect(ada.locator("[data-chat-status]")).to_have_text("Live")
    mine = vera.locator("[data-posts] [data-post-id]", has_text=word)
    mine.locator("[data-post-delete] summary").click()
    with vera.expect_navigation():
        mine.get_by_role("button", name="Yes, delete it").click()
    expect(ada.locator("[data-reply-count]")).to_have_text(
        f"{before} {'reply' if before == 1 else 'replies'}"
    )
    assert vera_problems.errors == [] and ada_problems.errors == [], (
        vera_problems.errors + ada_problems.errors
    )


# WCAG 2.1 non-text contrast for a control's state: at least 3:1.
CONTRAST_JS = """([a, b]) => {
  const rgb = (s) => s.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const lum = (c) => {
    const [r, g, b] = rgb(c).map((v) => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
}"""


def test_a_new_user_sees_the_topics_they_chose_and_is_welcomed(
    page: tuple[Any, BrowserProblems], artifacts_dir: Path
) -> None:
    from playwright.sync_api import expect

    tab, problems = page
    name = f"Luna {secrets.token_hex(2)}"
    tab.goto("/signup", wait_until="load")
    tab.get_by_label("Display name").fill(name)
    tab.get_by_label("E-mail").fill(f"luna-{secrets.token_hex(4)}@example.com")
    tab.get_by_label("Password", exact=True).fill("a long enough passphrase")
    with tab.expect_navigation(url=re.compile(r"/onboarding$")):
        tab.get_by_role("button", name="Create account").click()

    # Each topic is a checkbox named by the topic alone, described by its blurb.
    planets = tab.get_by_role("checkbox", name="Planets", exact=True)
    stars = tab.get_by_role("checkbox", name="Stars", exact=True)
    expect(planets).to_have_accessible_description("Worlds of the Solar System and beyond.")
    expect(planets).not_to_be_checked()
    card = tab.locator("label.topic", has=tab.locator('input[value="planets"]'))
    check = card.locator(".topic-check svg")
    expect(check).to_have_css("color", "rgba(0, 0, 0, 0)")

    card.click()
    expect(planets).to_be_checked()
    expect(stars).not_to_be_checked()
    # The check mark shows, dark on the accent disc…
    expect(check).to_be_visible()
    colours = check.evaluate(
        """(svg) => [getComputedStyle(svg).color,
                     getComputedStyle(svg.parentElement).backgroundColor]"""
    )
    assert tab.evaluate(CONTRAST_JS, colours) >= 3, colours
    # …and the card's outline stands out from the page around it.
    body = card.locator(".topic-body")
    outline = body.evaluate("(b) => getComputedStyle(b).borderTopColor")
    page_bg = tab.evaluate("() => getComputedStyle(document.body).backgroundColor")
    assert tab.evaluate(CONTRAST_JS, [outline, page_bg]) >= 3, (outline, page_bg)
    unselected = tab.locator("label.topic", has=tab.locator('input[value="stars"]'))
    assert body.evaluate("(b) => getComputedStyle(b).boxShadow") != unselected.locator(
        ".topic-body"
    ).evaluate("(b) => getComputedStyle(b).boxShadow")

    tab.locator(".topic-picker").screenshot(path=str(artifacts_dir / "onboarding-chosen.png"))
    with tab.expect_navigation(url=re.compile(r"/$")):
        tab.get_by_role("button", name="Save and continue").click()
    # A first visit, not a return.
    expect(tab.locator("h1")).to_have_text(f"Welcome to CosmoStream, {name}.")
    assert problems.errors == [], problems.errors


def test_a_creators_name_leads_to_their_channel(
    page: tuple[Any, BrowserProblems], live_server: LiveServer, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    tab, problems = page
    title = f"Pulsar {secrets.token_hex(3)} timing"
    video_id = _publish_clip(live_server, _make_clip(tmp_path / "pulsar.mp4"), title)

    _log_in(tab, *VIEWER)
    tab.goto(f"/video/{video_id}", wait_until="load")
    with tab.expect_navigation(url=re.compile(r"/profile/[0-9a-f-]+$")):
        tab.locator(".watch-creator .creator-link").click()
    expect(tab.locator("h1")).to_have_text("Vera Nebula")
    videos = tab.locator(".channel-videos .video-card-title")
    expect(videos.first).to_have_text(title)
    assert int(tab.get_by_test_id("video-count").inner_text()) >= 1
    tab.get_by_test_id("view-count").wait_for()

    with tab.expect_navigation(url=re.compile(r"\?sort=views$")):
        tab.get_by_role("link", name="Popular").click()
    expect(tab.get_by_role("link", name="Popular")).to_have_attribute("aria-current", "page")
    expect(videos.filter(has_text=title)).to_have_count(1)

    # The demo viewer follows Vera: unfollow, and the count follows.
    followers = int(tab.get_by_test_id("follower-count").inner_text())
    with tab.expect_navigation():
        tab.locator(".profile-actions").get_by_role("button", name="Unfollow").click()
    expect(tab.get_by_test_id("follower-count")).to_have_text(str(followers - 1))
    with tab.expect_navigation():
        tab.locator(".profile-actions").get_by_role("button", name="Follow").click()
    expect(tab.get_by_test_id("follower-count")).to_have_text(str(followers))
    assert problems.errors == [], problems.errors
