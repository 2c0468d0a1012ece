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
from cosmostream.models.video import Upload, Video, VideoStatus, VideoTag, Visibility

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
    "Upload",
    "User",
    "UserFavouriteCategory",
    "Video",
    "VideoStatus",
    "VideoTag",
    "Visibility",
]
