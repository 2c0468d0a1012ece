"""Authoring pages: the creator's hub (/create), the course editor, lesson and quiz
editors, and the path editor.

Every action is a plain form post with a CSRF token answered with a 303 back
to the editor and a notice; course-editor.js only adds drag-and-drop that posts
the same forms. Bad input shows the editor again (4xx) with the error next to
its field and what was typed; nothing is written (one unit of work per post).
A course or path its visitor may not edit looks missing (404), published or
not; signed-out visitors are sent to log in.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from markupsafe import Markup
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData
from starlette.responses import Response

from cosmostream.account.schemas import Actor
from cosmostream.errors import AppError, ValidationFailed
from cosmostream.kit.ids import require_uuid
from cosmostream.kit.time import utcnow
from cosmostream.learning import grading
from cosmostream.learning.attempts import attempt_service
from cosmostream.learning.authoring import CourseFields, authoring_service, instant
from cosmostream.learning.editing import (
    LessonFields,
    ModuleNotFound,
    QuizSettings,
    editing_service,
)
from cosmostream.learning.errors import LessonNotFound, QuestionNotFound
from cosmostream.learning.markdown import render_lesson_markdown
from cosmostream.learning.paths import path_service
from cosmostream.learning.question_forms import (
    KINDS,
    form_from_post,
    form_from_spec,
    form_kind,
    spec_from_form,
)
from cosmostream.models import (
    AttemptScoring,
    FeedbackTiming,
    LessonKind,
    Level,
    PathOrder,
    Question,
)
from cosmostream.web import security
from cosmostream.web.deps import database
from cosmostream.web.forms import read_form, redirect, text
from cosmostream.web.templating import flash, render

router = APIRouter()

Work = Callable[[AsyncSession, Actor, FormData], Awaitable[Any]]
Failed = Callable[[FormData, AppError], Awaitable[Response]]


def _login(next_path: str) -> Response:
    return redirect(f"/login?next={next_path}")


def _checked(form: FormData, name: str) -> bool:
    return text(form, name) == "on"


def _int(form: FormData, name: str, field: str, *, default: int | None = None) -> int | None:
    value = text(form, name).strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise ValidationFailed("Give a whole number.", field=field) from None


def _float(form: FormData, name: str, field: str) -> float | None:
    value = text(form, name).strip()
    if not value:
        return None
    try:
        number = float(value)
    except ValueError:
        raise ValidationFailed("Give a number.", field=field) from None
    if not math.isfinite(number):
        raise ValidationFailed("Give a number.", field=field)
    return number


def _refusal(error: AppError | None) -> dict[str, str | None]:
    """What an editor template shows of a refused form: the message and its field."""
    return {
        "error": error.message if error else None,
        "error_field": error.field if error else None,
    }


def _when(form: FormData, name: str, field: str) -> datetime | None:
    """A `datetime-local` field, read as UTC (the form says so)."""
    value = text(form, name).strip()
    if not value:
        return None
    try:
        at = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValidationFailed("Give a date and time.", field=field) from None
    return instant(at if at.tzinfo else at.replace(tzinfo=UTC), field)


def _local(value: datetime | None) -> str:
    """A stored time for a `datetime-local` field (UTC)."""
    if value is None:
        return ""
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    try:
        return aware.astimezone(UTC).strftime("%Y-%m-%dT%H:%M")
    except OverflowError:  # nothing out of range is saved now; older rows show blank
        return ""


def _markdown(source: str) -> Markup:
    # As learners see it (formulae marked for KaTeX); render_lesson_markdown escapes
    # raw HTML and cleans its output: safe as is.
    return Markup(render_lesson_markdown(source))  # noqa: S704


async def _post(
    request: Request,
    work: Work,
    *,
    back: Callable[[Any], str],
    login_to: str,
    success: str | None = None,
    failed: Failed | None = None,
    fallback: str | None = None,
) -> Response:
    """One form action in one unit of work: 303 on to `back(result)` with a notice.

    A refusal shows the form again through `failed` (or comes back as a notice
    on `fallback`); unknown or not-editable things are the 404 page."""
    form = await read_form(request)
    actor = security.current_actor(request)
    if actor is None:
        return _login(login_to)
    try:
        async with database(request).unit_of_work() as session:
            result = await work(session, actor, form)
    except AppError as exc:
        if exc.status in (401, 404):
            raise
        if failed is not None:
            return await failed(form, exc)
        response = redirect(fallback or login_to)
        flash(response, exc.message, "error")
        return response
    response = redirect(back(result))
    if success:
        flash(response, success, "success")
    return response


# -- the creator's hub ----------------------------------------------------------------


@router.get("/create")
async def hub_page(request: Request) -> Response:
    actor = security.current_actor(request)
    if actor is None:
        return _login("/create")
    async with database(request).read() as session:
        hub = await editing_service.hub(session, actor)
    return render(request, "learning/edit_hub.html", {"hub": hub})


# -- a new course -----------------------------------------------------------------------


async def _topics(request: Request) -> list[Any]:
    async with database(request).read() as session:
        return await editing_service.topics(session)


async def _new_course_page(
    request: Request, draft: dict[str, Any] | None = None, error: AppError | None = None
) -> Response:
    return render(
        request,
        "learning/edit_course_new.html",
        {
            "draft": draft or {},
            "topics": await _topics(request),
            "levels": list(Level),
            **_refusal(error),
        },
        status=error.status if error else 200,
    )


@router.get("/create/courses/new")
async def new_course_page(request: Request) -> Response:
    if security.current_actor(request) is None:
        return _login("/create/courses/new")
    return await _new_course_page(request)


def _course_fields(form: FormData) -> CourseFields:
    level = text(form, "level") or Level.BEGINNER.value
    if level not in {lv.value for lv in Level}:
        raise ValidationFailed("Choose a level.", field="level")
    return CourseFields(
        title=text(form, "title"),
        summary=text(form, "summary"),
        description=text(form, "description"),
        level=Level(level),
        premium=_checked(form, "premium"),
        category_slug=text(form, "topic") or None,
    )


def _course_draft(form: FormData) -> dict[str, Any]:
    draft: dict[str, Any] = {
        n: text(form, n) for n in ("title", "summary", "description", "level", "topic")
    }
    draft["premium"] = _checked(form, "premium")
    return draft


@router.post("/create/courses/new")
async def new_course_submit(request: Request) -> Response:
    async def work(session: AsyncSession, actor: Actor, form: FormData) -> str:
        course = await authoring_service.create_course(session, actor, _course_fields(form))
        return f"/courses/{course.slug}/edit"

    async def failed(form: FormData, exc: AppError) -> Response:
        return await _new_course_page(request, _course_draft(form), exc)

    return await _post(
        request,
        work,
        back=str,
        login_to="/create/courses/new",
        success="Your course is started as a draft.",
        failed=failed,
    )


# -- the course editor -------------------------------------------------------------------


async def _course_page(
    request: Request,
    slug: str,
    *,
    form_name: str | None = None,
    draft: dict[str, Any] | None = None,
    error: AppError | None = None,
) -> Response:
    actor = security.current_actor(request)
    async with database(request).read() as session:
        view = await editing_service.editor(session, actor, slug)
        topics = await editing_service.topics(session)
    course = view.course
    details = {
        "title": course.title,
        "summary": course.summary,
        "description": course.description,
        "level": course.level.value,
        "premium": course.premium,
        "topic": next((t.slug for t in topics if t.id == course.category_id), ""),
    }
    return render(
        request,
        "learning/edit_course.html",
        {
            "view": view,
            "course": course,
            "details": draft if form_name == "details" and draft is not None else details,
            "topics": topics,
            "levels": list(Level),
            "kinds": [k.value for k in LessonKind],
            "form_name": form_name,
            "draft": draft or {},
            **_refusal(error),
            "local": _local,
        },
        status=error.status if error else 200,
    )


@router.get("/courses/{slug}/edit")
async def course_editor_page(request: Request, slug: str) -> Response:
    if security.current_actor(request) is None:
        return _login(f"/courses/{slug}/edit")
    return await _course_page(request, slug)


def _course_post(
    request: Request,
    slug: str,
    form_name: str,
    run: Callable[[AsyncSession, Actor, FormData, uuid.UUID], Awaitable[Any]],
    *,
    success: str,
    then: Callable[[Any], str] | None = None,
    anchor: str = "",
) -> Awaitable[Response]:
    """A course editor form: the course must be the visitor's to edit (else 404)."""
    here = f"/courses/{slug}/edit"

    async def work(session: AsyncSession, actor: Actor, form: FormData) -> Any:
        course = await editing_service.readable(session, actor, slug)
        return await run(session, actor, form, course.id)

    async def failed(form: FormData, exc: AppError) -> Response:
        return await _course_page(
            request, slug, form_name=form_name, draft=_form_draft(form), error=exc
        )

    return _post(
        request,
        work,
        back=then or (lambda _: here + anchor),
        login_to=here,
        success=success,
        failed=failed,
    )


