"""Contraction hierarchies: exact many-to-many travel times, much faster than repeated Dijkstra.

A :class:`ContractionHierarchy` is built once per compiled graph (and
direction) and cached on it.  Nodes are contracted one by one
(:mod:`._ch_contract`), in the order of a priority ``level + added / removed
arcs + added / removed hops`` kept up to date for the neighbours of every
contracted node (Geisberger et al., 2008; the terms RoutingKit uses).
Contracting ``v`` adds a shortcut ``u -> x`` of minutes ``w(u, v) + w(v, x)``
unless a bounded witness search (at most :data:`WITNESS_SETTLE` settled nodes)
finds a path from ``u`` to ``x`` avoiding ``v`` that is no longer; a search cut
short only adds shortcuts, so answers stay exact.  Every node keeps its arcs
to higher-ranked nodes; a shortest path then always climbs from the origin and
descends to the destination.  On the 1M-node synthetic network of ``bench/``
this takes under three minutes on two shared cores (an order by a lazily
updated edge difference alone took nineteen).

A matrix is answered by the bucket method (Knopp et al., 2007): one upward
search backwards from each destination fills per-node buckets, one upward
search from each origin scans them.  With ``max_minutes`` both searches stop
at that bound.  The search states are those of the compiled matrix, so the
first-boarding layers (``blocks == 3``) are handled exactly like Dijkstra.

Results equal Dijkstra's: the same minimum over the same paths.  Sums are
taken in another order (shortcut minutes are sums), so with minutes that are
not exact binary fractions a figure can differ from Dijkstra's in the last
bit or two (about 1e-13 minutes).

The kernels (:mod:`._ch_kernels`) need numba (``pip install 'qjnet[fast]'``);
:func:`available` says whether it is installed.
"""

from __future__ import annotations

import functools
import importlib.util
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..geodata.errors import OptionError
from .csr import CompiledGraph

log = logging.getLogger(__name__)

__all__ = ["Buckets", "ContractionHierarchy", "available", "build_ch", "ch_times", "choose_engine"]

#: Nodes settled by one witness search at most: more gives fewer shortcuts and slower preprocessing.
WITNESS_SETTLE = 60
#: The same bound when a priority is only estimated (the initial queue and neighbours' updates).
SIMULATE_SETTLE = 25


@functools.cache
def available() -> bool:
    """``True`` when the hierarchy's numba kernels import (numba installed and built for this numpy)."""
    try:
        importlib.import_module(f"{__package__}._ch_kernels")
    except Exception as exc:  # not installed, or an install that does not match numpy
        log.debug("contraction hierarchies unavailable: %s", exc)
        return False
    return True


@dataclass(frozen=True, eq=False)
class ContractionHierarchy:
    """A contraction hierarchy of a compiled graph's search states.

    Attributes
    ----------
    rank
        Contraction order of each state (int64).
    up
        ``(indptr, indices, minutes)``: arcs from each state to higher-ranked ones.
    down
        ``(indptr, indices, minutes)``: for each state, the higher-ranked states
        with an arc *into* it.
    shortcuts
        Arcs added by contraction.
    seconds
        Preprocessing time.
    reverse
        Built on the reversed graph.
    """

    rank: np.ndarray
    up: tuple
    down: tuple
    shortcuts: int
    seconds: float
    reverse: bool = False

    @property
    def nbytes(self) -> int:
        """Memory held by the arrays, in bytes."""
        return self.rank.nbytes + sum(a.nbytes for a in self.up) + sum(a.nbytes for a in self.down)


def _need_numba() -> None:
    if not available():
        raise OptionError("engine 'ch' needs numba; install it with pip install 'qjnet[fast]' "
                          "or use engine='dijkstra'")


def _csr(rows: np.ndarray, cols: np.ndarray, mins: np.ndarray, size: int) -> tuple:
    order = np.lexsort((cols, rows))
    indptr = np.zeros(size + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=size), out=indptr[1:])
    return indptr, cols[order].astype(np.int32, copy=False), mins[order]


def build_ch(compiled: CompiledGraph, *, reverse: bool = False, refresh: bool = False) -> ContractionHierarchy:
    """The contraction hierarchy of ``compiled`` (built once, then cached on it).

    Parameters
    ----------
    compiled
        A :class:`~network.csr.CompiledGraph`.
    reverse
        Build it on the reversed graph (for times *to* origins).
    refresh
        Build again even if one is cached.

    Returns
    -------
    ContractionHierarchy

    Raises
    ------
    OptionError
        numba is not installed.

    Examples
    --------
    >>> import networkx as nx
    >>> from qjnet.network.csr import compile_graph
    >>> G = nx.DiGraph([("a", "b", {"minutes": 5.0}), ("b", "c", {"minutes": 7.5})])
    >>> h = build_ch(compile_graph(G))
    >>> sorted(h.rank.tolist())
    [0, 1, 2]
    """
    _need_numba()
    key = "ch_reverse" if reverse else "ch"
    if not refresh and key in compiled._extra:
        return compiled._extra[key]
    from . import _ch_contract as k

    t0 = time.perf_counter()
    fwd = compiled.transposed() if reverse else compiled.matrix
    rev = compiled.matrix if reverse else compiled.transposed()
    size = fwd.shape[0]
    rank, ua, ub, uc, da, db, dc = k.contract_all(
        size, fwd.indptr.astype(np.int64), fwd.indices, fwd.data,
        rev.indptr.astype(np.int64), rev.indices, rev.data, WITNESS_SETTLE, SIMULATE_SETTLE)
    shortcuts = len(ua) + len(da) - fwd.nnz
    ch = ContractionHierarchy(rank, _csr(ua, ub, uc, size), _csr(da, db, dc, size), int(shortcuts),
                              time.perf_counter() - t0, reverse)
    compiled._extra[key] = ch
    log.info("Contraction hierarchy: %s states, %s shortcuts, %.1f s, %.1f MB", f"{size:,}", f"{shortcuts:,}",
             ch.seconds, ch.nbytes / 1e6)
    return ch


