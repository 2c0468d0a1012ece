"""SQL of classes: the class, its members and assignments, and the progress table.

The progress table reads a whole class in a fixed number of queries, whatever
its size: every per-learner read joins `class_members` for the class instead
of asking learner by learner (see `ClassRepository.table_*`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, delete, func, select, type_coerce
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.types import NullType

from cosmostream.kit import sql
from cosmostream.models import (
    AttemptState,
    ClassAssignment,
    ClassMember,
    Course,
    CourseModule,
    Enrolment,
    LearningClass,
    LearningPath,
    Lesson,
    LessonProgress,
    PathCourse,
    PublishState,
    Quiz,
    QuizAttempt,
    User,
)


@dataclass(frozen=True)
class ProgressGrid:
    """The progress table's cells as read: learner -> lesson -> (completed, seconds spent),
    keyed by the ids' raw form; `keys` gives an id's raw form (None: no cell)."""

    rows: dict[object, dict[object, tuple[bool, float]]]
    keys: dict[uuid.UUID, object]

    def learner(self, user_id: uuid.UUID) -> dict[object, tuple[bool, float]]:
        """A learner's cells by the raw lesson id (`key`)."""
        key = self.keys.get(user_id)
        return {} if key is None else self.rows.get(key, {})

    def key(self, lesson_id: uuid.UUID) -> object:
        return self.keys.get(lesson_id)


