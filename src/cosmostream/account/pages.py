"""Account pages: sign-in and sign-up, password reset, onboarding, settings, profiles.

Every form works without JavaScript: it posts, the handler calls one service
function inside one unit of work, and answers with a redirect (303) or the
same page re-rendered with the error.
"""

from __future__ import annotations

import uuid
from fractions import Fraction
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from starlette.datastructures import UploadFile
from starlette.responses import Response

from cosmostream.account import oidc
from cosmostream.account.errors import UserNotFound
from cosmostream.account.identities import identity_service
from cosmostream.account.oidc import SignInFailed
from cosmostream.account.schemas import ProfileUpdate, SignupInput, time_zones
from cosmostream.account.service import account_service
from cosmostream.catalog.schemas import VideoSort
from cosmostream.catalog.service import catalog_service
from cosmostream.errors import AppError, NotFound, ValidationFailed
from cosmostream.kit.crypto import constant_time_equal
from cosmostream.kit.ids import require_uuid
from cosmostream.kit.time import utcnow
from cosmostream.learning.browse import browse_service
from cosmostream.models import Role
from cosmostream.web import security
from cosmostream.web.deps import client_info, database
from cosmostream.web.forms import login_redirect, read_form, redirect, safe_next, text
from cosmostream.web.grid import grid_response
from cosmostream.web.templating import flash, render

router = APIRouter()

# Videos per page of a channel, as on /browse.
CHANNEL_PAGE = 24


def _providers(request: Request) -> list[oidc.Provider]:
    """The OpenID Connect providers offered on the sign-in pages (none unless configured)."""
    return oidc.providers(request.app.state.settings)


# -- sign-in -----------------------------------------------------------------


@router.get("/login")
async def login_page(request: Request, next: str = "/") -> Response:
    if security.current_actor(request):
        return redirect(safe_next(next))
    return render(
        request,
        "account/login.html",
        {"next": safe_next(next), "email": "", "providers": _providers(request)},
    )


@router.post("/login")
async def login_submit(request: Request) -> Response:
    form = await read_form(request)
    email, password = text(form, "email"), text(form, "password")
    next_url = safe_next(text(form, "next"))
    try:
        result = await account_service.login(
            database(request), email, password, client_info(request)
        )
    except AppError as exc:
        return render(
            request,
            "account/login.html",
            {
                "error": exc.message,
                "email": email,
                "next": next_url,
                "providers": _providers(request),
            },
            status=exc.status,
            headers=exc.headers,
        )
    response = redirect(next_url)
    security.set_auth_cookies(response, request.app.state.settings, result)
    security.renew_csrf(request, result.session_id)
    return response


@router.post("/logout")
async def logout_submit(request: Request) -> Response:
    await read_form(request)
    actor = security.current_actor(request)
    async with database(request).unit_of_work() as session:
        if actor is not None:
            await account_service.logout(session, actor)
        elif refresh := request.cookies.get(security.REFRESH_COOKIE):
            await account_service.logout_refresh_token(session, refresh)
    response = redirect("/")
    security.clear_auth_cookies(response, request.app.state.settings)
    security.renew_csrf(request, None)
    flash(response, "You have signed out.")
    return response


@router.get("/signup")
async def signup_page(request: Request) -> Response:
    if security.current_actor(request):
        return redirect("/")
    return render(request, "account/signup.html", {"values": {}, "providers": _providers(request)})


@router.post("/signup")
async def signup_submit(request: Request) -> Response:
    form = await read_form(request)
    values = {"email": text(form, "email"), "display_name": text(form, "display_name")}
    try:
        result = await account_service.signup(
            database(request),
            SignupInput(
                email=values["email"],
                password=text(form, "password"),
                display_name=values["display_name"],
            ),
            client_info(request),
        )
    except AppError as exc:
        return render(
            request,
            "account/signup.html",
            {
                "error": exc.message,
                "field": exc.field,
                "values": values,
                "providers": _providers(request),
            },
            status=exc.status,
            headers=exc.headers,
        )
    response = redirect("/onboarding")
    security.set_auth_cookies(response, request.app.state.settings, result)
    security.renew_csrf(request, result.session_id)
    return response


# -- e-mail verification and password reset -----------------------------------


