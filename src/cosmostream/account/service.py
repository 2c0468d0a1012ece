"""Accounts: sign-up, sign-in, sessions and their refresh tokens, profiles, roles.

Sign-in, sign-up, refresh and reset requests take the `Database` rather than a
session: their failures must still write something (a throttle counter, a
revoked token family) while the request itself fails, so they run their own
units of work. Everything else follows the usual rule: the caller's unit of
work, committed by the transport.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from cosmostream import effects, mail
from cosmostream.account import passwords, throttle, tokens
from cosmostream.account.avatar import process_avatar
from cosmostream.account.errors import (
    AccountDisabled,
    EmailTaken,
    InvalidCredentials,
    InvalidLink,
    InvalidToken,
)
from cosmostream.account.repository import (
    action_token_repository,
    category_repository,
    follow_repository,
    session_repository,
    user_repository,
)
from cosmostream.account.schemas import (
    Actor,
    AuthResult,
    ClientInfo,
    ProfileStats,
    ProfileUpdate,
    SignupInput,
    clean_display_name,
    login_email,
    normalize_email,
    time_zones,
)
from cosmostream.account.signals import FollowChange, follow_changed
from cosmostream.config import get_settings
from cosmostream.db import Database
from cosmostream.errors import (
    AppError,
    BadRequest,
    Conflict,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from cosmostream.kit.crypto import hash_token, new_token
from cosmostream.kit.time import utcnow
from cosmostream.models import (
    ActionToken,
    ActionTokenPurpose,
    AuthSession,
    Category,
    Follow,
    RefreshToken,
    Role,
    User,
)
from cosmostream.search.service import search_service
from cosmostream.storage import storage_from_settings

# How long a brand-new account's first session counts as its first visit.
FIRST_VISIT = timedelta(days=1)


class AccountService:
    # -- sessions and tokens -------------------------------------------------

    async def _start_session(
        self, session: AsyncSession, user: User, client: ClientInfo
    ) -> AuthResult:
        settings = get_settings()
        now = utcnow()
        auth_session = AuthSession(
            user_id=user.id,
            created_at=now,
            last_used_at=now,
            rotated_at=now,
            expires_at=now + timedelta(seconds=settings.session_max_age_seconds),
            generation=0,
            user_agent=client.user_agent[:255],
            ip_address=client.ip[:64],
        )
        session.add(auth_session)
        await session.flush()
        return await self._issue(session, user, auth_session)

    async def _issue(self, session: AsyncSession, user: User, auth: AuthSession) -> AuthResult:
        settings = get_settings()
        raw = new_token(32)
        now = utcnow()
        refresh_expires = min(
            now + timedelta(seconds=settings.refresh_token_ttl_seconds), auth.expires_at
        )
        session.add(
            RefreshToken(
                session_id=auth.id,
                token_hash=hash_token(raw),
                generation=auth.generation,
                created_at=now,
                expires_at=refresh_expires,
            )
        )
        access, access_expires = tokens.issue_access_token(settings, user.id, auth.id)
        return AuthResult(
            user=user,
            session_id=auth.id,
            access_token=access,
            access_expires_at=access_expires,
            refresh_token=raw,
            refresh_expires_at=refresh_expires,
        )

    async def authenticate(self, session: AsyncSession, access_token: str) -> Actor:
        """Resolve an access token to the actor, checking the account as it is now.

        The JWT only points at a session: a revoked session, a disabled account
        or a changed role take effect on the very next request.
        """
        claims = tokens.decode_access_token(get_settings(), access_token)
        found = await session_repository.get_with_user(session, claims.session_id)
        if found is None:
            raise InvalidToken()
        auth, user = found
        if auth.user_id != claims.user_id or auth.revoked_at is not None:
            raise InvalidToken()
        if auth.expires_at <= utcnow():
            raise InvalidToken()
        if user.disabled_at is not None:
            raise AccountDisabled()
        return Actor(user=user, session_id=auth.id)

    async def refresh(self, db: Database, raw_token: str, client: ClientInfo) -> AuthResult:
        """Rotate a refresh token.

        Each token is single-use. Presenting the immediate predecessor of the
        current generation within the grace window (two tabs refreshing at
        once) yields a sibling token; any other old token is reuse, and the
        whole family is revoked.
        """
        settings = get_settings()
        reused = False
        result: AuthResult | None = None
        async with db.unit_of_work() as session:
            token = await session_repository.get_token(session, hash_token(raw_token))
            if token is None:
                raise InvalidToken()
            auth = await session_repository.lock_session(session, token.session_id)
            now = utcnow()
            if auth is None or auth.revoked_at is not None or auth.expires_at <= now:
                raise InvalidToken()
            if token.expires_at <= now:
                raise InvalidToken()
            user = await user_repository.get(session, auth.user_id)
            if user is None or user.disabled_at is not None:
                raise InvalidToken()
            grace = timedelta(seconds=settings.refresh_grace_seconds)
            if token.generation == auth.generation:
                auth.generation += 1
                auth.rotated_at = now
            elif token.generation == auth.generation - 1 and now - auth.rotated_at <= grace:
                pass  # a parallel refresh of the token just rotated: issue a sibling
            else:
                auth.revoked_at = now
                auth.revoked_reason = "refresh_reuse"
                effects.disconnect_user(user.id)
                reused = True
            if not reused:
                auth.last_used_at = now
                auth.ip_address = client.ip[:64] or auth.ip_address
                result = await self._issue(session, user, auth)
        if reused or result is None:
            raise InvalidToken()
        return result

    async def logout(self, session: AsyncSession, actor: Actor) -> None:
        auth = await session_repository.lock_session(session, actor.session_id)
        if auth is not None and auth.revoked_at is None:
            auth.revoked_at = utcnow()
            auth.revoked_reason = "logout"
        effects.disconnect_session(actor.session_id)

    async def logout_refresh_token(self, session: AsyncSession, raw_token: str) -> None:
        """Sign out the session a refresh token belongs to (pages whose access expired)."""
        token = await session_repository.get_token(session, hash_token(raw_token))
        if token is None:
            return
        auth = await session_repository.lock_session(session, token.session_id)
        if auth is not None and auth.revoked_at is None:
            auth.revoked_at = utcnow()
            auth.revoked_reason = "logout"
            effects.disconnect_session(auth.id)

    async def list_sessions(self, session: AsyncSession, actor: Actor) -> list[AuthSession]:
        return await self.list_sessions_of(session, actor.id)

    async def list_sessions_of(
        self, session: AsyncSession, user_id: uuid.UUID
    ) -> list[AuthSession]:
        return await session_repository.list_active(session, user_id, utcnow())

    async def revoke_session(
        self, session: AsyncSession, actor: Actor, session_id: uuid.UUID
    ) -> None:
        auth = await session_repository.lock_session(session, session_id)
        if auth is None or auth.user_id != actor.id:
            raise NotFound("That session does not exist.")
        if auth.revoked_at is None:
            auth.revoked_at = utcnow()
            auth.revoked_reason = "revoked"
        effects.disconnect_session(session_id)

    # -- sign-up and sign-in -------------------------------------------------

    async def signup(self, db: Database, data: SignupInput, client: ClientInfo) -> AuthResult:
        limiter = throttle.Throttle(db)
        await limiter.check((throttle.SIGNUP_IP, client.ip))
        await limiter.hit((throttle.SIGNUP_IP, client.ip))
        email = normalize_email(data.email)
        name = clean_display_name(data.display_name or email.split("@")[0])
        passwords.validate(data.password, email=email, display_name=name)
        # Hash before looking the address up: both outcomes take the same time.
        password_hash = await asyncio.to_thread(passwords.hash_password, data.password)
        async with db.unit_of_work() as session:
            if await user_repository.get_by_email(session, email) is not None:
                raise EmailTaken()
            now = utcnow()
            user = User(
                email=email,
                password_hash=password_hash,
                password_changed_at=now,
                display_name=name,
                bio="",
                role=Role.VIEWER,
                last_login_at=now,
            )
            session.add(user)
            await session.flush()
            await self._send_verification(session, user)
            return await self._start_session(session, user, client)

    async def login(
        self, db: Database, email: str, password: str, client: ClientInfo
    ) -> AuthResult:
        limiter = throttle.Throttle(db)
        try:
            address = login_email(email)
        except InvalidCredentials:
            address = email.strip().lower()[:320]
        checks = ((throttle.LOGIN_ACCOUNT, address), (throttle.LOGIN_IP, client.ip))
        await limiter.check(*checks)
        async with db.read() as read:
            user = await user_repository.get_by_email(read, address)
            password_hash = user.password_hash if user else None
        ok = await asyncio.to_thread(passwords.verify, password_hash, password)
        if not ok or user is None or user.disabled_at is not None:
            await limiter.hit(*checks)
            raise InvalidCredentials()
        await limiter.reset((throttle.LOGIN_ACCOUNT, address))
        async with db.unit_of_work() as session:
            fresh = await user_repository.get_for_update(session, user.id)
            if fresh is None or fresh.disabled_at is not None:
                raise InvalidCredentials()
            if fresh.password_hash and passwords.needs_rehash(fresh.password_hash):
                fresh.password_hash = await asyncio.to_thread(passwords.hash_password, password)
            fresh.last_login_at = utcnow()
            return await self._start_session(session, fresh, client)

    # -- e-mail verification and password reset -----------------------------

    async def _new_action_token(
        self, session: AsyncSession, user: User, purpose: ActionTokenPurpose, ttl: int
    ) -> str:
        raw = new_token(32)
        now = utcnow()
        await action_token_repository.invalidate_all(session, user.id, purpose, now)
        session.add(
            ActionToken(
                user_id=user.id,
                purpose=purpose,
                token_hash=hash_token(raw),
                created_at=now,
                expires_at=now + timedelta(seconds=ttl),
            )
        )
        return raw

    async def _send_verification(self, session: AsyncSession, user: User) -> None:
        settings = get_settings()
        raw = await self._new_action_token(
            session, user, ActionTokenPurpose.VERIFY_EMAIL, settings.email_token_ttl_seconds
        )
        link = f"{settings.base_url}/verify-email?token={raw}"
        mail.queue(
            mail.render(
                "verify_email",
                to=user.email,
                subject=f"Confirm your e-mail for {settings.site_name}",
                name=user.display_name,
                link=link,
                site_name=settings.site_name,
                hours=settings.email_token_ttl_seconds // 3600,
            )
        )

    async def resend_verification(self, session: AsyncSession, actor: Actor) -> None:
        user = await user_repository.get_for_update(session, actor.id)
        if user is None or user.email_verified_at is not None:
            return
        await self._send_verification(session, user)

    async def _consume(self, session: AsyncSession, raw: str, purpose: ActionTokenPurpose) -> User:
        token = await action_token_repository.get(session, hash_token(raw or ""), purpose)
        now = utcnow()
        if token is None or token.used_at is not None or token.expires_at <= now:
            raise InvalidLink()
        token.used_at = now
        user = await user_repository.get_for_update(session, token.user_id)
        if user is None or user.disabled_at is not None:
            raise InvalidLink()
        return user

    async def verify_email(self, session: AsyncSession, raw: str) -> User:
        user = await self._consume(session, raw, ActionTokenPurpose.VERIFY_EMAIL)
        user.email_verified_at = user.email_verified_at or utcnow()
        return user

    async def request_password_reset(self, db: Database, email: str, client: ClientInfo) -> None:
        """Send a reset link if the account exists; the answer is the same either way."""
        limiter = throttle.Throttle(db)
        try:
            address = normalize_email(email)
        except ValidationFailed:
            address = email.strip().lower()[:320]
        checks = ((throttle.RESET_ACCOUNT, address), (throttle.RESET_IP, client.ip))
        await limiter.check(*checks)
        await limiter.hit(*checks)
        settings = get_settings()
        async with db.unit_of_work() as session:
            user = await user_repository.get_by_email(session, address)
            if user is None or user.disabled_at is not None:
                return
            raw = await self._new_action_token(
                session,
                user,
                ActionTokenPurpose.RESET_PASSWORD,
                settings.password_reset_ttl_seconds,
            )
            mail.queue(
                mail.render(
                    "reset_password",
                    to=user.email,
                    subject=f"Reset your {settings.site_name} password",
                    name=user.display_name,
                    link=f"{settings.base_url}/reset-password?token={raw}",
                    site_name=settings.site_name,
                    minutes=settings.password_reset_ttl_seconds // 60,
                )
            )

    async def check_reset_token(self, session: AsyncSession, raw: str) -> None:
        token = await action_token_repository.get(
            session, hash_token(raw or ""), ActionTokenPurpose.RESET_PASSWORD
        )
        if token is None or token.used_at is not None or token.expires_at <= utcnow():
            raise InvalidLink()

    async def reset_password(self, session: AsyncSession, raw: str, new_password: str) -> User:
        user = await self._consume(session, raw, ActionTokenPurpose.RESET_PASSWORD)
        passwords.validate(new_password, email=user.email, display_name=user.display_name)
        await self._set_password(session, user, new_password, reason="password_reset")
        # The link proved control of the mailbox.
        user.email_verified_at = user.email_verified_at or utcnow()
        return user

    async def _set_password(
        self, session: AsyncSession, user: User, password: str, *, reason: str
    ) -> None:
        now = utcnow()
        user.password_hash = await asyncio.to_thread(passwords.hash_password, password)
        user.password_changed_at = now
        await session_repository.revoke_all(session, user.id, now, reason)
        await action_token_repository.invalidate_all(
            session, user.id, ActionTokenPurpose.RESET_PASSWORD, now
        )
        effects.disconnect_user(user.id)

    async def change_password(
        self,
        session: AsyncSession,
        actor: Actor,
        current_password: str,
        new_password: str,
        client: ClientInfo,
    ) -> AuthResult:
        """Change the password, sign out every session, and start a fresh one here."""
        user = await user_repository.get_for_update(session, actor.id)
        if user is None:
            raise InvalidToken()
        ok = await asyncio.to_thread(passwords.verify, user.password_hash, current_password)
        if not ok:
            raise ValidationFailed("Your current password is incorrect.", field="current_password")
        passwords.validate(new_password, email=user.email, display_name=user.display_name)
        await self._set_password(session, user, new_password, reason="password_changed")
        return await self._start_session(session, user, client)

    # -- profile -------------------------------------------------------------

    async def get_user(self, session: AsyncSession, user_id: uuid.UUID) -> User:
        user = await user_repository.get(session, user_id)
        if user is None or user.disabled_at is not None:
            raise NotFound("That user does not exist.")
        return user

    async def is_first_visit(self, session: AsyncSession, actor: Actor | None) -> bool:
        """Whether the signed-in user is new here, to be welcomed rather than
        welcomed back: this session is the only one the account has had (from
        sign-up, or the first sign-in of an account an admin made), and it
        started less than FIRST_VISIT ago."""
        if actor is None:
            return False
        first = await session_repository.first_ids(session, actor.id, 2)
        return (
            len(first) == 1
            and first[0][0] == actor.session_id
            and utcnow() - first[0][1] < FIRST_VISIT
        )

    async def profile_stats(self, session: AsyncSession, user_id: uuid.UUID) -> ProfileStats:
        followers, following = await follow_repository.counts(session, user_id)
        return ProfileStats(followers=followers, following=following)

    async def update_profile(
        self, session: AsyncSession, actor: Actor, data: ProfileUpdate
    ) -> User:
        user = await user_repository.get_for_update(session, actor.id)
        if user is None:
            raise InvalidToken()
        if data.display_name is not None:
            name = clean_display_name(data.display_name)
            if name != user.display_name:
                user.display_name = name
                # Videos are found by their creator's name too.
                await search_service.reindex_owner(session, user.id)
        if data.bio is not None:
            user.bio = data.bio
        if data.time_zone is not None:
            if data.time_zone not in time_zones():
                raise BadRequest(
                    "Choose a time zone from the list.", code="unknown_time_zone", field="time_zone"
                )
            user.time_zone = data.time_zone
        return user

    async def set_avatar(self, session: AsyncSession, actor: Actor, data: bytes) -> User:
        settings = get_settings()
        image = await asyncio.to_thread(process_avatar, data, max_bytes=settings.max_avatar_bytes)
        user = await user_repository.get_for_update(session, actor.id)
        if user is None:
            raise InvalidToken()
        storage = storage_from_settings(settings)
        key = f"avatars/{user.id}/{new_token(9)}.webp"
        await asyncio.to_thread(storage.put_bytes, key, image)
        effects.on_rollback(lambda: storage.delete(key))
        old = user.avatar_key
        if old:
            effects.after_commit(lambda: asyncio.to_thread(storage.delete, old))
        user.avatar_key = key
        return user

    async def remove_avatar(self, session: AsyncSession, actor: Actor) -> User:
        user = await user_repository.get_for_update(session, actor.id)
        if user is None:
            raise InvalidToken()
        old = user.avatar_key
        if old:
            storage = storage_from_settings(get_settings())
            effects.after_commit(lambda: asyncio.to_thread(storage.delete, old))
        user.avatar_key = None
        return user

    async def list_categories(self, session: AsyncSession) -> list[Category]:
        return await category_repository.list_all(session)

    async def favourite_category_slugs(self, session: AsyncSession, user_id: uuid.UUID) -> set[str]:
        user = await user_repository.get_with_categories(session, user_id)
        return {c.slug for c in user.favourite_categories} if user else set()

    async def set_favourite_categories(
        self, session: AsyncSession, actor: Actor, slugs: list[str]
    ) -> User:
        """Save the onboarding choice of categories (unknown slugs are an error)."""
        all_categories = {c.slug: c for c in await category_repository.list_all(session)}
        unknown = [s for s in slugs if s not in all_categories]
        if unknown:
            raise ValidationFailed(f"Unknown category: {unknown[0]}", field="categories")
        if len(slugs) > len(all_categories):
            raise ValidationFailed("Too many categories.", field="categories")
        await user_repository.set_favourite_categories(
            session, actor.id, [all_categories[s].id for s in slugs]
        )
        user = await user_repository.get_for_update(session, actor.id)
        if user is None:
            raise InvalidToken()
        user.onboarded_at = user.onboarded_at or utcnow()
        await session.flush()
        loaded = await user_repository.get_with_categories(session, actor.id)
        assert loaded is not None
        return loaded

    # -- following -----------------------------------------------------------

    async def follow(self, session: AsyncSession, actor: Actor, user_id: uuid.UUID) -> User:
        if user_id == actor.id:
            raise BadRequest("You cannot follow yourself.", code="cannot_follow_self")
        target = await self.get_user(session, user_id)
        if await follow_repository.get(session, actor.id, user_id) is None:
            now = utcnow()
            session.add(Follow(follower_id=actor.id, followee_id=user_id, created_at=now))
            await session.flush()  # a concurrent follow fails here, before the signal
            await follow_changed.send(session, FollowChange(actor.id, user_id, 1, now))
            effects.publish(
                f"user:{user_id}",
                "follow.created",
                {"followerId": str(actor.id), "followerName": actor.user.display_name},
            )
        return target

    async def unfollow(self, session: AsyncSession, actor: Actor, user_id: uuid.UUID) -> User:
        target = await self.get_user(session, user_id)
        if await follow_repository.remove(session, actor.id, user_id):
            await follow_changed.send(session, FollowChange(actor.id, user_id, -1, utcnow()))
        return target

    async def is_following(
        self, session: AsyncSession, actor: Actor | None, user_id: uuid.UUID
    ) -> bool:
        if actor is None:
            return False
        return await follow_repository.get(session, actor.id, user_id) is not None

    # -- roles and administration -------------------------------------------

    async def request_creator(self, session: AsyncSession, actor: Actor) -> User:
        """Ask to become a creator; approved at once when the site is configured so."""
        user = await user_repository.get_for_update(session, actor.id)
        if user is None:
            raise InvalidToken()
        if user.role is not Role.VIEWER:
            raise Conflict("You can already upload videos.", code="already_creator")
        if get_settings().auto_approve_creators:
            user.role = Role.CREATOR
            user.creator_requested_at = None
        else:
            user.creator_requested_at = user.creator_requested_at or utcnow()
        effects.publish(f"user:{user.id}", "account.updated", {"role": user.role.value})
        return user

    async def list_users(
        self, session: AsyncSession, actor: Actor, *, pending_creators: bool = False
    ) -> list[User]:
        _require_admin(actor)
        return await user_repository.list_recent(session, pending_creators=pending_creators)

    async def set_role(
        self, session: AsyncSession, actor: Actor | None, user_id: uuid.UUID, role: Role
    ) -> User:
        """Change a role (admins only; `actor=None` is the command line).

        Live sockets are closed so they reconnect with the new rights.
        """
        if actor is not None:
            _require_admin(actor)
            if actor.id == user_id:
                raise BadRequest("You cannot change your own role.", code="own_role")
        user = await user_repository.get_for_update(session, user_id)
        if user is None:
            raise NotFound("That user does not exist.")
        if user.role is not role:
            user.role = role
            effects.disconnect_user(user.id)
        user.creator_requested_at = None
        return user

    async def set_disabled(
        self, session: AsyncSession, actor: Actor | None, user_id: uuid.UUID, disabled: bool
    ) -> User:
        if actor is not None:
            _require_admin(actor)
            if actor.id == user_id:
                raise BadRequest("You cannot disable your own account.", code="own_account")
        user = await user_repository.get_for_update(session, user_id)
        if user is None:
            raise NotFound("That user does not exist.")
        now = utcnow()
        if disabled and user.disabled_at is None:
            user.disabled_at = now
            await session_repository.revoke_all(session, user.id, now, "disabled")
            effects.disconnect_user(user.id)
        elif not disabled:
            user.disabled_at = None
        return user

    async def create_user(
        self,
        session: AsyncSession,
        *,
        email: str,
        password: str,
        role: Role,
        display_name: str | None = None,
        verified: bool = True,
        check_password: bool = True,
    ) -> User:
        """Create an account directly (command line and demo data)."""
        address = normalize_email(email)
        name = clean_display_name(display_name or address.split("@")[0])
        if check_password:
            passwords.validate(password, email=address, display_name=name)
        if await user_repository.get_by_email(session, address) is not None:
            raise AppError("An account with that e-mail already exists.", code="email_taken")
        now = utcnow()
        user = User(
            email=address,
            password_hash=await asyncio.to_thread(passwords.hash_password, password),
            password_changed_at=now,
            display_name=name,
            bio="",
            role=role,
            email_verified_at=now if verified else None,
            onboarded_at=now,
        )
        session.add(user)
        await session.flush()
        return user

    async def get_by_email(self, session: AsyncSession, email: str) -> User:
        user = await user_repository.get_by_email(session, normalize_email(email))
        if user is None:
            raise NotFound("No account with that e-mail.")
        return user


def _require_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise PermissionDenied()


def avatar_url(user: User) -> str | None:
    if not user.avatar_key:
        return None
    return storage_from_settings(get_settings()).url(user.avatar_key)


account_service = AccountService()
