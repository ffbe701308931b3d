"""network.csr: compiled CSR Dijkstra must equal plain networkx Dijkstra."""

from __future__ import annotations

import itertools
import math
import random

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qjnet.geodata.errors import GraphError
from qjnet.network import csr


def random_graph(rng: random.Random, *, multi: bool) -> nx.DiGraph:
    """A random directed graph with parallel edges, zero weights and unreachable parts."""
    n = rng.randint(1, 40)
    G = nx.MultiDiGraph() if multi else nx.DiGraph()
    # ids of mixed types, as datasets and road networks use
    ids = [f"n{i}" if i % 3 else i for i in range(n)]
    for i in ids:
        G.add_node(i, x=rng.uniform(108, 110), y=rng.uniform(29, 30))
    for _ in range(rng.randint(0, 4 * n)):
        u, v = rng.choice(ids), rng.choice(ids)
        minutes = rng.choice([0.0, 0.0, rng.uniform(0, 30), float(rng.randint(1, 20))])
        G.add_edge(u, v, minutes=minutes)
    # an island nobody reaches
    G.add_edge("island-a", "island-b", minutes=1.0)
    return G


def nx_times(G, origin, cutoff=None, reverse=False):
    H = G.reverse(copy=False) if reverse else G
    return nx.single_source_dijkstra_path_length(H, origin, cutoff=cutoff, weight="minutes")


def assert_same(ours: dict, theirs: dict) -> None:
    assert set(ours) == set(theirs)
    for k, v in theirs.items():
        assert ours[k] == pytest.approx(v, abs=1e-9)


@pytest.mark.parametrize("seed", range(300))
def test_matches_networkx_on_random_graphs(seed):
    rng = random.Random(seed)
    G = random_graph(rng, multi=seed % 2 == 0)
    nodes = list(G)
    origins = rng.sample(nodes, min(len(nodes), 3))
    cutoff = rng.choice([None, 0.0, 5.0, 12.5, 40.0])
    reverse = seed % 3 == 0
    t = csr.shortest_times(G, origins, limit=cutoff, reverse=reverse)
    for o in origins:
        assert_same(t.to_dict(o), nx_times(G, o, cutoff, reverse))
    # multi-source nearest times equal networkx's multi-source Dijkstra
    H = G.reverse(copy=False) if reverse else G
    expected = nx.multi_source_dijkstra_path_length(H, set(origins), cutoff=cutoff, weight="minutes")
    near = csr.nearest_times(G, origins, limit=cutoff, reverse=reverse)
    got = {near.compiled.nodes[i]: near.minutes[i] for i in near.reached()}
    assert_same(got, expected)
    # every reached node's source is one of the origins and attains the time
    for i in near.reached():
        src = near.compiled.nodes[near.sources[i]]
        assert src in origins
        assert near.minutes[i] == pytest.approx(nx_times(G, src, None, reverse)[near.compiled.nodes[i]])


@pytest.mark.parametrize("seed", range(60))
def test_paths_are_fastest_paths(seed):
    rng = random.Random(1000 + seed)
    G = random_graph(rng, multi=True)
    origin = rng.choice(list(G))
    t = csr.shortest_times(G, [origin], predecessors=True)
    lengths = nx_times(G, origin)
    for target in G:
        path = t.path(origin, target)
        if target not in lengths:
            assert path == []
            continue
        assert path[0] == origin and path[-1] == target
        total = sum(min(d["minutes"] for d in G[u][v].values()) for u, v in itertools.pairwise(path))
        assert total == pytest.approx(lengths[target])


@settings(max_examples=60, deadline=None)
@given(
    edges=st.lists(
        st.tuples(st.integers(0, 9), st.integers(0, 9), st.floats(0, 100, allow_nan=False)),
        max_size=40,
    ),
    limit=st.one_of(st.none(), st.floats(0, 150)),
)
def test_larger_limit_never_reaches_fewer(edges, limit):
    G = nx.MultiDiGraph()
    G.add_nodes_from(range(10))
    for u, v, m in edges:
        G.add_edge(u, v, minutes=m)
    small = csr.shortest_times(G, [0], limit=limit).to_dict(0)
    big = csr.shortest_times(G, [0], limit=None if limit is None else limit + 10).to_dict(0)
    assert set(small) <= set(big)
    assert_same(big, nx_times(G, 0, None if limit is None else limit + 10))


