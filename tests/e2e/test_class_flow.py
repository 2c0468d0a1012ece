"""End to end, in two Chromium contexts: a teacher opens a class, a learner joins it by
its link, and the teacher sees the learner; due dates show in the reader's own time."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import pytest

from tests.e2e.test_discovery_flow import CREATOR, VIEWER, VIEWER_NAME
from tests.e2e.test_watch_party_flow import _log_in

if TYPE_CHECKING:
    from tests.e2e.conftest import BrowserProblems, LiveServer

pytestmark = pytest.mark.e2e


def _gql(tab: Any, query: str, **variables: Any) -> dict[str, Any]:
    """A GraphQL call with the tab's cookies (and so its CSRF token, as the site's JS does)."""
    token = next(c["value"] for c in tab.context.cookies() if c["name"] == "cs_csrf")
    response = tab.request.post(
        "/graphql",
        data={"query": query, "variables": variables},
        headers={"X-CSRF-Token": token},
    )
    body: dict[str, Any] = response.json()
    assert not body.get("errors"), body
    return body["data"]


def _published_course(tab: Any) -> str:
    """A two-article course by the tab's creator, published; its slug."""
    course = _gql(
        tab,
        "mutation($i: CourseInput!) { createCourse(input: $i) { id slug } }",
        i={"title": "Reading the night sky"},
    )["createCourse"]
    module = _gql(
        tab,
        'mutation($c: ID!) { addCourseModule(courseId: $c, title: "Basics") { id } }',
        c=course["id"],
    )["addCourseModule"]
    for title in ("Constellations", "Magnitudes"):
        _gql(
            tab,
            "mutation($m: ID!, $i: LessonInput!) { addLesson(moduleId: $m, input: $i) }",
            m=module["id"],
            i={"kind": "ARTICLE", "title": title, "body": "Look up."},
        )
    _gql(tab, "mutation($c: ID!) { publishCourse(id: $c) { id } }", c=course["id"])
    slug: str = course["slug"]
    return slug


def test_teacher_opens_a_class_and_sees_who_joined(
    two_contexts: list[tuple[Any, BrowserProblems]],
    live_server: LiveServer,
    artifacts_dir: Any,
) -> None:
    from playwright.sync_api import expect

    (vera, vera_problems), (ada, ada_problems) = two_contexts
    _log_in(vera, *CREATOR)
    _log_in(ada, *VIEWER)

    vera.goto("/classes", wait_until="load")
    vera.get_by_label("New class").fill("Astronomy 101 — Thursday")
    with vera.expect_navigation(url=re.compile(r"/classes/[0-9a-f-]+$")):
        vera.get_by_role("button", name="Open class").click()
    class_url = vera.url
    expect(vera.locator(".flash")).to_contain_text("Your class is open")
    link = vera.locator("[data-join-link]").get_attribute("href")
    assert link and link.startswith("/classes/join/")
    # With JavaScript the due date is typed in local time.
    expect(vera.locator("[data-due-zone]")).to_have_text("(your local time)")

    ada.goto(link, wait_until="load")
    expect(ada.locator("h1")).to_contain_text("Astronomy 101 — Thursday")
    with ada.expect_navigation(url=re.compile(r"/classes/[0-9a-f-]+$")):
        ada.get_by_role("button", name="Join the class").click()
    expect(ada.locator(".flash")).to_contain_text("You are in Astronomy 101 — Thursday.")
    expect(ada.get_by_role("button", name="Leave the class")).to_be_visible()

    # The teacher assigns a course, due in a week, typed in local time.
    slug = _published_course(vera)
    vera.goto(class_url, wait_until="load")
    vera.get_by_label("Its address or slug").fill(f"/courses/{slug}")
    vera.get_by_label(re.compile("^Due")).fill("2099-06-01T20:30")
    with vera.expect_navigation(url=re.compile(r"/classes/[0-9a-f-]+#assignments$")):
        vera.get_by_role("button", name="Assign").click()
    expect(vera.locator(".flash")).to_contain_text("Assigned.")
    due = vera.locator("#assignments time[data-local]").first
    expect(due).to_contain_text("20:30")  # shown back in the reader's own clock
    expect(vera.locator(".class-table")).to_contain_text(VIEWER_NAME)
    expect(vera.locator(".class-table")).to_contain_text("Constellations")
    expect(vera.locator(".class-table .class-cell-not_started")).to_have_count(2)

    # The learner sees the assignment with a one-click enrol.
    ada.goto("/classes", wait_until="load")
    expect(ada.locator(".class-assignment")).to_contain_text("Reading the night sky")
    ada.screenshot(path=str(artifacts_dir / "class-learner.png"), full_page=True)

    expect(vera.locator("#members-heading")).to_be_visible()
    expect(vera.locator(".class-list")).to_contain_text(VIEWER_NAME)
    # The join time is rewritten into the reader's clock by classes.js.
    joined = vera.locator(".class-list time[data-local]").first
    expect(joined).to_have_text(re.compile(r"^\d{2}:\d{2}$|^\w{3} \d{1,2} \w{3}"))
    vera.screenshot(path=str(artifacts_dir / "class-teacher.png"), full_page=True)
    assert not vera_problems.errors, vera_problems.errors
    assert not ada_problems.errors, ada_problems.errors
