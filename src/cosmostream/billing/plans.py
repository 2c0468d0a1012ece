"""The plans and the entitlements (feature keys) each grants.

Code anywhere checks an entitlement key, never a plan name: a new plan is a
new entry here, and what it unlocks follows from its keys.
"""

from __future__ import annotations

from dataclasses import dataclass

# Feature keys.
VIDEO_PREMIUM = "video.premium"  # watch videos their creators marked Premium
COURSE_PREMIUM = "course.premium"  # take premium courses
VIDEO_2160P = "video.2160p"  # the 4K rung of the ladder
CLASS_SEATS = "class.seats"  # run classes for an organization's members

ALL_KEYS: frozenset[str] = frozenset({VIDEO_PREMIUM, COURSE_PREMIUM, VIDEO_2160P, CLASS_SEATS})


@dataclass(frozen=True)
class Plan:
    key: str
    name: str
    entitlements: frozenset[str]
    per_seat: bool = False


FREE = Plan("free", "Free", frozenset())
PREMIUM = Plan("premium", "Premium", frozenset({VIDEO_PREMIUM, COURSE_PREMIUM, VIDEO_2160P}))
INSTITUTIONAL = Plan(
    "institutional",
    "Institutional",
    frozenset({VIDEO_PREMIUM, COURSE_PREMIUM, VIDEO_2160P, CLASS_SEATS}),
    per_seat=True,
)

PLANS: dict[str, Plan] = {plan.key: plan for plan in (FREE, PREMIUM, INSTITUTIONAL)}
