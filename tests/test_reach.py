import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qjnet.geodata.errors import OptionError, PlaceNotFoundError
from qjnet.network import build_graph, route
from qjnet.network.reach import _times_csr, _times_networkx, reach, reach_times
from tests.engine_random import random_dataset, without_service

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def mini_after():
    from pathlib import Path

    return build_graph(Path(__file__).parent / "data" / "mini", date="2025-07-01")


def test_reach_gdf(mini_after):
    r = reach(mini_after, "town_a", minutes=100)
    assert list(r.index) == ["town_a", "sta_a", "sta_b", "town_b", "sta_c", "town_c"]
    assert r.crs.to_epsg() == 4326
    assert r.loc["town_c", "minutes"] == pytest.approx(98) and r.loc["town_c", "mode"] == "hsr"
    assert r.loc["sta_a", "mode"] == "access"  # nothing but the access link on the way
    assert r.loc["town_a", "minutes"] == 0 and r.loc["town_a", "mode"] is None
    assert (r["origin"] == "town_a").all()
    assert r["minutes"].is_monotonic_increasing


def test_reverse_reach_mirrors_first_boarding(mini_after):
    r = reach(mini_after, "town_a", minutes=300, reverse=True)
    # town_d -> town_a: rail first (no wait), then hsr (10 transfer + 30 wait)
    assert r.loc["town_d", "minutes"] == pytest.approx(8 + 75 + 10 + 30 + 61 + 25)
    assert r.loc["town_d", "mode"] == "rail"
    assert r.loc["town_d", "minutes"] == pytest.approx(route(mini_after, "town_d", "town_a").minutes)


def test_many_origins_take_the_nearest(mini_after):
    r = reach(mini_after, ["town_a", "town_d"], minutes=60)
    assert r.loc["sta_d", "origin"] == "town_d" and r.loc["sta_a", "origin"] == "town_a"


def test_bad_budgets_and_origins(mini_after):
    for bad in (-1, 0, float("nan"), 10**7, "soon"):
        with pytest.raises(OptionError):
            reach(mini_after, "town_a", minutes=bad)
    with pytest.raises(PlaceNotFoundError):
        reach(mini_after, "nowhere")
    with pytest.raises(OptionError):
        reach(mini_after, [])


def _graph(seed, **kw):
    return build_graph(random_dataset(seed, **kw))


@pytest.mark.parametrize("kernel", [True, False], ids=["labelled-dijkstra", "scipy-pointer-jumping"])
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 10**9), st.booleans(), st.sampled_from([30.0, 120.0, 600.0, math.inf]), st.data())
def test_csr_equals_networkx(kernel, seed, reverse, budget, data):
    ds = random_dataset(seed, n_nodes=8, n_services=4, n_links=8)
    G = build_graph(ds)
    origins = data.draw(st.lists(st.sampled_from(list(ds.nodes.index)), min_size=1, max_size=3, unique=True))
    a = _times_networkx(G, origins, budget, reverse)
    b = _times_csr(G, origins, budget, reverse, kernel=kernel)
    assert set(a) == set(b)
    for n in a:
        assert a[n][0] == pytest.approx(b[n][0], abs=1e-9)
        # random float weights make ties all but impossible, so the same trip is found
        assert a[n][1] == b[n][1]
        assert a[n][2] == b[n][2]


@FAST
@given(st.integers(0, 10**9), st.floats(1, 500), st.floats(1, 500))
def test_larger_budget_never_reaches_fewer(seed, t1, t2):
    G = _graph(seed)
    lo, hi = sorted((t1, t2))
    small = reach(G, "n0", minutes=lo)
    large = reach(G, "n0", minutes=hi)
    assert set(small.index) <= set(large.index)
    assert (large.loc[small.index, "minutes"] == small["minutes"]).all()


@FAST
@given(st.integers(0, 10**9), st.data())
def test_opening_a_service_never_slows_a_trip(seed, data):
    ds = random_dataset(seed)
    sid = data.draw(st.sampled_from(list(ds.services.index)))
    with_it, without = build_graph(ds), build_graph(without_service(ds, sid))
    for o in ds.nodes.index:
        after = reach_times(with_it, o)
        before = reach_times(without, o)
        assert set(before) <= set(after)
        for n, m in before.items():
            assert after[n] <= m + 1e-9


@FAST
@given(st.integers(0, 10**9), st.data())
def test_reverse_reach_agrees_with_forward_routes(seed, data):
    ds = random_dataset(seed)
    G = build_graph(ds)
    target = data.draw(st.sampled_from(list(ds.nodes.index)))
    back = reach_times(G, target, reverse=True)
    for s in ds.nodes.index:
        fwd = reach_times(G, s)
        if target in fwd:
            assert back[s] == pytest.approx(fwd[target])
            assert route(G, s, target).minutes == pytest.approx(back[s])
        else:
            assert s not in back


def test_reach_gdf_is_the_same_on_the_compiled_path(monkeypatch):
    import sys

    reach_module = sys.modules["qjnet.network.reach"]  # `network.reach` is the function

    G = build_graph(date="2025-07-01")
    slow = reach(G, "qianjiang_dist", minutes=180)
    monkeypatch.setattr(reach_module, "FAST_PATH_MIN_STATES", 0)
    fast = reach(G, "qianjiang_dist", minutes=180)
    assert list(fast.index) == list(slow.index) or set(fast.index) == set(slow.index)
    assert fast.loc[slow.index, "minutes"].tolist() == pytest.approx(slow["minutes"].tolist())
    assert fast.loc[slow.index, "mode"].tolist() == slow["mode"].tolist()


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_pointer_jumping_finds_the_first_marked_ancestor(data):
    """Vectorised mode propagation equals walking each chain of predecessors."""
    import numpy as np

    from qjnet.network.reach import first_marked

    k = data.draw(st.integers(0, 40))
    # a random forest: every element points to a smaller one or to the root k
    parents = [data.draw(st.integers(-1, i - 1)) for i in range(k)]
    jump = np.array([k if p < 0 else p for p in parents] + [k], dtype=np.int32)
    a = np.array([*data.draw(st.lists(st.integers(0, 3), min_size=k, max_size=k)), 0], dtype=np.int16)
    b = np.array([*data.draw(st.lists(st.integers(0, 2), min_size=k, max_size=k)), 0], dtype=np.int16)
    got_a, got_b = first_marked(jump, a, b)

    def walk(v, s):
        while s != k and v[s] == 0:
            s = int(jump[s])
        return int(v[s])

    assert got_a.tolist() == [walk(a, s) for s in range(k + 1)]
    assert got_b.tolist() == [walk(b, s) for s in range(k + 1)]


def test_reach_falls_back_to_scipy_when_numba_cannot_be_imported(monkeypatch, numba_broken):
    import sys

    reach_module = sys.modules["qjnet.network.reach"]
    G = _graph(7)
    monkeypatch.setattr(reach_module, "FAST_PATH_MIN_STATES", 0)
    expected = reach(G, "n0", minutes=300)
    numba_broken("qjnet.network._reach_kernel")
    reach_module._have_numba.cache_clear()
    try:
        assert reach_module._have_numba() is False
        got = reach(G, "n0", minutes=300)
    finally:
        reach_module._have_numba.cache_clear()
    assert got.index.tolist() == expected.index.tolist()
    assert got["minutes"].tolist() == pytest.approx(expected["minutes"].tolist())
    assert got["mode"].tolist() == expected["mode"].tolist()
