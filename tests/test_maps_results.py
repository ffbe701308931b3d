"""Maps of query results: reach, route (no browser; synthetic results in the engine's shapes)."""

from __future__ import annotations

import dataclasses

import geopandas as gpd
import networkx as nx
import pytest
from mapdata import MINI, XSS_SCRIPT, XSS_TEMPLATE, drawn, drawn_items
from shapely.geometry import Point

import qjnet.maps as maps
from qjnet.maps.offline import remote_references, render
from qjnet.maps.reach import minute_color
from qjnet.network.isochrones import default_bands, isochrones
from qjnet.network.route import Itinerary, Leg

#: (id, name_zh, name_en, kind, population, lon, lat, minutes, mode)
NODES = [
    ("qianjiang", "黔江站", "Qianjiang", "hsr_station", None, 108.79, 29.56, 0.0, None),
    ("qianjiang_dist", "黔江区", "Qianjiang District", "place", 487281, 108.77, 29.53, 12.0, "access"),
    ("pengshui_w", "彭水西站", "Pengshui West", "hsr_station", None, 108.2, 29.3, 20.4, "hsr"),
    ("pengshui_cty", "彭水县", "Pengshui County", "place", 530599, 108.17, 29.29, 41.0, "hsr"),
    ("cq_east", "重庆东站", "Chongqing East", "hsr_station", None, 106.6, 29.5, 61.0, "hsr"),
    ("chongqing_core", "重庆中心城区", "Chongqing", "place", 10_000_000, 106.55, 29.56, 110.0, "hsr"),
    ("youyang", "酉阳县", "Youyang", "place", 600000, 108.77, 28.84, 150.0, "road"),
]


def reach_gdf(nodes=NODES, *, origin="qianjiang"):
    rows = [{"id": n[0], "name_zh": n[1], "name_en": n[2], "kind": n[3], "population": n[4], "minutes": n[7],
             "mode": n[8], "origin": origin} for n in nodes]
    gdf = gpd.GeoDataFrame(rows, geometry=[Point(n[5], n[6]) for n in nodes], crs="EPSG:4326").set_index("id")
    gdf["population"] = gdf["population"].astype("Int64")
    return gdf


def graph(nodes=NODES):
    G = nx.MultiDiGraph(crs="EPSG:4326")
    for n in nodes:
        G.add_node(n[0], name_zh=n[1], name_en=n[2], kind=n[3], x=n[5], y=n[6])
    return G


def leg(mode, a, b, depart, minutes, wait=0.0, stops=(), service=None):
    return Leg(mode=mode, service=service, from_=a, to=b, depart=depart, minutes=minutes,
               wait_minutes=wait, stops=tuple(stops))


def itinerary():
    legs = (leg("access", "qianjiang_dist", "qianjiang", 0.0, 12.0),
            leg("hsr", "qianjiang", "cq_east", 12.0, 61.0, wait=0.0, stops=("qianjiang", "pengshui_w", "cq_east"),
                service="yuxia_fast"),
            leg("access", "cq_east", "chongqing_core", 73.0, 37.0))
    return Itinerary(origin="qianjiang_dist", destination="chongqing_core", minutes=110.0, legs=legs,
                     date="2025-07-01", scenario=None)


def reach_map(reached, *, minutes, bands=None, **kwargs):
    """The reach map with its bands computed as the CLI does (default bands of the budget)."""
    iso = isochrones(reached, bands=bands or default_bands(minutes), **kwargs)
    return maps.reach_map(reached, bands=iso, minutes=minutes)


def legend_html_of(page: str) -> str:
    """The legend's HTML as the page sets it (a JSON string in the script)."""
    import json
    import re

    m = re.search(r"'qjnet-legend'\);\s*div\.innerHTML = (\"(?:[^\"\\]|\\.)*\");", page)
    assert m, "no legend in the page"
    return json.loads(m.group(1))


