"""The learner's pages: `/learn`, a course, a learning path and a certificate.

Every page is rendered on the server and useful without JavaScript: filters are
a GET form, enrolling is a plain form post with a CSRF token answered with a
303 back to the course and a notice; the path's graph (learning-path.js) draws
on top of an ordered list that already shows each course's state. A draft
course or path is a 404 page for anyone but its editors.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from markupsafe import Markup
from starlette.responses import Response

from cosmostream.errors import ValidationFailed
from cosmostream.forum.markdown import render_markdown
from cosmostream.learning.browse import LearnFilters, LearnPage, browse_service
from cosmostream.learning.certificate_pdf import certificate_pdf
from cosmostream.learning.classes import class_service
from cosmostream.learning.courses import course_service
from cosmostream.learning.paths import PathView
from cosmostream.models import Course, Lesson, Level
from cosmostream.web.deps import database
from cosmostream.web.forms import act
from cosmostream.web.security import current_actor
from cosmostream.web.templating import render

router = APIRouter()

PRICES = {"free": False, "premium": True}


def _markdown(body: str) -> Markup:
    # render_markdown escapes raw HTML and filters links: its output is safe as is.
    return Markup(render_markdown(body))  # noqa: S704


def percent(share: Fraction) -> int:
    """Whole percent done, rounded down: 100 only when everything is."""
    return int(share * 100)


def lesson_url(course: Course, lesson: Lesson) -> str:
    return f"/courses/{course.slug}/lessons/{lesson.id}"


def _filters(request: Request) -> LearnFilters:
    params = request.query_params
    level = params.get("level") or None
    if level is not None and level not in {v.value for v in Level}:
        raise ValidationFailed("There is no such level.", field="level")
    price = params.get("price") or None
    if price is not None and price not in PRICES:
        raise ValidationFailed("Choose free or premium courses.", field="price")
    return LearnFilters(
        query=" ".join(params.get("q", "").split()) or None,
        topic=params.get("topic") or None,
        level=Level(level) if level else None,
        premium=PRICES[price] if price else None,
        after=params.get("after") or None,
    )


def _more_url(page: LearnPage) -> str | None:
    courses = page.courses
    if not courses.has_next or courses.end_cursor is None:
        return None
    f = page.filters
    params = [
        (name, value)
        for name, value in (
            ("q", f.query),
            ("topic", f.topic),
            ("level", f.level.value if f.level else None),
            ("price", None if f.premium is None else ("premium" if f.premium else "free")),
        )
        if value
    ]
    params.append(("after", courses.end_cursor))
    return f"/learn?{urlencode(params)}"


@router.get("/learn")
async def learn_page(request: Request) -> Response:
    filters = _filters(request)
    actor = current_actor(request)
    async with database(request).read() as session:
        page = await browse_service.learn(session, actor, filters)
        # A signed-in learner's open class assignments, beside "My learning".
        assignments = (
            await class_service.assignments_for(session, actor) if page.mine is not None else []
        )
    return render(
        request,
        "learning/index.html",
        {
            "page": page,
            "filters": filters,
            "price": request.query_params.get("price", ""),
            "more_url": _more_url(page),
            "lesson_url": lesson_url,
            "percent": percent,
            "levels": list(Level),
            "assignments": assignments,
        },
    )


@router.get("/courses/{slug}")
async def course_page(request: Request, slug: str) -> Response:
    async with database(request).read() as session:
        page = await browse_service.course(session, current_actor(request), slug)
    detail = page.detail
    course = detail.card.course
    return render(
        request,
        "learning/course.html",
        {
            "page": page,
            "detail": detail,
            "course": course,
            "description_html": _markdown(course.description),
            "lesson_url": lesson_url,
            "percent": percent,
        },
    )


@router.post("/courses/{slug}/enrol")
async def enrol_submit(request: Request, slug: str) -> Response:
    return await act(
        request,
        lambda s, a, f: course_service.enrol(s, a, slug),
        back=f"/courses/{slug}",
        success="You are enrolled. Enjoy the course!",
    )


def _graph(view: PathView) -> dict[str, Any]:
    """The path as nodes and edges for learning-path.js (titles, states, links; no more)."""
    return {
        "order": view.path.order.value,
        "nodes": [
            {
                "id": str(step.course.id),
                "title": step.course.title,
                "url": f"/courses/{step.course.slug}",
                "state": step.state,
                "requires": [str(r) for r in step.requires],
            }
            for step in view.steps
        ],
    }


@router.get("/learn/paths/{slug}")
async def path_page(request: Request, slug: str) -> Response:
    async with database(request).read() as session:
        page = await browse_service.path(session, current_actor(request), slug)
    view = page.view
    titles = {step.course.id: step.course.title for step in view.steps}
    return render(
        request,
        "learning/path.html",
        {
            "page": page,
            "view": view,
            "path_": view.path,
            "titles": titles,
            "description_html": _markdown(view.path.description),
            "graph": _graph(view),
        },
    )


def _verify_url(request: Request, code: str) -> str:
    return f"{request.app.state.settings.base_url.rstrip('/')}/certificates/{code}"


# Declared before the page: "/certificates/{code}" would also match "<code>.pdf".
@router.get("/certificates/{code}.pdf")
async def certificate_pdf_download(request: Request, code: str) -> Response:
    async with database(request).read() as session:
        view = await browse_service.certificate(session, code)
    settings = request.app.state.settings
    body = certificate_pdf(view, _verify_url(request, view.code), settings.site_name)
    return Response(
        body,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="certificate-{view.code}.pdf"'},
    )


@router.get("/certificates/{code}")
async def certificate_page(request: Request, code: str) -> Response:
    async with database(request).read() as session:
        view = await browse_service.certificate(session, code)
    return render(
        request,
        "learning/certificate.html",
        {"certificate": view, "verify_url": _verify_url(request, view.code)},
    )
