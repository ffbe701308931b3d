"""numba kernels of the contraction hierarchy's queries (:mod:`.ch`): upward searches, buckets, scans.

The hierarchy itself is built by :mod:`._ch_contract`.  Every function here is
compiled by numba on first use (and cached on disk).
"""

from __future__ import annotations

import numpy as np
from numba import njit

INF = np.inf


@njit(cache=True)
def heap_push(keys, vals, size, k, v):
    """Push onto a binary min-heap held in ``keys``/``vals`` (grown when full); returns the arrays."""
    if size >= len(keys):
        nk = np.empty(2 * len(keys), np.float64)
        nv = np.empty(2 * len(keys), np.int64)
        nk[:size] = keys[:size]
        nv[:size] = vals[:size]
        keys, vals = nk, nv
    keys[size] = k
    vals[size] = v
    sift_up(keys, vals, size)
    return keys, vals


@njit(cache=True)
def sift_up(keys, vals, i):
    """Move entry ``i`` of a binary min-heap up until its parent's key is not larger."""
    while i > 0:
        p = (i - 1) // 2
        if keys[p] <= keys[i]:
            break
        keys[p], keys[i] = keys[i], keys[p]
        vals[p], vals[i] = vals[i], vals[p]
        i = p


@njit(cache=True)
def heap_pop(keys, vals, size):
    """Remove the minimum (``size`` is the size before); returns ``(key, value)``."""
    k, v = keys[0], vals[0]
    size -= 1
    keys[0] = keys[size]
    vals[0] = vals[size]
    i = 0
    while True:
        a = 2 * i + 1
        if a >= size:
            break
        b = a + 1
        c = b if b < size and keys[b] < keys[a] else a
        if keys[i] <= keys[c]:
            break
        keys[c], keys[i] = keys[i], keys[c]
        vals[c], vals[i] = vals[i], vals[c]
        i = c
    return k, v


@njit(cache=True)
def upward_search(indptr, nbr, wt, src, limit, dist, touched, out_nodes, out_dist):
    """Dijkstra from ``src`` on an upward graph (a DAG by rank); writes settled ``(node, minutes)``.

    Returns how many were written; ``dist`` is reset before returning.
    """
    keys = np.empty(256, np.float64)
    vals = np.empty(256, np.int64)
    size = 0
    nt = 0
    dist[src] = 0.0
    touched[nt] = src
    nt += 1
    keys, vals = heap_push(keys, vals, size, 0.0, src)
    size += 1
    count = 0
    while size > 0:
        d, v = heap_pop(keys, vals, size)
        size -= 1
        if d > dist[v] or d > limit:
            continue
        out_nodes[count] = v
        out_dist[count] = d
        count += 1
        for i in range(indptr[v], indptr[v + 1]):
            x = nbr[i]
            nd = d + wt[i]
            if nd < dist[x] and nd <= limit:
                if dist[x] == INF:
                    touched[nt] = x
                    nt += 1
                dist[x] = nd
                keys, vals = heap_push(keys, vals, size, nd, x)
                size += 1
    for i in range(nt):
        dist[touched[i]] = INF
    return count


@njit(cache=True)
def _buckets(dptr, dnbr, dw, targets, limit, dist, touched, out_nodes, out_dist, n):
    """Backward upward searches from every target, as buckets per node: ``(ptr, target, minutes)``."""
    cap = 16 * len(targets) + 16
    bn, bt, bd = np.empty(cap, np.int64), np.empty(cap, np.int64), np.empty(cap, np.float64)
    size = 0
    for j in range(len(targets)):
        c = upward_search(dptr, dnbr, dw, targets[j], limit, dist, touched, out_nodes, out_dist)
        if size + c > len(bn):
            m = max(2 * len(bn), size + c)
            bn2, bt2, bd2 = np.empty(m, np.int64), np.empty(m, np.int64), np.empty(m, np.float64)
            bn2[:size], bt2[:size], bd2[:size] = bn[:size], bt[:size], bd[:size]
            bn, bt, bd = bn2, bt2, bd2
        for k in range(c):
            bn[size], bt[size], bd[size] = out_nodes[k], j, out_dist[k]
            size += 1
    ptr = np.zeros(n + 1, np.int64)
    for k in range(size):
        ptr[bn[k] + 1] += 1
    for v in range(n):
        ptr[v + 1] += ptr[v]
    fill = ptr[:-1].copy()
    tgt = np.empty(size, np.int64)
    mins = np.empty(size, np.float64)
    for k in range(size):
        v = bn[k]
        tgt[fill[v]] = bt[k]
        mins[fill[v]] = bd[k]
        fill[v] += 1
    return ptr, tgt, mins


@njit(cache=True)
def buckets(dptr, dnbr, dw, targets, limit, n):
    """Backward upward searches from every target, as per-node buckets ``(ptr, target, minutes)``."""
    dist = np.full(n, INF)
    touched = np.empty(n, np.int64)
    out_nodes = np.empty(n, np.int64)
    out_dist = np.empty(n, np.float64)
    return _buckets(dptr, dnbr, dw, targets, limit, dist, touched, out_nodes, out_dist, n)


@njit(cache=True)
def scan(uptr, unbr, uw, ptr, tgt, mins, n_targets, sources, limit, n):
    """Minutes from every source to every target of ``buckets`` (``inf`` if unreached or beyond ``limit``)."""
    dist = np.full(n, INF)
    touched = np.empty(n, np.int64)
    out_nodes = np.empty(n, np.int64)
    out_dist = np.empty(n, np.float64)
    res = np.full((len(sources), n_targets), INF)
    for i in range(len(sources)):
        c = upward_search(uptr, unbr, uw, sources[i], limit, dist, touched, out_nodes, out_dist)
        row = res[i]
        for k in range(c):
            v = out_nodes[k]
            d = out_dist[k]
            for e in range(ptr[v], ptr[v + 1]):
                nd = d + mins[e]
                if nd < row[tgt[e]]:
                    row[tgt[e]] = nd
        for j in range(n_targets):
            if row[j] > limit:
                row[j] = INF
    return res
