"""numba kernels that build the contraction hierarchy (:mod:`.ch`): node order, witness searches, shortcuts.

Order: a node's priority is ``level + added / removed arcs + added / removed
hops`` (Geisberger et al., 2008; the form RoutingKit uses), where ``level`` is
one more than the highest level among its contracted neighbours (keeping the
hierarchy shallow and spread over the graph) and a *hop* count says how many
original arcs an arc stands for.  The queue is updated eagerly: after
contracting ``v`` the priority of each of its neighbours is simulated again,
and a popped node whose fresh priority is above the queue's minimum goes back.

Witness search: one Dijkstra from each in-neighbour ``u`` of ``v`` over the
uncontracted graph avoiding ``v``, bounded by the longest ``u -> v -> x`` and by
``settle_max`` settled nodes.  A bounded search may miss a witness and add a
shortcut that is not needed, never leave out one that is, so answers stay exact.

Adjacency while contracting lives in two pools (out-arcs and in-arcs): flat
neighbour, weight and hop arrays, each node owning a slice
``start[v] : start[v] + length[v]`` of capacity ``cap[v]``; a full slice moves
to the end of the pool with twice the room, and a full pool is compacted into
new arrays that hold only the slices of nodes not yet contracted.  Everything is compiled by numba on
first use (and cached on disk).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ._ch_kernels import heap_pop, sift_up

INF = np.inf


@njit(cache=True)
def pool_new(n, indptr, nbr, wt):
    """A pool holding the CSR ``(indptr, nbr, wt)`` (one hop each): ``(start, length, cap, arrays, top)``."""
    deg = indptr[1:] - indptr[:-1]
    cap = np.maximum(deg + deg // 2, 4).astype(np.int64)  # room for a few shortcuts; a full slice moves
    start = np.zeros(n, np.int64)
    total = 0
    for v in range(n):
        start[v] = total
        total += cap[v]
    size = total + total // 4 + 16  # room for the first slices that outgrow theirs; then compacted
    nbrs = np.empty(size, np.int32)
    wts = np.empty(size, np.float64)
    hops = np.ones(size, np.int32)
    length = deg.astype(np.int64)
    for v in range(n):
        for i in range(deg[v]):
            nbrs[start[v] + i] = nbr[indptr[v] + i]
            wts[start[v] + i] = wt[indptr[v] + i]
    top = np.array([total], np.int64)
    return start, length, cap, nbrs, wts, hops, top


@njit(cache=True)
def _pool_grow(start, length, cap, nbrs, wts, hops, top, u):
    """Give the full slice of ``u`` twice the room at the end of the pool; returns the (maybe new) arrays.

    When the pool has no room left it is compacted instead (:func:`_pool_compact`).
    """
    s = start[u]
    new_cap = 2 * cap[u]
    if top[0] + new_cap > len(nbrs):
        return _pool_compact(start, length, cap, nbrs, wts, hops, top, u, new_cap)
    t = top[0]
    for i in range(length[u]):
        nbrs[t + i] = nbrs[s + i]
        wts[t + i] = wts[s + i]
        hops[t + i] = hops[s + i]
    start[u] = t
    cap[u] = new_cap
    top[0] = t + new_cap
    return nbrs, wts, hops


@njit(cache=True)
def _pool_compact(start, length, cap, nbrs, wts, hops, top, u, new_cap):
    """New arrays holding every live slice (``cap > 0``) back to back, ``u``'s with ``new_cap`` room, plus half spare.

    Slices left behind by moves and those of contracted nodes (capacity 0) are
    dropped, so the pool stays in proportion to the arcs still in play.
    """
    live = new_cap
    for v in range(len(cap)):
        if v != u:
            live += cap[v]
    size = live + live // 2 + 16
    grown_n = np.empty(size, np.int32)
    grown_w = np.empty(size, np.float64)
    grown_h = np.empty(size, np.int32)
    t = 0
    for v in range(len(cap)):
        if cap[v] == 0:
            continue
        s = start[v]
        for i in range(length[v]):
            grown_n[t + i] = nbrs[s + i]
            grown_w[t + i] = wts[s + i]
            grown_h[t + i] = hops[s + i]
        start[v] = t
        if v == u:
            cap[v] = new_cap
        t += cap[v]
    top[0] = t
    return grown_n, grown_w, grown_h


@njit(cache=True)
def pool_free(start, length, cap, v):
    """Give up ``v``'s slice (a contracted node): the next compaction drops it."""
    length[v] = 0
    cap[v] = 0