def _form_draft(form: FormData) -> dict[str, Any]:
    draft: dict[str, Any] = {k: v for k, v in form.items() if isinstance(v, str)}
    for flag in ("premium", "requires_previous", "required", "shuffle"):
        draft[flag] = _checked(form, flag)
    draft["prerequisites"] = [v for v in form.getlist("prerequisites") if isinstance(v, str)]
    return draft


@router.post("/courses/{slug}/edit/details")
async def course_details_submit(request: Request, slug: str) -> Response:
    async def run(s: AsyncSession, a: Actor, f: FormData, course_id: uuid.UUID) -> Any:
        return await authoring_service.update_course(s, a, course_id, _course_fields(f))

    return await _course_post(
        request,
        slug,
        "details",
        run,
        success="The course is saved.",
        then=lambda course: f"/courses/{course.slug}/edit",
    )


@router.post("/courses/{slug}/edit/prerequisites")
async def prerequisites_submit(request: Request, slug: str) -> Response:
    async def run(s: AsyncSession, a: Actor, f: FormData, course_id: uuid.UUID) -> Any:
        slugs = [v for v in f.getlist("prerequisites") if isinstance(v, str)]
        return await editing_service.set_prerequisites(s, a, course_id, slugs)

    return await _course_post(
        request,
        slug,
        "prerequisites",
        run,
        success="Prerequisites saved.",
        anchor="#prerequisites",
    )


