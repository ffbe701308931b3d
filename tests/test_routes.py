"""Many-pair routes on the compiled graph equal network.route pair by pair."""

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qjnet.geodata.errors import OptionError, PlaceNotFoundError
from qjnet.network import build_graph, route, routes
from tests.engine_random import random_dataset


@pytest.fixture(scope="module")
def today():
    return build_graph(date="2025-07-03")


def _legs(it, ties):
    # two services with the same stops and times are equally fast: either may be taken
    drop = ("service", "records") if ties else ()
    return [{k: v for k, v in leg.to_dict().items() if k not in drop} for leg in it.legs]


def _same(a, b, *, ties=False):
    assert (a is None) == (b is None)
    if a is None:
        return
    assert a.minutes == pytest.approx(b.minutes, abs=1e-9)
    assert _legs(a, ties) == _legs(b, ties)
    assert a.split == pytest.approx(b.split)
    assert a.provenance.to_dict() == b.provenance.to_dict()


def test_every_pair_of_the_dataset_matches_route(today):
    places = [n for n, k in today.nodes(data="kind") if k == "place"]
    rng = random.Random(3)
    pairs = [(a, b) for a in places[:12] for b in rng.sample(places, 8)]
    fast = routes(today, pairs)
    slow = routes(today, pairs, engine="networkx")
    assert len(fast) == len(pairs) and sum(t is not None for t in fast) > 50
    for a, b in zip(fast, slow, strict=True):
        _same(a, b, ties=True)
    # and against route() itself
    _same(fast[0], route(today, *pairs[0]), ties=True)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 10**9), st.data())
def test_random_networks_match_route(seed, data):
    ds = random_dataset(seed, n_nodes=8, n_services=4, n_links=8)
    G = build_graph(ds)
    ids = list(ds.nodes.index)
    pairs = data.draw(st.lists(st.tuples(st.sampled_from(ids), st.sampled_from(ids)), min_size=1, max_size=12))
    for a, b in zip(routes(G, pairs), routes(G, pairs, engine="networkx"), strict=True):
        _same(a, b)


def test_unreachable_pairs_give_none_and_bad_input_is_refused(today):
    from qjnet.network import build_graph as bg

    G = bg(random_dataset(5, n_nodes=6, n_services=1, n_links=1))
    ids = [n for n, k in G.nodes(data="kind") if k != "service_stop"]
    out = routes(G, [(a, b) for a in ids for b in ids])
    assert any(t is None for t in out) and any(t is not None for t in out)
    with pytest.raises(PlaceNotFoundError):
        routes(today, [("qianjiang", "nowhere")])
    with pytest.raises(OptionError):
        routes(today, [("qianjiang", "cq_east")], engine="fast")
    assert routes(today, []) == []
