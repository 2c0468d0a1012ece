"""Pricing, the billing settings page and an organization's seats.

Every form posts with a CSRF token and answers with a 303: to Stripe's hosted
Checkout or Customer Portal, or back to the page with a notice. The server
picks the price from Stripe by plan and interval; the browser only names
which plan it wants.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Request
from starlette.datastructures import FormData
from starlette.responses import Response

from cosmostream.account.schemas import Actor
from cosmostream.billing.features import FEATURES, FREE_FEATURES, describe
from cosmostream.billing.service import (
    BillingView,
    NoSubscription,
    PriceView,
    SeatsBelowMembers,
    billing_service,
    money,
)
from cosmostream.billing.stripe_api import BillingUnavailable, enabled
from cosmostream.config import get_settings
from cosmostream.errors import AppError, ValidationFailed
from cosmostream.web.deps import database
from cosmostream.web.forms import read_form, redirect, text
from cosmostream.web.security import current_actor
from cosmostream.web.templating import flash, render

router = APIRouter()


def _seats(form: FormData, name: str = "seats") -> int:
    raw = text(form, name).strip()
    if not raw.isdigit() or len(raw) > 6:
        raise ValidationFailed("Give the number of seats as a whole number.", field=name)
    return int(raw)


Action = Callable[[Actor, FormData], Awaitable[Any]]


async def _post(
    request: Request,
    action: Action,
    *,
    back: str,
    success: str | None = None,
    then: Callable[[Any], str] | None = None,
) -> Response:
    """Like `web.forms.act`, but the action opens its own short transactions: it
    calls Stripe, and no transaction may stay open while Stripe answers."""
    form = await read_form(request)
    actor = current_actor(request)
    if actor is None:
        return redirect(f"/login?next={back}")
    try:
        result = await action(actor, form)
    except AppError as exc:
        if exc.status == 404:
            raise
        response = redirect(back)
        flash(response, exc.message, "error")
        return response
    response = redirect(then(result) if then is not None else back)
    if success:
        flash(response, success, "success")
    return response


def _require_enabled() -> None:
    if not enabled():
        raise BillingUnavailable()


@router.get("/pricing")
async def pricing_page(request: Request) -> Response:
    actor = current_actor(request)
    prices: dict[str, PriceView] = {}
    error = None
    view: BillingView | None = None
    if enabled():
        try:
            prices = await billing_service.prices()
        except AppError as exc:
            error = exc.message
        if actor is not None:
            async with database(request).read() as session:
                view = await billing_service.my_billing(session, actor)
    return render(
        request,
        "billing/pricing.html",
        {
            "enabled": enabled(),
            "prices": prices,
            "error": error,
            "view": view,
            "current_plan": view.plan.key if view else ("free" if actor else None),
            "describe": describe,
            "free_features": FREE_FEATURES,
            "trial_days": get_settings().billing_trial_days,
        },
    )


@router.post("/pricing/checkout")
async def checkout_submit(request: Request) -> Response:
    async def start(actor: Actor, form: FormData) -> str:
        _require_enabled()
        plan = text(form, "plan")
        seats = _seats(form) if plan == "institutional" else None
        return await billing_service.start_checkout(
            database(request),
            actor,
            plan,
            text(form, "interval"),
            organization_name=text(form, "name"),
            organization_slug=text(form, "slug"),
            seats=seats,
        )

    return await _post(request, start, back="/pricing", then=lambda url: url)


@router.get("/settings/billing")
async def billing_page(request: Request) -> Response:
    actor = current_actor(request)
    if actor is None:
        return redirect("/login?next=/settings/billing")
    if not enabled():
        return render(request, "billing/settings.html", {"enabled": False})
    checkout = request.query_params.get("checkout")
    notice = None
    if checkout:
        synced = await billing_service.finish_checkout(database(request), actor, checkout)
        if synced is not None:
            notice = "Thank you! Your plan is active."
    context: dict[str, Any] = {"enabled": True, "notice": notice, "error": None}
    async with database(request).read() as session:
        view = await billing_service.my_billing(session, actor)
        try:
            context["invoices"] = await billing_service.invoices(session, actor)
            context["prices"] = await billing_service.prices()
        except AppError as exc:
            context |= {"invoices": [], "prices": {}, "error": exc.message}
    context |= {"view": view, "subscription": view.subscription, "features": FEATURES}
    return render(request, "billing/settings.html", context)


@router.post("/settings/billing/cancel")
async def cancel_submit(request: Request) -> Response:
    async def cancel(actor: Actor, form: FormData) -> object:
        _require_enabled()
        return await billing_service.set_cancel_at_period_end(database(request), actor, True)

    return await _post(
        request,
        cancel,
        back="/settings/billing",
        success="Your plan will end at the end of the period you paid for.",
    )


@router.post("/settings/billing/resume")
async def resume_submit(request: Request) -> Response:
    async def resume(actor: Actor, form: FormData) -> object:
        _require_enabled()
        return await billing_service.set_cancel_at_period_end(database(request), actor, False)

    return await _post(request, resume, back="/settings/billing", success="Your plan will renew.")


@router.get("/settings/billing/change")
async def change_page(request: Request) -> Response:
    actor = current_actor(request)
    if actor is None:
        return redirect("/login?next=/settings/billing")
    _require_enabled()
    plan = request.query_params.get("plan", "premium")
    interval = request.query_params.get("interval", "")
    try:
        async with database(request).read() as session:
            preview = await billing_service.preview_plan_change(session, actor, plan, interval)
    except (ValidationFailed, NoSubscription) as exc:
        response = redirect("/settings/billing")
        flash(response, exc.message, "error")
        return response
    return render(
        request,
        "billing/change.html",
        {"preview": preview, "plan": plan, "interval": interval, "money": money},
    )


@router.post("/settings/billing/change")
async def change_submit(request: Request) -> Response:
    async def change(actor: Actor, form: FormData) -> object:
        _require_enabled()
        return await billing_service.change_plan(
            database(request), actor, text(form, "plan"), text(form, "interval")
        )

    return await _post(request, change, back="/settings/billing", success="Your plan was changed.")


@router.post("/settings/billing/portal")
async def portal_submit(request: Request) -> Response:
    async def portal(actor: Actor, form: FormData) -> str:
        _require_enabled()
        async with database(request).read() as session:
            return await billing_service.portal_url(session, actor)

    return await _post(request, portal, back="/settings/billing", then=lambda url: url)


@router.get("/org/{slug}/seats")
async def seats_page(request: Request, slug: str) -> Response:
    actor = current_actor(request)
    if actor is None:
        return redirect(f"/login?next=/org/{slug}/seats")
    _require_enabled()
    raw = request.query_params.get("seats", "")
    preview = None
    error = None
    async with database(request).read() as session:
        organization, subscription = await billing_service.administered_organization(
            session, actor, slug
        )
        if raw:
            try:
                if not raw.isdigit() or len(raw) > 6:
                    raise ValidationFailed("Give the number of seats as a whole number.")
                preview = await billing_service.preview_seats(session, actor, slug, int(raw))
            except (ValidationFailed, SeatsBelowMembers) as exc:
                error = exc.message
    return render(
        request,
        "billing/seats.html",
        {
            "organization": organization,
            "subscription": subscription,
            "preview": preview,
            "seats": raw,
            "error": error,
            "money": money,
        },
    )


@router.post("/org/{slug}/seats")
async def seats_submit(request: Request, slug: str) -> Response:
    async def change(actor: Actor, form: FormData) -> object:
        _require_enabled()
        return await billing_service.change_seats(database(request), actor, slug, _seats(form))

    return await _post(
        request, change, back=f"/org/{slug}/seats", success="The number of seats was changed."
    )
