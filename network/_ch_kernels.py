"""numba kernels of the contraction hierarchy (:mod:`.ch`): dynamic adjacency, witness search, queries.

Adjacency while contracting lives in two "pools" (out-arcs and in-arcs): one
flat neighbour array and one weight array, each node owning a slice
``start[v] : start[v] + length[v]`` of capacity ``cap[v]``; a full slice moves
to the end of the pool with twice the room.  Every function here is compiled
by numba on first use (and cached on disk).
"""

from __future__ import annotations

import numpy as np
from numba import njit

INF = np.inf


@njit(cache=True)
def pool_new(n, indptr, nbr, wt):
    """A pool holding the CSR ``(indptr, nbr, wt)`` with room to grow: ``(start, length, cap, nbrs, wts, top)``."""
    deg = indptr[1:] - indptr[:-1]
    cap = np.maximum(2 * deg, 4).astype(np.int64)
    start = np.zeros(n, np.int64)
    total = 0
    for v in range(n):
        start[v] = total
        total += cap[v]
    size = total * 2 + 16
    nbrs = np.empty(size, np.int32)
    wts = np.empty(size, np.float64)
    length = deg.astype(np.int64)
    for v in range(n):
        for i in range(deg[v]):
            nbrs[start[v] + i] = nbr[indptr[v] + i]
            wts[start[v] + i] = wt[indptr[v] + i]
    top = np.array([total], np.int64)
    return start, length, cap, nbrs, wts, top


@njit(cache=True)
def pool_add(start, length, cap, nbrs, wts, top, u, x, w):
    """Arc ``u -> x`` of weight ``w`` (kept at the minimum if present); returns the pool arrays (maybe grown)."""
    s = start[u]
    for i in range(s, s + length[u]):
        if nbrs[i] == x:
            if w < wts[i]:
                wts[i] = w
            return nbrs, wts
    if length[u] == cap[u]:
        new_cap = 2 * cap[u]
        if top[0] + new_cap > len(nbrs):
            size = max(2 * len(nbrs), top[0] + new_cap)
            grown_n = np.empty(size, np.int32)
            grown_w = np.empty(size, np.float64)
            grown_n[:top[0]] = nbrs[:top[0]]
            grown_w[:top[0]] = wts[:top[0]]
            nbrs, wts = grown_n, grown_w
        t = top[0]
        for i in range(length[u]):
            nbrs[t + i] = nbrs[s + i]
            wts[t + i] = wts[s + i]
        start[u] = t
        cap[u] = new_cap
        top[0] = t + new_cap
        s = t
    nbrs[s + length[u]] = x
    wts[s + length[u]] = w
    length[u] += 1
    return nbrs, wts


@njit(cache=True)
def pool_remove(start, length, nbrs, wts, u, x):
    """Drop arc ``u -> x`` (if present) by moving the last arc of ``u`` into its place."""
    s = start[u]
    last = s + length[u] - 1
    for i in range(s, last + 1):
        if nbrs[i] == x:
            nbrs[i] = nbrs[last]
            wts[i] = wts[last]
            length[u] -= 1
            return


@njit(cache=True)
def heap_push(keys, vals, size, k, v):
    """Push onto a binary min-heap held in ``keys``/``vals`` (grown when full); returns the arrays."""
    if size >= len(keys):
        nk = np.empty(2 * len(keys), np.float64)
        nv = np.empty(2 * len(keys), np.int64)
        nk[:size] = keys[:size]
        nv[:size] = vals[:size]
        keys, vals = nk, nv
    i = size
    keys[i] = k
    vals[i] = v
    while i > 0:
        p = (i - 1) // 2
        if keys[p] <= keys[i]:
            break
        keys[p], keys[i] = keys[i], keys[p]
        vals[p], vals[i] = vals[i], vals[p]
        i = p
    return keys, vals


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
def witness(ostart, olen, onbr, ow, done, dist, touched, src, skip, limit, settle_max):
    """Bounded Dijkstra from ``src`` over uncontracted nodes, avoiding ``skip``; fills ``dist``.

    Returns the number of touched nodes (listed in ``touched``; the caller resets ``dist`` there).
    """
    keys = np.empty(64, np.float64)
    vals = np.empty(64, np.int64)
    size = 0
    nt = 0
    dist[src] = 0.0
    touched[nt] = src
    nt += 1
    keys, vals = heap_push(keys, vals, size, 0.0, src)
    size += 1
    settled = 0
    while size > 0 and settled < settle_max:
        d, v = heap_pop(keys, vals, size)
        size -= 1
        if d > dist[v]:
            continue
        if d > limit:
            break
        settled += 1
        for i in range(ostart[v], ostart[v] + olen[v]):
            x = onbr[i]
            if x == skip or done[x]:
                continue
            nd = d + ow[i]
            if nd < dist[x]:
                if dist[x] == INF:
                    if nt >= len(touched):
                        continue  # search space full: fewer witnesses, never a wrong one
                    touched[nt] = x
                    nt += 1
                dist[x] = nd
                keys, vals = heap_push(keys, vals, size, nd, x)
                size += 1
    return nt


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
def shortcuts(v, ist, ilen, inbr, iw, ost, olen, onbr, ow, done, dist, touched, settle_max):
    """The shortcuts contracting ``v`` needs: ``(u, x, minutes)`` arrays (``u -> v -> x`` without a witness)."""
    cap = max(1, ilen[v] * olen[v])
    su = np.empty(cap, np.int64)
    sx = np.empty(cap, np.int64)
    sw = np.empty(cap, np.float64)
    count = 0
    for i in range(ist[v], ist[v] + ilen[v]):
        u = inbr[i]
        wu = iw[i]
        top = -1.0
        for j in range(ost[v], ost[v] + olen[v]):
            if onbr[j] != u and ow[j] > top:
                top = ow[j]
        if top < 0:
            continue
        nt = witness(ost, olen, onbr, ow, done, dist, touched, u, v, wu + top, settle_max)
        for j in range(ost[v], ost[v] + olen[v]):
            x = onbr[j]
            if x != u and dist[x] > wu + ow[j]:
                su[count] = u
                sx[count] = x
                sw[count] = wu + ow[j]
                count += 1
        for t in range(nt):
            dist[touched[t]] = INF
    return su[:count], sx[:count], sw[:count]


