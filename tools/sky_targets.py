"""Write `src/cosmostream/data/space/sky-targets.json` from d3-celestial's data.

The catalogue of fixed targets a sky-pointing question may name: the Messier
objects and every star of magnitude 6 or brighter with a proper name, each
with its J2000 position (degrees). d3-celestial (BSD-3-Clause, © Olaf Frohn)
is already a front-end dependency; it stores right ascension as -180…180°.

    node_modules must exist: `make assets`, then `python tools/sky_targets.py`
"""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "frontend" / "node_modules" / "d3-celestial" / "data"
OUT = ROOT / "src" / "cosmostream" / "data" / "space" / "sky-targets.json"


def _ra(longitude: float) -> float:
    return round(longitude % 360.0, 4)


def main() -> None:
    targets: dict[str, dict[str, object]] = {}
    for feature in json.loads((DATA / "messier.json").read_text())["features"]:
        p = feature["properties"]
        lon, lat = feature["geometry"]["coordinates"]
        targets[p["name"]] = {
            "name": p["alt"] or p["desig"] or p["name"],
            "kind": p["type"],
            "ra": _ra(lon),
            "dec": round(lat, 4),
            "mag": p["mag"],
        }
    names = json.loads((DATA / "starnames.json").read_text())
    for feature in json.loads((DATA / "stars.6.json").read_text())["features"]:
        name = names.get(str(feature["id"]), {}).get("name", "")
        if not name or name in targets:
            continue
        lon, lat = feature["geometry"]["coordinates"]
        targets[name] = {
            "name": name,
            "kind": "star",
            "ra": _ra(lon),
            "dec": round(lat, 4),
            "mag": feature["properties"]["mag"],
        }
    OUT.write_text(json.dumps(targets, indent=0, sort_keys=True, ensure_ascii=False) + "\n")
    print(f"{len(targets)} targets written to {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
