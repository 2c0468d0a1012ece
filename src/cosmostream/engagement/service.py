"""Engagement: likes, saves, comments and reports, playback and views, the viewer's library.

Rules in one place:
- Only signed-in users like, save, comment and report, and only on videos they
  may watch (`video.policy.can_view`); anyone who may watch a video plays it.
- Counters on the video (likes, comments, views, watch time) and the per-day
  statistics behind trending change in SQL, inside the caller's unit of work.
- Watch time is measured by the server between a viewer's events, never taken
  from the client: see `record_playback`.
"""

from __future__ import annotations

import hmac
import math
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from cosmostream.account.repository import follow_repository, user_repository
from cosmostream.account.schemas import Actor, ClientInfo, require_signed_in
from cosmostream.config import get_settings
from cosmostream.engagement.errors import AlreadyReported, CommentNotFound, OwnComment
from cosmostream.engagement.repository import (
    Keyset,
    comment_repository,
    history_repository,
    library_repository,
    playback_repository,
    share_repository,
    stats_repository,
)
from cosmostream.engagement.schemas import (
    COMPLETED_FRACTION,
    DEFAULT_PAGE,
    LATE_EVENT_LIMIT,
    MAX_CREDIT_SECONDS,
    MAX_PAGE,
    MIN_EVENT_GAP,
    REPLIES_PER_COMMENT,
    SESSION_GAP,
    SHARE_WINDOW,
    Activity,
    CommentSort,
    CommentThread,
    Dashboard,
    FollowedCreator,
    HistoryItem,
    PlaybackContext,
    PlaybackEventKind,
    PlaybackResult,
    PostedComment,
    VideoEngagement,
    ViewerState,
    WatchState,
    clean_comment_body,
    view_threshold,
)
from cosmostream.engagement.signals import (
    DashboardSections,
    PlaybackRecord,
    PlaybackStep,
    VideoAction,
    comment_posted,
    dashboard_sections,
    playback_recorded,
    playback_step,
    video_liked,
    video_saved,
    video_shared,
)
from cosmostream.errors import NotAuthenticated, PermissionDenied
from cosmostream.kit.crypto import hash_token, new_token
from cosmostream.kit.ids import uuid7
from cosmostream.kit.pagination import Page, decode_after, encode_cursor, page_size
from cosmostream.kit.time import aware, utcnow
from cosmostream.models import Comment, PlaybackEvent, User, Video
from cosmostream.moderation.schemas import ReportSubject
from cosmostream.moderation.service import moderation_service
from cosmostream.video.errors import VideoNotFound
from cosmostream.video.policy import can_view, viewable_clause
from cosmostream.video.repository import video_repository
from cosmostream.video.service import video_service

DASHBOARD_ROW = 12
ACTIVITY_ITEMS = 10
MAX_COMMENT_PAGE = 50
# Playback states idle this long can no longer affect a view; the raw events stay.
PLAYBACK_STATE_TTL = timedelta(days=2)


def _after(cursor: str | None, sort: str) -> Keyset | None:
    return decode_after(cursor, sort, datetime)


def viewer_key(actor: Actor | None, *, cookie: str | None, client: ClientInfo) -> str:
    """Who is watching, for counting views: the user, or an anonymous browser.

    Anonymous browsers carry a random `cs_viewer` cookie (set by the watch
    page); only its hash is stored. Without one (API clients, cookies off) the
    viewer is an HMAC of IP address and user agent, so raw addresses are never
    kept.
    """
    if actor is not None:
        return f"u:{actor.id}"
    if cookie and 16 <= len(cookie) <= 128:
        return "c:" + hash_token(cookie)[:40]
    secret = get_settings().secret_key
    mac = hmac.new(secret.encode(), f"{client.ip}\n{client.user_agent}".encode(), "sha256")
    return "h:" + mac.hexdigest()[:40]


def _event_time(at: datetime | None, previous: datetime, now: datetime) -> datetime:
    """When an event happened: the client's `at` for a queued event, clamped to
    [previous event, now]; `at` older than LATE_EVENT_LIMIT counts as now."""
    if at is None:
        return now
    # In UTC whatever offset the client wrote: hours and days are UTC hours and days.
    at = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
    if at < now - LATE_EVENT_LIMIT:
        return now
    return max(aware(previous), min(at, now))


