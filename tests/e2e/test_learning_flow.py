"""End to end, in two Chromium contexts: a creator builds a course with the editor's
forms and publishes it; a learner enrols, watches its video lesson until a question
pauses the player, answers it, finishes the lesson, fails the quiz once and passes
it, completes the course and opens the certificate and its PDF."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.e2e.test_discovery_flow import CREATOR, VIEWER, VIEWER_NAME, _publish_clip
from tests.e2e.test_watch_party_flow import _log_in, _make_clip

if TYPE_CHECKING:
    from tests.e2e.conftest import BrowserProblems, LiveServer

pytestmark = pytest.mark.e2e

COURSE = "Moons in motion"
CLIP = "Io, four seconds"
PLAY_TIMEOUT_MS = 30_000


def _submit(tab: Any, form: Any, button: str, url: str | re.Pattern[str]) -> None:
    with tab.expect_navigation(url=url):
        form.get_by_role("button", name=button).click()


def _add_question(tab: Any, prompt: str, options: list[tuple[str, bool]], at: str = "") -> None:
    """One single-choice question through the lesson editor's new-question form."""
    form = tab.locator("form[data-question-form]").last
    form.get_by_label("Kind").select_option("single")
    form.get_by_label("Question").fill(prompt)
    if at:
        form.get_by_label("Ask at (seconds into the video)").fill(at)
    for n, (text, correct) in enumerate(options):
        form.get_by_label(f"Option {n + 1}", exact=True).fill(text)
        if correct:
            form.locator(f'input[name="choice_correct"][value="{n}"]').check()
    with tab.expect_navigation():
        form.locator("button[type=submit]").last.click()
    assert tab.locator(".flash").first.is_visible()


def _build_course(tab: Any) -> str:
    """The creator's course: one module with a video lesson asking a question at 1 s,
    then a quiz lesson; published. Its slug."""
    from playwright.sync_api import expect

    tab.goto("/create", wait_until="load")
    with tab.expect_navigation(url=re.compile(r"/create/courses/new$")):
        tab.get_by_role("link", name=re.compile("New course")).first.click()
    tab.get_by_label("Title").fill(COURSE)
    tab.get_by_label("Summary").fill("Io, Europa and friends, watched and quizzed.")
    with tab.expect_navigation(url=re.compile(r"/courses/[a-z0-9-]+/edit$")):
        tab.get_by_role("button", name="Create the course").click()
    slug = tab.url.split("/courses/")[1].split("/")[0]
    editor = tab.url

    new_module = tab.locator("#new-module")
    new_module.get_by_label("Title").fill("Watching the moons")
    with tab.expect_navigation():
        new_module.get_by_role("button", name="Add module").click()

    def add_lesson(kind: str, title: str) -> None:
        tab.goto(editor, wait_until="load")
        details = tab.locator("details.add-lesson").first
        details.locator("summary").click()
        details.get_by_label("Kind").select_option(kind)
        details.get_by_label("Title").fill(title)
        if kind == "video":
            details.get_by_label("Video (video lessons)").select_option(label=CLIP)
        with tab.expect_navigation():
            details.get_by_role("button", name="Add lesson").click()
        tab.goto(editor, wait_until="load")
        with tab.expect_navigation(url=re.compile(r"/lessons/[0-9a-f-]+$")):
            tab.locator(".lesson-list").get_by_role("link", name=title).click()

    add_lesson("video", "Io in a few seconds")
    _add_question(tab, "Which moon did you just see?", [("Io", True), ("Titan", False)], at="1")
    add_lesson("quiz", "Check your moons")
    _add_question(tab, "Which moon has volcanoes?", [("Io", True), ("Europa", False)])

    tab.goto(editor, wait_until="load")
    with tab.expect_navigation():
        tab.get_by_role("button", name="Publish").first.click()
    expect(tab.locator(".flash")).to_contain_text(re.compile("ublished"))
    return slug


def _playback_event(event: str) -> Any:
    def matches(response: Any) -> bool:
        body = response.request.post_data or ""
        return response.url.endswith("/graphql") and "recordPlayback" in body and event in body

    return matches


def _answer_in_form(tab: Any, choice: str, submit_url: re.Pattern[str]) -> None:
    form = tab.locator("form[data-quiz-form]")
    form.get_by_label(choice, exact=True).check()
    with tab.expect_navigation(url=submit_url):
        form.locator("[data-submit]").click()


