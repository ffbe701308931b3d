"""network.matrix and `qjnet matrix`: matrices equal networkx; files; bad input through the CLI."""

from __future__ import annotations

import math
import random

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from qjnet.geodata.errors import GraphError, OptionError
from qjnet.network import matrix as mx


def road_graph(seed: int, n: int = 60) -> nx.MultiDiGraph:
    rng = random.Random(seed)
    G = nx.MultiDiGraph()
    for i in range(n):
        G.add_node(f"v{i}", x=108 + rng.random(), y=29 + rng.random(), kind="place" if i % 5 == 0 else "road")
    for _ in range(4 * n):
        u, v = f"v{rng.randrange(n)}", f"v{rng.randrange(n)}"
        G.add_edge(u, v, minutes=rng.choice([0.0, rng.uniform(1, 30)]), mode="road", kind="link")
    return G


def expected_long(G, origins, destinations, cutoff=None):
    rows = []
    for o in origins:
        dist = nx.single_source_dijkstra_path_length(G, o, cutoff=cutoff, weight="minutes")
        for d in destinations:
            if d in dist:
                rows.append((o, d, dist[d]))
    return rows


@pytest.mark.parametrize("seed", range(40))
@pytest.mark.parametrize("chunk_size", [1, 3, None])
def test_long_matrix_equals_networkx(seed, chunk_size):
    G = road_graph(seed)
    rng = random.Random(seed)
    origins = rng.sample(list(G), 7)
    dests = rng.sample(list(G), 9)
    cutoff = rng.choice([None, 20.0, 45.0])
    got = mx.matrix_long(G, origins, dests, max_minutes=cutoff, chunk_size=chunk_size)
    want = expected_long(G, origins, dests, cutoff)
    assert list(got.columns) == ["origin", "destination", "minutes"]
    assert [(o, d) for o, d, _ in want] == list(zip(got.origin, got.destination, strict=False))
    assert got.minutes.tolist() == pytest.approx([m for _, _, m in want])


def test_wide_matrix_matches_long_and_has_nan_for_unreached():
    G = road_graph(3)
    G.add_node("alone", x=108.5, y=29.5)
    origins, dests = ["v0", "v5", "alone"], ["v1", "v2", "alone", "v0"]
    wide = mx.matrix_wide(G, origins, dests, max_minutes=30, chunk_size=2)
    long = mx.matrix_long(G, origins, dests, max_minutes=30)
    assert list(wide.index) == origins and list(wide.columns) == dests
    assert wide.notna().to_numpy().sum() == len(long)
    for o, d, m in long.itertuples(index=False):
        assert wide.loc[o, d] == pytest.approx(m)
    assert math.isnan(wide.loc["v0", "alone"]) and wide.loc["alone", "alone"] == 0.0


def test_all_destinations_by_default_in_graph_order():
    G = nx.DiGraph([("a", "b", {"minutes": 1.0}), ("b", "c", {"minutes": 2.0})])
    got = mx.matrix_long(G, ["b"])
    assert got.values.tolist() == [["b", "b", 0.0], ["b", "c", 2.0]]


def test_duplicate_origins_once_and_input_not_mutated():
    G = road_graph(1)
    before = sorted(G.edges(keys=True, data="minutes"))
    got = mx.matrix_long(G, ["v0", "v0", "v5"], ["v1"])
    assert list(dict.fromkeys(got.origin)) == [o for o in ["v0", "v5"] if o in set(got.origin)]
    assert sorted(G.edges(keys=True, data="minutes")) == before


def test_first_boarding_rule_applies_to_matrices():
    G = nx.MultiDiGraph()
    G.add_edge("a", "s|a", minutes=35.0, first_minutes=2.0, kind="board")
    G.add_edge("s|a", "s|b", minutes=20.0, kind="ride")
    G.add_edge("s|b", "b", minutes=0.0, kind="alight")
    assert mx.matrix_wide(G, ["a"], ["b"]).loc["a", "b"] == 22.0


