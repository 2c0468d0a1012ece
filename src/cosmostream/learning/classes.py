"""Classes for educators: a teacher's group of learners, assignments and a progress table.

- Creators and admins open a class; learners join it with its code (or the
  link `/classes/join/<code>`), once, and may leave. A teacher can give the
  class a new code (the old one stops working) and archive it: an archived
  class refuses joins and changes to its assignments, and drops off its
  learners' open assignments, but its teacher still sees its table.
- Teachers assign published courses or learning paths, with an optional due
  date (UTC). Assigning enrols nobody: enrolment is the learner's act (and
  needs the course's prerequisites), so an assignment offers a one-click
  enrol for the first assigned course the learner has not started.
- Progress comes from the learner's enrolment roll-ups (required lessons
  completed, course completed); an assignment is complete when every course
  it covers is, and overdue when its due date has passed before that —
  decided here, on the server.
- Who sees what: the teacher and admins see everything of a class (members,
  code, table); a member sees its name, teacher and assignments with their own
  progress; anyone else finds no class (404).
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from fractions import Fraction

from sqlalchemy.ext.asyncio import AsyncSession

from cosmostream.account.schemas import Actor, require_signed_in
from cosmostream.errors import AppError, Conflict, PermissionDenied, ValidationFailed
from cosmostream.kit.time import utcnow
from cosmostream.learning.authoring import instant
from cosmostream.learning.catalog_repository import course_catalog_repository
from cosmostream.learning.class_repository import class_repository as repo
from cosmostream.learning.courses import course_service
from cosmostream.learning.path_repository import path_repository
from cosmostream.models import (
    ClassAssignment,
    ClassMember,
    Course,
    LearningClass,
    LearningPath,
    Lesson,
    PublishState,
    User,
)

# Join codes: no letters that read like digits (0/O, 1/I/L, 5/S, 8/B, U/V).
CODE_ALPHABET = "ACDEFGHJKMNPQRTWXY2345679"
CODE_LENGTH = 8
MAX_NAME = 200
MAX_MEMBERS = 250
MAX_ASSIGNMENTS = 20
MAX_LISTED = 50  # classes listed per person, newest first
MAX_LISTED_ASSIGNMENTS = 100


class ClassNotFound(AppError):
    status = 404
    code = "class_not_found"
    message = "This class does not exist."


class AssignmentNotFound(AppError):
    status = 404
    code = "assignment_not_found"
    message = "This assignment does not exist."


class ClassArchived(AppError):
    status = 409
    code = "class_archived"
    message = "This class is archived."


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def clean_code(code: str) -> str:
    """What a learner typed, as stored: upper case, without spaces or dashes."""
    return "".join(ch for ch in code.upper() if ch not in " -\t")[:32]


def can_teach(actor: Actor | None, klass: LearningClass) -> bool:
    return actor is not None and (actor.is_admin or actor.id == klass.teacher_id)


@dataclass(frozen=True)
class AssignmentItem:
    """An assignment with what it assigns: a course, or a path and its published courses."""

    assignment: ClassAssignment
    course: Course | None
    path: LearningPath | None
    courses: list[Course]

    @property
    def kind(self) -> str:
        return "course" if self.course is not None else "path"

    @property
    def title(self) -> str:
        return self.course.title if self.course else self.path.title if self.path else ""

    @property
    def slug(self) -> str:
        return self.course.slug if self.course else self.path.slug if self.path else ""

    @property
    def url(self) -> str:
        return f"/courses/{self.slug}" if self.course else f"/learn/paths/{self.slug}"


@dataclass(frozen=True)
class Standing:
    """One learner's standing in one assignment."""

    item: AssignmentItem
    progress: Fraction  # required lessons completed over required lessons, 0 to 1
    completed: bool
    overdue: bool
    # The first assigned course the learner is not enrolled in (one-click enrol).
    to_enrol: Course | None
    klass: LearningClass | None = None


def standing(
    item: AssignmentItem,
    enrolments: dict[uuid.UUID, tuple[int, datetime | None]],
    now: datetime,
    klass: LearningClass | None = None,
) -> Standing:
    """A learner's standing from their enrolments (course id → (required done, completed at))."""
    required = sum(c.required_count for c in item.courses)
    done = sum(min(enrolments.get(c.id, (0, None))[0], c.required_count) for c in item.courses)
    completed = bool(item.courses) and all(
        enrolments.get(c.id, (0, None))[1] is not None for c in item.courses
    )
    progress = Fraction(done, required) if required else Fraction(0)
    if completed:
        progress = Fraction(1)
    due = item.assignment.due_at
    return Standing(
        item=item,
        progress=min(progress, Fraction(1)),
        completed=completed,
        overdue=due is not None and now > due and not completed,
        to_enrol=next((c for c in item.courses if c.id not in enrolments), None),
        klass=klass,
    )


