"""numba kernel of :func:`network.reach.reach`: one Dijkstra that carries the mode and origin labels.

Where scipy's Dijkstra returns distances and a predecessor tree that must be
walked afterwards to find each node's mode of arrival and origin, this search
carries both labels along: when an edge improves a state, the state takes the
edge's mode code (or keeps its parent's, for a step that does not move the
traveller, or a connector for the main mode) and its parent's origin.  It
touches only the states it reaches (its label arrays start uninitialised and
a zeroed ``seen`` mask tells which are set), and it returns the settled
states in settling order, which is already the order of minutes.

Compiled by numba on first use and cached on disk; :mod:`network.reach` falls
back to scipy when numba is not installed.
"""

from __future__ import annotations

import numpy as np
from numba import njit

# The queue is a 4-ary heap of (minutes, state) in two arrays, with lazy deletion: a state is pushed
# again when its time improves and stale entries are skipped when popped.  Four children per entry
# halve the depth of a binary heap, and its sift-down reads them from one cache line.


@njit(cache=True)
def _push(keys, vals, size, key, val):
    i = size
    while i > 0:
        parent = (i - 1) >> 2
        if keys[parent] <= key:
            break
        keys[i] = keys[parent]
        vals[i] = vals[parent]
        i = parent
    keys[i] = key
    vals[i] = val
    return size + 1


@njit(cache=True)
def _pop(keys, vals, size):
    """Remove the root of the heap of ``size`` entries; returns the new size."""
    size -= 1
    key = keys[size]
    val = vals[size]
    i = 0
    while True:
        first = 4 * i + 1
        if first >= size:
            break
        best = first
        end = min(first + 4, size)
        for c in range(first + 1, end):
            if keys[c] < keys[best]:
                best = c
        if keys[best] >= key:
            break
        keys[i] = keys[best]
        vals[i] = vals[best]
        i = best
    if size > 0:
        keys[i] = key
        vals[i] = val
    return size


@njit(cache=True)
def new_scratch(n):
    """Work arrays of one search on ``n`` states, reusable by later searches: see :func:`labelled_dijkstra`."""
    gen = np.zeros(n + 1, np.int32)  # gen[n] holds the number of the last search
    heap_keys = np.empty(1024, np.float64)
    heap_vals = np.empty(1024, np.int32)
    return (np.empty(n, np.float64), np.empty(n, np.int16), np.empty(n, np.int16), np.empty(n, np.int32), gen,
            np.empty(n, np.int32), heap_keys, heap_vals)


@njit(cache=True)
def _grown(keys, vals, size):
    k = np.empty(2 * len(keys), keys.dtype)
    v = np.empty(2 * len(vals), vals.dtype)
    k[:size] = keys[:size]
    v[:size] = vals[:size]
    return k, v


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

    ``scratch`` (from :func:`new_scratch`) is reused from search to search:
    a state's labels count only when its ``gen`` entry holds this search's
    number, so nothing is cleared and untouched memory stays untouched.
    Returns the four result arrays and the heap arrays (grown if needed).
    """
    dist, main, last, origin, gen, order, hkeys, hvals = scratch
    n = len(indptr) - 1
    if gen[n] == 2147483646:  # numbers used up: start again from a clean slate
        gen[:] = 0
    gen[n] += 1
    g = gen[n]
    size = 0
    for i in range(len(sources)):
        s = sources[i]
        if gen[s] != g:
            gen[s] = g
            dist[s] = 0.0
            main[s] = 0
            last[s] = 0
            origin[s] = labels[i]
            if size == len(hkeys):
                hkeys, hvals = _grown(hkeys, hvals, size)
            size = _push(hkeys, hvals, size, 0.0, s)
    count = 0
    while size > 0:
        d = hkeys[0]
        u = hvals[0]
        size = _pop(hkeys, hvals, size)
        if d > dist[u]:
            continue  # a stale entry: u was settled earlier, at a smaller time
        order[count] = u
        count += 1
        for e in range(indptr[u], indptr[u + 1]):
            v = indices[e]
            nd = d + data[e]
            if nd > limit or (gen[v] == g and nd >= dist[v]):
                continue
            gen[v] = g
            dist[v] = nd
            c = codes[e]
            last[v] = c if c != 0 else last[u]
            main[v] = c if c != 0 and not connector[c] else main[u]
            origin[v] = origin[u]
            if size == len(hkeys):
                hkeys, hvals = _grown(hkeys, hvals, size)
            size = _push(hkeys, hvals, size, nd, v)
    settled = order[:count].copy()
    minutes = np.empty(count, np.float64)
    mode = np.empty(count, np.int16)
    org = np.empty(count, np.int32)
    for i in range(count):
        s = settled[i]
        minutes[i] = dist[s]
        mode[i] = main[s] if main[s] != 0 else last[s]
        org[i] = origin[s]
    return settled, minutes, mode, org, hkeys, hvals
