"""Compile a graph to compressed sparse rows once; run C-speed Dijkstra on it.

Any graph that follows the graph contract (nodes with ``x``/``y``, every edge
with ``minutes`` >= 0) compiles to a :class:`CompiledGraph`: a
``scipy.sparse.csr_matrix`` of minutes (parallel edges reduced to their
minimum, self-loops dropped) plus the node id <-> row index maps and the node
coordinates as arrays.  ``scipy.sparse.csgraph.dijkstra`` then answers
single- and many-origin queries with a cutoff (``limit``) in C.

The first-boarding rule
-----------------------
In the model graph (:func:`network.build_graph`) a ``board`` edge costs
``first_minutes`` on the first boarding of a trip and ``minutes`` on later
ones, so an edge's cost depends on the path so far.  When a graph has
``kind == "board"`` edges the compiled matrix therefore holds three blocks of
states: layer 0 "not yet boarded", layer 1 "boarded at least once", and an
"end" state per node.  Board edges lead from layer 0 into layer 1 at
``first_minutes`` and within layer 1 at ``minutes``; ``ride`` and ``alight``
edges live in layer 1; every other edge (links, roads, access) is in both
layers; both layers of a node lead to its end state at 0 minutes.  A forward
query starts in layer 0 and reads the end states (best of both layers); a
reverse query starts at the end state on the reversed matrix and reads layer
0 (trips that start unboarded).  Results are always per model node.  Graphs
without board edges compile to one block, the plain graph.

Caching and invalidation
------------------------
The compiled form is cached on the graph by :mod:`._graphcache`, in
``G.__networkx_cache__``.  networkx empties that dictionary itself whenever the graph
is changed through its methods (``add_edge``, ``remove_node``,
``add_edges_from``, ``update``, ``clear``, ...), and ``G.copy()`` starts with
an empty one, so structural changes always recompile.  On top of that every
use compares the node count with the one taken at compile time, and for
graph views (whose own cache networkx does not clear when the underlying
graph changes) also the edge count.  Changing an attribute in place (``G.edges[u, v, k]["minutes"] = 5``)
is invisible to both: call :func:`invalidate` afterwards (or pass
``refresh=True``).  Operations in qjnet never mutate a graph; they return new
ones, so this only concerns callers who edit graphs by hand.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np

from ..geodata.errors import GraphError
from . import _graphcache
from ._csr_arrays import _as_csr, _both_ways, _edge_arrays, _fastest_parallel, _three_blocks, compact_keys

log = logging.getLogger(__name__)

#: Value scipy uses for "no predecessor" in predecessor arrays.
NO_PREDECESSOR = -9999

__all__ = [
    "CompiledGraph",
    "NearestTimes",
    "Times",
    "compile_graph",
    "invalidate",
    "nearest_times",
    "shortest_times",
]


@dataclass(frozen=True, eq=False)
class CompiledGraph:
    """A graph compiled to CSR: the fast, read-only form used by every query.

    Attributes
    ----------
    nodes
        Node ids in row order (object array; ``nodes[i]`` is the id of row ``i``).
    index
        Node id -> row index.
    matrix
        ``scipy.sparse.csr_matrix`` (float64 minutes, int32 indices); entry
        ``(i, j)`` is the fastest edge from ``nodes[i]`` to ``nodes[j]``.
    keys
        For multigraphs, the key of the edge kept for each stored entry
        (aligned with ``matrix.data``); ``None`` for simple graphs.
    x, y
        Node coordinates (NaN where a node has none), aligned with ``nodes``.
    fingerprint
        ``(number_of_nodes, number_of_edges)`` of the graph at compile time
        (edges ``-1`` where not counted: see the module docstring).
    blocks
        1 for a plain graph; 3 when the first-boarding rule applies (see the
        module docstring).  The matrix has ``blocks * n`` rows; state ``s``
        belongs to node ``nodes[s % n]``.
    crs
        ``G.graph["crs"]`` at compile time (the CRS of ``x``/``y``).
    internal
        Boolean mask of the model's internal service-stop nodes (``kind ==
        "service_stop"``), aligned with ``nodes``.
    mode_codes
        int16 mode of the edge kept for each stored entry (aligned with
        ``matrix.data``): 0 for steps that do not move the traveller (board,
        alight, layer-to-end steps, edges whose ``kind`` is not ``ride`` or
        ``link``), else ``1 + i`` for mode ``mode_names[i]``.
    mode_names
        The modes of moving edges, in code order (see ``mode_codes``).
    """

    nodes: np.ndarray
    index: dict
    matrix: Any
    keys: np.ndarray | None
    x: np.ndarray
    y: np.ndarray
    fingerprint: tuple[int, int]
    blocks: int = 1
    crs: Any = None
    internal: np.ndarray | None = None
    mode_codes: np.ndarray | None = None
    mode_names: tuple = ()
    _transposed: list = field(default_factory=list, repr=False)
    _points: list = field(default_factory=list, repr=False)
    _extra: dict = field(default_factory=dict, repr=False)

    @property
    def n(self) -> int:
        """Number of nodes."""
        return len(self.nodes)

    @property
    def nbytes(self) -> int:
        """Memory held by the arrays (matrix, ids, coordinates, keys), in bytes."""
        m = self.matrix
        total = m.data.nbytes + m.indices.nbytes + m.indptr.nbytes + self.nodes.nbytes
        total += self.x.nbytes + self.y.nbytes
        if self.keys is not None:
            total += self.keys.nbytes
        if self.mode_codes is not None:
            total += self.mode_codes.nbytes
        return total

    def points(self) -> Any:
        """Point geometries of all nodes (a ``geopandas`` GeometryArray in :attr:`crs`), made once.

        ``points().take(idx)`` gives the geometries of node rows ``idx`` without
        creating any geometry.  The points are the ones :meth:`points_at`
        keeps, so once this has been called no reach makes a point again:
        it trades the memory of every node's point (about 216 bytes a node)
        for reading any reach's geometry without making a point.
        """
        if not self._points:
            from geopandas.array import GeometryArray

            store = self.point_store()
            every = store.objects(np.arange(self.n))  # a new array: writes to it leave reaches alone
            self._points.append(GeometryArray(every, crs=store.crs))
        return self._points[0]

    def points_at(self, rows: np.ndarray, *, lazy: bool = False) -> Any:
        """Point geometries of node rows ``rows`` (a ``geopandas`` GeometryArray in :attr:`crs`).

        Each node's point is made on first use and kept, so repeated queries
        on one area create no geometry while memory grows only with the nodes
        ever asked for (:meth:`points` makes them all at once).  ``lazy``:
        make them only when the array's values are first read (a
        :class:`network._points.NodePoints`, as in reach GeoDataFrames), with
        the geopandas versions that is tested on (0.14 to 1.x; with others
        they are made now).
        """
        store = self.point_store()
        if lazy:
            from ._points import lazy_supported

            if lazy_supported():
                return store.lazy(rows)
        from geopandas.array import GeometryArray

        return GeometryArray(store.objects(rows), crs=store.crs)

    def point_store(self) -> Any:
        """The :class:`network._points.PointStore` of this graph's kept node points (made on first use)."""
        store = self._extra.get("point_store")
        if store is None:
            from ._points import PointStore

            store = self._extra.setdefault("point_store", PointStore(self.x, self.y, self.crs))
        return store

    def source_states(self, idx: np.ndarray, *, reverse: bool = False) -> np.ndarray:
        """States a search from node rows ``idx`` starts at (layer 0, or the end state if reversed)."""
        if self.blocks == 1:
            return idx
        return idx + (2 * self.n if reverse else 0)

    def read_offset(self, *, reverse: bool = False) -> int:
        """First state of the block that holds a query's per-node answers."""
        return 0 if self.blocks == 1 or reverse else 2 * self.n

    def transposed(self) -> Any:
        """The CSR of the reversed graph (computed once, on first use)."""
        if not self._transposed:
            self._transposed.append(_as_csr(self.matrix.transpose().tocsr()))
        return self._transposed[0]

    def indices_of(self, ids: Iterable[Hashable], *, what: str = "origin") -> np.ndarray:
        """Row indices of node ``ids``; :class:`GraphError` names any id not in the graph."""
        ids = list(ids)
        index = self.index
        missing = [i for i in ids if i not in index]
        if missing:
            shown = ", ".join(repr(m) for m in missing[:3])
            more = f" (and {len(missing) - 3} more)" if len(missing) > 3 else ""
            raise GraphError(
                f"{what} {shown}{more} not in the graph ({self.n} nodes); "
                f"use node ids of the graph (e.g. {self.nodes[0]!r})" if self.n else
                f"{what} {shown}{more} not in the graph: the graph has no nodes"
            )
        return np.fromiter((index[i] for i in ids), dtype=np.int32, count=len(ids))

    def arrival_edges(self, predecessors: np.ndarray, targets: np.ndarray, *,
                      reverse: bool = False) -> list[tuple | None]:
        """Edges ``(u, v, key)`` (``(u, v)`` for simple graphs) by which ``targets`` are reached.

        ``predecessors`` is one row of a predecessor array (states) from a query
        with the same ``reverse``; ``targets`` are node rows.  For reverse
        queries the edge is the one leaving the target.  Origins and unreached
        targets give ``None``.
        """
        m = self.transposed() if reverse else self.matrix
        off = self.read_offset(reverse=reverse)
        n = self.n
        out: list[tuple | None] = []
        for t in np.asarray(targets):
            t = int(t) + off
            p = int(predecessors[t])
            if p >= 0 and self.blocks > 1 and p % n == t % n:  # the 0-minute step to an end state
                t, p = p, int(predecessors[p])
            if p < 0:
                out.append(None)
                continue
            lo, hi = m.indptr[p], m.indptr[p + 1]
            pos = lo + int(np.searchsorted(m.indices[lo:hi], t))
            a, b = self.nodes[p % n], self.nodes[t % n]
            u, v = (b, a) if reverse else (a, b)
            if self.keys is None:
                out.append((u, v))
            else:
                key = self.keys[self.matrix_position(p, t, reverse=reverse, pos=pos)]
                out.append((u, v, key.item() if isinstance(key, np.generic) else key))
        return out

    def matrix_position(self, p: int, t: int, *, reverse: bool, pos: int) -> int:
        """Position in ``matrix.data`` of the forward edge behind entry ``(p, t)`` of the searched matrix."""
        if not reverse:
            return pos
        m = self.matrix
        lo, hi = m.indptr[t], m.indptr[t + 1]
        return lo + int(np.searchsorted(m.indices[lo:hi], p))


