"""All tables. Importing this module registers every model on `Base.metadata`."""

from cosmostream.models.account import (
    ActionToken,
    ActionTokenPurpose,
    AuthSession,
    Category,
    Follow,
    RefreshToken,
    Role,
    ThrottleBucket,
    User,
    UserFavouriteCategory,
)
from cosmostream.models.base import Base

__all__ = [
    "ActionToken",
    "ActionTokenPurpose",
    "AuthSession",
    "Base",
    "Category",
    "Follow",
    "RefreshToken",
    "Role",
    "ThrottleBucket",
    "User",
    "UserFavouriteCategory",
]