@router.get("/verify-email")
async def verify_email(request: Request, token: str = "") -> Response:
    try:
        async with database(request).unit_of_work() as session:
            await account_service.verify_email(session, token)
    except AppError as exc:
        return render(
            request,
            "account/message.html",
            {"title": "Link expired", "message": exc.message},
            status=exc.status,
        )
    return render(
        request,
        "account/message.html",
        {"title": "E-mail confirmed", "message": "Thank you: your e-mail address is confirmed."},
    )


@router.get("/forgot-password")
async def forgot_page(request: Request) -> Response:
    return render(request, "account/forgot_password.html", {"sent": False, "email": ""})


@router.post("/forgot-password")
async def forgot_submit(request: Request) -> Response:
    form = await read_form(request)
    email = text(form, "email")
    try:
        await account_service.request_password_reset(database(request), email, client_info(request))
    except AppError as exc:
        return render(
            request,
            "account/forgot_password.html",
            {"sent": False, "email": email, "error": exc.message},
            status=exc.status,
            headers=exc.headers,
        )
    return render(request, "account/forgot_password.html", {"sent": True, "email": email})


@router.get("/reset-password")
async def reset_page(request: Request, token: str = "") -> Response:
    error = None
    try:
        async with database(request).read() as session:
            await account_service.check_reset_token(session, token)
    except AppError as exc:
        error = exc.message
    return render(
        request,
        "account/reset_password.html",
        {"token": token, "link_error": error},
        status=400 if error else 200,
    )


@router.post("/reset-password")
async def reset_submit(request: Request) -> Response:
    form = await read_form(request)
    token = text(form, "token")
    try:
        async with database(request).unit_of_work() as session:
            await account_service.reset_password(session, token, text(form, "password"))
    except AppError as exc:
        field_error = exc.message if exc.field else None
        return render(
            request,
            "account/reset_password.html",
            {
                "token": token,
                "error": field_error,
                "link_error": None if field_error else exc.message,
            },
            status=exc.status,
        )
    response = redirect("/login")
    security.clear_auth_cookies(response, request.app.state.settings)
    security.renew_csrf(request, None)
    flash(response, "Your password has been changed. Sign in with the new one.", "success")
    return response


# -- onboarding ---------------------------------------------------------------


@router.get("/onboarding")
async def onboarding_page(request: Request) -> Response:
    actor = security.current_actor(request)
    if actor is None:
        return login_redirect(request)
    async with database(request).read() as session:
        categories = await account_service.list_categories(session)
        chosen = await account_service.favourite_category_slugs(session, actor.id)
    return render(request, "account/onboarding.html", {"categories": categories, "chosen": chosen})


@router.post("/onboarding")
async def onboarding_submit(request: Request) -> Response:
    actor = security.current_actor(request)
    if actor is None:
        return login_redirect(request)
    form = await read_form(request)
    slugs = [v for v in form.getlist("categories") if isinstance(v, str)]
    try:
        async with database(request).unit_of_work() as session:
            await account_service.set_favourite_categories(session, actor, slugs)
    except AppError as exc:
        async with database(request).read() as session:
            categories = await account_service.list_categories(session)
        return render(
            request,
            "account/onboarding.html",
            {"categories": categories, "chosen": set(slugs), "error": exc.message},
            status=exc.status,
        )
    response = redirect("/settings" if text(form, "then") == "settings" else "/")
    flash(response, "Welcome aboard! Your favourite topics are saved.", "success")
    return response


# -- settings -----------------------------------------------------------------


async def _settings_context(request: Request, **extra: Any) -> dict[str, Any]:
    actor = security.require_actor(request)
    async with database(request).read() as session:
        user = await account_service.get_user(session, actor.id)
        sessions = await account_service.list_sessions(session, actor)
        identities = await identity_service.list_identities(session, actor)
    providers = _providers(request)
    names = {p.issuer: p.name for p in providers}
    return {
        "user": user,
        "sessions": sessions,
        "current_session": actor.session_id,
        "identities": [(i, names.get(i.issuer, i.issuer)) for i in identities],
        "providers": providers,
        "time_zones": time_zones(),
        **extra,
    }


@router.get("/settings")
async def settings_page(request: Request) -> Response:
    if security.current_actor(request) is None:
        return login_redirect(request)
    return render(request, "account/settings.html", await _settings_context(request))


