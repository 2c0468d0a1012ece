"""Read the studio pages' chart figures back out of the HTML (stdlib parser)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any


@dataclass
class Figure:
    id: str
    kind: str
    csv: str
    labelledby: str
    caption: str = ""
    data: Any = None
    rows: list[list[str]] = field(default_factory=list)  # the header row first


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.figures: list[Figure] = []
        self.tables: dict[str, list[list[str]]] = {}
        self._figure: Figure | None = None
        self._in: str | None = None  # "caption" | "data" | "cell"
        self._text: list[str] = []
        self._rows: list[list[str]] | None = None
        self._table_id: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "figure" and "chart" in a.get("class", "").split():
            self._figure = Figure(a["id"], a["data-chart"], a["data-csv"], a["aria-labelledby"])
        elif tag == "figcaption" and self._figure is not None:
            self._in, self._text = "caption", []
        elif tag == "script" and "chart-data" in a.get("class", ""):
            self._in, self._text = "data", []
        elif tag == "table":
            self._rows = []
            self._table_id = a.get("id")
        elif tag == "tr" and self._rows is not None:
            self._rows.append([])
        elif tag in ("td", "th") and self._rows is not None:
            self._in, self._text = "cell", []

    def handle_endtag(self, tag: str) -> None:
        text = "".join(self._text).strip()
        if tag == "figcaption" and self._figure is not None and self._in == "caption":
            self._figure.caption, self._in = text, None
        elif tag == "script" and self._in == "data" and self._figure is not None:
            self._figure.data, self._in = json.loads(text), None
        elif tag in ("td", "th") and self._in == "cell" and self._rows is not None:
            self._rows[-1].append(" ".join(text.split()))
            self._in = None
        elif tag == "table" and self._rows is not None:
            if self._figure is not None:
                self._figure.rows = self._rows
            elif self._table_id:
                self.tables[self._table_id] = self._rows
            self._rows = None
        elif tag == "figure" and self._figure is not None:
            self.figures.append(self._figure)
            self._figure = None

    def handle_data(self, data: str) -> None:
        if self._in:
            self._text.append(data)


def figures(html: str) -> tuple[dict[str, Figure], dict[str, list[list[str]]]]:
    """The page's chart figures by id, and its other tables with an id."""
    p = _Parser()
    p.feed(html)
    return {f.id: f for f in p.figures}, p.tables