@dataclass(frozen=True, eq=False)
class Times:
    """Travel times from each of several origins to every node.

    Attributes
    ----------
    origins
        Origin ids, one per row of ``minutes``.
    compiled
        The :class:`CompiledGraph` the times refer to (columns are its rows).
    minutes
        ``(len(origins), n)`` float64 array; ``inf`` where not reached (or beyond the limit).
    predecessors
        ``(len(origins), blocks * n)`` int32 previous *state* on the fastest path
        (``NO_PREDECESSOR`` for origins and unreached states; state ``s`` is node
        ``s % n``); ``None`` unless requested.
    reverse
        ``True`` when times are *to* the origins (the reversed graph).
    """

    origins: tuple
    compiled: CompiledGraph
    minutes: np.ndarray
    predecessors: np.ndarray | None
    reverse: bool = False

    def to_dict(self, origin: Hashable) -> dict:
        """``{node id: minutes}`` of the nodes reached from ``origin`` (as networkx returns)."""
        row = self.minutes[self._row(origin)]
        hit = np.flatnonzero(np.isfinite(row))
        return dict(zip(self.compiled.nodes[hit].tolist(), row[hit].tolist(), strict=False))

    def path(self, origin: Hashable, target: Hashable) -> list:
        """Node ids on the fastest path from ``origin`` to ``target`` (to the origin when reversed).

        Raises :class:`GraphError` when predecessors were not requested and
        returns ``[]`` when ``target`` is not reached.
        """
        if self.predecessors is None:
            raise GraphError("no predecessors kept; call shortest_times(..., predecessors=True)")
        row = self._row(origin)
        pred = self.predecessors[row]
        t = int(self.compiled.indices_of([target], what="target")[0])
        if not np.isfinite(self.minutes[row, t]):
            return []
        n = self.compiled.n
        seq = [t + self.compiled.read_offset(reverse=self.reverse)]
        while pred[seq[-1]] >= 0:
            seq.append(int(pred[seq[-1]]))
        nodes = [s % n for s in seq]
        nodes = [v for i, v in enumerate(nodes) if i == 0 or v != nodes[i - 1]]
        if not self.reverse:
            nodes.reverse()
        return self.compiled.nodes[nodes].tolist()

    def _row(self, origin: Hashable) -> int:
        try:
            return self.origins.index(origin)
        except ValueError:
            raise GraphError(f"{origin!r} is not one of the origins of this result") from None


