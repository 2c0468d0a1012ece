"""Demo organization: Mauna Kea Community College (`/org/mkcc`) on the Institutional
plan, with an admin, students holding seats, an open invitation and a class.

The subscription row is written directly (as Stripe's copy would be after a
checkout), because the demo has no Stripe to buy seats from. Loading again
changes nothing once the organization exists.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from cosmostream.account.demo import demo_actor
from cosmostream.account.repository import user_repository
from cosmostream.account.service import account_service
from cosmostream.billing.organization_repository import organization_repository
from cosmostream.billing.organizations import INVITATION_TTL, organization_service
from cosmostream.kit.crypto import hash_token, new_token
from cosmostream.kit.time import utcnow
from cosmostream.models import (
    Organization,
    OrganizationInvitation,
    OrganizationMember,
    OrganizationRole,
    Role,
    Subscription,
    SubscriptionStatus,
    User,
)

SLUG = "mkcc"
NAME = "Mauna Kea Community College"
DOMAIN = "mkcc.example.edu"
SEATS = 10
ADMIN = ("dean@mkcc.example.edu", "mauna-kea-dean-2026", "Leilani Kahale")
STUDENTS = [
    ("keoni@mkcc.example.edu", "Keoni Akana"),
    ("malia@mkcc.example.edu", "Malia Nakamura"),
    ("ikaika@mkcc.example.edu", "Ikaika Silva"),
    ("noelani@mkcc.example.edu", "Noelani Reyes"),
]
STUDENT_PASSWORD = "mauna-kea-student"  # noqa: S105 - a published demo password
INVITED = "kai@mkcc.example.edu"


async def _account(
    session: AsyncSession, email: str, password: str, name: str, role: Role = Role.VIEWER
) -> User:
    user = await user_repository.get_by_email(session, email)
    if user is None:
        user = await account_service.create_user(
            session, email=email, password=password, role=role, display_name=name
        )
    user.email_verified_at = user.email_verified_at or utcnow()
    return user


async def dean(session: AsyncSession) -> User:
    """The demo organization's admin (who buys its seats when the demo has a Stripe)."""
    email, password, name = ADMIN
    return await _account(session, email, password, name, Role.CREATOR)


async def load(session: AsyncSession, bought: Organization | None = None) -> Organization | None:
    """The demo organization, made once; None when it existed already.

    `bought` is the organization the dean bought through (the fake) Stripe,
    which made them its admin; without it the organization and its
    subscription row are written directly, as Stripe's copy would be.
    """
    now = utcnow()
    admin = await dean(session)
    if bought is not None:
        org = bought
        org.email_domain = DOMAIN
    else:
        if await organization_repository.by_slug(session, SLUG) is not None:
            return None
        org = Organization(slug=SLUG, name=NAME, email_domain=DOMAIN)
        await organization_repository.add(session, org)
        await organization_repository.add(
            session,
            Subscription(
                stripe_subscription_id="sub_demo_mkcc",
                stripe_customer_id="cus_demo_mkcc",
                organization_id=org.id,
                plan="institutional",
                interval="year",
                status=SubscriptionStatus.ACTIVE,
                quantity=SEATS,
                current_period_end=now + timedelta(days=365),
            ),
        )
        await organization_repository.add(
            session,
            OrganizationMember(
                organization_id=org.id,
                user_id=admin.id,
                role=OrganizationRole.ADMIN,
                joined_via="admin",
            ),
        )
    for n, (student_email, student_name) in enumerate(STUDENTS):
        student = await _account(session, student_email, STUDENT_PASSWORD, student_name)
        await organization_repository.add(
            session,
            OrganizationMember(
                organization_id=org.id,
                user_id=student.id,
                joined_via="email_domain" if n % 2 else "invitation",
                created_at=now + timedelta(seconds=n + 1),
            ),
        )
    actor = demo_actor(admin)
    # A pending invitation to show (written directly: nobody is e-mailed, and
    # its link is not known to anyone).
    await organization_repository.add(
        session,
        OrganizationInvitation(
            organization_id=org.id,
            email=INVITED,
            role=OrganizationRole.MEMBER,
            token_hash=hash_token(new_token(32)),
            invited_by=admin.id,
            created_at=now,
            expires_at=now + INVITATION_TTL,
        ),
    )
    await organization_service.create_class(
        session, actor, SLUG, "ASTR 101 — Stars and the night sky", add_all=True
    )
    return org
