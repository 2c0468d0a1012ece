"""Markdown of articles and sky tasks, rendered so that no author can run script in
a learner's page — with images and formulae.

Like forum posts (forum/markdown.py): raw HTML is escaped, links and images
are limited to http(s) and this site. Formulae `$…$` and `$$…$$` are taken out
before Markdown sees them (so `_` and `*` inside stay TeX) and come back as
`<span class="math">` / `<div class="math math-display">` holding the escaped
TeX, which lesson.js typesets with KaTeX. nh3 then cleans the whole output
against an allow-list, in case a renderer rule ever lets something through;
it drops `style` attributes too (a table's column alignment), which the
Content-Security-Policy would refuse anyway.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

import nh3
from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

LINK_SCHEMES = frozenset({"http", "https", "mailto"})
IMAGE_SCHEMES = frozenset({"http", "https"})
LINK_REL = "nofollow noopener ugc"
MAX_FORMULA = 2000

# Code is left alone; then $$…$$ (it may span lines), then $…$ on one line;
# "\$" is a dollar sign, and "$5 or $6" is money, not a formula.
_MATH = re.compile(
    r"(?P<code>```.*?```|~~~.*?~~~|`[^`\n]*`)"
    r"|(?<!\\)\$\$(?P<display>.+?)(?<!\\)\$\$"
    r"|(?<![\\$])\$(?!\s)(?P<inline>[^$\n]+?)(?<![\s\\])\$(?!\d)",
    re.S,
)
_PLACEHOLDER = re.compile(r"KATEXPLACEHOLDER(\d+)X")

_TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "em", "strong", "s", "del", "code",
    "pre", "blockquote", "ul", "ol", "li", "a", "img", "table", "thead", "tbody", "tr", "th",
    "td", "span", "div",
}  # fmt: skip
_ATTRIBUTES = {
    "a": {"href", "title", "target"},
    "img": {"src", "alt", "title"},
    "span": {"class"},
    "div": {"class"},
    "ol": {"start"},
}


def _safe_link(url: str) -> bool:
    scheme = urlsplit(url.strip()).scheme.lower()
    return scheme == "" or scheme in LINK_SCHEMES


def _link_open(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    token = tokens[idx]
    token.attrSet("target", "_blank")
    return self.renderToken(tokens, idx, options, env)


def _image(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    token = tokens[idx]
    src = str(token.attrGet("src") or "")
    parts = urlsplit(src.strip())
    # This site's paths, or http(s); never `//host` (it follows the page's scheme
    # but names another host the same as http(s) does, which the CSP decides on).
    if parts.scheme.lower() not in IMAGE_SCHEMES and not (
        parts.scheme == "" and src.startswith("/") and not src.startswith("//")
    ):
        return html.escape(self.renderInlineAsText(token.children or [], options, env))
    return self.image(tokens, idx, options, env)


def _build() -> MarkdownIt:
    md = MarkdownIt("js-default", {"html": False, "linkify": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    md.validateLink = _safe_link  # type: ignore[method-assign]
    md.add_render_rule("link_open", _link_open)
    md.add_render_rule("image", _image)
    return md


_md = _build()


def _math_html(tex: str, display: bool) -> str:
    tex = tex.strip()[:MAX_FORMULA]
    if display:
        return f'<div class="math math-display">{html.escape(tex)}</div>'
    return f'<span class="math">{html.escape(tex)}</span>'


@lru_cache(maxsize=256)
def render_lesson_markdown(source: str) -> str:
    """Safe HTML for an article or a task, formulae marked for KaTeX."""
    formulae: list[str] = []

    def take(match: re.Match[str]) -> str:
        if match.group("code") is not None:
            return match.group(0)
        display = match.group("display") is not None
        formulae.append(_math_html(match.group("display") or match.group("inline"), display))
        return f"KATEXPLACEHOLDER{len(formulae) - 1}X"

    text = _MATH.sub(take, source)
    rendered: Any = _md.render(text)

    def put(match: re.Match[str]) -> str:
        n = int(match.group(1))
        return formulae[n] if n < len(formulae) else ""

    # A display formula alone in its paragraph stands as a block, not inside <p>.
    out = re.sub(r"<p>(KATEXPLACEHOLDER\d+X)</p>", r"\1", str(rendered))
    out = _PLACEHOLDER.sub(put, out)
    return nh3.clean(
        out,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes=set(LINK_SCHEMES),
        link_rel=LINK_REL,
    )
