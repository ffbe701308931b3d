"""Maps take objects and read no files: the basemap and leg courses come from the Dataset passed in.

A dataset loaded from a GeoPackage draws the same map as the embedded folder;
with no dataset a map has no basemap; a path where a Dataset belongs is refused.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest
from mapdata import drawn_items

import qjnet.maps as maps
from qjnet.maps.offline import render

MAPS_DIR = Path(maps.__file__).resolve().parent

#: calls that read files or datasets; none may appear in maps/
READERS = {"open", "read_file", "read_dataframe", "read_csv", "read_json", "read_parquet", "list_layers",
           "load_dataset", "read_layers", "read_dataset", "read_layer", "read_geojson_layer", "read_scenarios",
           "default_dataset_path"}
#: reading the packaged Leaflet/jQuery assets (to inline them) is the one file access a map page needs
ASSET_READERS = {"read_text", "read_bytes"}
#: the model's band computations: the caller runs them and passes the bands in
MODEL = {"isochrones", "compare_isochrones", "circle_isochrones", "default_bands", "matrix_wide", "matrix_long",
         "node_minutes", "shortest_times", "nearest_times", "build_graph"}
#: modules maps/ must not import: file formats and the model's isochrones (and no loader from geodata.io)
FORBIDDEN_MODULES = ("pyogrio", "fiona", "geodata.formats", "network.isochrones", "network.matrix", "network.csr")


def _called_names(tree: ast.AST) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            names.add(func.id if isinstance(func, ast.Name) else getattr(func, "attr", ""))
    return names


def _imported(tree: ast.AST) -> set[str]:
    """Modules imported at run time (imports under ``if TYPE_CHECKING:`` only name types)."""
    type_only = {id(n) for block in ast.walk(tree) if isinstance(block, ast.If)
                 and isinstance(block.test, ast.Name) and block.test.id == "TYPE_CHECKING"
                 for stmt in block.body for n in ast.walk(stmt)}
    out = set()
    for node in ast.walk(tree):
        if id(node) in type_only:
            continue
        if isinstance(node, ast.Import):
            out |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            out.add(node.module or "")
            out |= {f"{node.module}.{alias.name}" for alias in node.names}
    return out


def _modules() -> list[Path]:
    return sorted(p for p in MAPS_DIR.glob("*.py") if p.name != "freight.py")


@pytest.mark.parametrize("path", _modules(), ids=lambda p: p.name)
def test_maps_modules_read_no_files_and_compute_no_isochrones(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    allowed = ASSET_READERS if path.name == "offline.py" else set()
    assert _called_names(tree) & (READERS | ASSET_READERS) - allowed == set()
    bad = {m for m in _imported(tree) if any(m == f or m.startswith(f"{f}.") for f in FORBIDDEN_MODULES)}
    bad |= {m for m in _imported(tree) if m.split(".")[-1] in READERS | MODEL}
    assert bad == set(), f"{path.name} imports {sorted(bad)}"
    assert _called_names(tree) & MODEL == set()


def test_the_check_finds_file_reading():
    tree = ast.parse("from ..geodata.io import load_dataset\nimport pyogrio\n"
                     "def f(p):\n    return open(p).read() + load_dataset(p)\n")
    assert {"open", "load_dataset"} <= _called_names(tree)
    assert {"geodata.io.load_dataset", "pyogrio"} <= _imported(tree)


@pytest.mark.parametrize("bad", ["/some/dataset", Path("/some/dataset"), "qianjiang"])
def test_a_path_or_name_is_refused(bad):
    from test_maps_results import graph, itinerary

    with pytest.raises(TypeError, match="Dataset object, not the path or name"):
        maps.route_map(itinerary(), graph(), dataset=bad)


def test_bands_must_be_computed_first():
    from test_maps_results import reach_gdf

    with pytest.raises(TypeError, match=r"network\.isochrones\.isochrones"):
        maps.reach_map(reach_gdf(), bands=(60, 120), minutes=120)


def test_without_a_dataset_there_is_no_basemap_and_bands_only_when_given():
    from test_maps_results import graph, itinerary, reach_gdf

    from qjnet.geodata.io import load_dataset

    assert _geojson_layers(render(maps.route_map(itinerary(), graph()))) == []
    m = maps.reach_map(reach_gdf(), minutes=180)
    assert not [k for k in m.qjnet_layers if k.startswith("≤")]
    assert "Bands:" not in render(m)
    counties = _geojson_layers(render(maps.route_map(itinerary(), graph(), dataset=load_dataset())))
    assert len(counties) == 1 and {f["properties"]["name"] for f in counties[0]["features"]} >= {"黔江区 Qianjiang District"}


# -- the regression: a GeoPackage dataset draws the same route map as the embedded folder ---------------

def _geojson_layers(page: str) -> list:
    decoder = json.JSONDecoder()
    return [decoder.raw_decode(page, m.end())[0] for m in re.finditer(r"geo_json_[0-9a-f]+_add\(", page)]


def _polylines(page: str) -> list:
    return [[item["g"]] for item in drawn_items(page) if item["k"] == "l"]


def _route_map(run_qjnet, tmp_path, name, *data):
    out = tmp_path / f"{name}.html"
    r = run_qjnet("route", "重庆东站", "黔江站", "--date", "2025-07-02", *data, "--map", out)
    assert r.returncode == 0, r.stderr
    return out.read_text(encoding="utf-8")


def test_route_map_from_a_geopackage_matches_the_embedded_dataset(run_qjnet, tmp_path):
    gpkg = tmp_path / "x.gpkg"
    r = run_qjnet("export", "--format", "gpkg", "--output", gpkg)
    assert r.returncode == 0, r.stderr
    embedded = _route_map(run_qjnet, tmp_path, "embedded")
    packaged = _route_map(run_qjnet, tmp_path, "gpkg", "--data", gpkg)

    counties = _geojson_layers(embedded)
    assert len(counties) == 1 and len(counties[0]["features"]) > 20  # the county basemap is drawn
    assert _geojson_layers(packaged) == counties

    legs = _polylines(embedded)
    assert legs and _polylines(packaged) == legs
    assert [len(part) for leg in _polylines(packaged) for part in leg] == [len(part) for leg in legs for part in leg]


def test_route_geojson_legs_follow_the_dataset_courses(run_qjnet, tmp_path, data_dir):
    r = run_qjnet("route", "cq_east", "pengshui_w", "--date", "2025-07-01", "-f", "geojson")
    assert r.returncode == 0, r.stderr
    legs = json.loads(r.stdout)["features"]
    assert [f["properties"]["service"] for f in legs] == ["yuxia_all"]
    assert len(legs[0]["geometry"]["coordinates"]) == 6  # through Banan, Nanchuan, Shuijiang and Wulong


def test_map_rows_read_like_iterrows_rows():
    """The drawers' rows give what an iterrows row gives: get, item, attribute and label."""
    import geopandas as gpd
    import pandas as pd
    from shapely.geometry import Point

    from qjnet.maps.base import rows

    frame = gpd.GeoDataFrame({"name_zh": ["黔江", None], "population": [487281, None], "minutes": [0.0, 61.5]},
                             geometry=[Point(108.77, 29.53), Point(108.1, 29.2)], index=["qianjiang", "x"])
    got = list(rows(frame))
    want = list(frame.iterrows())
    assert [label for label, _ in got] == [label for label, _ in want] == ["qianjiang", "x"]
    for (_, row), (_, series) in zip(got, want, strict=True):
        assert row.name == series.name and row.geometry.equals(series.geometry)
        assert row.get("minutes") == series.get("minutes") and row.get("absent") is None
        same = row["name_zh"] == series["name_zh"] or (pd.isna(row["name_zh"]) and pd.isna(series["name_zh"]))
        assert same and type(row["name_zh"]) is type(series["name_zh"])
    assert not hasattr(got[0][1], "absent")  # a missing column is an AttributeError, as on a Series
