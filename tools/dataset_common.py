"""Paths, model parameters and source readers shared by the dataset build (``tools/build_dataset.py``)."""

from __future__ import annotations

import csv
import logging
import math
import re
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
HERE = REPO / "geodata" / "data" / "qianjiang"
SOURCES = HERE / "sources"

log = logging.getLogger("build")

# ---------------------------------------------------------------------------
# Model parameters (all documented in README.md; changing one changes the data)
# ---------------------------------------------------------------------------


AIR_BLOCK_KMH = 500.0          # airborne block speed of a short jet sector; overhead calibrated on CKG->CQW
GA_CALIBRATION = ("lia", "jiq")  # GA block speed = straight distance / published block time of this route
EXPRESSWAY_KMH = 80.0          # Shizhu-Qianjiang and Pengshui-Youyang are published at 80 km/h
ROAD_KMH = 50.0                # national / provincial roads in mountain terrain (assumed)
ROAD_CIRCUITY = 1.4            # national / provincial roads: road length / straight line (assumed)
ACCESS_KMH = 30.0              # urban / feeder road speed for access links (assumed)
ACCESS_CIRCUITY = 1.3          # access road length / straight line (assumed)
ACCESS_RADIUS_KM = 15.0        # a place also gets access links to stations/airports this close to its seat
NEAREST_PLACE_KM = 50.0        # a node outside every dataset county links to the nearest place this close
TERMINAL_MIN = {               # time added to an access link for station processing (assumed)
    "hsr_station": 15.0, "rail_station": 15.0,
    # airports: 0 here because check-in/security and deplaning are costed by the network model at each
    # boarding/alighting of a flight (network.params.TimeParams.board_processing / alight_processing)
    "airport": 0.0, "ga_airport": 0.0,
    "logistics": 0.0, "poi": 0.0,
}
FREIGHT_PER_DAY = 1            # container-train frequency where none is published (assumed)
BOUNDARY_TOLERANCE_DEG = 0.002  # coverage simplification tolerance for the basemap (~200 m)
MOVE_INSIDE_M = 300            # a node outside the county its sources name is moved this far inside it

# ---------------------------------------------------------------------------
# Reading the sources
# ---------------------------------------------------------------------------


def read_csv(name: str) -> list[dict]:
    with open(SOURCES / name, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def leading_number(text: str) -> float | None:
    """First number in a free-text cell (``"~224-225 (...)"`` -> 224); ``None`` for "not found"."""
    m = re.search(r"\d+(?:\.\d+)?", text or "")
    return float(m.group()) if m and "not found" not in text[: m.start()] else None


def leading_date(text: str) -> str | None:
    """An ISO (partial) date at the very start of a cell, else ``None``."""
    m = re.match(r"\s*(\d{4}(?:-\d{2}(?:-\d{2})?)?)\b", text or "")
    return m.group(1) if m else None


def haversine_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in km between two (lon, lat) points."""
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


class Published:
    """Lookup of ``published_times.csv`` rows by the start of their from/to labels."""

    def __init__(self) -> None:
        self.rows = read_csv("published_times.csv")

    def get(self, frm: str, to: str, kind: str | None = None) -> dict:
        hits = [r for r in self.rows if r["from"].startswith(frm) and r["to"].startswith(to)
                and (kind is None or r["kind"] == kind)]
        exact = [r for r in hits if r["to"] == to]
        hits = exact or hits
        if len(hits) != 1:
            raise LookupError(f"published time {frm} -> {to}: {len(hits)} rows")
        row = dict(hits[0])
        row["minutes"] = float(row["minutes"])
        return row
