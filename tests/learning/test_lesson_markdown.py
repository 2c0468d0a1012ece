"""Articles' Markdown: safe HTML, images from the web or this site, formulae kept
as TeX for KaTeX, code left alone."""

from __future__ import annotations

import re

import pytest

from cosmostream.learning.markdown import render_lesson_markdown


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "[click](javascript:alert(1))",
        "![x](javascript:alert(1))",
        "![x](data:image/svg+xml;base64,PHN2Zz4=)",
        "![x](//evil.example/a.png)",
        '<a href="#" onclick="alert(1)">a</a>',
        "$<img src=x onerror=alert(1)>$",
        "$$</div><script>alert(1)</script>$$",
    ],
)
def test_nothing_runs(source: str) -> None:
    html = render_lesson_markdown(source)
    assert not re.search(r"<(script|img[^>]*(onerror|javascript:|data:|//evil))", html), html
    assert not re.search(r"<[^>]*(onclick|onerror)=", html), html
    assert not re.search(r'(href|src)="(javascript|data):', html), html


def test_images_links_and_formulae() -> None:
    html = render_lesson_markdown(
        "![M31](/media/m31.png) ![Moon](https://example.org/moon.jpg) [ESA](https://esa.int)\n\n"
        "Kepler: $T^2 \\propto a^3$, costs \\$5 or $5 and $6.\n\n$$\\frac{1}{2} < x$$\n\n"
        "`$code$`"
    )
    assert '<img src="/media/m31.png" alt="M31">' in html
    assert '<img src="https://example.org/moon.jpg" alt="Moon">' in html
    assert 'href="https://esa.int"' in html and 'rel="nofollow noopener ugc"' in html
    assert '<span class="math">T^2 \\propto a^3</span>' in html
    assert "costs $5 or $5 and $6." in html
    assert '<div class="math math-display">\\frac{1}{2} &lt; x</div>' in html
    assert "<code>$code$</code>" in html
