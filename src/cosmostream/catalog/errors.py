from __future__ import annotations

from cosmostream.errors import NotFound, ValidationFailed


class CategoryNotFound(NotFound):
    code = "category_not_found"
    message = "That category does not exist."


class NotPickable(ValidationFailed):
    code = "not_pickable"
    message = "Only public videos that are ready to watch can be staff picks."
