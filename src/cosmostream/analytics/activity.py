"""What viewers do on a channel, from engagement's and account's signals.

Each receiver writes one `ChannelActivity` row in the sender's unit of work:
likes, saves, comments and shares of a video (owner = the video's owner),
follows of a creator (owner = the followee). Undoing writes a -1 row rather
than deleting the +1, so "likes in March" stays what happened in March and
followers gained and lost are both visible. Senders only signal real
changes (a second like is no like), so the sums are exact.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from cosmostream.account.signals import FollowChange, follow_changed
from cosmostream.analytics.activity_repository import activity_repository
from cosmostream.engagement.signals import (
    VideoAction,
    comment_posted,
    video_liked,
    video_saved,
    video_shared,
)
from cosmostream.models import ChannelActivity
from cosmostream.signals import AnyReceiver, Handler, Receiver


class ActivityKind:
    LIKE = "like"
    SAVE = "save"
    COMMENT = "comment"
    SHARE = "share"
    FOLLOW = "follow"


def _on_video(kind: str) -> Handler[VideoAction]:
    async def receive(session: AsyncSession, action: VideoAction) -> None:
        activity_repository.add(
            session,
            ChannelActivity(
                owner_id=action.owner_id,
                video_id=action.video_id,
                user_id=action.user_id,
                kind=kind,
                delta=action.delta,
                at=action.at,
            ),
        )

    return receive


on_like = _on_video(ActivityKind.LIKE)
on_save = _on_video(ActivityKind.SAVE)
on_comment = _on_video(ActivityKind.COMMENT)
on_share = _on_video(ActivityKind.SHARE)


async def on_follow(session: AsyncSession, change: FollowChange) -> None:
    activity_repository.add(
        session,
        ChannelActivity(
            owner_id=change.followee_id,
            video_id=None,
            user_id=change.follower_id,
            kind=ActivityKind.FOLLOW,
            delta=change.delta,
            at=change.at,
        ),
    )


RECEIVERS: tuple[AnyReceiver, ...] = (
    Receiver(video_liked, on_like),
    Receiver(video_saved, on_save),
    Receiver(comment_posted, on_comment),
    Receiver(video_shared, on_share),
    Receiver(follow_changed, on_follow),
)
