"""Freight graph, routing, Pareto sets, catchments and the freight CLI on a small corridor dataset.

The fixture is a toy corridor built like the embedded one: a district town with a rail yard, a
county town with its own yard, a port reachable by truck and by each yard's container train, and
a place with no freight access.  The yard's train starts on 2024-02-29 (as the Qianjiang one).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from qjnet.geodata.errors import NoRouteError, OptionError, PlaceNotFoundError
from qjnet.network.freight import (
    build_freight_graph,
    catchment,
    compare_freight,
    freight_pareto,
    freight_route,
    load_freight_params,
    yards,
)

REPO = Path(__file__).resolve().parent.parent
FREIGHT_JSON = REPO / "geodata" / "data" / "qianjiang" / "freight.json"

NODES = [  # id, kind, lon, lat
    ("town_q", "place", 108.77, 29.53),
    ("q_yard", "logistics", 108.795, 29.56),
    ("town_x", "place", 108.99, 28.45),
    ("x_yard", "logistics", 108.99, 28.46),
    ("town_far", "place", 108.30, 29.80),
    ("port", "logistics", 108.63, 21.69),
    ("sight", "poi", 108.80, 29.58),
]


def _feature(geom, props):
    return {"type": "Feature", "geometry": geom, "properties": props}


def _node(nid, kind, lon, lat):
    return _feature({"type": "Point", "coordinates": [lon, lat]}, {
        "id": nid, "name_zh": nid, "name_en": nid.replace("_", " ").title(), "kind": kind,
        "province": None, "county": None, "population": 100000 if kind == "place" else None,
        "pop_year": "2020 census" if kind == "place" else None, "opened": None, "closed": None,
        "status": "open", "coord_quality": "estimate", "coord_note": "fixture", "source": "test fixture"})


def _pos(nid):
    return next([lon, lat] for i, _, lon, lat in NODES if i == nid)


def _link(lid, a, b, mode, km):
    return _feature({"type": "LineString", "coordinates": [_pos(a), _pos(b)]}, {
        "id": lid, "from": a, "to": b, "mode": mode, "road": None, "minutes": None, "length_km": km,
        "speed_kmh": 80 if mode == "expressway" else 40, "circuity": 1.0, "time_source": "derived",
        "bidirectional": True, "opened": None, "closed": None, "status": "open", "source": "test fixture"})


def _service(sid, stops, minutes, opened, per_day=1, days=(1, 2, 3, 4, 5, 6, 7)):
    return _feature({"type": "LineString", "coordinates": [_pos(s) for s in stops]}, {
        "id": sid, "line": sid, "name_zh": sid, "name_en": sid, "mode": "freight_rail", "stops": list(stops),
        "minutes": list(minutes), "time_source": ["derived"] * (len(stops) - 1), "headway_min": None,
        "per_day": per_day, "days": list(days), "bidirectional": True, "opened": opened, "closed": None,
        "status": "open", "capacity": None, "source": "test fixture", "assumptions": "fixture"})


def _fc(feats):
    return {"type": "FeatureCollection", "features": feats}


def write_corridor(folder: Path, *, freight: dict | None = None) -> Path:
    """Write the corridor fixture dataset into ``folder`` and return it."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "nodes.geojson").write_text(json.dumps(_fc([_node(*n) for n in NODES])))
    links = [
        _link("acc_q", "town_q", "q_yard", "access", 5),
        _link("acc_x", "town_x", "x_yard", "access", 4),
        _link("exp_qx", "town_q", "town_x", "expressway", 150),
        _link("exp_xport", "town_x", "port", "expressway", 950),
        _link("rd_far", "town_far", "town_q", "road", 60),
        _link("acc_sight", "town_q", "sight", "access", 3),   # a sight: road, but no freight
    ]
    (folder / "links.geojson").write_text(json.dumps(_fc(links)))
    services = [
        _service("frt_q_port", ["q_yard", "port"], [0, 2400], "2024-02-29"),
        _service("frt_x_port", ["x_yard", "port"], [0, 2000], "2023-10-12", per_day=1, days=(1, 4)),
    ]
    (folder / "services.geojson").write_text(json.dumps(_fc(services)))
    (folder / "scenarios.json").write_text(json.dumps({"scenarios": [
        {"name": "no-q-train", "date": "2025-01-01", "description": "corridor train cancelled",
         "add": [], "modify": [], "remove": ["frt_q_port"]}]}))
    doc = freight if freight is not None else _fixture_freight()
    (folder / "freight.json").write_text(json.dumps(doc))
    return folder


