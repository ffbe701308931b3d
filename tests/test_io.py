import datetime as dt
import json
from dataclasses import replace
from pathlib import Path

import pytest

from qjnet.geodata.errors import DataError, OptionError, ScenarioError
from qjnet.geodata.formats import read_dataset, read_layer, write_dataset, write_layer
from qjnet.geodata.io import load_dataset, parse_date


def test_mini_loads_with_every_layer(data_dir):
    ds = load_dataset(data_dir / "mini")
    assert {"town_a", "sta_c"} <= set(ds.nodes.index)
    assert ds.nodes.crs.to_epsg() == 4326
    assert ds.links.loc["road_ab", "minutes"] == pytest.approx(150 * 1.25 / 80 * 60)


def test_date_selects_what_exists(data_dir):
    before = load_dataset(data_dir / "mini", date="2025-06-26")
    after = load_dataset(data_dir / "mini", date="2025-06-27")
    assert "hsr_ac" not in before.services.index
    assert "hsr_ac" in after.services.index
    assert "hsr_cd_plan" not in after.services.index
    assert after.date == dt.date(2025, 6, 27)


def test_scenario_adds_and_modifies(data_dir):
    ds = load_dataset(data_dir / "mini", scenario="plan")
    assert "hsr_cd_plan" in ds.services.index
    assert ds.services.loc["hsr_ac", "headway_min"] == 30
    assert ds.scenario == "plan" and ds.date == dt.date(2035, 1, 1)


def test_unknown_scenario_lists_known(data_dir):
    with pytest.raises(ScenarioError, match="known scenarios: before-hsr, plan, today"):
        load_dataset(data_dir / "mini", scenario="nope")


def test_partial_dates_mean_first_day():
    assert parse_date("2022-09") == dt.date(2022, 9, 1)
    assert parse_date("2024") == dt.date(2024, 1, 1)
    with pytest.raises(OptionError, match="YYYY-MM-DD"):
        parse_date("27/06/2025")
    with pytest.raises(DataError, match="f.geojson, record 'x', field 'opened'"):
        parse_date("soon", file="f.geojson", record="x", field_name="opened")


# ---------------------------------------------------------------- formats: layers and datasets


def _same_layer(a, b):
    assert list(a.index) == list(b.index)
    for col in ("stops", "minutes", "time_source", "days", "name_zh", "status"):
        if col in a.columns:
            assert list(a[col]) == list(b[col]), col
    assert all(x.equals_exact(y, 1e-9) for x, y in zip(a.geometry, b.geometry, strict=False))


@pytest.mark.parametrize("suffix", [".geojson", ".gpkg", ".csv"])
@pytest.mark.parametrize("layer", ["nodes", "services", "links"])
def test_layer_round_trip(data_dir, tmp_path, suffix, layer):
    gdf = getattr(load_dataset(data_dir / "mini"), layer)
    before = gdf.copy()
    out = write_layer(gdf, tmp_path / f"{layer}{suffix}")
    back = read_layer(out, layer=layer if suffix == ".gpkg" else None)
    _same_layer(gdf, back)
    assert back.crs.to_epsg() == 4326
    assert gdf.equals(before)  # the input is not changed
    assert [p.name for p in tmp_path.iterdir()] == [out.name]  # no temporary file left


def test_csv_points_are_lon_lat_and_lists_json(data_dir, tmp_path):
    ds = load_dataset(data_dir / "mini")
    write_layer(ds.nodes, tmp_path / "n.csv")
    header = (tmp_path / "n.csv").read_text().splitlines()[0].split(",")
    assert header[-2:] == ["lon", "lat"]
    write_layer(ds.services, tmp_path / "s.csv")
    text = (tmp_path / "s.csv").read_text()
    assert '"[""sta_a"", ""sta_b"", ""sta_c""]"' in text and "LINESTRING" in text


def test_unknown_suffix_and_missing_folder(data_dir, tmp_path):
    nodes = load_dataset(data_dir / "mini").nodes
    with pytest.raises(OptionError, match="cannot tell the format"):
        write_layer(nodes, tmp_path / "n.shp")
    with pytest.raises(OptionError, match="does not exist"):
        write_layer(nodes, tmp_path / "missing" / "n.geojson")
    with pytest.raises(DataError, match="file not found"):
        read_layer(tmp_path / "none.csv")


@pytest.mark.parametrize("fmt, name", [("gpkg", "mini.gpkg"), ("geojson", "mini_folder")])
def test_dataset_round_trip_keeps_scenarios(data_dir, tmp_path, fmt, name):
    ds = load_dataset(data_dir / "mini")
    out = write_dataset(ds, tmp_path / name, format=fmt)
    back = load_dataset(out)
    for layer in ("nodes", "services", "links"):
        _same_layer(getattr(ds, layer), getattr(back, layer))
    assert back.scenarios == ds.scenarios
    planned = load_dataset(out, scenario="plan")
    assert "hsr_cd_plan" in planned.services.index and planned.services.loc["hsr_ac", "headway_min"] == 30