def test_parallel_edges_use_minimum_and_arrival_edge_key():
    G = nx.MultiDiGraph()
    G.add_edge("a", "b", key="slow", minutes=10.0, mode="road")
    G.add_edge("a", "b", key="fast", minutes=3.0, mode="hsr")
    t = csr.shortest_times(G, ["a"], predecessors=True)
    assert t.to_dict("a") == {"a": 0.0, "b": 3.0}
    C = t.compiled
    (edge,) = C.arrival_edges(t.predecessors[0], C.indices_of(["b"]))
    assert edge == ("a", "b", "fast")
    assert G.edges[edge]["mode"] == "hsr"


def test_undirected_graph_counts_edges_both_ways():
    G = nx.Graph([(1, 2, {"minutes": 4.0})])
    assert csr.shortest_times(G, [2]).to_dict(2) == {2: 0.0, 1: 4.0}


def test_cache_reused_and_recompiled_on_change():
    G = nx.MultiDiGraph([("a", "b", {"minutes": 5.0})])
    first = csr.compile_graph(G)
    assert csr.compile_graph(G) is first
    G.add_edge("b", "c", minutes=1.0)  # structural change: recompiled
    second = csr.compile_graph(G)
    assert second is not first and "c" in second.index
    assert csr.shortest_times(G, ["a"]).to_dict("a")["c"] == 6.0
    # remove one edge and add another: counts unchanged, still recompiled
    G.remove_edge("b", "c")
    G.add_edge("a", "c", minutes=2.0)
    assert csr.shortest_times(G, ["a"]).to_dict("a")["c"] == 2.0
    # an in-place attribute edit is not seen until invalidate()
    G.edges["a", "c", 0]["minutes"] = 1.5
    assert csr.shortest_times(G, ["a"]).to_dict("a")["c"] == 2.0
    csr.invalidate(G)
    assert csr.shortest_times(G, ["a"]).to_dict("a")["c"] == 1.5


def test_copy_does_not_carry_a_stale_cache():
    G = nx.DiGraph([("a", "b", {"minutes": 5.0})])
    csr.compile_graph(G)
    H = G.copy()
    H.remove_edge("a", "b")
    H.add_edge("a", "c", minutes=1.0)
    assert csr.shortest_times(H, ["a"]).to_dict("a") == {"a": 0.0, "c": 1.0}
    assert csr.shortest_times(G, ["a"]).to_dict("a") == {"a": 0.0, "b": 5.0}


def test_change_through_a_view_is_caught_by_fingerprint():
    G = nx.DiGraph([("a", "b", {"minutes": 5.0}), ("b", "c", {"minutes": 1.0})])
    view = nx.subgraph_view(G, filter_node=lambda n: n != "z")
    assert csr.shortest_times(view, ["a"]).to_dict("a")["c"] == 6.0
    G.add_edge("a", "c", minutes=2.0)  # view's own cache is not cleared by networkx
    G.add_node("q")
    assert csr.shortest_times(view, ["a"]).to_dict("a")["c"] == 2.0


def test_compiling_does_not_mutate_graph():
    G = nx.MultiDiGraph([("a", "b", {"minutes": 5.0})])
    before = (dict(G.graph), list(G.edges(keys=True, data=True)), list(G.nodes(data=True)))
    csr.compile_graph(G)
    assert (dict(G.graph), list(G.edges(keys=True, data=True)), list(G.nodes(data=True))) == before