@router.post("/courses/{slug}/edit/publish")
async def publish_submit(request: Request, slug: str) -> Response:
    async def run(s: AsyncSession, a: Actor, f: FormData, course_id: uuid.UUID) -> Any:
        return await authoring_service.publish(s, a, course_id)

    return await _course_post(request, slug, "publish", run, success="The course is published.")


@router.post("/courses/{slug}/edit/modules")
async def add_module_submit(request: Request, slug: str) -> Response:
    async def run(s: AsyncSession, a: Actor, f: FormData, course_id: uuid.UUID) -> Any:
        return await authoring_service.add_module(
            s,
            a,
            course_id,
            text(f, "title"),
            unlock_at=_when(f, "unlock_at", "unlockAt"),
            requires_previous=_checked(f, "requires_previous"),
        )

    return await _course_post(
        request,
        slug,
        "module-new",
        run,
        success="Module added.",
        then=lambda m: f"/courses/{slug}/edit#module-{m.id}",
    )


async def _module_of(session: AsyncSession, course_id: uuid.UUID, raw: str) -> uuid.UUID:
    """A module id from the URL that belongs to this course (else 404)."""
    module_id = require_uuid(raw, ModuleNotFound)
    view_modules = await editing_service.module_ids(session, course_id)
    if module_id not in view_modules:
        raise ModuleNotFound()
    return module_id


@router.post("/courses/{slug}/edit/modules/{module_id}")
async def update_module_submit(request: Request, slug: str, module_id: str) -> Response:
    async def run(s: AsyncSession, a: Actor, f: FormData, course_id: uuid.UUID) -> Any:
        return await editing_service.update_module(
            s,
            a,
            await _module_of(s, course_id, module_id),
            text(f, "title"),
            unlock_at=_when(f, "unlock_at", "unlockAt"),
            requires_previous=_checked(f, "requires_previous"),
        )

    return await _course_post(
        request,
        slug,
        f"module-{module_id}",
        run,
        success="Module saved.",
        anchor=f"#module-{module_id}",
    )


@router.post("/courses/{slug}/edit/modules/{module_id}/move")
async def move_module_submit(request: Request, slug: str, module_id: str) -> Response:
    async def run(s: AsyncSession, a: Actor, f: FormData, course_id: uuid.UUID) -> Any:
        return await editing_service.move_module(
            s, a, await _module_of(s, course_id, module_id), text(f, "direction")
        )

    return await _course_post(
        request, slug, "move", run, success="Module moved.", anchor=f"#module-{module_id}"
    )