def _fixture_freight() -> dict:
    """The embedded freight.json with its nodes renamed to the fixture's."""
    doc = json.loads(FREIGHT_JSON.read_text(encoding="utf-8"))
    src = doc["nodes"]
    doc["nodes"] = {"q_yard": src["qj_freight"], "x_yard": src["xiushan_freight"], "port": src["qinzhou_port_e"]}
    return doc


@pytest.fixture
def corridor(tmp_path) -> Path:
    return write_corridor(tmp_path / "corridor")


@pytest.fixture
def G(corridor):
    return build_freight_graph(corridor, date="2025-07-01")


# --------------------------------------------------------------------------- parameters

def test_every_embedded_figure_has_a_source_or_an_assumption():
    doc = json.loads(FREIGHT_JSON.read_text(encoding="utf-8"))
    params = load_freight_params(doc)
    assert len(params.values) > 40
    for p in params.values.values():
        assert (p.source or p.assumption), p.key
        assert p.value is None or p.value >= 0
    # the published Qianjiang yard capacity is dated and sourced
    assert params.capacity_on("qj_freight", __import__("datetime").date(2024, 3, 1))["value"] == 4.5
    assert params.capacity_on("qj_freight", __import__("datetime").date(2020, 1, 1))["value"] == 0.8
    assert params.capacity_tonnes("xiushan_freight", None) == pytest.approx(100000 * 10.0)


def test_a_figure_left_unset_reads_as_none_and_figure_refuses_it():
    doc = json.loads(FREIGHT_JSON.read_text(encoding="utf-8"))
    params = load_freight_params(doc)
    assert params["modes.rail.running_speed_kmh"] is None
    with pytest.raises(KeyError, match="running_speed_kmh"):
        params.figure("modes.rail.running_speed_kmh")
    assert params.figure("modes.rail.circuity") == params["modes.rail.circuity"]
    set_speed = load_freight_params(doc, overrides={"rail.running_speed_kmh": "26"})
    assert set_speed.figure("modes.rail.running_speed_kmh") == 26.0


def test_package_keeps_its_public_names():
    import qjnet.network.freight as freight

    assert freight.__all__ == [
        "CARGOS", "OBJECTIVES", "FreightChain", "FreightComparison", "FreightLeg", "FreightParams", "Param",
        "apply_overrides", "build_freight_graph", "catchment", "compare_freight", "freight_pareto",
        "freight_route", "load_freight_params", "parse_overrides", "yards"]
    for name in [*freight.__all__, "DEFAULT_PORT", "FREIGHT_KINDS", "FREIGHT_MODES", "ROAD_LINK_MODES",
                 "_check_cargo", "_check_objective"]:
        assert getattr(freight, name) is not None, name
    assert freight._check_cargo("tons") == "tonne" and freight._check_objective("carbon") == "co2"


def test_overrides_replace_value_and_provenance():
    doc = json.loads(FREIGHT_JSON.read_text(encoding="utf-8"))
    params = load_freight_params(doc, overrides={"rail.cost_cny_per_teu_km": "3", "nodes.qj_freight.capacity_mt_per_year": "6"})
    assert params["modes.rail.cost_cny_per_teu_km"] == 3.0
    assert params.get("modes.rail.cost_cny_per_teu_km").source == "user override"
    assert params.capacity_tonnes("qj_freight", None) == pytest.approx(6e6)


