"""Learning paths: each course's state for a viewer, and who may build and see a path."""

from __future__ import annotations

import httpx

from cosmostream.db import Database
from cosmostream.learning.progress import progress_service
from cosmostream.models import CoursePrerequisite, LessonKind, User
from tests.factories import actor
from tests.learning.conftest import call, code, enrol, make_course

PATH = "query($s: String!) { learningPath(slug: $s) { slug sequential state canEdit steps { slug state requires } } }"
CREATE = "mutation($t: String!, $seq: Boolean!) { createLearningPath(title: $t, sequential: $seq) { slug state } }"
ADD = "mutation($s: String!, $c: String!) { addCourseToPath(slug: $s, courseSlug: $c) { steps { slug } } }"
PUBLISH = "mutation($s: String!) { publishLearningPath(slug: $s) { state } }"


async def test_states_follow_order_prerequisites_and_progress(
    client: httpx.AsyncClient, db: Database, people: dict[str, User], tokens: dict[str, str | None]
) -> None:
    me = tokens["instructor"]
    first, [first_lesson] = await make_course(
        db, people["instructor"], [{"kind": LessonKind.ARTICLE}], title="Naked eye"
    )
    second, _ = await make_course(
        db, people["instructor"], [{"kind": LessonKind.ARTICLE}], title="Binoculars"
    )
    third, _ = await make_course(
        db, people["creator"], [{"kind": LessonKind.ARTICLE}], title="Telescopes"
    )
    async with db.unit_of_work() as session:
        session.add(CoursePrerequisite(course_id=third.id, requires_id=first.id))
    free = (await call(client, me, CREATE, t="Skywatching", seq=False))["data"][
        "createLearningPath"
    ]
    for course in (first, second, third):
        assert code(await call(client, me, ADD, s=free["slug"], c=course.slug)) is None
    assert (await call(client, me, PUBLISH, s=free["slug"]))["data"]["publishLearningPath"][
        "state"
    ] == "published"

    learner = tokens["learner"]
    steps = (await call(client, learner, PATH, s=free["slug"]))["data"]["learningPath"]["steps"]
    assert [(s["slug"], s["state"]) for s in steps] == [
        (first.slug, "available"),
        (second.slug, "available"),
        (third.slug, "locked"),
    ]
    assert steps[2]["requires"] == [str(first.id)]

    await enrol(db, people["learner"], first)
    async with db.unit_of_work() as session:
        await progress_service.mark_done(session, actor(people["learner"]), first_lesson.id)
    await enrol(db, people["learner"], second)
    steps = (await call(client, learner, PATH, s=free["slug"]))["data"]["learningPath"]["steps"]
    assert [s["state"] for s in steps] == ["completed", "in_progress", "available"]

    sequential = (await call(client, me, CREATE, t="Skywatching", seq=True))["data"][
        "createLearningPath"
    ]
    assert sequential["slug"] == "skywatching-2"
    for course in (second, third):
        await call(client, me, ADD, s=sequential["slug"], c=course.slug)
    await call(client, me, PUBLISH, s=sequential["slug"])
    steps = (await call(client, tokens["other"], PATH, s=sequential["slug"]))["data"][
        "learningPath"
    ]["steps"]
    assert [s["state"] for s in steps] == ["available", "locked"]  # the second waits for the first


async def test_who_builds_and_sees_paths(
    client: httpx.AsyncClient, db: Database, people: dict[str, User], tokens: dict[str, str | None]
) -> None:
    course, _ = await make_course(db, people["instructor"], [{"kind": LessonKind.ARTICLE}])
    draft = (await call(client, tokens["instructor"], CREATE, t="Draft path", seq=True))["data"][
        "createLearningPath"
    ]
    create = {
        "anonymous": "not_authenticated",
        "learner": "forbidden",
        "other": "forbidden",
        "creator": None,
        "instructor": None,
        "admin": None,
    }
    edit = {
        "anonymous": "not_authenticated",
        "learner": "path_not_found",
        "other": "path_not_found",
        "creator": "path_not_found",
        "instructor": None,
        "admin": None,
    }
    for who in ("anonymous", "learner", "other", "creator", "instructor", "admin"):
        assert code(await call(client, tokens[who], CREATE, t="Mine", seq=False)) == create[who], (
            who
        )
        assert (
            code(await call(client, tokens[who], ADD, s=draft["slug"], c=course.slug)) == edit[who]
        ), who
        seen = (await call(client, tokens[who], PATH, s=draft["slug"]))["data"]["learningPath"]
        assert (seen is not None) is (who in ("instructor", "admin")), who
    listed = (await call(client, None, "{ learningPaths { slug } }"))["data"]["learningPaths"]
    assert draft["slug"] not in {p["slug"] for p in listed}
    await call(client, tokens["instructor"], PUBLISH, s=draft["slug"])
    for who in ("learner", "creator"):
        assert (
            code(await call(client, tokens[who], ADD, s=draft["slug"], c=course.slug))
            == "forbidden"
        )
    listed = (await call(client, None, "{ learningPaths { slug } }"))["data"]["learningPaths"]
    assert draft["slug"] in {p["slug"] for p in listed}
    empty = (await call(client, tokens["instructor"], CREATE, t="Empty", seq=True))["data"][
        "createLearningPath"
    ]
    assert (
        code(await call(client, tokens["instructor"], PUBLISH, s=empty["slug"]))
        == "validation_failed"
    )