def new_viewer_cookie() -> str:
    return new_token(16)


def can_edit_comment(actor: Actor | None, comment: Comment) -> bool:
    return actor is not None and comment.deleted_at is None and actor.id == comment.author_id


def can_delete_comment(actor: Actor | None, comment: Comment, video_owner_id: uuid.UUID) -> bool:
    """The author, the video's creator (moderating their own page) and admins."""
    if actor is None or comment.deleted_at is not None:
        return False
    return actor.id in (comment.author_id, video_owner_id) or actor.is_admin


@dataclass(frozen=True)
class DeletedComment:
    video_id: uuid.UUID
    # True when the comment stays as a "[deleted]" placeholder above its replies.
    placeholder: bool


class EngagementService:
    # -- likes and saves -------------------------------------------------------

    async def like(
        self, session: AsyncSession, actor: Actor | None, video_id: uuid.UUID
    ) -> VideoEngagement:
        """Like a video; liking it again changes nothing."""
        return await self._toggle(session, actor, video_id, like=True, on=True)

    async def unlike(
        self, session: AsyncSession, actor: Actor | None, video_id: uuid.UUID
    ) -> VideoEngagement:
        return await self._toggle(session, actor, video_id, like=True, on=False)

    async def save(
        self, session: AsyncSession, actor: Actor | None, video_id: uuid.UUID
    ) -> VideoEngagement:
        """Keep a video in the viewer's saved list (idempotent)."""
        return await self._toggle(session, actor, video_id, like=False, on=True)

    async def unsave(
        self, session: AsyncSession, actor: Actor | None, video_id: uuid.UUID
    ) -> VideoEngagement:
        return await self._toggle(session, actor, video_id, like=False, on=False)

    async def _toggle(
        self,
        session: AsyncSession,
        actor: Actor | None,
        video_id: uuid.UUID,
        *,
        like: bool,
        on: bool,
    ) -> VideoEngagement:
        actor = require_signed_in(actor)
        video = await video_service.get(session, actor, video_id)
        now = utcnow()
        delta = 1 if on else -1
        if like:
            changed = await (
                library_repository.add_like(session, actor.id, video.id, now)
                if on
                else library_repository.remove_like(session, actor.id, video.id)
            )
            if changed:
                await stats_repository.bump_video(session, video.id, likes=delta)
                await stats_repository.bump_daily(session, video.id, now.date(), likes=delta)
        elif on:
            changed = await library_repository.add_saved(session, actor.id, video.id, now)
        else:
            changed = await library_repository.remove_saved(session, actor.id, video.id)
        if changed:
            action = VideoAction(video.id, video.owner_id, actor.id, delta, now)
            await (video_liked if like else video_saved).send(session, action)
        fresh = await video_service.get(session, actor, video.id)
        states = await library_repository.viewer_states(session, actor.id, [video.id])
        return VideoEngagement(video=fresh, viewer=states.get(video.id, ViewerState()))

    async def viewer_states(
        self, session: AsyncSession, actor: Actor | None, video_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, ViewerState]:
        """The viewer's likes, saves and positions for many videos (empty when anonymous)."""
        if actor is None or not video_ids:
            return {}
        return await library_repository.viewer_states(session, actor.id, video_ids)

    # -- shares ----------------------------------------------------------------

    async def record_share(
        self, session: AsyncSession, actor: Actor | None, viewer: str, video_id: uuid.UUID
    ) -> bool:
        """Count a share of a video the viewer may watch (anonymous viewers too,
        by `viewer_key`): once per viewer and video per `SHARE_WINDOW`, so
        pressing Copy again does not inflate the creator's figures. True when
        this one counted."""
        video = await video_repository.get(session, video_id)
        if video is None or not can_view(actor, video):
            raise VideoNotFound()
        now = utcnow()
        counted = await share_repository.claim(
            session, f"share:{video.id}:{viewer}", now, SHARE_WINDOW
        )
        if counted:
            await video_shared.send(
                session, VideoAction(video.id, video.owner_id, actor.id if actor else None, 1, now)
            )
        return counted

    # -- comments --------------------------------------------------------------

    async def add_comment(
        self,
        session: AsyncSession,
        actor: Actor | None,
        video_id: uuid.UUID,
        body: str,
        parent_id: uuid.UUID | None = None,
    ) -> PostedComment:
        """Comment on a video, or reply to a comment. A reply to a reply joins
        the same thread: replies are one level deep."""
        actor = require_signed_in(actor)
        text = clean_comment_body(body)
        video = await video_service.get(session, actor, video_id)
        parent: Comment | None = None
        if parent_id is not None:
            parent = await comment_repository.get_for_update(session, parent_id)
            if parent is not None and parent.parent_id is not None:
                parent = await comment_repository.get_for_update(session, parent.parent_id)
            if parent is None or parent.video_id != video.id or parent.deleted_at is not None:
                raise CommentNotFound("The comment you replied to no longer exists.")
        now = utcnow()
        comment = Comment(
            video_id=video.id,
            author_id=actor.id,
            parent_id=parent.id if parent else None,
            body=text,
            reply_count=0,
            created_at=now,
        )
        session.add(comment)
        await session.flush()
        if parent is not None:
            await comment_repository.change_reply_count(session, parent.id, 1)
        await stats_repository.bump_video(session, video.id, comments=1)
        await stats_repository.bump_daily(session, video.id, now.date(), comments=1)
        await comment_posted.send(session, VideoAction(video.id, video.owner_id, actor.id, 1, now))
        found = await comment_repository.get_with_author(session, comment.id)
        assert found is not None
        return PostedComment(comment=found, video_owner_id=video.owner_id)

    async def _comment_and_video(
        self, session: AsyncSession, actor: Actor | None, comment_id: uuid.UUID
    ) -> tuple[Comment, Video]:
        """A live comment on a video the actor may see; not found otherwise."""
        comment = await comment_repository.get_for_update(session, comment_id)
        if comment is None or comment.deleted_at is not None:
            raise CommentNotFound()
        video = await video_repository.get(session, comment.video_id)
        if video is None or not can_view(actor, video):
            raise CommentNotFound()
        return comment, video

    async def edit_comment(
        self, session: AsyncSession, actor: Actor | None, comment_id: uuid.UUID, body: str
    ) -> PostedComment:
        """Change the text of one's own comment (marked as edited)."""
        actor = require_signed_in(actor)
        comment, video = await self._comment_and_video(session, actor, comment_id)
        if not can_edit_comment(actor, comment):
            raise PermissionDenied("Only its author can edit a comment.")
        text = clean_comment_body(body)
        if text != comment.body:
            comment.body = text
            comment.edited_at = utcnow()
        await session.flush()
        found = await comment_repository.get_with_author(session, comment.id)
        assert found is not None
        return PostedComment(comment=found, video_owner_id=video.owner_id)

    async def delete_comment(
        self, session: AsyncSession, actor: Actor | None, comment_id: uuid.UUID
    ) -> DeletedComment:
        """Delete a comment (author, the video's creator, or an admin).

        A top-level comment with replies stays as a "[deleted]" placeholder so
        the conversation under it keeps its context; when its last reply goes,
        the placeholder goes too.
        """
        actor = require_signed_in(actor)
        comment, video = await self._comment_and_video(session, actor, comment_id)
        if not can_delete_comment(actor, comment, video.owner_id):
            raise PermissionDenied("You can only delete your own comments.")
        now = utcnow()
        author_id = comment.author_id
        placeholder = comment.parent_id is None and comment.reply_count > 0
        if placeholder:
            comment.deleted_at = now
            comment.body = ""
        else:
            parent_id = comment.parent_id
            await session.delete(comment)
            await session.flush()
            if parent_id is not None:
                left = await comment_repository.change_reply_count(session, parent_id, -1)
                parent = await comment_repository.get(session, parent_id)
                if parent is not None and parent.deleted_at is not None and left <= 0:
                    await session.delete(parent)
        await stats_repository.bump_video(session, video.id, comments=-1)
        await stats_repository.bump_daily(session, video.id, now.date(), comments=-1)
        await comment_posted.send(
            session, VideoAction(video.id, video.owner_id, author_id, -1, now)
        )
        await session.flush()
        return DeletedComment(video_id=video.id, placeholder=placeholder)

    async def report_comment(
        self, session: AsyncSession, actor: Actor | None, comment_id: uuid.UUID, reason: str
    ) -> Comment:
        """Flag a comment for the moderators: once per user, never one's own."""
        actor = require_signed_in(actor)
        comment, _ = await self._comment_and_video(session, actor, comment_id)
        await moderation_service.report(
            session,
            actor,
            ReportSubject.COMMENT,
            comment.id,
            comment.author_id,
            reason,
            own=OwnComment(),
            again=AlreadyReported(),
        )
        return comment

    async def list_comments(
        self,
        session: AsyncSession,
        actor: Actor | None,
        video_id: uuid.UUID,
        *,
        first: int = DEFAULT_PAGE,
        after: str | None = None,
        sort: CommentSort = CommentSort.NEWEST,
        with_authors: bool = False,
    ) -> Page[CommentThread]:
        """Top-level comments (newest or most replied first) with their first
        replies, oldest first: two queries whatever the page size (three with
        authors)."""
        video = await video_repository.get(session, video_id)
        if video is None or not can_view(actor, video):
            raise VideoNotFound()
        return await self._comment_page(session, video, first, after, sort, with_authors)

    async def _comment_page(
        self,
        session: AsyncSession,
        video: Video,
        first: int,
        after: str | None,
        sort: CommentSort,
        with_authors: bool,
    ) -> Page[CommentThread]:
        first = page_size(first, MAX_COMMENT_PAGE)
        name = f"comments:{sort.value}"
        rows = await comment_repository.top_level_page(
            session,
            video.id,
            sort,
            limit=first + 1,
            after=(
                decode_after(after, name, int, int_bits=32)  # reply_count is an INTEGER
                if sort is CommentSort.TOP
                else _after(after, name)
            ),
            authors=with_authors,
        )
        top = rows[:first]
        replies = await comment_repository.first_replies(
            session,
            [c.id for c in top if c.reply_count > 0],
            REPLIES_PER_COMMENT,
            authors=with_authors,
        )
        by_parent: dict[uuid.UUID, list[Comment]] = {}
        for reply in replies:
            assert reply.parent_id is not None
            by_parent.setdefault(reply.parent_id, []).append(reply)
        threads = [
            CommentThread(comment=c, video_owner_id=video.owner_id, replies=by_parent.get(c.id, []))
            for c in top
        ]

        def cursor(c: Comment) -> str:
            key = c.reply_count if sort is CommentSort.TOP else c.created_at
            return encode_cursor(name, key, c.id)

        return Page(items=threads, cursors=[cursor(c) for c in top], has_next=len(rows) > first)

    # -- playback and views ----------------------------------------------------

    async def record_playback(
        self,
        session: AsyncSession,
        actor: Actor | None,
        viewer: str,
        video_id: uuid.UUID,
        position: float,
        event: PlaybackEventKind,
        context: PlaybackContext | None = None,
    ) -> PlaybackResult:
        """Record a player event and measure watch time on the server.

        Watch time is the time since the viewer's previous event while the
        player was playing (after START or HEARTBEAT), capped at one and a half
        heartbeat intervals: a client cannot claim more than real time, and
        SEEK, PAUSE and END stop the clock. Events less than 30 min apart make
        one viewer session (a reload carries it on); its view counts once, when
        its watch time reaches 30 s, or half of a video shorter than a minute.

        An event queued offline carries `context.at`, when it happened: it is
        taken clamped between the previous event and now (older than 24 h:
        now), and the time is measured between event times, so late watching
        lands when it happened and never adds up to more than real time.

        Signed-in viewers' history keeps their position unless they paused it.
        Events less than a second apart change the state but are not stored
        raw, so a flood cannot grow the event table.
        """
        context = context or PlaybackContext()
        video = await video_repository.get(session, video_id)
        if video is None or not can_view(actor, video):
            raise VideoNotFound()
        now = utcnow()
        duration = video.duration_seconds or 0.0
        pos = position if math.isfinite(position) else 0.0
        pos = max(0.0, min(pos, duration) if duration else pos)

        state, created = await playback_repository.lock_state(session, video.id, viewer, now)
        previous = state.last_event_at if not created else now - LATE_EVENT_LIMIT
        when = _event_time(context.at, previous, now)
        since = 0.0 if created else max(0.0, (when - state.last_event_at).total_seconds())
        frequent = not created and since < MIN_EVENT_GAP.total_seconds()
        new_session = (
            created
            or state.session_id is None
            or state.session_started_at is None
            or since >= SESSION_GAP.total_seconds()
        )
        playing = not created and not new_session and state.playing
        elapsed = min(since, MAX_CREDIT_SECONDS)
        watched = elapsed if playing else 0.0
        from_position = pos if created else state.last_position
        if new_session:
            state.session_id = uuid7()
            state.session_started_at = when
            state.pending_seconds = 0.0
        if actor is not None:
            await playback_step.send(
                session,
                PlaybackStep(
                    user_id=actor.id,
                    video_id=video.id,
                    duration=duration,
                    from_position=0.0 if created else state.last_position,
                    to_position=pos,
                    elapsed_seconds=0.0 if created else elapsed,
                    playing=not created and state.playing,
                    at=when,
                ),
            )
        state.last_event_at = when
        state.last_position = pos
        state.playing = event.plays
        state.pending_seconds += watched

        assert state.session_started_at is not None
        viewed = state.last_view_at is not None and state.last_view_at >= state.session_started_at
        counted = not viewed and state.pending_seconds >= view_threshold(duration)
        if counted:
            state.last_view_at = when

        if watched or counted:
            counts = await stats_repository.bump_video(
                session, video.id, views=int(counted), watch_seconds=watched
            )
            await stats_repository.bump_daily(
                session, video.id, when.date(), views=int(counted), watch_seconds=watched
            )
            view_count = counts.view_count
        else:
            view_count = video.view_count

        assert state.session_id is not None
        await playback_recorded.send(
            session,
            PlaybackRecord(
                video_id=video.id,
                owner_id=video.owner_id,
                user_id=actor.id if actor else None,
                viewer_key=viewer,
                session_id=state.session_id,
                new_session=new_session,
                at=when,
                t0=when - timedelta(seconds=since),
                t1=when - timedelta(seconds=since - watched),
                from_position=from_position,
                to_position=pos,
                seconds=watched,
                playing=playing,
                event=event.value,
                duration=duration,
                counted_view=counted,
                rung=context.rung,
                referrer=context.referrer,
                page_url=context.page_url,
                user_agent=context.user_agent,
            ),
        )

        if not frequent:
            playback_repository.add_event(
                session,
                PlaybackEvent(
                    video_id=video.id,
                    user_id=actor.id if actor else None,
                    viewer_key=viewer,
                    event=event.value,
                    position=pos,
                    watched_seconds=watched,
                    created_at=when,
                ),
            )
            if actor is not None and not actor.user.history_paused:
                completed = event is PlaybackEventKind.END or (
                    duration > 0 and pos >= COMPLETED_FRACTION * duration
                )
                await history_repository.upsert(
                    session,
                    actor.id,
                    video.id,
                    position=pos,
                    watched=watched,
                    completed=completed,
                    now=when,
                )
        await session.flush()
        return PlaybackResult(
            recorded=not frequent,
            counted_view=counted,
            watched_seconds=round(watched, 3),
            view_count=view_count,
        )

    async def prune_playback_states(self, session: AsyncSession) -> int:
        return await playback_repository.prune_states(session, utcnow() - PLAYBACK_STATE_TTL)

    # -- the viewer's library --------------------------------------------------

    async def history(
        self,
        session: AsyncSession,
        actor: Actor | None,
        *,
        first: int = DEFAULT_PAGE,
        after: str | None = None,
        unfinished: bool = False,
    ) -> Page[HistoryItem]:
        """Videos the viewer watched, most recently watched first. Videos they
        may no longer see (made private, deleted) are left out."""
        actor = require_signed_in(actor)
        first = page_size(first, MAX_PAGE)
        name = "history:unfinished" if unfinished else "history"
        rows = await history_repository.page(
            session,
            actor.id,
            viewable_clause(actor),
            limit=first + 1,
            after=_after(after, name),
            unfinished=unfinished,
        )
        items = [HistoryItem(video=v, entry=e) for e, v in rows[:first]]
        cursors = [encode_cursor(name, i.entry.updated_at, i.video.id) for i in items]
        return Page(items=items, cursors=cursors, has_next=len(rows) > first)

    async def remove_from_history(
        self, session: AsyncSession, actor: Actor | None, video_id: uuid.UUID
    ) -> None:
        actor = require_signed_in(actor)
        await history_repository.remove(session, actor.id, video_id)

    async def clear_history(self, session: AsyncSession, actor: Actor | None) -> int:
        actor = require_signed_in(actor)
        return await history_repository.clear(session, actor.id)

    async def set_history_paused(
        self, session: AsyncSession, actor: Actor | None, paused: bool
    ) -> User:
        """While paused, watching adds nothing to the history (views still count)."""
        actor = require_signed_in(actor)
        user = await user_repository.get_for_update(session, actor.id)
        if user is None:
            raise NotAuthenticated()
        user.history_paused = paused
        await session.flush()
        return user

    async def saved(
        self,
        session: AsyncSession,
        actor: Actor | None,
        *,
        first: int = DEFAULT_PAGE,
        after: str | None = None,
    ) -> Page[Video]:
        """Saved videos, most recently saved first; ones the viewer may no longer see are hidden."""
        actor = require_signed_in(actor)
        first = page_size(first, MAX_PAGE)
        rows = await library_repository.saved_page(
            session,
            actor.id,
            viewable_clause(actor),
            limit=first + 1,
            after=_after(after, "saved"),
        )
        page = rows[:first]
        cursors = [encode_cursor("saved", at, v.id) for at, v in page]
        return Page(items=[v for _, v in page], cursors=cursors, has_next=len(rows) > first)

    async def following(
        self,
        session: AsyncSession,
        actor: Actor | None,
        *,
        first: int = DEFAULT_PAGE,
        after: str | None = None,
    ) -> Page[FollowedCreator]:
        """Creators the viewer follows, most recently followed first, each with
        their follower count and latest public video."""
        actor = require_signed_in(actor)
        first = page_size(first, MAX_PAGE)
        rows = await library_repository.following_page(
            session, actor.id, limit=first + 1, after=_after(after, "following")
        )
        page = rows[:first]
        ids = [u.id for _, u in page]
        counts = await follow_repository.counts_many(session, ids) if ids else {}
        latest = await library_repository.latest_videos(session, ids)
        items = [
            FollowedCreator(
                user=u, followed_at=at, followers=counts[u.id][0], latest_video=latest.get(u.id)
            )
            for at, u in page
        ]
        cursors = [encode_cursor("following", at, u.id) for at, u in page]
        return Page(items=items, cursors=cursors, has_next=len(rows) > first)

    async def dashboard(self, session: AsyncSession, actor: Actor | None) -> Dashboard:
        """The viewer's dashboard: continue watching, saved, following, recent activity."""
        actor = require_signed_in(actor)
        visible = viewable_clause(actor)
        watching = await self.history(session, actor, first=DASHBOARD_ROW, unfinished=True)
        saved = await self.saved(session, actor, first=DASHBOARD_ROW)
        following = await self.following(session, actor, first=DASHBOARD_ROW)
        likes = await library_repository.recent_likes(session, actor.id, visible, ACTIVITY_ITEMS)
        saves = await library_repository.recent_saves(session, actor.id, visible, ACTIVITY_ITEMS)
        comments = await comment_repository.recent_by_author(
            session, actor.id, visible, ACTIVITY_ITEMS
        )
        activity = [Activity("like", at, v) for at, v in likes]
        activity += [Activity("save", at, v) for at, v in saves]
        activity += [Activity("comment", c.created_at, v, c) for c, v in comments]
        activity.sort(key=lambda a: a.at, reverse=True)
        extra = DashboardSections(actor)
        await dashboard_sections.send(session, extra)
        return Dashboard(
            continue_watching=watching.items,
            saved=saved.items,
            following=following.items,
            activity=activity[:ACTIVITY_ITEMS],
            sections=tuple(extra.sections),
        )

    async def watch_state(
        self,
        session: AsyncSession,
        actor: Actor | None,
        video: Video,
        *,
        comments_after: str | None = None,
        comment_sort: CommentSort = CommentSort.NEWEST,
    ) -> WatchState:
        """The viewer's side of the watch page: likes and saves, where to resume,
        and the first page of comments (authors loaded). `video` is one the
        actor may view (from `video_service.get`)."""
        states = await self.viewer_states(session, actor, [video.id])
        viewer = states.get(video.id, ViewerState())
        comments = await self._comment_page(
            session, video, DEFAULT_PAGE, comments_after, comment_sort, True
        )
        resume = viewer.position if viewer.position and not viewer.completed else None
        return WatchState(viewer=viewer, comments=comments, resume_at=resume)


engagement_service = EngagementService()
