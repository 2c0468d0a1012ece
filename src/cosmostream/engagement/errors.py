from __future__ import annotations

from cosmostream.errors import NotFound, PermissionDenied
from cosmostream.moderation import errors as moderation_errors


class CommentNotFound(NotFound):
    code = "comment_not_found"
    message = "That comment does not exist."


class AlreadyReported(moderation_errors.AlreadyReported):
    message = "You have already reported this comment."


class OwnComment(PermissionDenied):
    code = "own_comment"
    message = "You cannot report your own comment."