@router.post("/courses/{slug}/edit/modules/{module_id}/remove")
async def remove_module_submit(request: Request, slug: str, module_id: str) -> Response:
    async def run(s: AsyncSession, a: Actor, f: FormData, course_id: uuid.UUID) -> Any:
        return await editing_service.remove_module(s, a, await _module_of(s, course_id, module_id))

    return await _course_post(request, slug, "remove", run, success="Module removed.")


@router.post("/courses/{slug}/edit/modules/{module_id}/lessons")
async def add_lesson_submit(request: Request, slug: str, module_id: str) -> Response:
    """A new lesson of a kind with a title; its editor opens next to fill it in."""

    async def run(s: AsyncSession, a: Actor, f: FormData, course_id: uuid.UUID) -> Any:
        kind = text(f, "kind")
        if kind not in {k.value for k in LessonKind}:
            raise ValidationFailed("Choose a kind of lesson.", field="kind")
        lesson_kind = LessonKind(kind)
        video_id = None
        if lesson_kind is LessonKind.VIDEO:
            raw = text(f, "video_id")
            if not raw:
                raise ValidationFailed("Choose one of your videos.", field="videoId")
            video_id = require_uuid(raw, LessonNotFound)
        sky = None
        if lesson_kind is LessonKind.SKY:
            sky = _sky(f)
        return await authoring_service.add_lesson(
            s,
            a,
            await _module_of(s, course_id, module_id),
            lesson_kind,
            text(f, "title"),
            video_id=video_id,
            sky=sky,
        )

    return await _course_post(
        request,
        slug,
        f"lesson-new-{module_id}",
        run,
        success="Lesson added: fill it in.",
        then=lambda lesson: f"/courses/{slug}/edit/lessons/{lesson.id}",
    )


def _sky(form: FormData) -> dict[str, Any]:
    at = _when(form, "sky_at", "sky") or utcnow().replace(hour=21, minute=0, second=0)
    return {
        "lat": _float(form, "sky_lat", "sky") if text(form, "sky_lat") else 0.0,
        "lon": _float(form, "sky_lon", "sky") if text(form, "sky_lon") else 0.0,
        "at": at.isoformat(),
        "alt": _float(form, "sky_alt", "sky") if text(form, "sky_alt") else 45.0,
        "az": _float(form, "sky_az", "sky") if text(form, "sky_az") else 180.0,
        "fov": _float(form, "sky_fov", "sky") if text(form, "sky_fov") else 60.0,
    }


# -- the lesson and quiz editor ----------------------------------------------------------


def _preview(question: Question) -> dict[str, Any] | None:
    """The question as a learner will see it in an attempt (grading.present: no answers)."""
    try:
        spec = grading.parse_spec(question.spec)
    except AppError:
        return None
    attempt = grading.Attempt(seed=0, started_at=utcnow())
    return grading.present(spec, attempt, str(question.id))


