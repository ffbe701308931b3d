"""A reach frame's points are made when its geometry is read, and behave as a plain GeometryArray.

The lazy array (:class:`qjnet.network._points.NodePoints`) is checked against
a plain ``geopandas`` GeometryArray of the same points: random chains of the
selections it keeps lazy, and the frame operations users run, give the same
values; only the points of the rows finally read are made.
"""

import pickle
import threading

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from geopandas.array import GeometryArray
from geopandas.testing import assert_geodataframe_equal, assert_geoseries_equal
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qjnet.network._points import NodePoints, PointStore
from qjnet.network.csr import compile_graph
from qjnet.network.reach import reach
from tests.test_reach_frame import _attribute_graph

N = 4000  # nodes: big enough for the compiled engine


@pytest.fixture(scope="module")
def graph():
    return _attribute_graph(N)


def _made(G) -> int:
    return int(compile_graph(G).point_store().made.sum())


def _eager(frame, G):
    """``frame`` with its geometry as a plain GeometryArray of new points at the nodes' coordinates."""
    xs = [G.nodes[n]["x"] for n in frame.index]
    ys = [G.nodes[n]["y"] for n in frame.index]
    out = frame.drop(columns="geometry")
    return gpd.GeoDataFrame(out, geometry=gpd.points_from_xy(xs, ys), crs=frame.crs)


def test_reach_makes_points_only_for_the_rows_read():
    G = _attribute_graph(N)
    r = reach(G, [0], minutes=600)
    assert type(r.geometry.values) is NodePoints and len(r) > 300
    assert _made(G) == 0
    near = r[r["minutes"] < 30].sort_values("population").head(8)  # filter, sort, head: still no point
    assert r["minutes"].max() <= 600 and r["population"].sum() > 0 and _made(G) == 0
    xs = near.geometry.x  # reading the geometry makes the 8 points, no more
    assert _made(G) == 8
    assert xs.tolist() == [G.nodes[n]["x"] for n in near.index]
    assert_geodataframe_equal(r, _eager(r, G))  # every value as a plain frame's
    assert _made(G) == len(r)


OPERATIONS = {
    "sort": lambda f: f.sort_values(["population", "minutes"], na_position="first"),
    "mask": lambda f: f[(f["minutes"] > 5) & (f["minutes"] < 50)],
    "iloc slice": lambda f: f.iloc[3:40:3],
    "iloc list": lambda f: f.iloc[[5, 1, 1, -1]],
    "loc": lambda f: f.loc[f.index[::7]],
    "head tail": lambda f: pd.concat([f.head(3), f.tail(4)]),
    "copy": lambda f: f.copy(),
    "reindex": lambda f: f.reindex([*f.index[:5], -12345]),  # a missing row: a missing geometry
    "to_crs": lambda f: f.to_crs(3857),
    "buffer": lambda f: f.to_crs(3857).pipe(lambda g: g.assign(geometry=g.buffer(500))),
    "dissolve": lambda f: f.dissolve(by="kind", dropna=False),
    "sjoin": lambda f: gpd.sjoin(f.to_crs(3857), f.iloc[:20].to_crs(3857).pipe(
        lambda g: g.assign(geometry=g.buffer(200)))[["minutes", "geometry"]]),
    "pickle": lambda f: pickle.loads(pickle.dumps(f)),
    "geo interface": lambda f: gpd.GeoDataFrame.from_features(f.iloc[:30].__geo_interface__, crs=f.crs),
}


