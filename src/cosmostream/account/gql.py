"""GraphQL for accounts: auth flow, profile, following and roles.

The `User`, `Me` and `Category` types are hubs, in graphql/hubs.py.
"""

from __future__ import annotations

from datetime import datetime

import strawberry

from cosmostream.account import oidc
from cosmostream.account.errors import UserNotFound
from cosmostream.account.identities import identity_service
from cosmostream.account.schemas import AuthResult, ProfileUpdate, SignupInput
from cosmostream.account.service import account_service
from cosmostream.config import get_settings
from cosmostream.errors import NotFound
from cosmostream.graphql.context import Info
from cosmostream.graphql.hubs import Category, Me, Role, User
from cosmostream.kit.ids import parse_uuid, require_uuid
from cosmostream.models import Role as RoleModel


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


@strawberry.input(name="SignupInput")
class SignupInputGql:
    email: str
    password: str
    display_name: str = ""


@strawberry.input
class UpdateProfileInput:
    display_name: str | None = None
    bio: str | None = None
    time_zone: str | None = strawberry.field(
        default=None, description="An IANA time zone name, e.g. Europe/Paris."
    )


@strawberry.type
class OkPayload:
    ok: bool = True


@strawberry.type(description="A sign-in through an OpenID Connect provider (Google, …).")
class Identity:
    id: strawberry.ID
    issuer: str
    provider: str = strawberry.field(description="The provider's name, or its issuer.")
    email: str
    email_verified: bool
    created_at: datetime
    last_used_at: datetime


@strawberry.type
class MeIdentityFields(Me):
    @strawberry.field(description="The provider sign-ins linked to the account.")
    async def identities(self, info: Info) -> list[Identity]:
        names = {p.issuer: p.name for p in oidc.providers(get_settings())}
        async with info.context.db.read() as session:
            rows = await identity_service.list_identities(session, self.as_actor())
        return [
            Identity(
                id=strawberry.ID(str(i.id)),
                issuer=i.issuer,
                provider=names.get(i.issuer, i.issuer),
                email=i.email,
                email_verified=i.email_verified,
                created_at=i.created_at,
                last_used_at=i.last_used_at,
            )
            for i in rows
        ]


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
            return [Category.from_model(c) for c in await account_service.list_categories(session)]


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
        data = ProfileUpdate(
            display_name=input.display_name, bio=input.bio, time_zone=input.time_zone
        )
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
            user = await account_service.follow(session, actor, require_uuid(user_id, UserNotFound))
        return User(model=user)

    @strawberry.mutation
    async def unfollow_user(self, info: Info, user_id: strawberry.ID) -> User:
        actor = info.context.require_actor()
        async with info.context.unit_of_work() as session:
            user = await account_service.unfollow(
                session, actor, require_uuid(user_id, UserNotFound)
            )
        return User(model=user)

    @strawberry.mutation
    async def revoke_session(self, info: Info, session_id: strawberry.ID) -> OkPayload:
        actor = info.context.require_actor()
        async with info.context.unit_of_work() as session:
            await account_service.revoke_session(
                session, actor, require_uuid(session_id, UserNotFound)
            )
        return OkPayload()

    @strawberry.mutation(
        description="Unlink one of your provider sign-ins (never your last way in: 409)."
    )
    async def unlink_identity(self, info: Info, id: strawberry.ID) -> OkPayload:
        actor = info.context.require_actor()
        identity_id = require_uuid(str(id), NotFound)
        async with info.context.unit_of_work() as session:
            await identity_service.unlink(session, actor, identity_id)
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
                session, actor, require_uuid(user_id, UserNotFound), RoleModel(role.value)
            )
        return User(model=user)

    @strawberry.mutation(description="Admins only.")
    async def set_user_disabled(self, info: Info, user_id: strawberry.ID, disabled: bool) -> User:
        actor = info.context.require_actor()
        async with info.context.unit_of_work() as session:
            user = await account_service.set_disabled(
                session, actor, require_uuid(user_id, UserNotFound), disabled
            )
        return User(model=user)
