"""Class pages: `/classes` (join, your classes, open one), a class's page (the teacher's
progress table and tools, or a member's assignments), the join link and the CSV export.

Every action is a plain form post with a CSRF token, answered with a 303 and a
notice (see `web.forms.act`); a class the visitor may not see is a 404 page.
Due dates are UTC on the server: without JavaScript the form's time is read
as UTC (and says so); classes.js sends the browser's local time converted to
UTC in `due_utc` and shows every `<time data-local>` in local time.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from functools import lru_cache
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from markupsafe import Markup
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData
from starlette.responses import Response

from cosmostream.account.schemas import Actor
from cosmostream.errors import AppError, ValidationFailed
from cosmostream.kit.ids import require_uuid
from cosmostream.learning.classes import (
    AssignmentNotFound,
    Cell,
    ClassNotFound,
    ProgressTable,
    Row,
    class_service,
)
from cosmostream.web import security
from cosmostream.web.deps import database
from cosmostream.web.forms import act, read_form, redirect, text
from cosmostream.web.templating import flash, render

router = APIRouter()

# A spreadsheet runs a cell starting with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> str:
    """A cell a spreadsheet shows as text: a leading quote defuses a formula."""
    text_value = "" if value is None else str(value)
    return "'" + text_value if text_value.startswith(FORMULA_STARTS) else text_value


CSV_HEADER = [
    "learner",
    "learner_id",
    "course",
    "lesson",
    "lesson_kind",
    "required",
    "status",
    "quiz_best_score_percent",
    "time_spent_seconds",
    "due_at_utc",
    "overdue",
]


def _utc(value: datetime | None) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if value else ""


def table_csv(table: ProgressTable) -> str:
    """The progress table, one row per learner and lesson, with a header row.

    What repeats (a lesson's columns, a learner's name, a course's due date)
    is made safe once; per cell only its status, score and time are written.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    lessons = [
        (
            column.course.id,
            csv_cell(column.course.title),
            csv_cell(column.lesson.title),
            column.lesson.kind.value,
            "yes" if column.lesson.required else "no",
        )
        for column in table.columns
    ]
    for row in table.rows:
        # A course's due date and overdue flag: those of the assignments covering it
        # (the earliest due date; overdue when any of them is).
        by_course: dict[uuid.UUID, tuple[str, str]] = {}
        dues: dict[uuid.UUID, tuple[datetime | None, bool]] = {}
        for s in row.standings:
            mine = s.item.assignment.due_at
            for course in s.item.courses:
                due, overdue = dues.get(course.id, (None, False))
                if mine is not None and (due is None or mine < due):
                    due = mine
                dues[course.id] = (due, overdue or s.overdue)
        for course_id, (due, overdue) in dues.items():
            by_course[course_id] = (_utc(due), "yes" if overdue else "no")
        name, ident = csv_cell(row.learner.display_name), str(row.learner.id)
        writer.writerows(
            [
                name,
                ident,
                course_title,
                lesson_title,
                kind,
                required,
                cell.state,
                "" if cell.best_score is None else f"{cell.best_score * 100:.1f}",
                f"{cell.time_spent_seconds:.0f}",
                *by_course.get(course_id, ("", "no")),
            ]
            for (course_id, course_title, lesson_title, kind, required), cell in zip(
                lessons, row.cells, strict=True
            )
        )
    return out.getvalue()


_CELL_TEXT = {
    "completed": ("✓", "completed"),
    "in_progress": ("◐", "in progress"),
    "not_started": ("·", "not started"),
}


@lru_cache(maxsize=4096)
def _cell_html(state: str, score: int | None, minutes: int) -> Markup:
    # Many cells are alike (not started, completed in 3 min): each kind is made once.
    mark, label = _CELL_TEXT[state]
    spent = f' title="{minutes} min"' if minutes else ""
    score_html = f' <span class="class-cell-score">{score}%</span>' if score is not None else ""
    return Markup(  # noqa: S704 -- only constants and integers go in
        f'<td class="class-cell class-cell-{state}"{spent}>'
        f'<span aria-hidden="true">{mark}</span><span class="visually-hidden">{label}</span>'
        f"{score_html}</td>"
    )


def cells_renderer() -> Callable[[Row], Markup]:
    """`cells_html(row)` for one page: a learner's row of cells, the progress table's bulk,
    built without the template engine's per-cell cost (200 learners x 60 lessons is
    12,000 cells). The service shares one `Cell` between alike cells, so each is turned
    into HTML once per page (by identity, the cell kept alive beside its HTML)."""
    made: dict[int, tuple[Cell, str]] = {}

    def cells_html(row: Row) -> Markup:
        parts = []
        for cell in row.cells:
            found = made.get(id(cell))
            if found is None:
                html = _cell_html(
                    cell.state,
                    None if cell.best_score is None else round(cell.best_score * 100),
                    round(cell.time_spent_seconds / 60),
                )
                found = made[id(cell)] = (cell, html)
            parts.append(found[1])
        return Markup("".join(parts))  # noqa: S704 -- each part is _cell_html's Markup

    return cells_html


def parse_due(form: FormData) -> datetime | None:
    """The due date: `due_utc` (ISO, sent by classes.js), else `due` read as UTC."""
    raw = text(form, "due_utc").strip() or text(form, "due").strip()
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValidationFailed("Give the due date as a date and time.", field="due") from exc
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _class_id(value: str) -> uuid.UUID:
    return require_uuid(value, ClassNotFound)


# -- reading ---------------------------------------------------------------------


@router.get("/classes")
async def classes_page(request: Request) -> Response:
    actor = security.current_actor(request)
    if actor is None:
        return redirect("/login?next=/classes")
    async with database(request).read() as session:
        teaching = await class_service.teaching(session, actor) if actor.is_creator else []
        _, joined = await class_service.my_classes(session, actor)
    return render(request, "learning/classes.html", {"teaching": teaching, "joined": joined})


@router.get("/classes/join/{code}")
async def join_link_page(request: Request, code: str) -> Response:
    actor = security.current_actor(request)
    if actor is None:
        return redirect("/login?" + urlencode({"next": f"/classes/join/{quote(code, safe='')}"}))
    async with database(request).read() as session:
        klass = await class_service.find_by_code(session, actor, code)
    return render(request, "learning/class_join.html", {"klass": klass, "code": klass.join_code})


@router.get("/classes/{class_id}")
async def class_page(request: Request, class_id: str) -> Response:
    actor = security.current_actor(request)
    cid = _class_id(class_id)
    async with database(request).read() as session:
        view = await class_service.get(session, actor, cid)
        table = await class_service.progress_table(session, actor, cid) if view.can_teach else None
    return render(
        request,
        "learning/class.html",
        {
            "view": view,
            "klass": view.klass,
            "table": table,
            "cells_html": cells_renderer(),
            "join_url": str(request.base_url).rstrip("/") + f"/classes/join/{view.klass.join_code}",
        },
    )


@router.get("/classes/{class_id}/progress.csv")
async def class_csv(request: Request, class_id: str) -> Response:
    actor = security.current_actor(request)
    cid = _class_id(class_id)
    async with database(request).read() as session:
        try:
            table = await class_service.progress_table(session, actor, cid)
        except AppError as exc:
            # A member is refused like anyone else: the export looks missing.
            raise ClassNotFound() from exc
    return Response(
        table_csv(table),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="class-{cid}-progress.csv"',
            "Cache-Control": "private, no-store",
        },
    )


