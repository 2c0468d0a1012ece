"""`ClassService.open_with_members`: a class opened with its learners already in it (an
organization's admin opening one for its members)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from cosmostream.db import Database
from cosmostream.errors import ValidationFailed
from cosmostream.learning import classes
from cosmostream.learning.classes import class_service
from cosmostream.models import ClassMember, LearningClass, Role
from tests.factories import make_user


async def test_opened_with_members_without_the_teacher_or_duplicates(db: Database) -> None:
    teacher = await make_user(db, role=Role.VIEWER)  # the caller decided they may teach
    learners = [await make_user(db) for _ in range(3)]
    ids = [teacher.id, *[u.id for u in learners], learners[0].id]
    async with db.unit_of_work() as session:
        klass = await class_service.open_with_members(session, teacher.id, "  Orbits  ", ids)
    async with db.read() as session:
        stored = await session.get(LearningClass, klass.id)
        members = set(
            await session.scalars(
                select(ClassMember.user_id).where(ClassMember.class_id == klass.id)
            )
        )
    assert stored is not None and stored.name == "Orbits" and stored.teacher_id == teacher.id
    assert len(stored.join_code) == classes.CODE_LENGTH
    assert members == {u.id for u in learners}


async def test_too_many_learners_or_no_name_open_nothing(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    teacher = await make_user(db)
    learners = [await make_user(db) for _ in range(3)]
    monkeypatch.setattr(classes, "MAX_MEMBERS", 2)
    for name, people in (("Full", learners), ("", learners[:1])):
        with pytest.raises(ValidationFailed):
            async with db.unit_of_work() as session:
                await class_service.open_with_members(
                    session, teacher.id, name, [u.id for u in people]
                )
    async with db.read() as session:
        assert list(await session.scalars(select(LearningClass))) == []