async def _settings_action(
    request: Request, action: Any, success: str, then: str = "/settings"
) -> Response:
    """Run one settings change; re-render with the error or redirect to `then` with a notice."""
    try:
        async with database(request).unit_of_work() as session:
            result = await action(session)
    except AppError as exc:
        context = await _settings_context(request, error=exc.message, error_field=exc.field)
        return render(request, "account/settings.html", context, status=exc.status)
    response = redirect(then)
    if result is not None and hasattr(result, "access_token"):
        security.set_auth_cookies(response, request.app.state.settings, result)
        security.renew_csrf(request, result.session_id)
    flash(response, success, "success")
    return response


@router.post("/settings/profile")
async def settings_profile(request: Request) -> Response:
    actor = security.require_actor(request)
    form = await read_form(request)
    data = ProfileUpdate(display_name=text(form, "display_name"), bio=text(form, "bio")[:2001])
    return await _settings_action(
        request,
        lambda s: account_service.update_profile(s, actor, data),
        "Your profile has been saved.",
    )


@router.post("/settings/time-zone")
async def settings_time_zone(request: Request) -> Response:
    actor = security.require_actor(request)
    form = await read_form(request)
    data = ProfileUpdate(time_zone=text(form, "time_zone"))
    return await _settings_action(
        request,
        lambda s: account_service.update_profile(s, actor, data),
        "Your time zone has been saved.",
    )


@router.post("/settings/avatar")
async def settings_avatar(request: Request) -> Response:
    actor = security.require_actor(request)
    form = await read_form(request)
    upload = form.get("avatar")
    if not isinstance(upload, UploadFile):
        raise ValidationFailed("Choose an image to upload.", field="avatar")
    data = await upload.read(request.app.state.settings.max_avatar_bytes + 1)
    return await _settings_action(
        request, lambda s: account_service.set_avatar(s, actor, data), "Your avatar is updated."
    )


@router.post("/settings/avatar/remove")
async def settings_avatar_remove(request: Request) -> Response:
    actor = security.require_actor(request)
    await read_form(request)
    return await _settings_action(
        request, lambda s: account_service.remove_avatar(s, actor), "Your avatar is removed."
    )


@router.post("/settings/password")
async def settings_password(request: Request) -> Response:
    actor = security.require_actor(request)
    form = await read_form(request)
    current, new = text(form, "current_password"), text(form, "new_password")
    client = client_info(request)
    return await _settings_action(
        request,
        lambda s: account_service.change_password(s, actor, current, new, client),
        "Your password is changed and every other session is signed out.",
    )


@router.post("/settings/sessions/{session_id}/revoke")
async def settings_revoke_session(request: Request, session_id: str) -> Response:
    actor = security.require_actor(request)
    await read_form(request)
    sid = require_uuid(session_id, NotFound)
    if sid == actor.session_id:
        return await logout_submit(request)
    return await _settings_action(
        request,
        lambda s: account_service.revoke_session(s, actor, sid),
        "That session is signed out.",
    )


@router.post("/settings/creator")
async def settings_creator(request: Request) -> Response:
    actor = security.require_actor(request)
    form = await read_form(request)
    return await _settings_action(
        request,
        lambda s: account_service.request_creator(s, actor),
        "Your request to become a creator is recorded.",
        # The content page offers the request too, and shows it pending.
        then=safe_next(text(form, "next"), "/settings"),
    )


@router.post("/settings/verify-email")
async def settings_resend_verification(request: Request) -> Response:
    actor = security.require_actor(request)
    await read_form(request)
    return await _settings_action(
        request,
        lambda s: account_service.resend_verification(s, actor),
        "We sent you a new confirmation link.",
    )


@router.post("/settings/identities/{identity_id}/unlink")
async def settings_unlink_identity(request: Request, identity_id: str) -> Response:
    actor = security.require_actor(request)
    await read_form(request)
    iid = require_uuid(identity_id, NotFound)
    return await _settings_action(
        request,
        lambda s: identity_service.unlink(s, actor, iid),
        "That sign-in is unlinked.",
    )


# -- sign-in with Google and OpenID Connect providers ---------------------------


def _set_flow_cookie(request: Request, response: Response, flow: oidc.Flow) -> None:
    settings = request.app.state.settings
    response.set_cookie(
        oidc.FLOW_COOKIE,
        oidc.pack_flow(settings, flow),
        max_age=settings.oidc_flow_ttl_seconds,
        path=oidc.FLOW_COOKIE_PATH,
        httponly=True,
        secure=settings.secure_cookies,
        samesite="lax",
    )


