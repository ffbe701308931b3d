"""Before/after: the same reach question on two graphs (two dates or two scenarios)."""

from __future__ import annotations

import logging
import math
from collections.abc import Hashable, Sequence
from typing import TYPE_CHECKING

from .access import DEFAULT_BANDS, band_of, parse_bands, places_of
from .reach import reach_times

if TYPE_CHECKING:
    import geopandas as gpd
    import networkx as nx
    import pandas as pd


log = logging.getLogger(__name__)


def compare(before: nx.MultiDiGraph, after: nx.MultiDiGraph, origin: Hashable, *,
            bands: Sequence[float] = DEFAULT_BANDS, reverse: bool = False) -> gpd.GeoDataFrame:
    """Minutes from ``origin`` to every county-level place on two graphs, and the change.

    Parameters
    ----------
    before, after
        Graphs from :func:`network.build_graph` (e.g. two dates or two scenarios).
    origin
        Node id.  If it does not exist in ``before`` (a station not yet open),
        every place counts as unreached before.
    bands
        Increasing band limits in minutes.
    reverse
        Compare trips *to* ``origin`` instead.

    Returns
    -------
    geopandas.GeoDataFrame
        Indexed by place id, sorted by ``after``: ``name_zh``, ``name_en``,
        ``population``, ``before``, ``after`` (minutes, NaN when unreached),
        ``change`` (``after - before``; negative is faster), ``band_before``,
        ``band_after`` and ``entered`` (the smallest band the place is inside
        after but not before; NaN if none), Point geometry.

    Raises
    ------
    PlaceNotFoundError
        ``origin`` is in neither graph.

    Examples
    --------
    >>> from qjnet.network import build_graph
    >>> c = compare(build_graph(date="2025-06-26"), build_graph(date="2025-07-01"), "chongqing_core")
    >>> bool(c.loc["qianjiang_dist", "change"] < 0)
    True
    """
    from . import _layers

    bands = parse_bands(bands)
    in_before = origin in before and before.nodes[origin].get("kind") != "service_stop"
    if not in_before:
        _layers.check_node(after, origin)
    t_before = reach_times(before, origin, reverse=reverse) if in_before else {}
    t_after = reach_times(after, origin, reverse=reverse)
    gdf = compare_times(before, after, origin, t_before, t_after, bands=bands)
    gdf.attrs["reverse"] = reverse
    return gdf


def compare_times(before: nx.MultiDiGraph, after: nx.MultiDiGraph, origin: Hashable, t_before: dict,
                  t_after: dict, *, bands: Sequence[float] = DEFAULT_BANDS) -> gpd.GeoDataFrame:
    """The :func:`compare` table from given ``{node: minutes}`` before and after (any time measure).

    ``before`` and ``after`` give the places, their names and positions.
    """
    import geopandas as gpd
    from shapely.geometry import Point

    bands = parse_bands(bands)
    ids = list(places_of(after)) + [p for p in places_of(before) if p not in after]
    rows = []
    for p in ids:
        if p == origin:
            continue
        d = after.nodes[p] if p in after else before.nodes[p]
        b, a = t_before.get(p, math.inf), t_after.get(p, math.inf)
        bb, ba = band_of(b, bands), band_of(a, bands)
        entered = None
        for band in bands:
            if a <= band < b:
                entered = band
                break
        rows.append({"id": p, "name_zh": d.get("name_zh"), "name_en": d.get("name_en"),
                     "population": d.get("population"),
                     "before": b if math.isfinite(b) else math.nan, "after": a if math.isfinite(a) else math.nan,
                     "change": a - b if math.isfinite(a) and math.isfinite(b) else math.nan,
                     "band_before": bb, "band_after": ba, "entered": entered,
                     "geometry": Point(d["x"], d["y"])})
    cols = ["id", "name_zh", "name_en", "population", "before", "after", "change", "band_before", "band_after",
            "entered", "geometry"]
    gdf = gpd.GeoDataFrame(rows, columns=cols, geometry="geometry", crs=after.graph.get("crs")).set_index("id")
    gdf["population"] = gdf["population"].astype("Int64")
    gdf = gdf.sort_values(["after", "before"], na_position="last", kind="stable")
    gdf.attrs.update({"origin": origin, "bands": list(bands), "reverse": False,
                      "before": {"date": before.graph.get("date"), "scenario": before.graph.get("scenario")},
                      "after": {"date": after.graph.get("date"), "scenario": after.graph.get("scenario")}})
    return gdf


def entered_by_band(table: pd.DataFrame, *, bands: Sequence[float] = DEFAULT_BANDS) -> dict:
    """``{band: [place ids that entered it]}`` from a :func:`compare` table (cumulative bands)."""
    bands = parse_bands(bands)
    out = {}
    for b in bands:
        inside_after = table["after"] <= b
        inside_before = table["before"] <= b
        out[b] = list(table.index[inside_after & ~inside_before])
    return out
