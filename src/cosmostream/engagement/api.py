"""REST for engagement: the playback beacon a closing page sends."""

from __future__ import annotations

import json

from fastapi import APIRouter, Request
from pydantic import ValidationError
from starlette.responses import Response

from cosmostream.engagement.schemas import VIEWER_COOKIE, PlaybackBeacon, playback_context
from cosmostream.engagement.service import engagement_service, viewer_key
from cosmostream.errors import PayloadTooLarge, UnsupportedMediaType, ValidationFailed
from cosmostream.kit.text import refuse_bad_text
from cosmostream.web import security
from cosmostream.web.deps import client_info, database

router = APIRouter()

MAX_BEACON_BYTES = 4096  # room for a referrer URL of 2,048 characters


@router.post("/api/playback", status_code=204)
async def playback_beacon(request: Request) -> Response:
    """Record one playback event sent with `navigator.sendBeacon` as the page goes away.

    A beacon cannot carry custom headers, so the `X-CSRF-Token` header that
    GraphQL over cookies requires is impossible here. The CSRF token travels
    in the body instead and is checked against the `cs_csrf` cookie (the same
    double submit as our forms). The body is text/plain because that is a
    CORS-safelisted type: a beacon with application/json would need a
    preflight, which beacons never make.
    """
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type not in ("text/plain", "application/json"):
        raise UnsupportedMediaType("Send the event as text/plain JSON.")
    raw = await request.body()
    if len(raw) > MAX_BEACON_BYTES:
        raise PayloadTooLarge()
    try:
        data = json.loads(raw)
    except ValueError:
        raise ValidationFailed("That is not a playback event.") from None
    refuse_bad_text(data)
    try:
        beacon = PlaybackBeacon.model_validate(data)
    except ValidationError:
        raise ValidationFailed("That is not a playback event.") from None
    security.check_csrf(request, beacon.csrf)
    actor = security.current_actor(request)
    client = client_info(request)
    viewer = viewer_key(actor, cookie=request.cookies.get(VIEWER_COOKIE), client=client)
    async with database(request).unit_of_work() as session:
        await engagement_service.record_playback(
            session,
            actor,
            viewer,
            beacon.video_id,
            beacon.position,
            beacon.event,
            playback_context(
                referrer=beacon.referrer,
                src=beacon.src,
                rung=beacon.rung,
                at=beacon.at,
                user_agent=client.user_agent,
            ),
        )
    return Response(status_code=204)