@dataclass(frozen=True, eq=False)
class NearestTimes:
    """Travel times from the nearest of several origins (one multi-source search).

    Attributes
    ----------
    origins
        The origin ids.
    compiled
        The :class:`CompiledGraph` the arrays are aligned with.
    minutes
        ``(n,)`` float64: minutes from the nearest origin, ``inf`` if unreached.
    sources
        ``(n,)`` int32 row index of that origin (``NO_PREDECESSOR`` if unreached).
    predecessors
        ``(blocks * n,)`` int32 previous state on the path (state ``s`` is node ``s % n``).
    reverse
        ``True`` when times are *to* the nearest origin.
    """

    origins: tuple
    compiled: CompiledGraph
    minutes: np.ndarray
    sources: np.ndarray
    predecessors: np.ndarray
    reverse: bool = False

    def reached(self) -> np.ndarray:
        """Row indices of the reached nodes, fastest first (ties by row order)."""
        hit = np.flatnonzero(np.isfinite(self.minutes))
        return hit[np.argsort(self.minutes[hit], kind="stable")]

    def arrival_edges(self, targets: np.ndarray) -> list[tuple | None]:
        """The edge each of ``targets`` (node rows) is reached by; see :meth:`CompiledGraph.arrival_edges`."""
        return self.compiled.arrival_edges(self.predecessors, targets, reverse=self.reverse)


