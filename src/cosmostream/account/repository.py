"""SQL for accounts, sessions, tokens, provider identities, follows and categories."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from cosmostream.models import (
    ActionToken,
    ActionTokenPurpose,
    AuthSession,
    Category,
    Follow,
    RefreshToken,
    User,
    UserFavouriteCategory,
    UserIdentity,
)


class UserRepository:
    async def get(self, session: AsyncSession, user_id: uuid.UUID) -> User | None:
        return await session.get(User, user_id)

    async def get_for_update(self, session: AsyncSession, user_id: uuid.UUID) -> User | None:
        return await session.scalar(select(User).where(User.id == user_id).with_for_update())

    async def get_with_categories(self, session: AsyncSession, user_id: uuid.UUID) -> User | None:
        return await session.scalar(
            select(User)
            .where(User.id == user_id)
            .options(selectinload(User.favourite_categories))
            .execution_options(populate_existing=True)
        )

    async def get_by_email(self, session: AsyncSession, email: str) -> User | None:
        return await session.scalar(select(User).where(User.email == email))

    async def get_many(self, session: AsyncSession, ids: Sequence[uuid.UUID]) -> list[User]:
        return list(await session.scalars(select(User).where(User.id.in_(ids))))

    async def list_recent(
        self, session: AsyncSession, *, limit: int = 50, pending_creators: bool = False
    ) -> list[User]:
        query = select(User).order_by(User.created_at.desc()).limit(limit)
        if pending_creators:
            query = query.where(User.creator_requested_at.is_not(None))
        return list(await session.scalars(query))

    async def set_favourite_categories(
        self, session: AsyncSession, user_id: uuid.UUID, category_ids: Sequence[uuid.UUID]
    ) -> None:
        await session.execute(
            delete(UserFavouriteCategory).where(UserFavouriteCategory.user_id == user_id)
        )
        session.add_all(
            UserFavouriteCategory(user_id=user_id, category_id=cid) for cid in set(category_ids)
        )


class SessionRepository:
    async def get_with_user(
        self, session: AsyncSession, session_id: uuid.UUID
    ) -> tuple[AuthSession, User] | None:
        row = (
            await session.execute(
                select(AuthSession, User)
                .join(User, User.id == AuthSession.user_id)
                .where(AuthSession.id == session_id)
            )
        ).first()
        return (row[0], row[1]) if row else None

    async def get_token(self, session: AsyncSession, token_hash: str) -> RefreshToken | None:
        return await session.scalar(
            select(RefreshToken).where(RefreshToken.token_hash == token_hash)
        )

    async def lock_session(
        self, session: AsyncSession, session_id: uuid.UUID
    ) -> AuthSession | None:
        return await session.scalar(
            select(AuthSession).where(AuthSession.id == session_id).with_for_update()
        )

    async def first_ids(
        self, session: AsyncSession, user_id: uuid.UUID, limit: int
    ) -> list[tuple[uuid.UUID, datetime]]:
        """(id, created_at) of the user's `limit` oldest sessions still on record
        (`ix_auth_sessions_user_id`, a handful of rows per user)."""
        rows = await session.execute(
            select(AuthSession.id, AuthSession.created_at)
            .where(AuthSession.user_id == user_id)
            .order_by(AuthSession.created_at, AuthSession.id)
            .limit(limit)
        )
        return [(i, at) for i, at in rows]

    async def list_active(
        self, session: AsyncSession, user_id: uuid.UUID, now: datetime
    ) -> list[AuthSession]:
        return list(
            await session.scalars(
                select(AuthSession)
                .where(
                    AuthSession.user_id == user_id,
                    AuthSession.revoked_at.is_(None),
                    AuthSession.expires_at > now,
                )
                .order_by(AuthSession.last_used_at.desc())
            )
        )

    async def revoke_all(
        self,
        session: AsyncSession,
        user_id: uuid.UUID,
        now: datetime,
        reason: str,
        *,
        except_id: uuid.UUID | None = None,
    ) -> None:
        query = (
            update(AuthSession)
            .where(AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None))
            .values(revoked_at=now, revoked_reason=reason)
        )
        if except_id is not None:
            query = query.where(AuthSession.id != except_id)
        await session.execute(query)

    async def delete_stale(self, session: AsyncSession, before: datetime) -> int:
        """Forget sessions (and, by cascade, their token hashes) that ended before `before`.

        Old token hashes are kept as long as their session could still be
        refreshed, so that reuse of any of them is recognised and revokes it.
        """
        result = await session.execute(
            delete(AuthSession).where(
                (AuthSession.expires_at < before)
                | (AuthSession.revoked_at.is_not(None) & (AuthSession.revoked_at < before))
            )
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]


class ActionTokenRepository:
    async def get(
        self, session: AsyncSession, token_hash: str, purpose: ActionTokenPurpose
    ) -> ActionToken | None:
        return await session.scalar(
            select(ActionToken)
            .where(ActionToken.token_hash == token_hash, ActionToken.purpose == purpose)
            .with_for_update()
        )

    async def delete_stale(self, session: AsyncSession, before: datetime) -> int:
        result = await session.execute(delete(ActionToken).where(ActionToken.expires_at < before))
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    async def invalidate_all(
        self, session: AsyncSession, user_id: uuid.UUID, purpose: ActionTokenPurpose, now: datetime
    ) -> None:
        await session.execute(
            update(ActionToken)
            .where(
                ActionToken.user_id == user_id,
                ActionToken.purpose == purpose,
                ActionToken.used_at.is_(None),
            )
            .values(used_at=now)
        )


class IdentityRepository:
    async def get_by_subject(
        self, session: AsyncSession, issuer: str, subject: str
    ) -> UserIdentity | None:
        """One row by `uq_user_identities_iss_sub`."""
        return await session.scalar(
            select(UserIdentity)
            .where(UserIdentity.issuer == issuer, UserIdentity.subject == subject)
            .with_for_update()
        )

    async def get_for_update(
        self, session: AsyncSession, identity_id: uuid.UUID
    ) -> UserIdentity | None:
        return await session.scalar(
            select(UserIdentity).where(UserIdentity.id == identity_id).with_for_update()
        )

    async def list_for_user(self, session: AsyncSession, user_id: uuid.UUID) -> list[UserIdentity]:
        """A user's few identities (`ix_user_identities_user_id`)."""
        return list(
            await session.scalars(
                select(UserIdentity)
                .where(UserIdentity.user_id == user_id)
                .order_by(UserIdentity.created_at, UserIdentity.id)
            )
        )

    async def delete(self, session: AsyncSession, identity: UserIdentity) -> None:
        await session.delete(identity)
        await session.flush()


