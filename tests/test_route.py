import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qjnet.geodata.errors import NoRouteError, PlaceNotFoundError
from qjnet.geodata.io import load_dataset
from qjnet.network import build_graph, route
from qjnet.network.params import TimeParams
from tests.engine_random import brute_force_minutes, random_dataset


@pytest.fixture(scope="module")
def mini_after():
    from pathlib import Path

    return build_graph(Path(__file__).parent / "data" / "mini", date="2025-07-01")


def test_first_boarding_has_no_wait(mini_after):
    it = route(mini_after, "sta_a", "sta_c")
    assert it.minutes == pytest.approx(61)
    [leg] = it.legs
    assert (leg.mode, leg.service, leg.from_, leg.to, leg.wait_minutes) == ("hsr", "hsr_ac", "sta_a", "sta_c", 0)


def test_transfer_costs_penalty_and_half_headway(data_dir):
    G = build_graph(data_dir / "mini", date="2025-07-01", modes="hsr,rail")
    it = route(G, "sta_b", "sta_d")
    # hsr B->C 31 min (first boarding), then rail: 10 transfer + half of 1020/6 wait, 75 ride
    assert [leg.mode for leg in it.legs] == ["hsr", "rail"]
    assert it.legs[1].wait_minutes == pytest.approx(10 + 85)
    assert it.minutes == pytest.approx(31 + 95 + 75)
    assert it.split == pytest.approx({"in_vehicle": 106, "wait": 85, "transfer": 10, "access": 0, "processing": 0})
    assert it.legs[1].depart == pytest.approx(31 + 95)


def test_multimodal_trip_and_json_shape(mini_after):
    it = route(mini_after, "town_a", "town_c")
    d = it.to_dict()
    assert [leg["mode"] for leg in d["legs"]] == ["access", "hsr", "access"]
    assert d["minutes"] == pytest.approx(25 + 61 + 12)
    assert set(d) >= {"from", "to", "minutes", "legs", "date", "scenario", "params"}
    assert all(list(leg)[:6] == ["mode", "service", "from", "to", "minutes", "wait_minutes"] for leg in d["legs"])
    assert all(list(leg)[6:] == ["source", "records", "provenance", "range"] for leg in d["legs"])
    assert d["date"] == "2025-07-01" and d["params"]["transfer_minutes"] == 10


def test_before_the_hsr_the_trip_is_by_road(data_dir):
    G = build_graph(data_dir / "mini", date="2025-06-26")
    it = route(G, "town_a", "town_c")
    assert it.legs[0].mode == "expressway"
    assert it.minutes == pytest.approx(150 * 1.25 / 80 * 60 + 110 * 1.3 / 80 * 60)


def test_same_place_is_zero(mini_after):
    it = route(mini_after, "town_b", "town_b")
    assert it.minutes == 0 and it.legs == ()


def test_unreachable_and_unknown(data_dir):
    G = build_graph(data_dir / "mini", date="2025-06-26", modes="hsr")
    with pytest.raises(NoRouteError, match="no route from 'town_a' to 'town_d'"):
        route(G, "town_a", "town_d")
    with pytest.raises(PlaceNotFoundError, match="did you mean town_a"):
        route(G, "town_aa", "town_d")
    with pytest.raises(PlaceNotFoundError):
        route(G, "town_a", "hsr_ac|f|sta_a")  # service-stops are not places


def test_no_free_first_boarding_when_switched_off(data_dir):
    G = build_graph(data_dir / "mini", date="2025-07-01", params=TimeParams(first_boarding_free=False))
    it = route(G, "sta_a", "sta_c")
    assert it.minutes == pytest.approx(61 + 10 + 30)
    assert it.legs[0].transfer_minutes == 10 and it.legs[0].expected_wait_minutes == 30


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 10**9), st.data())
def test_matches_brute_force_enumeration(seed, data):
    ds = random_dataset(seed)
    G = build_graph(ds)
    ids = list(ds.nodes.index)
    a, b = data.draw(st.sampled_from(ids)), data.draw(st.sampled_from(ids))
    expect = brute_force_minutes(G, a, b)
    if expect == float("inf"):
        with pytest.raises(NoRouteError):
            route(G, a, b)
        return
    it = route(G, a, b)
    assert it.minutes == pytest.approx(expect)
    # legs add up to the total, and the split too
    assert sum(leg.minutes + leg.wait_minutes for leg in it.legs) == pytest.approx(it.minutes)
    assert sum(it.split.values()) == pytest.approx(it.minutes)
    # legs are contiguous and depart in order
    for prev, nxt in zip(it.legs, it.legs[1:], strict=False):
        assert prev.to == nxt.from_
        assert nxt.depart == pytest.approx(prev.depart + prev.minutes + nxt.wait_minutes)
    if it.legs:
        assert it.legs[0].from_ == a and it.legs[-1].to == b


@pytest.fixture(scope="module")
def qianjiang_data():
    return load_dataset()


