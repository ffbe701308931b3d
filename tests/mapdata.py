"""Small datasets for the map tests: the mini fixture, and a copy with hostile names."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

MINI = Path(__file__).resolve().parent / "data" / "mini"

#: names that would run script if a map did not escape them
XSS_SCRIPT = "<script>alert(1)</script>"
XSS_TEMPLATE = "${alert(1)}"
XSS_TICK = "`;alert(1);` \\ ${x}"


def hostile_dataset(folder: Path) -> Path:
    """Copy the mini dataset to ``folder`` with script-like names on a place, a station and a service."""
    shutil.copytree(MINI, folder)
    nodes = json.loads((folder / "nodes.geojson").read_text(encoding="utf-8"))
    for feat in nodes["features"]:
        p = feat["properties"]
        if p["id"] == "town_a":
            p["name_zh"] = XSS_SCRIPT
            p["name_en"] = XSS_TEMPLATE
            p["source"] = "<img src=x onerror=alert(1)>"
        if p["id"] == "sta_a":
            p["name_zh"] = XSS_TICK
            p["name_en"] = "</script><script>alert(2)</script>"
    (folder / "nodes.geojson").write_text(json.dumps(nodes, ensure_ascii=False), encoding="utf-8")
    services = json.loads((folder / "services.geojson").read_text(encoding="utf-8"))
    services["features"][0]["properties"]["name_zh"] = XSS_TEMPLATE + XSS_SCRIPT
    services["features"][0]["properties"]["name_en"] = "\\`${alert(3)}"
    (folder / "services.geojson").write_text(json.dumps(services, ensure_ascii=False), encoding="utf-8")
    return folder
