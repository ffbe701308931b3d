"""The reach GeoDataFrame is the same from both engines, whatever the node ids and attributes."""

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from geopandas.testing import assert_geodataframe_equal
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qjnet.network import build_graph
from qjnet.network.csr import compile_graph
from qjnet.network.reach import reach
from tests.engine_random import random_dataset


def _both(monkeypatch, G, origins, **kw):
    """``reach`` by the networkx engine and by the compiled engine (with and without the numba kernel)."""
    import sys

    module = sys.modules["qjnet.network.reach"]
    slow = reach(G, origins, **kw)
    monkeypatch.setattr(module, "FAST_PATH_MIN_STATES", 0)
    fast = reach(G, origins, **kw)
    monkeypatch.setattr(module, "_have_numba", lambda: False)
    scipy = reach(G, origins, **kw)
    monkeypatch.undo()
    return slow, fast, scipy


def _relabelled(G, mapping):
    H = nx.relabel_nodes(G, mapping, copy=True)
    H.graph.update(G.graph)
    return H


def _check_same(slow, fast, scipy):
    for other in (fast, scipy):
        assert_geodataframe_equal(slow, other, check_less_precise=True)
        assert list(other.columns) == list(slow.columns)
        assert other.index.dtype == slow.index.dtype and other["origin"].dtype == slow["origin"].dtype


IDS = {
    "strings": lambda i: f"n{i}",
    "ints": lambda i: 1000 + 7 * i,
    "numpy ints": lambda i: np.int64(2**40 + i),
    "mixed": lambda i: i if i % 2 else f"n{i}",
    "big ints": lambda i: 2**70 + i,
}


@pytest.mark.parametrize("ids", IDS.values(), ids=IDS.keys())
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10**9), reverse=st.booleans(), budget=st.sampled_from([60.0, 300.0, 10080.0]))
def test_both_engines_give_the_same_frame(monkeypatch, ids, seed, reverse, budget):
    ds = random_dataset(seed, n_nodes=8, n_services=4, n_links=8)
    G0 = build_graph(ds)
    mapping = {n: ids(i) for i, n in enumerate(G0)}
    G = _relabelled(G0, mapping)
    origins = [mapping[n] for n in list(ds.nodes.index)[:2]]
    slow, fast, scipy = _both(monkeypatch, G, origins, minutes=budget, reverse=reverse)
    _check_same(slow, fast, scipy)
    every_int = all(isinstance(v, (int, np.integer)) and v < 2**63 for v in mapping.values())
    assert slow.index.dtype == (np.int64 if every_int else object)
    plain = reach(G0, list(ds.nodes.index)[:2], minutes=budget, reverse=reverse)
    # the same places and minutes as with the original ids (ties are ordered by id, so may differ)
    assert sorted(map(str, slow.index)) == sorted(str(mapping[n]) for n in plain.index)
    assert slow["minutes"].tolist() == pytest.approx(plain["minutes"].tolist())


def test_integer_ids_index_and_origin_as_int64(monkeypatch):
    G0 = build_graph(random_dataset(3))
    mapping = {n: 10 * i for i, n in enumerate(G0)}
    G = _relabelled(G0, mapping)
    a, b = mapping["n0"], mapping["n1"]
    slow, fast, scipy = _both(monkeypatch, G, [a, b], minutes=600)
    _check_same(slow, fast, scipy)
    assert fast.index.dtype == np.int64 and fast.index.name == "id"
    assert fast["origin"].dtype == np.int64 and set(fast["origin"]) <= {a, b}
    assert fast.loc[a, "minutes"] == 0


def _attribute_graph(n: int) -> nx.MultiDiGraph:
    """A chain with node columns of every shape: one value everywhere, a few values, all distinct, some missing."""
    G = nx.MultiDiGraph(crs="EPSG:4326")
    kinds = ["place", "road", 1, 1.0, True, None]  # equal values of different types stay apart
    for i in range(n):
        G.add_node(i, x=108 + i / n, y=29.0, name_zh=None, name_en=f"Node {i}", kind=kinds[i % len(kinds)],
                   population=None if i % 3 else i * 100)
    for i in range(n - 1):
        G.add_edge(i, i + 1, minutes=1.0 + (i % 7) / 10, mode="road", kind="link")
        G.add_edge(i + 1, i, minutes=2.0, mode="walk", kind="link")
    return G


def test_every_kind_of_node_column(monkeypatch):
    G = _attribute_graph(3000)
    slow, fast, scipy = _both(monkeypatch, G, [0], minutes=10080)
    _check_same(slow, fast, scipy)
    assert len(fast) == 3000
    kinds = fast["kind"].tolist()
    assert [type(k) for k in kinds[:6]] == [str, str, int, float, bool, type(None)]
    assert fast["name_zh"].isna().all() and fast.loc[5, "name_en"] == "Node 5"
    assert fast["population"].dtype == "Int64" and fast.loc[3, "population"] == 300
    assert fast["population"].isna().sum() == 2000


