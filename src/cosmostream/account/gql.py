"""GraphQL for accounts: auth flow, profile, following and roles."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import strawberry

from cosmostream.account.schemas import Actor, AuthResult, ProfileUpdate, SignupInput
from cosmostream.account.service import account_service, avatar_url
from cosmostream.errors import NotFound
from cosmostream.graphql.context import Info
from cosmostream.kit.ids import parse_uuid
from cosmostream.models import Role as RoleModel
from cosmostream.models import User as UserModel

if TYPE_CHECKING:
    from cosmostream.catalog.gql import VideoSort
    from cosmostream.engagement.gql import FollowingConnection, HistoryConnection
    from cosmostream.graphql.relay import VideoConnection
    from cosmostream.notification.gql import NotificationConnection


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

    @strawberry.field(description="How many public videos it has.")
    async def video_count(self, info: Info) -> int:
        from cosmostream.catalog.gql import category_video_count

        return await category_video_count(info, self)

    @strawberry.field(description="The poster of its most viewed video, or null.")
    async def cover_url(self, info: Info) -> str | None:
        from cosmostream.catalog.gql import category_cover_url

        return await category_cover_url(info, self)

    @strawberry.field(description="Its public videos (sort defaults to NEWEST, first <= 100).")
    async def videos(
        self,
        info: Info,
        sort: Annotated[VideoSort, strawberry.lazy("cosmostream.catalog.gql")] | None = None,
        first: int = 24,
        after: str | None = None,
    ) -> Annotated[VideoConnection, strawberry.lazy("cosmostream.graphql.relay")]:
        from cosmostream.catalog.gql import category_videos

        return await category_videos(info, self, sort, first, after)


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

    @strawberry.field
    def email(self) -> str:
        return self.model.email

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
        return [_category(c) for c in categories if c.slug in slugs]

    @strawberry.field(description="Your notifications, newest first (the latest 500 are kept).")
    async def notifications(
        self, info: Info, first: int = 20, after: str | None = None
    ) -> Annotated[NotificationConnection, strawberry.lazy("cosmostream.notification.gql")]:
        from cosmostream.notification.gql import notifications_of

        reader = Actor(user=self.model, session_id=self.session_id)
        return await notifications_of(info, reader, first, after)

    @strawberry.field
    async def unread_notification_count(self, info: Info) -> int:
        from cosmostream.notification.gql import unread_count_of

        return await unread_count_of(info, Actor(user=self.model, session_id=self.session_id))

    @strawberry.field(description="Videos you watched, most recently watched first.")
    async def history(
        self, info: Info, first: int = 20, after: str | None = None
    ) -> Annotated[HistoryConnection, strawberry.lazy("cosmostream.engagement.gql")]:
        from cosmostream.engagement.gql import history_of

        reader = Actor(user=self.model, session_id=self.session_id)
        return await history_of(info, reader, first, after)

    @strawberry.field(description="Your saved videos, most recently saved first.")
    async def saved(
        self, info: Info, first: int = 20, after: str | None = None
    ) -> Annotated[VideoConnection, strawberry.lazy("cosmostream.graphql.relay")]:
        from cosmostream.engagement.gql import saved_of

        reader = Actor(user=self.model, session_id=self.session_id)
        return await saved_of(info, reader, first, after)

    @strawberry.field(description="Creators you follow, most recently followed first.")
    async def following(
        self, info: Info, first: int = 20, after: str | None = None
    ) -> Annotated[FollowingConnection, strawberry.lazy("cosmostream.engagement.gql")]:
        from cosmostream.engagement.gql import following_of

        reader = Actor(user=self.model, session_id=self.session_id)
        return await following_of(info, reader, first, after)

    @strawberry.field(description="While true, what you watch is not added to your history.")
    def history_paused(self) -> bool:
        return self.model.history_paused


@strawberry.type
class AuthPayload:
    access_token: str
    refresh_token: str
    access_token_expires_at: datetime
    refresh_token_expires_at: datetime
    user: Me

    @classmethod
    def from_result(cls, result: AuthResult) -> AuthPayload:
        return cls(
            access_token=result.access_token,
            refresh_token=result.refresh_token,
            access_token_expires_at=result.access_expires_at,
            refresh_token_expires_at=result.refresh_expires_at,
            user=Me(model=result.user, session_id=result.session_id),
        )


def _category(c: object) -> Category:
    return Category(
        id=strawberry.ID(str(c.id)),  # type: ignore[attr-defined]
        slug=c.slug,  # type: ignore[attr-defined]
        name=c.name,  # type: ignore[attr-defined]
        description=c.description,  # type: ignore[attr-defined]
        icon=c.icon,  # type: ignore[attr-defined]
    )


@strawberry.input(name="SignupInput")
class SignupInputGql:
    email: str
    password: str
    display_name: str = ""


@strawberry.input
class UpdateProfileInput:
    display_name: str | None = None
    bio: str | None = None


@strawberry.type
class OkPayload:
    ok: bool = True


def _uuid(value: strawberry.ID) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise NotFound("That user does not exist.") from None


@strawberry.type
class AccountQuery:
    @strawberry.field(description="The signed-in user, or null.")
    async def me(self, info: Info) -> Me | None:
        actor = info.context.actor
        return Me(model=actor.user, session_id=actor.session_id) if actor else None

    @strawberry.field
    async def user(self, info: Info, id: strawberry.ID) -> User | None:
        user_id = parse_uuid(str(id))
        if user_id is None:
            return None
        user = await info.context.loaders.users.load(user_id)
        if user is None or user.disabled_at is not None:
            return None
        return User(model=user)

    @strawberry.field
    async def categories(self, info: Info) -> list[Category]:
        async with info.context.db.read() as session:
            return [_category(c) for c in await account_service.list_categories(session)]


@strawberry.type
class AccountMutation:
    @strawberry.mutation
    async def signup(self, info: Info, input: SignupInputGql) -> AuthPayload:
        data = SignupInput(
            email=input.email, password=input.password, display_name=input.display_name
        )
        result = await account_service.signup(info.context.db, data, info.context.client)
        return AuthPayload.from_result(result)

    @strawberry.mutation
    async def login(self, info: Info, email: str, password: str) -> AuthPayload:
        result = await account_service.login(info.context.db, email, password, info.context.client)
        return AuthPayload.from_result(result)

    @strawberry.mutation
    async def refresh_tokens(self, info: Info, refresh_token: str) -> AuthPayload:
        result = await account_service.refresh(info.context.db, refresh_token, info.context.client)
        return AuthPayload.from_result(result)

    @strawberry.mutation
    async def logout(self, info: Info) -> OkPayload:
        actor = info.context.require_actor()
        async with info.context.unit_of_work() as session:
            await account_service.logout(session, actor)
        return OkPayload()

    @strawberry.mutation
    async def request_password_reset(self, info: Info, email: str) -> OkPayload:
        await account_service.request_password_reset(info.context.db, email, info.context.client)
        return OkPayload()

    @strawberry.mutation
    async def reset_password(self, info: Info, token: str, password: str) -> OkPayload:
        async with info.context.unit_of_work() as session:
            await account_service.reset_password(session, token, password)
        return OkPayload()

    @strawberry.mutation
    async def verify_email(self, info: Info, token: str) -> User:
        async with info.context.unit_of_work() as session:
            user = await account_service.verify_email(session, token)
        return User(model=user)

    @strawberry.mutation
    async def change_password(
        self, info: Info, current_password: str, new_password: str
    ) -> AuthPayload:
        actor = info.context.require_actor()
        async with info.context.unit_of_work() as session:
            result = await account_service.change_password(
                session, actor, current_password, new_password, info.context.client
            )
        return AuthPayload.from_result(result)

    @strawberry.mutation
    async def update_profile(self, info: Info, input: UpdateProfileInput) -> User:
        actor = info.context.require_actor()
        data = ProfileUpdate(display_name=input.display_name, bio=input.bio)
        async with info.context.unit_of_work() as session:
            user = await account_service.update_profile(session, actor, data)
        return User(model=user)

    @strawberry.mutation
    async def set_favourite_categories(self, info: Info, slugs: list[str]) -> Me:
        actor = info.context.require_actor()
        async with info.context.unit_of_work() as session:
            user = await account_service.set_favourite_categories(session, actor, slugs)
        return Me(model=user, session_id=actor.session_id)

    @strawberry.mutation
    async def follow_user(self, info: Info, user_id: strawberry.ID) -> User:
        actor = info.context.require_actor()
        async with info.context.unit_of_work() as session:
            user = await account_service.follow(session, actor, _uuid(user_id))
        return User(model=user)

    @strawberry.mutation
    async def unfollow_user(self, info: Info, user_id: strawberry.ID) -> User:
        actor = info.context.require_actor()
        async with info.context.unit_of_work() as session:
            user = await account_service.unfollow(session, actor, _uuid(user_id))
        return User(model=user)

    @strawberry.mutation
    async def revoke_session(self, info: Info, session_id: strawberry.ID) -> OkPayload:
        actor = info.context.require_actor()
        async with info.context.unit_of_work() as session:
            await account_service.revoke_session(session, actor, _uuid(session_id))
        return OkPayload()

    @strawberry.mutation
    async def request_creator_role(self, info: Info) -> User:
        actor = info.context.require_actor()
        async with info.context.unit_of_work() as session:
            user = await account_service.request_creator(session, actor)
        return User(model=user)

    @strawberry.mutation(description="Admins only.")
    async def set_user_role(self, info: Info, user_id: strawberry.ID, role: Role) -> User:
        actor = info.context.require_actor()
        async with info.context.unit_of_work() as session:
            user = await account_service.set_role(
                session, actor, _uuid(user_id), RoleModel(role.value)
            )
        return User(model=user)

    @strawberry.mutation(description="Admins only.")
    async def set_user_disabled(self, info: Info, user_id: strawberry.ID, disabled: bool) -> User:
        actor = info.context.require_actor()
        async with info.context.unit_of_work() as session:
            user = await account_service.set_disabled(session, actor, _uuid(user_id), disabled)
        return User(model=user)
