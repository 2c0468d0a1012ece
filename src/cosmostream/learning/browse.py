"""What the learner's pages show: `/learn`, a course, a path and a certificate.

Composes the catalogue (`courses.py`), paths (`paths.py`) and certificates for
one page each, so a page is one service call. Visibility rules stay in those
services: a draft course or path is missing (404) for anyone but its editors.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from cosmostream.account.schemas import Actor
from cosmostream.errors import AppError, ValidationFailed
from cosmostream.kit.pagination import Page
from cosmostream.learning.browse_repository import browse_repository as repo
from cosmostream.learning.courses import (
    MAX_QUERY_CHARS,
    MAX_QUERY_WORDS,
    CourseCard,
    CourseDetail,
    MyLearning,
    course_service,
)
from cosmostream.learning.paths import PathView, path_service
from cosmostream.models import Category, Course, ForumCategory, LearningPath, Level, User

PAGE_SIZE = 20
MAX_PATHS = 12
MAX_CODE_LENGTH = 24


class CertificateNotFound(AppError):
    status = 404
    code = "certificate_not_found"
    message = "There is no certificate with this code."


@dataclass(frozen=True)
class LearnFilters:
    query: str | None = None
    topic: str | None = None
    level: Level | None = None
    premium: bool | None = None  # None: free and premium courses
    after: str | None = None

    @property
    def active(self) -> bool:
        return any(v is not None for v in (self.query, self.topic, self.level, self.premium))


@dataclass(frozen=True)
class PathCard:
    path: LearningPath
    course_count: int


@dataclass(frozen=True)
class LearnPage:
    filters: LearnFilters
    topics: list[Category]
    topic: Category | None
    paths: list[PathCard]
    courses: Page[CourseCard]
    # "My learning", for a signed-in viewer on the unfiltered first page.
    mine: MyLearning | None = None
    certificates: dict[uuid.UUID, str] = field(default_factory=dict)  # course id → code


@dataclass(frozen=True)
class CoursePage:
    detail: CourseDetail
    forum_category: ForumCategory | None
    certificate_code: str | None


@dataclass(frozen=True)
class PathPage:
    view: PathView
    author: User | None


@dataclass(frozen=True)
class CreatorLearning:
    """What one creator teaches, for their channel page: published paths and a
    page of published courses, newest first."""

    paths: list[PathCard]
    courses: Page[CourseCard]


@dataclass(frozen=True)
class CertificateView:
    code: str
    issued_at: datetime
    learner: User
    course: Course
    instructor: User


class BrowseService:
    async def learn(
        self, session: AsyncSession, actor: Actor | None, filters: LearnFilters
    ) -> LearnPage:
        """Paths and courses matching the filters, and the viewer's own learning."""
        topics = await repo.topics(session)
        topic = None
        if filters.topic is not None:
            topic = next((t for t in topics if t.slug == filters.topic), None)
            if topic is None:
                raise ValidationFailed("There is no such topic.", field="topic")
        if filters.query is not None and len(filters.query) > MAX_QUERY_CHARS:
            raise ValidationFailed(
                f"Search with at most {MAX_QUERY_CHARS} characters.", field="query"
            )
        courses = await course_service.browse(
            session,
            actor,
            topic=filters.topic,
            level=filters.level,
            query=filters.query,
            first=PAGE_SIZE,
            after=filters.after,
            premium=filters.premium,
        )
        paths: list[PathCard] = []
        # Paths have no price; asking for free or premium courses asks for courses only.
        if filters.after is None and filters.premium is None:
            found = await repo.paths(
                session,
                category_id=topic.id if topic else None,
                level=filters.level,
                words=(filters.query or "").split()[:MAX_QUERY_WORDS],
                limit=MAX_PATHS,
            )
            counts = await repo.path_course_counts(session, [p.id for p in found])
            paths = [PathCard(p, counts.get(p.id, 0)) for p in found]
        mine = None
        certificates: dict[uuid.UUID, str] = {}
        if actor is not None and not filters.active and filters.after is None:
            mine = await course_service.my_learning(session, actor)
            certificates = await repo.certificate_codes(
                session, actor.id, [card.course.id for card in mine.completed]
            )
        return LearnPage(filters, topics, topic, paths, courses, mine, certificates)

    async def creator(
        self,
        session: AsyncSession,
        actor: Actor | None,
        user_id: uuid.UUID,
        *,
        after: str | None = None,
    ) -> CreatorLearning:
        """A creator's published paths (on the first page) and courses, like `/learn`
        lists them: drafts stay off, for their author too. Five queries."""
        courses = await course_service.browse(
            session, actor, first=PAGE_SIZE, after=after, instructor_id=user_id
        )
        paths: list[PathCard] = []
        if after is None:
            found = await repo.paths(
                session, category_id=None, level=None, words=[], limit=50, author_id=user_id
            )
            counts = await repo.path_course_counts(session, [p.id for p in found])
            paths = [PathCard(p, counts.get(p.id, 0)) for p in found]
        return CreatorLearning(paths=paths, courses=courses)

    async def course(self, session: AsyncSession, actor: Actor | None, slug: str) -> CoursePage:
        """A course for the viewer, with its forum and the viewer's certificate."""
        detail = await course_service.get(session, actor, slug)
        course = detail.card.course
        forum = (
            await repo.forum_category(session, course.forum_category_id)
            if course.forum_category_id
            else None
        )
        code = None
        enrolment = detail.card.enrolment
        if actor is not None and enrolment is not None and enrolment.completed_at is not None:
            code = (await repo.certificate_codes(session, actor.id, [course.id])).get(course.id)
        return CoursePage(detail, forum, code)

    async def path(self, session: AsyncSession, actor: Actor | None, slug: str) -> PathPage:
        view = await path_service.get(session, actor, slug)
        authors = await repo.people(session, {view.path.author_id})
        return PathPage(view, authors.get(view.path.author_id))

    async def certificate(self, session: AsyncSession, code: str) -> CertificateView:
        """Anyone may check a certificate by its code (letters in either case)."""
        code = code.strip().upper()
        found = (
            await repo.certificate_by_code(session, code) if len(code) <= MAX_CODE_LENGTH else None
        )
        if found is None:
            raise CertificateNotFound()
        certificate, learner, course, instructor = found
        return CertificateView(certificate.code, certificate.issued_at, learner, course, instructor)


browse_service = BrowseService()
