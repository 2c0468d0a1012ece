"""Learning paths: an ordered graph of courses, with each course's state for a viewer.

A path lists courses in order. Its edges are the prerequisites between its
courses (`course_prerequisites`) and, when its author chose a sequential
order, each course after the previous one. For a viewer each course is
`completed` (their enrolment is complete), `in_progress` (enrolled),
`locked` (a course it needs is not complete) or `available`.

Creators make paths of published courses (any creator's) and publish them;
drafts are seen by their author and admins only.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from itertools import pairwise

from sqlalchemy.ext.asyncio import AsyncSession

from cosmostream.account.schemas import Actor, require_signed_in
from cosmostream.errors import AppError, PermissionDenied, ValidationFailed
from cosmostream.kit import sql
from cosmostream.kit.time import utcnow
from cosmostream.learning.authoring import slugify
from cosmostream.learning.catalog_repository import course_catalog_repository
from cosmostream.learning.editing_repository import editing_repository
from cosmostream.learning.path_repository import path_repository as repo
from cosmostream.models import (
    Course,
    Enrolment,
    LearningPath,
    Level,
    PathCourse,
    PathOrder,
    PublishState,
)

MAX_PATH_COURSES = 30


class PathNotFound(AppError):
    status = 404
    code = "path_not_found"
    message = "This learning path does not exist."


@dataclass(frozen=True)
class PathStep:
    course: Course
    state: str  # completed, in_progress, available, locked
    requires: list[uuid.UUID]  # courses of the path it needs first


@dataclass(frozen=True)
class PathView:
    path: LearningPath
    steps: list[PathStep]
    can_edit: bool


def _can_edit(actor: Actor | None, path: LearningPath) -> bool:
    return actor is not None and (actor.is_admin or actor.id == path.author_id)


def _can_see(actor: Actor | None, path: LearningPath) -> bool:
    return path.state is PublishState.PUBLISHED or _can_edit(actor, path)


def step_states(
    courses: list[Course],
    order: PathOrder,
    prerequisites: list[tuple[uuid.UUID, uuid.UUID]],
    enrolments: dict[uuid.UUID, Enrolment],
) -> list[PathStep]:
    """Each course of the path in order, with what it needs and its state for the viewer."""
    inside = {c.id for c in courses}
    needs: dict[uuid.UUID, list[uuid.UUID]] = {c.id: [] for c in courses}
    for course_id, requires_id in prerequisites:
        if course_id in inside and requires_id in inside:
            needs[course_id].append(requires_id)
    if order is PathOrder.SEQUENTIAL:
        for before, after in pairwise(courses):
            if before.id not in needs[after.id]:
                needs[after.id].append(before.id)
    done = {cid for cid, e in enrolments.items() if e.completed_at is not None}
    steps = []
    for course in courses:
        enrolment = enrolments.get(course.id)
        if course.id in done:
            state = "completed"
        elif enrolment is not None:
            state = "in_progress"
        elif all(r in done for r in needs[course.id]):
            state = "available"
        else:
            state = "locked"
        steps.append(PathStep(course, state, needs[course.id]))
    return steps


class PathService:
    async def _path(self, session: AsyncSession, actor: Actor | None, slug: str) -> LearningPath:
        path = await repo.by_slug(session, slug)
        if path is None or not _can_see(actor, path):
            raise PathNotFound()
        return path

    async def browse(self, session: AsyncSession, limit: int = 50) -> list[LearningPath]:
        """Published paths, newest first."""
        return await repo.published(session, limit)

    async def get(self, session: AsyncSession, actor: Actor | None, slug: str) -> PathView:
        path = await self._path(session, actor, slug)
        courses = await repo.courses(session, path.id)
        ids = [c.id for c in courses]
        prerequisites = await repo.prerequisites(session, ids)
        enrolments = (
            await course_catalog_repository.enrolments(session, actor.id, ids) if actor else {}
        )
        return PathView(
            path,
            step_states(courses, path.order, prerequisites, enrolments),
            _can_edit(actor, path),
        )

    async def create(
        self,
        session: AsyncSession,
        actor: Actor | None,
        title: str,
        description: str = "",
        order: PathOrder = PathOrder.SEQUENTIAL,
        level: Level = Level.BEGINNER,
    ) -> LearningPath:
        actor = require_signed_in(actor)
        if not actor.is_creator:
            raise PermissionDenied("Only creators can make learning paths.")
        title = " ".join(title.split())
        if not 1 <= len(title) <= 200:
            raise ValidationFailed(
                "Give the path a title of at most 200 characters.", field="title"
            )
        path = LearningPath(
            slug=await sql.free_slug(session, LearningPath.slug, slugify(title)),
            title=title,
            description=description.strip()[:20_000],
            author_id=actor.id,
            order=order,
            level=level,
            state=PublishState.DRAFT,
        )
        await repo.add(session, path)
        return path

    async def _editable(
        self, session: AsyncSession, actor: Actor | None, slug: str
    ) -> LearningPath:
        actor = require_signed_in(actor)
        # Locked until the unit of work ends: two edits of one path take turns.
        path = await editing_repository.locked_path(session, slug)
        if path is None or not _can_see(actor, path):
            raise PathNotFound()
        if not _can_edit(actor, path):
            raise PermissionDenied("Only the path's author can change it.")
        return path

    async def add_course(
        self, session: AsyncSession, actor: Actor | None, slug: str, course_slug: str
    ) -> None:
        path = await self._editable(session, actor, slug)
        course = await course_catalog_repository.by_slug(session, course_slug)
        if course is None or course.state is not PublishState.PUBLISHED:
            raise ValidationFailed("Only published courses go into a path.", field="courseSlug")
        present = await repo.entries(session, path.id)
        if any(p.course_id == course.id for p in present):
            return
        if len(present) >= MAX_PATH_COURSES:
            raise ValidationFailed(
                f"A path has at most {MAX_PATH_COURSES} courses.", field="courseSlug"
            )
        position = (present[-1].position if present else 0) + 1
        await repo.add(session, PathCourse(path_id=path.id, course_id=course.id, position=position))
        path.updated_at = utcnow()
        await session.flush()

    async def publish(self, session: AsyncSession, actor: Actor | None, slug: str) -> LearningPath:
        path = await self._editable(session, actor, slug)
        if not await repo.entries(session, path.id):
            raise ValidationFailed("Add a course before publishing.", field="slug")
        if path.state is not PublishState.PUBLISHED:
            path.state = PublishState.PUBLISHED
            path.published_at = utcnow()
        await session.flush()
        return path


path_service = PathService()
