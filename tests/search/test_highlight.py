"""Query parsing and highlighting: pure functions, identical for both backends."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from markupsafe import Markup

from cosmostream.search.highlight import highlight, snippet
from cosmostream.search.repository import PostgresIndex, SqliteIndex
from cosmostream.search.schemas import MAX_TERMS, MAX_TOKEN_CHARS, SearchQuery, fold, tokens


def test_fold_and_tokens() -> None:
    assert fold("Éuropa ÖCEAN straße ﬁre") == "europa ocean strasse fire"
    assert tokens("Jupiter's moons, (Io) & Europa!") == ["jupiter", "s", "moons", "io", "europa"]
    assert tokens("snake_case 3.5 km/s 🚀 日本語") == [
        "snake",
        "case",
        "3",
        "5",
        "km",
        "s",
        "日本語",
    ]
    assert tokens("x" * 100) == ["x" * MAX_TOKEN_CHARS]


def test_parse_prefix_rules() -> None:
    assert SearchQuery.parse("jup") == SearchQuery(("jup",), prefix=True)
    assert SearchQuery.parse("jupiter ") == SearchQuery(("jupiter",), prefix=False)
    assert SearchQuery.parse("moons j") == SearchQuery(("moons", "j"), prefix=False)
    assert SearchQuery.parse("jup", prefix=False) == SearchQuery(("jup",), prefix=False)
    assert SearchQuery.parse('"jupiter" -moons*') == SearchQuery(("jupiter", "moons"), True)
    assert SearchQuery.parse("🚀 * : ( ) NEAR").terms == ("near",)
    assert SearchQuery.parse("a a a b").terms == ("a", "b")
    many = SearchQuery.parse(" ".join(f"w{i}" for i in range(40)))
    assert len(many.terms) == MAX_TERMS
    assert not many.prefix  # the word being typed was cut off
    assert SearchQuery.parse("x" * 300 + " tail").terms == ("x" * MAX_TOKEN_CHARS,)


def test_backend_expressions_quote_every_term() -> None:
    query = SearchQuery.parse("Jupiter's (moons) NEAR io")
    assert SqliteIndex.match_expression(query) == '"jupiter" "s" "moons" "near" "io"*'
    assert PostgresIndex.match_expression(query) == "'jupiter' & 's' & 'moons' & 'near' & 'io':*"
    assert PostgresIndex.title_expression(query) == (
        "'jupiter':A | 's':A | 'moons':A | 'near':A | 'io':*A"
    )


@given(st.text(max_size=300))
def test_any_input_gives_only_plain_terms(raw: str) -> None:
    query = SearchQuery.parse(raw)
    for term in query.terms:
        assert term and all(c.isalnum() for c in term), term
    # Terms reach the backends only through these, which reject anything else.
    if not query.empty:
        SqliteIndex.match_expression(query)
        PostgresIndex.match_expression(query)


def test_highlight_escapes_then_marks() -> None:
    query = SearchQuery.parse("jupiter mo")
    result = highlight('<b>Jupiter</b> & "Moons" of JUPITER, Mongo <script>', query)
    assert isinstance(result, Markup)
    assert result == (
        "&lt;b&gt;<mark>Jupiter</mark>&lt;/b&gt; &amp; &#34;<mark>Moons</mark>&#34; of "
        "<mark>JUPITER</mark>, <mark>Mongo</mark> &lt;script&gt;"
    )
    # A tag name in the query is a word like any other, never markup.
    assert highlight("<mark>x</mark>", SearchQuery.parse("mark ")) == (
        "&lt;<mark>mark</mark>&gt;x&lt;/<mark>mark</mark>&gt;"
    )
    assert highlight("Nothing here", SearchQuery.parse("")) == "Nothing here"


def test_highlight_matches_like_the_index() -> None:
    query = SearchQuery.parse("europa ocean ")
    assert highlight("Éuropa's océan", query) == "<mark>Éuropa</mark>&#39;s <mark>océan</mark>"
    # Decomposed accents are composed first, so the word stays whole.
    assert highlight("E\u0301uropa", query) == "<mark>Éuropa</mark>"
    # Exact terms do not mark longer words; only the last term is a prefix.
    assert highlight("Ocean oceans europan", SearchQuery.parse("ocean europa")) == (
        "<mark>Ocean</mark> oceans <mark>europan</mark>"
    )


def test_snippet_windows_around_the_first_match() -> None:
    text = "Intro words. " * 40 + "Here the <Jupiter> system begins. " + "Tail words. " * 40
    result = snippet(text, SearchQuery.parse("jupiter "))
    assert result.startswith("…")
    assert result.endswith("…")
    assert "&lt;<mark>Jupiter</mark>&gt; system" in result
    plain = result.striptags()
    assert len(plain) <= 182
    assert not plain.lstrip("…").startswith(("ntro", "ords"))  # cut at a word boundary


def test_snippet_without_a_match_is_the_start() -> None:
    assert snippet("Short <text>.", SearchQuery.parse("zzz")) == "Short &lt;text&gt;."
    assert snippet("", SearchQuery.parse("zzz")) == ""
    long = snippet("word " * 100, SearchQuery.parse("zzz"))
    assert long.endswith("…")
    assert not long.startswith("…")