@dataclass(frozen=True)
class ClassView:
    klass: LearningClass
    teacher: User | None
    can_teach: bool
    is_member: bool
    items: list[AssignmentItem]
    member_count: int
    # Only for the teacher and admins.
    members: list[tuple[ClassMember, User]] | None
    # Only for a member: their own standing in each assignment.
    mine: list[Standing]


@dataclass(frozen=True)
class Column:
    lesson: Lesson
    course: Course
    quiz_id: uuid.UUID | None


@dataclass(frozen=True)
class Cell:
    state: str  # completed, in_progress, not_started
    time_spent_seconds: float
    best_score: Decimal | None  # share (0 to 1) of the best submitted attempt, quiz lessons


@dataclass(frozen=True)
class Row:
    learner: User
    joined_at: datetime
    cells: list[Cell]
    standings: list[Standing]

    @property
    def time_spent_seconds(self) -> float:
        return sum(c.time_spent_seconds for c in self.cells)

    @property
    def overdue(self) -> bool:
        return any(s.overdue for s in self.standings)


@dataclass(frozen=True)
class ProgressTable:
    klass: LearningClass
    items: list[AssignmentItem]
    courses: list[Course]  # every course the assignments cover, once, in order
    columns: list[Column]
    rows: list[Row]


NOT_STARTED = Cell("not_started", 0.0, None)


