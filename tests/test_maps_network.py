"""maps.network_map and ``qjnet map`` (no browser)."""

from __future__ import annotations

import html

import pytest
from mapdata import XSS_SCRIPT, XSS_TEMPLATE, drawn, hostile_dataset

import qjnet.maps as maps
from qjnet.geodata.io import apply_selection, load_dataset


@pytest.fixture
def mini(data_dir):
    return load_dataset(data_dir / "mini")


def test_network_map_has_one_layer_per_mode_and_kind(mini):
    m = maps.network_map(mini)
    layers = m.qjnet_layers
    assert layers["高铁 High-speed rail"] == 2          # hsr_ac and the planned hsr_cd_plan
    assert layers["普速铁路 Conventional rail"] == 1
    assert layers["高速公路 Expressway"] == 2
    assert layers["普通公路 Other road"] == 1
    assert layers["城区 Places (size: population)"] == 4
    assert layers["高铁站 HSR stations"] == 3
    assert "航空 Air" not in layers                    # no air service in the mini data: no empty layer
    assert sum(layers.values()) == len(mini.nodes) + len(mini.services) + len(mini.links)


def test_planned_lines_are_dashed_and_open_ones_solid(mini):
    page = maps.offline.render(maps.network_map(mini))
    # the planned line is drawn dashed, the open HSR solid
    assert drawn(page, "丙丁高铁(规划)")["o"]["dashArray"] == "8 6"
    assert "dashArray" not in drawn(page, "甲丙高铁")["o"]


def test_selection_by_date_draws_unopened_lines_dashed(data_dir):
    full = load_dataset(data_dir / "mini")
    before = apply_selection(full, date="2025-06-26")
    assert "hsr_ac" not in before.services.index
    m = maps.network_map(before, full=full)
    page = maps.offline.render(m)
    assert drawn(page, "甲丙高铁")["o"]["dashArray"] == "8 6"
    assert m.qjnet_layers["高铁 High-speed rail"] == 2


def test_places_are_sized_by_population(mini):
    from qjnet.maps.base import population_radius

    assert population_radius(1_000_000) > population_radius(300_000) > population_radius(None) - 1
    assert population_radius(10**9) == 22.0
    page = maps.offline.render(maps.network_map(mini))
    assert drawn(page, "甲区 Town A")["o"]["radius"] == population_radius(1_000_000)


def test_popups_have_both_names_dates_and_source(mini):
    page = maps.offline.render(maps.network_map(mini))
    assert "A-C HSR" in page and "2025-06-27" in page and "test fixture" in page
    assert "甲东站 – 乙南站 – 丙站" in page
    assert "qjnet-legend" in page and "Legend" in page


def test_hostile_names_are_escaped(tmp_path):
    ds = load_dataset(hostile_dataset(tmp_path / "bad"))
    page = maps.offline.render(maps.network_map(ds))
    assert XSS_SCRIPT not in page and XSS_TEMPLATE not in page
    assert "${alert" not in page and "alert(2)</script>" not in page
    assert "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    # the text a user sees is the original name
    assert XSS_SCRIPT in html.unescape("&lt;script&gt;alert(1)&lt;/script&gt;")


def test_unknown_tiles_value_is_an_error(mini):
    from qjnet.geodata.errors import OptionError

    with pytest.raises(OptionError, match="unknown tiles 'google'; use one of none, osm, gaode"):
        maps.network_map(mini, tiles="google")


def test_osm_tiles_are_the_only_remote_reference(mini, tmp_path):
    m = maps.network_map(mini, tiles="osm")
    page = maps.offline.render(m)
    assert maps.offline.remote_references(page) == ["https://tile.openstreetmap.org/{z}/{x}/{y}.png"]


def test_cli_map_writes_an_offline_page(run_qjnet, data_dir, tmp_path):
    out = tmp_path / "network.html"
    r = run_qjnet("map", "--data", data_dir / "mini", "--output", out, "--date", "2025-07-01")
    assert r.returncode == 0, r.stderr
    page = out.read_text(encoding="utf-8")
    assert "Leaflet 1.9.3 (xstatic-leaflet)" in page and "cdn.jsdelivr.net" not in page
    assert "甲丙高铁" in page and "2025-07-01" in page
    r = run_qjnet("map", "--data", data_dir / "mini", "--output", tmp_path / "cdn.html", "--cdn")
    assert r.returncode == 0, r.stderr
    assert "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js" in (tmp_path / "cdn.html").read_text()


@pytest.mark.parametrize("args, message", [
    (["--scenario", "nope"], "unknown scenario 'nope'"),
    (["--date", "2025-13-45"], "bad date '2025-13-45'"),
    (["--tiles", "google"], "Invalid value for '--tiles'"),
])
def test_cli_map_bad_input(run_qjnet, data_dir, tmp_path, args, message):
    out = tmp_path / "m.html"
    r = run_qjnet("map", "--data", data_dir / "mini", "--output", out, *args)
    assert r.returncode == 2
    assert message in r.stderr and "Traceback" not in r.stderr
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_cli_map_bad_output_folder_and_data(run_qjnet, data_dir, tmp_path):
    r = run_qjnet("map", "--data", data_dir / "mini", "--output", tmp_path / "no" / "m.html")
    assert r.returncode == 2 and "does not exist" in r.stderr and "Traceback" not in r.stderr
    r = run_qjnet("map", "--data", tmp_path / "nodata", "--output", tmp_path / "m.html")
    assert r.returncode == 2 and "dataset folder not found" in r.stderr
    assert not (tmp_path / "m.html").exists()


def test_embedded_network_map_is_small_enough():
    ds = load_dataset()
    m = maps.network_map(ds)
    size = len(maps.offline.render(m).encode("utf-8"))
    assert size < 1.5e6, f"network map is {size / 1e6:.2f} MB"
    assert sum(m.qjnet_layers.values()) == len(ds.nodes) + len(ds.services) + len(ds.links)


def test_gaode_tiles_move_every_geometry_to_gcj02(mini):
    from qjnet.geodata.crs import wgs84_to_gcj02

    wgs = maps.offline.render(maps.network_map(mini, tiles="none"))
    gcj = maps.offline.render(maps.network_map(mini, tiles="gaode"))
    lon, lat = wgs84_to_gcj02(106.55, 29.56)  # town_a
    assert "[29.56, 106.55]" in wgs and "[29.56, 106.55]" not in gcj
    assert f"[{round(lat, 6)}, {round(lon, 6)}]" in gcj
    # lines too: the HSR's first vertex (sta_a)
    lon, lat = wgs84_to_gcj02(106.66, 29.5)
    assert f"[{round(lat, 6)}, {round(lon, 6)}]" in gcj and "[29.5, 106.66]" not in gcj
    assert maps.offline.remote_references(gcj) == [
        "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}"]
