"""Reachability: every node reached from (or reaching) origins within a time budget (:func:`reach`).

Two engines answer the same question on the two-layer expansion of the
graph (see :mod:`network._layers`): plain networkx Dijkstra (the reference)
and scipy's compiled C Dijkstra on a CSR matrix of the expansion (the fast
path, compiled once per graph and cached).  Both give identical minutes and
modes; the tests check that on hundreds of random graphs.  Graphs with fewer
than :data:`FAST_PATH_MIN_STATES` states use networkx: on the embedded
dataset (456 states) both answer in about 5 ms, and a one-shot command
saves the scipy import.
"""

from __future__ import annotations

import logging
import math

from network import _layers
from network.params import CONNECTOR_MODES, check_minutes

log = logging.getLogger(__name__)

#: Columns of the reach GeoDataFrame besides geometry.
REACH_COLUMNS = ("name_zh", "name_en", "kind", "population", "minutes", "mode", "origin")


def reach(G, origins, *, minutes: float = 60, reverse: bool = False):
    """Every dataset node reached from ``origins`` within ``minutes`` (or reaching them).

    Parameters
    ----------
    G
        Graph from :func:`network.build_graph`.
    origins
        A node id or a list of node ids; a trip may start at any of them.
    minutes
        Time budget in minutes, in ``(0, 10080]``.
    reverse
        ``True``: who reaches the origins within the budget (trips that *end*
        at an origin), under the same first-boarding rule.

    Returns
    -------
    geopandas.GeoDataFrame
        Indexed by node id, sorted by minutes: ``name_zh``, ``name_en``,
        ``kind``, ``population``, ``minutes``, ``mode`` and ``origin``
        (the origin the fastest trip starts from, or ends at when reversed),
        Point geometry in ``G.graph["crs"]``.  ``mode`` is the main mode of
        the trip's last leg into the node (forward) or first leg out of it
        (reverse): the mode of the service or road, not the access link that
        joins a station to its place, unless that is all the trip uses.  The
        origins have 0 minutes and no mode.

    Raises
    ------
    PlaceNotFoundError
        An origin is not a node of ``G``.
    OptionError
        ``minutes`` is not a positive number up to a week.

    Examples
    --------
    >>> from network import build_graph
    >>> G = build_graph(date="2025-07-01")
    >>> r = reach(G, "cq_east", minutes=70)
    >>> r.loc["qianjiang", "mode"]
    'hsr'
    """
    budget = check_minutes(minutes)
    origins = _origins(origins)
    found = _times(G, origins, budget, reverse)
    return _to_gdf(G, found)


#: Below this many expansion states networkx answers as fast as the compiled
#: path and spares the ~0.3 s scipy import of a one-shot command.
FAST_PATH_MIN_STATES = 4000


def _times(G, origins, budget, reverse) -> dict:
    if 2 * G.number_of_nodes() < FAST_PATH_MIN_STATES:
        return _times_networkx(G, origins, budget, reverse)
    return _times_csr(G, origins, budget, reverse)


def _origins(origins) -> list:
    if isinstance(origins, str) or not hasattr(origins, "__iter__"):
        origins = [origins]
    origins = list(dict.fromkeys(origins))
    if not origins:
        from geodata.errors import OptionError

        raise OptionError("reach needs at least one origin")
    return origins


def _main_mode(modes: list) -> str | None:
    """The last non-connector mode of a list of edge modes (else the last mode)."""
    for m in reversed(modes):
        if m not in CONNECTOR_MODES:
            return m
    return modes[-1] if modes else None


