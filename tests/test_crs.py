"""WGS-84 <-> GCJ-02 conversion and metric CRS choice."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qjnet.geodata.crs import gcj02_to_wgs84, in_china, metric_crs, wgs84_to_gcj02
from qjnet.geodata.errors import OptionError


def metres(lon1, lat1, lon2, lat2):
    """Haversine distance in metres (vectorised)."""
    lon1, lat1, lon2, lat2 = map(np.radians, (lon1, lat1, lon2, lat2))
    h = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371008.8 * np.arcsin(np.sqrt(h))


def test_round_trip_under_one_metre_on_many_random_points():
    rng = np.random.default_rng(20250627)
    lon = rng.uniform(73.5, 135.0, 20000)
    lat = rng.uniform(18.0, 53.5, 20000)
    glon, glat = wgs84_to_gcj02(lon, lat)
    wlon, wlat = gcj02_to_wgs84(glon, glat)
    err = metres(lon, lat, wlon, wlat)
    assert err.max() < 1.0
    assert err.max() < 0.01  # in practice far better than the 1 m requirement


@settings(max_examples=200)
@given(st.floats(72.1, 137.7), st.floats(0.9, 55.7))
def test_round_trip_property(lon, lat):
    wlon, wlat = gcj02_to_wgs84(*wgs84_to_gcj02(lon, lat))
    assert metres(lon, lat, wlon, wlat) < 1.0


def test_offset_in_chongqing_is_a_few_hundred_metres():
    # Qianjiang, Chongqing East, Xiushan, Wanzhou
    pts = [(108.7706, 29.5333), (106.662, 29.505), (108.989, 28.448), (108.4086, 30.8075)]
    for lon, lat in pts:
        glon, glat = wgs84_to_gcj02(lon, lat)
        d = float(metres(lon, lat, glon, glat))
        assert 300 < d < 600, (lon, lat, d)


def test_known_offset_direction_qianjiang():
    glon, glat = wgs84_to_gcj02(108.7706, 29.5333)
    # GCJ-02 shifts this area east and south
    assert glon - 108.7706 == pytest.approx(0.00437, abs=2e-4)
    assert glat - 29.5333 == pytest.approx(-0.00270, abs=2e-4)


def test_scalar_in_scalar_out_and_arrays_keep_shape():
    out = wgs84_to_gcj02(108.77, 29.53)
    assert isinstance(out[0], float) and isinstance(out[1], float)
    arr = np.array([[108.77, 106.5], [109.0, 110.0]])
    glon, glat = wgs84_to_gcj02(arr, arr / 4 + 2)
    assert glon.shape == (2, 2) and glat.shape == (2, 2)
    wlon, _ = gcj02_to_wgs84([108.77, 106.5], [29.53, 29.5])
    assert isinstance(wlon, np.ndarray) and wlon.shape == (2,)


def test_outside_china_is_unchanged():
    for lon, lat in [(2.35, 48.85), (-74.0, 40.7), (151.2, -33.9), (140.0, 35.0)]:
        assert wgs84_to_gcj02(lon, lat) == (lon, lat)
        assert gcj02_to_wgs84(lon, lat) == (lon, lat)
    assert not in_china(2.35, 48.85) and in_china(108.77, 29.53)


def test_inputs_are_not_mutated():
    lon = np.array([108.77, 106.5])
    lat = np.array([29.53, 29.5])
    before = lon.copy(), lat.copy()
    gcj02_to_wgs84(lon, lat)
    wgs84_to_gcj02(lon, lat)
    assert (lon == before[0]).all() and (lat == before[1]).all()


@pytest.mark.parametrize("lon,lat,epsg", [
    (108.77, 29.53, "EPSG:32649"),   # Qianjiang
    (106.55, 29.56, "EPSG:32648"),   # central Chongqing lies in zone 48
    (111.70, 29.03, "EPSG:32649"),   # Changde
    (151.2, -33.9, "EPSG:32756"),
    (-0.1, 51.5, "EPSG:32630"),
    (180.0, 10.0, "EPSG:32660"),
])
def test_metric_crs_is_the_utm_zone(lon, lat, epsg):
    assert metric_crs(lon, lat) == epsg


def test_metric_crs_of_the_region_uses_the_mean():
    assert metric_crs([106.5, 111.7], [29.5, 29.0]) == "EPSG:32649"


def test_metric_crs_rejects_non_positions():
    with pytest.raises(OptionError, match="longitude first"):
        metric_crs(29.5, 200.0)
    with pytest.raises(OptionError):
        metric_crs(math.nan, 29.0)