def test_unhashable_and_many_distinct_node_values(monkeypatch):
    G = _attribute_graph(2500)
    for i in G:
        G.nodes[i]["kind"] = [i % 3] if i % 2 else f"k{i}"
    slow, fast, scipy = _both(monkeypatch, G, [0], minutes=10080)
    _check_same(slow, fast, scipy)
    assert fast.loc[1, "kind"] == [1] and fast.loc[2, "kind"] == "k2"


def test_no_population_anywhere(monkeypatch):
    G = _attribute_graph(2500)
    for i in G:
        del G.nodes[i]["population"]
    slow, fast, scipy = _both(monkeypatch, G, [3], minutes=30)
    _check_same(slow, fast, scipy)
    assert fast["population"].isna().all() and fast["population"].dtype == "Int64"


@pytest.mark.parametrize("key", [0, 40_000, -3, "a", True, np.int64(2), 2**70])
def test_multigraph_keys_of_any_type_compile(key):
    G = nx.MultiDiGraph()
    G.add_edge("a", "b", key=7, minutes=3.0)
    G.add_edge("a", "b", key=key, minutes=2.0)
    G.add_edge("b", "c", minutes=1.0)
    C = compile_graph(G)
    pos = C.matrix.indptr[C.index["a"]]
    got = C.keys[pos]
    got = got.item() if isinstance(got, np.generic) else got
    assert got == key and type(got) is (int if type(key) in (int, np.int64) else type(key))
    assert C.keys.dtype == (np.int32 if key == 40_000 else object if type(key) is not int or key == 2**70
                            else np.int8)


def test_a_large_graph_takes_the_compiled_path():
    """Enough states for the compiled engine without any patching: ids as int64, in order of minutes."""
    G = _attribute_graph(4000)
    got = reach(G, [0, 3999], minutes=600)
    assert got.index.dtype == np.int64 and got["minutes"].is_monotonic_increasing
    assert isinstance(got["origin"].dtype, np.dtype) and pd.api.types.is_integer_dtype(got["origin"])


def test_the_frame_is_built_the_same_where_pandas_asks_for_the_manager_type(monkeypatch):
    """pandas 2's ``arrays_to_mgr`` needs ``typ="block"`` (pandas 3 has no such argument): the quick path serves both."""
    import inspect

    from pandas.core.internals import construction

    G = _attribute_graph(4000)
    want = reach(G, [0, 3999], minutes=600)
    real, calls = construction.arrays_to_mgr, []

    def pandas2(arrays, columns, index, *, dtype=None, verify_integrity=True, typ=None, consolidate=True):
        calls.append(typ)
        if typ not in ("block", "array"):
            raise ValueError(f"'typ' needs to be one of {{'block', 'array'}}, got '{typ}'")
        passed = {"typ": typ} if "typ" in inspect.signature(real).parameters else {}  # the real one may be pandas 2
        return real(arrays, columns, index, dtype=dtype, verify_integrity=verify_integrity, consolidate=consolidate,
                    **passed)

    monkeypatch.setattr(construction, "arrays_to_mgr", pandas2)
    got = reach(G, [0, 3999], minutes=600)
    assert calls == ["block"]  # the block manager built from the arrays, not the public constructors
    assert_geodataframe_equal(got, want)


def test_points_of_all_nodes_are_the_ones_reaches_keep(monkeypatch):
    """``points()`` reuses the points reaches made, and once it has run no reach makes a point."""
    import shapely

    G = _attribute_graph(4000)
    first = reach(G, [0], minutes=600)
    first_points = list(first.geometry.values)  # read: made now, and kept
    C = compile_graph(G)
    everything = C.points()
    assert len(everything) == C.n and everything.crs == "EPSG:4326"
    row = {node: i for i, node in enumerate(C.nodes.tolist())}
    assert all(everything[row[n]] is p for n, p in zip(first.index, first_points, strict=True))
    assert everything.x.tolist() == C.x.tolist() and everything.y.tolist() == C.y.tolist()

    elsewhere = shapely.Point(0, 0)
    made = []
    monkeypatch.setattr(shapely, "points", lambda *a, **k: made.append(a) or pytest.fail("a point was made"))
    later = reach(G, [3999], minutes=600)  # an area no reach has seen
    assert made == [] and len(later) > 100
    assert all(everything[row[n]] is p for n, p in zip(later.index, later.geometry.values, strict=True))

    everything[row[3999]] = elsewhere  # the caller's copy: reaches keep the node's own point
    assert reach(G, [3999], minutes=600).geometry.iloc[0].x == G.nodes[3999]["x"]
