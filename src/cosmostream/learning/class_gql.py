"""GraphQL of classes: a teacher's classes, members, assignments and progress; joining.

A class the caller may not see is `null` (queries) or `class_not_found`
(mutations); its join code and members are only for its teacher and admins.
"""

from __future__ import annotations

from datetime import datetime

import strawberry

from cosmostream.graphql.context import Info
from cosmostream.graphql.hubs import User
from cosmostream.kit.ids import require_uuid
from cosmostream.learning.classes import (
    AssignmentItem,
    AssignmentNotFound,
    ClassNotFound,
    ClassView,
    Standing,
    class_service,
)


@strawberry.type(description="A course or learning path assigned to a class.")
class ClassAssignment:
    item: strawberry.Private[AssignmentItem]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.item.assignment.id))

    @strawberry.field(description='"course" or "path".')
    def kind(self) -> str:
        return self.item.kind

    @strawberry.field(description="The course's or the path's slug.")
    def slug(self) -> str:
        return self.item.slug

    @strawberry.field
    def title(self) -> str:
        return self.item.title

    @strawberry.field(description="UTC; null when there is none.")
    def due_at(self) -> datetime | None:
        return self.item.assignment.due_at

    @strawberry.field(description="Slugs of the courses it covers (a path's published courses).")
    def course_slugs(self) -> list[str]:
        return [c.slug for c in self.item.courses]


@strawberry.type(description="Your standing in one assignment.")
class MyAssignment:
    standing: strawberry.Private[Standing]

    @strawberry.field
    def assignment(self) -> ClassAssignment:
        return ClassAssignment(item=self.standing.item)

    @strawberry.field
    def class_id(self) -> strawberry.ID:
        return strawberry.ID(str(self.standing.item.assignment.class_id))

    @strawberry.field
    def class_name(self) -> str:
        return self.standing.klass.name if self.standing.klass else ""

    @strawberry.field(description="Share (0 to 1) of the required lessons you completed.")
    def progress(self) -> float:
        return float(self.standing.progress)

    @strawberry.field
    def completed(self) -> bool:
        return self.standing.completed

    @strawberry.field(description="The due date passed before you completed it.")
    def overdue(self) -> bool:
        return self.standing.overdue

    @strawberry.field(description="The first assigned course you are not enrolled in (enrol).")
    def enrol_slug(self) -> str | None:
        return self.standing.to_enrol.slug if self.standing.to_enrol else None


@strawberry.type
class ClassMember:
    user: User
    joined_at: datetime


@strawberry.type(description="One learner's standing in one assignment (teachers).")
class LearnerStanding:
    learner: User
    progress: float = strawberry.field(description="Share (0 to 1) of required lessons done.")
    completed: bool
    overdue: bool
    time_spent_seconds: float = strawberry.field(
        description="Time spent in the lessons of the assignment's courses."
    )


@strawberry.type
class LearningClass:
    view: strawberry.Private[ClassView]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.view.klass.id))

    @strawberry.field
    def name(self) -> str:
        return self.view.klass.name

    @strawberry.field
    def teacher(self) -> User | None:
        return User(model=self.view.teacher) if self.view.teacher else None

    @strawberry.field
    def created_at(self) -> datetime:
        return self.view.klass.created_at

    @strawberry.field
    def archived(self) -> bool:
        return self.view.klass.archived_at is not None

    @strawberry.field(description="Whether you teach it (or administer the site).")
    def can_teach(self) -> bool:
        return self.view.can_teach

    @strawberry.field(description="Whether you are a member.")
    def is_member(self) -> bool:
        return self.view.is_member

    @strawberry.field(description="The code to join it (teachers only).")
    def join_code(self) -> str | None:
        return self.view.klass.join_code if self.view.can_teach else None

    @strawberry.field(description="The link to join it: /classes/join/<code> (teachers only).")
    def join_path(self) -> str | None:
        return f"/classes/join/{self.view.klass.join_code}" if self.view.can_teach else None

    @strawberry.field
    def member_count(self) -> int:
        return self.view.member_count

    @strawberry.field(description="Its learners (teachers only; null for members).")
    def members(self) -> list[ClassMember] | None:
        if self.view.members is None:
            return None
        return [
            ClassMember(user=User(model=u), joined_at=m.joined_at) for m, u in self.view.members
        ]

    @strawberry.field
    def assignments(self) -> list[ClassAssignment]:
        return [ClassAssignment(item=item) for item in self.view.items]

    @strawberry.field(description="Your standing in each assignment (members).")
    def my_assignments(self) -> list[MyAssignment]:
        return [MyAssignment(standing=s) for s in self.view.mine]


async def _class(info: Info, class_id: strawberry.ID | str) -> LearningClass:
    async with info.context.db.read() as session:
        view = await class_service.get(
            session, info.context.actor, require_uuid(class_id, ClassNotFound)
        )
    return LearningClass(view=view)