def test_bad_input_errors():
    G = road_graph(2)
    with pytest.raises(GraphError, match="origin 'nope' not in the graph"):
        mx.matrix_long(G, ["v0", "nope"])
    with pytest.raises(GraphError, match="destination 'zz' not in the graph"):
        mx.matrix_long(G, ["v0"], ["zz"])
    with pytest.raises(OptionError, match="no origins"):
        mx.matrix_long(G, [])
    with pytest.raises(OptionError, match="max_minutes"):
        mx.matrix_long(G, ["v0"], max_minutes=-1)
    with pytest.raises(OptionError, match="chunk_size"):
        mx.matrix_long(G, ["v0"], chunk_size=0)
    with pytest.raises(OptionError, match="not the string"):
        mx.matrix_long(G, "v0")
    G.add_edge("v1", "v2", minutes=-3.0)
    with pytest.raises(GraphError, match="negative minutes"):
        mx.matrix_long(G, ["v0"])


@pytest.mark.parametrize("name", ["m.parquet", "m.csv", "parts"])
def test_write_matrix_streams_and_reads_back(tmp_path, name):
    G = road_graph(4, n=80)
    origins = [f"v{i}" for i in range(0, 80, 4)]
    want = mx.matrix_long(G, origins, max_minutes=40)
    written = mx.write_matrix(G, origins, tmp_path / name, max_minutes=40, chunk_size=3)
    assert written.chunks == 7 and written.rows == len(want)
    if name.endswith(".csv"):
        got = pd.read_csv(tmp_path / name, dtype={"origin": str, "destination": str})
    else:
        got = pd.read_parquet(tmp_path / name)
    if name == "parts":
        assert sorted(p.name for p in (tmp_path / name).iterdir()) == [f"part-{i:05d}.parquet" for i in range(7)]
        got = got.sort_values(["origin", "destination"], key=lambda s: s.map(lambda v: int(str(v)[1:])))
        want = want.sort_values(["origin", "destination"], key=lambda s: s.map(lambda v: int(str(v)[1:])))
    got = got.reset_index(drop=True)
    want = want.reset_index(drop=True)
    assert got.origin.astype(str).tolist() == want.origin.tolist()
    assert got.destination.astype(str).tolist() == want.destination.tolist()
    np.testing.assert_allclose(got.minutes.to_numpy(), want.minutes.to_numpy())
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_write_matrix_leaves_nothing_on_failure(tmp_path):
    G = road_graph(5)
    with pytest.raises(GraphError):
        mx.write_matrix(G, ["v0", "missing"], tmp_path / "m.parquet")
    calls = []

    def boom(done, total):
        calls.append(done)
        if done == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        mx.write_matrix(G, [f"v{i}" for i in range(10)], tmp_path / "m.parquet", chunk_size=2, progress=boom)
    assert list(tmp_path.iterdir()) == [] and calls == [1, 2]


def test_check_output_errors(tmp_path):
    with pytest.raises(OptionError, match="does not exist"):
        mx.check_output(tmp_path / "no" / "m.parquet")
    with pytest.raises(OptionError, match="unknown output type '.xlsx'"):
        mx.check_output(tmp_path / "m.xlsx")
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x")
    with pytest.raises(OptionError, match="not empty"):
        mx.check_output(tmp_path / "full")
    with pytest.raises(OptionError, match="wide matrix is one table"):
        mx.check_output(tmp_path / "folder", wide=True)


def test_default_chunk_size_bounds_memory_and_spreads_over_workers():
    G = road_graph(6, n=50)
    from qjnet.network.csr import compile_graph

    C = compile_graph(G)
    assert mx.default_chunk_size(C, 1000) == 1000  # tiny graph: one chunk
    assert mx.default_chunk_size(C, 1000, workers=2) == 125  # 4 chunks per worker
    assert mx.default_chunk_size(C, 3) == 3


