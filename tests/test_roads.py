"""network.roads: OSMnx-convention road networks into the graph contract, joined to a model graph."""

from __future__ import annotations

import networkx as nx
import pytest

from qjnet.geodata.errors import DataError, GraphError, OptionError
from qjnet.network import roads
from qjnet.network.csr import shortest_times


def osmnx_style_graphml(path, *, crs="epsg:4326", travel_time=True, undirected=False):
    """A small road network written the way osmnx.save_graphml writes: every attribute as text."""
    G = (nx.MultiGraph if undirected else nx.MultiDiGraph)(crs=crs)
    coords = {101: (108.770, 29.530), 102: (108.780, 29.530), 103: (108.790, 29.535), 104: (108.770, 29.540)}
    for n, (x, y) in coords.items():
        G.add_node(str(n), x=str(x), y=str(y), street_count="3")
    edges = [(101, 102, 968.0, 40.0), (102, 103, 1100.0, 60.0), (103, 104, 2100.0, 30.0), (104, 101, 1110.0, 50.0)]
    for u, v, length, kph in edges:
        attrs = {"length": str(length), "speed_kph": str(kph), "highway": "primary", "oneway": "True"}
        if travel_time:
            attrs["travel_time"] = str(round(length / 1000 / kph * 3600, 1))
        G.add_edge(str(u), str(v), **attrs)
    nx.write_graphml(G, path)
    return edges


def test_read_graphml_converts_osmnx_conventions(tmp_path):
    edges = osmnx_style_graphml(tmp_path / "r.graphml")
    G = roads.read_graphml(tmp_path / "r.graphml")
    assert set(G.nodes) == {101, 102, 103, 104}  # digit ids become integers, as in osmnx.load_graphml
    assert G.nodes[101]["x"] == pytest.approx(108.77)
    for u, v, length, kph in edges:
        d = G.edges[u, v, 0]
        assert d["minutes"] == pytest.approx(round(length / 1000 / kph * 3600, 1) / 60)
        assert (d["mode"], d["kind"]) == ("road", "link")
    assert not G.has_edge(102, 101)  # one-way edges stay one-way
    assert shortest_times(G, [101]).to_dict(101)[104] == pytest.approx((87.1 + 66.0 + 252.0) / 60)


def test_read_graphml_falls_back_to_length_and_speed(tmp_path):
    osmnx_style_graphml(tmp_path / "r.graphml", travel_time=False)
    G = roads.read_graphml(tmp_path / "r.graphml")
    assert G.edges[101, 102, 0]["minutes"] == pytest.approx(0.968 / 40 * 60)


def test_undirected_network_counts_both_ways(tmp_path):
    osmnx_style_graphml(tmp_path / "r.graphml", undirected=True)
    G = roads.read_graphml(tmp_path / "r.graphml")
    assert G.has_edge(101, 102) and G.has_edge(102, 101)


def test_projected_network_is_reprojected_to_wgs84(tmp_path):
    from pyproj import Transformer

    tf = Transformer.from_crs(4326, 32649, always_xy=True)
    G = nx.MultiDiGraph(crs="EPSG:32649")
    for n, (lon, lat) in {1: (108.77, 29.53), 2: (108.78, 29.53)}.items():
        x, y = tf.transform(lon, lat)
        G.add_node(n, x=x, y=y)
    G.add_edge(1, 2, length=968.0, speed_kph=40.0)
    nx.write_graphml(G, tmp_path / "utm.graphml")
    out = roads.read_graphml(tmp_path / "utm.graphml")
    assert out.nodes[1]["x"] == pytest.approx(108.77) and out.nodes[1]["y"] == pytest.approx(29.53)
    assert out.graph["crs"] == "EPSG:4326"


def test_edge_without_travel_time_names_edge_and_field(tmp_path):
    G = nx.MultiDiGraph()
    G.add_node(1, x=108.0, y=29.0)
    G.add_node(2, x=108.1, y=29.0)
    G.add_edge(1, 2, length=500.0)
    nx.write_graphml(G, tmp_path / "bad.graphml")
    with pytest.raises(DataError, match=r"bad.graphml, record 'edge 1->2 key 0', field 'travel_time': no usable"):
        roads.read_graphml(tmp_path / "bad.graphml")


def test_missing_and_broken_files(tmp_path):
    with pytest.raises(DataError, match="file not found"):
        roads.read_graphml(tmp_path / "none.graphml")
    (tmp_path / "broken.graphml").write_text("<graphml><graph")
    with pytest.raises(DataError, match="not a readable GraphML"):
        roads.read_graphml(tmp_path / "broken.graphml")


def test_graph_from_gdfs_round_trip(tmp_path):
    import geopandas as gpd
    from shapely.geometry import LineString, Point

    nodes = gpd.GeoDataFrame({"osmid": [1, 2, 3]}, geometry=[Point(108.77, 29.53), Point(108.78, 29.53),
                                                             Point(108.79, 29.53)], crs=4326).set_index("osmid")
    edges = gpd.GeoDataFrame(
        {"u": [1, 2], "v": [2, 3], "key": [0, 0], "length": [968.0, 970.0], "speed_kph": [40.0, 60.0]},
        geometry=[LineString([(108.77, 29.53), (108.78, 29.53)]), LineString([(108.78, 29.53), (108.79, 29.53)])],
        crs=4326,
    ).set_index(["u", "v", "key"])
    G = roads.graph_from_gdfs(nodes, edges)
    assert G.nodes[1]["x"] == pytest.approx(108.77)
    assert G.edges[2, 3, 0]["minutes"] == pytest.approx(0.970 / 60 * 60)
    bad = edges.reset_index()
    bad.loc[1, "v"] = 9
    with pytest.raises(DataError, match="edge end 9 is not in the nodes"):
        roads.graph_from_gdfs(nodes, bad)


