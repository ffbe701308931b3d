"""Any GTFS feed with an OSMnx-convention road network for access: build_graph(gtfs=...) and --roads on every engine command."""

from __future__ import annotations

import json
import zipfile

import networkx as nx
import pytest

from qjnet.geodata.errors import OptionError
from qjnet.network import build_graph
from qjnet.network.csr import shortest_times
from qjnet.network.roads import join_roads, read_graphml

DATE = "2025-07-03"
HOURS = (8, 9, 10)
# West -> Middle -> East (R1, 10 min a stop) and North -> Far (R2, 20 min); West and North are
# 11 km apart and joined only by the road network
STOPS = {"S1": ("West", 29.50, 108.70), "S2": ("Middle", 29.50, 108.80), "S3": ("East", 29.50, 108.90),
         "S4": ("North", 29.60, 108.70), "S5": ("Far", 29.60, 109.20)}
ROAD_SECONDS = 600.0  # the road between West and North


def write_feed(path):
    """A small foreign feed: two rail routes, three explicit trips each, every day of 2025."""
    times = "".join(
        f"r1_{h},{h:02d}:00:00,{h:02d}:00:00,S1,1\nr1_{h},{h:02d}:10:00,{h:02d}:10:00,S2,2\n"
        f"r1_{h},{h:02d}:20:00,{h:02d}:20:00,S3,3\n"
        f"r2_{h},{h:02d}:30:00,{h:02d}:30:00,S4,1\nr2_{h},{h:02d}:50:00,{h:02d}:50:00,S5,2\n" for h in HOURS)
    files = {
        "agency.txt": "agency_id,agency_name,agency_url,agency_timezone\na,Test Rail,https://example.org/rail,"
                      "Asia/Shanghai\n",
        "stops.txt": "stop_id,stop_name,stop_lat,stop_lon\n"
                     + "".join(f"{s},{n},{lat},{lon}\n" for s, (n, lat, lon) in STOPS.items()),
        "routes.txt": "route_id,agency_id,route_short_name,route_type\nR1,a,R1,2\nR2,a,R2,2\n",
        "calendar.txt": "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\n"
                        "all,1,1,1,1,1,1,1,20250101,20251231\n",
        "trips.txt": "route_id,service_id,trip_id\n" + "".join(f"R{r},all,r{r}_{h}\n" for r in (1, 2) for h in HOURS),
        "stop_times.txt": "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n" + times,
    }
    with zipfile.ZipFile(path, "w") as zf:
        for name, text in files.items():
            zf.writestr(name, text)
    return path


def write_roads(path, *, travel_time=True):
    """Two road nodes, about 15 m from West and from North, as osmnx.save_graphml writes them (text)."""
    G = nx.MultiDiGraph(crs="epsg:4326")
    G.add_node("1", x="108.7001", y="29.5001")
    G.add_node("2", x="108.7001", y="29.5999")
    for u, v in (("1", "2"), ("2", "1")):
        attrs = {"length": "11000", "highway": "primary"}
        if travel_time:
            attrs.update(speed_kph="66", travel_time=str(ROAD_SECONDS))
        G.add_edge(u, v, **attrs)
    nx.write_graphml(G, path)
    return path


@pytest.fixture
def files(tmp_path):
    return write_feed(tmp_path / "feed.zip"), write_roads(tmp_path / "roads.graphml")


def test_build_graph_from_a_gtfs_feed(files):
    feed, _ = files
    G, G0 = build_graph(gtfs=feed, date=DATE), build_graph(feed, date=DATE)
    assert sorted(G.nodes) == sorted(G0.nodes) and G.number_of_edges() == G0.number_of_edges()
    assert {"s1", "s2", "s3", "s4", "s5"} <= set(G.nodes)
    with pytest.raises(OptionError, match="either a dataset or gtfs"):
        build_graph(feed, gtfs=feed)
    with pytest.raises(OptionError, match="a GTFS feed is a .zip file"):
        build_graph(gtfs=feed.with_suffix(".txt"))


