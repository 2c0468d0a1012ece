"""What each plan includes, in words (pricing page, GraphQL `plans`)."""

from __future__ import annotations

from cosmostream.billing.plans import (
    CLASS_SEATS,
    COURSE_PREMIUM,
    PLANS,
    VIDEO_2160P,
    VIDEO_PREMIUM,
)

FEATURES = {
    VIDEO_PREMIUM: "Watch the videos creators mark Premium, in full",
    COURSE_PREMIUM: "Take premium courses and earn their certificates",
    VIDEO_2160P: "Watch in 4K (2160p) where a video has it",
    CLASS_SEATS: "Seats for your organization's members, and classes for them",
}
FREE_FEATURES = (
    "Every free video, live chat, forums and watch parties",
    "Free courses, learning paths and certificates",
    "Launches, missions, the sky map and news",
)


def describe(plan_key: str) -> list[str]:
    plan = PLANS[plan_key]
    return [FEATURES[key] for key in FEATURES if key in plan.entitlements]
