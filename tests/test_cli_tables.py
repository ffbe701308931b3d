"""Tables for people: CSV files that spreadsheets and pandas open as they are, metadata beside them."""

from __future__ import annotations

import json

import pandas as pd

DAY = "2025-07-03"
BOM = b"\xef\xbb\xbf"


def test_csv_file_has_a_bom_no_comments_and_a_sidecar(run_qjnet, tmp_path):
    p = run_qjnet("reach", "黔江", "--minutes", "60", "--date", DAY, "-o", "r.csv")
    assert p.returncode == 0, p.stderr
    raw = (tmp_path / "r.csv").read_bytes()
    assert raw.startswith(BOM) and b"\n#" not in raw and not raw[3:].startswith(b"#")
    table = pd.read_csv(tmp_path / "r.csv")
    assert list(table.columns) == ["id", "name_zh", "name_en", "kind", "minutes", "mode", "range", "published_share"]
    assert "黔江区" in set(table["name_zh"]) and table["minutes"].is_monotonic_increasing
    meta = json.loads((tmp_path / "r.csv.json").read_text(encoding="utf-8"))
    assert meta["date"] == DAY and meta["origin"] == "qianjiang_dist" and meta["minutes"] == 60
    assert meta["measure"] == "expected"
    assert sorted(x.name for x in tmp_path.iterdir()) == ["r.csv", "r.csv.json"]


def test_csv_file_without_sidecar_when_refused(run_qjnet, tmp_path):
    p = run_qjnet("reach", "黔江", "--minutes", "60", "--date", DAY, "-o", "r.csv", "--no-meta")
    assert p.returncode == 0, p.stderr
    assert [x.name for x in tmp_path.iterdir()] == ["r.csv"]
    assert (tmp_path / "r.csv").read_bytes().startswith(BOM + b"id,name_zh")


def test_csv_on_standard_output_has_metadata_only_with_meta(run_qjnet, tmp_path):
    plain = run_qjnet("reach", "黔江", "--minutes", "60", "--date", DAY, "-f", "csv")
    assert plain.returncode == 0, plain.stderr
    assert plain.stdout.startswith("id,name_zh,") and "#" not in plain.stdout
    with_meta = run_qjnet("reach", "黔江", "--minutes", "60", "--date", DAY, "-f", "csv", "--meta")
    lines = with_meta.stdout.splitlines()
    assert lines[0] == f"# date: {DAY}" and "# measure: expected" in lines
    assert with_meta.stdout.endswith(plain.stdout)
    assert list(tmp_path.iterdir()) == []


def test_table_metadata_lines_stay_unless_no_meta(run_qjnet):
    p = run_qjnet("reach", "黔江", "--minutes", "60", "--date", DAY)
    assert p.stdout.startswith(f"# date: {DAY}\n")
    p = run_qjnet("reach", "黔江", "--minutes", "60", "--date", DAY, "--no-meta")
    assert p.stdout.split("\n", 1)[0].split() == ["id", "name_zh", "name_en", "kind", "minutes", "mode", "range",
                                                  "published_share"]


def test_sidecar_target_that_is_not_a_file_is_refused_before_writing(run_qjnet, tmp_path):
    (tmp_path / "r.csv.json").mkdir()
    p = run_qjnet("reach", "黔江", "--minutes", "60", "--date", DAY, "-o", "r.csv")
    assert p.returncode == 2 and "r.csv.json" in p.stderr and len(p.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "r.csv").exists()


def test_lang_zh_translates_headers_and_mode_names_of_tables_and_csv(run_qjnet):
    args = ("route", "重庆东站", "黔江站", "--date", DAY)
    en = run_qjnet(*args, "-f", "csv").stdout.splitlines()
    zh = run_qjnet(*args, "-f", "csv", "--lang", "zh").stdout.splitlines()
    assert en[0].split(",")[:3] == ["mode", "service", "from"] and zh[0].split(",")[:3] == ["方式", "service", "起点"]
    assert "hsr" in {line.split(",")[0] for line in en[1:]} and "高铁" in {line.split(",")[0] for line in zh[1:]}
    assert len(en) == len(zh)
    table = run_qjnet(*args, "--lang", "zh", "--no-meta").stdout.splitlines()
    assert table[0].split()[:2] == ["方式", "service"] and table[2].split()[0] in {"高铁", "接驳"}