async def _lesson_page(
    request: Request,
    slug: str,
    lesson_id: uuid.UUID,
    *,
    form_name: str | None = None,
    draft: dict[str, Any] | None = None,
    error: AppError | None = None,
    preview: str | None = None,
) -> Response:
    actor = security.current_actor(request)
    async with database(request).read() as session:
        view = await editing_service.lesson_editor(session, actor, slug, lesson_id)
    lesson = view.lesson
    sky = lesson.sky or {}
    values = {
        "title": lesson.title,
        "required": lesson.required,
        "body": lesson.body,
        "video_id": str(lesson.video_id or ""),
        "completion_percent": str(lesson.completion_percent),
        "credits_from": "" if lesson.credits_from is None else f"{lesson.credits_from:g}",
        "duration_minutes": f"{lesson.duration_seconds / 60:g}",
        "sky_lat": sky.get("lat", ""),
        "sky_lon": sky.get("lon", ""),
        "sky_at": str(sky.get("at", ""))[:16],
        "sky_alt": sky.get("alt", 45.0),
        "sky_az": sky.get("az", 180.0),
        "sky_fov": sky.get("fov", 60.0),
    }
    quiz = view.quiz
    settings = {
        "passing_percent": str(quiz.passing_percent if quiz else 70),
        "max_attempts": str(quiz.max_attempts or "") if quiz else "",
        "time_limit_minutes": (
            f"{quiz.time_limit_seconds / 60:g}" if quiz and quiz.time_limit_seconds else ""
        ),
        "shuffle": quiz.shuffle if quiz else True,
        "feedback": quiz.feedback.value if quiz else FeedbackTiming.AFTER_SUBMIT.value,
        "closes_at": _local(quiz.closes_at) if quiz else "",
        "scoring": quiz.scoring.value if quiz else AttemptScoring.BEST.value,
    }
    questions = [
        {
            "row": q,
            "form": (
                draft
                if form_name == f"question-{q.id}" and draft is not None
                else form_from_spec(q.spec)
                | {
                    "prompt": q.prompt,
                    "points": str(q.points),
                    "required": q.required,
                    "at_seconds": "" if q.at_seconds is None else f"{q.at_seconds:g}",
                }
            ),
            "kind_label": KINDS.get(form_kind(q.spec), "?"),
            "preview": _preview(q),
        }
        for q in view.questions
    ]
    if form_name == "lesson" and draft is not None:
        values = draft
    if form_name == "quiz" and draft is not None:
        settings = draft
    new_question = (
        draft
        if form_name == "question-new" and draft is not None
        else {"kind": text_kind(request), "required": True, "shuffle": True, "points": "1"}
    )
    return render(
        request,
        "learning/edit_lesson.html",
        {
            "view": view,
            "course": view.course,
            "lesson": lesson,
            "values": values,
            "settings": settings,
            "questions": questions,
            "new_question": new_question,
            "question_kinds": KINDS,
            "form_name": form_name,
            **_refusal(error),
            "preview_html": _markdown(preview) if preview is not None else None,
            "body_html": _markdown(lesson.body) if lesson.body else None,
            "has_questions": lesson.kind is not LessonKind.ARTICLE,
            "targets": sorted(grading.SOLAR_SYSTEM) + sorted(grading.sky_targets()),
            "bodies": sorted(grading.SOLAR_SYSTEM),
        },
        status=error.status if error else 200,
    )


def text_kind(request: Request) -> str:
    kind = request.query_params.get("kind", "single")
    return kind if kind in KINDS else "single"


@router.get("/courses/{slug}/edit/lessons/{lesson_id}")
async def lesson_editor_page(request: Request, slug: str, lesson_id: str) -> Response:
    if security.current_actor(request) is None:
        return _login(f"/courses/{slug}/edit/lessons/{lesson_id}")
    return await _lesson_page(request, slug, require_uuid(lesson_id, LessonNotFound))


def _lesson_post(
    request: Request,
    slug: str,
    lesson_id: str,
    form_name: str,
    run: Callable[[AsyncSession, Actor, FormData, uuid.UUID], Awaitable[Any]],
    *,
    success: str,
    then: Callable[[Any], str] | None = None,
    anchor: str = "",
    draft: Callable[[FormData], dict[str, Any]] | None = None,
) -> Awaitable[Response]:
    lid = require_uuid(lesson_id, LessonNotFound)
    here = f"/courses/{slug}/edit/lessons/{lid}"

    async def work(session: AsyncSession, actor: Actor, form: FormData) -> Any:
        await editing_service.lesson_editor(session, actor, slug, lid)  # theirs, else 404
        return await run(session, actor, form, lid)

    async def failed(form: FormData, exc: AppError) -> Response:
        return await _lesson_page(
            request,
            slug,
            lid,
            form_name=form_name,
            draft=(draft or _form_draft)(form),
            error=exc,
        )

    return _post(
        request,
        work,
        back=then or (lambda _: here + anchor),
        login_to=here,
        success=success,
        failed=failed,
    )


