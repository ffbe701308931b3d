"""Many trips at once: :func:`routes` answers a list of (origin, destination) pairs.

:func:`network.route` searches the networkx expansion for one pair; for
thousands of pairs, or graphs of a million nodes, that is too slow.
:func:`routes` runs one C search per distinct origin on the compiled graph
(:mod:`network.csr`, a chunk of origins at a time, keeping the predecessor
arrays) and reads every itinerary off the predecessor tree: the same
legs, waits and provenance as :func:`network.route` gives pair by pair.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Hashable, Iterable
from typing import TYPE_CHECKING

from . import _layers
from .route import Itinerary, legs_of_steps, route, with_provenance

if TYPE_CHECKING:
    import networkx as nx
    import numpy as np

    from .csr import CompiledGraph

__all__ = ["routes"]

#: Bytes of minutes and predecessor arrays held at once (one row per origin of a chunk).
CHUNK_BYTES = 256 * 2**20


def routes(G: nx.MultiDiGraph, pairs: Iterable[tuple[Hashable, Hashable]], *, engine: str = "csr",
           provenance: bool = True) -> list[Itinerary | None]:
    """The fastest trip for each ``(origin, destination)`` pair, ``None`` where there is none.

    Parameters
    ----------
    G
        Graph from :func:`network.build_graph` (or any graph following the
        graph contract).
    pairs
        ``(origin, destination)`` node ids; origins may repeat (one search
        serves every pair that starts there).
    engine
        ``"csr"`` (default): one search per distinct origin on the compiled
        graph.  ``"networkx"``: :func:`network.route` pair by pair (the
        reference).
    provenance
        Attach each itinerary's provenance (published, derived, assumed and
        access minutes with a range), as :func:`network.route` does.

    Returns
    -------
    list
        One :class:`Itinerary` (or ``None``: no trip) per pair, in order.

    Raises
    ------
    PlaceNotFoundError
        A node id of a pair is not a dataset node of ``G``.
    OptionError
        An unknown ``engine``.

    Examples
    --------
    >>> from qjnet.network import build_graph
    >>> G = build_graph(date="2025-07-01")
    >>> trips = routes(G, [("cq_east", "qianjiang"), ("cq_east", "zjj_w")])
    >>> [round(t.minutes) for t in trips], trips[0].legs[0].mode
    ([61, 125], 'hsr')
    """
    pairs = [(a, b) for a, b in pairs]
    for node in dict.fromkeys(n for pair in pairs for n in pair):
        _layers.check_node(G, node)
    if engine == "networkx":
        return [_route_or_none(G, a, b, provenance) for a, b in pairs]
    if engine != "csr":
        from ..geodata.errors import OptionError

        raise OptionError(f"unknown engine {engine!r}; use 'csr' or 'networkx'")
    return _routes_csr(G, pairs, provenance)


def _route_or_none(G, a, b, provenance: bool) -> Itinerary | None:
    from dataclasses import replace

    from ..geodata.errors import NoRouteError

    try:
        it = route(G, a, b)
    except NoRouteError:
        return None
    return it if provenance else replace(it, provenance=None)


def _routes_csr(G, pairs: list, provenance: bool) -> list[Itinerary | None]:
    from .csr import compile_graph, shortest_times

    C = compile_graph(G)
    origins = list(dict.fromkeys(a for a, _ in pairs))
    per_chunk = max(1, CHUNK_BYTES // (4 * C.matrix.shape[0] + 8 * C.n))
    out: list[Itinerary | None] = [None] * len(pairs)
    for start in range(0, len(origins), per_chunk):
        chunk = origins[start:start + per_chunk]
        t = shortest_times(C, chunk, predecessors=True)
        row_of = {o: i for i, o in enumerate(chunk)}
        for i, (a, b) in enumerate(pairs):
            row = row_of.get(a)
            if row is None:
                continue
            col = C.index[b]
            minutes = float(t.minutes[row, col])
            if math.isinf(minutes):
                continue
            assert t.predecessors is not None  # requested above
            states = _state_path(C, t.predecessors[row], col)
            it = Itinerary(origin=a, destination=b, minutes=minutes, legs=tuple(legs_of_steps(G, _steps(C, states))),
                           date=G.graph.get("date"), scenario=G.graph.get("scenario"),
                           modes=tuple(G.graph.get("modes") or ()), params=dict(G.graph.get("params") or {}))
            out[i] = with_provenance(it, G) if provenance else it
    return out


def _state_path(C: CompiledGraph, pred: np.ndarray, col: int) -> list[int]:
    """States from the origin's start state to the answer state of node row ``col``."""
    seq = [col + C.read_offset()]
    while pred[seq[-1]] >= 0:
        seq.append(int(pred[seq[-1]]))
    seq.reverse()
    return seq


def _steps(C: CompiledGraph, states: list[int]) -> list[tuple]:
    """``((u, v, key), minutes, boarded)`` of each move between ``states`` (steps into end states left out)."""
    import numpy as np

    n, m = C.n, C.matrix
    out = []
    for p, t in itertools.pairwise(states):
        if C.blocks > 1 and t >= 2 * n:
            continue  # the 0-minute step from a layer to the end state
        lo, hi = m.indptr[p], m.indptr[p + 1]
        pos = lo + int(np.searchsorted(m.indices[lo:hi], t))
        key = None if C.keys is None else C.keys[pos]
        if isinstance(key, np.generic):
            key = key.item()
        out.append(((C.nodes[p % n], C.nodes[t % n], key), float(m.data[pos]), C.blocks > 1 and p >= n))
    return out
