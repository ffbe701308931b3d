import math

import networkx as nx
import pytest

from qjnet.geodata.errors import GraphError, OptionError, ScenarioError
from qjnet.geodata.io import load_dataset
from qjnet.network import build_graph, graph_from_gdfs, graph_to_gdfs, validate_graph
from qjnet.network.build import service_stop_id
from qjnet.network.params import TimeParams, expected_day_wait


@pytest.fixture
def mini(data_dir):
    return load_dataset(data_dir / "mini")


def test_graph_has_dataset_nodes_and_attrs(mini):
    G = build_graph(mini, date="2025-07-01")
    assert G.graph["crs"] == "EPSG:4326"
    assert G.graph["date"] == "2025-07-01" and G.graph["weekday"] == 2 and G.graph["scenario"] is None
    assert G.graph["params"] == TimeParams().to_dict()
    a = G.nodes["town_a"]
    assert (a["x"], a["y"], a["kind"], a["name_zh"], a["population"]) == (106.55, 29.56, "place", "甲区", 1000000)
    validate_graph(G)


def test_services_expand_into_board_ride_alight(mini):
    G = build_graph(mini, date="2025-07-01")
    ss_a, ss_b = service_stop_id("hsr_ac", "f", "sta_a"), service_stop_id("hsr_ac", "f", "sta_b")
    assert G.nodes[ss_a]["kind"] == "service_stop"
    board = G.edges["sta_a", ss_a, "board"]
    # later boarding: transfer 10 + half of the 60-minute headway; first boarding free
    assert board["minutes"] == pytest.approx(40.0) and board["first_minutes"] == 0.0
    assert G.edges[ss_a, ss_b, "ride"]["minutes"] == 30
    assert G.edges[ss_b, "sta_b", "alight"]["minutes"] == 0
    # the reverse direction exists with the mirrored segment times
    ss_c_r, ss_b_r = service_stop_id("hsr_ac", "r", "sta_c"), service_stop_id("hsr_ac", "r", "sta_b")
    assert G.edges[ss_c_r, ss_b_r, "ride"]["minutes"] == 31
    # no boarding at the last stop, no alighting at the first
    assert not G.has_edge("sta_c", service_stop_id("hsr_ac", "f", "sta_c"))
    assert not G.has_edge(ss_a, "sta_a")


def test_per_day_gives_headway_over_service_day(mini):
    G = build_graph(mini, date="2025-07-01")
    board = G.edges["sta_c", service_stop_id("rail_cd", "f", "sta_c"), "board"]
    assert board["headway"] == pytest.approx(1020 / 6)
    assert board["wait_minutes"] == pytest.approx(0.5 * 1020 / 6)


def test_date_and_scenario_select_services(mini):
    before = build_graph(mini, date="2025-06-26")
    after = build_graph(mini, date="2025-06-27")
    plan = build_graph(mini, scenario="plan")
    assert not any(d.get("service") == "hsr_ac" for _, d in before.nodes(data=True))
    assert any(d.get("service") == "hsr_ac" for _, d in after.nodes(data=True))
    assert plan.graph["scenario"] == "plan" and plan.graph["date"] == "2035-01-01"
    assert plan.has_node(service_stop_id("hsr_cd_plan", "f", "sta_c"))
    board = plan.edges["sta_a", service_stop_id("hsr_ac", "f", "sta_a"), "board"]
    assert board["headway"] == 30


def test_weekday_filter_and_day_wait(mini):
    services = mini.services.copy()
    services.at["rail_cd", "days"] = [1, 3, 4, 7]
    ds = mini.__class__(**{**mini.__dict__, "services": services})
    tuesday = build_graph(ds, date="2025-07-01")
    wednesday = build_graph(ds, date="2025-07-02")
    assert not tuesday.has_node(service_stop_id("rail_cd", "f", "sta_c"))
    board = wednesday.edges["sta_c", service_stop_id("rail_cd", "f", "sta_c"), "board"]
    assert board["day_wait_minutes"] == 0
    anyday = build_graph(ds, scenario="today")
    board = anyday.edges["sta_c", service_stop_id("rail_cd", "f", "sta_c"), "board"]
    assert board["day_wait_minutes"] == pytest.approx(4 / 7 * 1440)
    assert board["first_minutes"] == 0.0