class FollowRepository:
    async def get(
        self, session: AsyncSession, follower_id: uuid.UUID, followee_id: uuid.UUID
    ) -> Follow | None:
        return await session.get(Follow, (follower_id, followee_id))

    async def remove(
        self, session: AsyncSession, follower_id: uuid.UUID, followee_id: uuid.UUID
    ) -> bool:
        """Delete the follow; whether this statement deleted it (of two
        concurrent unfollows, only one did)."""
        result = await session.execute(
            delete(Follow).where(
                Follow.follower_id == follower_id, Follow.followee_id == followee_id
            )
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def counts(self, session: AsyncSession, user_id: uuid.UUID) -> tuple[int, int]:
        followers = select(func.count()).where(Follow.followee_id == user_id).scalar_subquery()
        following = select(func.count()).where(Follow.follower_id == user_id).scalar_subquery()
        row = (await session.execute(select(followers, following))).one()
        return int(row[0]), int(row[1])

    async def counts_many(
        self, session: AsyncSession, user_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, tuple[int, int]]:
        result = dict.fromkeys(user_ids, (0, 0))
        followers = await session.execute(
            select(Follow.followee_id, func.count())
            .where(Follow.followee_id.in_(user_ids))
            .group_by(Follow.followee_id)
        )
        for uid, n in followers:
            result[uid] = (int(n), result[uid][1])
        following = await session.execute(
            select(Follow.follower_id, func.count())
            .where(Follow.follower_id.in_(user_ids))
            .group_by(Follow.follower_id)
        )
        for uid, n in following:
            result[uid] = (result[uid][0], int(n))
        return result

    async def following_set(
        self, session: AsyncSession, follower_id: uuid.UUID, followee_ids: Sequence[uuid.UUID]
    ) -> set[uuid.UUID]:
        rows = await session.scalars(
            select(Follow.followee_id).where(
                Follow.follower_id == follower_id, Follow.followee_id.in_(followee_ids)
            )
        )
        return set(rows)


class CategoryRepository:
    async def list_all(self, session: AsyncSession) -> list[Category]:
        return list(
            await session.scalars(select(Category).order_by(Category.position, Category.name))
        )

    async def get_many(self, session: AsyncSession, ids: Sequence[uuid.UUID]) -> list[Category]:
        return list(await session.scalars(select(Category).where(Category.id.in_(ids))))

    async def get_by_slug(self, session: AsyncSession, slug: str) -> Category | None:
        return await session.scalar(select(Category).where(Category.slug == slug))


user_repository = UserRepository()
session_repository = SessionRepository()
action_token_repository = ActionTokenRepository()
identity_repository = IdentityRepository()
follow_repository = FollowRepository()
category_repository = CategoryRepository()
