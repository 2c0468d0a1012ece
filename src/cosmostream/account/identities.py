"""Sign-in through OpenID Connect providers: which account a verified ID token
opens, linking and unlinking.

Accounts are found by the token's (issuer, subject), never by e-mail alone.
A new identity (signed out) must come with an address its provider verified:
an unverified one is refused before anything is looked up or written, so
nobody creates an account holding someone else's address for its owner to
"recover" later (pre-account hijacking). An existing account is linked to a
new identity only when its owner is signed in (linking from /settings), or,
for Google alone, when both the account's address and Google's are verified
and equal: an organization's own provider could assert any address. Anything
else that meets a taken address is refused without saying more than sign-up
does.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from cosmostream.account import signals, throttle
from cosmostream.account.errors import UserNotFound
from cosmostream.account.oidc import Provider, SignInFailed, email_verified
from cosmostream.account.repository import identity_repository, user_repository
from cosmostream.account.schemas import Actor, AuthResult, ClientInfo, normalize_email
from cosmostream.account.service import account_service
from cosmostream.db import Database
from cosmostream.errors import AppError, Conflict, NotFound
from cosmostream.kit.time import utcnow
from cosmostream.models import Role, User, UserIdentity


class EmailInUse(AppError):
    status = 409
    code = "identity_email_taken"

    def __init__(self, provider: Provider) -> None:
        super().__init__(
            f"We could not sign you in with {provider.name}: an account may already use "
            "this e-mail address. Sign in with your password, then link "
            f"{provider.name} from your settings."
        )


class EmailUnverified(AppError):
    status = 403
    code = "identity_email_unverified"

    def __init__(self, provider: Provider) -> None:
        super().__init__(
            f"We could not sign you in with {provider.name}: {provider.name} has not "
            "verified your e-mail address. Verify it at "
            f"{provider.name} and try again, or sign up with your e-mail address and a "
            f"password (if you have an account, sign in with your password and link "
            f"{provider.name} from your settings)."
        )


class IdentityInUse(Conflict):
    code = "identity_linked_elsewhere"
    message = "That sign-in is already linked to another account."


class LastSignIn(Conflict):
    code = "last_sign_in"
    message = (
        "This is the only way to sign in to your account. Set a password (use "
        "“Forgot your password?”) or link another sign-in first."
    )


@dataclass(frozen=True)
class ProviderOutcome:
    user: User
    # A new session, or None when a signed-in user linked the identity.
    auth: AuthResult | None
    new_account: bool


def _display_name(claims: dict[str, Any], email: str) -> str:
    for candidate in (claims.get("name"), email.split("@")[0]):
        if isinstance(candidate, str):
            name = " ".join(candidate.split())[:80]
            if name:
                return name
    return "Stargazer"


class IdentityService:
    async def sign_in(
        self,
        db: Database,
        provider: Provider,
        claims: dict[str, Any],
        client: ClientInfo,
        *,
        link_user_id: uuid.UUID | None = None,
    ) -> ProviderOutcome:
        """Open (or link) the account of verified ID token claims, in one unit of work.

        `signed_in_with_provider` is sent in the same unit of work, so what its
        receivers write (an organization seat) commits with the sign-in. Two
        first sign-ins racing for one identity or one address: the loser's
        insert breaks a unique constraint, and its second try finds the
        winner's rows.
        """
        try:
            outcome = await self._sign_in(db, provider, claims, client, link_user_id)
        except IntegrityError:
            outcome = await self._sign_in(db, provider, claims, client, link_user_id)
        if outcome.new_account:
            # Accounts made through a provider count as sign-ups of the address.
            await throttle.Throttle(db).hit((throttle.SIGNUP_IP, client.ip))
        return outcome

    async def _sign_in(
        self,
        db: Database,
        provider: Provider,
        claims: dict[str, Any],
        client: ClientInfo,
        link_user_id: uuid.UUID | None,
    ) -> ProviderOutcome:
        issuer, subject = str(claims["iss"]), str(claims["sub"])
        raw_email = claims.get("email")
        verified = email_verified(claims)
        now = utcnow()
        async with db.unit_of_work() as session:
            identity = await identity_repository.get_by_subject(session, issuer, subject)
            new_account = False
            if link_user_id is not None:
                user = await self._user(session, link_user_id)
                if identity is not None and identity.user_id != user.id:
                    raise IdentityInUse()
            elif identity is not None:
                user = await self._user(session, identity.user_id)
            else:
                if not isinstance(raw_email, str) or not raw_email:
                    raise SignInFailed(f"{provider.name} did not share your e-mail address.")
                try:
                    email = normalize_email(raw_email)
                except AppError:
                    raise SignInFailed(
                        f"{provider.name} sent an unusable e-mail address."
                    ) from None
                if not verified:
                    # Refused whether or not the address is taken: the answer tells
                    # nobody which addresses have accounts.
                    raise EmailUnverified(provider)
                existing = await user_repository.get_by_email(session, email)
                if existing is not None:
                    # Google and the account must both vouch for the address; any
                    # other provider links only from the owner's settings.
                    if not provider.vouches_for_email or existing.email_verified_at is None:
                        raise EmailInUse(provider)
                    user = await self._user(session, existing.id)
                else:
                    await throttle.Throttle(db).check((throttle.SIGNUP_IP, client.ip))
                    user = User(
                        email=email,
                        password_hash=None,
                        display_name=_display_name(claims, email),
                        bio="",
                        role=Role.VIEWER,
                        email_verified_at=now,
                    )
                    session.add(user)
                    await session.flush()
                    new_account = True
            if identity is None:
                identity = UserIdentity(
                    user_id=user.id, issuer=issuer, subject=subject, created_at=now
                )
                session.add(identity)
            identity.email = raw_email[:320] if isinstance(raw_email, str) else ""
            identity.email_verified = verified
            identity.last_used_at = now
            auth: AuthResult | None = None
            if link_user_id is None:
                user.last_login_at = now
                auth = await account_service._start_session(session, user, client)
            await session.flush()
            await signals.signed_in_with_provider.send(
                session,
                signals.ProviderSignIn(
                    user_id=user.id,
                    issuer=issuer,
                    subject=subject,
                    claims=dict(claims),
                    new_account=new_account,
                ),
            )
            return ProviderOutcome(user=user, auth=auth, new_account=new_account)

    async def _user(self, session: AsyncSession, user_id: uuid.UUID) -> User:
        user = await user_repository.get_for_update(session, user_id)
        if user is None:
            raise UserNotFound()
        if user.disabled_at is not None:
            raise SignInFailed("This account is disabled.", status=403, code="account_disabled")
        return user

    async def list_identities(self, session: AsyncSession, actor: Actor) -> list[UserIdentity]:
        return await identity_repository.list_for_user(session, actor.id)

    async def unlink(self, session: AsyncSession, actor: Actor, identity_id: uuid.UUID) -> None:
        """Forget one of the actor's identities, never their last way in."""
        user = await user_repository.get_for_update(session, actor.id)
        identity = await identity_repository.get_for_update(session, identity_id)
        if user is None or identity is None or identity.user_id != actor.id:
            raise NotFound("That sign-in does not exist.")
        others = await identity_repository.list_for_user(session, actor.id)
        if user.password_hash is None and len(others) <= 1:
            raise LastSignIn()
        await identity_repository.delete(session, identity)


identity_service = IdentityService()