def model_graph() -> nx.MultiDiGraph:
    G = nx.MultiDiGraph(date="2025-07-01")
    G.add_node("qianjiang", x=108.771, y=29.531, kind="place")
    G.add_node("far_away", x=110.5, y=31.0, kind="place")
    G.add_node("svc|f|qianjiang", kind="service_stop")
    G.add_edge("qianjiang", "svc|f|qianjiang", minutes=30.0, first_minutes=2.0, kind="board", mode="hsr")
    return G


def test_join_roads_adds_access_links_and_keeps_inputs(tmp_path):
    osmnx_style_graphml(tmp_path / "r.graphml")
    R = roads.read_graphml(tmp_path / "r.graphml")
    M = model_graph()
    counts = (M.number_of_nodes(), M.number_of_edges(), R.number_of_nodes(), R.number_of_edges())
    J = roads.join_roads(M, R, access_kmh=20.0)
    assert counts == (M.number_of_nodes(), M.number_of_edges(), R.number_of_nodes(), R.number_of_edges())
    assert "road:101" in J and J.graph["date"] == "2025-07-01"
    access = J.edges["qianjiang", "road:101", "access"]
    assert access["mode"] == "access" and access["length_km"] == pytest.approx(0.146, abs=0.01)
    assert access["minutes"] == pytest.approx(access["length_km"] / 20.0 * 60)
    assert J.has_edge("road:101", "qianjiang", "access")
    assert J.out_degree("far_away") == 0  # farther than 10 km from every road node
    assert J.graph["road_access"] == {"access_kmh": 20.0, "max_access_km": 10.0, "joined": 1, "not_joined": 1}
    times = shortest_times(J, ["qianjiang"]).to_dict("qianjiang")
    assert times["road:103"] == pytest.approx(access["minutes"] + (87.1 + 66.0) / 60)


def test_join_roads_bad_options(tmp_path):
    osmnx_style_graphml(tmp_path / "r.graphml")
    R = roads.read_graphml(tmp_path / "r.graphml")
    with pytest.raises(OptionError, match="access_kmh"):
        roads.join_roads(model_graph(), R, access_kmh=0)
    M = model_graph()
    M.add_node(101, x=108.0, y=29.0)
    with pytest.raises(GraphError, match="same id as a model node"):
        roads.join_roads(M, R, prefix="")


def test_nearest_road_node(tmp_path):
    osmnx_style_graphml(tmp_path / "r.graphml")
    R = roads.read_graphml(tmp_path / "r.graphml")
    assert roads.nearest_road_node(R, 108.789, 29.534) == 103


def test_cli_matrix_on_a_road_graphml(run_qjnet, tmp_path):
    import pandas as pd

    osmnx_style_graphml(tmp_path / "r.graphml")
    r = run_qjnet("matrix", "--graph", tmp_path / "r.graphml", "--origins", "101,103", "--destinations",
                  "102,104", "--wide", "--output", tmp_path / "m.csv")
    assert r.returncode == 0, r.stderr
    m = pd.read_csv(tmp_path / "m.csv", index_col="origin")
    assert m.loc[101, "104"] == pytest.approx((87.1 + 66.0 + 252.0) / 60)
    assert m.loc[103, "102"] == pytest.approx((252.0 + 79.9 + 87.1) / 60)


def test_cli_matrix_roads_joined_to_dataset(run_qjnet, tmp_path):
    import pandas as pd

    from qjnet.network import build_graph

    # the small network moved next to Qianjiang district's centre
    G = nx.MultiDiGraph(crs="epsg:4326")
    q = build_graph(date="2025-07-01").nodes["qianjiang_dist"]
    G.add_node(1, x=q["x"] + 0.01, y=q["y"])
    G.add_node(2, x=q["x"] + 0.05, y=q["y"])
    G.add_edge(1, 2, length=4000.0, speed_kph=40.0)
    nx.write_graphml(G, tmp_path / "r.graphml")
    r = run_qjnet("matrix", "--roads", tmp_path / "r.graphml", "--origins", "黔江", "--destinations", "road:2",
                  "--date", "2025-07-01", "--output", tmp_path / "m.csv")
    assert r.returncode == 0, r.stderr
    got = pd.read_csv(tmp_path / "m.csv")
    joined = roads.join_roads(build_graph(date="2025-07-01"), roads.read_graphml(tmp_path / "r.graphml"))
    access = joined.edges["qianjiang_dist", "road:1", "access"]["minutes"]
    want = shortest_times(joined, ["qianjiang_dist"]).to_dict("qianjiang_dist")["road:2"]
    assert got.values.tolist() == [["qianjiang_dist", "road:2", pytest.approx(want)]]
    assert want <= access + 6.0 + 1e-9  # at most: access link, then 4 km at 40 km/h
    r = run_qjnet("matrix", "--graph", tmp_path / "r.graphml", "--data", tmp_path, "--origins", "1",
                  "--output", tmp_path / "m.csv")
    assert r.returncode == 2 and "--graph FILE is a complete graph" in r.stderr


def test_a_folder_or_pipe_given_as_road_network_is_named_for_what_it_is(tmp_path, run_qjnet):
    import os

    fifo = tmp_path / "roads.graphml"
    os.mkfifo(fifo)
    for path in (fifo, tmp_path):
        with pytest.raises(DataError, match="not a regular file"):
            roads.read_graphml(path)
    r = run_qjnet("matrix", "--graph", fifo, "--origins", "1", "-o", tmp_path / "m.csv")
    assert r.returncode == 2 and "not a regular file" in r.stderr and r.stderr.count("\n") == 1
