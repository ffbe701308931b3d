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


def drawn_items(page: str) -> list[dict]:
    """Every circle marker and line a map page draws, as the JSON records of its batch scripts.

    Each record has ``k`` ("c" circle, "l" line), ``g`` (``[lat, lon]`` or a
    list of them), ``o`` (Leaflet options), ``t`` (tooltip HTML) and ``p``
    (popup HTML).
    """
    decoder = json.JSONDecoder()
    marker = "/* qjnet-batch */"
    out: list[dict] = []
    at = page.find(marker)
    while at >= 0:
        items, _ = decoder.raw_decode(page, at + len(marker))
        out.extend(items)
        at = page.find(marker, at + 1)
    return out


def drawn(page: str, text: str) -> dict:
    """The record of the circle or line whose tooltip contains ``text`` (see :func:`drawn_items`)."""
    for item in drawn_items(page):
        if text in (item.get("t") or ""):
            return item
    raise AssertionError(f"nothing is drawn with a tooltip containing {text!r}")
