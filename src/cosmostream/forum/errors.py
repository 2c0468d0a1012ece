from __future__ import annotations

from cosmostream.errors import Conflict, NotFound, PermissionDenied


class ForumCategoryNotFound(NotFound):
    code = "forum_category_not_found"
    message = "That forum does not exist."


class ThreadNotFound(NotFound):
    code = "thread_not_found"
    message = "That thread does not exist."


class PostNotFound(NotFound):
    code = "post_not_found"
    message = "That post does not exist."


class ChatMessageNotFound(NotFound):
    code = "chat_message_not_found"
    message = "That message does not exist."


class ThreadLocked(Conflict):
    code = "thread_locked"
    message = "This thread is locked: it takes no new replies."


class OwnPost(PermissionDenied):
    code = "own_post"
    message = "You cannot report your own post."