class ClassService:
    # -- reading -------------------------------------------------------------------

    async def _visible(
        self, session: AsyncSession, actor: Actor | None, class_id: uuid.UUID
    ) -> tuple[LearningClass, bool]:
        """The class and whether the actor is a member; missing for anyone else."""
        klass = await repo.get(session, class_id)
        if klass is None or actor is None:
            raise ClassNotFound()
        if can_teach(actor, klass):
            return klass, await repo.is_member(session, klass.id, actor.id)
        if not await repo.is_member(session, klass.id, actor.id):
            raise ClassNotFound()
        return klass, True

    async def _taught(
        self, session: AsyncSession, actor: Actor | None, class_id: uuid.UUID
    ) -> LearningClass:
        """The class, for its teacher and admins (a member is refused, others find nothing)."""
        actor = require_signed_in(actor)
        klass, _ = await self._visible(session, actor, class_id)
        if not can_teach(actor, klass):
            raise PermissionDenied("Only the class's teacher can do that.")
        return klass

    async def _items(
        self, session: AsyncSession, class_ids: list[uuid.UUID]
    ) -> list[AssignmentItem]:
        rows = await repo.assignments(session, class_ids)
        path_ids = [path.id for _, _, path in rows if path is not None]
        by_path: dict[uuid.UUID, list[Course]] = {pid: [] for pid in path_ids}
        for path_id, in_path in await repo.path_courses(session, path_ids):
            by_path[path_id].append(in_path)
        items = []
        for assignment, course, path in rows:
            covered: list[Course] = []
            if course is not None and course.state is PublishState.PUBLISHED:
                covered = [course]
            elif path is not None:
                covered = by_path.get(path.id, [])
            items.append(AssignmentItem(assignment, course, path, covered))
        return items

    async def get(
        self, session: AsyncSession, actor: Actor | None, class_id: uuid.UUID
    ) -> ClassView:
        """A class as the actor may see it (ClassNotFound for anyone but its teacher,
        admins and members)."""
        klass, member = await self._visible(session, actor, class_id)
        assert actor is not None
        teaches = can_teach(actor, klass)
        items = await self._items(session, [klass.id])
        people = await course_catalog_repository.people(session, {klass.teacher_id})
        mine: list[Standing] = []
        if member:
            mine = await self._standings(session, actor.id, items, {klass.id: klass})
        return ClassView(
            klass=klass,
            teacher=people.get(klass.teacher_id),
            can_teach=teaches,
            is_member=member,
            items=items,
            member_count=await repo.member_count(session, klass.id),
            members=await repo.members(session, [klass.id]) if teaches else None,
            mine=mine,
        )

    async def teaching(self, session: AsyncSession, actor: Actor | None) -> list[ClassView]:
        """The classes the actor teaches, newest first, with members and assignments
        (four queries for all of them)."""
        actor = require_signed_in(actor)
        classes = await repo.teaching(session, actor.id, MAX_LISTED)
        ids = [k.id for k in classes]
        items = await self._items(session, ids)
        members: dict[uuid.UUID, list[tuple[ClassMember, User]]] = {i: [] for i in ids}
        for member, user in await repo.members(session, ids):
            members[member.class_id].append((member, user))
        return [
            ClassView(
                klass=k,
                teacher=actor.user,
                can_teach=True,
                is_member=False,
                items=[i for i in items if i.assignment.class_id == k.id],
                member_count=len(members[k.id]),
                members=members[k.id],
                mine=[],
            )
            for k in classes
        ]

    async def _standings(
        self,
        session: AsyncSession,
        user_id: uuid.UUID,
        items: list[AssignmentItem],
        classes: dict[uuid.UUID, LearningClass],
    ) -> list[Standing]:
        ids = list({c.id for item in items for c in item.courses})
        found = await course_catalog_repository.enrolments(session, user_id, ids)
        enrolments = {cid: (e.completed_required, e.completed_at) for cid, e in found.items()}
        now = utcnow()
        return [
            standing(item, enrolments, now, classes.get(item.assignment.class_id)) for item in items
        ]

    async def assignments_for(self, session: AsyncSession, actor: Actor | None) -> list[Standing]:
        """The actor's open assignments: those of the live classes they are in, not yet
        complete, soonest due first, each with its class, progress and overdue flag.

        Four queries whatever the number of classes: classes, assignments, paths'
        courses, the learner's enrolments."""
        if actor is None:
            return []
        joined = await repo.joined(session, actor.id, MAX_LISTED)
        classes = {k.id: k for k in joined if k.archived_at is None}
        items = await self._items(session, list(classes))
        standings = await self._standings(session, actor.id, items, classes)
        return [s for s in standings if not s.completed][:MAX_LISTED_ASSIGNMENTS]

    async def my_classes(
        self, session: AsyncSession, actor: Actor | None
    ) -> tuple[list[LearningClass], list[tuple[LearningClass, list[Standing]]]]:
        """(classes the actor teaches, classes they joined with their standings)."""
        actor = require_signed_in(actor)
        teaching = await repo.teaching(session, actor.id, MAX_LISTED)
        joined = await repo.joined(session, actor.id, MAX_LISTED)
        items = await self._items(session, [k.id for k in joined])
        standings = await self._standings(session, actor.id, items, {k.id: k for k in joined})
        by_class: dict[uuid.UUID, list[Standing]] = {k.id: [] for k in joined}
        for s in standings:
            by_class[s.item.assignment.class_id].append(s)
        return teaching, [(k, by_class[k.id]) for k in joined]

    async def progress_table(
        self, session: AsyncSession, actor: Actor | None, class_id: uuid.UUID
    ) -> ProgressTable:
        """Members by lessons of the assigned courses (paths: their courses), for the teacher
        and admins, in eight queries whatever the class's size (class, assignments, paths'
        courses, lessons, members, lesson progress, enrolments, best quiz scores)."""
        klass = await self._taught(session, actor, class_id)
        items = await self._items(session, [klass.id])
        courses: dict[uuid.UUID, Course] = {}
        for item in items:
            for course in item.courses:
                courses.setdefault(course.id, course)
        course_ids = list(courses)
        lessons = await repo.lessons(session, course_ids)
        order = {cid: n for n, cid in enumerate(course_ids)}
        lessons.sort(key=lambda pair: order[pair[0].course_id])  # stable: syllabus order kept
        columns = [Column(lesson, courses[lesson.course_id], quiz) for lesson, quiz in lessons]
        members = await repo.members(session, [klass.id])
        cells = await repo.table_progress(session, klass.id, course_ids)
        enrolled = await repo.table_enrolments(session, klass.id, course_ids)
        quiz_ids = [c.quiz_id for c in columns if c.quiz_id is not None]
        scores = {
            (u, q): s for u, q, s in await repo.table_best_scores(session, klass.id, quiz_ids)
        }
        enrolments: dict[uuid.UUID, dict[uuid.UUID, tuple[int, datetime | None]]] = {}
        for user_id, course_id, required_done, completed_at in enrolled:
            enrolments.setdefault(user_id, {})[course_id] = (required_done, completed_at)
        now = utcnow()
        # The inner loop runs learners x lessons times: plain tuples and the grid's raw
        # keys (cached hashes), no attribute reads, no UUID hashing per cell.
        keys = [(cells.key(column.lesson.id), column.quiz_id) for column in columns]
        made: dict[tuple[str, float, Decimal | None], Cell] = {}
        rows = []
        for member, user in members:
            uid = user.id
            mine = cells.learner(uid)
            row: list[Cell] = []
            for lesson_key, quiz_id in keys:
                found = mine.get(lesson_key)
                score = scores.get((uid, quiz_id)) if quiz_id is not None else None
                if found is None and score is None:
                    row.append(NOT_STARTED)
                    continue
                state = (
                    "not_started" if found is None else "completed" if found[0] else "in_progress"
                )
                spent = 0.0 if found is None else found[1] or 0.0
                key = (state, spent, score)
                cell = made.get(key)
                if cell is None:
                    cell = made[key] = Cell(state, spent, score)
                row.append(cell)
            standings = enrolments.get(uid, {})
            rows.append(
                Row(
                    user,
                    member.joined_at,
                    row,
                    [standing(i, standings, now, klass) for i in items],
                )
            )
        return ProgressTable(klass, items, list(courses.values()), columns, rows)

    # -- teaching ------------------------------------------------------------------

    async def create(self, session: AsyncSession, actor: Actor | None, name: str) -> LearningClass:
        actor = require_signed_in(actor)
        if not actor.is_creator:
            raise PermissionDenied("Only creators can open classes.")
        klass = LearningClass(
            teacher_id=actor.id, name=_name(name), join_code=await self._free_code(session)
        )
        await repo.add(session, klass)
        return klass

    async def open_with_members(
        self, session: AsyncSession, teacher_id: uuid.UUID, name: str, member_ids: list[uuid.UUID]
    ) -> LearningClass:
        """Open a class with its learners already in it (an organization's admin opening a
        class for its members; the caller has decided they may). The teacher is never a
        learner of their own class, duplicates count once, and at most `MAX_MEMBERS`."""
        learners = list(dict.fromkeys(m for m in member_ids if m != teacher_id))
        if len(learners) > MAX_MEMBERS:
            raise ValidationFailed(
                f"A class holds at most {MAX_MEMBERS} learners.", field="members"
            )
        klass = LearningClass(
            teacher_id=teacher_id, name=_name(name), join_code=await self._free_code(session)
        )
        await repo.add(session, klass)
        for user_id in learners:
            await repo.join(session, klass.id, user_id)
        return klass

    async def _free_code(self, session: AsyncSession) -> str:
        # 25^8 codes: a clash is rare; the unique index settles a race.
        for _ in range(5):
            code = new_code()
            if not await repo.code_taken(session, code):
                return code
        raise Conflict("No join code is free; try again.")  # pragma: no cover

    async def rename(
        self, session: AsyncSession, actor: Actor | None, class_id: uuid.UUID, name: str
    ) -> LearningClass:
        klass = await self._taught(session, actor, class_id)
        klass.name = _name(name)
        await session.flush()
        return klass

    async def regenerate_code(
        self, session: AsyncSession, actor: Actor | None, class_id: uuid.UUID
    ) -> LearningClass:
        """A new join code; the old one (and its link) stops working."""
        klass = await self._taught(session, actor, class_id)
        _live(klass)
        klass.join_code = await self._free_code(session)
        await session.flush()
        return klass

    async def archive(
        self, session: AsyncSession, actor: Actor | None, class_id: uuid.UUID
    ) -> LearningClass:
        """Close the class (again is a no-op): no joins, no assignment changes."""
        klass = await self._taught(session, actor, class_id)
        if klass.archived_at is None:
            klass.archived_at = utcnow()
            await session.flush()
        return klass

    async def assign(
        self,
        session: AsyncSession,
        actor: Actor | None,
        class_id: uuid.UUID,
        *,
        course_slug: str | None = None,
        path_slug: str | None = None,
        due_at: datetime | None = None,
    ) -> ClassAssignment:
        """Assign a published course or path; assigning it again moves its due date."""
        klass = await self._taught(session, actor, class_id)
        _live(klass)
        course_slug = (course_slug or "").strip() or None
        path_slug = (path_slug or "").strip() or None
        if (course_slug is None) == (path_slug is None):
            raise ValidationFailed("Assign either a course or a learning path.", field="course")
        if due_at is not None:
            # In UTC and before 2200 (a year-9999 date with an offset cannot be stored).
            due_at = instant(due_at if due_at.tzinfo else due_at.replace(tzinfo=UTC), "dueAt")
            if due_at is None or due_at <= utcnow():
                raise ValidationFailed("Pick a due date in the future.", field="dueAt")
        course_id = path_id = None
        if course_slug is not None:
            course = await course_catalog_repository.by_slug(session, course_slug)
            if course is None or course.state is not PublishState.PUBLISHED:
                raise ValidationFailed("Only published courses can be assigned.", field="course")
            course_id = course.id
        else:
            path = await path_repository.by_slug(session, path_slug or "")
            if path is None or path.state is not PublishState.PUBLISHED:
                raise ValidationFailed("Only published paths can be assigned.", field="path")
            path_id = path.id
        present = [item.assignment for item in await self._items(session, [klass.id])]
        for assignment in present:
            if assignment.course_id == course_id and assignment.path_id == path_id:
                assignment.due_at = due_at
                await session.flush()
                return assignment
        if len(present) >= MAX_ASSIGNMENTS:
            raise ValidationFailed(
                f"A class has at most {MAX_ASSIGNMENTS} assignments.", field="course"
            )
        assignment = ClassAssignment(
            class_id=klass.id, course_id=course_id, path_id=path_id, due_at=due_at
        )
        await repo.add(session, assignment)
        return assignment

    async def unassign(
        self,
        session: AsyncSession,
        actor: Actor | None,
        assignment_id: uuid.UUID,
        class_id: uuid.UUID | None = None,
    ) -> LearningClass:
        """Remove an assignment (of `class_id`, when the caller names its class)."""
        actor = require_signed_in(actor)
        assignment = await repo.assignment(session, assignment_id)
        if assignment is None or (class_id is not None and assignment.class_id != class_id):
            raise AssignmentNotFound()
        try:
            klass = await self._taught(session, actor, assignment.class_id)
        except ClassNotFound as exc:
            raise AssignmentNotFound() from exc
        _live(klass)
        await repo.remove_assignment(session, assignment)
        return klass

    # -- learning ------------------------------------------------------------------

    async def find_by_code(
        self, session: AsyncSession, actor: Actor | None, code: str
    ) -> LearningClass:
        """The class a code opens (for the join page); ClassNotFound for a wrong code."""
        require_signed_in(actor)
        klass = await repo.by_code(session, clean_code(code)) if clean_code(code) else None
        if klass is None:
            raise ClassNotFound("No class has this code.")
        return klass

    async def join(self, session: AsyncSession, actor: Actor | None, code: str) -> LearningClass:
        """Join a class by its code (joining again is a no-op)."""
        actor = require_signed_in(actor)
        klass = await self.find_by_code(session, actor, code)
        if klass.archived_at is not None:
            raise ClassArchived("This class is archived and takes no new members.")
        if actor.id == klass.teacher_id:
            raise Conflict("You teach this class.")
        if await repo.is_member(session, klass.id, actor.id):
            return klass
        if await repo.member_count(session, klass.id) >= MAX_MEMBERS:
            raise Conflict(f"This class is full ({MAX_MEMBERS} learners).")
        await repo.join(session, klass.id, actor.id)
        return klass

    async def enrol(
        self,
        session: AsyncSession,
        actor: Actor | None,
        class_id: uuid.UUID,
        assignment_id: uuid.UUID,
    ) -> Course:
        """Enrol a member in the first course of an assignment they have not started
        (the one click an assignment offers); the course's own rules apply."""
        actor = require_signed_in(actor)
        klass, member = await self._visible(session, actor, class_id)
        if not member:
            raise AssignmentNotFound()
        items = [
            i for i in await self._items(session, [klass.id]) if i.assignment.id == assignment_id
        ]
        if not items:
            raise AssignmentNotFound()
        [mine] = await self._standings(session, actor.id, items, {klass.id: klass})
        if mine.to_enrol is None:
            raise Conflict("You are already enrolled in every course of this assignment.")
        await course_service.enrol(session, actor, mine.to_enrol.slug)
        return mine.to_enrol

    async def leave(self, session: AsyncSession, actor: Actor | None, class_id: uuid.UUID) -> None:
        actor = require_signed_in(actor)
        if not await repo.leave(session, class_id, actor.id):
            raise ClassNotFound()


def _name(name: str) -> str:
    name = " ".join(name.split())
    if not 1 <= len(name) <= MAX_NAME:
        raise ValidationFailed(f"Name the class in at most {MAX_NAME} characters.", field="name")
    return name


def _live(klass: LearningClass) -> None:
    if klass.archived_at is not None:
        raise ClassArchived()


class_service = ClassService()
