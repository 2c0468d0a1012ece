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
from cosmostream.models.engagement import (
    Comment,
    CommentReport,
    CreatorRanking,
    Notification,
    PlaybackEvent,
    PlaybackState,
    SavedVideo,
    StaffPick,
    VideoDailyStats,
    VideoLike,
    WatchHistory,
)
from cosmostream.models.video import Upload, Video, VideoStatus, VideoTag, Visibility

__all__ = [
    "ActionToken",
    "ActionTokenPurpose",
    "AuthSession",
    "Base",
    "Category",
    "Comment",
    "CommentReport",
    "CreatorRanking",
    "Follow",
    "Notification",
    "PlaybackEvent",
    "PlaybackState",
    "RefreshToken",
    "Role",
    "SavedVideo",
    "StaffPick",
    "ThrottleBucket",
    "Upload",
    "User",
    "UserFavouriteCategory",
    "Video",
    "VideoDailyStats",
    "VideoLike",
    "VideoStatus",
    "VideoTag",
    "Visibility",
    "WatchHistory",
]
