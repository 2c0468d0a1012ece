"""The learning domain's contributions (see `cosmostream.registry`).

Built so far: the GraphQL of the catalogue, enrolment, quiz attempts and
progress, and lesson progress from engagement's `playback_step` signal. Pages,
authoring, paths and classes follow (issue 13).
"""

from __future__ import annotations

from strawberry.tools import merge_types

from cosmostream.engagement.signals import playback_step
from cosmostream.learning import demo
from cosmostream.learning.gql import LearningMutation, LearningPathMutation, LearningQuery
from cosmostream.learning.progress import progress_service
from cosmostream.registry import Domain
from cosmostream.signals import Receiver

domain = Domain(
    "learning",
    query=LearningQuery,
    mutation=merge_types("LearningMutations", (LearningMutation, LearningPathMutation)),
    receivers=(Receiver(playback_step, progress_service.on_playback),),
    demo=demo.load,
)
