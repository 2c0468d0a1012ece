"""Watch-party pages: start one from a watch page, accept an invite, the party itself."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from starlette.responses import Response

from cosmostream.errors import AppError
from cosmostream.kit.ids import require_uuid
from cosmostream.models import WatchParty
from cosmostream.video.errors import VideoNotFound
from cosmostream.video.urls import hls_url, media_url, poster_url
from cosmostream.watch_party import events
from cosmostream.watch_party.errors import WatchPartyNotFound
from cosmostream.watch_party.service import can_control, watch_party_service
from cosmostream.web import security
from cosmostream.web.deps import database
from cosmostream.web.forms import read_form, redirect, text
from cosmostream.web.templating import flash, render

router = APIRouter()


def invite_url(request: Request, party: WatchParty) -> str:
    base = request.app.state.settings.base_url.rstrip("/")
    return f"{base}/watch-party/{party.id}?invite={quote(party.invite_token)}"


@router.post("/video/{video_id}/watch-party")
async def start_party(request: Request, video_id: str) -> Response:
    actor = security.current_actor(request)
    await read_form(request)
    if actor is None:
        return redirect(f"/login?next=/video/{quote(video_id)}")
    try:
        vid = require_uuid(video_id, VideoNotFound)
        async with database(request).unit_of_work() as session:
            party = await watch_party_service.start(session, actor, vid)
    except AppError as exc:
        response = redirect(f"/video/{quote(video_id)}")
        flash(response, exc.message, "error")
        return response
    response = redirect(f"/watch-party/{party.id}")
    flash(response, "Your party is ready: send the invite link to your friends.", "success")
    return response


@router.get("/watch-party/{party_id}")
async def party_page(request: Request, party_id: str, invite: str | None = None) -> Response:
    actor = security.current_actor(request)
    pid = require_uuid(party_id, WatchPartyNotFound)
    if actor is None:
        target = f"/watch-party/{pid}" + (f"?invite={quote(invite)}" if invite else "")
        return redirect(f"/login?next={quote(target, safe='')}")
    async with database(request).read() as session:
        visit = await watch_party_service.visit(session, actor, pid, invite)
        party, video = visit.party, visit.video
        if not visit.member:
            return render(
                request,
                "watch_party/invite.html",
                {"party": party, "video": video, "invite": invite},
            )
        members = await watch_party_service.members(session, party)
        history = await watch_party_service.history(session, party)
        # Each member gets what their own plan allows (a premium video's preview).
        hls = await hls_url(session, actor, video) if visit.playable else None
    return render(
        request,
        "watch_party/party.html",
        {
            "party": party,
            "video": video,
            "members": members,
            "history": history,
            "is_host": party.host_id == actor.id,
            "can_control": can_control(actor, party),
            "invite_url": invite_url(request, party),
            # An ended party shows its chat, but no player and no media links.
            "hls_url": hls if visit.playable else None,
            "poster_url": poster_url(video) if visit.playable else None,
            "storyboard_url": (
                media_url(video, video.images.get("storyboard_vtt")) if visit.playable else None
            ),
            "state": events.state_payload(party),
        },
    )


@router.post("/watch-party/{party_id}/join")
async def join_party(request: Request, party_id: str) -> Response:
    actor = security.current_actor(request)
    form = await read_form(request)
    pid = require_uuid(party_id, WatchPartyNotFound)
    invite = text(form, "invite")
    if actor is None:
        return redirect(f"/login?next={quote(f'/watch-party/{pid}?invite={invite}', safe='')}")
    try:
        async with database(request).unit_of_work() as session:
            await watch_party_service.join(session, actor, pid, invite)
    except AppError as exc:
        response = redirect("/")
        flash(response, exc.message, "error")
        return response
    return redirect(f"/watch-party/{pid}")
