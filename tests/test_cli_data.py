"""CLI: qjnet places / validate / export, bad input through the CLI, start-up time."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_validate import BAD  # the bad fixtures and where their first problem is

from qjnet.cli import cli
from qjnet.geodata.io import default_dataset_path

DATA = Path(__file__).resolve().parent / "data"
MINI = str(DATA / "mini")
EMBEDDED = (default_dataset_path() / "nodes.geojson").exists()


def run(*args):
    result = CliRunner().invoke(cli, [str(a) for a in args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception  # a traceback would have reached the user
    return result


def one_error_line(result) -> str:
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("qjnet: error: ")
    return lines[0]


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_dataset_is_one_line_exit_2(name, tmp_path):
    file, record, field, words = BAD[name]
    out = tmp_path / "places.json"
    result = run("places", "--data", DATA / name, "--format", "json", "--output", out)
    assert result.exit_code == 2
    line = one_error_line(result)
    assert file in line and words in line
    if record is not None:
        assert f"record {record!r}" in line and f"field {field!r}" in line
    assert result.stdout == ""
    assert list(tmp_path.iterdir()) == []  # no partial output file


@pytest.mark.parametrize("name", sorted(BAD))
def test_validate_lists_the_problem_and_exits_2(name):
    file, record, field, words = BAD[name]
    result = run("validate", DATA / name)
    assert result.exit_code == 2
    lines = result.stdout.splitlines()
    where = "" if record is None else f"record {record!r}" + (f", field {field!r}" if field else "")
    assert any(file in s and words in s and where in s for s in lines[:-1])
    assert "problem" in lines[-1]


def test_validate_full_report_one_problem_per_line():
    result = run("validate", DATA / "invalid_many_problems")
    assert result.exit_code == 2
    lines = result.stdout.splitlines()
    assert len(lines) == 9 and lines[-1].endswith("8 problems (8 nodes, 3 services, 7 links, 3 scenarios)")
    as_json = json.loads(run("validate", DATA / "invalid_many_problems", "--format", "json").stdout)
    assert as_json["ok"] is False and len(as_json["problems"]) == 8
    assert as_json["problems"][0]["record"] == "town_c"


def test_validate_ok_exits_0():
    result = run("validate", MINI)
    assert result.exit_code == 0
    assert result.stdout.strip().endswith("OK (8 nodes, 3 services, 7 links, 3 scenarios); no problems")


def test_validate_missing_folder():
    result = run("validate", DATA / "nope")
    assert result.exit_code == 2
    assert "dataset folder not found" in one_error_line(result)


def test_places_json_lists_nodes_with_coordinates_and_sources():
    result = run("places", "--data", MINI, "--kind", "hsr_station", "--format", "json")
    assert result.exit_code == 0
    nodes = json.loads(result.stdout)
    assert [n["id"] for n in nodes] == ["sta_a", "sta_b", "sta_c"]
    assert nodes[0]["lon"] == 106.66 and nodes[0]["lat"] == 29.5
    assert all(n["source"] and n["coord_quality"] and n["kind"] == "hsr_station" for n in nodes)


def test_places_table_csv_geojson(tmp_path):
    table = run("places", "--data", MINI).stdout.splitlines()
    assert table[0] == f"# dataset: {MINI}"
    header = next(line for line in table if line.startswith("id"))
    assert header.split() == ["id", "name_zh", "name_en", "kind", "lon", "lat", "coord_quality"]
    assert any(line.startswith("sta_c") and "108.7900" in line for line in table)
    csv_text = run("places", "--data", MINI, "-k", "place", "-f", "csv").stdout
    assert "id,name_zh,name_en,kind,lon,lat" in csv_text and csv_text.count("\ntown_") == 4
    out = tmp_path / "places.geojson"
    result = run("places", "--data", MINI, "-f", "geojson", "-o", out)
    assert result.exit_code == 0 and f"wrote {out}" in result.stderr
    fc = json.loads(out.read_text())
    assert len(fc["features"]) == 8 and fc["features"][0]["geometry"]["type"] == "Point"


def test_places_on_a_date_and_scenario():
    nodes = json.loads(run("places", "--data", MINI, "--date", "2025-07-01", "-f", "json").stdout)
    assert len(nodes) == 8
    result = run("places", "--data", MINI, "--scenario", "nope")
    assert result.exit_code == 2 and "known scenarios: before-hsr, plan, today" in one_error_line(result)
    result = run("places", "--data", MINI, "--date", "2025-13-01")
    assert result.exit_code == 2 and "--date: bad date '2025-13-01'" in one_error_line(result)


def test_places_unknown_kind_is_a_usage_error():
    result = run("places", "--data", MINI, "--kind", "town")
    assert result.exit_code == 2 and "'town' is not one of" in result.stderr


def test_export_gpkg_and_geojson_round_trip(tmp_path):
    gpkg = tmp_path / "mini.gpkg"
    result = run("export", "--data", MINI, "--format", "gpkg", "--output", gpkg)
    assert result.exit_code == 0, result.stderr
    assert run("validate", gpkg).exit_code == 0
    nodes = json.loads(run("places", "--data", gpkg, "-k", "hsr_station", "-f", "json").stdout)
    assert [n["id"] for n in nodes] == ["sta_a", "sta_b", "sta_c"]
    folder = tmp_path / "snapshot"
    result = run("export", "--data", MINI, "--date", "2025-06-26", "--format", "geojson", "--output", folder)
    assert result.exit_code == 0, result.stderr
    assert sorted(p.name for p in folder.iterdir()) == ["links.geojson", "nodes.geojson", "services.geojson"]
    assert run("validate", folder).exit_code == 0
    services = json.loads((folder / "services.geojson").read_text())
    assert [f["properties"]["id"] for f in services["features"]] == ["rail_cd"]  # HSR opened 2025-06-27
    assert services["qjnet"] == {"date": "2025-06-26", "scenario": None}


def test_export_refuses_bad_targets_without_writing(tmp_path):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "keep.txt").write_text("x")
    result = run("export", "--data", MINI, "-f", "geojson", "-o", tmp_path / "full")
    assert result.exit_code == 2 and "not an empty folder" in one_error_line(result)
    result = run("export", "--data", MINI, "-f", "gpkg", "-o", tmp_path / "no" / "x.gpkg")
    assert result.exit_code == 2 and "does not exist" in one_error_line(result)
    result = run("export", "--data", DATA / "invalid_services_bad_days", "-f", "gpkg", "-o", tmp_path / "x.gpkg")
    assert result.exit_code == 2 and "record 'rail_cd', field 'days'" in one_error_line(result)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["full"]
    assert sorted(p.name for p in (tmp_path / "full").iterdir()) == ["keep.txt"]


def test_bad_fixture_in_a_real_process_has_no_traceback(run_qjnet_process, tmp_path):
    proc = run_qjnet_process("places", "--data", DATA / "invalid_nodes_duplicate_id", "-o", tmp_path / "p.txt")
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert "record 'town_b', field 'id': duplicate id" in proc.stderr
    assert not (tmp_path / "p.txt").exists()


def test_cli_import_is_light():
    code = ("import sys; import qjnet.cli, qjnet.cli._data; "
            "heavy = sorted(m for m in ('geopandas', 'pandas', 'shapely', 'pyogrio', 'folium', 'networkx', 'scipy') "
            "if m in sys.modules); print(','.join(heavy))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          cwd=Path(__file__).parent.parent)
    assert proc.stdout.strip() == ""  # geopandas & co. load only inside a command


def test_help_in_a_real_process_lists_every_command(run_qjnet_process):
    from qjnet.cli import COMMANDS

    proc = run_qjnet_process("--help")
    assert proc.returncode == 0 and proc.stderr == ""
    assert all(name in proc.stdout for name in COMMANDS)


@pytest.mark.skipif(not EMBEDDED, reason="embedded dataset not built yet")
def test_embedded_hsr_stations_with_coordinates_and_sources():
    result = run("places", "--kind", "hsr_station", "--format", "json")
    assert result.exit_code == 0
    nodes = {n["id"]: n for n in json.loads(result.stdout)}
    # the Chongqing East - Qianjiang section, in running order (shared/region/lines.csv)
    line = ["cq_east", "banan_hsr", "nanchuan_n", "shuijiang_w", "wulong_s", "pengshui_w", "qianjiang"]
    assert set(line) <= set(nodes)
    assert nodes["cq_east"]["name_zh"] == "重庆东站" and nodes["qianjiang"]["name_zh"] == "黔江站"
    assert nodes["qianjiang"]["lon"] - nodes["cq_east"]["lon"] > 2  # Qianjiang lies ~2 degrees east
    for i in line:
        assert 106 < nodes[i]["lon"] < 109.5 and 28.5 < nodes[i]["lat"] < 30
    for n in nodes.values():
        assert n["source"] and n["coord_quality"] in ("surveyed", "estimate")


@pytest.mark.skipif(not EMBEDDED, reason="embedded dataset not built yet")
def test_embedded_dataset_validates():
    result = run("validate")
    assert result.exit_code == 0, result.stdout