@njit(cache=True)
def pool_add(start, length, cap, nbrs, wts, hops, top, u, x, w, h):
    """Arc ``u -> x`` of weight ``w`` and ``h`` hops (kept at the minimum if present); returns the pool arrays."""
    s = start[u]
    for i in range(s, s + length[u]):
        if nbrs[i] == x:
            if w < wts[i]:
                wts[i] = w
                hops[i] = h
            return nbrs, wts, hops
    if length[u] == cap[u]:
        nbrs, wts, hops = _pool_grow(start, length, cap, nbrs, wts, hops, top, u)
        s = start[u]
    nbrs[s + length[u]] = x
    wts[s + length[u]] = w
    hops[s + length[u]] = h
    length[u] += 1
    return nbrs, wts, hops


@njit(cache=True)
def pool_remove(start, length, nbrs, wts, hops, u, x):
    """Drop arc ``u -> x`` (if present) by moving the last arc of ``u`` into its place."""
    s = start[u]
    last = s + length[u] - 1
    for i in range(s, last + 1):
        if nbrs[i] == x:
            nbrs[i] = nbrs[last]
            wts[i] = wts[last]
            hops[i] = hops[last]
            length[u] -= 1
            return


@njit(cache=True)
def _push(keys, vals, size, k, v):
    """Push onto a fixed-capacity binary min-heap; returns the new size (unchanged when full)."""
    if size >= len(keys):
        return size
    keys[size] = k
    vals[size] = v
    sift_up(keys, vals, size)
    return size + 1


@njit(cache=True)
def witness(ost, olen, onbr, ow, done, dist, touched, hk, hv, target, left, src, skip, limit, settle_max):
    """Bounded Dijkstra from ``src`` over uncontracted nodes, avoiding ``skip``; fills ``dist``.

    Stops once the ``left`` nodes marked in ``target`` (the out-neighbours of
    ``skip``) are settled, past ``limit`` or after ``settle_max`` settled nodes.
    Returns the number of touched nodes (listed in ``touched``; the caller resets
    ``dist`` there).  A full heap or touched list only drops candidates: every
    ``dist`` written is the length of a real path.
    """
    nt = 1
    dist[src] = 0.0
    touched[0] = src
    size = _push(hk, hv, 0, 0.0, src)
    settled = 0
    while size > 0 and settled < settle_max and left > 0:
        d, v = heap_pop(hk, hv, size)
        size -= 1
        if d > dist[v]:
            continue
        if d > limit:
            break
        settled += 1
        if target[v]:
            left -= 1
        for i in range(ost[v], ost[v] + olen[v]):
            x = onbr[i]
            nd = d + ow[i]
            if x == skip or done[x] or nd >= dist[x] or nd > limit:
                continue
            if dist[x] == INF:
                if nt >= len(touched) or size >= len(hk):
                    continue
                touched[nt] = x
                nt += 1
            dist[x] = nd
            size = _push(hk, hv, size, nd, x)
    return nt


@njit(cache=True)
def _grow(a, need):
    if need <= len(a):
        return a
    b = np.empty(max(2 * len(a), need), a.dtype)
    b[:len(a)] = a
    return b


@njit(cache=True)
def _longest_out(v, u, ost, olen, onbr, ow):
    top = -1.0
    for j in range(ost[v], ost[v] + olen[v]):
        if onbr[j] != u and ow[j] > top:
            top = ow[j]
    return top


@njit(cache=True)
def _mark_targets(v, ost, olen, onbr, target, on):
    """Mark (``on``) or clear the out-neighbours of ``v`` in ``target``."""
    for j in range(ost[v], ost[v] + olen[v]):
        target[onbr[j]] = on


