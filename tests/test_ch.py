"""Contraction hierarchies give Dijkstra's answers (network.ch), and matrices pick their engine."""

import math

import networkx as nx
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytest.importorskip("numba")

from qjnet.geodata.errors import OptionError
from qjnet.network import build_graph
from qjnet.network.ch import build_ch, ch_times, choose_engine
from qjnet.network.csr import compile_graph
from qjnet.network.matrix import matrix_long, matrix_wide
from tests.engine_random import random_dataset

# quarter minutes are exact binary fractions: every order of summing gives the same float
MINUTES = st.integers(0, 40).map(lambda q: q / 4)


@st.composite
def graphs(draw):
    n = draw(st.integers(1, 25))
    G = nx.MultiDiGraph() if draw(st.booleans()) else nx.DiGraph()
    G.add_nodes_from(range(n))
    for _ in range(draw(st.integers(0, 4 * n))):
        G.add_edge(draw(st.integers(0, n - 1)), draw(st.integers(0, n - 1)), minutes=draw(MINUTES))
    return G


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graphs(), st.sampled_from([math.inf, 0.0, 2.5, 10.0]), st.booleans())
def test_ch_equals_dijkstra_on_random_graphs(G, limit, reverse):
    from scipy.sparse.csgraph import dijkstra

    C = compile_graph(G)
    m = C.transposed() if reverse else C.matrix
    everyone = np.arange(C.n)
    want = dijkstra(m, directed=True, indices=everyone, limit=limit)
    got = ch_times(build_ch(C, reverse=reverse), everyone, everyone, limit)
    assert np.array_equal(want, got)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 10**9), st.sampled_from([30.0, 120.0, None]), st.booleans())
def test_ch_matrix_equals_dijkstra_on_the_first_boarding_layers(seed, max_minutes, reverse):
    G = build_graph(random_dataset(seed, n_nodes=8, n_services=4, n_links=8))
    assert compile_graph(G).blocks == 3
    places = [n for n, d in G.nodes(data=True) if d.get("kind") != "service_stop"]
    a = matrix_wide(G, places, places, max_minutes=max_minutes, reverse=reverse, engine="dijkstra")
    b = matrix_wide(G, places, places, max_minutes=max_minutes, reverse=reverse, engine="ch")
    assert a.attrs["engine"] == "dijkstra" and b.attrs["engine"] == "ch"
    # random float minutes: shortcut sums may differ from Dijkstra's in the last bits
    np.testing.assert_allclose(a.to_numpy(), b.to_numpy(), rtol=1e-12, atol=1e-9)
    assert a.isna().equals(b.isna())


def test_matrix_long_on_ch_lists_the_same_pairs():
    G = nx.DiGraph([("a", "b", {"minutes": 5.0}), ("b", "c", {"minutes": 7.5}), ("c", "a", {"minutes": 1.0})])
    a = matrix_long(G, ["a", "b", "c"], ["a", "c"], max_minutes=10, engine="dijkstra")
    b = matrix_long(G, ["a", "b", "c"], ["a", "c"], max_minutes=10, engine="ch", chunk_size=2)
    assert b.attrs["engine"] == "ch"
    assert a.equals(b)


def test_auto_engine_choice():
    G = nx.DiGraph([(1, 2, {"minutes": 1.0})])
    C = compile_graph(G)
    assert choose_engine("auto", C, 5000, 10) == "dijkstra"  # small graph, nothing cached
    assert choose_engine("dijkstra", C, 5000, 10) == "dijkstra"
    build_ch(C)
    assert choose_engine("auto", C, 1, 1) == "ch"  # a hierarchy is cached: use it
    assert choose_engine("auto", C, 1, None) == "dijkstra"  # every node as destination
    assert choose_engine("auto", C, 1, 1, client=object()) == "dijkstra"
    with pytest.raises(OptionError, match="engine 'fast'"):
        choose_engine("fast", C, 1, 1)
    with pytest.raises(OptionError, match="Dask client"):
        choose_engine("ch", C, 1, 1, client=object())
    assert matrix_wide(G, [1], [2]).attrs["engine"] == "ch"


def test_auto_builds_a_hierarchy_sooner_without_a_cutoff(monkeypatch):
    from qjnet.network import ch

    monkeypatch.setattr(ch, "AUTO_MIN_STATES", 2)
    G = nx.DiGraph([(1, 2, {"minutes": 1.0}), (2, 3, {"minutes": 1.0})])
    C = compile_graph(G)
    few, many = ch.AUTO_MIN_ORIGINS_NO_LIMIT, ch.AUTO_MIN_ORIGINS
    assert choose_engine("auto", C, few - 1, 3) == "dijkstra"
    assert choose_engine("auto", C, few, 3) == "ch"  # no cutoff: every Dijkstra searches the whole graph
    assert choose_engine("auto", C, few, 3, limit=30.0) == "dijkstra"
    assert choose_engine("auto", C, many, 3, limit=30.0) == "ch"
    monkeypatch.setattr(ch, "AUTO_MIN_ORIGINS_NO_LIMIT", 1)
    wide = matrix_wide(G, [1, 2], [3])
    assert wide.attrs["engine"] == "ch" and wide.loc[1, 3] == 2.0
    assert matrix_wide(nx.DiGraph(G), [1, 2], [3], max_minutes=10).attrs["engine"] == "dijkstra"


def test_without_usable_numba_auto_runs_dijkstra_and_ch_says_why(numba_broken):
    from qjnet.network import ch

    G = nx.DiGraph([(1, 2, {"minutes": 1.0})])
    C = compile_graph(G)
    build_ch(C)  # a cached hierarchy would otherwise be chosen
    numba_broken("qjnet.network._ch_kernels")
    ch.available.cache_clear()
    try:
        assert ch.available() is False
        assert choose_engine("auto", C, 1, 1) == "dijkstra"
        with pytest.raises(OptionError, match="needs numba"):
            choose_engine("ch", C, 1, 1)
    finally:
        ch.available.cache_clear()
