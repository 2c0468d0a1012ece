"""The learning domain's contributions (see `cosmostream.registry`).

Paths, courses, lessons, quizzes graded on the server, progress from the
platform's playback events (engagement's `playback_step` signal), authoring and
classes: GraphQL, the learner's pages, the lesson and quiz pages.
"""

from __future__ import annotations

from strawberry.tools import merge_types

from cosmostream.engagement.signals import playback_step
from cosmostream.learning import authoring_pages, class_pages, demo, lesson_pages, pages, tasks
from cosmostream.learning.authoring_gql import CourseEditorMutation
from cosmostream.learning.class_gql import ClassMutation, ClassQuery
from cosmostream.learning.gql import LearningMutation, LearningPathMutation, LearningQuery
from cosmostream.learning.progress import progress_service
from cosmostream.registry import Domain, NavLink
from cosmostream.signals import Receiver

domain = Domain(
    "learning",
    query=merge_types("LearningQueries", (LearningQuery, ClassQuery)),
    mutation=merge_types(
        "LearningMutations",
        (LearningMutation, LearningPathMutation, ClassMutation, CourseEditorMutation),
    ),
    receivers=(Receiver(playback_step, progress_service.on_playback),),
    routers=(pages.router, lesson_pages.router, class_pages.router, authoring_pages.router),
    nav=[NavLink("Learn", "/learn", 45)],
    demo=demo.load,
    tasks=(tasks,),
)