@njit(cache=True)
def shortcuts(v, pools, done, scratch, settle_max):
    """The shortcuts contracting ``v`` needs (``u -> v -> x`` without a witness), in ``scratch``.

    ``pools`` is ``(ist, ilen, inbr, iw, ih, ost, olen, onbr, ow, oh)``; ``scratch`` is
    ``(dist, touched, hk, hv, target, su, sx, sw, sh)``.  Returns ``(count, hops, su, sx, sw, sh)``
    (the shortcut arrays may have grown; ``hops`` is their total hop count).
    """
    ist, ilen, inbr, iw, ih, ost, olen, onbr, ow, oh = pools
    dist, touched, hk, hv, target, su, sx, sw, sh = scratch
    need = ilen[v] * olen[v]
    su, sx, sw, sh = _grow(su, need), _grow(sx, need), _grow(sw, need), _grow(sh, need)
    count = 0
    hops = 0
    _mark_targets(v, ost, olen, onbr, target, True)
    for i in range(ist[v], ist[v] + ilen[v]):
        u = inbr[i]
        top = _longest_out(v, u, ost, olen, onbr, ow)
        if top < 0:
            continue
        nt = witness(ost, olen, onbr, ow, done, dist, touched, hk, hv, target, olen[v], u, v, iw[i] + top, settle_max)
        for j in range(ost[v], ost[v] + olen[v]):
            x = onbr[j]
            if x != u and dist[x] > iw[i] + ow[j]:
                su[count], sx[count], sw[count], sh[count] = u, x, iw[i] + ow[j], ih[i] + oh[j]
                hops += sh[count]
                count += 1
        for t in range(nt):
            dist[touched[t]] = INF
    _mark_targets(v, ost, olen, onbr, target, False)
    return count, hops, su, sx, sw, sh


@njit(cache=True)
def priority(v, pools, done, level, scratch, settle_max):
    """``level + added / removed arcs + added / removed hops`` of contracting ``v`` now.

    Returns ``(priority, count, su, sx, sw, sh)``: the shortcuts as :func:`shortcuts` gives them.
    """
    ist, ilen, _inbr, _iw, ih, ost, olen, _onbr, _ow, oh = pools
    count, hops, su, sx, sw, sh = shortcuts(v, pools, done, scratch, settle_max)
    removed = ilen[v] + olen[v]
    removed_hops = 0
    for i in range(ist[v], ist[v] + ilen[v]):
        removed_hops += ih[i]
    for j in range(ost[v], ost[v] + olen[v]):
        removed_hops += oh[j]
    p = float(level[v])
    if removed > 0:
        p += count / removed + hops / removed_hops
    return p, count, su, sx, sw, sh


@njit(cache=True)
def append_arcs(a, b, c, size, v, nbr, wt, lo, hi):
    """Append arcs ``(v, nbr[i], wt[i])`` for ``i`` in ``lo:hi`` to growable arrays; returns them and the new size."""
    need = size + hi - lo
    a, b, c = _grow(a, need), _grow(b, need), _grow(c, need)
    for i in range(lo, hi):
        a[size] = v
        b[size] = nbr[i]
        c[size] = wt[i]
        size += 1
    return a, b, c, size


@njit(cache=True)
def _detach(v, ist, ilen, inbr, iw, ih, ost, olen, onbr, ow, oh, level):
    """Remove ``v`` from its neighbours' lists and raise their level above ``v``'s."""
    for j in range(ost[v], ost[v] + olen[v]):
        x = onbr[j]
        pool_remove(ist, ilen, inbr, iw, ih, x, v)
        level[x] = max(level[x], level[v] + 1)
    for j in range(ist[v], ist[v] + ilen[v]):
        u = inbr[j]
        pool_remove(ost, olen, onbr, ow, oh, u, v)
        level[u] = max(level[u], level[v] + 1)


@njit(cache=True)
def _neighbours(v, ist, ilen, inbr, ost, olen, onbr, mark, out):
    """The distinct in- and out-neighbours of ``v`` (uses and clears ``mark``); returns how many, in ``out``."""
    k = _add_unmarked(onbr, ost[v], ost[v] + olen[v], mark, out, 0)
    k = _add_unmarked(inbr, ist[v], ist[v] + ilen[v], mark, out, k)
    for j in range(k):
        mark[out[j]] = False
    return k


@njit(cache=True)
def _add_unmarked(nbr, lo, hi, mark, out, k):
    """Append to ``out[k:]`` each of ``nbr[lo:hi]`` not yet marked, marking it; returns the new count."""
    for j in range(lo, hi):
        x = nbr[j]
        if not mark[x]:
            mark[x] = True
            out[k] = x
            k += 1
    return k


