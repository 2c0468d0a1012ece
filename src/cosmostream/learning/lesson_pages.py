"""Lesson pages: `/courses/<slug>/lessons/<id>` and the quiz taken in plain forms.

Every action is a form post with a CSRF token answered with a 303 back to the
lesson. A quiz works without JavaScript: the learner starts (or resumes) an
attempt, saves answers as they go and submits, then reads the result page;
lesson.js adds KaTeX, drag ordering, the sky map and, in a video lesson, the
questions that pause the player (through the GraphQL API). Refused answers
show the form again with what was typed and the refusal's status; nothing of
the refused post is kept.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from markupsafe import Markup
from starlette.datastructures import FormData
from starlette.responses import Response

from cosmostream.account.schemas import Actor
from cosmostream.errors import AppError
from cosmostream.kit.ids import require_uuid
from cosmostream.kit.time import aware
from cosmostream.learning.attempts import PresentedQuestion, attempt_service
from cosmostream.learning.authoring import MAX_QUESTIONS
from cosmostream.learning.courses import course_service
from cosmostream.learning.errors import (
    AttemptClosed,
    AttemptNotFound,
    BadAnswer,
    LessonNotFound,
    NotEnrolled,
)
from cosmostream.learning.grading import MAX_OPTIONS
from cosmostream.learning.lessons import LessonPage, lesson_service
from cosmostream.learning.markdown import render_lesson_markdown
from cosmostream.learning.progress import progress_service
from cosmostream.video.urls import media_url, poster_url
from cosmostream.web import security
from cosmostream.web.deps import database
from cosmostream.web.forms import act, read_form, redirect, text
from cosmostream.web.templating import flash, render

router = APIRouter()

# A quiz form: the token, the action, and per question at most a field per option or
# item (ordering), or its value, unit, place and time.
QUIZ_FORM_FIELDS = 2 + MAX_QUESTIONS * MAX_OPTIONS

LESSON = "/courses/{slug}/lessons/{lesson_id}"


def _url(slug: str, lesson_id: uuid.UUID | str, tail: str = "") -> str:
    return f"/courses/{slug}/lessons/{lesson_id}{tail}"


def _markdown(source: str) -> Markup:
    # render_lesson_markdown escapes raw HTML and cleans its output: safe as is.
    return Markup(render_lesson_markdown(source))  # noqa: S704


def _sky_map_url(sky: dict[str, Any] | None, extra: dict[str, Any] | None = None) -> str:
    """The sky map opened where a sky activity (or a sky question) looks."""
    params: dict[str, Any] = {}
    if sky:
        params = {"lat": sky.get("lat"), "lon": sky.get("lon"), "t": sky.get("at")}
        for key in ("az", "alt", "fov"):
            if sky.get(key) is not None:
                params[key] = sky[key]
    params.update(extra or {})
    return "/sky-map?" + urlencode({k: v for k, v in params.items() if v is not None})


def _question_sky_url(view: dict[str, Any]) -> str:
    return _sky_map_url(
        {"lat": view.get("latitude"), "lon": view.get("longitude"), "at": view.get("at")}
    )


async def _page(
    request: Request,
    slug: str,
    lesson_id: str,
    *,
    error: AppError | None = None,
    drafts: dict[uuid.UUID, dict[str, Any]] | None = None,
) -> Response:
    actor = security.current_actor(request)
    lid = require_uuid(lesson_id, LessonNotFound)
    # A unit of work: resuming an open attempt may grade one whose time ran out.
    async with database(request).unit_of_work() as session:
        page = await lesson_service.get(session, actor, slug, lid)
    return _render_lesson(request, page, error=error, drafts=drafts)


def _render_lesson(
    request: Request,
    page: LessonPage,
    *,
    error: AppError | None = None,
    drafts: dict[uuid.UUID, dict[str, Any]] | None = None,
) -> Response:
    video = page.video
    hls_url = page.hls_url
    answers = {q.id: q.saved for q in page.attempt.questions} if page.attempt else {}
    answers.update(drafts or {})
    return render(
        request,
        "learning/lesson.html",
        {
            "page": page,
            "course": page.detail.card.course,
            "lesson": page.lesson,
            "lesson_url": _url(page.detail.card.course.slug, page.lesson.id),
            "url": lambda lesson: _url(page.detail.card.course.slug, lesson.id),
            "markdown": _markdown,
            "sky_map_url": _sky_map_url,
            "question_sky_url": _question_sky_url,
            "hls_url": hls_url,
            "poster_url": poster_url(video) if video is not None else None,
            "storyboard_url": (
                media_url(video, video.images.get("storyboard_vtt")) if video else None
            ),
            "answers": answers,
            "marks": [
                {"id": str(q.id), "at": q.at_seconds, "answered": q.answered}
                for q in page.video_questions
            ],
            "iso": _iso,
            "error": error.message if error else None,
        },
        status=error.status if error else 200,
    )


def _iso(moment: datetime) -> str:
    return aware(moment).astimezone(UTC).isoformat().replace("+00:00", "Z")


@router.get(LESSON)
async def lesson_page(request: Request, slug: str, lesson_id: str) -> Response:
    return await _page(request, slug, lesson_id)


@router.post(LESSON + "/enrol")
async def enrol_submit(request: Request, slug: str, lesson_id: str) -> Response:
    lid = require_uuid(lesson_id, LessonNotFound)
    return await act(
        request,
        lambda s, a, f: course_service.enrol(s, a, slug),
        back=_url(slug, lid),
        success="You are enrolled. Enjoy the course!",
    )


@router.post(LESSON + "/done")
async def done_submit(request: Request, slug: str, lesson_id: str) -> Response:
    lid = require_uuid(lesson_id, LessonNotFound)

    async def done(session: Any, actor: Actor, form: FormData) -> None:
        page = await lesson_service.learning(session, actor, slug, lid)
        await progress_service.mark_done(session, actor, page.lesson.id)

    return await act(request, done, back=_url(slug, lid), success="Lesson done.")


@router.post(LESSON + "/quiz/start")
async def start_submit(request: Request, slug: str, lesson_id: str) -> Response:
    lid = require_uuid(lesson_id, LessonNotFound)

    async def start(session: Any, actor: Actor, form: FormData) -> None:
        _, quiz = await lesson_service.taking(session, actor, slug, lid)
        latitude, longitude = _place(form)
        await attempt_service.start(session, actor, quiz.id, latitude=latitude, longitude=longitude)

    return await act(request, start, back=_url(slug, lid, "#questions"))


def _place(form: FormData) -> tuple[float | None, float | None]:
    raw = (text(form, "latitude").strip(), text(form, "longitude").strip())
    if not any(raw):
        return None, None
    try:
        return float(raw[0]), float(raw[1])
    except ValueError:
        raise BadAnswer("Give your latitude and longitude in degrees.", field="place") from None


@router.post(LESSON + "/quiz/{attempt_id}")
async def answers_submit(request: Request, slug: str, lesson_id: str, attempt_id: str) -> Response:
    """Save the answers given (`action=save`) or submit the attempt with them."""
    lid = require_uuid(lesson_id, LessonNotFound)
    aid = require_uuid(attempt_id, AttemptNotFound)
    form = await read_form(request, max_fields=QUIZ_FORM_FIELDS)
    actor = security.current_actor(request)
    back = _url(slug, lid, "#questions")
    # lesson.js saves as you go with the same post, and needs to know it was kept.
    background = request.headers.get("x-requested-with") == "fetch"
    if actor is None:
        if background:
            return Response(status_code=401)
        return redirect(f"/login?next={back}")
    submitting = text(form, "action") == "submit"
    drafts: dict[uuid.UUID, dict[str, Any]] = {}
    try:
        async with database(request).unit_of_work() as session:
            try:
                page, _quiz = await lesson_service.taking(session, actor, slug, lid)
            except NotEnrolled:
                raise AttemptNotFound() from None  # not theirs: missing
            view = page.attempt
            if view is None or view.attempt.id != aid:
                if any(a.id == aid for a in page.attempts):
                    raise AttemptClosed()
                raise AttemptNotFound()
            # What was typed, to show again if refused; then read strictly.
            drafts = read_answers(form, view.questions, strict=False)
            answers = read_answers(form, view.questions)
            if submitting:
                await attempt_service.submit(session, actor, aid, answers)
            else:
                for question_id, answer in answers.items():
                    await attempt_service.save_answer(session, actor, aid, question_id, answer)
    except AppError as exc:
        if background and not submitting:
            return Response(status_code=exc.status)
        if exc.status == 404:
            raise
        if isinstance(exc, AttemptClosed):
            response = redirect(_url(slug, lid))
            flash(response, exc.message, "error")
            return response
        # Show the form again with what was typed; nothing of this post was kept.
        return await _page(request, slug, lesson_id, error=exc, drafts=drafts)
    if submitting:
        return redirect(_url(slug, lid, f"/attempts/{aid}"))
    if background:
        return Response(status_code=204)
    response = redirect(back)
    flash(
        response,
        "Your answers are saved." if drafts else "Nothing to save yet: answer a question first.",
        "success" if drafts else "info",
    )
    return response


@router.get(LESSON + "/attempts/{attempt_id}")
async def result_page(request: Request, slug: str, lesson_id: str, attempt_id: str) -> Response:
    actor = security.current_actor(request)
    lid = require_uuid(lesson_id, LessonNotFound)
    aid = require_uuid(attempt_id, AttemptNotFound)
    if actor is None:
        return redirect(f"/login?next={_url(slug, lid, f'/attempts/{aid}')}")
    async with database(request).unit_of_work() as session:
        page, result, rows = await lesson_service.result(session, actor, slug, lid, aid)
    return render(
        request,
        "learning/quiz_result.html",
        {
            "page": page,
            "course": page.detail.card.course,
            "lesson": page.lesson,
            "lesson_url": _url(slug, lid),
            "url": lambda lesson: _url(slug, lesson.id),
            "result": result,
            "rows": rows,
            "markdown": _markdown,
        },
    )


# -- reading answers from a form ---------------------------------------------------


def read_answers(
    form: FormData, questions: list[PresentedQuestion], *, strict: bool = True
) -> dict[uuid.UUID, Any]:
    """The answers given in the form, by question, as the grader reads them; a
    question left blank is not answered. Field names are `a-<question id>[-part]`.
    Not `strict`, an answer that cannot be read is left out instead of refused."""
    answers: dict[uuid.UUID, Any] = {}
    for question in questions:
        try:
            response = _answer(form, f"a-{question.id}", question.view)
        except BadAnswer:
            if strict:
                raise
            continue
        if response is not None:
            answers[question.id] = response
    return answers


def _answer(form: FormData, key: str, view: dict[str, Any]) -> dict[str, Any] | None:
    kind = view.get("kind")
    if kind in ("single", "multiple"):
        chosen = [v for v in form.getlist(key) if isinstance(v, str) and v]
        return {"choices": chosen} if chosen else None
    if kind == "text":
        given = text(form, f"{key}-text")
        return {"text": given} if given.strip() else None
    if kind == "ordering":
        return _order(form, key, view)
    if kind == "sky":
        altitude, azimuth = text(form, f"{key}-altitude").strip(), text(form, f"{key}-azimuth")
        if not altitude and not azimuth.strip():
            return None
        return {"altitude": altitude, "azimuth": azimuth.strip()}
    if kind == "computed" and view.get("mode") == "event":
        when = text(form, f"{key}-time").strip()
        return {"time": when} if when else None
    # numeric, and computed from a formula
    value = text(form, f"{key}-value").strip()
    if not value:
        return None
    unit = text(form, f"{key}-unit").strip()
    return {"value": value, **({"unit": unit} if unit else {})}


def _order(form: FormData, key: str, view: dict[str, Any]) -> dict[str, Any] | None:
    """Each item's position number (1 to n) → the items in that order."""
    items = [str(item["id"]) for item in view.get("items", [])]
    positions: dict[str, int] = {}
    for item in items:
        raw = text(form, f"{key}-pos-{item}").strip()
        if not raw:
            return None
        try:
            positions[item] = int(raw)
        except ValueError:
            raise BadAnswer("Give each item a position number.", field=key) from None
    if sorted(positions.values()) != list(range(1, len(items) + 1)):
        raise BadAnswer("Give each item its own position, 1 to the number of items.", field=key)
    return {"order": sorted(items, key=lambda item: positions[item])}
