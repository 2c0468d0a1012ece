"""Billing's demo data, in test mode only: a Premium viewer and an organization
with Institutional seats, bought through the fake Stripe so every object is
shaped as Stripe's would be.

`cosmostream demo` runs while the web server is down, so the fake is served on
a loopback port for the duration (with the same state file the server's
`/_stripe` mount loads), and the subscriptions are synced straight from it.
"""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from sqlalchemy.ext.asyncio import AsyncSession

from cosmostream.account.demo import ADA, CARL, VERA, demo_actor, demo_users
from cosmostream.billing import organization_demo
from cosmostream.billing.repository import billing_repository
from cosmostream.billing.service import OneSession, billing_service
from cosmostream.billing.stripe_api import (
    FAKE_PATH,
    mode,
    secret_key,
    talking_to,
    webhook_secret,
)
from cosmostream.billing.stripe_fake import FakeStripe
from cosmostream.config import get_settings
from cosmostream.models import OrganizationRole

log = logging.getLogger(__name__)

ORG_SLUG = "griffith-club"
ORG_NAME = "Griffith Astronomy Club"
ORG_SEATS = 25


@contextmanager
def serve(fake: FakeStripe) -> Iterator[str]:
    """Run the fake on a free loopback port; its base URL."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(fake.app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        while not server.started:
            if not thread.is_alive():
                raise RuntimeError("the fake Stripe did not start")
            threading.Event().wait(0.02)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


async def load(session: AsyncSession) -> None:
    """In test mode, buy the demo's plans through the fake; with billing off, write
    the demo organization's seats directly (nothing to buy them from)."""
    settings = get_settings()
    if mode(settings) == "test" and not settings.stripe_api_base:
        await _buy(session)
    elif mode(settings) == "off":
        await organization_demo.load(session)


async def _buy(session: AsyncSession) -> None:
    settings = get_settings()
    users = await demo_users(session)
    if ADA not in users or VERA not in users:
        return
    if await billing_repository.organization(session, ORG_SLUG) is not None:
        return  # loaded before
    fake = FakeStripe(
        webhook_secret=webhook_secret(settings) or "",
        public_base=settings.base_url.rstrip("/") + FAKE_PATH,
        hold=True,
        state_path=settings.data_dir / "stripe-fake.json",
        api_key=secret_key(settings),
    )
    with serve(fake) as base, talking_to(base):
        billing_service.forget_prices()
        ada = demo_actor(users[ADA])
        url = await billing_service.start_checkout(OneSession(session), ada, "premium", "month")
        fake.complete_checkout(url.rsplit("/", 1)[1])
        vera = demo_actor(users[VERA])
        url = await billing_service.start_checkout(
            OneSession(session),
            vera,
            "institutional",
            "year",
            organization_name=ORG_NAME,
            organization_slug=ORG_SLUG,
            seats=ORG_SEATS,
        )
        fake.complete_checkout(url.rsplit("/", 1)[1])
        url = await billing_service.start_checkout(
            OneSession(session),
            demo_actor(await organization_demo.dean(session)),
            "institutional",
            "year",
            organization_name=organization_demo.NAME,
            organization_slug=organization_demo.SLUG,
            seats=organization_demo.SEATS,
        )
        fake.complete_checkout(url.rsplit("/", 1)[1])
        fake.save()
        for sub_id in list(fake.subscriptions):
            await billing_service.sync_subscription_id(session, sub_id)
    billing_service.forget_prices()
    college = await billing_repository.organization(session, organization_demo.SLUG)
    if college is not None:
        await organization_demo.load(session, college)
    organization = await billing_repository.organization(session, ORG_SLUG)
    if organization is not None and CARL in users:
        await billing_repository.add_member(
            session, organization.id, users[CARL].id, OrganizationRole.MEMBER, "invitation"
        )
