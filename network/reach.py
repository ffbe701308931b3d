"""Reachability: every node reached from (or reaching) origins within a time budget (:func:`reach`).

Two engines answer the same question under the first-boarding rule: plain
networkx Dijkstra on the two-layer expansion of :mod:`network._layers` (the
reference) and scipy's C Dijkstra on the layered CSR form compiled and cached
on the graph by :mod:`network.csr` (the fast path, shared with matrices).  Both give identical minutes and
modes; the tests check that on hundreds of random graphs.  The compiled
path finds modes and origins by array work only (mode codes of the CSR
entries, pointer jumping down the predecessor tree) and builds the
GeoDataFrame column by column from arrays cached on the compiled graph
(:mod:`._reach_frame`).
Graphs with fewer than :data:`FAST_PATH_MIN_STATES` states use networkx:
on the embedded dataset (456 states) both answer in about 5 ms, and a
one-shot command saves the scipy import.
"""

from __future__ import annotations

import functools
import importlib
import itertools
import logging
import math
from collections.abc import Hashable, Iterable
from typing import TYPE_CHECKING

from . import _layers
from ._reach_frame import _arrays_to_gdf, _to_gdf
from .params import CONNECTOR_MODES, check_minutes

if TYPE_CHECKING:
    import geopandas as gpd
    import networkx as nx
    import numpy as np

    from .csr import CompiledGraph


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
        origins have 0 minutes and no mode.  The index and ``origin`` are
        int64 when every node id of ``G`` is an integer (as in OSMnx
        graphs), objects otherwise.

    Raises
    ------
    PlaceNotFoundError
        An origin is not a node of ``G``.
    OptionError
        ``minutes`` is not a positive number up to a week.

    Notes
    -----
    On big graphs (compiled engine) the geometry column is a ``NodePoints``
    array (a geopandas ``GeometryArray``; pickled, a plain one) whose
    points are made when it is first read (plotting, writing, spatial
    operations, ``repr``), not when the frame is made: reading the other
    columns, filtering, sorting or taking rows makes none, and reading the
    geometry of a filtered frame makes only its rows' points.  Each node's
    point is made once and kept for later reaches;
    ``network.csr.compile_graph(G).points()`` makes every node's point at
    once (about 216 bytes a node).

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
    if _small(G):
        return _to_gdf(G, _times_networkx(G, origins, budget, reverse))
    return _arrays_to_gdf(G, _reach_csr(G, origins, budget, reverse))


#: Below this many expansion states networkx answers as fast as the compiled
#: path and spares the ~0.3 s scipy import of a one-shot command.
FAST_PATH_MIN_STATES = 4000


def _small(G) -> bool:
    return 2 * G.number_of_nodes() < FAST_PATH_MIN_STATES


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
_MOVING = ("ride", "link")  # = _csr_arrays.MOVING_KINDS


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


def _times_csr(G, origins, budget, reverse, *, kernel: bool | None = None) -> dict:
    """Fast engine as a dict ``{node: (minutes, mode, origin)}``, like :func:`_times_networkx` (for tests)."""
    found = _reach_csr(G, origins, budget, reverse, kernel=kernel)
    return dict(zip(found.ids().tolist(),
                    zip(found.minutes.tolist(), found.modes().tolist(), found.origins().tolist(), strict=True),
                    strict=True))


class _Found:
    """The compiled engine's answer as arrays aligned with ``rows`` (node rows of ``compiled``)."""

    def __init__(self, compiled, rows, minutes, codes, sources, *, ordered: bool):
        self.compiled, self.rows, self.minutes, self.codes, self.sources = compiled, rows, minutes, codes, sources
        self.ordered = ordered  # rows already in order of minutes (ties in any order)

    def ids(self):
        return self.compiled.nodes[self.rows]

    def origins(self):
        return self.compiled.nodes[self.sources]

    def modes(self):
        import numpy as np

        names = np.empty(len(self.compiled.mode_names) + 1, dtype=object)
        names[1:] = self.compiled.mode_names
        return names[self.codes]


