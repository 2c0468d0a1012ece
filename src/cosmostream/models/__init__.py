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
from cosmostream.models.chat import ChatMessage
from cosmostream.models.engagement import (
    Comment,
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
from cosmostream.models.forum import ForumCategory, Post, PostLike, Thread
from cosmostream.models.ingest import IngestState
from cosmostream.models.launch import Launch, LaunchFollow
from cosmostream.models.mission import HorizonsTable, Mission, SatelliteElements
from cosmostream.models.moderation import Report
from cosmostream.models.news import (
    NewsArticle,
    NewsArticleLaunch,
    NewsArticleMission,
    NewsArticleTopic,
)
from cosmostream.models.video import Upload, Video, VideoStatus, VideoTag, Visibility
from cosmostream.models.watch_party import WatchParty, WatchPartyMember

__all__ = [
    "ActionToken",
    "ActionTokenPurpose",
    "AuthSession",
    "Base",
    "Category",
    "ChatMessage",
    "Comment",
    "CreatorRanking",
    "Follow",
    "ForumCategory",
    "HorizonsTable",
    "IngestState",
    "Launch",
    "LaunchFollow",
    "Mission",
    "NewsArticle",
    "NewsArticleLaunch",
    "NewsArticleMission",
    "NewsArticleTopic",
    "Notification",
    "PlaybackEvent",
    "PlaybackState",
    "Post",
    "PostLike",
    "RefreshToken",
    "Report",
    "Role",
    "SatelliteElements",
    "SavedVideo",
    "StaffPick",
    "Thread",
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
    "WatchParty",
    "WatchPartyMember",
]