@pytest.mark.parametrize(
    "minutes, message",
    [
        (None, "has no 'minutes'"),
        (-1.0, "negative minutes -1.0"),
        (math.nan, "minutes NaN"),
        (math.inf, "infinite minutes"),
        ("5", "non-numeric minutes '5'"),
    ],
)
def test_bad_minutes_raise_one_clear_error(minutes, message):
    G = nx.MultiDiGraph()
    G.add_edge("a", "b", minutes=1.0)
    if minutes is None:
        G.add_edge("b", "c", mode="road")
    else:
        G.add_edge("b", "c", minutes=minutes)
    with pytest.raises(GraphError, match=rf"edge \('b', 'c', 0\), field 'minutes': .*{message}"):
        csr.compile_graph(G)


def test_bad_minutes_counts_other_bad_edges():
    G = nx.DiGraph([(i, i + 1, {"minutes": -1}) for i in range(4)])
    with pytest.raises(GraphError, match="3 more edges"):
        csr.compile_graph(G)


def test_origin_not_in_graph():
    G = nx.DiGraph([("a", "b", {"minutes": 1.0})])
    with pytest.raises(GraphError, match=r"origin 'nowhere' not in the graph \(2 nodes\)"):
        csr.shortest_times(G, ["a", "nowhere"])
    with pytest.raises(GraphError, match="no origins"):
        csr.nearest_times(G, [])
    with pytest.raises(GraphError, match="limit"):
        csr.shortest_times(G, ["a"], limit=-5)


def test_limit_is_inclusive_like_networkx():
    G = nx.DiGraph([("a", "b", {"minutes": 30.0}), ("b", "c", {"minutes": 0.5})])
    assert csr.shortest_times(G, ["a"], limit=30).to_dict("a") == {"a": 0.0, "b": 30.0}


def test_coordinates_and_indices_vectorised():
    G = nx.DiGraph()
    G.add_node("a", x=108.7, y=29.5)
    G.add_node("b")
    G.add_edge("a", "b", minutes=1.0)
    C = csr.compile_graph(G)
    assert C.x[C.index["a"]] == 108.7 and math.isnan(C.x[C.index["b"]])
    assert list(C.nodes[C.indices_of(["b", "a"])]) == ["b", "a"]
    assert C.nbytes > 0


def test_tuple_node_ids():
    G = nx.DiGraph([((0, 0), (0, 1), {"minutes": 2.0})])
    t = csr.shortest_times(G, [(0, 0)])
    assert t.to_dict((0, 0)) == {(0, 0): 0.0, (0, 1): 2.0}


def test_empty_origin_list_gives_empty_rows():
    G = nx.DiGraph([("a", "b", {"minutes": 1.0})])
    t = csr.shortest_times(G, [])
    assert t.minutes.shape == (0, 2)
    assert np.all(csr.shortest_times(G, ["b"]).minutes[0] == [np.inf, 0.0])


# --- the first-boarding rule -------------------------------------------------


def random_transit_graph(rng: random.Random) -> nx.MultiDiGraph:
    """Places joined by links plus services: board/ride/alight edges with first_minutes."""
    G = nx.MultiDiGraph()
    places = [f"p{i}" for i in range(rng.randint(2, 12))]
    G.add_nodes_from(places, kind="place")
    for _ in range(rng.randint(0, 2 * len(places))):
        G.add_edge(rng.choice(places), rng.choice(places), minutes=rng.uniform(0, 60), kind="link")
    for s in range(rng.randint(1, 4)):
        stops = rng.sample(places, rng.randint(2, min(5, len(places))))
        ss = [f"svc{s}|f|{p}" for p in stops]
        wait = rng.choice([0.0, 15.0, 40.0])
        for p, q in zip(stops, ss, strict=False):
            G.add_node(q, kind="service_stop")
            G.add_edge(p, q, minutes=wait + 5.0, first_minutes=rng.choice([0.0, 3.0]), kind="board")
            G.add_edge(q, p, minutes=0.0, kind="alight")
        for a, b in itertools.pairwise(ss):
            G.add_edge(a, b, minutes=rng.uniform(1, 40), kind="ride")
    return G