def test_dataset_snapshot_drops_scenarios_and_records_selection(data_dir, tmp_path):
    ds = load_dataset(data_dir / "mini", date="2025-07-01")
    out = write_dataset(ds, tmp_path / "snap")
    assert not (out / "scenarios.json").exists()
    meta = json.loads((out / "nodes.geojson").read_text())["qjnet"]
    assert meta == {"date": "2025-07-01", "scenario": None}
    assert list(read_dataset(out).services.index) == list(ds.services.index)


def test_failed_dataset_write_leaves_nothing(data_dir, tmp_path, monkeypatch):
    from qjnet.geodata import formats

    ds = load_dataset(data_dir / "mini")

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(formats, "_write_gpkg_table", boom)
    with pytest.raises(OSError):
        write_dataset(ds, tmp_path / "x.gpkg", format="gpkg")
    monkeypatch.setattr(Path, "write_text", boom)
    with pytest.raises(OSError):
        write_dataset(ds, tmp_path / "folder", format="geojson")
    assert list(tmp_path.iterdir()) == []


def test_gpkg_without_tables_is_a_data_error(tmp_path, data_dir):
    nodes = load_dataset(data_dir / "mini").nodes
    write_layer(nodes, tmp_path / "only.gpkg", layer="nodes")
    with pytest.raises(DataError, match="missing table"):
        load_dataset(tmp_path / "only.gpkg")


def test_problems_in_a_geopackage_name_its_table(data_dir, tmp_path):
    from qjnet.geodata.validate import validate_dataset

    ds = read_dataset(data_dir / "mini")
    services = ds.services.copy()
    services.at["rail_cd", "mode"] = "train"
    out = write_dataset(replace(ds, services=services), tmp_path / "bad.gpkg", format="gpkg")
    problems = validate_dataset(out).problems
    expected = (f"{out} (table services), record 'rail_cd', field 'mode': unknown mode 'train'; "
                "use one of hsr, rail, air, ga, freight_rail")
    assert [str(p) for p in problems] == [expected]
    with pytest.raises(DataError, match=r"bad.gpkg \(table services\), record 'rail_cd'"):
        load_dataset(out)


@pytest.mark.parametrize("fmt, name", [("gpkg", "x.gpkg"), ("geojson", "x")])
def test_other_json_files_travel_with_the_dataset(data_dir, tmp_path, fmt, name):
    ds = replace(load_dataset(data_dir / "mini"), extras={"freight": {"teu_per_train": 50, "note": "黔江"}})
    back = read_dataset(write_dataset(ds, tmp_path / name, format=fmt))
    assert back.extras == {"freight": {"teu_per_train": 50, "note": "黔江"}}


# --------------------------------------------------------------------------- write_dataset picks the format


def test_write_dataset_takes_the_format_from_the_suffix(data_dir, tmp_path):
    import pyogrio

    ds = load_dataset(data_dir / "mini")
    gpkg = write_dataset(ds, tmp_path / "x.gpkg")
    assert gpkg.is_file() and {"nodes", "services", "links", "scenarios"} <= {n for n, _ in pyogrio.list_layers(gpkg)}
    folder = write_dataset(ds, tmp_path / "folder")
    assert folder.is_dir() and (folder / "nodes.geojson").is_file()
    for out in (gpkg, folder):
        assert list(load_dataset(out).services.index) == list(ds.services.index)


@pytest.mark.parametrize("name, kwargs, words", [
    ("x.zip", {}, "cannot tell the dataset format from the suffix '.zip'"),
    ("x.geojson", {}, "cannot tell the dataset format from the suffix '.geojson'"),
    ("x.gpkg", {"format": "geojson"}, "a .gpkg name for a GeoJSON folder"),
    ("x", {"format": "shp"}, "unknown dataset format 'shp'"),
])
def test_write_dataset_refuses_a_bad_suffix_in_one_line(data_dir, tmp_path, name, kwargs, words):
    ds = load_dataset(data_dir / "mini")
    with pytest.raises(OptionError, match=words) as err:
        write_dataset(ds, tmp_path / name, **kwargs)
    assert "\n" not in str(err.value)
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------- one reader, one date parser


def test_read_layer_geojson_names_file_record_and_field(tmp_path):
    path = tmp_path / "n.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"id": "x"}, "geometry": {"type": "Point", "coordinates": [1]}}]}))
    with pytest.raises(DataError, match=r"n.geojson, record 'x', field 'geometry': bad geometry"):
        read_layer(path)


def test_gpkg_and_folder_read_the_same(data_dir, tmp_path):
    ds = read_dataset(data_dir / "mini")
    back = read_dataset(write_dataset(ds, tmp_path / "mini.gpkg"))
    for layer in ("nodes", "services"):  # links: null minutes are NaN in both, and NaN != NaN
        _same_layer(getattr(ds, layer), getattr(back, layer))
    assert back.scenarios == ds.scenarios