@njit(cache=True)
def append_arcs(a, b, c, size, v, nbr, wt, lo, hi):
    """Append arcs ``(v, nbr[i], wt[i])`` for ``i`` in ``lo:hi`` to growable arrays; returns them and the new size."""
    need = size + hi - lo
    if need > len(a):
        m = max(2 * len(a), need)
        a2, b2, c2 = np.empty(m, np.int64), np.empty(m, np.int64), np.empty(m, np.float64)
        a2[:size], b2[:size], c2[:size] = a[:size], b[:size], c[:size]
        a, b, c = a2, b2, c2
    for i in range(lo, hi):
        a[size] = v
        b[size] = nbr[i]
        c[size] = wt[i]
        size += 1
    return a, b, c, size


@njit(cache=True)
def contract_all(n, fptr, fnbr, fw, rptr, rnbr, rw, settle_max):
    """Contract every node (lazy edge-difference order); returns ``rank`` and the up / down arcs.

    ``(fptr, fnbr, fw)`` is the graph's CSR and ``(rptr, rnbr, rw)`` its transpose.
    Up arcs ``(v, x, w)``: ``v -> x`` with ``x`` ranked higher; down arcs
    ``(v, u, w)``: ``u -> v`` with ``u`` ranked higher.
    """
    ost, olen, ocap, onbr, ow, otop = pool_new(n, fptr, fnbr, fw)
    ist, ilen, icap, inbr, iw, itop = pool_new(n, rptr, rnbr, rw)
    done = np.zeros(n, np.bool_)
    deleted = np.zeros(n, np.int64)
    rank = np.empty(n, np.int64)
    dist = np.full(n, INF)
    touched = np.empty(4 * settle_max + 64, np.int64)
    keys = np.empty(n + 1, np.float64)
    vals = np.empty(n + 1, np.int64)
    size = 0
    for v in range(n):
        su, sx, sw = shortcuts(v, ist, ilen, inbr, iw, ost, olen, onbr, ow, done, dist, touched, settle_max)
        keys, vals = heap_push(keys, vals, size, float(len(su) - ilen[v] - olen[v]), v)
        size += 1
    m = len(fnbr) + 16
    ua, ub, uc = np.empty(m, np.int64), np.empty(m, np.int64), np.empty(m, np.float64)
    da, db, dc = np.empty(m, np.int64), np.empty(m, np.int64), np.empty(m, np.float64)
    nu = 0
    nd = 0
    order = 0
    while size > 0:
        _p, v = heap_pop(keys, vals, size)
        size -= 1
        su, sx, sw = shortcuts(v, ist, ilen, inbr, iw, ost, olen, onbr, ow, done, dist, touched, settle_max)
        prio = float(len(su) - ilen[v] - olen[v] + deleted[v])
        if size > 0 and prio > keys[0]:
            keys, vals = heap_push(keys, vals, size, prio, v)
            size += 1
            continue
        ua, ub, uc, nu = append_arcs(ua, ub, uc, nu, v, onbr, ow, ost[v], ost[v] + olen[v])
        da, db, dc, nd = append_arcs(da, db, dc, nd, v, inbr, iw, ist[v], ist[v] + ilen[v])
        for k in range(len(su)):
            onbr, ow = pool_add(ost, olen, ocap, onbr, ow, otop, su[k], sx[k], sw[k])
            inbr, iw = pool_add(ist, ilen, icap, inbr, iw, itop, sx[k], su[k], sw[k])
        for j in range(ost[v], ost[v] + olen[v]):
            pool_remove(ist, ilen, inbr, iw, onbr[j], v)
            deleted[onbr[j]] += 1
        for j in range(ist[v], ist[v] + ilen[v]):
            pool_remove(ost, olen, onbr, ow, inbr[j], v)
            deleted[inbr[j]] += 1
        done[v] = True
        rank[v] = order
        order += 1
    return rank, ua[:nu], ub[:nu], uc[:nu], da[:nd], db[:nd], dc[:nd]


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