# --- the command line -----------------------------------------------------------


@pytest.fixture
def graphml(tmp_path):
    G = road_graph(7, n=40)
    path = tmp_path / "g.graphml"
    nx.write_graphml(G, path)
    return path, G


def test_cli_matrix_graphml_parquet_and_csv(run_qjnet, graphml, tmp_path):
    path, G = graphml
    r = run_qjnet("matrix", "--graph", path, "--origins", "all-places", "--max-minutes", "60",
                  "--output", tmp_path / "m.parquet")
    assert r.returncode == 0, r.stderr
    assert "origins x 40 destinations" in r.stderr and "one process" in r.stderr
    got = pd.read_parquet(tmp_path / "m.parquet")
    places = [n for n, k in G.nodes(data="kind") if k == "place"]
    want = expected_long(G, places, list(G), 60.0)
    assert len(got) == len(want)
    assert got.minutes.tolist() == pytest.approx([m for *_, m in want])
    r = run_qjnet("matrix", "--graph", path, "--origins", "v0,v5", "--destinations", "v1,v2,v3", "--wide",
                  "--output", tmp_path / "w.csv")
    assert r.returncode == 0, r.stderr
    wide = pd.read_csv(tmp_path / "w.csv", index_col="origin")
    assert list(wide.index) == ["v0", "v5"] and list(wide.columns) == ["v1", "v2", "v3"]
    for (o, d, m) in expected_long(G, ["v0", "v5"], ["v1", "v2", "v3"]):
        assert wide.loc[o, d] == pytest.approx(m)


@pytest.mark.parametrize(
    "args, message",
    [
        (["--origins", "v0,nowhere"], "origin 'nowhere' not in the graph"),
        (["--origins", "v0", "--destinations", "zz"], "destination 'zz' not in the graph"),
        (["--origins", "v0", "--output", "/nonexistent/dir/m.parquet"], "does not exist"),
        (["--origins", "v0", "--output", "m.xlsx"], "unknown output type"),
        (["--origins", "v0", "--max-minutes", "-5"], "max_minutes"),
        (["--origins", "v0", "--scheduler", "tcp://127.0.0.1:1", "--workers", "2"], "either --scheduler"),
        (["--origins", "v0", "--scheduler", "not an address"], "not like tcp://HOST:8786"),
        (["--origins", ","], "--origins is empty"),
    ],
)
def test_cli_bad_input_one_line_exit_2(run_qjnet, graphml, tmp_path, args, message):
    path, _ = graphml
    if "--output" not in args:
        args = [*args, "--output", tmp_path / "m.parquet"]
    r = run_qjnet("matrix", "--graph", path, *args)
    assert r.returncode == 2, r.stderr
    assert r.stderr.startswith("qjnet: error: ") and message in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr
    assert not (tmp_path / "m.parquet").exists()


def test_cli_bad_edges_exit_2(run_qjnet, tmp_path):
    G = nx.MultiDiGraph()
    G.add_node("a", x=108.0, y=29.0)
    G.add_node("b", x=108.1, y=29.0)
    G.add_edge("a", "b", minutes=-2.0)
    nx.write_graphml(G, tmp_path / "neg.graphml")
    r = run_qjnet("matrix", "--graph", tmp_path / "neg.graphml", "--origins", "a", "--output", tmp_path / "m.csv")
    assert r.returncode == 2 and "no usable travel time" in r.stderr, r.stderr
    G.edges["a", "b", 0].pop("minutes")
    nx.write_graphml(G, tmp_path / "none.graphml")
    r = run_qjnet("matrix", "--graph", tmp_path / "none.graphml", "--origins", "a", "--output", tmp_path / "m.csv")
    assert r.returncode == 2 and "field 'travel_time'" in r.stderr, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_cli_unwritable_output_is_caught_before_work(run_qjnet, graphml, tmp_path):
    path, _ = graphml
    (tmp_path / "afile").write_text("x")
    r = run_qjnet("matrix", "--graph", path, "--origins", "v0", "--output", tmp_path / "afile" / "m.parquet")
    assert r.returncode == 2 and "does not exist" in r.stderr