def test_expected_day_wait():
    assert expected_day_wait(range(1, 8)) == 0
    assert expected_day_wait([1]) == pytest.approx((0 + 6 + 5 + 4 + 3 + 2 + 1) / 7)
    assert math.isinf(expected_day_wait([]))


def test_modes_keep_access_links(mini):
    G = build_graph(mini, date="2025-07-01", modes="hsr")
    modes = {d["mode"] for *_, d in G.edges(data=True)}
    assert modes == {"hsr", "access"}
    assert G.graph["modes"] == ["hsr"]


def test_params_change_costs(mini):
    G = build_graph(mini, date="2025-07-01", params=TimeParams(transfer_minutes=0, wait_factor=1.0))
    board = G.edges["sta_a", service_stop_id("hsr_ac", "f", "sta_a"), "board"]
    assert board["minutes"] == pytest.approx(60.0)
    assert G.graph["params"]["transfer_minutes"] == 0


def test_path_input_equals_dataset_input(mini, data_dir):
    a = build_graph(data_dir / "mini", date="2025-07-01")
    b = build_graph(mini, date="2025-07-01")
    assert nx.utils.edges_equal(a.edges(keys=True, data=True), b.edges(keys=True, data=True))


def test_bad_options(mini):
    with pytest.raises(OptionError, match="unknown mode 'ship'"):
        build_graph(mini, modes="hsr,ship")
    with pytest.raises(OptionError, match="YYYY-MM-DD"):
        build_graph(mini, date="1/7/2025")
    with pytest.raises(OptionError, match="before any data"):
        build_graph(mini, date="1990-01-01")
    with pytest.raises(ScenarioError, match="unknown scenario"):
        build_graph(mini, scenario="nope")
    with pytest.raises(OptionError, match="evaluated on 2025-06-26"):
        build_graph(mini, scenario="before-hsr", date="2025-07-01")
    with pytest.raises(OptionError, match="transfer_minutes"):
        TimeParams(transfer_minutes=-1)
    with pytest.raises(OptionError, match="unknown time parameter"):
        TimeParams.from_dict({"transfer": 3})


def test_selected_dataset_cannot_be_reselected(data_dir):
    ds = load_dataset(data_dir / "mini", date="2025-06-26")
    assert build_graph(ds).graph["date"] == "2025-06-26"
    with pytest.raises(OptionError, match="already restricted"):
        build_graph(ds, date="2025-07-01")


def _norm(d):
    return {k: v for k, v in d.items() if v is not None}


def test_gdfs_round_trip(mini):
    G = build_graph(mini, date="2025-07-01")
    nodes, edges = graph_to_gdfs(G)
    assert nodes.crs.to_epsg() == 4326 and list(edges.index.names) == ["u", "v", "key"]
    assert nodes.loc["town_a", "geometry"].x == 106.55
    H = graph_from_gdfs(nodes, edges)
    assert H.graph == G.graph
    assert {n: _norm(d) for n, d in G.nodes(data=True)} == dict(H.nodes(data=True))
    assert {(u, v, k): _norm(d) for u, v, k, d in G.edges(keys=True, data=True)} == \
        {(u, v, k): d for u, v, k, d in H.edges(keys=True, data=True)}
    validate_graph(H)


def test_validate_graph_reports_problems(mini):
    G = build_graph(mini, date="2025-07-01")
    bad = G.copy()
    bad.edges["town_a", "town_b", "road_ab"]["minutes"] = -3
    with pytest.raises(GraphError, match=r"edge \('town_a', 'town_b', 'road_ab'\): minutes=-3"):
        validate_graph(bad)
    bad = G.copy()
    del bad.graph["crs"]
    bad.nodes["town_a"]["x"] = float("nan")
    with pytest.raises(GraphError, match=r"no 'crs'.*\(and 1 more problem\)"):
        validate_graph(bad)
    bad = G.copy()
    bad.add_edge("town_a", service_stop_id("hsr_ac", "f", "sta_b"), key="x", kind="ride", mode="hsr", minutes=1.0)
    with pytest.raises(GraphError, match="a ride edge cannot join a stop"):
        validate_graph(bad)
