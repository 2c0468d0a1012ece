"""Matched words wrapped in `<mark>`, computed in Python so both backends agree.

The text is escaped first and only our own `<mark>` tags are added, so HTML in
a title or description is shown as text, never interpreted. Words are matched
with the same analysis as the index (see `schemas.tokens`): "Éuropa" is marked
for the query "europa", and every word starting with the prefix being typed.
"""

from __future__ import annotations

import unicodedata

from markupsafe import Markup, escape

from cosmostream.search.schemas import SearchQuery, token_spans

SNIPPET_CHARS = 180
# How much text to keep before the first match so it reads as a sentence.
SNIPPET_LEAD = 40


def _matched(text: str, query: SearchQuery) -> list[tuple[int, int]]:
    return [
        (start, end)
        for start, end, folded in token_spans(text)
        if any(query.matches(t) for t in folded)
    ]


def _render(text: str, spans: list[tuple[int, int]]) -> Markup:
    out: list[str] = []
    last = 0
    for start, end in spans:
        out.append(str(escape(text[last:start])))
        out.append(f"<mark>{escape(text[start:end])}</mark>")
        last = end
    out.append(str(escape(text[last:])))
    return Markup("".join(out))  # noqa: S704 - every piece above is escaped


def highlight(text: str, query: SearchQuery) -> Markup:
    """All of `text`, escaped, with the words matching `query` marked."""
    text = unicodedata.normalize("NFC", text)
    return _render(text, _matched(text, query) if not query.empty else [])


def snippet(text: str, query: SearchQuery, length: int = SNIPPET_CHARS) -> Markup:
    """About `length` characters of `text` around its first match (its start when
    nothing matches), cut at word boundaries with an ellipsis, matches marked."""
    text = " ".join(unicodedata.normalize("NFC", text).split())
    if not text:
        return Markup("")
    spans = _matched(text, query) if not query.empty else []
    start = max(0, spans[0][0] - SNIPPET_LEAD) if spans else 0
    if start > 0:
        # Start on a word boundary rather than inside a word.
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < spans[0][0] else start
    end = min(len(text), start + length)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > start else end
    window = [(s - start, e - start) for s, e in spans if s >= start and e <= end]
    body = _render(text[start:end], window)
    prefix = Markup("…") if start > 0 else Markup("")
    suffix = Markup("…") if end < len(text) else Markup("")
    return prefix + body + suffix