def test_cli_scheduler_that_does_not_answer(run_qjnet, graphml, tmp_path):
    import socket
    import time

    with socket.socket() as s:  # a free port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    path, _ = graphml
    # the same command failing at once on a bad scheduler address: start-up time (imports) on this machine
    t0 = time.monotonic()
    r = run_qjnet("matrix", "--graph", path, "--origins", "v0", "--scheduler", "tcp://bad address",
                  "--output", tmp_path / "m.parquet")
    startup = time.monotonic() - t0
    assert r.returncode == 2 and "not like tcp://HOST:8786" in r.stderr
    t0 = time.monotonic()
    r = run_qjnet("matrix", "--graph", path, "--origins", "v0", "--scheduler", f"tcp://127.0.0.1:{port}",
                  "--output", tmp_path / "m.parquet", timeout=60)
    waited = time.monotonic() - t0 - startup
    assert waited < 60, f"waited {waited:.1f} s beyond start-up for a scheduler that does not answer"  # bounded, not hung
    assert r.returncode == 2 and "no answer within 5 s" in r.stderr, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "m.parquet").exists()


# --- the embedded dataset: same answers as the engine's reach -------------------------


@pytest.fixture(scope="module")
def embedded_graph():
    from qjnet.network import build_graph

    return build_graph(date="2025-07-01")


def test_matrix_equals_engine_reach_on_embedded_dataset(embedded_graph):
    from qjnet.network.reach import reach_times

    G = embedded_graph
    places = [n for n, k in G.nodes(data="kind") if k == "place"]
    forward = mx.matrix_wide(G, places, places)
    backward = mx.matrix_wide(G, places, places, reverse=True)
    for o in places:
        fwd, rev = reach_times(G, o), reach_times(G, o, reverse=True)
        for d in places:
            assert forward.loc[o, d] == pytest.approx(fwd.get(d, math.nan), nan_ok=True)
            assert backward.loc[o, d] == pytest.approx(rev.get(d, math.nan), nan_ok=True)
    # a trip from a to b is a trip that ends at b coming from a
    np.testing.assert_allclose(backward.T.to_numpy(), forward.to_numpy())


def test_cli_matrix_on_dataset_with_place_names(run_qjnet, embedded_graph, tmp_path):
    from qjnet.network.reach import reach_times

    r = run_qjnet("matrix", "--origins", "黔江,黔江区,qianjiang_dist", "--destinations", "all-places", "--date", "2025-07-01",
                  "--max-minutes", "180", "--output", tmp_path / "m.csv")
    assert r.returncode == 0, r.stderr
    assert "1 origins x" in r.stderr  # three names of one place
    got = pd.read_csv(tmp_path / "m.csv")
    assert set(got.origin) == {"qianjiang_dist"}
    want = {d: m for d, m in reach_times(embedded_graph, "qianjiang_dist", minutes=180).items()
            if embedded_graph.nodes[d].get("kind") == "place"}
    assert dict(zip(got.destination, got.minutes, strict=False)) == pytest.approx(want)
    r = run_qjnet("matrix", "--origins", "qianjaing_xx", "--output", tmp_path / "m.csv")
    assert r.returncode == 2 and r.stderr.startswith("qjnet: error: ") and len(r.stderr.splitlines()) == 1


def test_default_destinations_leave_out_service_stops(embedded_graph):
    G = embedded_graph
    m = mx.matrix_long(G, ["qianjiang_dist"])
    stops = {n for n, k in G.nodes(data="kind") if k == "service_stop"}
    assert stops and not stops & set(m.destination)
    assert set(m.destination) <= set(G) - stops