def _clear_flow_cookie(request: Request, response: Response) -> None:
    response.delete_cookie(
        oidc.FLOW_COOKIE,
        path=oidc.FLOW_COOKIE_PATH,
        httponly=True,
        secure=request.app.state.settings.secure_cookies,
        samesite="lax",
    )


async def _start_flow(request: Request, key: str, next_url: str, link_user: str | None) -> Response:
    settings = request.app.state.settings
    provider = oidc.get_provider(settings, key)
    flow = oidc.new_flow(settings, provider, next_url, link_user)
    try:
        url = await oidc.authorization_url(settings, provider, flow)
    except AppError as exc:
        return await _flow_failed(request, exc, linking=link_user is not None)
    response = redirect(url)
    _set_flow_cookie(request, response, flow)
    return response


async def _flow_failed(request: Request, exc: AppError, *, linking: bool) -> Response:
    """A refused sign-in: the page it started from, with the reason and a 4xx."""
    if linking and security.current_actor(request) is not None:
        context = await _settings_context(request, error=exc.message)
        response = render(request, "account/settings.html", context, status=exc.status)
    else:
        response = render(
            request,
            "account/login.html",
            {"error": exc.message, "email": "", "next": "/", "providers": _providers(request)},
            status=exc.status,
        )
    _clear_flow_cookie(request, response)
    return response


@router.get("/auth/oidc/{key}/start")
async def oidc_start(request: Request, key: str, next: str = "/") -> Response:
    if security.current_actor(request):
        return redirect(safe_next(next))
    return await _start_flow(request, key, safe_next(next), None)


@router.post("/auth/oidc/{key}/link")
async def oidc_link(request: Request, key: str) -> Response:
    actor = security.current_actor(request)
    await read_form(request)
    if actor is None:
        return login_redirect(request)
    return await _start_flow(request, key, "/settings", str(actor.id))


@router.get("/auth/oidc/{key}/callback")
async def oidc_callback(request: Request, key: str) -> Response:
    settings = request.app.state.settings
    params = request.query_params
    linking = False
    try:
        provider = oidc.get_provider(settings, key)
        flow = oidc.unpack_flow(settings, request.cookies.get(oidc.FLOW_COOKIE))
        linking = flow.link_user is not None
        if flow.provider != provider.key or not constant_time_equal(
            params.get("state", ""), flow.state
        ):
            raise SignInFailed("This sign-in was not started here (its state does not match).")
        if "iss" in params and params["iss"] != provider.issuer:
            raise SignInFailed("The answer came from another sign-in provider.")
        if error := params.get("error"):
            raise SignInFailed(
                f"You cancelled signing in with {provider.name}."
                if error == "access_denied"
                else f"{provider.name} could not sign you in. Please try again."
            )
        code = params.get("code", "")
        if not code:
            raise SignInFailed(f"{provider.name} sent no authorization code.")
        link_user = None
        if linking:
            actor = security.current_actor(request)
            if actor is None or str(actor.id) != flow.link_user:
                raise SignInFailed("Sign in again, then link the provider from your settings.")
            link_user = actor.id
        claims = await oidc.exchange_code(settings, provider, flow, code, utcnow().timestamp())
        outcome = await identity_service.sign_in(
            database(request), provider, claims, client_info(request), link_user_id=link_user
        )
    except AppError as exc:
        return await _flow_failed(request, exc, linking=linking)
    if outcome.auth is None:
        response = redirect("/settings")
        flash(response, f"{provider.name} is linked: you can sign in with it.", "success")
    else:
        target = "/onboarding" if outcome.new_account else flow.next_url
        response = redirect(safe_next(target))
        security.set_auth_cookies(response, settings, outcome.auth)
        security.renew_csrf(request, outcome.auth.session_id)
    _clear_flow_cookie(request, response)
    return response


# -- profiles -----------------------------------------------------------------


@router.get("/profile")
async def my_profile(request: Request) -> Response:
    actor = security.current_actor(request)
    if actor is None:
        return login_redirect(request)
    return await _render_profile(request, actor.id)


@router.get("/profile/{user_id}")
async def public_profile(request: Request, user_id: str) -> Response:
    return await _render_profile(request, require_uuid(user_id, UserNotFound))