def invalidate(G: nx.Graph) -> None:
    """Drop the compiled form (and every other structure) cached on ``G``; the next query rebuilds.

    Call this after editing edge or node attributes in place (for example
    ``G.edges[u, v, k]["minutes"] = 5``): such edits are not detected.
    """
    _graphcache.invalidate(G)


def _fingerprint(G: nx.Graph, *, full: bool) -> tuple[int, int]:
    # counting edges walks every adjacency list (O(n) in Python), so it is only
    # done where networkx cannot clear the cache itself: views and old networkx
    return (G.number_of_nodes(), G.number_of_edges() if full else -1)


def compile_graph(G: nx.Graph, *, refresh: bool = False) -> CompiledGraph:
    """Compile ``G`` to CSR, or return the cached compiled form.

    Parameters
    ----------
    G
        A graph following the graph contract: ``nx.DiGraph`` or
        ``nx.MultiDiGraph`` (undirected graphs count each edge both ways),
        every edge with a finite ``minutes`` >= 0.  Parallel edges are reduced
        to the fastest one.
    refresh
        Recompile even if a cached form looks current.

    Returns
    -------
    CompiledGraph

    Raises
    ------
    GraphError
        An edge without ``minutes``, or with a negative, NaN, infinite or
        non-numeric value; names the first such edge and how many there are.

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.MultiDiGraph()
    >>> G.add_edge("a", "b", minutes=10.0); G.add_edge("a", "b", minutes=7.0)
    0
    1
    >>> C = compile_graph(G)
    >>> C.n, float(C.matrix[C.index["a"], C.index["b"]])
    (2, 7.0)
    >>> compile_graph(G) is C
    True
    """
    guarded = getattr(G, "__networkx_cache__", None) is not None and not nx.is_frozen(G)
    fp = _fingerprint(G, full=not guarded)
    return _graphcache.cached(G, "csr", lambda: _compile(G, fp), fp=fp, refresh=refresh)


