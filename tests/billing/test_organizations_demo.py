"""The demo organization: made once, with seats, an open invitation and a class."""

from __future__ import annotations

from sqlalchemy import func, select

from cosmostream.billing import entitlements, organization_demo
from cosmostream.billing.organizations import organization_service
from cosmostream.billing.plans import CLASS_SEATS
from cosmostream.db import Database
from cosmostream.models import ClassMember, OrganizationInvitation, OrganizationRole, User
from tests.factories import actor


async def test_the_demo_organization_is_made_once(db: Database) -> None:
    async with db.unit_of_work() as session:
        made = await organization_demo.load(session)
    assert made is not None and made.slug == "mkcc"
    async with db.unit_of_work() as session:
        assert await organization_demo.load(session) is None
    async with db.read() as session:
        dean = await session.scalar(select(User).where(User.email == organization_demo.ADMIN[0]))
        assert dean is not None
        view = await organization_service.view(session, actor(dean), "mkcc")
        assert view.role is OrganizationRole.ADMIN
        assert (view.seats_used, view.seats_total) == (5, organization_demo.SEATS)
        assert [i.email for i in view.invitations] == [organization_demo.INVITED]
        [klass] = view.classes
        learners = await session.scalar(
            select(func.count()).select_from(ClassMember).where(ClassMember.class_id == klass.id)
        )
        assert learners == len(organization_demo.STUDENTS)
        assert CLASS_SEATS in await entitlements.held(session, dean.id)
        invitations = await session.scalar(select(func.count()).select_from(OrganizationInvitation))
        assert invitations == 1
