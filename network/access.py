"""Accessibility and economic circles of county-level places.

* :func:`economic_circle`: for one centre, every county-level place with
  its station-to-station minutes (scheduled services only, between the
  places' railway stations) and its centre-to-centre minutes (door to door,
  access to and from the stations included); :func:`circle_summary` counts
  places and population per band.
* :func:`accessibility`: for every county-level place, the population of the
  *other* county-level places reachable within ``minutes`` (cumulative
  opportunities) and a gravity measure
  ``sum_j population_j * 2 ** (-t_ij / half_life)`` (negative-exponential
  decay written with its half-life: a place ``half_life`` minutes away counts
  half).
"""

from __future__ import annotations

import itertools
import logging
import math
from collections.abc import Hashable, Iterable, Sequence
from typing import TYPE_CHECKING

import networkx as nx

from ..geodata.errors import OptionError
from . import _layers
from .params import check_minutes
from .reach import reach_times

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd


log = logging.getLogger(__name__)

#: Node kinds whose stations count for station-to-station times.
STATION_KINDS = ("hsr_station", "rail_station")
#: Link modes allowed inside a station-to-station trip (changing platforms/stations on foot).
STATION_LINK_MODES = ("walk", "transfer")
DEFAULT_BANDS = (60.0, 120.0, 180.0)


def parse_bands(bands: str | Iterable[float]) -> tuple[float, ...]:
    """Validate bands: strictly increasing positive minutes (``"60,120,180"`` or a sequence)."""
    if isinstance(bands, str):
        parts: list = [b.strip() for b in bands.split(",") if b.strip()]
    else:
        parts = list(bands)
    if not parts:
        raise OptionError("bands must list at least one number of minutes, e.g. 60,120,180")
    out = tuple(check_minutes(b, name="band") for b in parts)
    if any(b >= c for b, c in itertools.pairwise(out)):
        raise OptionError(f"bands must increase strictly, got {','.join(str(b) for b in parts)}; e.g. 60,120,180")
    return out


def band_of(minutes: float, bands: Sequence[float]) -> float | None:
    """The smallest band that holds ``minutes`` (``None`` if beyond the last or unreached)."""
    if minutes is None or not math.isfinite(minutes):
        return None
    for b in bands:
        if minutes <= b:
            return b
    return None


def places_of(G: nx.MultiDiGraph) -> list:
    """County-level places of ``G`` (``kind == "place"``) in graph order."""
    return [n for n, k in G.nodes(data="kind") if k == "place"]


def stations_of(G: nx.MultiDiGraph, node: Hashable) -> list:
    """Railway stations serving ``node``: the node itself if it is one, else those joined to it by access links."""
    if G.nodes[node].get("kind") in STATION_KINDS:
        return [node]
    out = []
    for _, v, d in G.out_edges(node, data=True):
        if (d.get("kind") == "link" and d.get("mode") == "access" and G.nodes[v].get("kind") in STATION_KINDS
                and v not in out):
            out.append(v)
    return out


def home_place(G: nx.MultiDiGraph, node: Hashable) -> Hashable | None:
    """The place a station belongs to: the place with the shortest access link to it (else ``node``)."""
    if G.nodes[node].get("kind") == "place":
        return node
    best, best_m = node, math.inf
    for u, _, d in G.in_edges(node, data=True):
        if (d.get("kind") == "link" and d.get("mode") == "access" and G.nodes[u].get("kind") == "place"
                and d["minutes"] < best_m):
            best, best_m = u, d["minutes"]
    return best