def _compile(G: nx.Graph, fp: tuple[int, int]) -> CompiledGraph:
    from scipy.sparse import csr_matrix

    nodes = np.empty(len(G), dtype=object)
    nodes[:] = list(G)  # slice assignment keeps tuple ids as scalars
    index = {n: i for i, n in enumerate(nodes.tolist())}
    n = len(nodes)
    x = np.fromiter((d.get("x", math.nan) for d in G._node.values()), dtype=float, count=n) \
        if n else np.empty(0)
    y = np.fromiter((d.get("y", math.nan) for d in G._node.values()), dtype=float, count=n) \
        if n else np.empty(0)
    internal = np.fromiter((d.get("kind") == "service_stop" for d in G._node.values()), dtype=bool, count=n)
    mode_index: dict = {}
    r, c, w, k, code_arr, first, mc = _edge_arrays(G, index, mode_index)
    if not G.is_directed():
        r, c, w, k, code_arr, first, mc = _both_ways(r, c, w, k, code_arr, first, mc)
    blocks = 3 if (code_arr == 1).any() else 1
    if blocks == 3:
        r, c, w, k, mc = _three_blocks(r, c, w, k, code_arr, first, mc, n)
    del code_arr, first
    size = blocks * n
    arrays = [r, c, w, k, mc]
    del r, c, w, k, mc
    _fastest_parallel(arrays)
    r, c, w, k, mc = arrays
    del arrays
    k = compact_keys(k)
    indptr = np.zeros(size + 1, dtype=np.int32)
    np.cumsum(np.bincount(r, minlength=size), out=indptr[1:])
    # built from (data, indices, indptr) directly so explicit zero-minute edges stay edges
    matrix = _as_csr(csr_matrix((w, c.astype(np.int32), indptr), shape=(size, size)))
    compiled = CompiledGraph(nodes=nodes, index=index, matrix=matrix, keys=k, x=x, y=y, fingerprint=fp,
                             blocks=blocks, crs=G.graph.get("crs"), internal=internal,
                             mode_codes=mc, mode_names=tuple(mode_index))
    log.info("Compiled graph: %s nodes, %s edges, %s, %.1f MB", f"{n:,}", f"{matrix.nnz:,}",
             "first-boarding layers" if blocks > 1 else "one layer", compiled.nbytes / 1e6)
    return compiled


def _limit(limit: float | None) -> float:
    if limit is None:
        return np.inf
    try:
        value = float(limit)
    except (TypeError, ValueError):
        raise GraphError(f"limit {limit!r} is not a number of minutes") from None
    if math.isnan(value) or value < 0:
        raise GraphError(f"limit {limit!r} must be a number of minutes >= 0")
    return value