@pytest.mark.parametrize("key,value,match", [
    ("rail.cost_cny_per_teu_km", "-1", "negative"),
    ("road.co2_kg_per_tonne_km", "abc", "not a number"),
    ("nodes.qj_freight.capacity_mt_per_year", "lots", "not a number"),
    ("rail.running_speed_kmh", "0", "must be > 0"),
    ("rail.cost_per_teu", "2", "unknown freight parameter"),
])
def test_bad_overrides_raise_option_error(key, value, match):
    doc = json.loads(FREIGHT_JSON.read_text(encoding="utf-8"))
    with pytest.raises(OptionError, match=match):
        load_freight_params(doc, overrides={key: value})


def test_freight_json_without_provenance_is_rejected(tmp_path):
    doc = _fixture_freight()
    del doc["modes"]["rail"]["circuity"]["assumption"]
    folder = write_corridor(tmp_path / "c", freight=doc)
    with pytest.raises(Exception, match="circuity.*provenance|provenance"):
        build_freight_graph(folder, date="2025-07-01")


# --------------------------------------------------------------------------- graph

def test_graph_contract(G):
    assert G.graph["kind"] == "freight"
    for u, v, _k, d in G.edges(keys=True, data=True):
        assert d["mode"] in ("road", "rail", "air", "handling")
        assert d["hours"] > 0 and d["cost_teu"] >= 0 and d["co2_tonne"] >= 0
        if d["mode"] == "handling":
            assert G.nodes[u]["site"] == G.nodes[v]["site"]
        if d["mode"] == "rail":
            assert G.nodes[u]["layer"] == "rail:dep" and G.nodes[v]["layer"] == "rail:arr"
        if d["mode"] == "road":
            assert G.nodes[u]["layer"] == G.nodes[v]["layer"] == "site"
    # modes change only at nodes listed in freight.json
    changing = {G.nodes[u]["site"] for u, v, d in G.edges(data=True) if d["mode"] == "handling"}
    assert changing == {"q_yard", "x_yard", "port"}
    assert "sight" not in G


def test_rail_wait_follows_frequency(G):
    daily = G.edges["q_yard|rail:dep", "port|rail:arr", "services:frt_q_port"]
    twice_weekly = G.edges["x_yard|rail:dep", "port|rail:arr", "services:frt_x_port"]
    assert daily["wait_h"] == pytest.approx(12.0)
    assert twice_weekly["wait_h"] == pytest.approx(0.5 * 168 / 2)


# --------------------------------------------------------------------------- routing

def test_cheapest_chain_uses_the_town_yard(G):
    chain = freight_route(G, "town_q", "port", objective="cost")
    assert chain.via == ("q_yard",)
    assert chain.modes == ("road", "rail")
    assert [leg.mode for leg in chain.legs] == ["road", "handling", "rail"]
    assert chain.cost == pytest.approx(sum(leg.cost for leg in chain.legs))
    keys = {s["key"] for s in chain.sources}
    assert {"services:frt_q_port", "links:acc_q", "modes.rail.cost_cny_per_teu_km",
            "nodes.q_yard.handling_cny_per_teu"} <= keys
    assert all(s.get("source") or s.get("assumption") for s in chain.sources)


def test_fastest_chain_is_all_road(G):
    chain = freight_route(G, "town_q", "port", objective="time")
    assert chain.label == "all road"
    assert chain.km == pytest.approx(150 + 950)
    assert chain.hours == pytest.approx(1100 / 60.0)
    cheap = freight_route(G, "town_q", "port", objective="cost")
    assert chain.hours < cheap.hours and chain.cost > cheap.cost and chain.co2 > cheap.co2


def test_tonne_costs_use_tonne_rates(G):
    teu = freight_route(G, "town_q", "port", cargo="teu", objective="time")
    tonne = freight_route(G, "town_q", "port", cargo="tonne", objective="time")
    assert tonne.cost == pytest.approx(1100 * 0.45)
    assert teu.cost == pytest.approx(1100 * 4.5)
    assert teu.co2 == pytest.approx(tonne.co2 * 10.0)


def test_overrides_change_the_answer(corridor):
    G = build_freight_graph(corridor, date="2025-07-01", params={"rail.cost_cny_per_teu_km": "20"})
    assert freight_route(G, "town_q", "port", objective="cost").label == "all road"