@router.post("/courses/{slug}/edit/lessons/{lesson_id}")
async def update_lesson_submit(request: Request, slug: str, lesson_id: str) -> Response:
    form = await read_form(request)
    if text(form, "action") == "preview":
        # Show the Markdown as learners will see it, without saving.
        lid = require_uuid(lesson_id, LessonNotFound)
        if security.current_actor(request) is None:
            return _login(f"/courses/{slug}/edit/lessons/{lid}")
        return await _lesson_page(
            request,
            slug,
            lid,
            form_name="lesson",
            draft=_form_draft(form),
            preview=text(form, "body"),
        )

    async def run(s: AsyncSession, a: Actor, f: FormData, lid: uuid.UUID) -> Any:
        minutes = _float(f, "duration_minutes", "duration")
        raw_video = text(f, "video_id")
        fields = LessonFields(
            title=text(f, "title"),
            required=_checked(f, "required"),
            body=text(f, "body"),
            video_id=require_uuid(raw_video, LessonNotFound) if raw_video else None,
            sky=_sky(f) if text(f, "kind") == LessonKind.SKY.value else None,
            completion_percent=_int(f, "completion_percent", "completionPercent", default=90) or 0,
            credits_from=_float(f, "credits_from", "creditsFrom"),
            duration_seconds=round(minutes * 60) if minutes is not None else None,
        )
        return await editing_service.update_lesson(s, a, lid, fields)

    return await _lesson_post(request, slug, lesson_id, "lesson", run, success="Lesson saved.")


@router.post("/courses/{slug}/edit/lessons/{lesson_id}/move")
async def move_lesson_submit(request: Request, slug: str, lesson_id: str) -> Response:
    async def run(s: AsyncSession, a: Actor, f: FormData, lid: uuid.UUID) -> Any:
        return await editing_service.move_lesson(s, a, lid, text(f, "direction"))

    return await _lesson_post(
        request,
        slug,
        lesson_id,
        "move",
        run,
        success="Lesson moved.",
        then=lambda lesson: f"/courses/{slug}/edit#lesson-{lesson.id}",
    )


@router.post("/courses/{slug}/edit/lessons/{lesson_id}/place")
async def place_lesson_submit(request: Request, slug: str, lesson_id: str) -> Response:
    async def run(s: AsyncSession, a: Actor, f: FormData, lid: uuid.UUID) -> Any:
        return await editing_service.place_lesson(
            s,
            a,
            lid,
            require_uuid(text(f, "module_id"), ModuleNotFound),
            _int(f, "position", "position", default=1) or 1,
        )

    return await _lesson_post(
        request,
        slug,
        lesson_id,
        "place",
        run,
        success="Lesson moved.",
        then=lambda lesson: f"/courses/{slug}/edit#lesson-{lesson.id}",
    )


@router.post("/courses/{slug}/edit/lessons/{lesson_id}/remove")
async def remove_lesson_submit(request: Request, slug: str, lesson_id: str) -> Response:
    async def run(s: AsyncSession, a: Actor, f: FormData, lid: uuid.UUID) -> Any:
        return await editing_service.remove_lesson(s, a, lid)

    return await _lesson_post(
        request,
        slug,
        lesson_id,
        "remove",
        run,
        success="Lesson removed.",
        then=lambda _: f"/courses/{slug}/edit",
    )


@router.post("/courses/{slug}/edit/lessons/{lesson_id}/quiz")
async def quiz_settings_submit(request: Request, slug: str, lesson_id: str) -> Response:
    async def run(s: AsyncSession, a: Actor, f: FormData, lid: uuid.UUID) -> Any:
        feedback = text(f, "feedback") or FeedbackTiming.AFTER_SUBMIT.value
        scoring = text(f, "scoring") or AttemptScoring.BEST.value
        if feedback not in {v.value for v in FeedbackTiming}:
            raise ValidationFailed("Choose when feedback shows.", field="feedback")
        if scoring not in {v.value for v in AttemptScoring}:
            raise ValidationFailed("Choose which attempt counts.", field="scoring")
        minutes = _float(f, "time_limit_minutes", "timeLimit")
        settings = QuizSettings(
            passing_percent=_int(f, "passing_percent", "passingPercent", default=70) or 0,
            max_attempts=_int(f, "max_attempts", "maxAttempts"),
            time_limit_seconds=round(minutes * 60) if minutes is not None else None,
            shuffle=_checked(f, "shuffle"),
            feedback=FeedbackTiming(feedback),
            closes_at=_when(f, "closes_at", "closesAt"),
            scoring=AttemptScoring(scoring),
        )
        return await editing_service.set_quiz(s, a, lid, settings)

    return await _lesson_post(
        request, slug, lesson_id, "quiz", run, success="Quiz settings saved.", anchor="#quiz"
    )


