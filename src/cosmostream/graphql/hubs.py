"""The hub types every domain's GraphQL returns or extends: `User`, `Me`, `Category`, `Video`.

Each hub is declared here once, with the fields of the domain that owns it
(account or video). Another domain adds fields to a hub without the hub knowing
it: it subclasses the hub with a Strawberry type holding only its new fields,

    @strawberry.type
    class VideoEngagementFields(Video):
        @strawberry.field
        async def viewer_has_liked(self, info: Info) -> bool: ...

and the schema passes these classes, in domain order, to `extend_hubs` before
it is built. Resolvers keep returning the hub (`Video(model=...)`), so a domain
imports the hubs from here and never another domain's `gql` module. The added
fields resolve with the hub itself as `self`, so they use only what the hub has.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from enum import Enum

import strawberry
from strawberry.types.base import get_object_definition
from strawberry.types.field import StrawberryField

from cosmostream.account.schemas import Actor
from cosmostream.account.service import account_service, avatar_url
from cosmostream.graphql.context import Info
from cosmostream.graphql.relay import Connection, Edge, PageInfo
from cosmostream.models import Category as CategoryModel
from cosmostream.models import User as UserModel
from cosmostream.models import Video as VideoModel
from cosmostream.video.access import media_access, preview_seconds
from cosmostream.video.policy import can_manage
from cosmostream.video.urls import hls_url, media_url, poster_url


@strawberry.enum
class Role(Enum):
    VIEWER = "viewer"
    CREATOR = "creator"
    ADMIN = "admin"


@strawberry.type
class Category:
    id: strawberry.ID
    slug: str
    name: str
    description: str
    icon: str

    @classmethod
    def from_model(cls, category: CategoryModel) -> Category:
        return cls(
            id=strawberry.ID(str(category.id)),
            slug=category.slug,
            name=category.name,
            description=category.description,
            icon=category.icon,
        )


@strawberry.type
class User:
    model: strawberry.Private[UserModel]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.model.id))

    @strawberry.field
    def display_name(self) -> str:
        return self.model.display_name

    @strawberry.field
    def bio(self) -> str:
        return self.model.bio

    @strawberry.field
    def avatar_url(self) -> str | None:
        return avatar_url(self.model)

    @strawberry.field
    def role(self) -> Role:
        return Role(self.model.role.value)

    @strawberry.field
    def created_at(self) -> datetime:
        return self.model.created_at

    @strawberry.field(description="Visible to the user themself and to admins only.")
    def email(self, info: Info) -> str | None:
        actor = info.context.actor
        if actor is not None and (actor.id == self.model.id or actor.is_admin):
            return self.model.email
        return None

    @strawberry.field
    def email_verified(self, info: Info) -> bool | None:
        actor = info.context.actor
        if actor is not None and (actor.id == self.model.id or actor.is_admin):
            return self.model.email_verified_at is not None
        return None

    @strawberry.field
    async def follower_count(self, info: Info) -> int:
        return (await info.context.loaders.follow_counts.load(self.model.id))[0]

    @strawberry.field
    async def following_count(self, info: Info) -> int:
        return (await info.context.loaders.follow_counts.load(self.model.id))[1]


@strawberry.type
class Session:
    id: strawberry.ID
    created_at: datetime
    last_used_at: datetime
    user_agent: str
    ip_address: str
    current: bool


@strawberry.type(description="The signed-in user, with what only they can see.")
class Me(User):
    session_id: strawberry.Private[uuid.UUID]

    def as_actor(self) -> Actor:
        """The signed-in user, as the actor of what their private fields read."""
        return Actor(user=self.model, session_id=self.session_id)

    @strawberry.field
    def email(self) -> str:
        return self.model.email

    @strawberry.field(description="The IANA time zone the creator studio uses (default UTC).")
    def time_zone(self) -> str:
        return self.model.time_zone

    @strawberry.field
    def email_verified(self) -> bool:
        return self.model.email_verified_at is not None

    @strawberry.field
    async def sessions(self, info: Info) -> list[Session]:
        async with info.context.db.read() as session:
            rows = await account_service.list_sessions_of(session, self.model.id)
        return [
            Session(
                id=strawberry.ID(str(s.id)),
                created_at=s.created_at,
                last_used_at=s.last_used_at,
                user_agent=s.user_agent,
                ip_address=s.ip_address,
                current=s.id == self.session_id,
            )
            for s in rows
        ]

    @strawberry.field
    async def favourite_categories(self, info: Info) -> list[Category]:
        async with info.context.db.read() as session:
            slugs = await account_service.favourite_category_slugs(session, self.model.id)
            categories = await account_service.list_categories(session)
        return [Category.from_model(c) for c in categories if c.slug in slugs]


@strawberry.enum
class VideoStatus(Enum):
    UPLOADING = "uploading"
    PROCESSING = "processing"
    READY = "ready"
    FAILED = "failed"
    REJECTED = "rejected"


@strawberry.enum
class Visibility(Enum):
    PUBLIC = "public"
    UNLISTED = "unlisted"
    PRIVATE = "private"


@strawberry.type
class Rendition:
    height: int
    width: int
    bandwidth: int


@strawberry.type
class Video:
    model: strawberry.Private[VideoModel]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.model.id))

    @strawberry.field
    def title(self) -> str:
        return self.model.title

    @strawberry.field
    def description(self) -> str:
        return self.model.description

    @strawberry.field
    def visibility(self) -> Visibility:
        return Visibility(self.model.visibility.value)

    @strawberry.field
    def status(self) -> VideoStatus:
        return VideoStatus(self.model.status.value)

    @strawberry.field
    def processing_progress(self) -> float:
        return round(self.model.processing_progress, 4)

    @strawberry.field
    def status_message(self) -> str:
        return self.model.status_message

    @strawberry.field(description="Machine-readable reason when REJECTED or FAILED.")
    def status_code(self) -> str | None:
        return self.model.status_code

    @strawberry.field
    def playable(self) -> bool:
        return self.model.playable

    @strawberry.field(
        description="The HLS master playlist for the viewer, once the video is playable: "
        "the preview's (`preview.m3u8`) for a premium video the viewer is not entitled to, "
        "and without the 2160p rung unless they have `video.2160p`."
    )
    async def hls_url(self, info: Info) -> str | None:
        if not self.model.playable:
            return None
        async with info.context.db.read() as session:
            return await hls_url(session, info.context.actor, self.model)

    @strawberry.field(description="Watching all of it needs the `video.premium` entitlement.")
    def premium(self) -> bool:
        return self.model.premium

    @strawberry.field(
        description="Seconds of a premium video shown to viewers without the entitlement."
    )
    def preview_seconds(self) -> int:
        return preview_seconds(self.model)

    @strawberry.field(
        description="Whether this viewer gets only the preview (premium, not entitled)."
    )
    async def preview_only(self, info: Info) -> bool:
        if not self.model.premium:
            return False
        async with info.context.db.read() as session:
            access = await media_access(session, info.context.actor, self.model)
        return access.preview_seconds is not None

    @strawberry.field
    def poster_url(self, size: str = "player") -> str | None:
        return poster_url(self.model, size)

    @strawberry.field
    def thumbnail_candidates(self) -> list[str]:
        return [
            u
            for u in (media_url(self.model, k) for k in self.model.images.get("candidates", []))
            if u
        ]

    @strawberry.field
    def storyboard_vtt_url(self) -> str | None:
        return media_url(self.model, self.model.images.get("storyboard_vtt"))

    @strawberry.field
    def duration_seconds(self) -> float | None:
        return self.model.duration_seconds

    @strawberry.field
    def renditions(self) -> list[Rendition]:
        return [
            Rendition(
                height=int(r["height"]), width=int(r["width"]), bandwidth=int(r.get("bandwidth", 0))
            )
            for r in self.model.renditions
        ]

    @strawberry.field
    def tags(self) -> list[str]:
        return [t.tag for t in self.model.tags]

    @strawberry.field
    def category(self) -> Category | None:
        return Category.from_model(self.model.category) if self.model.category else None

    @strawberry.field
    async def owner(self, info: Info) -> User | None:
        user = await info.context.loaders.users.load(self.model.owner_id)
        return User(model=user) if user else None

    @strawberry.field
    def created_at(self) -> datetime:
        return self.model.created_at

    @strawberry.field(description="When the video was first public and ready.")
    def published_at(self) -> datetime | None:
        return self.model.published_at

    @strawberry.field
    def can_manage(self, info: Info) -> bool:
        return can_manage(info.context.actor, self.model)


@strawberry.type
class VideoConnection(Connection[Video]):
    @strawberry.field(description="The videos of the edges, for clients that skip the cursors.")
    def nodes(self) -> list[Video]:
        return [e.node for e in self.edges]


def video_connection(
    videos: Sequence[VideoModel], cursor_of: Callable[[VideoModel], str], has_next: bool
) -> VideoConnection:
    """A connection over one page of videos, `cursor_of` making each edge's cursor."""
    edges = [Edge(cursor=cursor_of(v), node=Video(model=v)) for v in videos]
    return VideoConnection(
        edges=edges,
        page_info=PageInfo(has_next_page=has_next, end_cursor=edges[-1].cursor if edges else None),
    )


# The fields each hub declares itself, before any domain extends it.
_OWN_FIELDS: dict[type, list[StrawberryField]] = {
    hub: list(get_object_definition(hub, strict=True).fields) for hub in (User, Me, Category, Video)
}

# Own fields that stay after every contributed one, where the schema has always had them.
_LAST_FIELDS: dict[type, tuple[str, ...]] = {Video: ("can_manage",)}


def extend_hubs(contributions: Iterable[type]) -> None:
    """Give each hub its own fields plus those of the contributions that subclass it,
    in the order given. Calling it again starts from the hubs' own fields."""
    added: dict[type, list[StrawberryField]] = {hub: [] for hub in _OWN_FIELDS}
    for contribution in contributions:
        hub = next(base for base in contribution.__mro__[1:] if base in _OWN_FIELDS)
        fields = get_object_definition(contribution, strict=True).fields
        added[hub] += [f for f in fields if f.origin is contribution]
    for hub, own in _OWN_FIELDS.items():
        last = _LAST_FIELDS.get(hub, ())
        get_object_definition(hub, strict=True).fields = [
            *(f for f in own if f.python_name not in last),
            *added[hub],
            *(f for f in own if f.python_name in last),
        ]
