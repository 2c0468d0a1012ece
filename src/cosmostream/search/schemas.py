"""What search reads (a parsed query, an indexed document) and what it answers.

Text is analysed here, in Python, the same way for both backends: Unicode
compatibility-decomposed, stripped of diacritics, case-folded, then split into
runs of letters and digits. The index stores these tokens and queries are made
of them, so SQLite FTS5 and PostgreSQL see identical words, and no character a
user types can reach the FTS5 or tsquery syntax (a token has no quote, star,
colon, operator or parenthesis in it).
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from dataclasses import dataclass, field
from enum import StrEnum

from markupsafe import Markup

from cosmostream.models import Video

# User input beyond this is ignored (the header box has the same maxlength).
MAX_QUERY_CHARS = 200
# More terms only make an AND query slower without making it more precise.
MAX_TERMS = 12
# Both index and query cut longer tokens, so long identical words still match.
MAX_TOKEN_CHARS = 64
# Prefix queries of one character would walk most of the vocabulary.
MIN_PREFIX_CHARS = 2

DEFAULT_PAGE = 20
MAX_PAGE = 50
# Counting every match of a broad query costs as much as ranking them all.
COUNT_CAP = 1000

_TOKEN = re.compile(r"[^\W_]+")


def fold(text: str) -> str:
    """Lower-case `text` without diacritics or compatibility forms ("Éuropa" → "europa")."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def tokens(text: str) -> list[str]:
    """The searchable words of `text`, folded and cut to `MAX_TOKEN_CHARS`."""
    return [t[:MAX_TOKEN_CHARS] for t in _TOKEN.findall(fold(text))]


def analysed(text: str) -> str:
    """`text` as the index stores it: its tokens separated by spaces."""
    return " ".join(tokens(text))


def token_spans(text: str) -> list[tuple[int, int, list[str]]]:
    """Where the words of `text` are, with the tokens each one folds to (for highlighting)."""
    return [(m.start(), m.end(), tokens(m.group())) for m in _TOKEN.finditer(text)]


@dataclass(frozen=True)
class SearchQuery:
    """A user's query reduced to safe terms: all must match (AND); the last one
    also matches as a prefix when the user may still be typing it."""

    terms: tuple[str, ...]
    prefix: bool = False

    @classmethod
    def parse(cls, raw: str, *, prefix: bool = True) -> SearchQuery:
        """Anything goes in: quotes, operators, emoji and very long input become
        (at most `MAX_TERMS`) plain words. `prefix` applies to the last word,
        unless the input ends with a space (the word is finished) or the word is
        shorter than `MIN_PREFIX_CHARS`."""
        text = raw[:MAX_QUERY_CHARS]
        terms: list[str] = []
        for term in tokens(text):
            if term not in terms:
                terms.append(term)
        terms = terms[:MAX_TERMS]
        open_word = bool(text) and not text[-1].isspace()
        is_prefix = (
            prefix
            and open_word
            and bool(terms)
            and len(terms[-1]) >= MIN_PREFIX_CHARS
            # The last word typed is the last term (it was not a duplicate or cut).
            and tokens(text)[-1:] == [terms[-1]]
        )
        return cls(terms=tuple(terms), prefix=is_prefix)

    @property
    def empty(self) -> bool:
        return not self.terms

    @property
    def exact(self) -> tuple[str, ...]:
        return self.terms[:-1] if self.prefix else self.terms

    def matches(self, token: str) -> bool:
        if token in self.exact:
            return True
        return self.prefix and token.startswith(self.terms[-1])

    def matches_all(self, text: str) -> bool:
        """Whether every term occurs in `text` (used to pick suggestions)."""
        words = tokens(text)
        return all(
            any(w.startswith(t) if self.prefix and t == self.terms[-1] else w == t for w in words)
            for t in self.terms
        )


@dataclass(frozen=True)
class SearchDocument:
    """One listed video as the index stores it (already analysed)."""

    video_id: uuid.UUID
    title: str
    tags: str
    creator: str
    description: str

    @classmethod
    def build(
        cls, video_id: uuid.UUID, title: str, tags: list[str], creator: str, description: str
    ) -> SearchDocument:
        return cls(
            video_id=video_id,
            title=analysed(title),
            tags=analysed(" ".join(tags)),
            creator=analysed(creator),
            description=analysed(description),
        )


@dataclass(frozen=True)
class RankedId:
    """A match: the lower `key`, the better (title hits first, then relevance)."""

    video_id: uuid.UUID
    key: float
    # Matches counted up to COUNT_CAP + 1, when the ranking already counted
    # them for free (PostgreSQL); None: ask `count`.
    match_count: int | None = None


@dataclass(frozen=True)
class SearchHit:
    video: Video
    cursor: str
    title_html: Markup
    snippet_html: Markup


@dataclass(frozen=True)
class SearchPage:
    query: SearchQuery
    hits: list[SearchHit] = field(default_factory=list)
    has_next: bool = False
    # Matches counted up to COUNT_CAP + 1, when asked for.
    total: int | None = None

    @property
    def end_cursor(self) -> str | None:
        return self.hits[-1].cursor if self.hits else None


class SuggestionKind(StrEnum):
    VIDEO = "video"
    TAG = "tag"
    CREATOR = "creator"


@dataclass(frozen=True)
class Suggestion:
    text: str
    kind: SuggestionKind
    video_id: uuid.UUID | None = None


@dataclass(frozen=True)
class SuggestCandidate:
    """A video matching a typed prefix, with what suggestions are made from."""

    video_id: uuid.UUID
    title: str
    creator: str
    tags: list[str]