def test_default_bands_follow_the_budget():
    assert default_bands(180) == [60.0, 120.0, 180.0]
    assert default_bands(45) == [45.0]
    assert default_bands(150) == [60.0, 120.0, 150.0]
    assert minute_color(0, 180) == minute_color(30, 180) != minute_color(31, 180)
    assert minute_color(180, 180) == "#e31a1c"


def test_reach_map_layers_and_counts():
    m = reach_map(reach_gdf(), minutes=180)
    assert m.qjnet_layers == {"≤ 180 min": 1, "≤ 120 min": 1, "≤ 60 min": 1, "到达城区 Places reached": 4,
                              "到达站点 Stations, airports and other nodes reached": 2, "出发地 Origin": 1}
    page = render(m)
    assert remote_references(page) == []
    assert "黔江区 Qianjiang District · 12 min · by 接驳 Access / transfer" in page
    assert "重庆东站 Chongqing East · 61 min · by 高铁 High-speed rail" in page
    assert "出发地 Origin: 黔江站 Qianjiang" in page


def test_reach_map_colours_places_by_minutes():
    page = render(reach_map(reach_gdf(), minutes=180))
    assert drawn(page, "黔江区 Qianjiang District · 12 min")["o"]["fillColor"] == minute_color(12, 180)
    assert drawn(page, "酉阳县 Youyang · 150 min")["o"]["fillColor"] == minute_color(150, 180)


def test_reverse_reach_map_says_who_reaches_the_origin():
    m = maps.reach_map(reach_gdf(), bands=isochrones(reach_gdf(), bands=(60, 120)), minutes=120, reverse=True)
    assert "目的地 Destination" in m.qjnet_layers
    page = render(m)
    assert "leaves by 高铁 High-speed rail" in page
    assert "reaches the origin within 60 min" in page


def test_reach_map_bands_parameters_are_used():
    m = reach_map(reach_gdf(), minutes=180, bands=(90,), access_speed_kmh=5)
    assert [k for k in m.qjnet_layers if k.startswith("≤")] == ["≤ 90 min"]
    assert "at 5 km/h straight-line" in render(m)


def test_reach_map_escapes_names():
    nodes = [list(n) for n in NODES]
    nodes[1][1], nodes[1][2] = XSS_SCRIPT, XSS_TEMPLATE
    page = render(reach_map(reach_gdf([tuple(n) for n in nodes]), minutes=180))
    assert XSS_SCRIPT not in page and "${alert" not in page


def test_route_map_draws_each_leg_in_its_mode_colour_with_a_leg_table():
    m = maps.route_map(itinerary(), graph())
    assert m.qjnet_layers == {"行程 Legs": 3, "站点 Stops": 4}
    page = render(m)
    hsr = drawn(page, "2. 黔江站 → 重庆东站 · 高铁 High-speed rail yuxia_fast · 61 min")
    assert hsr["k"] == "l" and hsr["o"]["color"] == "#d7191c"
    # the popup table lists every leg and the total
    popups = [item["p"] or "" for item in drawn_items(page)]
    assert sum(p.count("<th style='text-align:left;padding:0 4px'>departs</th>") for p in popups) == 3
    assert "▶ 2" in page and "total" in page
    assert "[29.3, 108.2]" in page  # the HSR leg passes its intermediate stop
    assert remote_references(page) == []


def test_route_map_uses_dataset_service_names(data_dir):
    from qjnet.geodata.io import load_dataset

    ds = load_dataset(data_dir / "mini")
    it = itinerary()
    it = dataclasses.replace(it, legs=(it.legs[0], dataclasses.replace(it.legs[1], service="hsr_ac"), it.legs[2]))
    page = render(maps.route_map(it, graph(), dataset=ds))
    assert "甲丙高铁" in page


# -- compare and circle maps on the engine's real results (mini dataset) ----------------------------

@pytest.fixture(scope="module")
def mini_graphs():
    from qjnet.geodata.io import load_dataset
    from qjnet.network import build_graph

    ds = load_dataset(MINI)
    return ds, build_graph(ds, date="2025-06-26"), build_graph(ds, date="2025-07-01")


