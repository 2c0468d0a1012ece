"""End to end, in two Chromium contexts: the demo college's admin invites a viewer by
e-mail from `/org/mkcc`; the viewer follows the mailed link (from the outbox), accepts,
and holds a seat; the admin sees them in the members table, joined by invitation."""

from __future__ import annotations

import re
import time
from email import message_from_bytes
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pytest

from cosmostream import domains
from cosmostream.billing import organization_demo, organization_pages
from tests.e2e.test_watch_party_flow import _log_in

if TYPE_CHECKING:
    from tests.e2e.conftest import BrowserProblems, LiveServer

SERVED = any(organization_pages.router in d.routers for d in domains.all_domains())

pytestmark = [
    pytest.mark.e2e,
    # The billing domain registers the organization pages and demo (billing/domain.py).
    pytest.mark.skipif(not SERVED, reason="the organization pages are not registered yet"),
]

INVITEE, INVITEE_PASSWORD = "ada@example.com", "stargazer-viewer"
MAIL_TIMEOUT_S = 30


def _mailed_link(outbox: Path, to: str) -> str:
    """The invitation link of the message to `to`, once the worker has written it."""
    deadline = time.monotonic() + MAIL_TIMEOUT_S
    while time.monotonic() < deadline:
        for path in sorted(outbox.glob("*.eml")) if outbox.is_dir() else []:
            message = message_from_bytes(path.read_bytes())
            if message["To"] != to:
                continue
            text = message.get_payload()[0].get_payload(decode=True).decode()  # type: ignore[index,union-attr]
            match = re.search(r"(http://\S+/org/invitations/[\w-]+)", text)
            assert match, text
            return match.group(1)
        time.sleep(0.2)
    raise AssertionError(f"no invitation to {to} in {outbox} within {MAIL_TIMEOUT_S}s")


def test_an_admin_invites_and_the_invitee_accepts(
    two_contexts: list[tuple[Any, BrowserProblems]], live_server: LiveServer
) -> None:
    from playwright.sync_api import expect

    (dean, _), (ada, _) = two_contexts
    email, password, _name = organization_demo.ADMIN
    _log_in(dean, email, password)
    dean.goto("/org/mkcc", wait_until="load")
    expect(dean.locator("[data-seats]")).to_have_text("5 of 10")
    invitations = dean.locator("#invitations")
    invitations.get_by_label("E-mail address").fill(INVITEE)
    with dean.expect_navigation():
        invitations.get_by_role("button", name="Send invitation").click()
    expect(dean.locator("[data-invitations]")).to_contain_text(INVITEE)

    link = _mailed_link(live_server.data_dir / "outbox", INVITEE)
    _log_in(ada, INVITEE, INVITEE_PASSWORD)
    ada.goto(urlsplit(link).path, wait_until="load")
    with ada.expect_navigation(url=re.compile(r"/org/mkcc$")):
        ada.get_by_role("button", name="Accept and take a seat").click()
    expect(ada.locator("main")).to_contain_text("You hold a seat")

    dean.goto("/org/mkcc", wait_until="load")
    expect(dean.locator("[data-seats]")).to_have_text("6 of 10")
    row = dean.locator("tr", has_text=INVITEE)
    expect(row).to_contain_text("invitation")
    expect(dean.locator("[data-invitations]")).not_to_contain_text(INVITEE)