def test_a_creator_builds_a_course_and_a_learner_completes_it(
    two_contexts: list[tuple[Any, BrowserProblems]],
    live_server: LiveServer,
    artifacts_dir: Any,
    tmp_path: Path,
) -> None:
    from playwright.sync_api import expect

    (vera, vera_problems), (ada, ada_problems) = two_contexts
    _publish_clip(live_server, _make_clip(tmp_path / "io.mp4", seconds=4), CLIP)
    _log_in(vera, *CREATOR)
    _log_in(ada, *VIEWER)
    slug = _build_course(vera)
    vera.screenshot(path=str(artifacts_dir / "learning-editor.png"), full_page=True)

    # The learner finds it, enrols and continues to its first lesson.
    ada.goto(f"/learn?q={COURSE.split()[0]}", wait_until="load")
    with ada.expect_navigation(url=re.compile(rf"/courses/{slug}$")):
        ada.get_by_role("link", name=COURSE).first.click()
    with ada.expect_navigation():
        ada.get_by_role("button", name=re.compile("^Enrol")).first.click()
    with ada.expect_navigation(url=re.compile(r"/lessons/[0-9a-f-]+$")):
        ada.locator("[data-continue]").click()
    video_lesson = ada.url

    # Playing pauses at 1 s with the question; answering goes on to the end.
    video = ada.locator("[data-lesson-player] video")
    expect(video).to_be_visible()
    ada.evaluate("document.querySelector('[data-lesson-player] video').muted = true")
    ada.evaluate("document.querySelector('[data-lesson-player] video').play()")
    question = ada.locator("[data-video-question]")
    expect(question).to_be_visible(timeout=PLAY_TIMEOUT_MS)
    assert ada.evaluate("document.querySelector('[data-lesson-player] video').paused")
    expect(question).to_contain_text("Which moon did you just see?")
    question.get_by_label("Io", exact=True).check()
    # The server measured the watching; once the player's END is answered the lesson is done.
    with ada.expect_response(_playback_event("END"), timeout=PLAY_TIMEOUT_MS) as ended:
        question.get_by_role("button", name="Answer and go on").click()
        expect(question).to_be_hidden()
    assert ended.value.ok
    ada.goto(video_lesson, wait_until="load")
    expect(ada.locator("[data-coverage]")).to_contain_text("Completed.")

    # The quiz: a wrong answer first, then the right one.
    with ada.expect_navigation(url=re.compile(r"/lessons/[0-9a-f-]+$")):
        ada.get_by_role("link", name=re.compile("Check your moons")).first.click()
    quiz_lesson = ada.url
    with ada.expect_navigation():
        ada.get_by_role("button", name="Start the quiz").click()
    _answer_in_form(ada, "Europa", re.compile(r"/attempts/[0-9a-f-]+$"))
    expect(ada.locator("[data-verdict]")).to_have_attribute("data-verdict", "fail")
    ada.goto(quiz_lesson, wait_until="load")
    with ada.expect_navigation():
        ada.get_by_role("button", name="Try again").click()
    _answer_in_form(ada, "Io", re.compile(r"/attempts/[0-9a-f-]+$"))
    expect(ada.locator("[data-verdict]")).to_have_attribute("data-verdict", "pass")
    ada.screenshot(path=str(artifacts_dir / "learning-quiz-result.png"), full_page=True)

    # The course is complete and its certificate can be checked by anyone.
    ada.goto(f"/courses/{slug}", wait_until="load")
    certificate = ada.get_by_role("link", name=re.compile("ertificate")).first
    href = certificate.get_attribute("href")
    assert href and re.fullmatch(r"/certificates/CS-[A-Z0-9-]+", href), href
    with ada.expect_navigation(url=re.compile(r"/certificates/")):
        certificate.click()
    expect(ada.locator("main")).to_contain_text(VIEWER_NAME)
    expect(ada.locator("main")).to_contain_text(COURSE)
    pdf = vera.request.get(f"{href}.pdf")
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF")
    ada.screenshot(path=str(artifacts_dir / "learning-certificate.png"), full_page=True)

    assert not vera_problems.errors, vera_problems.errors
    assert not ada_problems.errors, ada_problems.errors