def test_chongqing_east_to_qianjiang_by_hsr_in_61_minutes(qianjiang_data):
    G = build_graph(qianjiang_data, date="2025-06-27")
    it = route(G, "cq_east", "qianjiang")
    assert it.minutes == pytest.approx(61, abs=1)
    assert [leg.mode for leg in it.legs] == ["hsr"] and it.legs[0].wait_minutes == 0


def test_before_the_hsr_it_takes_hours(qianjiang_data):
    G = build_graph(qianjiang_data, date="2025-06-26")
    assert "cq_east" not in G
    it = route(G, "chongqing_core", "qianjiang_dist")
    assert it.minutes > 150 and "hsr" not in it.modes_used
    rail = build_graph(qianjiang_data, date="2025-06-26", modes="rail")
    it = route(rail, "cq_north", "qianjiang")
    assert it.minutes > 150 and {leg.service for leg in it.legs} == {"yuhuai_conv"}
    after = build_graph(qianjiang_data, date="2025-07-01")
    assert route(after, "chongqing_core", "qianjiang_dist").minutes < it.minutes


def test_embedded_routes_are_consistent(qianjiang_data):
    G = build_graph(qianjiang_data, date="2025-07-01")
    for a, b in [("chongqing_core", "qianjiang_dist"), ("qianjiang_dist", "zhangjiajie_city"),
                 ("wanzhou_dist", "xiushan_cty")]:
        it = route(G, a, b)
        assert sum(leg.minutes + leg.wait_minutes for leg in it.legs) == pytest.approx(it.minutes)
        assert it.legs[0].from_ == a and it.legs[-1].to == b


# -- route geometry: one LineString per leg, along the service's course -------------------------------

#: the mini HSR's course with two bends between its stations (stops: sta_a, sta_b, sta_c)
CURVED = [(106.66, 29.5), (107.2, 29.6), (107.75, 29.3), (108.3, 29.2), (108.79, 29.56)]


@pytest.fixture(scope="module")
def curved_mini(tmp_path_factory):
    """The mini dataset with a curved HSR course, as a Dataset object, a folder and a GeoPackage."""
    import dataclasses
    from pathlib import Path

    from shapely.geometry import LineString

    from qjnet.geodata.formats import write_dataset

    ds = load_dataset(Path(__file__).parent / "data" / "mini")
    services = ds.services.copy()
    services.loc["hsr_ac", "geometry"] = LineString(CURVED)
    ds = dataclasses.replace(ds, services=services)
    folder = tmp_path_factory.mktemp("curved")
    return ds, write_dataset(ds, folder / "mini", format="geojson"), write_dataset(ds, folder / "mini.gpkg",
                                                                                   format="gpkg")


def test_legs_follow_the_course_of_their_service(curved_mini):
    from qjnet.network.route import route_to_gdf

    ds, _, _ = curved_mini
    G = build_graph(ds, date="2025-07-01")
    it = route(G, "town_a", "town_c")
    legs = route_to_gdf(G, it, dataset=ds)
    assert list(legs["mode"]) == [leg.mode for leg in it.legs] == ["access", "hsr", "access"]
    assert list(legs.columns) == ["mode", "service", "from", "to", "minutes", "wait_minutes", "depart", "geometry"]
    assert legs.crs == "EPSG:4326"
    assert list(legs.geometry.iloc[1].coords) == CURVED  # sta_a -> sta_b -> sta_c along the bends
    assert list(legs.geometry.iloc[0].coords) == [(106.55, 29.56), (106.66, 29.5)]  # access: straight
    straight = it.to_gdf(G)  # no dataset: straight through the stops
    assert list(straight.geometry.iloc[1].coords) == [(106.66, 29.5), (107.75, 29.3), (108.79, 29.56)]
    assert legs.drop(columns="geometry").equals(straight.drop(columns="geometry"))
    part = route_to_gdf(G, route(G, "sta_b", "sta_c"), dataset=ds)
    assert list(part.geometry.iloc[0].coords) == CURVED[2:]  # only the course between the leg's stops


def test_leg_courses_are_the_same_from_a_folder_and_a_geopackage(curved_mini):
    ds, folder, gpkg = curved_mini
    geoms = []
    for data in (ds, load_dataset(folder), load_dataset(gpkg)):
        G = build_graph(data, date="2025-07-01")
        geoms.append([list(g.coords) for g in route(G, "town_a", "town_c").to_gdf(G, dataset=data).geometry])
    assert geoms[0] == geoms[1] == geoms[2]
    assert geoms[0][1] == CURVED


def test_route_legs_follow_the_course_helper():
    from shapely.geometry import LineString

    from qjnet.network.route import _along_service

    courses = {"s": LineString([(108.0, 29.0), (108.5, 29.4), (109.0, 29.0), (109.5, 29.2)])}
    assert _along_service(courses, None, [(108.0, 29.0), (109.0, 29.0)]) is None  # a link: no service
    assert _along_service(courses, "s", [(108.0, 29.0), (108.0, 29.0)]) is None  # no length along the course
