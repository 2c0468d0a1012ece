"""`POST /webhooks/stripe`, and the fake Stripe mounted at `/_stripe` in test mode.

The webhook verifies `Stripe-Signature` on the raw body (300 s tolerance),
stores the event by id in the same transaction that queues its processing (a
duplicate delivery is answered 200 and is queued again only while the stored
event is not yet processed), and answers at once:
the queued task fetches what the event is about from Stripe.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import stripe
from fastapi import APIRouter, Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from cosmostream import effects
from cosmostream.billing.repository import billing_repository
from cosmostream.billing.service import HANDLED_EVENTS
from cosmostream.billing.stripe_api import FAKE_PATH, mode, secret_key, webhook_secret
from cosmostream.billing.stripe_fake import FakeStripe
from cosmostream.config import get_settings

log = logging.getLogger(__name__)

router = APIRouter()

TOLERANCE = 300


def _refuse(message: str) -> JSONResponse:
    return JSONResponse({"code": "bad_signature", "message": message}, status_code=400)


@router.post("/webhooks/stripe", include_in_schema=False)
async def stripe_webhook(request: Request) -> Response:
    secret = webhook_secret(get_settings())
    if secret is None:
        return JSONResponse({"code": "billing_off", "message": "Billing is off."}, status_code=404)
    body = await request.body()
    try:
        stripe.WebhookSignature.verify_header(
            body, request.headers.get("stripe-signature"), secret, tolerance=TOLERANCE
        )
        event: dict[str, Any] = json.loads(body)
        event_id, event_type = str(event["id"]), str(event["type"])
        object_id = str(event["data"]["object"]["id"])
    except stripe.SignatureVerificationError:
        return _refuse("The Stripe-Signature header does not match this body.")
    except (ValueError, KeyError, TypeError):
        return _refuse("The body is not a Stripe event.")
    if event_type not in HANDLED_EVENTS:
        return JSONResponse({"received": True, "handled": False})
    async with request.app.state.db.unit_of_work() as session:
        new = await billing_repository.record_event(session, event_id, event_type)
        pending = new
        if not new:
            stored = await billing_repository.event(session, event_id)
            pending = stored is not None and stored.processed_at is None
        if pending:
            # A retry of an event never processed (its queuing failed after the
            # commit, or its task gave up) is queued again; processing is idempotent.
            effects.enqueue("billing.process_event", event_id, event_type, object_id)
    return JSONResponse({"received": True, "duplicate": not new})


class FakeStripeMount:
    """In test mode (and no explicit API base), serve the fake Stripe at `/_stripe`."""

    def __init__(self, app: ASGIApp, db: Any = None) -> None:
        self.app = app
        self.fake: FakeStripe | None = None
        settings = get_settings()
        if mode(settings) == "test" and not settings.stripe_api_base:
            base = settings.base_url.rstrip("/")
            self.fake = FakeStripe(
                webhook_secret=webhook_secret(settings) or "",
                webhook_url=f"{base}/webhooks/stripe",
                public_base=f"{base}{FAKE_PATH}",
                state_path=settings.data_dir / "stripe-fake.json",
                api_key=secret_key(settings),
            )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if (
            self.fake is not None
            and scope["type"] == "http"
            and (path == FAKE_PATH or path.startswith(FAKE_PATH + "/"))
        ):
            inner = dict(scope, path=path[len(FAKE_PATH) :] or "/", root_path="")
            await self.fake.app(inner, receive, send)
            return
        await self.app(scope, receive, send)