def test_lang_leaves_json_and_geojson_keys_english(run_qjnet):
    args = ("route", "重庆东站", "黔江站", "--date", DAY, "--lang", "zh")
    d = json.loads(run_qjnet(*args, "-f", "json").stdout)
    assert {leg["mode"] for leg in d["legs"]} <= {"hsr", "rail", "access", "road", "expressway", "air", "ga"}
    g = json.loads(run_qjnet(*args, "-f", "geojson").stdout)
    assert "mode" in g["features"][0]["properties"]


def test_every_command_with_output_options_takes_lang_and_meta(run_qjnet):
    from qjnet.cli import COMMANDS

    for name in ("places", "reach", "route", "circle", "access", "compare", "freight", "catchment", "services"):
        assert name in COMMANDS
        p = run_qjnet(name, "--help")
        assert "--lang [en|zh]" in p.stdout and "--meta / --no-meta" in p.stdout, name
    p = run_qjnet("places", "--kind", "airport", "--date", DAY, "--lang", "zh", "--no-meta")
    assert p.stdout.split()[:4] == ["编号", "中文名", "英文名", "类型"]
    assert run_qjnet("places", "--lang", "fr").returncode == 2


def test_translation_table_names_every_mode():
    from qjnet.cli._i18n import MODES_ZH, translate_mode, translate_rows

    assert {"hsr", "rail", "air", "ga", "expressway", "road", "access"} <= set(MODES_ZH)
    assert translate_mode(["hsr", "unknown"], "zh") == ["高铁", "unknown"]
    assert translate_rows(["minutes", "odd"], [], "zh") == (["分钟", "odd"], [])


def test_reach_polygons_gpkg_for_gis(run_qjnet, tmp_path):
    import geopandas as gpd

    p = run_qjnet("reach", "黔江", "--minutes", "120", "--polygons", "bands.gpkg", "--date", DAY)
    assert p.returncode == 0, p.stderr
    assert "wrote bands.gpkg" in p.stderr and p.stdout.startswith(f"# date: {DAY}")
    bands = gpd.read_file(tmp_path / "bands.gpkg")
    assert list(bands["minutes"]) == [60.0, 120.0]
    assert set(bands.geom_type) <= {"Polygon", "MultiPolygon"} and bands.crs.to_epsg() == 4326
    assert set(bands["origin"]) == {"qianjiang_dist"} and set(bands["date"]) == {DAY}
    assert set(bands["measure"]) == {"expected"}
    assert bands.geometry.iloc[1].buffer(1e-6).contains(bands.geometry.iloc[0])  # nested bands
    assert bands.geometry.iloc[0].contains(gpd.points_from_xy([108.77], [29.53])[0])  # Qianjiang's centre


def test_reach_polygons_geojson_with_measure(run_qjnet, tmp_path):
    p = run_qjnet("reach", "黔江", "--minutes", "90", "--polygons", "bands.geojson", "--date", DAY,
                  "--window", "07:00-09:00", "-f", "json")
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["origin"] == "qianjiang_dist"
    g = json.loads((tmp_path / "bands.geojson").read_text(encoding="utf-8"))
    props = [f["properties"] for f in g["features"]]
    assert [x["minutes"] for x in props] == [60.0, 90.0] and {x["measure"] for x in props} == {"percentile"}
    assert {f["geometry"]["type"] for f in g["features"]} <= {"Polygon", "MultiPolygon"}
    assert g["qjnet"]["window"] == "07:00-09:00" and g["qjnet"]["date"] == DAY


def test_reach_polygons_refuses_other_names_before_any_work(run_qjnet, tmp_path):
    for name in ("bands.shp", "bands", ""):
        p = run_qjnet("reach", "黔江", "--polygons", name, "--date", DAY)
        assert p.returncode == 2 and "--polygons" in p.stderr and len(p.stderr.strip().splitlines()) == 1
    (tmp_path / "d.gpkg").mkdir()
    p = run_qjnet("reach", "黔江", "--polygons", "d.gpkg", "--date", DAY)
    assert p.returncode == 2 and "d.gpkg is a folder" in p.stderr
    assert [x.name for x in tmp_path.iterdir()] == ["d.gpkg"]