def _reach_csr(G, origins, budget, reverse, *, modes: bool = True, kernel: bool | None = None) -> _Found:
    """Fast engine: one multi-source search on the compiled CSR, modes by array work.

    Same answers as :func:`_times_networkx`.  With numba installed (or
    ``kernel=True``) one labelled Dijkstra (:mod:`._reach_kernel`) carries
    each state's mode of arrival and origin along; otherwise scipy's Dijkstra
    gives the predecessor tree and the mode of arrival of every reached state
    comes from the mode code of the edge into it
    (:attr:`CompiledGraph.mode_codes`), propagated down the tree by pointer
    jumping (:func:`arrival_codes`).
    """
    for o in origins:
        _layers.check_node(G, o)
    if kernel is None:
        kernel = _have_numba()
    if kernel:
        return _reach_kernel(G, origins, budget, reverse)
    import numpy as np

    from .csr import nearest_times

    t = nearest_times(G, origins, limit=None if math.isinf(budget) else budget, reverse=reverse)
    C = t.compiled
    rows = np.flatnonzero(np.isfinite(t.minutes))
    if C.internal is not None:
        rows = rows[~C.internal[rows]]
    codes = arrival_codes(C, t.predecessors, rows + C.read_offset(reverse=reverse), reverse=reverse) \
        if modes else None
    return _Found(C, rows, t.minutes[rows], codes, t.sources[rows], ordered=False)


@functools.cache
def _have_numba() -> bool:
    """Whether the numba search kernel can run: numba installed and importable with this numpy."""
    try:
        importlib.import_module(f"{__package__}._reach_kernel")  # imports numba
    except Exception as exc:  # not installed, or an install that does not match numpy
        log.debug("reach falls back to scipy: %s", exc)
        return False
    return True


def _reach_kernel(G, origins, budget, reverse) -> _Found:
    """The labelled Dijkstra of :mod:`._reach_kernel` on the compiled graph: settled in order of minutes."""
    import numpy as np

    from ._reach_kernel import labelled_dijkstra, new_scratch
    from .csr import compile_graph

    C = compile_graph(G)
    indptr, indices, data, codes, connector = _kernel_arrays(C, reverse)
    idx = C.indices_of(origins)
    pool = C._extra.setdefault("reach_scratch", [])
    try:
        scratch = pool.pop()  # one per concurrent search; list.pop and append are atomic
    except IndexError:
        scratch = new_scratch(C.matrix.shape[0])
    try:
        *found, heap = labelled_dijkstra(
            indptr, indices, data, codes, connector, C.source_states(idx, reverse=reverse).astype(np.int32),
            idx.astype(np.int32), float(budget), scratch)
        scratch = (*scratch[:2], heap, *scratch[3:])  # the heap may have grown
    finally:
        pool.append(scratch)
    states, minutes, mode, org = found
    if C.blocks > 1:  # answers are read from one block of states
        off = C.read_offset(reverse=reverse)
        keep = (states >= off) & (states < off + C.n)
        states, minutes, mode, org = states[keep] - off, minutes[keep], mode[keep], org[keep]
    if _has_internal(C):
        assert C.internal is not None  # set by every compilation
        keep = ~C.internal[states]
        states, minutes, mode, org = states[keep], minutes[keep], mode[keep], org[keep]
    return _Found(C, states, minutes, mode, org, ordered=True)


def _has_internal(C) -> bool:
    """Whether the compiled graph has internal service-stop nodes (checked once per compiled graph)."""
    has = C._extra.get("reach_internal")
    if has is None:
        has = C._extra["reach_internal"] = C.internal is not None and bool(C.internal.any())
    return has


def _kernel_arrays(C, reverse):
    """``(indptr, indices, minutes, mode codes, connector mask)`` of the compiled graph, or of its reverse."""
    key = "reach_kernel_reverse" if reverse else "reach_kernel"
    arrays = C._extra.get(key)
    if arrays is None:
        import numpy as np

        assert C.mode_codes is not None  # set by every compilation
        connector = np.array([False] + [m in CONNECTOR_MODES for m in C.mode_names])
        if reverse:
            T = C.transposed()
            arrays = (T.indptr, T.indices, T.data, C.mode_codes[_transpose_positions(C, T)], connector)
        else:
            m = C.matrix
            arrays = (m.indptr, m.indices, m.data, C.mode_codes, connector)
        C._extra[key] = arrays
    return arrays


