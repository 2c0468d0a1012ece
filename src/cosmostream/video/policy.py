"""Who may see and manage a video, stated once for Python and for SQL.

Its owner and admins always; anyone with the link when it is unlisted;
everyone when it is public; and in the last two cases only while it can be
played (which starts while it is still being processed). `can_view` checks a
loaded video; `viewable_clause` is the same rule as a select scope, for lists
that must only hold what their reader may watch (as polar's
`get_readable_statement`). Both are read from `SHOWN`, so they cannot drift.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, or_, true
from sqlalchemy.orm import InstrumentedAttribute

from cosmostream.account.schemas import Actor
from cosmostream.models import Video, VideoStatus, Visibility

# What makes a video visible to people who do not manage it: each column's
# allowed values.
SHOWN: dict[InstrumentedAttribute[Any], frozenset[Any]] = {
    Video.visibility: frozenset({Visibility.PUBLIC, Visibility.UNLISTED}),
    Video.playable: frozenset({True}),
    Video.status: frozenset({VideoStatus.PROCESSING, VideoStatus.READY}),
}


def can_manage(actor: Actor | None, video: Video) -> bool:
    return actor is not None and (actor.id == video.owner_id or actor.is_admin)


def can_view(actor: Actor | None, video: Video) -> bool:
    if can_manage(actor, video):
        return True
    return all(getattr(video, column.key) in allowed for column, allowed in SHOWN.items())


def viewable_clause(actor: Actor | None) -> ColumnElement[bool]:
    """`can_view` as a WHERE condition on `videos`."""
    if actor is not None and actor.is_admin:
        return true()
    # Sorted: the same rule always renders the same statement (cache hits).
    shown = and_(*(column.in_(sorted(allowed)) for column, allowed in SHOWN.items()))
    return or_(Video.owner_id == actor.id, shown) if actor is not None else shown
