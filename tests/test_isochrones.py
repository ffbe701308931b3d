"""network.isochrones: bands from reach results."""

from __future__ import annotations

import math

import geopandas as gpd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Point

from qjnet.geodata.errors import OptionError
from qjnet.network.isochrones import ACCESS_SPEED_KMH, MAX_ACCESS_MINUTES, isochrones

UTM49 = "EPSG:32649"


def reached(rows, crs="EPSG:4326"):
    """A reach-like GeoDataFrame: rows of (id, lon, lat, minutes)."""
    return gpd.GeoDataFrame(
        {"minutes": [r[3] for r in rows], "name_zh": [r[0] for r in rows]},
        geometry=[Point(r[1], r[2]) for r in rows], index=[r[0] for r in rows], crs=crs)


def area_km2(gdf, minutes):
    return float(gdf[gdf["minutes"] == minutes].to_crs(UTM49).area.iloc[0] / 1e6)


def test_origin_alone_gives_circles_of_capped_access_time():
    out = isochrones(reached([("o", 108.77, 29.53, 0.0)]), bands=(30, 60, 180))
    assert list(out["minutes"]) == [30.0, 60.0, 180.0]
    r30 = 30 / 60 * ACCESS_SPEED_KMH
    r_cap = MAX_ACCESS_MINUTES / 60 * ACCESS_SPEED_KMH  # 180 min is capped at an hour of local travel
    assert area_km2(out, 30) == pytest.approx(math.pi * r30 ** 2, rel=0.01)
    assert area_km2(out, 60) == pytest.approx(math.pi * r_cap ** 2, rel=0.01)
    assert area_km2(out, 180) == pytest.approx(area_km2(out, 60), rel=1e-6)
    assert out.crs == "EPSG:4326"
    assert list(out["nodes"]) == [1, 1, 1]


def test_remaining_time_sets_each_radius_and_late_nodes_are_left_out():
    rows = [("o", 108.77, 29.53, 0.0), ("far", 107.0, 29.0, 50.0), ("late", 106.5, 29.5, 75.0)]
    out = isochrones(reached(rows), bands=(60,), access_speed_kmh=30, max_access_minutes=90)
    assert list(out["nodes"]) == [2]
    circle_o = math.pi * (60 / 60 * 30) ** 2
    circle_far = math.pi * (10 / 60 * 30) ** 2
    assert area_km2(out, 60) == pytest.approx(circle_o + circle_far, rel=0.01)
    band = out.geometry.iloc[0]
    assert band.contains(Point(107.0, 29.0)) and not band.contains(Point(106.5, 29.5))


def test_result_is_in_the_callers_crs_and_input_is_not_changed():
    r = reached([("o", 108.77, 29.53, 0.0), ("b", 108.5, 29.4, 20.0)]).to_crs("EPSG:3857")
    before = r.copy()
    out = isochrones(r, bands=(60, 120))
    assert out.crs == "EPSG:3857"
    assert out.geometry.iloc[0].contains(r.geometry.iloc[0])
    assert r.equals(before)


def test_deterministic_whatever_the_row_order():
    rows = [(f"n{i}", 108 + i * 0.13, 29 + (i % 5) * 0.11, float(i * 7 % 90)) for i in range(25)]
    a = isochrones(reached(rows), bands=(60, 120), metric_crs=UTM49)
    b = isochrones(reached(rows[::-1]), bands=(120, 60), metric_crs=UTM49)
    assert all(x.equals_exact(y, 0) for x, y in zip(a.geometry, b.geometry, strict=False))
    assert list(a["area_km2"]) == list(b["area_km2"])


def test_nothing_within_any_band_gives_an_empty_frame():
    out = isochrones(reached([("x", 108.7, 29.5, 200.0)]), bands=(60,))
    assert len(out) == 0 and list(out.columns) == ["minutes", "nodes", "area_km2", "geometry"]


@pytest.mark.parametrize("kwargs, message", [
    ({"bands": ()}, "bands must be positive"),
    ({"bands": (60, -5)}, "bands must be positive"),
    ({"bands": ("x",)}, "bands must be numbers"),
    ({"bands": (60, 60)}, "must not repeat"),
    ({"access_speed_kmh": 0}, "access_speed_kmh must be a positive number"),
    ({"max_access_minutes": float("nan")}, "max_access_minutes must be a positive number"),
])
def test_bad_parameters(kwargs, message):
    with pytest.raises(OptionError, match=message):
        isochrones(reached([("o", 108.77, 29.53, 0.0)]), **kwargs)


def test_reach_result_without_minutes_is_refused():
    with pytest.raises(OptionError, match="'minutes' column"):
        isochrones(gpd.GeoDataFrame(geometry=[Point(108, 29)], crs="EPSG:4326"))


nodes = st.lists(st.tuples(st.floats(107.0, 110.0), st.floats(28.0, 30.5), st.floats(0, 170)),
                 min_size=1, max_size=12)


@given(nodes, st.floats(20, 90), st.floats(5, 60))
@settings(max_examples=40, deadline=None)
def test_bands_are_nested_and_faster_access_covers_more(pts, small, extra):
    rows = [(f"n{i}", x, y, m) for i, (x, y, m) in enumerate(pts)]
    big = small + extra
    out = isochrones(reached(rows), bands=(small, big), metric_crs=UTM49).to_crs(UTM49)
    if len(out) == 2:
        assert out.geometry.iloc[1].buffer(1.0).contains(out.geometry.iloc[0])
        assert out["area_km2"].iloc[1] >= out["area_km2"].iloc[0] - 1e-6
    fast = isochrones(reached(rows), bands=(big,), access_speed_kmh=40, metric_crs=UTM49).to_crs(UTM49)
    slow = isochrones(reached(rows), bands=(big,), access_speed_kmh=10, metric_crs=UTM49).to_crs(UTM49)
    assert len(fast) == len(slow)
    if len(fast):
        assert fast.geometry.iloc[0].buffer(1.0).contains(slow.geometry.iloc[0])
