"""The contraction order (network._ch_contract) keeps answers exact on road-like graphs and under tight bounds."""

import math

import networkx as nx
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytest.importorskip("numba")

from qjnet.network import ch
from qjnet.network.ch import build_ch, ch_times
from qjnet.network.csr import compile_graph

# quarter minutes are exact binary fractions: every order of summing gives the same float, so ties stay ties
QUARTERS = st.integers(0, 12).map(lambda q: q / 4)


@st.composite
def road_like(draw):
    """Grid pieces (several components) with one-way streets, zero-minute links and many equal minutes."""
    G = nx.MultiDiGraph()
    base = 0
    for _ in range(draw(st.integers(1, 3))):
        w, h = draw(st.integers(1, 6)), draw(st.integers(1, 6))
        G.add_nodes_from(range(base, base + w * h))
        for i in range(h):
            for j in range(w):
                a = base + i * w + j
                for b in ([a + 1] if j < w - 1 else []) + ([a + w] if i < h - 1 else []):
                    if draw(st.integers(0, 9)) == 0:
                        continue  # a missing link
                    m = draw(QUARTERS)
                    one_way = draw(st.integers(0, 4))
                    if one_way != 1:
                        G.add_edge(a, b, minutes=m)
                    if one_way != 2:
                        G.add_edge(b, a, minutes=m)
        base += w * h
    for _ in range(draw(st.integers(0, 3))):  # a few long links (rail), maybe across components
        G.add_edge(draw(st.integers(0, base - 1)), draw(st.integers(0, base - 1)), minutes=draw(QUARTERS))
    return G


def _exact(G, reverse, limit):
    from scipy.sparse.csgraph import dijkstra

    C = compile_graph(G)
    m = C.transposed() if reverse else C.matrix
    everyone = np.arange(C.n)
    return C, everyone, dijkstra(m, directed=True, indices=everyone, limit=limit)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(road_like(), st.sampled_from([np.inf, 0.0, 1.5, 4.0]), st.booleans())
def test_ch_equals_dijkstra_on_road_like_graphs(G, limit, reverse):
    C, everyone, want = _exact(G, reverse, limit)
    h = build_ch(C, reverse=reverse)
    assert np.array_equal(want, ch_times(h, everyone, everyone, limit))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(road_like(), st.booleans(), st.sampled_from([(1, 1), (2, 1), (1, 3)]))
def test_witness_searches_cut_short_only_add_shortcuts(G, reverse, bounds):
    """With searches settling one or two nodes, witnesses are missed: more shortcuts, the same answers."""
    C, everyone, want = _exact(G, reverse, np.inf)
    saved = ch.WITNESS_SETTLE, ch.SIMULATE_SETTLE
    try:
        ch.WITNESS_SETTLE, ch.SIMULATE_SETTLE = bounds
        short = build_ch(C, reverse=reverse, refresh=True)
    finally:
        ch.WITNESS_SETTLE, ch.SIMULATE_SETTLE = saved
    assert np.array_equal(want, ch_times(short, everyone, everyone))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(road_like())
def test_hierarchy_arcs_climb_the_order(G):
    h = build_ch(compile_graph(G), refresh=True)
    n = len(h.rank)
    assert sorted(h.rank.tolist()) == list(range(n))
    for indptr, indices, minutes in (h.up, h.down):
        rows = np.repeat(np.arange(n), np.diff(indptr))
        assert (h.rank[indices] > h.rank[rows]).all()
        assert (minutes >= 0).all()


def test_a_grid_keeps_few_shortcuts_and_exact_minutes():
    G = nx.grid_2d_graph(30, 30).to_directed()
    nx.set_edge_attributes(G, 1.0, "minutes")
    C = compile_graph(G)
    h = build_ch(C, refresh=True)
    assert h.shortcuts < 3 * C.matrix.nnz
    _, everyone, want = _exact(G, False, np.inf)
    assert np.array_equal(want, ch_times(h, everyone, everyone))


_POOL_OPS = st.lists(st.tuples(st.sampled_from(["add"] * 6 + ["free"]), st.integers(0, 3), st.integers(0, 11),
                               st.floats(0, 10, allow_nan=False)), min_size=20, max_size=150)


@settings(max_examples=120, deadline=None)
@given(ops=_POOL_OPS)
def test_adjacency_pool_keeps_every_list_through_moves_and_compaction(ops):
    """The contraction's adjacency pool holds, after any adds and frees, the lists a plain dict holds."""
    from qjnet.network import _ch_contract as k

    n = 6
    indptr = np.array([0, 1, 2, 2, 2, 2, 2], np.int64)
    nbr, wt = np.array([1, 2], np.int32), np.array([1.0, 2.0])
    start, length, cap, nbrs, wts, hops, top = k.pool_new(n, indptr, nbr, wt)
    model: dict[int, dict[int, float]] = {0: {1: 1.0}, 1: {2: 2.0}}
    freed: set[int] = set()
    for op, u, x, w in ops:
        if u in freed:
            continue
        if op == "free":
            k.pool_free(start, length, cap, u)
            freed.add(u)
            model.pop(u, None)
            continue
        nbrs, wts, hops = k.pool_add(start, length, cap, nbrs, wts, hops, top, u, x, w, 1)
        arcs = model.setdefault(u, {})
        arcs[x] = min(w, arcs.get(x, math.inf))
    for u in range(n):
        got = {int(nbrs[i]): float(wts[i]) for i in range(start[u], start[u] + length[u])}
        assert got == ({} if u in freed else model.get(u, {}))
        assert top[0] <= len(nbrs)