def shortest_times(
    G: nx.Graph | CompiledGraph,
    origins: Iterable[Hashable],
    *,
    limit: float | None = None,
    reverse: bool = False,
    predecessors: bool = False,
) -> Times:
    """Fastest travel times from each origin to every node, in one C call.

    Parameters
    ----------
    G
        A graph following the graph contract, or its :class:`CompiledGraph`
        (compiled and cached on first use).
    origins
        Origin node ids; one row of the result each.
    limit
        Cutoff in minutes: nodes farther than ``limit`` count as not reached
        (``inf``), and the search stops there, which is much faster.
    reverse
        Times *to* each origin instead of from it (searches the reversed graph).
    predecessors
        Also keep the predecessor arrays, for :meth:`Times.path`.

    Returns
    -------
    Times
        ``minutes[i, j]`` is the time from ``origins[i]`` to ``compiled.nodes[j]``.

    Raises
    ------
    GraphError
        An origin not in the graph, a bad ``limit``, or an edge breaking the contract.

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.DiGraph([("a", "b", {"minutes": 5.0}), ("b", "c", {"minutes": 7.5})])
    >>> t = shortest_times(G, ["a"], limit=10)
    >>> t.to_dict("a")
    {'a': 0.0, 'b': 5.0}
    >>> shortest_times(G, ["c"], reverse=True, predecessors=True).path("c", "a")
    ['a', 'b', 'c']
    """
    from scipy.sparse.csgraph import dijkstra

    compiled = G if isinstance(G, CompiledGraph) else compile_graph(G)
    origins = tuple(origins)
    idx = compiled.indices_of(origins)
    lim = _limit(limit)
    matrix = compiled.transposed() if reverse else compiled.matrix
    n = compiled.n
    if len(idx) == 0:
        pred = np.empty((0, compiled.blocks * n), np.int32) if predecessors else None
        return Times(origins, compiled, np.empty((0, n)), pred, reverse)
    src = compiled.source_states(idx, reverse=reverse)
    result = dijkstra(matrix, directed=True, indices=src, limit=lim, return_predecessors=predecessors)
    dist, pred = result if predecessors else (result, None)
    if compiled.blocks > 1:
        off = compiled.read_offset(reverse=reverse)
        dist = np.ascontiguousarray(dist[:, off:off + n])
    if pred is not None:
        pred = pred.astype(np.int32, copy=False)
    return Times(origins, compiled, dist, pred, reverse)


def nearest_times(
    G: nx.Graph | CompiledGraph,
    origins: Iterable[Hashable],
    *,
    limit: float | None = None,
    reverse: bool = False,
) -> NearestTimes:
    """Travel times from the nearest of ``origins`` to every node, in one search.

    This is what a reach query from several origins needs: one multi-source
    Dijkstra (``min_only``) instead of one per origin.

    Parameters
    ----------
    G
        A graph following the graph contract, or its :class:`CompiledGraph`.
    origins
        Origin node ids (at least one).
    limit
        Cutoff in minutes, as in :func:`shortest_times`.
    reverse
        Times *to* the nearest origin.

    Returns
    -------
    NearestTimes

    Raises
    ------
    GraphError
        No origins, an origin not in the graph, a bad ``limit`` or a bad edge.

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.DiGraph([("a", "c", {"minutes": 9.0}), ("b", "c", {"minutes": 4.0})])
    >>> t = nearest_times(G, ["a", "b"])
    >>> float(t.minutes[t.compiled.index["c"]]), t.compiled.nodes[t.sources[t.compiled.index["c"]]]
    (4.0, 'b')
    """
    from scipy.sparse.csgraph import dijkstra

    compiled = G if isinstance(G, CompiledGraph) else compile_graph(G)
    origins = tuple(origins)
    if not origins:
        raise GraphError("no origins given; pass at least one node id")
    idx = compiled.indices_of(origins)
    lim = _limit(limit)
    matrix = compiled.transposed() if reverse else compiled.matrix
    dist, pred, src = dijkstra(matrix, directed=True, indices=compiled.source_states(idx, reverse=reverse),
                               limit=lim, min_only=True, return_predecessors=True)
    n = compiled.n
    off = compiled.read_offset(reverse=reverse)
    src = src[off:off + n].astype(np.int32, copy=True)
    if compiled.blocks > 1:
        src[src >= 0] %= n
    return NearestTimes(origins, compiled, dist[off:off + n], src, pred.astype(np.int32, copy=False), reverse)
