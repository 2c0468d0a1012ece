"""What the account domain tells others (see `cosmostream.signals`)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cosmostream.signals import Signal


@dataclass(frozen=True)
class ProviderSignIn:
    """A user signed in (or signed up) through an OpenID Connect provider.

    `issuer` is the verified `iss` of the ID token and `claims` its verified
    claims (`hd` for a Google Workspace domain, `email`, `email_verified`, …);
    organizations place the user in a seat from them.
    """

    user_id: uuid.UUID
    issuer: str
    subject: str
    claims: dict[str, Any] = field(default_factory=dict)
    new_account: bool = False


signed_in_with_provider: Signal[ProviderSignIn] = Signal("account.signed_in_with_provider")


@dataclass(frozen=True)
class FollowChange:
    """`follower_id` started (+1) or stopped (-1) following `followee_id`;
    sent only when the follow really changed."""

    follower_id: uuid.UUID
    followee_id: uuid.UUID
    delta: int
    at: datetime


follow_changed: Signal[FollowChange] = Signal("account.follow_changed")