@router.post("/courses/{slug}/edit/lessons/{lesson_id}/regrade")
async def regrade_submit(request: Request, slug: str, lesson_id: str) -> Response:
    """Grade every submitted attempt again after fixing a question."""

    async def run(s: AsyncSession, a: Actor, f: FormData, lid: uuid.UUID) -> Any:
        view = await editing_service.lesson_editor(s, a, slug, lid)
        if view.quiz is None:
            raise ValidationFailed("This lesson has no questions yet.", field="quiz")
        return await attempt_service.regrade(s, a, view.quiz.id)

    return await _lesson_post(
        request, slug, lesson_id, "regrade", run, success="Attempts graded again.", anchor="#quiz"
    )


def _question_draft(form: FormData) -> dict[str, Any]:
    return form_from_post(
        lambda name: text(form, name),
        lambda name: [v for v in form.getlist(name) if isinstance(v, str)],
    )


def _spec(form: FormData) -> dict[str, Any]:
    return spec_from_form(
        lambda name: text(form, name),
        lambda name: [v for v in form.getlist(name) if isinstance(v, str)],
    )


@router.post("/courses/{slug}/edit/lessons/{lesson_id}/questions")
async def add_question_submit(request: Request, slug: str, lesson_id: str) -> Response:
    async def run(s: AsyncSession, a: Actor, f: FormData, lid: uuid.UUID) -> Any:
        return await authoring_service.add_question(
            s,
            a,
            lid,
            text(f, "prompt"),
            _spec(f),
            points=_int(f, "points", "points", default=1) or 0,
            at_seconds=_float(f, "at_seconds", "atSeconds"),
            required=_checked(f, "required"),
        )

    return await _lesson_post(
        request,
        slug,
        lesson_id,
        "question-new",
        run,
        success="Question added.",
        then=lambda q: f"/courses/{slug}/edit/lessons/{q.lesson_id}#question-{q.id}",
        draft=_question_draft,
    )


def _question_post(
    request: Request,
    slug: str,
    lesson_id: str,
    question_id: str,
    run: Callable[[AsyncSession, Actor, FormData, uuid.UUID], Awaitable[Any]],
    *,
    success: str,
    anchor: str = "",
    form_name: str = "question",
) -> Awaitable[Response]:
    qid = require_uuid(question_id, QuestionNotFound)

    async def checked(s: AsyncSession, a: Actor, f: FormData, lid: uuid.UUID) -> Any:
        if qid not in await editing_service.question_ids(s, lid):
            raise QuestionNotFound()
        return await run(s, a, f, qid)

    return _lesson_post(
        request,
        slug,
        lesson_id,
        form_name,
        checked,
        success=success,
        anchor=anchor,
        draft=_question_draft,
    )


@router.post("/courses/{slug}/edit/lessons/{lesson_id}/questions/{question_id}")
async def update_question_submit(
    request: Request, slug: str, lesson_id: str, question_id: str
) -> Response:
    async def run(s: AsyncSession, a: Actor, f: FormData, qid: uuid.UUID) -> Any:
        return await editing_service.update_question(
            s,
            a,
            qid,
            prompt=text(f, "prompt"),
            spec=_spec(f),
            points=_int(f, "points", "points", default=1) or 0,
            at_seconds=_float(f, "at_seconds", "atSeconds"),
            required=_checked(f, "required"),
        )

    return await _question_post(
        request,
        slug,
        lesson_id,
        question_id,
        run,
        success="Question saved.",
        anchor=f"#question-{question_id}",
        form_name=f"question-{question_id}",
    )


@router.post("/courses/{slug}/edit/lessons/{lesson_id}/questions/{question_id}/move")
async def move_question_submit(
    request: Request, slug: str, lesson_id: str, question_id: str
) -> Response:
    async def run(s: AsyncSession, a: Actor, f: FormData, qid: uuid.UUID) -> Any:
        return await editing_service.move_question(s, a, qid, text(f, "direction"))

    return await _question_post(
        request,
        slug,
        lesson_id,
        question_id,
        run,
        success="Question moved.",
        anchor=f"#question-{question_id}",
    )


@router.post("/courses/{slug}/edit/lessons/{lesson_id}/questions/{question_id}/remove")
async def remove_question_submit(
    request: Request, slug: str, lesson_id: str, question_id: str
) -> Response:
    async def run(s: AsyncSession, a: Actor, f: FormData, qid: uuid.UUID) -> Any:
        return await editing_service.remove_question(s, a, qid)

    return await _question_post(
        request, slug, lesson_id, question_id, run, success="Question removed.", anchor="#quiz"
    )


