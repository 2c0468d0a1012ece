from __future__ import annotations

from cosmostream.errors import Conflict, NotFound, PermissionDenied


class CommentNotFound(NotFound):
    code = "comment_not_found"
    message = "That comment does not exist."


class AlreadyReported(Conflict):
    code = "already_reported"
    message = "You have already reported this comment."


class OwnComment(PermissionDenied):
    code = "own_comment"
    message = "You cannot report your own comment."
