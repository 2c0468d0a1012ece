"""Parse RSS 2.0 / Atom feeds (feedparser) and Spaceflight News API v4 pages
into `ArticleData`. Items without a title, an http(s) link or a date are
skipped; a document that is not a feed at all raises `MalformedFeed`."""

from __future__ import annotations

import calendar
import logging
import uuid
from datetime import UTC, datetime
from typing import Any

import feedparser  # type: ignore[import-untyped]

from cosmostream.kit.time import aware
from cosmostream.news.schemas import ArticleData
from cosmostream.news.text import plain_text, sanitize_summary, shorten, text_summary

log = logging.getLogger(__name__)


class MalformedFeed(ValueError):
    pass


def _http(value: Any) -> str | None:
    if isinstance(value, str) and value.strip().startswith(("https://", "http://")):
        return value.strip()[:1000]
    return None


def _struct_time(value: Any) -> datetime | None:
    if value is None:
        return None
    return datetime.fromtimestamp(calendar.timegm(value), UTC)


def _iso(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    return aware(datetime.fromisoformat(value))


def _feed_image(entry: Any) -> str | None:
    for media in entry.get("media_content") or entry.get("media_thumbnail") or []:
        url = _http(media.get("url"))
        if url:
            return url
    for link in entry.get("links") or []:
        if link.get("rel") == "enclosure" and str(link.get("type", "")).startswith("image/"):
            url = _http(link.get("href"))
            if url:
                return url
    return None


def parse_feed(content: bytes, *, source: str, source_name: str) -> list[ArticleData]:
    parsed = feedparser.parse(content)
    if parsed.get("bozo") and not parsed.entries:
        raise MalformedFeed(str(parsed.get("bozo_exception") or "not a feed"))
    if not parsed.get("version") and not parsed.entries:
        raise MalformedFeed("not an RSS or Atom feed")
    articles: list[ArticleData] = []
    for entry in parsed.entries:
        title = shorten(plain_text(entry.get("title") or ""), 500)
        url = _http(entry.get("link"))
        # dict.get: FeedParserDict.get maps a missing `updated_parsed` to
        # `published_parsed` (with a DeprecationWarning); we want the real keys.
        updated = _struct_time(dict.get(entry, "updated_parsed"))
        published = _struct_time(dict.get(entry, "published_parsed")) or updated
        if not title or url is None or published is None:
            log.warning("skipping a feed item of %s without title, link or date", source)
            continue
        raw = entry.get("summary") or ""
        if not raw and entry.get("content"):
            raw = entry["content"][0].get("value") or ""
        articles.append(
            ArticleData(
                url=url,
                title=title,
                summary=sanitize_summary(raw),
                source=source,
                source_name=source_name,
                via="feed",
                published_at=published,
                source_updated_at=updated,
                image_url=_feed_image(entry),
                external_id=(str(entry.get("id"))[:200] if entry.get("id") else None),
                categories=[str(t.get("term")) for t in entry.get("tags") or [] if t.get("term")],
            )
        )
    return articles


def site_key(name: str) -> str:
    """SNAPI's `news_site` ("SpaceNews", "NASA") as a source key ("spacenews", "nasa")."""
    return "-".join("".join(c if c.isalnum() else " " for c in name.lower()).split())[:64]


def parse_snapi(payload: Any, known_sites: dict[str, str]) -> tuple[list[ArticleData], str | None]:
    """One SNAPI v4 `articles` page and its `next` URL.

    `known_sites` maps configured feed names to their keys, so SNAPI's "NASA"
    files under the same source as the NASA feed.
    """
    if not isinstance(payload, dict) or not isinstance(payload.get("results"), list):
        raise MalformedFeed("not a Spaceflight News API page")
    articles: list[ArticleData] = []
    for item in payload["results"]:
        try:
            articles.append(_snapi_item(item, known_sites))
        except (KeyError, TypeError, ValueError) as exc:
            log.warning("skipping a malformed SNAPI article: %s", exc)
    next_url = payload.get("next")
    return articles, next_url if isinstance(next_url, str) and next_url else None


def _snapi_item(item: dict[str, Any], known_sites: dict[str, str]) -> ArticleData:
    title = shorten(plain_text(str(item["title"])), 500)
    url = _http(item["url"])
    published = _iso(item["published_at"])
    if not title or url is None or published is None:
        raise ValueError("article without title, link or date")
    site = str(item.get("news_site") or "Spaceflight News").strip()
    launch_ids: list[uuid.UUID] = []
    for link in item.get("launches") or []:
        try:
            launch_ids.append(uuid.UUID(str(link["launch_id"])))
        except (KeyError, TypeError, ValueError):
            continue
    return ArticleData(
        url=url,
        title=title,
        summary=text_summary(str(item.get("summary") or "")),
        source=known_sites.get(site.lower()) or site_key(site),
        source_name=site[:200],
        via="snapi",
        published_at=published,
        source_updated_at=_iso(item.get("updated_at")),
        image_url=_http(item.get("image_url")),
        external_id=f"snapi:{item['id']}",
        launch_ids=launch_ids,
    )