@pytest.mark.parametrize("op", OPERATIONS.values(), ids=OPERATIONS.keys())
def test_frame_operations_give_what_a_plain_frame_gives(graph, op):
    r = reach(graph, [N // 2], minutes=900)
    plain = _eager(r, graph)
    got, want = op(r), op(plain)
    assert_geodataframe_equal(got, want, check_less_precise=True)


def test_geometry_reads_and_repr(graph):
    r = reach(graph, [7], minutes=300)
    plain = _eager(r, graph)
    assert repr(r) == repr(plain)
    assert r.geometry.iloc[-1] == plain.geometry.iloc[-1]
    assert r.total_bounds.tolist() == plain.total_bounds.tolist()
    assert r.geometry.values[-2].x == plain.geometry.values[-2].x
    with pytest.raises(IndexError):
        r.geometry.values[len(r)]


def test_pickled_it_is_a_plain_geometry_array(graph):
    r = reach(graph, [11], minutes=200)
    back = pickle.loads(pickle.dumps(r.geometry.values))
    assert type(back) is GeometryArray and back.crs == r.crs
    assert (back == r.geometry.values).all()


def _selections():
    step = st.one_of(
        st.tuples(st.just("take"), st.lists(st.integers(-5, 50), max_size=30)),
        st.tuples(st.just("slice"), st.tuples(st.none() | st.integers(-40, 40), st.none() | st.integers(-40, 40),
                                              st.sampled_from([None, 1, 2, -1, -3]))),
        st.tuples(st.just("mask"), st.integers(0, 2**30)),
        st.tuples(st.just("fill"), st.lists(st.integers(-1, 50), max_size=20)),
        st.tuples(st.just("copy"), st.none()),
    )
    return st.lists(step, max_size=5)


def _apply(arr, step):
    what, arg = step
    n = len(arr)
    if what == "take":
        return arr.take([i for i in arg if -n <= i < n])
    if what == "slice":
        return arr[slice(*arg)]
    if what == "mask":
        return arr[np.random.default_rng(arg).random(n) < 0.5]
    if what == "fill":
        return arr.take([i for i in arg if i < n], allow_fill=True)
    return arr.copy()


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.integers(0, 99), min_size=0, max_size=60), steps=_selections())
def test_lazy_selections_equal_plain_ones(rows, steps):
    """Any chain of takes, slices, masks, filled takes and copies, read at the end, equals the plain array's."""
    x, y = np.arange(100.0), np.arange(100.0) * 2
    store = PointStore(x, y, "EPSG:4326")
    lazy = store.lazy(np.array(rows, dtype=np.intp))
    plain = GeometryArray(shapely.points(x[rows], y[rows]) if rows else np.empty(0, dtype=object), crs="EPSG:4326")
    for step in steps:
        lazy, plain = _apply(lazy, step), _apply(plain, step)
        assert len(lazy) == len(plain) and (lazy.isna() == plain.isna()).all()
    still_lazy = isinstance(lazy, NodePoints) and not lazy.made
    if still_lazy:  # no point made yet; reading makes those of the rows left, and no other
        assert not store.made.any()
        left = set(lazy._rows.tolist())
    assert_geoseries_equal(gpd.GeoSeries(lazy), gpd.GeoSeries(plain))
    if still_lazy:
        assert set(np.flatnonzero(store.made).tolist()) == left


def test_threads_reading_at_once_get_the_same_points():
    x = np.arange(20000.0)
    store = PointStore(x, x, None)
    rows = np.random.default_rng(0).permutation(20000)
    arrays = [store.lazy(rows[i:]) for i in range(0, 8000, 1000)]
    got = [None] * len(arrays)

    def read(i):
        got[i] = np.asarray(arrays[i])

    threads = [threading.Thread(target=read, args=(i,)) for i in range(len(arrays))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert store.made.all()
    for i, values in enumerate(got):
        assert all(p is store.points[r] for p, r in zip(values, rows[i * 1000:], strict=True))


def test_with_an_untested_geopandas_the_points_are_made_at_once(monkeypatch):
    """A geopandas newer than the versions the lazy array is tested on gets a plain array, points made now."""
    from qjnet.network import _points

    monkeypatch.setattr(gpd, "__version__", "2.0.0")
    _points.lazy_supported.cache_clear()
    try:
        G = _attribute_graph(N)
        r = reach(G, [0], minutes=600)
        assert type(r.geometry.values) is GeometryArray and _made(G) == len(r)
        assert_geodataframe_equal(r, _eager(r, G))
    finally:
        monkeypatch.undo()
        _points.lazy_supported.cache_clear()
    assert _points.lazy_supported()  # the installed geopandas is one it is tested on