@njit(cache=True)
def contract_all(n, fptr, fnbr, fw, rptr, rnbr, rw, settle_max, sim_settle):
    """Contract every node in priority order; returns ``rank`` and the up / down arcs.

    ``(fptr, fnbr, fw)`` is the graph's CSR and ``(rptr, rnbr, rw)`` its transpose.
    Witness searches settle at most ``settle_max`` nodes when a node is contracted
    and ``sim_settle`` when only its priority is simulated.  Up arcs ``(v, x, w)``: ``v -> x`` with ``x`` ranked higher; down arcs
    ``(v, u, w)``: ``u -> v`` with ``u`` ranked higher.
    """
    ost, olen, ocap, onbr, ow, oh, otop = pool_new(n, fptr, fnbr, fw)
    ist, ilen, icap, inbr, iw, ih, itop = pool_new(n, rptr, rnbr, rw)
    done = np.zeros(n, np.bool_)
    level = np.zeros(n, np.int64)
    rank = np.empty(n, np.int64)
    prio = np.empty(n, np.float64)
    mark = np.zeros(n, np.bool_)
    nbrs = np.empty(16, np.int64)
    scratch = (np.full(n, INF), np.empty(n, np.int64), np.empty(max(n, 1 << 16), np.float64),
               np.empty(max(n, 1 << 16), np.int64), np.empty(16, np.int64), np.empty(16, np.int64),
               np.empty(16, np.float64), np.empty(16, np.int32))
    dist, touched, hk, hv = scratch[0], scratch[1], scratch[2], scratch[3]
    su, sx, sw, sh = scratch[4], scratch[5], scratch[6], scratch[7]
    target = np.zeros(n, np.bool_)
    keys = np.empty(2 * n + 16, np.float64)  # grows when re-queued entries outnumber the nodes
    vals = np.empty(2 * n + 16, np.int32)
    size = 0
    for v in range(n):
        pools = (ist, ilen, inbr, iw, ih, ost, olen, onbr, ow, oh)
        prio[v], _c, su, sx, sw, sh = priority(v, pools, done, level, (dist, touched, hk, hv, target, su, sx, sw, sh),
                                               sim_settle)
        keys, vals, size = _queue_push(keys, vals, size, prio[v], v)
    m = len(fnbr) + len(fnbr) // 4 + 16  # the up (down) arcs are about the arcs plus half the shortcuts
    ua, ub, uc = np.empty(m, np.int32), np.empty(m, np.int32), np.empty(m, np.float64)  # node ids fit int32
    da, db, dc = np.empty(m, np.int32), np.empty(m, np.int32), np.empty(m, np.float64)
    nu = 0
    nd = 0
    order = 0
    while size > 0:
        p, v = heap_pop(keys, vals, size)
        size -= 1
        if done[v] or p != prio[v]:
            continue  # a stale entry: the node was re-queued with a newer priority
        pools = (ist, ilen, inbr, iw, ih, ost, olen, onbr, ow, oh)
        fresh, count, su, sx, sw, sh = priority(v, pools, done, level, (dist, touched, hk, hv, target, su, sx, sw, sh),
                                                settle_max)
        if size > 0 and fresh > keys[0]:
            prio[v] = fresh
            keys, vals, size = _queue_push(keys, vals, size, fresh, v)
            continue
        ua, ub, uc, nu = append_arcs(ua, ub, uc, nu, v, onbr, ow, ost[v], ost[v] + olen[v])
        da, db, dc, nd = append_arcs(da, db, dc, nd, v, inbr, iw, ist[v], ist[v] + ilen[v])
        for k in range(count):
            onbr, ow, oh = pool_add(ost, olen, ocap, onbr, ow, oh, otop, su[k], sx[k], sw[k], sh[k])
            inbr, iw, ih = pool_add(ist, ilen, icap, inbr, iw, ih, itop, sx[k], su[k], sw[k], sh[k])
        nbrs = _grow(nbrs, ilen[v] + olen[v])
        k = _neighbours(v, ist, ilen, inbr, ost, olen, onbr, mark, nbrs)
        _detach(v, ist, ilen, inbr, iw, ih, ost, olen, onbr, ow, oh, level)
        pool_free(ist, ilen, icap, v)
        pool_free(ost, olen, ocap, v)
        done[v] = True
        rank[v] = order
        order += 1
        pools = (ist, ilen, inbr, iw, ih, ost, olen, onbr, ow, oh)
        for j in range(k):
            x = nbrs[j]
            prio[x], _c, su, sx, sw, sh = priority(x, pools, done, level, (dist, touched, hk, hv, target, su, sx, sw, sh),
                                                   sim_settle)
            keys, vals, size = _queue_push(keys, vals, size, prio[x], x)
    return rank, ua[:nu], ub[:nu], uc[:nu], da[:nd], db[:nd], dc[:nd]


@njit(cache=True)
def _queue_push(keys, vals, size, k, v):
    """Push onto the growable node queue; returns ``(keys, vals, size)``."""
    if size >= len(keys):
        keys, vals = _grow(keys, 2 * size), _grow(vals, 2 * size)
    return keys, vals, _push(keys, vals, size, k, v)