@router.get("/profile/{user_id}/courses")
async def profile_courses(request: Request, user_id: str) -> Response:
    return await _render_profile(request, require_uuid(user_id, UserNotFound), tab="courses")


@router.get("/profile/{user_id}/about")
async def profile_about(request: Request, user_id: str) -> Response:
    return await _render_profile(request, require_uuid(user_id, UserNotFound), tab="about")


def _percent(share: Fraction) -> int:
    """Whole percent of a course done, rounded down (as on /learn)."""
    return int(share * 100)


async def _render_profile(request: Request, user_id: uuid.UUID, tab: str = "videos") -> Response:
    """A user's public page, which is also their channel: the follow button and
    counts above three tabs — their videos (newest or most viewed first, 24 a
    page), the courses and paths they teach, and About."""
    actor = security.current_actor(request)
    popular = request.query_params.get("sort") == VideoSort.MOST_VIEWED.value
    sort = VideoSort.MOST_VIEWED if popular else VideoSort.NEWEST
    after = request.query_params.get("after") or None
    channel = learning = None
    async with database(request).read() as session:
        user = await account_service.get_user(session, user_id)
        stats = await account_service.profile_stats(session, user_id)
        following = await account_service.is_following(session, actor, user_id)
        if tab == "videos":
            channel = await catalog_service.channel(
                session, actor, user_id, sort, CHANNEL_PAGE, after
            )
            totals: Any = channel
        else:
            totals = await catalog_service.channel_totals(session, user_id)
        if tab == "courses":
            learning = await browse_service.creator(session, actor, user_id, after=after)
    context = {
        "user": user,
        "stats": stats,
        "totals": totals,
        "tab": tab,
        "sort": sort,
        "is_following": following,
        "is_self": actor is not None and actor.id == user_id,
    }
    if channel is not None:
        return grid_response(
            request, "account/profile.html", channel.page, {**context, "channel": channel}
        )
    more_url = None
    if learning is not None and learning.courses.has_next:
        more_url = f"/profile/{user_id}/courses?after={quote(learning.courses.cursors[-1])}"
    return render(
        request,
        "account/profile.html",
        {**context, "learning": learning, "more_url": more_url, "percent": _percent},
    )


@router.post("/profile/{user_id}/follow")
async def follow_submit(request: Request, user_id: str) -> Response:
    return await _follow(request, user_id, follow=True)


@router.post("/profile/{user_id}/unfollow")
async def unfollow_submit(request: Request, user_id: str) -> Response:
    return await _follow(request, user_id, follow=False)


async def _follow(request: Request, user_id: str, *, follow: bool) -> Response:
    actor = security.current_actor(request)
    if actor is None:
        return redirect(f"/login?next=/profile/{user_id}")
    form = await read_form(request)
    uid = require_uuid(user_id, UserNotFound)
    async with database(request).unit_of_work() as session:
        if follow:
            await account_service.follow(session, actor, uid)
        else:
            await account_service.unfollow(session, actor, uid)
    return redirect(safe_next(text(form, "next"), f"/profile/{uid}"))


# -- administration -----------------------------------------------------------


@router.get("/admin")
async def admin_page(request: Request) -> Response:
    actor = security.current_actor(request)
    if actor is None:
        return login_redirect(request)
    async with database(request).read() as session:
        users = await account_service.list_users(session, actor)
        pending = await account_service.list_users(session, actor, pending_creators=True)
    return render(
        request, "account/admin.html", {"users": users, "pending": pending, "roles": list(Role)}
    )


@router.post("/admin/users/{user_id}")
async def admin_user_submit(request: Request, user_id: str) -> Response:
    actor = security.require_actor(request)
    form = await read_form(request)
    uid = require_uuid(user_id, NotFound)
    action = text(form, "action")
    async with database(request).unit_of_work() as session:
        if action == "role":
            try:
                role = Role(text(form, "role"))
            except ValueError:
                raise ValidationFailed("Unknown role.", field="role") from None
            await account_service.set_role(session, actor, uid, role)
        elif action in ("disable", "enable"):
            await account_service.set_disabled(session, actor, uid, action == "disable")
        else:
            raise ValidationFailed("Unknown action.")
    response = redirect("/admin")
    flash(response, "Saved.", "success")
    return response
