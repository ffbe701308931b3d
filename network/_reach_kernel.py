"""numba kernel of :func:`network.reach.reach`: one Dijkstra that carries the mode and origin labels.

Where scipy's Dijkstra returns distances and a predecessor tree that must be
walked afterwards to find each node's mode of arrival and origin, this search
labels each state when it is settled: its parent is settled already, so the
state takes the mode code of the edge it was reached by (or keeps its
parent's, for a step that does not move the traveller, or a connector for the
main mode) and its parent's origin.  The answers are written in settling
order, which is already the order of minutes, into arrays indexed by that
order: nothing has to be gathered from per-state arrays afterwards.

Memory layout is what makes it fast: each state's minutes, search number and
parent sit in one 16-byte record (one cache line read per relaxed edge), and
each queue entry is one 16-byte (minutes, state) record.  The per-state
records are reused from search to search: a state counts as touched only when
its search number is the current one, so nothing is cleared.  While a state's
edges are relaxed, the edges of the next state to settle are already being
loaded (a prefetch hint), as a search in a new area waits mostly on memory.

Compiled by numba on first use and cached on disk; :mod:`network.reach` falls
back to scipy when numba is not installed.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from llvmlite import binding, ir
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic

#: Per-state record: best minutes so far, number of the search that set them, and the
#: settling position of the parent (``-1 - i`` for the ``i``-th source).
STATE = np.dtype([("minutes", np.float64), ("search", np.int32), ("parent", np.int32)])
#: Queue entry: a 4-ary heap of (minutes, state) with lazy deletion: a state is pushed
#: again when its time improves and stale entries are skipped when popped.  Four children
#: of 16 bytes fill one cache line.
ENTRY = np.dtype([("minutes", np.float64), ("state", np.int64)])
_LAST_SEARCH = 2147483646


#: LLVM's prefetch intrinsic for pointers without element types (LLVM 17 on); older LLVMs do without.
_PREFETCH = "llvm.prefetch.p0" if binding.llvm_version_info[0] >= 17 else None


def _prefetch_hint(typingctx, arr, idx):
    """Ask the CPU to start loading ``arr[idx]`` into the cache (a hint: nothing is read or checked).

    A search in a new area of a big graph waits on memory more than it
    computes: loading the next state's edges while the current one is
    relaxed saves about a fifth of its time.
    """
    def codegen(context, builder, signature, args):
        if _PREFETCH is not None:
            aryty = signature.args[0]
            ary = context.make_array(aryty)(context, builder, args[0])
            ptr = cgutils.get_item_pointer(context, builder, aryty, ary, [args[1]])
            i8p, i32 = ir.IntType(8).as_pointer(), ir.IntType(32)
            fn = cgutils.get_or_insert_function(builder.module, ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32]),
                                                _PREFETCH)
            # read access, keep in all cache levels, data cache
            builder.call(fn, [builder.bitcast(ptr, i8p), ir.Constant(i32, 0), ir.Constant(i32, 3), ir.Constant(i32, 1)])
        return context.get_dummy_value()

    return types.void(arr, idx), codegen


_prefetch: Any = intrinsic(_prefetch_hint)  # called from kernels as _prefetch(array, index)


@njit(cache=True)
def _push(heap, size, key, val):
    i = size
    while i > 0:
        parent = (i - 1) >> 2
        if heap[parent].minutes <= key:
            break
        heap[i].minutes = heap[parent].minutes  # field by field: faster than a record copy
        heap[i].state = heap[parent].state
        i = parent
    heap[i].minutes = key
    heap[i].state = val
    return size + 1


@njit(cache=True)
def _pop(heap, size):
    """Remove the root of the heap of ``size`` entries; returns the new size."""
    size -= 1
    key = heap[size].minutes
    val = heap[size].state
    i = 0
    while True:
        first = 4 * i + 1
        if first + 3 < size:  # four children: pick the smallest without branches
            k0 = heap[first].minutes
            k1 = heap[first + 1].minutes
            k2 = heap[first + 2].minutes
            k3 = heap[first + 3].minutes
            a = first if k0 <= k1 else first + 1
            ka = min(k0, k1)
            b = first + 2 if k2 <= k3 else first + 3
            kb = min(k2, k3)
            best = a if ka <= kb else b
            best_key = min(ka, kb)
        elif first < size:
            best = first
            best_key = heap[first].minutes
            for c in range(first + 1, size):
                if heap[c].minutes < best_key:
                    best = c
                    best_key = heap[c].minutes
        else:
            break
        if best_key >= key:
            break
        heap[i].minutes = best_key
        heap[i].state = heap[best].state
        i = best
    if size > 0:
        heap[i].minutes = key
        heap[i].state = val
    return size


def new_scratch(n: int) -> tuple:
    """Work arrays of searches on ``n`` states, reusable by later searches: see :func:`labelled_dijkstra`.

    ``(states, arrival codes, heap, settled, minutes, main codes, last codes,
    origins)``; the last five are indexed by settling order.  Made with
    ``np.empty``/``np.zeros``, so only the pages a search touches take memory.
    """
    states = np.zeros(n + 1, STATE)  # states[n].search holds the number of the last search
    return (states, np.empty(n, np.int16), np.empty(1024, ENTRY), np.empty(n, np.int32), np.empty(n, np.float64),
            np.empty(n, np.int16), np.empty(n, np.int16), np.empty(n, np.int32))


@njit(cache=True)
def _grown(heap, size):
    h = np.empty(2 * len(heap), heap.dtype)
    h[:size] = heap[:size]
    return h


@njit(cache=True)
def _next_search(states):
    n = len(states) - 1
    if states[n].search == _LAST_SEARCH:  # numbers used up: start again from a clean slate
        for i in range(n + 1):
            states[i].search = 0
    states[n].search += 1
    return states[n].search


@njit(cache=True)
def labelled_dijkstra(indptr, indices, data, codes, connector, sources, labels, limit, scratch):
    """Settled states in order of minutes with their minutes, arrival mode code and origin label.

    ``codes[e]`` is the mode code of entry ``e`` (0: a step that does not move
    the traveller); ``connector[c]`` marks the codes of connector modes
    (access links), which count as the mode of arrival only when no other
    moving mode is on the way.  Each source state ``sources[i]`` starts at 0
    minutes with origin ``labels[i]``.  States farther than ``limit`` are not
    settled.  The mode code returned is the last moving non-connector edge on
    the path, else the last moving edge, else 0.

    ``scratch`` (from :func:`new_scratch`) is reused from search to search.
    Returns ``(settled, minutes, mode, origin, heap)``: four new arrays, and
    the heap array of the scratch (grown if needed).
    """
    states, arrival, heap, order, minutes, main, last, origin = scratch
    g = _next_search(states)
    size = 0
    for i in range(len(sources)):
        s = sources[i]
        if states[s].search != g:
            states[s].search = g
            states[s].minutes = 0.0
            states[s].parent = -1 - i
            if size == len(heap):
                heap = _grown(heap, size)
            size = _push(heap, size, 0.0, s)
    count = 0
    while size > 0:
        d = heap[0].minutes
        u = heap[0].state
        size = _pop(heap, size)
        su = states[u]
        if d > su.minutes:
            continue  # a stale entry: u was settled earlier, at a smaller time
        if size > 0:  # the next state to settle: start loading its edges
            first_edge = indptr[heap[0].state]
            _prefetch(indices, first_edge)
            _prefetch(data, first_edge)
            _prefetch(codes, first_edge)
        here = count
        count += 1
        order[here] = u
        minutes[here] = d
        p = su.parent
        if p < 0:
            main[here] = 0
            last[here] = 0
            origin[here] = labels[-1 - p]
        else:
            c = arrival[u]
            last[here] = c if c != 0 else last[p]
            main[here] = c if c != 0 and not connector[c] else main[p]
            origin[here] = origin[p]
        for e in range(indptr[u], indptr[u + 1]):
            nd = d + data[e]
            if nd > limit:
                continue
            v = indices[e]
            sv = states[v]
            if sv.search == g and nd >= sv.minutes:
                continue
            sv.search = g
            sv.minutes = nd
            sv.parent = here
            arrival[v] = codes[e]
            _prefetch(indptr, v)
            if size == len(heap):
                heap = _grown(heap, size)
            size = _push(heap, size, nd, v)
    mode = np.empty(count, np.int16)
    for i in range(count):
        mode[i] = main[i] if main[i] != 0 else last[i]
    return order[:count].copy(), minutes[:count].copy(), mode, origin[:count].copy(), heap