def _times_networkx(G, origins, budget, reverse) -> dict:
    """Reference engine: ``{node: (minutes, mode, origin)}`` by networkx Dijkstra."""
    lay, dist, paths = _layers.dijkstra(G, origins, cutoff=budget, reverse=reverse)
    H = lay.H
    out = {}
    for node in lay.nodes:
        if G.nodes[node].get("kind") == "service_stop":
            continue
        m, state = _layers.best(lay, dist, node, reverse=reverse)
        if state is None:
            continue
        path = paths[state]
        trip = path[::-1] if reverse else path
        modes = [G.edges[H[s][t]["edge"]]["mode"] for s, t in zip(trip, trip[1:])]
        if reverse:
            modes = modes[::-1]  # first leg out of the node is what counts
        origin = lay.nodes[path[0] // 2]
        out[node] = (float(m), _main_mode(modes), origin)
    return out


def _times_csr(G, origins, budget, reverse) -> dict:
    """Fast engine: scipy Dijkstra on the compiled expansion; same answers as :func:`_times_networkx`."""
    import numpy as np
    from scipy.sparse.csgraph import dijkstra

    for o in origins:
        _layers.check_node(G, o)
    lay = _layers.layered(G)
    matrix = lay.csr(reverse=reverse)
    starts = [lay.state(o, 0) for o in origins]
    if reverse:
        starts += [lay.state(o, 1) for o in origins]
    dist, pred, src = dijkstra(matrix, directed=True, indices=starts, limit=budget,
                               return_predecessors=True, min_only=True)
    edge_mode = _edge_modes(G, lay)
    main: dict = {}

    def mode_of(s):
        chain = []
        while s not in main:
            p = int(pred[s])
            if p < 0:
                main[s] = (None, None)
                break
            chain.append((s, p))
            s = p
        for s, p in reversed(chain):
            em = edge_mode[(s, p) if reverse else (p, s)]
            pm, plast = main[p]
            main[s] = (em if em not in CONNECTOR_MODES else pm, em)
        return main[s]

    out = {}
    n = len(lay.nodes)
    for i in range(n):
        node = lay.nodes[i]
        if G.nodes[node].get("kind") == "service_stop":
            continue
        cands = [2 * i] if reverse else [2 * i, 2 * i + 1]
        best_s = None
        for s in cands:
            if np.isfinite(dist[s]) and (best_s is None or dist[s] < dist[best_s]):
                best_s = s
        if best_s is None:
            continue
        m, last = mode_of(best_s)
        out[node] = (float(dist[best_s]), m if m is not None else last, lay.nodes[int(src[best_s]) // 2])
    return out


def _edge_modes(G, lay) -> dict:
    cache = getattr(lay, "_modes", None)
    if cache is None:
        cache = {(a, b): G.edges[e]["mode"] for a, b, e in lay.H.edges(data="edge")}
        lay._modes = cache
    return cache


def _to_gdf(G, found: dict):
    import geopandas as gpd
    from shapely.geometry import Point

    ids = sorted(found, key=lambda n: (found[n][0], str(n)))
    rows = []
    for n in ids:
        d = G.nodes[n]
        m, mode, origin = found[n]
        rows.append({"id": n, "name_zh": d.get("name_zh"), "name_en": d.get("name_en"), "kind": d.get("kind"),
                     "population": d.get("population"), "minutes": m, "mode": mode, "origin": origin,
                     "geometry": Point(d["x"], d["y"])})
    gdf = gpd.GeoDataFrame(rows, columns=["id", *REACH_COLUMNS, "geometry"], geometry="geometry",
                           crs=G.graph.get("crs"))
    gdf = gdf.set_index("id")
    gdf["population"] = gdf["population"].astype("Int64")
    gdf["minutes"] = gdf["minutes"].astype(float)
    for col in ("mode", "origin", "name_zh", "name_en", "kind"):
        gdf[col] = _objects(gdf[col])
    return gdf


def _objects(col):
    """A column as Python objects with ``None`` (not NaN) for missing values."""
    import pandas as pd

    return pd.Series([None if v is None or (isinstance(v, float) and v != v) else v for v in col],
                     index=col.index, dtype=object)


def reach_times(G, origins, *, minutes: float = math.inf, reverse: bool = False) -> dict:
    """``{node id: minutes}`` of the dataset nodes reached (fast path; no GeoDataFrame).

    ``minutes=inf`` (the default) searches the whole graph.
    """
    origins = _origins(origins)
    budget = math.inf if minutes == math.inf else check_minutes(minutes)
    return {n: v[0] for n, v in _times(G, origins, budget, reverse).items()}