def test_pareto_lists_road_and_both_yards(G):
    chains = freight_pareto(G, "town_q", "port")
    labels = [c.label for c in chains]
    assert labels[0] == "all road"
    assert "road+rail via q_yard" in labels
    for c in chains:
        for d in chains:
            if c is not d:
                assert not (all(x <= y for x, y in zip(d.vector, c.vector, strict=False)) and d.vector != c.vector)


def test_before_and_after_the_yard_train(corridor):
    cmp = compare_freight(corridor, "town_q", "port", before="2024-02-28", after="2024-02-29", objective="cost")
    assert "q_yard" not in cmp.before.via
    assert cmp.before.via == ("x_yard",)      # before: trucked to the county yard
    assert cmp.after.via == ("q_yard",)
    assert cmp.delta()["cost"] < 0
    before_2023 = build_freight_graph(corridor, date="2023-01-01")
    assert freight_route(before_2023, "town_q", "port", objective="cost").label == "all road"


def test_scenario_removing_the_train(corridor):
    G = build_freight_graph(corridor, scenario="no-q-train")
    assert "q_yard|rail:dep" not in G


def test_catchment_of_the_town_yard(G):
    c = catchment(G, "q_yard", port="port")
    assert bool(c.loc["town_q", "in_catchment"])
    assert bool(c.loc["town_far", "in_catchment"])
    assert not bool(c.loc["town_x", "in_catchment"])   # Xiushan ships through its own yard
    assert c.loc["town_x", "alt_chain"] == "road+rail via x_yard"
    assert c.loc["town_q", "saving"] > 0
    assert c.crs.to_epsg() == 4326


def test_air_is_for_tonnes_only():
    G = build_freight_graph(date="2025-07-01")
    air = [(u, v, k) for u, v, k, d in G.edges(keys=True, data=True) if d["mode"] == "air"]
    assert air, "the embedded dataset has the Qianjiang-Chongqing air route"
    assert all(not G.edges[e]["teu_ok"] and math.isinf(G.edges[e]["cost_teu"]) for e in air)
    # without the roads out of Qianjiang, a tonne flies from JIQ and a container cannot leave at all
    H = G.copy()
    H.remove_edges_from([(u, v, k) for u, v, k, d in G.edges(keys=True, data=True)
                         if d["mode"] == "road" and "jiq" not in (u, v) and "qianjiang_dist" in (u, v)])
    chain = freight_route(H, "qianjiang_dist", "ckg", cargo="tonne")
    assert chain.modes == ("road", "air") and chain.via == ("jiq",)
    assert any(s["key"] == "modes.air.cost_cny_per_tonne_km" for s in chain.sources)
    with pytest.raises(NoRouteError):
        freight_route(H, "qianjiang_dist", "ckg", cargo="teu")


def test_yards_report_capacity(G):
    by_id = {y["id"]: y for y in yards(G)}
    assert by_id["q_yard"]["capacity_t"] == pytest.approx(4.5e6)
    assert by_id["x_yard"]["capacity_t"] == pytest.approx(1e6)
    assert by_id["port"]["capacity_t"] is None


@pytest.mark.parametrize("kwargs,err,match", [
    ({"cargo": "pallet"}, OptionError, "unknown cargo"),
    ({"objective": "speed"}, OptionError, "unknown objective"),
])
def test_bad_options(G, kwargs, err, match):
    with pytest.raises(err, match=match):
        freight_route(G, "town_q", "port", **kwargs)


def test_node_without_freight_access(G):
    with pytest.raises(OptionError, match="no freight access"):
        freight_route(G, "sight", "port")
    with pytest.raises(PlaceNotFoundError, match="did you mean"):
        freight_route(G, "town_qq", "port")


def test_unreachable_is_no_route(corridor):
    G = build_freight_graph(corridor, date="2025-07-01")
    H = G.copy()
    H.remove_edges_from([(u, v, k) for u, v, k in G.edges(keys=True) if v == "port" or u == "port"])
    H.remove_node("port|rail:arr")
    with pytest.raises(NoRouteError):
        freight_route(H, "town_q", "port")


