"""Range and published share of the answer between every pair of places: :func:`node_provenance`.

What the accessibility explorer embeds (:func:`maps.explorer.explorer_html`) next to the minutes of
:func:`network.matrix.node_minutes`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .route import reach_provenance

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["NodeProvenance", "node_provenance"]


@dataclass(frozen=True)
class NodeProvenance:
    """Range and published share of the fastest expected trip between every pair of ``nodes``.

    ``low``, ``high`` and ``published_share``: ``(len(nodes), len(nodes))`` float arrays, row = origin,
    NaN where not reached or where a node is not in the graph (what the accessibility explorer embeds).
    """

    nodes: list
    low: Any
    high: Any
    published_share: Any


def node_provenance(G: nx.MultiDiGraph, nodes: Iterable) -> NodeProvenance:
    """The :class:`NodeProvenance` among ``nodes`` on ``G`` (one search per origin).

    Parameters
    ----------
    G
        Graph from :func:`network.build_graph`.
    nodes
        Node ids, e.g. ``node_minutes(G).nodes`` (:func:`network.matrix.node_minutes`).

    Returns
    -------
    NodeProvenance

    Examples
    --------
    >>> from qjnet.network import build_graph
    >>> G = build_graph(date="2025-07-03")
    >>> p = node_provenance(G, ["cq_east", "qianjiang"])
    >>> [float(p.low[0, 1]), float(p.high[0, 1]), float(p.published_share[0, 1])]
    [59.0, 63.0, 1.0]
    """
    import numpy as np

    nodes = list(nodes)
    index = {n: i for i, n in enumerate(nodes)}
    low, high, share = (np.full((len(nodes), len(nodes)), np.nan) for _ in range(3))
    for i, o in enumerate(nodes):
        if o not in G:
            continue
        for t, p in reach_provenance(G, o, [n for n in nodes if n in G]).items():
            j = index[t]
            low[i, j], high[i, j], share[i, j] = p.range[0], p.range[1], p.published_share
    return NodeProvenance(nodes, low, high, share)
