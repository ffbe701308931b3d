"""Reachability: every node reached from (or reaching) origins within a time budget (:func:`reach`).

Two engines answer the same question under the first-boarding rule: plain
networkx Dijkstra on the two-layer expansion of :mod:`network._layers` (the
reference) and scipy's C Dijkstra on the layered CSR form compiled and cached
on the graph by :mod:`network.csr` (the fast path, shared with matrices).  Both give identical minutes and
modes; the tests check that on hundreds of random graphs.  Graphs with fewer
than :data:`FAST_PATH_MIN_STATES` states use networkx: on the embedded
dataset (456 states) both answer in about 5 ms, and a one-shot command
saves the scipy import.
"""

from __future__ import annotations

import itertools
import logging
import math
from collections.abc import Hashable, Iterable
from typing import TYPE_CHECKING

from . import _layers
from .params import CONNECTOR_MODES, check_minutes

if TYPE_CHECKING:
    import geopandas as gpd
    import networkx as nx


log = logging.getLogger(__name__)

#: Columns of the reach GeoDataFrame besides geometry.
REACH_COLUMNS = ("name_zh", "name_en", "kind", "population", "minutes", "mode", "origin")


def reach(G: nx.MultiDiGraph, origins: Hashable | Iterable[Hashable], *, minutes: float = 60,
          reverse: bool = False) -> gpd.GeoDataFrame:
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
    >>> from qjnet.network import build_graph
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
        from ..geodata.errors import OptionError

        raise OptionError("reach needs at least one origin")
    return origins


#: Edge kinds that move the traveller; board and alight edges say nothing about the mode
#: of arrival (boarding and alighting at one stop without riding changes nothing).
_MOVING = ("ride", "link")


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
        edges = [G.edges[H[s][t]["edge"]] for s, t in itertools.pairwise(trip)]
        modes = [d["mode"] for d in edges if d.get("kind") in _MOVING]
        if reverse:
            modes = modes[::-1]  # first leg out of the node is what counts
        origin = lay.nodes[path[0] // 2]
        out[node] = (float(m), _main_mode(modes), origin)
    return out


def _times_csr(G, origins, budget, reverse) -> dict:
    """Fast engine: :func:`network.csr.nearest_times` (scipy on the compiled, layered CSR).

    Same answers as :func:`_times_networkx`; the arrival mode is read by
    walking the predecessor states back to the origin.
    """
    import numpy as np

    from .csr import nearest_times

    for o in origins:
        _layers.check_node(G, o)
    t = nearest_times(G, origins, limit=None if math.isinf(budget) else budget, reverse=reverse)
    C = t.compiled
    n = C.n
    pred = t.predecessors
    m = C.transposed() if reverse else C.matrix
    memo: dict = {}

    def step_mode(p, s):
        if C.blocks > 1 and p % n == s % n:  # the 0-minute step between a node's layer and end states
            return None
        lo, hi = m.indptr[p], m.indptr[p + 1]
        pos = lo + int(np.searchsorted(m.indices[lo:hi], s))
        keys = C.keys
        assert keys is not None  # the model graph is a MultiDiGraph
        key = keys[C.matrix_position(p, s, reverse=reverse, pos=pos)]
        a, b = C.nodes[p % n], C.nodes[s % n]
        u, v = (b, a) if reverse else (a, b)
        d = G.edges[u, v, key]
        return d["mode"] if d.get("kind") in _MOVING else None

    def mode_of(s):
        chain = []
        while s not in memo:
            p = int(pred[s])
            if p < 0:
                memo[s] = (None, None)
                break
            chain.append((s, p))
            s = p
        for s, p in reversed(chain):
            em = step_mode(p, s)
            if em is None:
                memo[s] = memo[p]
            else:
                memo[s] = (em if em not in CONNECTOR_MODES else memo[p][0], em)
        return memo[s]

    off = C.read_offset(reverse=reverse)
    out = {}
    for i in np.flatnonzero(np.isfinite(t.minutes)):
        node = C.nodes[i]
        if G.nodes[node].get("kind") == "service_stop":
            continue
        main, last = mode_of(int(i) + off)
        out[node] = (float(t.minutes[i]), main if main is not None else last, C.nodes[int(t.sources[i])])
    return out


def _to_gdf(G, found: dict):
    """The reach GeoDataFrame, built column by column (no per-row dicts or geometries)."""
    import geopandas as gpd
    import numpy as np
    import pandas as pd

    ids = sorted(found, key=lambda n: (found[n][0], str(n)))
    attrs = [G.nodes[n] for n in ids]
    rows = [found[n] for n in ids]

    def objects(values):
        return pd.Series(values, index=index, dtype=object)

    index = pd.Index(ids, dtype=object)
    frame = pd.DataFrame({
        "name_zh": objects([d.get("name_zh") for d in attrs]),
        "name_en": objects([d.get("name_en") for d in attrs]),
        "kind": objects([d.get("kind") for d in attrs]),
        "population": pd.array([d.get("population") for d in attrs], dtype="Int64"),
        "minutes": np.fromiter((r[0] for r in rows), dtype=float, count=len(rows)),
        "mode": objects([r[1] for r in rows]),
        "origin": objects([r[2] for r in rows]),
    }, index=index)
    xs = np.fromiter((d["x"] for d in attrs), dtype=float, count=len(attrs))
    ys = np.fromiter((d["y"] for d in attrs), dtype=float, count=len(attrs))
    gdf = gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(xs, ys), crs=G.graph.get("crs"))
    gdf.index.name = "id"
    return gdf


def reach_times(G: nx.MultiDiGraph, origins: Hashable | Iterable[Hashable], *, minutes: float = math.inf,
                reverse: bool = False) -> dict:
    """``{node id: minutes}`` of the dataset nodes reached (fast path; no GeoDataFrame).

    ``minutes=inf`` (the default) searches the whole graph.
    """
    origins = _origins(origins)
    budget = math.inf if minutes == math.inf else check_minutes(minutes)
    return {n: v[0] for n, v in _times(G, origins, budget, reverse).items()}
