"""Account pages: sign-in and sign-up, password reset, onboarding, settings, profiles.

Every form works without JavaScript: it posts, the handler calls one service
function inside one unit of work, and answers with a redirect (303) or the
same page re-rendered with the error.
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from starlette.datastructures import UploadFile
from starlette.responses import Response

from cosmostream.account.errors import UserNotFound
from cosmostream.account.schemas import ProfileUpdate, SignupInput
from cosmostream.account.service import account_service
from cosmostream.catalog.schemas import VideoSort
from cosmostream.catalog.service import catalog_service
from cosmostream.errors import AppError, NotFound, ValidationFailed
from cosmostream.kit.ids import require_uuid
from cosmostream.models import Role
from cosmostream.web import security
from cosmostream.web.deps import client_info, database
from cosmostream.web.forms import read_form, redirect, safe_next, text
from cosmostream.web.grid import grid_response
from cosmostream.web.templating import flash, render

router = APIRouter()

# Videos per page of a channel, as on /browse.
CHANNEL_PAGE = 24


def _login_redirect(request: Request) -> Response:
    return redirect(f"/login?next={request.url.path}")


# -- sign-in -----------------------------------------------------------------


@router.get("/login")
async def login_page(request: Request, next: str = "/") -> Response:
    if security.current_actor(request):
        return redirect(safe_next(next))
    return render(request, "account/login.html", {"next": safe_next(next), "email": ""})


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
            {"error": exc.message, "email": email, "next": next_url},
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
    return render(request, "account/signup.html", {"values": {}})


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
            {"error": exc.message, "field": exc.field, "values": values},
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
        return _login_redirect(request)
    async with database(request).read() as session:
        categories = await account_service.list_categories(session)
        chosen = await account_service.favourite_category_slugs(session, actor.id)
    return render(request, "account/onboarding.html", {"categories": categories, "chosen": chosen})


@router.post("/onboarding")
async def onboarding_submit(request: Request) -> Response:
    actor = security.current_actor(request)
    if actor is None:
        return _login_redirect(request)
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
    return {"user": user, "sessions": sessions, "current_session": actor.session_id, **extra}


@router.get("/settings")
async def settings_page(request: Request) -> Response:
    if security.current_actor(request) is None:
        return _login_redirect(request)
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


# -- profiles -----------------------------------------------------------------


@router.get("/profile")
async def my_profile(request: Request) -> Response:
    actor = security.current_actor(request)
    if actor is None:
        return _login_redirect(request)
    return await _render_profile(request, actor.id)


@router.get("/profile/{user_id}")
async def public_profile(request: Request, user_id: str) -> Response:
    return await _render_profile(request, require_uuid(user_id, UserNotFound))


async def _render_profile(request: Request, user_id: uuid.UUID) -> Response:
    """A user's public page, which is also their channel: their videos (newest
    or most viewed first, 24 a page), follow button and counts."""
    actor = security.current_actor(request)
    popular = request.query_params.get("sort") == VideoSort.MOST_VIEWED.value
    sort = VideoSort.MOST_VIEWED if popular else VideoSort.NEWEST
    after = request.query_params.get("after") or None
    async with database(request).read() as session:
        user = await account_service.get_user(session, user_id)
        stats = await account_service.profile_stats(session, user_id)
        following = await account_service.is_following(session, actor, user_id)
        channel = await catalog_service.channel(session, actor, user_id, sort, CHANNEL_PAGE, after)
    return grid_response(
        request,
        "account/profile.html",
        channel.page,
        {
            "user": user,
            "stats": stats,
            "channel": channel,
            "sort": sort,
            "is_following": following,
            "is_self": actor is not None and actor.id == user_id,
        },
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
        return _login_redirect(request)
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