@strawberry.type
class ClassQuery:
    @strawberry.field(description="A class you teach or belong to; null for any other.")
    async def learning_class(self, info: Info, id: strawberry.ID) -> LearningClass | None:
        try:
            return await _class(info, id)
        except ClassNotFound:
            return None

    @strawberry.field(description="The classes you teach, newest first.")
    async def classes_i_teach(self, info: Info) -> list[LearningClass]:
        actor = info.context.require_actor()
        async with info.context.db.read() as session:
            views = await class_service.teaching(session, actor)
        return [LearningClass(view=v) for v in views]

    @strawberry.field(description="Your open assignments in your classes, soonest due first.")
    async def my_assignments(self, info: Info) -> list[MyAssignment]:
        actor = info.context.require_actor()
        async with info.context.db.read() as session:
            standings = await class_service.assignments_for(session, actor)
        return [MyAssignment(standing=s) for s in standings]

    @strawberry.field(
        description="Each learner's standing in one assignment (the class's teacher, admins); "
        "null when the class is not yours to see."
    )
    async def class_progress(
        self, info: Info, class_id: strawberry.ID, assignment_id: strawberry.ID
    ) -> list[LearnerStanding] | None:
        actor = info.context.require_actor()
        cid = require_uuid(class_id, ClassNotFound)
        aid = require_uuid(assignment_id, AssignmentNotFound)
        async with info.context.db.read() as session:
            try:
                table = await class_service.progress_table(session, actor, cid)
            except ClassNotFound:
                return None
        index = next((n for n, i in enumerate(table.items) if i.assignment.id == aid), None)
        if index is None:
            raise AssignmentNotFound()
        course_ids = {c.id for c in table.items[index].courses}
        spans = [n for n, col in enumerate(table.columns) if col.course.id in course_ids]
        return [
            LearnerStanding(
                learner=User(model=row.learner),
                progress=float(row.standings[index].progress),
                completed=row.standings[index].completed,
                overdue=row.standings[index].overdue,
                time_spent_seconds=sum(row.cells[n].time_spent_seconds for n in spans),
            )
            for row in table.rows
        ]


@strawberry.type
class ClassMutation:
    @strawberry.mutation(description="Open a class (creators, admins); it gets a join code.")
    async def create_class(self, info: Info, name: str) -> LearningClass:
        actor = info.context.require_actor()
        async with info.context.db.unit_of_work() as session:
            klass = await class_service.create(session, actor, name)
        return await _class(info, str(klass.id))

    @strawberry.mutation(description="Give a class a new join code; the old one stops working.")
    async def regenerate_class_code(self, info: Info, id: strawberry.ID) -> LearningClass:
        actor = info.context.require_actor()
        async with info.context.db.unit_of_work() as session:
            await class_service.regenerate_code(session, actor, require_uuid(id, ClassNotFound))
        return await _class(info, id)

    @strawberry.mutation(description="Archive a class: no more joins or assignment changes.")
    async def archive_class(self, info: Info, id: strawberry.ID) -> LearningClass:
        actor = info.context.require_actor()
        async with info.context.db.unit_of_work() as session:
            await class_service.archive(session, actor, require_uuid(id, ClassNotFound))
        return await _class(info, id)

    @strawberry.mutation(description="Join a class by its code (again is a no-op).")
    async def join_class(self, info: Info, code: str) -> LearningClass:
        actor = info.context.require_actor()
        async with info.context.db.unit_of_work() as session:
            klass = await class_service.join(session, actor, code)
        return await _class(info, str(klass.id))

    @strawberry.mutation(description="Leave a class you joined.")
    async def leave_class(self, info: Info, id: strawberry.ID) -> bool:
        actor = info.context.require_actor()
        async with info.context.db.unit_of_work() as session:
            await class_service.leave(session, actor, require_uuid(id, ClassNotFound))
        return True

    @strawberry.mutation(
        description="Assign a published course or path (one of the two), with an optional due "
        "date; assigning it again changes the due date."
    )
    async def assign_to_class(
        self,
        info: Info,
        class_id: strawberry.ID,
        course_slug: str | None = None,
        path_slug: str | None = None,
        due_at: datetime | None = None,
    ) -> LearningClass:
        actor = info.context.require_actor()
        async with info.context.db.unit_of_work() as session:
            await class_service.assign(
                session,
                actor,
                require_uuid(class_id, ClassNotFound),
                course_slug=course_slug,
                path_slug=path_slug,
                due_at=due_at,
            )
        return await _class(info, class_id)

    @strawberry.mutation(description="Remove an assignment from a class.")
    async def remove_class_assignment(self, info: Info, id: strawberry.ID) -> LearningClass:
        actor = info.context.require_actor()
        async with info.context.db.unit_of_work() as session:
            klass = await class_service.unassign(
                session, actor, require_uuid(id, AssignmentNotFound)
            )
        return await _class(info, str(klass.id))