def test_compare_map_toggles_bands_of_both_and_colours_minutes_saved(mini_graphs):
    from qjnet.maps.compare import saved_class
    from qjnet.network.compare import compare
    from qjnet.network.isochrones import compare_isochrones

    ds, G0, G1 = mini_graphs
    diff = compare(G0, G1, "town_a")
    bands_before, bands_after = compare_isochrones(diff, G1)
    m = maps.compare_map(diff, bands_before=bands_before, bands_after=bands_after, G=G1, dataset=ds)
    assert m.qjnet_base_layers == ["之前 Before: 2025-06-26", "之后 After: 2025-07-01"]
    assert m.qjnet_layers["节省时间 Minutes saved"] == int(diff[["before", "after"]].notna().any(axis=1).sum())
    assert m.qjnet_layers["出发地 Origin"] == 1
    page = render(m)
    town_c = diff.loc["town_c"]
    assert town_c["after"] < town_c["before"]  # the HSR opened between the dates
    color, _ = saved_class(town_c["before"], town_c["after"])
    assert drawn(page, "丙区 Town C · 2025-06-26")["o"]["fillColor"] == color
    assert f"saved {maps.escape.fmt_minutes(town_c['before'] - town_c['after'])} min" in page
    # the before bands are a radio layer that starts hidden
    assert remote_references(page) == []


def test_saved_classes():
    from qjnet.maps.compare import LOST_COLOR, NEW_COLOR, saved_class

    assert saved_class(100, 30) == ("#00441b", "saved ≥ 60 min")
    assert saved_class(100, 100) == ("#bdbdbd", "no change")
    assert saved_class(30, 45)[1] == "slower"
    assert saved_class(float("nan"), 45) == (NEW_COLOR, "newly reached")
    assert saved_class(45, float("nan")) == (LOST_COLOR, "no longer reached")


def test_circle_map_shows_both_measures_with_population_totals(mini_graphs):
    from qjnet.network.access import economic_circle
    from qjnet.network.isochrones import circle_isochrones

    ds, _, G1 = mini_graphs
    result = economic_circle(G1, "town_a")
    station, centre = circle_isochrones(result)
    m = maps.circle_map(result, bands_station=station, bands_centre=centre, G=G1, dataset=ds)
    assert m.qjnet_base_layers == ["站到站 Station to station", "城区到城区 Centre to centre"]
    bands = [k for k in m.qjnet_layers if k in m.qjnet_base_layers]
    assert len(bands) == 2
    n_iso = {col: int(sum(1 for b in (60, 120, 180) if (result[col] <= b).any())) for col in
             ("station_minutes", "centre_minutes")}
    assert m.qjnet_layers["站到站 Station to station"] == len(result) + n_iso["station_minutes"]
    assert m.qjnet_layers["中心 Centre"] == 1
    page = render(m)
    c = result.loc["town_c"]
    assert f"丙区 Town C · {maps.escape.fmt_minutes(c['station_minutes'])} min (甲东站 → 丙站)" in page
    legend = legend_html_of(page)
    pop = int(result.loc[result["station_minutes"] <= 180, "population"].dropna().sum())
    assert f"≤180: {int((result['station_minutes'] <= 180).sum())} places, pop. {pop:,}" in legend


def test_route_legs_follow_the_course_of_their_service():
    from shapely.geometry import LineString

    from qjnet.network.route import _along_service

    services = {"s": LineString([(108.0, 29.0), (108.5, 29.4), (109.0, 29.0), (109.5, 29.2)])}
    leg = _along_service(services, "s", [(108.0, 29.0), (109.0, 29.0)])
    assert list(leg.coords) == [(108.0, 29.0), (108.5, 29.4), (109.0, 29.0)]
    back = _along_service(services, "s", [(109.0, 29.0), (108.0, 29.0)])
    assert list(back.coords) == [(109.0, 29.0), (108.5, 29.4), (108.0, 29.0)]
    assert _along_service(services, "s", [(100.0, 20.0), (109.0, 29.0)]) is None  # not on the course
    assert _along_service(services, "other", [(108.0, 29.0), (109.0, 29.0)]) is None
