"""GraphQL for engagement: likes, saves, comments, playback, the viewer's library.

Engagement extends two hubs (graphql/hubs.py): `Video` with its counters and the
viewer's likes, saves, position and comments, `Me` with the viewer's library.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from enum import Enum

import strawberry

from cosmostream.engagement.errors import CommentNotFound
from cosmostream.engagement.schemas import (
    VIEWER_COOKIE,
    CommentThread,
    HistoryItem,
    PlaybackEventKind,
    playback_context,
)
from cosmostream.engagement.schemas import CommentSort as CommentSortModel
from cosmostream.engagement.schemas import FollowedCreator as FollowedCreatorModel
from cosmostream.engagement.service import (
    can_delete_comment,
    can_edit_comment,
    engagement_service,
    viewer_key,
)
from cosmostream.graphql.context import Info
from cosmostream.graphql.hubs import Me, User, Video, VideoConnection, video_connection
from cosmostream.graphql.relay import Connection, Edge, connection, page_info
from cosmostream.kit.ids import require_uuid
from cosmostream.models import Comment as CommentModel
from cosmostream.models import Video as VideoModel
from cosmostream.video.errors import VideoNotFound


@strawberry.enum(name="PlaybackEvent")
class PlaybackEventGql(Enum):
    START = "start"
    HEARTBEAT = "heartbeat"
    PAUSE = "pause"
    SEEK = "seek"
    END = "end"


@strawberry.input(description="What the player knows about a playback event besides its position.")
class PlaybackContextInput:
    referrer: str | None = strawberry.field(
        default=None, description="The watch page's document.referrer (on START)."
    )
    src: str | None = strawberry.field(
        default=None, description="The watch page URL's `src` parameter (on START)."
    )
    rung: int | None = strawberry.field(
        default=None, description="The height of the quality level being played."
    )
    at: datetime | None = strawberry.field(
        default=None,
        description="When the event happened, for events queued while offline "
        "(clamped to the previous event and now; older than 24 h counts as now).",
    )


@strawberry.enum
class CommentSort(Enum):
    NEWEST = "newest"
    TOP = "top"


@strawberry.type(description="A comment, or a reply to one (replies are one level deep).")
class Comment:
    model: strawberry.Private[CommentModel]
    video_owner_id: strawberry.Private[uuid.UUID]
    reply_models: strawberry.Private[list[CommentModel]]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.model.id))

    @strawberry.field(description="Plain text; null once deleted (a placeholder kept for replies).")
    def body(self) -> str | None:
        return None if self.model.deleted_at else self.model.body

    @strawberry.field
    def deleted(self) -> bool:
        return self.model.deleted_at is not None

    @strawberry.field
    async def author(self, info: Info) -> User | None:
        if self.model.deleted_at is not None:
            return None
        user = await info.context.loaders.users.load(self.model.author_id)
        return User(model=user) if user else None

    @strawberry.field
    def video_id(self) -> strawberry.ID:
        return strawberry.ID(str(self.model.video_id))

    @strawberry.field
    def parent_id(self) -> strawberry.ID | None:
        return strawberry.ID(str(self.model.parent_id)) if self.model.parent_id else None

    @strawberry.field
    def created_at(self) -> datetime:
        return self.model.created_at

    @strawberry.field
    def edited_at(self) -> datetime | None:
        return self.model.edited_at

    @strawberry.field
    def reply_count(self) -> int:
        return self.model.reply_count

    @strawberry.field(description="The first replies, oldest first (at most 50; see replyCount).")
    def replies(self) -> list[Comment]:
        return [
            Comment(model=r, video_owner_id=self.video_owner_id, reply_models=[])
            for r in self.reply_models
        ]

    @strawberry.field
    def viewer_can_edit(self, info: Info) -> bool:
        return can_edit_comment(info.context.actor, self.model)

    @strawberry.field
    def viewer_can_delete(self, info: Info) -> bool:
        return can_delete_comment(info.context.actor, self.model, self.video_owner_id)


def _thread(thread: CommentThread) -> Comment:
    return Comment(
        model=thread.comment, video_owner_id=thread.video_owner_id, reply_models=thread.replies
    )


@strawberry.type
class HistoryEntry:
    item: strawberry.Private[HistoryItem]

    @strawberry.field
    def video(self) -> Video:
        return Video(model=self.item.video)

    @strawberry.field(description="Where the viewer stopped, in seconds.")
    def position(self) -> float:
        return round(self.item.entry.position, 3)

    @strawberry.field(description="Watch time measured by the server, in seconds.")
    def watched_seconds(self) -> float:
        return round(self.item.entry.watched_seconds, 3)

    @strawberry.field
    def completed(self) -> bool:
        return self.item.entry.completed

    @strawberry.field(description="0..1 of the video watched up to `position`.")
    def progress(self) -> float:
        return round(self.item.progress, 4)

    @strawberry.field
    def watched_at(self) -> datetime:
        return self.item.entry.updated_at


# Named after the list, not after the node type (HistoryEntryEdge).
@strawberry.type
class HistoryEdge(Edge[HistoryEntry]):
    pass


@strawberry.type
class HistoryConnection(Connection[HistoryEntry]):
    edges: Sequence[HistoryEdge]


@strawberry.type
class FollowingEdge(Edge[User]):
    item: strawberry.Private[FollowedCreatorModel]

    @strawberry.field
    def followed_at(self) -> datetime:
        return self.item.followed_at

    @strawberry.field(description="Their most recently published public video.")
    def latest_video(self) -> Video | None:
        return Video(model=self.item.latest_video) if self.item.latest_video else None


@strawberry.type
class FollowingConnection(Connection[User]):
    edges: Sequence[FollowingEdge]


@strawberry.type
class PlaybackResult:
    recorded: bool = strawberry.field(
        description="False when the event came less than a second after the previous one: "
        "it still moved the player state, but was not stored raw."
    )
    counted_view: bool = strawberry.field(description="This event made a view count.")
    watched_seconds: float = strawberry.field(description="Watch time this event added.")
    view_count: int


@strawberry.type
class DeleteCommentPayload:
    video_id: strawberry.ID
    placeholder: bool = strawberry.field(
        description="True when the comment stays as a deleted placeholder above its replies."
    )


async def _viewer_state(info: Info, video: VideoModel) -> tuple[bool, bool, float | None]:
    """(liked, saved, position) for the signed-in viewer, batched per request."""
    actor = info.context.actor
    if actor is None:
        return False, False, None
    state = await info.context.loaders.viewer_states.load((actor.id, video.id))
    return state.liked, state.saved, state.position


@strawberry.type
class VideoEngagementFields(Video):
    """What engagement adds to `Video`."""

    @strawberry.field
    def view_count(self) -> int:
        return self.model.view_count

    @strawberry.field
    def like_count(self) -> int:
        return self.model.like_count

    @strawberry.field
    def comment_count(self) -> int:
        return self.model.comment_count

    @strawberry.field(description="Whether you like it (false when signed out).")
    async def viewer_has_liked(self, info: Info) -> bool:
        return (await _viewer_state(info, self.model))[0]

    @strawberry.field(description="Whether it is in your saved videos (false when signed out).")
    async def viewer_has_saved(self, info: Info) -> bool:
        return (await _viewer_state(info, self.model))[1]

    @strawberry.field(description="Where you stopped watching it, in seconds (null if never).")
    async def viewer_position(self, info: Info) -> float | None:
        return (await _viewer_state(info, self.model))[2]

    @strawberry.field(description="Top-level comments with their first replies (newest first).")
    async def comments(
        self,
        info: Info,
        first: int = 20,
        after: str | None = None,
        sort: CommentSort | None = None,
    ) -> Connection[Comment]:
        order = CommentSortModel(sort.value) if sort else CommentSortModel.NEWEST
        async with info.context.db.read() as session:
            page = await engagement_service.list_comments(
                session, info.context.actor, self.model.id, first=first, after=after, sort=order
            )
        return connection(page, _thread)


@strawberry.type
class MeEngagementFields(Me):
    """What engagement adds to `Me`: the viewer's library."""

    @strawberry.field(description="Videos you watched, most recently watched first.")
    async def history(
        self, info: Info, first: int = 20, after: str | None = None
    ) -> HistoryConnection:
        async with info.context.db.read() as session:
            page = await engagement_service.history(
                session, self.as_actor(), first=first, after=after
            )
        edges = [
            HistoryEdge(cursor=c, node=HistoryEntry(item=i))
            for i, c in zip(page.items, page.cursors, strict=True)
        ]
        return HistoryConnection(edges=edges, page_info=page_info(page))

    @strawberry.field(description="Your saved videos, most recently saved first.")
    async def saved(self, info: Info, first: int = 20, after: str | None = None) -> VideoConnection:
        async with info.context.db.read() as session:
            page = await engagement_service.saved(
                session, self.as_actor(), first=first, after=after
            )
        cursors = {v.id: c for v, c in zip(page.items, page.cursors, strict=True)}
        return video_connection(page.items, lambda v: cursors[v.id], page.has_next)

    @strawberry.field(description="Creators you follow, most recently followed first.")
    async def following(
        self, info: Info, first: int = 20, after: str | None = None
    ) -> FollowingConnection:
        async with info.context.db.read() as session:
            page = await engagement_service.following(
                session, self.as_actor(), first=first, after=after
            )
        edges = [
            FollowingEdge(cursor=c, node=User(model=i.user), item=i)
            for i, c in zip(page.items, page.cursors, strict=True)
        ]
        return FollowingConnection(edges=edges, page_info=page_info(page))

    @strawberry.field(description="While true, what you watch is not added to your history.")
    def history_paused(self) -> bool:
        return self.model.history_paused