class ClassRepository:
    # -- classes and members ------------------------------------------------------

    async def get(self, session: AsyncSession, class_id: uuid.UUID) -> LearningClass | None:
        return await session.get(LearningClass, class_id)

    async def by_code(self, session: AsyncSession, code: str) -> LearningClass | None:
        return await session.scalar(select(LearningClass).where(LearningClass.join_code == code))

    async def code_taken(self, session: AsyncSession, code: str) -> bool:
        found = await session.scalar(
            select(LearningClass.id).where(LearningClass.join_code == code)
        )
        return found is not None

    async def add(self, session: AsyncSession, row: LearningClass | ClassAssignment) -> None:
        session.add(row)
        await session.flush()

    async def teaching(
        self, session: AsyncSession, teacher_id: uuid.UUID, limit: int
    ) -> list[LearningClass]:
        """Newest first (ix_learning_classes_teacher)."""
        return list(
            await session.scalars(
                select(LearningClass)
                .where(LearningClass.teacher_id == teacher_id)
                .order_by(LearningClass.created_at.desc(), LearningClass.id)
                .limit(limit)
            )
        )

    async def joined(
        self, session: AsyncSession, user_id: uuid.UUID, limit: int
    ) -> list[LearningClass]:
        """The classes a user is a member of (ix_class_members_user), newest joined first."""
        return list(
            await session.scalars(
                select(LearningClass)
                .join(ClassMember, ClassMember.class_id == LearningClass.id)
                .where(ClassMember.user_id == user_id)
                .order_by(ClassMember.joined_at.desc(), LearningClass.id)
                .limit(limit)
            )
        )

    async def is_member(
        self, session: AsyncSession, class_id: uuid.UUID, user_id: uuid.UUID
    ) -> bool:
        return await session.get(ClassMember, (class_id, user_id)) is not None

    async def member_count(self, session: AsyncSession, class_id: uuid.UUID) -> int:
        return int(
            await session.scalar(
                select(func.count())
                .select_from(ClassMember)
                .where(ClassMember.class_id == class_id)
            )
            or 0
        )

    async def join(self, session: AsyncSession, class_id: uuid.UUID, user_id: uuid.UUID) -> bool:
        """Add a member unless already one (pk_class_members decides between two joins)."""
        return await sql.insert_ignore(session, ClassMember, class_id=class_id, user_id=user_id)

    async def leave(self, session: AsyncSession, class_id: uuid.UUID, user_id: uuid.UUID) -> bool:
        result = await session.execute(
            delete(ClassMember).where(
                ClassMember.class_id == class_id, ClassMember.user_id == user_id
            )
        )
        return bool(getattr(result, "rowcount", 0))

    async def members(
        self, session: AsyncSession, class_ids: list[uuid.UUID]
    ) -> list[tuple[ClassMember, User]]:
        """Members by name (pk_class_members range per class, then users by key)."""
        if not class_ids:
            return []
        rows = await session.execute(
            select(ClassMember, User)
            .join(User, User.id == ClassMember.user_id)
            .where(ClassMember.class_id.in_(class_ids))
            .order_by(func.lower(User.display_name), User.id)
        )
        return [(row[0], row[1]) for row in rows]

    # -- assignments --------------------------------------------------------------

    async def assignment(
        self, session: AsyncSession, assignment_id: uuid.UUID
    ) -> ClassAssignment | None:
        return await session.get(ClassAssignment, assignment_id)

    async def assignments(
        self, session: AsyncSession, class_ids: list[uuid.UUID]
    ) -> list[tuple[ClassAssignment, Course | None, LearningPath | None]]:
        """The classes' assignments with what they assign, soonest due first, undated
        last (ix_class_assignments_class; courses and paths by key)."""
        if not class_ids:
            return []
        rows = await session.execute(
            select(ClassAssignment, Course, LearningPath)
            .outerjoin(Course, Course.id == ClassAssignment.course_id)
            .outerjoin(LearningPath, LearningPath.id == ClassAssignment.path_id)
            .where(ClassAssignment.class_id.in_(class_ids))
            .order_by(
                ClassAssignment.due_at.is_(None),
                ClassAssignment.due_at,
                ClassAssignment.created_at,
                ClassAssignment.id,
            )
        )
        return [(row[0], row[1], row[2]) for row in rows]

    async def remove_assignment(self, session: AsyncSession, assignment: ClassAssignment) -> None:
        await session.delete(assignment)
        await session.flush()

    async def path_courses(
        self, session: AsyncSession, path_ids: list[uuid.UUID]
    ) -> list[tuple[uuid.UUID, Course]]:
        """(path id, published course) in path order (pk_path_courses)."""
        if not path_ids:
            return []
        rows = await session.execute(
            select(PathCourse.path_id, Course)
            .join(Course, Course.id == PathCourse.course_id)
            .where(PathCourse.path_id.in_(path_ids), Course.state == PublishState.PUBLISHED)
            .order_by(PathCourse.path_id, PathCourse.position)
        )
        return [(row[0], row[1]) for row in rows]

    async def lessons(
        self, session: AsyncSession, course_ids: list[uuid.UUID]
    ) -> list[tuple[Lesson, uuid.UUID | None]]:
        """The courses' lessons in syllabus order with their quiz, if any
        (ix_lessons_course, modules by key, quizzes by their unique lesson_id)."""
        if not course_ids:
            return []
        rows = await session.execute(
            select(Lesson, Quiz.id)
            .join(CourseModule, CourseModule.id == Lesson.module_id)
            .outerjoin(Quiz, Quiz.lesson_id == Lesson.id)
            .where(Lesson.course_id.in_(course_ids))
            .order_by(Lesson.course_id, CourseModule.position, Lesson.position, Lesson.id)
        )
        return [(row[0], row[1]) for row in rows]

    # -- the progress table: one query per kind of fact, for the whole class --------
    #
    # Each joins the class's members (pk_class_members: class_id, user_id) to
    # one kind of fact of the assigned courses. Plans seen at 200 learners x 60
    # lessons: SQLite searches lesson_progress by ix_lesson_progress_course
    # (course_id) and probes pk_class_members (class_id, user_id); enrolments
    # by their pk (user_id, course_id) from the members; quiz_attempts by
    # uq_quiz_attempts_number (quiz_id). PostgreSQL hashes the 200 members and
    # joins the courses' rows (ix_lesson_progress_course when the table is
    # large; a nested loop of (course_id, user_id) probes for a popular
    # course): 3.7 ms for the 12,000 progress rows. No per-learner query.

    async def table_progress(
        self,
        session: AsyncSession,
        class_id: uuid.UUID,
        course_ids: list[uuid.UUID],
    ) -> ProgressGrid:
        """(completed, time spent) by learner and lesson, of the members in these courses.

        Read lean, for thousands of rows: plain columns, none typed on the way
        out (a completion flag rather than a timestamp, the ids as the driver
        gives them: hex text on SQLite, asyncpg's own UUIDs), filed by those raw
        ids, whose hashes are cached; only the few hundred distinct ids become
        UUIDs, once (see `ProgressGrid`)."""
        if not course_ids:
            return ProgressGrid({}, {})
        result = await session.execute(
            select(
                _raw(LessonProgress.user_id),
                _raw(LessonProgress.lesson_id),
                _raw(LessonProgress.completed_at.is_not(None)),
                _raw(LessonProgress.time_spent_seconds),
            )
            .join(ClassMember, ClassMember.user_id == LessonProgress.user_id)
            .where(ClassMember.class_id == class_id, LessonProgress.course_id.in_(course_ids))
        )
        rows: dict[object, dict[object, tuple[bool, float]]] = {}
        for user, lesson, done, spent in result:
            mine = rows.get(user)
            if mine is None:
                mine = rows[user] = {}
            mine[lesson] = (done, spent)
        lessons: set[object] = set().union(*rows.values())
        keys = {_uuid(raw): raw for raw in lessons.union(rows)}
        return ProgressGrid(rows, keys)

    async def table_enrolments(
        self,
        session: AsyncSession,
        class_id: uuid.UUID,
        course_ids: list[uuid.UUID],
    ) -> list[tuple[uuid.UUID, uuid.UUID, int, datetime | None]]:
        """(user, course, required lessons completed, completed_at) of the members
        enrolled in these courses."""
        if not course_ids:
            return []
        query = (
            select(
                Enrolment.user_id,
                Enrolment.course_id,
                Enrolment.completed_required,
                Enrolment.completed_at,
            )
            .join(ClassMember, ClassMember.user_id == Enrolment.user_id)
            .where(ClassMember.class_id == class_id, Enrolment.course_id.in_(course_ids))
        )
        return [(r[0], r[1], int(r[2]), r[3]) for r in await session.execute(query)]

    async def table_best_scores(
        self,
        session: AsyncSession,
        class_id: uuid.UUID,
        quiz_ids: list[uuid.UUID],
    ) -> list[tuple[uuid.UUID, uuid.UUID, Decimal]]:
        """(user, quiz, best submitted score) of the members who submitted these quizzes."""
        if not quiz_ids:
            return []
        # A learner's best score per quiz: thousands of rows in a large class, so the
        # ids come raw and each distinct one becomes a UUID once (as `table_progress`).
        query = (
            select(
                _raw(QuizAttempt.user_id), _raw(QuizAttempt.quiz_id), func.max(QuizAttempt.score)
            )
            .join(ClassMember, ClassMember.user_id == QuizAttempt.user_id)
            .where(
                ClassMember.class_id == class_id,
                QuizAttempt.quiz_id.in_(quiz_ids),
                QuizAttempt.state == AttemptState.SUBMITTED,
                QuizAttempt.score.is_not(None),
            )
            .group_by(QuizAttempt.user_id, QuizAttempt.quiz_id)
        )
        ids: dict[object, uuid.UUID] = {}
        best = []
        for user, quiz, score in await session.execute(query):
            u = ids.get(user)
            if u is None:
                u = ids[user] = _uuid(user)
            q = ids.get(quiz)
            if q is None:
                q = ids[quiz] = _uuid(quiz)
            # asyncpg gives Decimals already; other drivers may give floats.
            best.append((u, q, score if isinstance(score, Decimal) else Decimal(str(score))))
        return best


def _raw(column: ColumnElement[Any] | InstrumentedAttribute[Any]) -> ColumnElement[Any]:
    """The column as the driver returns it, without the type's per-row conversion."""
    return type_coerce(column, NullType())


def _uuid(raw: object) -> uuid.UUID:
    return raw if isinstance(raw, uuid.UUID) else uuid.UUID(str(raw))


class_repository = ClassRepository()