def services_only(G: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """A copy of ``G`` without roads and access links: scheduled services plus walking transfers."""
    H = nx.MultiDiGraph()
    H.graph.update(G.graph)
    H.add_nodes_from(G.nodes(data=True))
    H.add_edges_from((u, v, k, d) for u, v, k, d in G.edges(keys=True, data=True)
                     if d.get("kind") != "link" or d.get("mode") in STATION_LINK_MODES)
    return H


def economic_circle(G: nx.MultiDiGraph, centre: Hashable, *,
                    bands: Sequence[float] = DEFAULT_BANDS) -> gpd.GeoDataFrame:
    """Station-to-station and centre-to-centre minutes from ``centre`` to every county-level place.

    Parameters
    ----------
    G
        Graph from :func:`network.build_graph`.
    centre
        A place (its railway stations are used for station-to-station) or a
        station (the place it serves is used for centre-to-centre).
    bands
        Increasing band limits in minutes.

    Returns
    -------
    geopandas.GeoDataFrame
        Indexed by place id, sorted by centre-to-centre minutes:
        ``name_zh``, ``name_en``, ``population``, ``station_minutes``
        (fastest scheduled trip between any station of the centre and any
        station of the place; NaN when either has none or none connects),
        ``from_station``, ``to_station``, ``centre_minutes`` (door to door),
        ``station_band``, ``centre_band`` and Point geometry.  The centre
        itself is left out.

    Examples
    --------
    >>> from qjnet.network import build_graph
    >>> G = build_graph(date="2025-07-01")
    >>> c = economic_circle(G, "chongqing_core")
    >>> round(c.loc["qianjiang_dist", "station_minutes"])
    61
    """
    import geopandas as gpd
    from shapely.geometry import Point

    bands = parse_bands(bands)
    _layers.check_node(G, centre)
    centre_place = home_place(G, centre)
    origin_stations = stations_of(G, centre)
    door = reach_times(G, centre_place)
    view = services_only(G)
    by_station = {s: reach_times(view, s) for s in origin_stations}
    rows = []
    for p in places_of(G):
        if p in (centre_place, centre):
            continue
        d = G.nodes[p]
        best, pair = math.inf, (None, None)
        for t in stations_of(G, p):
            for s, times in by_station.items():
                m = times.get(t, math.inf)
                if m < best:
                    best, pair = m, (s, t)
        cm = door.get(p, math.inf)
        rows.append({
            "id": p, "name_zh": d.get("name_zh"), "name_en": d.get("name_en"), "population": d.get("population"),
            "station_minutes": best if math.isfinite(best) else math.nan,
            "from_station": pair[0], "to_station": pair[1],
            "centre_minutes": cm if math.isfinite(cm) else math.nan,
            "station_band": band_of(best, bands), "centre_band": band_of(cm, bands),
            "geometry": Point(d["x"], d["y"]),
        })
    cols = ["id", "name_zh", "name_en", "population", "station_minutes", "from_station", "to_station",
            "centre_minutes", "station_band", "centre_band", "geometry"]
    gdf = gpd.GeoDataFrame(rows, columns=cols, geometry="geometry", crs=G.graph.get("crs")).set_index("id")
    gdf["population"] = gdf["population"].astype("Int64")
    gdf = gdf.sort_values(["centre_minutes", "station_minutes"], na_position="last", kind="stable")
    gdf.attrs.update({"centre": centre, "centre_place": centre_place, "stations": origin_stations,
                      "bands": list(bands)})
    return gdf


def circle_summary(circle: pd.DataFrame, *, bands: Sequence[float] = DEFAULT_BANDS) -> list[dict]:
    """Per band: places and population within it (cumulative), station-to-station and centre-to-centre.

    Returns a list of ``{"band", "station_to_station": {"places", "population", "population_unknown"},
    "centre_to_centre": {...}}``; ``population_unknown`` lists places in the band with no population figure.
    """
    bands = parse_bands(bands)
    out = []
    for b in bands:
        entry: dict[str, object] = {"band": b}
        for key, col in (("station_to_station", "station_minutes"), ("centre_to_centre", "centre_minutes")):
            inside = circle[circle[col] <= b]
            pop = inside["population"]
            entry[key] = {"places": list(inside.index), "population": int(pop.dropna().sum()),
                          "population_unknown": list(inside.index[pop.isna()])}
        out.append(entry)
    return out


def accessibility(G: nx.MultiDiGraph, *, minutes: float = 60, half_life: float = 60.0,
                  origins: Iterable[Hashable] | None = None) -> gpd.GeoDataFrame:
    """Cumulative and gravity accessibility of every county-level place.

    Parameters
    ----------
    G
        Graph from :func:`network.build_graph`.
    minutes
        Budget for the cumulative measure.
    half_life
        Minutes at which the gravity weight halves (decay ``2 ** (-t / half_life)``).
    origins
        Place ids to evaluate (default every county-level place).

    Returns
    -------
    geopandas.GeoDataFrame
        Indexed by place id, sorted by ``population_within`` (descending):
        ``name_zh``, ``name_en``, ``population``, ``places_within`` (other
        county-level places reached within ``minutes``), ``population_within``
        (their population; places without a figure count 0 and are listed in
        ``attrs["population_unknown"]``), ``gravity``, Point geometry.

    Examples
    --------
    >>> from qjnet.network import build_graph
    >>> a = accessibility(build_graph(date="2025-07-01"), minutes=120)
    >>> int(a.loc["qianjiang_dist", "places_within"]) > 0
    True
    """
    import geopandas as gpd
    import numpy as np
    from shapely.geometry import Point

    from .csr import shortest_times

    budget = check_minutes(minutes)
    hl = check_minutes(half_life, name="half_life")
    places = places_of(G)
    origins = places if origins is None else list(origins)
    for o in origins:
        _layers.check_node(G, o)
    times = shortest_times(G, origins) if origins else None
    cols_idx = [times.compiled.index[p] for p in places] if times is not None else []
    pops = np.array([G.nodes[p].get("population") or 0 for p in places], dtype=float)
    unknown = [p for p in places if G.nodes[p].get("population") is None]
    rows = []
    for i, o in enumerate(origins):
        assert times is not None  # origins is not empty here
        t = times.minutes[i, cols_idx]
        other = np.array([p != o for p in places])
        within = other & (t <= budget)
        reached = other & np.isfinite(t)
        gravity = float(np.sum(pops[reached] * np.exp2(-t[reached] / hl)))
        d = G.nodes[o]
        rows.append({"id": o, "name_zh": d.get("name_zh"), "name_en": d.get("name_en"),
                     "population": d.get("population"), "places_within": int(within.sum()),
                     "population_within": int(pops[within].sum()), "gravity": gravity,
                     "geometry": Point(d["x"], d["y"])})
    cols = ["id", "name_zh", "name_en", "population", "places_within", "population_within", "gravity", "geometry"]
    gdf = gpd.GeoDataFrame(rows, columns=cols, geometry="geometry", crs=G.graph.get("crs")).set_index("id")
    gdf["population"] = gdf["population"].astype("Int64")
    gdf = gdf.sort_values(["population_within", "gravity"], ascending=False, kind="stable")
    gdf.attrs.update({"minutes": budget, "half_life": hl, "population_unknown": unknown})
    return gdf
