"""Property tests: the Pareto search and single-objective routing against brute force on random graphs."""

from __future__ import annotations

import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qjnet.geodata.errors import NoRouteError
from qjnet.network.freight import FreightParams, freight_pareto, freight_route


@st.composite
def freight_graphs(draw):
    n = draw(st.integers(min_value=2, max_value=7))
    G = nx.MultiDiGraph(kind="freight", cargo="teu", params=FreightParams({}, {}, {}), records={},
                        dataset_nodes={f"n{i}": ("place", (float(i), 0.0)) for i in range(n)}, date=None, scenario=None)
    for i in range(n):
        G.add_node(f"n{i}", site=f"n{i}", layer="site", x=float(i), y=0.0, kind="place")
    n_edges = draw(st.integers(min_value=1, max_value=16))
    weight = st.integers(min_value=0, max_value=6).map(float)
    for e in range(n_edges):
        u = draw(st.integers(0, n - 1))
        v = draw(st.integers(0, n - 1).filter(lambda x, u=u: x != u))
        h, c, co2 = draw(weight), draw(weight), draw(weight)
        G.add_edge(f"n{u}", f"n{v}", key=f"e{e}", mode=draw(st.sampled_from(["road", "rail"])), hours=h + 0.5,
                   km=1.0, cost_teu=c, cost_tonne=c, co2_teu=co2, co2_tonne=co2, teu_ok=True, refs_teu=(),
                   refs_tonne=(), coords=())
    return G


def _vec(G, path):
    return tuple(sum(G.edges[e][k] for e in path) for k in ("hours", "cost_teu", "co2_teu"))


def _brute_front(G, a, b):
    vecs = {_vec(G, p) for p in nx.all_simple_edge_paths(G, a, b)}
    return {v for v in vecs if not any(all(x <= y for x, y in zip(w, v, strict=False)) and w != v for w in vecs)}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(freight_graphs())
def test_pareto_equals_brute_force_front(G):
    a, b = "n0", f"n{G.number_of_nodes() - 1}"
    front = _brute_front(G, a, b)
    if not front:
        with pytest.raises(NoRouteError):
            freight_pareto(G, a, b)
        return
    chains = freight_pareto(G, a, b)
    got = [c.vector for c in chains]
    assert len(got) == len(set(got)), "each Pareto vector reported once"
    assert set(got) == front
    for c in chains:   # non-domination among the results
        assert not any(all(x <= y for x, y in zip(d.vector, c.vector, strict=False)) and d.vector != c.vector for d in chains)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(freight_graphs(), st.sampled_from(["time", "cost", "co2"]))
def test_single_objective_is_optimal_and_on_the_front(G, objective):
    a, b = "n0", f"n{G.number_of_nodes() - 1}"
    front = _brute_front(G, a, b)
    if not front:
        with pytest.raises(NoRouteError):
            freight_route(G, a, b, objective=objective)
        return
    i = {"time": 0, "cost": 1, "co2": 2}[objective]
    chain = freight_route(G, a, b, objective=objective)
    assert chain.vector[i] == min(v[i] for v in front)
    # lexicographic tie-breaking gives a Pareto-optimal chain
    assert chain.vector in front