# -- paths -------------------------------------------------------------------------------


async def _new_path_page(
    request: Request, draft: dict[str, Any] | None = None, error: AppError | None = None
) -> Response:
    return render(
        request,
        "learning/edit_path_new.html",
        {
            "draft": draft or {"sequential": True},
            "levels": list(Level),
            **_refusal(error),
        },
        status=error.status if error else 200,
    )


@router.get("/create/paths/new")
async def new_path_page(request: Request) -> Response:
    if security.current_actor(request) is None:
        return _login("/create/paths/new")
    return await _new_path_page(request)


@router.post("/create/paths/new")
async def new_path_submit(request: Request) -> Response:
    async def work(session: AsyncSession, actor: Actor, form: FormData) -> str:
        level = text(form, "level") or Level.BEGINNER.value
        if level not in {lv.value for lv in Level}:
            raise ValidationFailed("Choose a level.", field="level")
        path = await path_service.create(
            session,
            actor,
            text(form, "title"),
            text(form, "description"),
            PathOrder.SEQUENTIAL if _checked(form, "sequential") else PathOrder.FREE,
            Level(level),
        )
        return f"/learn/paths/{path.slug}/edit"

    async def failed(form: FormData, exc: AppError) -> Response:
        draft: dict[str, Any] = {n: text(form, n) for n in ("title", "description", "level")}
        draft["sequential"] = _checked(form, "sequential")
        return await _new_path_page(request, draft, exc)

    return await _post(
        request,
        work,
        back=str,
        login_to="/create/paths/new",
        success="Your path is started as a draft.",
        failed=failed,
    )


async def _path_page(request: Request, slug: str, error: AppError | None = None) -> Response:
    actor = security.current_actor(request)
    async with database(request).read() as session:
        view = await editing_service.path_editor(session, actor, slug)
    return render(
        request,
        "learning/edit_path.html",
        {
            "view": view,
            "learning_path": view.path,
            **_refusal(error),
        },
        status=error.status if error else 200,
    )


@router.get("/learn/paths/{slug}/edit")
async def path_editor_page(request: Request, slug: str) -> Response:
    if security.current_actor(request) is None:
        return _login(f"/learn/paths/{slug}/edit")
    return await _path_page(request, slug)


def _path_post(
    request: Request,
    slug: str,
    run: Callable[[AsyncSession, Actor, FormData], Awaitable[Any]],
    *,
    success: str,
) -> Awaitable[Response]:
    here = f"/learn/paths/{slug}/edit"

    async def work(session: AsyncSession, actor: Actor, form: FormData) -> Any:
        await editing_service.path_editor(session, actor, slug)  # theirs, else 404
        return await run(session, actor, form)

    async def failed(form: FormData, exc: AppError) -> Response:
        return await _path_page(request, slug, exc)

    return _post(request, work, back=lambda _: here, login_to=here, success=success, failed=failed)


@router.post("/learn/paths/{slug}/edit/courses")
async def path_add_course_submit(request: Request, slug: str) -> Response:
    return await _path_post(
        request,
        slug,
        lambda s, a, f: path_service.add_course(s, a, slug, text(f, "course")),
        success="Course added to the path.",
    )


@router.post("/learn/paths/{slug}/edit/courses/{course_slug}/move")
async def path_move_course_submit(request: Request, slug: str, course_slug: str) -> Response:
    return await _path_post(
        request,
        slug,
        lambda s, a, f: editing_service.move_path_course(
            s, a, slug, course_slug, text(f, "direction")
        ),
        success="Course moved.",
    )


@router.post("/learn/paths/{slug}/edit/courses/{course_slug}/remove")
async def path_remove_course_submit(request: Request, slug: str, course_slug: str) -> Response:
    return await _path_post(
        request,
        slug,
        lambda s, a, f: editing_service.remove_path_course(s, a, slug, course_slug),
        success="Course taken off the path.",
    )


@router.post("/learn/paths/{slug}/edit/publish")
async def path_publish_submit(request: Request, slug: str) -> Response:
    return await _path_post(
        request,
        slug,
        lambda s, a, f: path_service.publish(s, a, slug),
        success="The path is published.",
    )