HUB_FIELDS = (VideoEngagementFields, MeEngagementFields)


@strawberry.type
class EngagementMutation:
    @strawberry.mutation(description="Like a video (liking twice is one like).")
    async def like_video(self, info: Info, video_id: strawberry.ID) -> Video:
        actor = info.context.require_actor()
        async with info.context.unit_of_work() as session:
            result = await engagement_service.like(
                session, actor, require_uuid(video_id, VideoNotFound)
            )
        return Video(model=result.video)

    @strawberry.mutation
    async def unlike_video(self, info: Info, video_id: strawberry.ID) -> Video:
        actor = info.context.require_actor()
        async with info.context.unit_of_work() as session:
            result = await engagement_service.unlike(
                session, actor, require_uuid(video_id, VideoNotFound)
            )
        return Video(model=result.video)

    @strawberry.mutation(description="Add a video to your saved videos.")
    async def save_video(self, info: Info, video_id: strawberry.ID) -> Video:
        actor = info.context.require_actor()
        async with info.context.unit_of_work() as session:
            result = await engagement_service.save(
                session, actor, require_uuid(video_id, VideoNotFound)
            )
        return Video(model=result.video)

    @strawberry.mutation
    async def unsave_video(self, info: Info, video_id: strawberry.ID) -> Video:
        actor = info.context.require_actor()
        async with info.context.unit_of_work() as session:
            result = await engagement_service.unsave(
                session, actor, require_uuid(video_id, VideoNotFound)
            )
        return Video(model=result.video)

    @strawberry.mutation(
        description="Comment on a video (1-5,000 characters), or reply with `parentId`; "
        "a reply to a reply joins the same thread."
    )
    async def add_comment(
        self,
        info: Info,
        video_id: strawberry.ID,
        body: str,
        parent_id: strawberry.ID | None = None,
    ) -> Comment:
        actor = info.context.require_actor()
        vid = require_uuid(video_id, VideoNotFound)
        parent = require_uuid(parent_id, CommentNotFound) if parent_id is not None else None
        async with info.context.unit_of_work() as session:
            posted = await engagement_service.add_comment(session, actor, vid, body, parent)
        return Comment(model=posted.comment, video_owner_id=posted.video_owner_id, reply_models=[])

    @strawberry.mutation(description="Change the text of your own comment.")
    async def edit_comment(self, info: Info, id: strawberry.ID, body: str) -> Comment:
        actor = info.context.require_actor()
        async with info.context.unit_of_work() as session:
            posted = await engagement_service.edit_comment(
                session, actor, require_uuid(id, CommentNotFound), body
            )
        return Comment(model=posted.comment, video_owner_id=posted.video_owner_id, reply_models=[])

    @strawberry.mutation(
        description="Delete a comment: its author, the video's creator or an admin."
    )
    async def delete_comment(self, info: Info, id: strawberry.ID) -> DeleteCommentPayload:
        actor = info.context.require_actor()
        async with info.context.unit_of_work() as session:
            done = await engagement_service.delete_comment(
                session, actor, require_uuid(id, CommentNotFound)
            )
        return DeleteCommentPayload(
            video_id=strawberry.ID(str(done.video_id)), placeholder=done.placeholder
        )

    @strawberry.mutation(description="Report a comment to the moderators (once; not your own).")
    async def report_comment(self, info: Info, id: strawberry.ID, reason: str = "") -> bool:
        actor = info.context.require_actor()
        async with info.context.unit_of_work() as session:
            await engagement_service.report_comment(
                session, actor, require_uuid(id, CommentNotFound), reason
            )
        return True

    @strawberry.mutation(
        description="A player event. The server measures watch time between events and "
        "counts views; see the API documentation for the rules."
    )
    async def record_playback(
        self,
        info: Info,
        video_id: strawberry.ID,
        position: float,
        event: PlaybackEventGql,
        context: PlaybackContextInput | None = None,
    ) -> PlaybackResult:
        actor = info.context.actor
        request = info.context.request
        cookie = request.cookies.get(VIEWER_COOKIE) if request is not None else None
        client = info.context.client
        viewer = viewer_key(actor, cookie=cookie, client=client)
        given = context or PlaybackContextInput()
        async with info.context.unit_of_work() as session:
            result = await engagement_service.record_playback(
                session,
                actor,
                viewer,
                require_uuid(video_id, VideoNotFound),
                position,
                PlaybackEventKind(event.value),
                playback_context(
                    referrer=given.referrer,
                    src=given.src,
                    rung=given.rung,
                    at=given.at,
                    user_agent=client.user_agent,
                ),
            )
        return PlaybackResult(
            recorded=result.recorded,
            counted_view=result.counted_view,
            watched_seconds=result.watched_seconds,
            view_count=result.view_count,
        )

    @strawberry.mutation(
        description="Count a share of a video (the Share dialog's copy or native share); "
        "anonymous viewers too. Counted once per viewer and video per hour: true when "
        "this one counted."
    )
    async def record_share(self, info: Info, video_id: strawberry.ID) -> bool:
        actor = info.context.actor
        request = info.context.request
        cookie = request.cookies.get(VIEWER_COOKIE) if request is not None else None
        viewer = viewer_key(actor, cookie=cookie, client=info.context.client)
        async with info.context.unit_of_work() as session:
            return await engagement_service.record_share(
                session, actor, viewer, require_uuid(video_id, VideoNotFound)
            )

    @strawberry.mutation(description="Remove one video from your watch history.")
    async def remove_from_history(self, info: Info, video_id: strawberry.ID) -> bool:
        actor = info.context.require_actor()
        async with info.context.unit_of_work() as session:
            await engagement_service.remove_from_history(
                session, actor, require_uuid(video_id, VideoNotFound)
            )
        return True

    @strawberry.mutation(description="Remove every video from your watch history.")
    async def clear_history(self, info: Info) -> bool:
        actor = info.context.require_actor()
        async with info.context.unit_of_work() as session:
            await engagement_service.clear_history(session, actor)
        return True

    @strawberry.mutation(description="Stop (or resume) recording what you watch.")
    async def set_history_paused(self, info: Info, paused: bool) -> Me:
        actor = info.context.require_actor()
        async with info.context.unit_of_work() as session:
            user = await engagement_service.set_history_paused(session, actor, paused)
        return Me(model=user, session_id=actor.session_id)


__all__ = ["EngagementMutation"]