def reference_layered(G, origin, *, cutoff=None, reverse=False):
    """Plain networkx on an explicit two-layer expansion (the engine's definition)."""
    H = nx.DiGraph()
    H.add_nodes_from((v, layer) for v in G for layer in (0, 1))

    def put(a, b, w):
        if not H.has_edge(a, b) or w < H[a][b]["minutes"]:
            H.add_edge(a, b, minutes=w)

    for u, v, d in G.edges(data=True):
        if u == v:
            continue
        if d.get("kind") == "board":
            put((u, 0), (v, 1), d.get("first_minutes", d["minutes"]))
            put((u, 1), (v, 1), d["minutes"])
        else:
            if d.get("kind") not in ("ride", "alight"):
                put((u, 0), (v, 0), d["minutes"])
            put((u, 1), (v, 1), d["minutes"])
    if reverse:
        dist = nx.multi_source_dijkstra_path_length(H.reverse(copy=False), {(origin, 0), (origin, 1)},
                                                    cutoff=cutoff, weight="minutes")
        return {v: t for (v, layer), t in dist.items() if layer == 0}
    dist = nx.single_source_dijkstra_path_length(H, (origin, 0), cutoff=cutoff, weight="minutes")
    best: dict = {}
    for (v, _), t in dist.items():
        best[v] = min(t, best.get(v, math.inf))
    return best


@pytest.mark.parametrize("seed", range(150))
def test_first_boarding_rule_matches_layered_reference(seed):
    rng = random.Random(5000 + seed)
    G = random_transit_graph(rng)
    places = [n for n, k in G.nodes(data="kind") if k == "place"]
    origins = rng.sample(places, min(3, len(places)))
    cutoff = rng.choice([None, 30.0, 75.0])
    reverse = seed % 2 == 1
    t = csr.shortest_times(G, origins, limit=cutoff, reverse=reverse, predecessors=True)
    assert t.compiled.blocks == 3
    for o in origins:
        expected = reference_layered(G, o, cutoff=cutoff, reverse=reverse)
        assert_same(t.to_dict(o), expected)
        for target in places:
            path = t.path(o, target)
            if target not in expected:
                assert path == []
            else:
                assert (path[0], path[-1]) == ((target, o) if reverse else (o, target))
    near = csr.nearest_times(G, origins, limit=cutoff, reverse=reverse)
    want: dict = {}
    for o in origins:
        for v, m in reference_layered(G, o, cutoff=cutoff, reverse=reverse).items():
            want[v] = min(m, want.get(v, math.inf))
    assert_same({near.compiled.nodes[i]: near.minutes[i] for i in near.reached()}, want)
    edges = near.arrival_edges(near.reached())
    for i, e in zip(near.reached(), edges, strict=False):
        node = near.compiled.nodes[i]
        if node in origins:
            assert e is None
        else:
            assert (e[1] if not reverse else e[0]) == node and G.has_edge(*e)


def test_first_boarding_is_cheaper_than_a_transfer():
    G = nx.MultiDiGraph()
    G.add_edge("a", "s|a", minutes=35.0, first_minutes=2.0, kind="board")
    G.add_edge("s|a", "s|b", minutes=20.0, kind="ride")
    G.add_edge("s|b", "b", minutes=0.0, kind="alight")
    G.add_edge("b", "t|b", minutes=35.0, first_minutes=2.0, kind="board")
    G.add_edge("t|b", "t|c", minutes=10.0, kind="ride")
    G.add_edge("t|c", "c", minutes=0.0, kind="alight")
    times = csr.shortest_times(G, ["a"]).to_dict("a")
    assert times["b"] == 22.0  # first boarding: 2 + 20
    assert times["c"] == 67.0  # then a transfer: 22 + 35 + 10
    assert csr.shortest_times(G, ["b"]).to_dict("b")["c"] == 12.0
    assert csr.shortest_times(G, ["c"], reverse=True).to_dict("c")["a"] == 67.0


def test_bad_first_minutes():
    G = nx.MultiDiGraph()
    G.add_edge("a", "s", minutes=5.0, first_minutes=-1.0, kind="board")
    with pytest.raises(GraphError, match="field 'first_minutes'.*negative"):
        csr.compile_graph(G)