def test_one_date_parser_everywhere():
    from qjnet.geodata import _util, io, select

    assert io.parse_date is select.parse_date is _util.parse_date
    assert parse_date(dt.date(2025, 6, 27)) == dt.date(2025, 6, 27)
    assert parse_date(float("nan")) is None and parse_date("") is None
    with pytest.raises(OptionError, match="bad date 2024"):
        parse_date(2024)  # a number is not a date, in a dataset or an option


def test_io_keeps_its_re_exports():
    from qjnet.geodata import dataset, io, select

    assert io.apply_selection is select.apply_selection
    assert io.Dataset is dataset.Dataset and io.default_dataset_path is dataset.default_dataset_path
    assert callable(io.load_dataset) and callable(io.read_layers)


def test_shared_helpers():
    import numpy as np
    import pandas as pd

    from qjnet.geodata._util import haversine_km, is_null, to_plain

    assert [is_null(v) for v in (None, float("nan"), pd.NA, pd.NaT, 0, "", [])] == [True] * 4 + [False] * 3
    assert to_plain({"a": [np.int64(2), np.float64(1.5), np.float64(3.0), pd.NA], "d": dt.date(2025, 6, 27)}) == \
        {"a": [2, 1.5, 3, None], "d": "2025-06-27"}
    assert haversine_km(108.77, 29.53, 108.77, 29.53) == 0
    assert haversine_km(0, 0, 0, 1) == pytest.approx(111.195, abs=0.01)


# --------------------------------------------------------------------------- bounded reading


def _mini_copy(data_dir, tmp_path) -> Path:
    import shutil

    folder = tmp_path / "ds"
    shutil.copytree(data_dir / "mini", folder)
    return folder


@pytest.mark.parametrize("layer", ["nodes.geojson", "scenarios.json"])
def test_a_link_to_dev_zero_is_refused_at_once(data_dir, tmp_path, layer):
    import os

    folder = _mini_copy(data_dir, tmp_path)
    (folder / layer).unlink()
    os.symlink("/dev/zero", folder / layer)
    with pytest.raises(DataError, match=rf"{layer}: is a character device, not a regular file") as err:
        load_dataset(folder)
    assert "\n" not in str(err.value)


def test_a_fifo_is_refused_without_blocking(data_dir, tmp_path):
    import os

    folder = _mini_copy(data_dir, tmp_path)
    (folder / "links.geojson").unlink()
    os.mkfifo(folder / "links.geojson")
    os.mkfifo(folder / "extra.json")  # another JSON file of the folder is read by the same reader
    with pytest.raises(DataError, match="links.geojson: is a FIFO, not a regular file"):
        load_dataset(folder)
    from qjnet.geodata.validate import validate_dataset

    lines = validate_dataset(folder).lines()
    assert any("extra.json: is a FIFO" in line for line in lines)


def test_a_folder_in_place_of_a_layer_is_refused(data_dir, tmp_path):
    folder = _mini_copy(data_dir, tmp_path)
    (folder / "services.geojson").unlink()
    (folder / "services.geojson").mkdir()
    with pytest.raises(DataError, match="services.geojson: is a folder, not a regular file"):
        load_dataset(folder)


def test_a_file_over_the_cap_is_refused_naming_file_and_cap(data_dir, tmp_path, monkeypatch):
    import qjnet.geodata._raw as raw

    folder = _mini_copy(data_dir, tmp_path)
    monkeypatch.setattr(raw, "MAX_FILE_BYTES", 1000)
    size = (folder / "nodes.geojson").stat().st_size
    with pytest.raises(DataError, match=rf"nodes.geojson: is {size:,} bytes, over the cap of 1,000 bytes"):
        load_dataset(folder)
    with pytest.raises(DataError, match="over the cap of 1,000 bytes"):
        raw.read_bounded(folder / "nodes.geojson")


def test_the_cap_is_200_mb():
    import qjnet.geodata._raw as raw

    assert raw.MAX_FILE_BYTES == 200 * 1024 * 1024


def test_a_geopackage_that_is_a_device_is_refused(tmp_path):
    import os

    os.symlink("/dev/zero", tmp_path / "x.gpkg")
    with pytest.raises(DataError, match="x.gpkg: is a character device"):
        load_dataset(tmp_path / "x.gpkg")


@pytest.mark.parametrize("text, words", [
    ("[" * 100_000, "nested too deeply"),
    ('{"type": "FeatureCollection", "features": [], "n": ' + "9" * 5000 + "}", "not usable JSON"),
])
def test_pathological_json_is_one_problem(data_dir, tmp_path, text, words):
    folder = _mini_copy(data_dir, tmp_path)
    (folder / "nodes.geojson").write_text(text)
    with pytest.raises(DataError, match=words):
        load_dataset(folder)
