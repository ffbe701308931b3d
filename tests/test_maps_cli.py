"""``--map FILE`` on the query commands (reach, route) through the CLI."""

from __future__ import annotations

import json


def test_reach_map_option_writes_an_offline_map_and_keeps_the_output(run_qjnet, data_dir, tmp_path):
    out = tmp_path / "reach.html"
    r = run_qjnet("reach", "town_a", "--data", data_dir / "mini", "--minutes", "180", "--date", "2025-07-01",
                  "--format", "json", "--map", out)
    assert r.returncode == 0, r.stderr
    payload = json.loads(r.stdout)
    assert payload["origin"] == "town_a" and payload["places"]
    page = out.read_text(encoding="utf-8")
    assert "Leaflet 1.9.3 (xstatic-leaflet)" in page and "cdn.jsdelivr.net" not in page
    for place in payload["places"][1:]:
        assert place["name_zh"] in page
    assert f"wrote map {out}" in r.stderr


def test_route_map_option_with_cdn_and_tiles(run_qjnet, data_dir, tmp_path):
    out = tmp_path / "route.html"
    r = run_qjnet("route", "town_a", "town_c", "--data", data_dir / "mini", "--date", "2025-07-01",
                  "--map", out, "--cdn", "--tiles", "osm")
    assert r.returncode == 0, r.stderr
    page = out.read_text(encoding="utf-8")
    assert "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js" in page
    assert "tile.openstreetmap.org" in page
    assert "甲区" in page and "丙区" in page


def test_map_option_bad_folder_fails_cleanly(run_qjnet, data_dir, tmp_path):
    r = run_qjnet("reach", "town_a", "--data", data_dir / "mini", "--map", tmp_path / "missing" / "r.html")
    assert r.returncode == 2
    assert "does not exist" in r.stderr and "Traceback" not in r.stderr
    assert r.stdout == ""  # nothing printed when the map cannot be written


def test_map_option_bad_tiles(run_qjnet, data_dir, tmp_path):
    r = run_qjnet("reach", "town_a", "--data", data_dir / "mini", "--map", tmp_path / "r.html", "--tiles", "bing")
    assert r.returncode == 2 and "Invalid value for '--tiles'" in r.stderr
    assert list(tmp_path.iterdir()) == []


def test_no_map_option_writes_no_map(run_qjnet, data_dir, tmp_path):
    r = run_qjnet("reach", "town_a", "--data", data_dir / "mini", "--tiles", "osm")
    assert r.returncode == 0, r.stderr
    assert "wrote map" not in r.stderr and list(tmp_path.iterdir()) == []


def test_compare_and_circle_map_options(run_qjnet, data_dir, tmp_path):
    out = tmp_path / "compare.html"
    r = run_qjnet("compare", "town_a", "--data", data_dir / "mini", "--before", "2025-06-26", "--after",
                  "2025-07-01", "--map", out)
    assert r.returncode == 0, r.stderr
    page = out.read_text(encoding="utf-8")
    assert "Leaflet 1.9.3 (xstatic-leaflet)" in page and "丙区 Town C · 2025-06-26" in page
    out = tmp_path / "circle.html"
    r = run_qjnet("circle", "town_a", "--data", data_dir / "mini", "--date", "2025-07-01", "--map", out,
                  "--tiles", "gaode")
    assert r.returncode == 0, r.stderr
    page = out.read_text(encoding="utf-8")
    assert "autonavi.com" in page and "丙区 Town C" in page
