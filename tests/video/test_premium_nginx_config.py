"""The shipped nginx sample (deploy/nginx/cosmostream.conf) never lets one
request's media-access answer serve another (review finding: a re-spelled
preview token, `?…&%67=p3` or `?g=&…&g=p3`, looked token-less to nginx, and the
app's 200 was cached for the whole rung).

nginx is not installed in CI, so this reads the file with a small parser of
nginx's syntax (directives, quoted strings, comments, blocks) and checks the
directives themselves. The fix was also proven by hand with nginx 1.22."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

CONF = Path(__file__).resolve().parents[2] / "deploy" / "nginx" / "cosmostream.conf"
TOKEN = re.compile(
    r"""\s+|#[^\n]*|"((?:\\.|[^"\\])*)"|'((?:\\.|[^'\\])*)'|([{};])|([^\s{};"'#]+)"""
)


@dataclass
class Block:
    name: str
    args: list[str]
    children: list[Block] = field(default_factory=list)

    def all(self, name: str) -> list[Block]:
        return [c for c in self.children if c.name == name]

    def one(self, name: str) -> list[str]:
        found = self.all(name)
        assert len(found) == 1, (self.name, self.args, name, found)
        return found[0].args

    def walk(self) -> list[Block]:
        return [self, *(d for c in self.children for d in c.walk())]


def parse(text: str) -> Block:
    root = Block("main", [])
    stack, words = [root], []
    pos = 0
    while pos < len(text):
        match = TOKEN.match(text, pos)
        assert match is not None, text[pos : pos + 40]
        pos = match.end()
        double, single, punct, bare = match.groups()
        if punct == ";":
            stack[-1].children.append(Block(words[0], words[1:]))
            words = []
        elif punct == "{":
            block = Block(words[0], words[1:])
            stack[-1].children.append(block)
            stack.append(block)
            words = []
        elif punct == "}":
            assert not words, words
            stack.pop()
        elif double is not None or single is not None:
            words.append(double if double is not None else single)
        elif bare is not None:
            words.append(bare)
    assert len(stack) == 1 and not words, "unbalanced configuration"
    return root


def locations(root: Block) -> dict[str, Block]:
    return {" ".join(b.args): b for b in root.walk() if b.name == "location"}


def test_media_access_answers_are_cached_only_for_token_less_requests_per_file() -> None:
    root = parse(CONF.read_text())
    found = locations(root)
    cached = {where: b for where, b in found.items() if b.all("proxy_cache")}
    assert list(cached) == ["= /_cosmostream/media-access"], list(cached)
    access = cached["= /_cosmostream/media-access"]
    assert access.all("internal"), "the access check is only a subrequest"
    # The files that ask it: every location with auth_request to it.
    askers = [
        b
        for b in found.values()
        if b.all("auth_request") and b.one("auth_request") == ["/_cosmostream/media-access"]
    ]
    assert len(askers) == 1
    media = askers[0]
    assert media.args[0] == "~" and "m4s" in media.args[1]
    # The subrequest's own $args is empty, so the asking location hands its
    # whole query over in a variable; any query bypasses and skips the cache.
    handed = [b.args[0] for b in media.all("set") if b.args[1:] == ["$args"]]
    assert len(handed) == 1, "the media location hands $args to the access check"
    query = handed[0]
    assert query in access.one("proxy_cache_bypass")
    assert query in access.one("proxy_no_cache")
    # Nothing nginx reads from the query decides about the cache ($arg_g takes
    # the first `g` and never decodes `%67`; the app reads it otherwise).
    for directive in ("proxy_cache_bypass", "proxy_no_cache", "proxy_cache_key"):
        assert not any("$arg_" in a for a in access.one(directive)), directive
    # Answers are kept per file: the key is the URL the app was asked about.
    assert access.one("proxy_pass") == ["http://cosmostream_app$request_uri"]
    assert access.one("proxy_cache_key") == ["$request_uri"]
    # Only token-less answers are cached, and only a short while.
    valid = access.all("proxy_cache_valid")
    assert valid and all(v.args[-1].endswith("s") and int(v.args[-1][:-1]) <= 10 for v in valid)
    # A signed request (secure_link) is the only one let through without the app.
    signed = media.all("secure_link")
    assert signed and signed[0].args == ["$arg_md5,$arg_expires"]


def test_the_parser_sees_what_nginx_sees() -> None:
    # The checks above rest on the parser: a commented-out directive does not
    # count, quoted arguments keep their spaces, nested blocks are found.
    root = parse(
        "http { server { location = /a { # proxy_no_cache $x;\n"
        '  proxy_no_cache $q; add_header X "a b;{"; } } }'
    )
    a = locations(root)["= /a"]
    assert a.one("proxy_no_cache") == ["$q"]
    assert a.one("add_header") == ["X", "a b;{"]