def test_through_links_give_the_road_trip_and_change_no_shortest_time(files):
    feed, roads_file = files
    model, roads = build_graph(gtfs=feed, date=DATE), read_graphml(roads_file)
    plain, through = join_roads(model, roads), join_roads(model, roads, through_links=True)
    access = [d["minutes"] for _, v, k, d in through.out_edges("s1", keys=True, data=True) if k == "access"]
    back = [d["minutes"] for u, _, k, d in through.in_edges("s4", keys=True, data=True) if k == "access"]
    link = through.edges["s1", "s4", "road"]
    assert link["minutes"] == pytest.approx(access[0] + ROAD_SECONDS / 60 + back[0])
    assert (link["mode"], link["kind"]) == ("road", "link")
    assert through.graph["road_access"]["through_links"] is True
    dataset_nodes = [n for n in model if model.nodes[n].get("kind") != "service_stop"]
    t0 = shortest_times(plain, dataset_nodes)
    t1 = shortest_times(through, dataset_nodes)
    for a in dataset_nodes:
        d0, d1 = t0.to_dict(a), t1.to_dict(a)
        assert {k: d0[k] for k in dataset_nodes if k in d0} == pytest.approx(
            {k: d1[k] for k in dataset_nodes if k in d1})


def _json(run_qjnet, *args):
    ran = run_qjnet(*args, "--format", "json")
    assert ran.returncode == 0, ran.stderr
    return json.loads(ran.stdout)


def test_route_on_a_feed_with_roads_for_access(files, run_qjnet):
    feed, roads = files
    data = ("--data", feed, "--date", DATE)
    ran = run_qjnet("route", "s1", "s5", *data)
    assert ran.returncode == 1, "without roads North cannot be reached from West"
    expected = _json(run_qjnet, "route", "s1", "s5", *data, "--roads", roads)
    assert [leg["mode"] for leg in expected["legs"]] == ["road", "rail"]
    # one departure: the road to North (10 min and two short access links), then the 08:30 train
    timed = _json(run_qjnet, "route", "s1", "s5", *data, "--roads", roads, "--depart", "08:00")
    assert timed["minutes"] == pytest.approx(50.0)
    assert [leg["mode"] for leg in timed["legs"]] == ["road", "rail"]


def test_every_engine_command_takes_roads(files, run_qjnet, tmp_path):
    feed, roads = files
    data = ("--data", feed, "--date", DATE, "--roads", roads)
    reached = {p["id"]: p for p in _json(run_qjnet, "reach", "s1", "-m", "60", *data)["places"]}
    assert reached["s4"]["mode"] == "road" and reached["s5"]["minutes"] == pytest.approx(
        _json(run_qjnet, "route", "s1", "s5", *data)["minutes"], abs=0.01)
    timed = {p["id"]: p for p in _json(run_qjnet, "reach", "s1", "-m", "60", *data, "--depart", "08:00")["places"]}
    assert timed["s5"]["minutes"] == pytest.approx(50.0)
    for args in (("circle", "s1", *data), ("access", *data),
                 ("compare", "s1", "--data", feed, "--roads", roads, "--before", DATE, "--after", "2025-07-10")):
        ran = run_qjnet(*args)
        assert ran.returncode == 0, (args, ran.stderr)
    ran = run_qjnet("matrix", "--origins", "s1", "--destinations", "s5", *data, "-o", tmp_path / "m.csv")
    assert ran.returncode == 0, ran.stderr
    assert (tmp_path / "m.csv").read_text().splitlines()[1].startswith("s1,s5,30.")


@pytest.mark.parametrize("bad", ["missing", "no_times"])
def test_bad_road_network_is_one_line_exit_2(files, run_qjnet, tmp_path, bad):
    feed, _ = files
    roads = tmp_path / "r.graphml"
    if bad == "no_times":
        write_roads(roads, travel_time=False)
    for command in (("route", "s1", "s5", "--date", DATE), ("compare", "s1", "--before", DATE)):
        ran = run_qjnet(*command, "--data", feed, "--roads", roads)
        assert ran.returncode == 2 and "Traceback" not in ran.stderr
        assert len(ran.stderr.strip().splitlines()) == 1 and "r.graphml" in ran.stderr, ran.stderr
