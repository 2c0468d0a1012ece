"""Channel pages: /profile/<id> with its Videos, Courses & paths and About tabs,
what each lists, and a fixed number of queries whatever the channel holds."""

from __future__ import annotations

import re
import uuid

import httpx
import pytest
from sqlalchemy import update

from cosmostream.account.service import account_service
from cosmostream.db import Database
from cosmostream.engagement.service import engagement_service
from cosmostream.kit.time import utcnow
from cosmostream.models import LearningPath, LessonKind, PathCourse, PublishState, Role, User, Video
from tests.factories import actor, make_user, make_video, recorded_queries, selects, sign_in
from tests.learning.conftest import make_course

ARTICLE = [{"kind": LessonKind.ARTICLE}]


async def make_path(
    db: Database, author: User, courses: list[object], state: PublishState, title: str
) -> LearningPath:
    async with db.unit_of_work() as s:
        path = LearningPath(
            slug=f"path-{uuid.uuid4().hex[:8]}",
            title=title,
            author_id=author.id,
            state=state,
            published_at=utcnow() if state is PublishState.PUBLISHED else None,
        )
        s.add(path)
        await s.flush()
        for n, course in enumerate(courses):
            s.add(PathCourse(path_id=path.id, course_id=course.id, position=n))  # type: ignore[attr-defined]
    return path


@pytest.fixture
async def creator(db: Database) -> User:
    user = await make_user(db, role=Role.CREATOR, name="Vera Nebula")
    return user


async def test_tabs_are_linked_and_marked(client: httpx.AsyncClient, creator: User) -> None:
    here = f"/profile/{creator.id}"
    for path, current in (
        (here, "Videos"),
        (f"{here}/courses", "Courses &amp; paths"),
        (f"{here}/about", "About"),
    ):
        page = (await client.get(path)).text
        nav = page[page.index('class="channel-sections"') :]
        nav = nav[: nav.index("</nav>")]
        assert f'href="{here}/courses"' in nav and f'href="{here}/about"' in nav
        assert re.search(rf'aria-current="page">{re.escape(current)}</a>', nav), (path, nav)


async def test_courses_tab_lists_only_published_courses_and_paths_of_this_creator(
    db: Database, client: httpx.AsyncClient, creator: User
) -> None:
    other = await make_user(db, role=Role.CREATOR)
    stars, _ = await make_course(db, creator, ARTICLE, title="Reading the stars")
    await make_course(db, creator, ARTICLE, title="Draft optics", state=PublishState.DRAFT)
    await make_course(db, other, ARTICLE, title="Someone else's course")
    await make_path(db, creator, [stars], PublishState.PUBLISHED, "From eye to telescope")
    await make_path(db, creator, [stars], PublishState.DRAFT, "Draft path")
    await make_path(db, other, [stars], PublishState.PUBLISHED, "Other path")
    for who in (None, creator):  # drafts stay off, for their author too
        await sign_in(client, who)
        page = (await client.get(f"/profile/{creator.id}/courses")).text
        assert "Reading the stars" in page
        assert "From eye to telescope" in page
        assert "1 course ·" in page
        for absent in ("Draft optics", "Someone else&#39;s course", "Draft path", "Other path"):
            assert absent not in page


async def test_courses_tab_pages_through_many_courses(
    db: Database, client: httpx.AsyncClient, creator: User
) -> None:
    for n in range(21):
        await make_course(db, creator, ARTICLE, title=f"Course number {n:02d}")
    first = (await client.get(f"/profile/{creator.id}/courses")).text
    assert len(re.findall(r'class="course-card"', first)) == 20
    more = re.search(r'rel="next" href="([^"]+)"', first)
    assert more is not None
    second = (await client.get(more.group(1).replace("&amp;", "&"))).text
    assert len(re.findall(r'class="course-card"', second)) == 1
    assert 'rel="next"' not in second


async def test_empty_courses_tab(client: httpx.AsyncClient, creator: User) -> None:
    page = (await client.get(f"/profile/{creator.id}/courses")).text
    assert "has not published any courses or paths yet" in page


async def test_about_tab(db: Database, client: httpx.AsyncClient, creator: User) -> None:
    listed = await make_video(db, creator, title="Listed")
    await make_video(db, creator, title="Private", visibility="private")
    fan = await make_user(db)
    async with db.unit_of_work() as s:
        await s.execute(
            update(User).where(User.id == creator.id).values(bio="I point telescopes at things.")
        )
        await s.execute(update(Video).where(Video.id == listed.id).values(view_count=1234))
        await account_service.follow(s, actor(fan), creator.id)
    page = (await client.get(f"/profile/{creator.id}/about")).text
    assert "I point telescopes at things." in page
    assert f"{creator.created_at.strftime('%d %B %Y')}" in page
    assert re.search(r'data-testid="about-videos">1<', page)
    assert re.search(r'data-testid="about-views">1234<', page)
    assert re.search(r'data-testid="about-followers">1<', page)


@pytest.mark.parametrize("tab", ["", "/courses", "/about"])
async def test_a_missing_channel_is_404(client: httpx.AsyncClient, tab: str) -> None:
    for uid in (str(uuid.uuid4()), "nope"):
        assert (await client.get(f"/profile/{uid}{tab}")).status_code == 404


@pytest.mark.parametrize("tab", ["", "/courses", "/about"])
async def test_channel_tabs_queries_do_not_grow(
    db: Database, client: httpx.AsyncClient, creator: User, tab: str
) -> None:
    viewer = await make_user(db)
    await sign_in(client, viewer)

    async def grow(n: int) -> None:
        for i in range(n):
            video = await make_video(db, creator, title=f"Video {i}", tags=[f"tag{i}"])
            async with db.unit_of_work() as s:
                await engagement_service.like(s, actor(viewer), video.id)
            course, _ = await make_course(db, creator, ARTICLE, title=f"Course {i}")
            await make_path(db, creator, [course], PublishState.PUBLISHED, f"Path {i}")

    async def count() -> int:
        with recorded_queries(db) as statements:
            response = await client.get(f"/profile/{creator.id}{tab}")
        assert response.status_code == 200
        return len(selects(statements))

    await grow(1)
    small = await count()
    await grow(6)
    assert await count() == small