# -- forms -------------------------------------------------------------------------


@router.post("/classes/new")
async def create_submit(request: Request) -> Response:
    return await act(
        request,
        lambda s, a, f: class_service.create(s, a, text(f, "name")),
        back="/classes",
        then=lambda klass: f"/classes/{klass.id}",
        success="Your class is open. Share its code or link with your learners.",
    )


@router.post("/classes/join")
async def join_submit(request: Request) -> Response:
    form = await read_form(request)
    actor = security.current_actor(request)
    if actor is None:
        return redirect("/login?next=/classes")
    try:
        async with database(request).unit_of_work() as session:
            klass = await class_service.join(session, actor, text(form, "code"))
    except AppError as exc:
        # A wrong code is a notice on /classes, not a 404 page: people mistype.
        response = redirect("/classes")
        flash(response, exc.message, "error")
        return response
    response = redirect(f"/classes/{klass.id}")
    flash(response, f"You are in {klass.name}.", "success")
    return response


@router.post("/classes/{class_id}/code")
async def code_submit(request: Request, class_id: str) -> Response:
    cid = _class_id(class_id)
    return await act(
        request,
        lambda s, a, f: class_service.regenerate_code(s, a, cid),
        back=f"/classes/{cid}",
        success="The class has a new code; the old one no longer works.",
    )


@router.post("/classes/{class_id}/archive")
async def archive_submit(request: Request, class_id: str) -> Response:
    cid = _class_id(class_id)
    return await act(
        request,
        lambda s, a, f: class_service.archive(s, a, cid),
        back=f"/classes/{cid}",
        success="The class is archived.",
    )


@router.post("/classes/{class_id}/assign")
async def assign_submit(request: Request, class_id: str) -> Response:
    cid = _class_id(class_id)

    async def assign(session: AsyncSession, actor: Actor, form: FormData) -> object:
        kind = text(form, "kind")
        # A slug, or the address of the course's or path's page (its last part).
        slug = text(form, "slug").strip().split("?")[0].rstrip("/").rsplit("/", 1)[-1]
        if kind not in ("course", "path") or not slug:
            raise ValidationFailed("Choose a course or a learning path.", field="slug")
        return await class_service.assign(
            session,
            actor,
            cid,
            course_slug=slug if kind == "course" else None,
            path_slug=slug if kind == "path" else None,
            due_at=parse_due(form),
        )

    return await act(request, assign, back=f"/classes/{cid}#assignments", success="Assigned.")


@router.post("/classes/{class_id}/assignments/{assignment_id}/remove")
async def unassign_submit(request: Request, class_id: str, assignment_id: str) -> Response:
    cid = _class_id(class_id)
    aid = require_uuid(assignment_id, AssignmentNotFound)
    return await act(
        request,
        lambda s, a, f: class_service.unassign(s, a, aid, cid),
        back=f"/classes/{cid}#assignments",
        success="The assignment is removed.",
    )


@router.post("/classes/{class_id}/assignments/{assignment_id}/enrol")
async def enrol_submit(request: Request, class_id: str, assignment_id: str) -> Response:
    cid = _class_id(class_id)
    aid = require_uuid(assignment_id, AssignmentNotFound)
    return await act(
        request,
        lambda s, a, f: class_service.enrol(s, a, cid, aid),
        back=f"/classes/{cid}",
        then=lambda course: f"/courses/{course.slug}",
        next_first=True,
        success="You are enrolled.",
    )


@router.post("/classes/{class_id}/leave")
async def leave_submit(request: Request, class_id: str) -> Response:
    cid = _class_id(class_id)
    return await act(
        request,
        lambda s, a, f: class_service.leave(s, a, cid),
        back=f"/classes/{cid}",
        then=lambda _: "/classes",
        success="You left the class.",
    )
