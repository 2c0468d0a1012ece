"""Markdown for forum posts, rendered so that no author can run script in a reader's page.

Raw HTML is escaped rather than passed through, links are limited to
http(s) and mailto, and every link is marked as user content so search
engines give it no weight and the target page cannot reach back.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

SAFE_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow noopener ugc"


def _safe_url(url: str) -> bool:
    # Relative links (no scheme) stay on this site; anything else must be allow-listed.
    scheme = urlsplit(url.strip()).scheme.lower()
    return scheme == "" or scheme in SAFE_SCHEMES


def _link_open(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    token = tokens[idx]
    token.attrSet("rel", LINK_REL)
    token.attrSet("target", "_blank")
    return self.renderToken(tokens, idx, options, env)


def _build() -> MarkdownIt:
    # "js-default" is CommonMark with raw HTML disabled; tables and strikethrough on top.
    md = MarkdownIt("js-default", {"html": False, "linkify": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    # Remote images would let any author log the address of every reader.
    md.disable("image")
    md.validateLink = _safe_url  # type: ignore[method-assign]
    md.add_render_rule("link_open", _link_open)
    return md


_md = _build()


@lru_cache(maxsize=512)
def render_markdown(source: str) -> str:
    """Safe HTML for a post body (cached: every view of a thread renders the same posts)."""
    html: Any = _md.render(source)
    return str(html)
