"""The one cache of structures derived from a graph (compiled CSR form, two-layer expansion).

Entries live in ``G.__networkx_cache__``, which networkx clears whenever nodes or
edges are added or removed, so a structural change always gives a fresh build.
Each entry also stores a fingerprint (node and edge counts plus the graph's
date, scenario and parameters) that is checked on every hit.  An in-place edit
of an attribute (``G.edges[u, v, k]["minutes"] = 5``) is not detected: call
:func:`invalidate` after one.  Graph classes without ``__networkx_cache__``
(older networkx, views) keep the entries in ``G.graph`` under a ``_qjnet_``
prefix.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import networkx as nx

T = TypeVar("T")
_PREFIX = "qjnet_"


def _store(G: nx.Graph) -> tuple[dict, str]:
    cache = getattr(G, "__networkx_cache__", None)
    if cache is not None:
        return cache, _PREFIX
    return G.graph, "_" + _PREFIX


def fingerprint(G: nx.Graph, *, count_edges: bool = True) -> tuple:
    """What a cached entry must agree with: sizes and the graph's date, scenario and parameters.

    Counting edges walks every adjacency list, so callers whose graph is
    guarded by networkx's own cache clearing may skip it.
    """
    return (G.number_of_nodes(), G.number_of_edges() if count_edges else -1, G.graph.get("date"),
            G.graph.get("scenario"), repr(G.graph.get("params")))


def cached(G: nx.Graph, name: str, build: Callable[[], T], *, fp: Any, refresh: bool = False) -> T:
    """Return the entry ``name`` cached on ``G`` if its fingerprint is ``fp``, else ``build()`` and cache it."""
    store, prefix = _store(G)
    hit = store.get(prefix + name)
    if not refresh and isinstance(hit, tuple) and len(hit) == 2 and hit[0] == fp:
        return hit[1]
    value = build()
    store[prefix + name] = (fp, value)
    return value


def invalidate(G: nx.Graph) -> None:
    """Drop every structure cached on ``G``; the next query rebuilds what it needs."""
    for store in (getattr(G, "__networkx_cache__", None), G.graph):
        if store is None:
            continue
        for key in [k for k in store if isinstance(k, str) and k.lstrip("_").startswith(_PREFIX)]:
            del store[key]
