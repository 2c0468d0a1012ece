"""Input cleaning and result shapes for the forums."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from cosmostream.errors import ValidationFailed
from cosmostream.kit.pagination import Page
from cosmostream.kit.text import clean_text
from cosmostream.models import ChatMessage, ForumCategory, Post, Thread, User

MIN_TITLE_LENGTH = 3
MAX_TITLE_LENGTH = 200
MAX_POST_LENGTH = 20_000
MAX_SEARCH_LENGTH = 100
DEFAULT_PAGE = 20
MAX_PAGE = 100


def clean_title(title: str) -> str:
    """One line of 3-200 characters, inner whitespace collapsed."""
    text = " ".join(title.split())
    if not MIN_TITLE_LENGTH <= len(text) <= MAX_TITLE_LENGTH:
        raise ValidationFailed(
            f"Titles are {MIN_TITLE_LENGTH}-{MAX_TITLE_LENGTH} characters long.", field="title"
        )
    return text


def clean_post_body(body: str) -> str:
    """Markdown source of 1-20,000 characters with normalised line breaks."""
    return clean_text(body, MAX_POST_LENGTH, "Posts")


def clean_search(query: str) -> str:
    text = " ".join(query.split())
    if not text:
        raise ValidationFailed("Type something to search for.", field="query")
    return text[:MAX_SEARCH_LENGTH]


@dataclass(frozen=True)
class ThreadListing:
    """The forum index: every category, and one page of threads with their authors.

    `category` is the one being listed (None: all of them); `query` is set for
    search results, which come as a single page.
    """

    categories: list[ForumCategory]
    category: ForumCategory | None
    query: str | None
    threads: Page[Thread]
    authors: dict[uuid.UUID, User]


@dataclass(frozen=True)
class ThreadView:
    """A thread's page: one page of posts, the chat's latest messages, the
    authors of both, the posts the viewer likes, and (for moderators) the
    categories a thread can be moved to."""

    thread: Thread
    posts: Page[Post]
    chat: list[ChatMessage]
    authors: dict[uuid.UUID, User]
    liked: frozenset[uuid.UUID]
    categories: list[ForumCategory]
