"""Pages: the watch page's forms without JavaScript, the library, the dashboard, the beacon."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from cosmostream.config import Settings
from cosmostream.engagement.schemas import PlaybackEventKind
from cosmostream.engagement.service import engagement_service
from cosmostream.models import Comment, PlaybackEvent, Report, SavedVideo, VideoLike
from cosmostream.video.schemas import VideoUpdate
from cosmostream.video.service import video_service
from cosmostream.web.security import make_csrf_token
from tests.engagement.conftest import Cast, sign_in
from tests.factories import actor, csrf, make_video

LIBRARY = ["/dashboard", "/library/history", "/library/saved", "/library/following"]
XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


async def post(client: httpx.AsyncClient, path: str, token: str, **fields: str) -> httpx.Response:
    return await client.post(path, data={"csrf_token": token, **fields})


async def watch(cast: Cast, who: Any = None, video: Any = None) -> httpx.Response:
    response = await cast.client.get(f"/video/{(video or cast.public).id}")
    assert response.status_code == 200, response.text
    return response


async def count(cast: Cast, model: Any) -> int:
    async with cast.db.read() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


# -- signed out -----------------------------------------------------------------


@pytest.mark.parametrize("path", LIBRARY)
async def test_library_pages_send_signed_out_visitors_to_log_in(
    client: httpx.AsyncClient, path: str
) -> None:
    response = await client.get(path)
    assert response.status_code == 303
    assert response.headers["location"] == f"/login?next={path}"


async def test_signed_out_forms_ask_to_log_in(cast: Cast) -> None:
    token = await csrf(cast.client, f"/video/{cast.public.id}")
    for path in (f"/video/{cast.public.id}/like", f"/video/{cast.public.id}/save"):
        response = await post(cast.client, path, token)
        assert response.status_code == 303
        assert response.headers["location"] == f"/login?next=/video/{cast.public.id}"
    response = await post(cast.client, f"/video/{cast.public.id}/comments", token, body="Hi")
    assert response.headers["location"].startswith("/login?next=")
    assert await count(cast, VideoLike) == await count(cast, Comment) == 0


async def test_watch_page_for_anonymous_viewers(cast: Cast) -> None:
    response = await watch(cast)
    assert "Log in</a> to join the conversation" in response.text
    assert f'href="/login?next=/video/{cast.public.id}"' in response.text
    assert "data-toggle=" not in response.text  # no like/save forms without an account
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("cs_viewer="))
    assert "HttpOnly" in cookie and "Max-Age=31536000" in cookie
    again = await watch(cast)
    assert not any(c.startswith("cs_viewer=") for c in again.headers.get_list("set-cookie"))


async def test_form_posts_need_csrf(cast: Cast) -> None:
    await sign_in(cast.client, cast.viewer)
    for path in (
        f"/video/{cast.public.id}/like",
        f"/video/{cast.public.id}/comments",
        "/library/history/clear",
        "/library/history/pause",
    ):
        response = await cast.client.post(path, data={"body": "x", "paused": "1"})
        assert response.status_code == 403, path
    assert await count(cast, VideoLike) == await count(cast, Comment) == 0


# -- like, save, comment without JavaScript ------------------------------------


async def test_like_and_save_forms(cast: Cast) -> None:
    token = await sign_in(cast.client, cast.viewer)
    page = await watch(cast)
    assert f'action="/video/{cast.public.id}/like"' in page.text
    assert f'action="/video/{cast.public.id}/save"' in page.text
    assert "cs_viewer=" not in " ".join(page.headers.get_list("set-cookie"))

    liked = await post(cast.client, f"/video/{cast.public.id}/like", token)
    assert liked.status_code == 303 and liked.headers["location"] == f"/video/{cast.public.id}"
    saved = await post(cast.client, f"/video/{cast.public.id}/save", token)
    assert saved.status_code == 303
    page = await watch(cast)
    assert f'action="/video/{cast.public.id}/unlike"' in page.text
    assert f'action="/video/{cast.public.id}/unsave"' in page.text
    assert re.search(r'data-like-count aria-label="1 likes">1<', page.text)
    assert await count(cast, VideoLike) == await count(cast, SavedVideo) == 1

    await post(cast.client, f"/video/{cast.public.id}/unlike", token)
    await post(cast.client, f"/video/{cast.public.id}/unsave", token, next="/library/saved")
    assert await count(cast, VideoLike) == await count(cast, SavedVideo) == 0


async def test_private_video_forms_are_not_found(cast: Cast) -> None:
    token = await sign_in(cast.client, cast.viewer)
    for action in ("like", "save"):
        response = await post(cast.client, f"/video/{cast.private.id}/{action}", token)
        assert response.status_code == 404
    response = await post(cast.client, f"/video/{cast.private.id}/comments", token, body="hi")
    assert response.status_code == 404


async def test_comment_forms_escape_html_and_keep_line_breaks(cast: Cast) -> None:
    token = await sign_in(cast.client, cast.viewer)
    response = await post(
        cast.client, f"/video/{cast.public.id}/comments", token, body=f"Line one\n{XSS}"
    )
    assert response.status_code == 303
    async with cast.db.read() as session:
        stored = await session.scalar(select(Comment))
    assert stored is not None
    assert response.headers["location"] == f"/video/{cast.public.id}#comment-{stored.id}"
    page = await watch(cast)
    assert XSS not in page.text
    assert "<script>alert" not in page.text and "<img src=x" not in page.text
    assert (
        "Line one\n&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"
        in page.text
    )
    # The author can edit and delete; another viewer can reply and report.
    assert f'action="/comments/{stored.id}/edit"' in page.text
    assert f'action="/comments/{stored.id}/delete"' in page.text
    other = await sign_in(cast.client, cast.users["other"])
    page = await watch(cast)
    assert f'action="/comments/{stored.id}/edit"' not in page.text
    assert f'action="/comments/{stored.id}/report"' in page.text
    reply = await post(
        cast.client,
        f"/video/{cast.public.id}/comments",
        other,
        body="A reply",
        parent_id=str(stored.id),
    )
    assert reply.status_code == 303
    reported = await post(cast.client, f"/comments/{stored.id}/report", other, reason="nasty")
    assert reported.status_code == 303
    assert reported.headers["location"] == f"/video/{cast.public.id}#comment-{stored.id}"
    again = await post(cast.client, f"/comments/{stored.id}/report", other, reason="nasty")
    assert again.status_code == 303  # back to the video, with the reason as a notice
    assert await count(cast, Report) == 1


async def test_comment_edit_and_delete_forms(cast: Cast) -> None:
    token = await sign_in(cast.client, cast.viewer)
    await post(cast.client, f"/video/{cast.public.id}/comments", token, body="Frist")
    async with cast.db.read() as session:
        cid = await session.scalar(select(Comment.id))
    edited = await post(cast.client, f"/comments/{cid}/edit", token, body="First!")
    assert edited.headers["location"] == f"/video/{cast.public.id}#comment-{cid}"
    page = await watch(cast)
    assert "First!" in page.text and "(edited)" in page.text
    # An empty edit is refused with a notice; nothing changes.
    refused = await post(
        cast.client, f"/comments/{cid}/edit", token, body="  ", next=f"/video/{cast.public.id}"
    )
    assert refused.status_code == 303 and "cs_flash" in refused.headers.get("set-cookie", "")
    deleted = await post(cast.client, f"/comments/{cid}/delete", token)
    assert deleted.headers["location"] == f"/video/{cast.public.id}#comments"
    assert await count(cast, Comment) == 0
    gone = await post(cast.client, f"/comments/{cid}/delete", token)
    assert gone.status_code == 404
    junk = await post(cast.client, "/comments/not-an-id/delete", token)
    assert junk.status_code == 404


async def test_many_comments_page_through_a_link(cast: Cast) -> None:
    async with cast.db.unit_of_work() as session:
        for i in range(23):
            await engagement_service.add_comment(
                session, actor(cast.viewer), cast.public.id, f"Comment number {i}"
            )
    page = await watch(cast)
    assert "Comment number 22" in page.text and "Comment number 3" in page.text
    assert "Comment number 2<" not in page.text
    more = re.search(r'href="(/video/[^"]+comments_after=[^"]+)"', page.text)
    assert more is not None
    second = await cast.client.get(more.group(1).replace("&amp;", "&"))
    assert "Comment number 2<" in second.text and "Comment number 0<" in second.text
    fragment = re.search(r'data-fragment="([^"]+)"', page.text)
    assert fragment is not None
    items = await cast.client.get(fragment.group(1).replace("&amp;", "&"))
    assert items.status_code == 200
    assert "<html" not in items.text and items.text.count('<li class="comment"') == 3


async def test_watch_page_start_time_and_resume(cast: Cast) -> None:
    page = await watch(cast)
    assert 'data-start=""' in page.text and 'data-resume=""' in page.text
    shared = await cast.client.get(f"/video/{cast.public.id}?t=1m30s")
    assert 'data-start="90.0"' in shared.text
    junk = await cast.client.get(f"/video/{cast.public.id}?t=soon")
    assert 'data-start=""' in junk.text

    await sign_in(cast.client, cast.viewer)
    async with cast.db.unit_of_work() as session:
        await engagement_service.record_playback(
            session,
            actor(cast.viewer),
            f"u:{cast.viewer.id}",
            cast.public.id,
            42.5,
            PlaybackEventKind.PAUSE,
        )
    page = await watch(cast)
    assert 'data-resume="42.5"' in page.text


# -- the library ------------------------------------------------------------------


async def test_library_pages_render_empty(cast: Cast) -> None:
    await sign_in(cast.client, cast.viewer)
    texts = {path: (await cast.client.get(path)).text for path in LIBRARY}
    assert "Nothing half-watched" in texts["/dashboard"]
    assert "Your likes, saves and comments will show up here." in texts["/dashboard"]
    assert "Videos you watch appear here" in texts["/library/history"]
    assert "Save videos to watch later" in texts["/library/saved"]
    assert "Follow creators to hear when they publish" in texts["/library/following"]


async def test_library_pages_and_dashboard_with_data(cast: Cast) -> None:
    me = actor(cast.viewer)
    second = await make_video(cast.db, cast.owner, title="Saturn's hexagon", duration=300.0)
    async with cast.db.unit_of_work() as session:
        await engagement_service.record_playback(
            session, me, f"u:{me.id}", second.id, 150.0, PlaybackEventKind.PAUSE
        )
        await engagement_service.record_playback(
            session, me, f"u:{me.id}", cast.public.id, 120.0, PlaybackEventKind.END
        )
        await engagement_service.save(session, me, second.id)
        await engagement_service.like(session, me, cast.public.id)
        await engagement_service.add_comment(session, me, second.id, "Hexagons <b>everywhere</b>")
    from cosmostream.account.service import account_service

    async with cast.db.unit_of_work() as session:
        await account_service.follow(session, me, cast.owner.id)

    await sign_in(cast.client, cast.viewer)
    history = (await cast.client.get("/library/history")).text
    assert "Saturn&#39;s hexagon" in history and "Jupiter&#39;s storms" in history
    assert f'href="/video/{second.id}?t=150"' in history  # resume where it stopped
    assert 'data-progress="50.0"' in history and 'data-progress="100.0"' in history
    assert "Stopped at 2:30" in history and "Watched" in history

    saved = (await cast.client.get("/library/saved")).text
    assert "Saturn&#39;s hexagon" in saved and "Jupiter" not in saved
    following = (await cast.client.get("/library/following")).text
    assert "Vera Nebula" in following and "1 follower" in following
    assert "Latest video" in following and "Saturn&#39;s hexagon" in following

    dashboard = (await cast.client.get("/dashboard")).text
    assert 'id="continue-watching"' in dashboard and "Saturn&#39;s hexagon" in dashboard
    assert "You liked" in dashboard and "You saved" in dashboard
    assert "You commented on" in dashboard and "Hexagons &lt;b&gt;everywhere&lt;/b&gt;" in dashboard
    assert "Vera Nebula" in dashboard


async def test_history_forms_remove_clear_and_pause(cast: Cast) -> None:
    me = actor(cast.viewer)
    second = await make_video(cast.db, cast.owner, title="Mars dust storm")
    async with cast.db.unit_of_work() as session:
        for video in (cast.public, second):
            await engagement_service.record_playback(
                session, me, f"u:{me.id}", video.id, 30.0, PlaybackEventKind.PAUSE
            )
    token = await sign_in(cast.client, cast.viewer)
    removed = await post(cast.client, f"/library/history/{second.id}/remove", token)
    assert removed.status_code == 303 and removed.headers["location"] == "/library/history"
    page = (await cast.client.get("/library/history")).text
    assert "Mars dust storm" not in page and "Jupiter" in page
    assert "Clear all history" in page

    cleared = await post(cast.client, "/library/history/clear", token)
    assert cleared.status_code == 303
    assert "Videos you watch appear here" in (await cast.client.get("/library/history")).text

    paused = await post(cast.client, "/library/history/pause", token, paused="1", next="/settings")
    assert paused.headers["location"] == "/settings"
    settings_page = (await cast.client.get("/settings")).text
    assert "Resume watch history" in settings_page
    history_page = (await cast.client.get("/library/history")).text
    assert "Your watch history is paused" in history_page
    await post(cast.client, "/library/history/pause", token, paused="0")
    assert "Pause watch history" in (await cast.client.get("/settings")).text


async def test_saved_videos_made_private_are_hidden(cast: Cast) -> None:
    me = actor(cast.viewer)
    async with cast.db.unit_of_work() as session:
        await engagement_service.save(session, me, cast.public.id)
        await engagement_service.record_playback(
            session, me, f"u:{me.id}", cast.public.id, 30.0, PlaybackEventKind.PAUSE
        )
    async with cast.db.unit_of_work() as session:
        await video_service.update(
            session, actor(cast.owner), cast.public.id, VideoUpdate(visibility="private")
        )
    await sign_in(cast.client, cast.viewer)
    for path in LIBRARY:
        page = (await cast.client.get(path)).text
        assert "Jupiter" not in page, path
    # The owner still sees their own private video in their lists.
    owner = actor(cast.owner)
    async with cast.db.unit_of_work() as session:
        await engagement_service.save(session, owner, cast.public.id)
    await sign_in(cast.client, cast.owner)
    assert "Jupiter" in (await cast.client.get("/library/saved")).text


# -- the beacon ---------------------------------------------------------------


async def beacon(
    cast: Cast, body: Any, content_type: str = "text/plain;charset=UTF-8"
) -> httpx.Response:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return await cast.client.post(
        "/api/playback", content=raw, headers={"content-type": content_type}
    )


async def test_beacon_records_an_event_with_the_csrf_token_in_the_body(cast: Cast) -> None:
    await watch(cast)  # an anonymous browser: it has the CSRF and viewer cookies now
    token = cast.client.cookies.get("cs_csrf")
    viewer_cookie = cast.client.cookies.get("cs_viewer")
    assert token and viewer_cookie
    event = {"videoId": str(cast.public.id), "position": 12.5, "event": "PAUSE", "csrf": token}
    response = await beacon(cast, event)
    assert response.status_code == 204, response.text
    async with cast.db.read() as session:
        stored = await session.scalar(select(PlaybackEvent))
    assert stored is not None
    assert (stored.event, stored.position, stored.user_id) == ("pause", 12.5, None)
    assert stored.viewer_key.startswith("c:")


async def test_beacon_of_a_signed_in_viewer_updates_history(cast: Cast) -> None:
    token = await sign_in(cast.client, cast.viewer)
    event = {"videoId": str(cast.public.id), "position": 33, "event": "pause", "csrf": token}
    assert (await beacon(cast, event)).status_code == 204
    me = await cast.gql("viewer", "{ me { history { nodes { position video { id } } } } }")
    assert me["data"]["me"]["history"]["nodes"] == [
        {"position": 33.0, "video": {"id": str(cast.public.id)}}
    ]


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"csrf": None}, 403, "csrf_failed"),
        ({"csrf": "forged.token"}, 403, "csrf_failed"),
        ({"csrf": "other"}, 403, "csrf_failed"),
        ({"event": "REWIND"}, 422, "validation_failed"),
        ({"position": "soon"}, 422, "validation_failed"),
        ({"videoId": "nope"}, 422, "validation_failed"),
        ({"videoId": "private"}, 404, "video_not_found"),
    ],
)
async def test_beacon_refusals(
    cast: Cast, settings: Settings, change: dict[str, Any], status: int, code: str
) -> None:
    await watch(cast)
    token = cast.client.cookies.get("cs_csrf")
    assert token
    event: dict[str, Any] = {
        "videoId": str(cast.public.id),
        "position": 1,
        "event": "PAUSE",
        "csrf": token,
    }
    for key, value in change.items():
        if value is None:
            event.pop(key)
        elif value == "other":  # validly signed, but not this browser's token
            event[key] = make_csrf_token(settings)
        elif value == "private":
            event[key] = str(cast.private.id)
        else:
            event[key] = value
    response = await beacon(cast, event)
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code
    assert await count(cast, PlaybackEvent) == 0


async def test_beacon_body_type_and_size(cast: Cast) -> None:
    await watch(cast)
    token = cast.client.cookies.get("cs_csrf")
    event = {"videoId": str(cast.public.id), "position": 1, "event": "PAUSE", "csrf": token}
    assert (await beacon(cast, event, "application/x-www-form-urlencoded")).status_code == 415
    assert (await beacon(cast, b"{not json")).status_code == 422
    padded = {**event, "padding": "x" * 5000}
    assert (await beacon(cast, padded)).status_code == 413
    assert (await beacon(cast, event, "application/json")).status_code == 204