def _transpose_positions(C, T):
    """For each stored entry of the transposed matrix ``T``, its position in ``C.matrix``."""
    import numpy as np

    from ._csr_arrays import entry_positions

    rows = np.repeat(np.arange(T.shape[0], dtype=np.int64), np.diff(T.indptr))
    # entry (r, c) of the transpose is entry (c, r) of the matrix
    return entry_positions(C.matrix.indptr, C.matrix.indices, T.indices.astype(np.int64), rows)


def arrival_codes(C: CompiledGraph, predecessors: np.ndarray, targets: np.ndarray, *,
                  reverse: bool = False) -> np.ndarray:
    """Mode code of arrival (see :attr:`CompiledGraph.mode_codes`) of each of ``targets`` (states).

    The main mode: the last moving, non-connector edge on the path into the
    state (the first out of it when ``reverse``), else the last moving edge,
    else 0 (an origin, or a path of board/alight steps only).
    """
    import numpy as np

    from ._csr_arrays import entry_positions

    pred = np.asarray(predecessors)
    reached = np.flatnonzero(pred >= 0)
    k = len(reached)
    local = np.full(len(pred), k, dtype=np.int32)
    local[reached] = np.arange(k, dtype=np.int32)
    p = pred[reached]
    rows, cols = (reached, p) if reverse else (p, reached)
    pos = entry_positions(C.matrix.indptr, C.matrix.indices, rows, cols)
    assert C.mode_codes is not None  # set by every compilation
    last = np.zeros(k + 1, dtype=np.int16)
    last[:k] = C.mode_codes[pos]
    connector = np.array([False] + [m in CONNECTOR_MODES for m in C.mode_names])
    main = np.where(connector[last], np.int16(0), last)
    jump = np.empty(k + 1, dtype=np.int32)
    jump[:k] = local[p]
    jump[k] = k
    main, last = first_marked(jump, main, last)
    at = local[np.asarray(targets)]
    return np.where(main[at] != 0, main[at], last[at])


def first_marked(jump: np.ndarray, *values: np.ndarray) -> list[np.ndarray]:
    """For each element, the first non-zero of ``values`` along its ``jump`` chain (itself first).

    ``jump`` is a forest of parent pointers whose roots point to themselves
    (with value 0); pointer jumping takes about log2(depth) array steps.

    Examples
    --------
    >>> import numpy as np
    >>> jump = np.array([3, 0, 1, 3])  # 2 -> 1 -> 0 -> the root 3
    >>> [v.tolist() for v in first_marked(jump, np.array([5, 0, 0, 0]), np.array([0, 7, 0, 0]))]
    [[5, 5, 5, 0], [0, 7, 7, 0]]
    """
    import numpy as np

    vals = [np.asarray(v).copy() for v in values]
    jump = np.asarray(jump).copy()

    def pending(ix):
        open_ = np.zeros(ix.size, dtype=bool)
        for v in vals:
            open_ |= v[ix] == 0
        j = jump[ix]
        return ix[open_ & (j != jump[j])]  # a value still unknown and the chain not yet at its root

    active = pending(np.arange(len(jump)))
    while active.size:
        j = jump[active]
        for v in vals:
            cur = v[active]
            v[active] = np.where(cur == 0, v[j], cur)
        jump[active] = jump[j]
        active = pending(active)
    return vals


def reach_times(G: nx.MultiDiGraph, origins: Hashable | Iterable[Hashable], *, minutes: float = math.inf,
                reverse: bool = False) -> dict:
    """``{node id: minutes}`` of the dataset nodes reached (fast path; no GeoDataFrame).

    ``minutes=inf`` (the default) searches the whole graph.
    """
    origins = _origins(origins)
    budget = math.inf if minutes == math.inf else check_minutes(minutes)
    if _small(G):
        return {n: v[0] for n, v in _times_networkx(G, origins, budget, reverse).items()}
    found = _reach_csr(G, origins, budget, reverse, modes=False)
    return dict(zip(found.ids().tolist(), found.minutes.tolist(), strict=True))
