"""Two-layer expansion of the graph so plain Dijkstra honours the first-boarding rule.

The first boarding of a trip costs only processing; later boardings cost a
transfer and a wait, so the cost of an edge depends on the path so far.  The
expansion has two copies of every dataset node: layer 0 "not yet boarded"
and layer 1 "boarded at least once".  Links stay within their layer; a board
edge leads from either layer into layer 1 (costing ``first_minutes`` from
layer 0 and ``minutes`` from layer 1); ride and alight edges live in layer 1.
A shortest path in the expansion is exactly a cheapest trip under the rule.
The node of state ``(n, layer)`` is the integer ``2 * index(n) + layer``.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx

from ..geodata.errors import GraphError, PlaceNotFoundError
from . import _graphcache


@dataclass
class Layered:
    """The expansion of a graph ``G``: a DiGraph on integer states plus the index maps."""

    H: nx.DiGraph
    nodes: list            # index -> G node
    index: dict            # G node -> index

    def state(self, node, layer: int) -> int:
        return 2 * self.index[node] + layer


def layered(G) -> Layered:
    """The (cached) two-layer expansion of ``G``; see :mod:`._graphcache` for when it is rebuilt."""
    return _graphcache.cached(G, "layered", lambda: _expand(G), fp=_graphcache.fingerprint(G))


def _expand(G) -> Layered:
    nodes = list(G.nodes)
    index = {n: i for i, n in enumerate(nodes)}
    H = nx.DiGraph()
    H.add_nodes_from(range(2 * len(nodes)))

    def put(a, b, w, edge):
        old = H.get_edge_data(a, b)
        if old is None or w < old["minutes"]:
            H.add_edge(a, b, minutes=w, edge=edge)

    for u, v, k, d in G.edges(keys=True, data=True):
        iu, iv = 2 * index[u], 2 * index[v]
        kind = d.get("kind")
        w = d.get("minutes")
        if w is None or not w >= 0:
            raise GraphError(f"edge ({u!r}, {v!r}, {k!r}) has minutes={w!r}; every edge needs minutes >= 0")
        if kind == "board":
            put(iu, iv + 1, float(d.get("first_minutes", w)), (u, v, k))
            put(iu + 1, iv + 1, float(w), (u, v, k))
        else:
            if kind == "link":
                put(iu, iv, float(w), (u, v, k))
            put(iu + 1, iv + 1, float(w), (u, v, k))
    return Layered(H=H, nodes=nodes, index=index)


def check_node(G, node) -> None:
    """Raise :class:`PlaceNotFoundError` (with close ids) if ``node`` is not a dataset node of ``G``."""
    if node in G and G.nodes[node].get("kind") != "service_stop":
        return
    import difflib

    ids = [n for n, k in G.nodes(data="kind") if k != "service_stop"]
    close = difflib.get_close_matches(str(node), ids, n=5)
    hint = f"; did you mean {', '.join(close)}?" if close else "; run `qjnet places` for the ids"
    raise PlaceNotFoundError(f"unknown place {node!r}{hint}", suggestions=close)


def dijkstra(G, sources, *, cutoff: float | None = None, reverse: bool = False):
    """Plain networkx Dijkstra on the expansion.

    Forward: trips that start at any of ``sources`` (layer 0).  Reverse: trips
    that end at any of ``sources`` (either layer), searched on the reversed
    expansion.  Returns ``(lay, dist, paths)`` keyed by state; a forward path
    runs from a start state to the state, a reverse path from the end state
    back to the state (reverse it to read the trip).
    """
    lay = layered(G)
    H = lay.H.reverse(copy=False) if reverse else lay.H
    starts = set()
    for s in sources:
        check_node(G, s)
        starts.add(lay.state(s, 0))
        if reverse:
            starts.add(lay.state(s, 1))
    dist, paths = nx.multi_source_dijkstra(H, starts, cutoff=cutoff, weight="minutes")
    return lay, dist, paths


def best(lay: Layered, dist: dict, node, *, reverse: bool = False):
    """Best minutes at a dataset node and the state achieving it (``(inf, None)`` if unreached)."""
    i = lay.index[node]
    if reverse:
        s = 2 * i
        return (dist[s], s) if s in dist else (float("inf"), None)
    a, b = dist.get(2 * i), dist.get(2 * i + 1)
    if a is None and b is None:
        return float("inf"), None
    if b is None or (a is not None and a <= b):
        return a, 2 * i
    return b, 2 * i + 1