# --------------------------------------------------------------------------- CLI

def test_cli_route_prints_legs_and_sources(run_qjnet, corridor):
    r = run_qjnet("freight", "town_q", "port", "--data", corridor, "--date", "2025-07-01",
                  "--objective", "cost", "--format", "json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    chain = out["chains"][0]
    assert chain["chain"] == "road+rail via q_yard"
    assert [leg["mode"] for leg in chain["legs"]] == ["road", "handling", "rail"]
    assert any(s.get("assumption") for s in out["sources"])


def test_cli_table_pareto(run_qjnet, corridor):
    r = run_qjnet("freight", "town_q", "port", "--data", corridor, "--date", "2025-07-01", "--pareto")
    assert r.returncode == 0, r.stderr
    assert "all road" in r.stdout and "road+rail via q_yard" in r.stdout
    assert "assumption" in r.stdout


def test_cli_before_after_dates(run_qjnet, corridor):
    before = run_qjnet("freight", "town_q", "port", "--data", corridor, "--date", "2024-02-28",
                       "--objective", "cost", "--format", "json")
    after = run_qjnet("freight", "town_q", "port", "--data", corridor, "--date", "2024-02-29",
                      "--objective", "cost", "--format", "json")
    b, a = json.loads(before.stdout)["chains"][0], json.loads(after.stdout)["chains"][0]
    assert "q_yard" not in b["chain"] and "q_yard" in a["chain"]
    assert a["cost_cny"] < b["cost_cny"]


def test_cli_compare(run_qjnet, corridor):
    r = run_qjnet("freight", "town_q", "port", "--data", corridor, "--before", "2024-02-28",
                  "--after", "2024-02-29", "--objective", "cost", "--format", "csv")
    assert r.returncode == 0, r.stderr
    lines = [ln for ln in r.stdout.splitlines() if not ln.startswith("#")]
    assert lines[0].startswith("when,")
    assert "x_yard" in lines[1] and "q_yard" in lines[2]


def test_cli_catchment(run_qjnet, corridor):
    r = run_qjnet("catchment", "q_yard", "--port", "port", "--data", corridor, "--date", "2025-07-01",
                  "--format", "csv")
    assert r.returncode == 0, r.stderr
    rows = [ln.split(",") for ln in r.stdout.splitlines() if not ln.startswith("#")]
    header = rows[0]
    by_id = {row[header.index("id")]: row for row in rows[1:]}
    assert by_id["town_q"][header.index("in_catchment")] == "True"
    assert by_id["town_x"][header.index("in_catchment")] == "False"


@pytest.mark.parametrize("args,field", [
    (["--cargo", "pallet"], "cargo"),
    (["--objective", "speed"], "objective"),
    (["--set", "rail.cost_cny_per_teu_km=-2"], "rail.cost_cny_per_teu_km"),
    (["--set", "nodes.q_yard.capacity_mt_per_year=big"], "capacity_mt_per_year"),
    (["--set", "road.co2_kg_per_tonne_km=x"], "road.co2_kg_per_tonne_km"),
    (["--set", "novalue"], "KEY=VALUE"),
])
def test_cli_bad_input_one_line_exit_2(run_qjnet, corridor, args, field):
    r = run_qjnet("freight", "town_q", "port", "--data", corridor, "--date", "2025-07-01", *args)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert (len(lines) == 1 and lines[0].startswith("qjnet: error:")) or "Error:" in r.stderr, r.stderr
    assert field in r.stderr
    assert "Traceback" not in r.stderr


def test_cli_no_freight_access_exit_2(run_qjnet, corridor):
    r = run_qjnet("freight", "sight", "port", "--data", corridor, "--date", "2025-07-01")
    assert r.returncode == 2
    assert r.stderr.startswith("qjnet: error:") and "no freight access" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


# --------------------------------------------------------------------------- embedded dataset (acceptance)

@pytest.fixture(scope="module")
def G_embedded():
    return build_freight_graph(date="2025-07-01")


def test_embedded_qianjiang_to_port_rail_and_road(G_embedded):
    chains = {c.label: c for c in freight_pareto(G_embedded, "qianjiang_dist", "qinzhou_port_e")}
    assert "all road" in chains and "road+rail via qj_freight" in chains
    road, rail = chains["all road"], chains["road+rail via qj_freight"]
    # plausible: ~1,100 km by road in under a day; rail two to four days, cheaper and cleaner per TEU
    assert 900 < road.km < 1400 and 12 < road.hours < 30
    assert 40 < rail.hours < 100 and rail.cost < road.cost and rail.co2 < road.co2
    assert any(s["key"] == "services:frt_qj_qinzhou" for s in rail.sources)
    assert all(s.get("source") or s.get("assumption") for c in chains.values() for s in c.sources)


def test_embedded_before_after_yard_opening():
    from qjnet.geodata.io import load_dataset

    cmp = compare_freight(load_dataset(), "qianjiang_dist", "qinzhou_port_e", before="2024-02-28",
                          after="2024-02-29", objective="cost")
    assert "qj_freight" not in cmp.before.via and cmp.after.via == ("qj_freight",)
    assert cmp.delta()["cost"] < 0


def test_embedded_catchment_contains_qianjiang(G_embedded):
    c = catchment(G_embedded, "qj_freight")
    assert bool(c.loc["qianjiang_dist", "in_catchment"])
    assert not bool(c.loc["xiushan_cty", "in_catchment"])


def test_cli_embedded_prints_sources(run_qjnet):
    r = run_qjnet("freight", "qianjiang_dist", "qinzhou_port_e", "--date", "2025-07-01", "--objective", "cost")
    assert r.returncode == 0, r.stderr
    assert "road+rail via qj_freight" in r.stdout
    assert "# figure modes.rail.cost_cny_per_teu_km: 2.2 CNY per TEU-km | assumption:" in r.stdout
    assert "# figure services:frt_qj_qinzhou:" in r.stdout and "source: http" in r.stdout
def test_cli_map_written(run_qjnet, corridor, tmp_path):
    out = tmp_path / "freight.html"
    r = run_qjnet("freight", "town_q", "port", "--data", corridor, "--date", "2025-07-01", "--pareto",
                  "--map", out)
    assert r.returncode == 0, r.stderr
    html = out.read_text(encoding="utf-8")
    assert "q_yard" in html or "Q Yard" in html
    assert "unpkg.com" not in html and "cdn.jsdelivr" not in html


def test_cli_catchment_yard_without_trains(run_qjnet, corridor):
    r = run_qjnet("catchment", "town_q", "--port", "port", "--data", corridor, "--date", "2025-07-01")
    assert r.returncode == 2 and "no freight train or air cargo departures" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_cli_catchment_prints_figures_used(run_qjnet, corridor):
    r = run_qjnet("catchment", "q_yard", "--port", "port", "--data", corridor, "--date", "2025-07-01")
    assert r.returncode == 0, r.stderr
    assert "# figure nodes.q_yard.handling_cny_per_teu: 400" in r.stdout
    assert "# figure services:frt_x_port:" in r.stdout


def test_cli_bad_freight_json_in_user_data(run_qjnet, tmp_path):
    doc = _fixture_freight()
    doc["modes"]["road"]["cost_cny_per_teu_km"]["value"] = -4.5
    folder = write_corridor(tmp_path / "bad", freight=doc)
    r = run_qjnet("freight", "town_q", "port", "--data", folder, "--date", "2025-07-01")
    assert r.returncode == 2
    assert "freight.json" in r.stderr and "record 'modes.road'" in r.stderr
    assert "field 'cost_cny_per_teu_km'" in r.stderr and "negative" in r.stderr


def test_cli_catchment_map_written(run_qjnet, corridor, tmp_path):
    out = tmp_path / "catchment.html"
    r = run_qjnet("catchment", "q_yard", "--port", "port", "--data", corridor, "--date", "2025-07-01",
                  "--map", out)
    assert r.returncode == 0, r.stderr
    html = out.read_text(encoding="utf-8")
    assert "Catchment of q_yard" in html and "ships via the yard" in html