class Buckets:
    """The backward half of a many-to-many query: the searches from a fixed set of target states.

    Built once, then :meth:`times` answers any number of source chunks.
    """

    def __init__(self, ch: ContractionHierarchy, targets: Sequence[int] | np.ndarray, limit: float = np.inf):
        from . import _ch_kernels as k

        self.ch = ch
        self.limit = float(limit)
        self.n_targets = len(targets)
        kernel: Any = k.buckets  # a numba dispatcher: its call signature is not typed
        self.arrays = kernel(*ch.down, np.asarray(targets, dtype=np.int64), self.limit, len(ch.rank))

    def times(self, sources: Sequence[int] | np.ndarray) -> np.ndarray:
        """``(len(sources), n_targets)`` minutes from each source state (``inf`` if unreached or beyond the limit)."""
        from . import _ch_kernels as k

        kernel: Any = k.scan
        return kernel(*self.ch.up, *self.arrays, self.n_targets, np.asarray(sources, dtype=np.int64), self.limit,
                      len(self.ch.rank))


def ch_times(ch: ContractionHierarchy, sources: Sequence[int] | np.ndarray, targets: Sequence[int] | np.ndarray,
             limit: float = np.inf) -> np.ndarray:
    """Minutes from each source state to each target state (``inf`` if unreached or beyond ``limit``).

    Parameters
    ----------
    ch
        From :func:`build_ch`.
    sources, targets
        States of the compiled matrix (node rows for a one-block graph; see
        :meth:`~network.csr.CompiledGraph.source_states` and ``read_offset``).
    limit
        Leave out (``inf``) pairs farther apart than this.

    Returns
    -------
    numpy.ndarray
        ``(len(sources), len(targets))`` float64.

    Examples
    --------
    >>> import networkx as nx
    >>> from qjnet.network.csr import compile_graph
    >>> C = compile_graph(nx.DiGraph([("a", "b", {"minutes": 5.0}), ("b", "c", {"minutes": 7.5})]))
    >>> ch_times(build_ch(C), [0, 2], [1, 2]).tolist()
    [[5.0, 12.5], [inf, 0.0]]
    """
    return Buckets(ch, targets, limit).times(sources)


#: Engines of :func:`network.matrix.matrix_long` / ``matrix_wide``.
ENGINES = ("auto", "dijkstra", "ch")
#: "auto" builds a hierarchy for at least this many origins (else only uses one already built).
AUTO_MIN_ORIGINS = 2000
#: The same without a cutoff (each Dijkstra then searches the whole graph, so the build pays off sooner).
AUTO_MIN_ORIGINS_NO_LIMIT = 500
#: "auto" uses the hierarchy for at most this many destinations (buckets grow with them).
AUTO_MAX_TARGETS = 20000
#: "auto" never builds a hierarchy for graphs smaller than this (Dijkstra is fast there).
AUTO_MIN_STATES = 20000


def choose_engine(engine: str, compiled: CompiledGraph, n_origins: int, n_targets: int | None, *,
                  reverse: bool = False, client: object = None, limit: float = np.inf) -> str:
    """The engine a matrix runs on: ``"dijkstra"`` or ``"ch"`` (see :data:`ENGINES`).

    ``"auto"`` takes the hierarchy when numba is installed, no Dask client is
    given, the destinations are listed (at most :data:`AUTO_MAX_TARGETS`),
    and either a hierarchy is already cached or the query is big enough to
    repay building one (:data:`AUTO_MIN_ORIGINS` origins, or
    :data:`AUTO_MIN_ORIGINS_NO_LIMIT` without a cutoff ``limit``, on a graph of
    at least :data:`AUTO_MIN_STATES` states).

    Examples
    --------
    >>> import networkx as nx
    >>> from qjnet.network.csr import compile_graph
    >>> choose_engine("auto", compile_graph(nx.DiGraph([(1, 2, {"minutes": 1.0})])), 1, 1)
    'dijkstra'
    """
    if engine not in ENGINES:
        raise OptionError(f"engine {engine!r} is not one of {', '.join(ENGINES)}")
    if engine == "ch":
        _need_numba()
        if client is not None:
            raise OptionError("engine 'ch' runs in this process; leave out the Dask client or use engine='dijkstra'")
        return "ch"
    if engine == "dijkstra" or client is not None or not available():
        return "dijkstra"
    if n_targets is None or n_targets > AUTO_MAX_TARGETS:
        return "dijkstra"
    cached = ("ch_reverse" if reverse else "ch") in compiled._extra
    enough = AUTO_MIN_ORIGINS if np.isfinite(limit) else AUTO_MIN_ORIGINS_NO_LIMIT
    big = n_origins >= enough and compiled.matrix.shape[0] >= AUTO_MIN_STATES
    return "ch" if cached or big else "dijkstra"
