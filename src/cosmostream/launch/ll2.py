"""Parse Launch Library 2 (API 2.3.0) `launches` list pages (`mode=normal`).

Field names follow 2.3.0: `launch_service_provider`, `rocket.configuration`,
`mission.orbit`, `pad.location`, `image` as an object, `vid_urls`. A few 2.2.0
shapes are accepted too (`image` as a string, coordinates as strings), since
the dev mirror has served both. One malformed launch is skipped and logged;
it never costs the rest of the page.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime
from typing import Any

from cosmostream.launch.schemas import LaunchData, LaunchPage

log = logging.getLogger(__name__)


class MalformedPage(ValueError):
    """The page as a whole is not an LL2 list (not a dict with `results`)."""


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _str(value: Any, limit: int) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text[:limit] if text else None


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError(f"naive time {value!r}")
    return parsed


def _float(value: Any) -> float | None:
    try:
        return float(value) if value is not None and value != "" else None
    except (TypeError, ValueError):
        return None


def _url(value: Any) -> str | None:
    text = _str(value, 1000)
    return text if text and text.startswith(("https://", "http://")) else None


def _webcast(item: dict[str, Any]) -> str | None:
    """The best-priority video link (LL2 puts lower `priority` first)."""
    videos = [v for v in item.get("vid_urls") or [] if isinstance(v, dict) and _url(v.get("url"))]
    videos.sort(key=lambda v: p if isinstance(p := v.get("priority"), int) else 99)
    return _url(videos[0]["url"]) if videos else None


def _image(item: dict[str, Any]) -> str | None:
    image = item.get("image")
    if isinstance(image, dict):
        return _url(image.get("image_url"))
    return _url(image)


def parse_launch(item: dict[str, Any]) -> LaunchData:
    """One launch; raises (KeyError, ValueError, TypeError) when it is unusable."""
    net = _time(item["net"])
    if net is None:
        raise ValueError("launch without a NET")
    status = _dict(item.get("status"))
    mission = _dict(item.get("mission"))
    pad = _dict(item.get("pad"))
    location = _dict(pad.get("location"))
    configuration = _dict(_dict(item.get("rocket")).get("configuration"))
    return LaunchData(
        id=uuid.UUID(str(item["id"])),
        slug=_str(item.get("slug"), 200) or "",
        name=_str(item["name"], 300) or "Unnamed launch",
        provider=_str(_dict(item.get("launch_service_provider")).get("name"), 200) or "",
        vehicle=_str(configuration.get("full_name") or configuration.get("name"), 200) or "",
        mission_name=_str(mission.get("name"), 300),
        mission_description=_str(mission.get("description"), 5000),
        mission_orbit=_str(_dict(mission.get("orbit")).get("name"), 100),
        pad_name=_str(pad.get("name"), 200) or "",
        pad_location=_str(location.get("name"), 200) or "",
        pad_latitude=_float(pad.get("latitude")),
        pad_longitude=_float(pad.get("longitude")),
        net=net,
        window_start=_time(item.get("window_start")),
        window_end=_time(item.get("window_end")),
        status_abbrev=_str(status.get("abbrev"), 32) or "TBD",
        status_name=_str(status.get("name"), 100) or "",
        webcast_url=_webcast(item),
        webcast_live=bool(item.get("webcast_live")),
        image_url=_image(item),
        source_updated_at=_time(item.get("last_updated")),
    )


def parse_page(payload: Any) -> LaunchPage:
    if not isinstance(payload, dict) or not isinstance(payload.get("results"), list):
        raise MalformedPage("not a Launch Library 2 list page")
    launches: list[LaunchData] = []
    skipped = 0
    for item in payload["results"]:
        try:
            launches.append(parse_launch(_dict(item)))
        except (KeyError, ValueError, TypeError) as exc:
            skipped += 1
            log.warning("skipping a malformed LL2 launch %r: %s", _dict(item).get("id"), exc)
    next_url = payload.get("next")
    return LaunchPage(
        launches=launches,
        next_url=next_url if isinstance(next_url, str) and next_url else None,
        skipped=skipped,
    )
