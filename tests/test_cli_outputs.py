"""Output targets, formats by suffix, interruptions and bounds: each one line and exit 2 (130 when interrupted)."""

from __future__ import annotations

import json
import os

import pytest


def _one_line_error(p, *words):
    assert p.returncode == 2, (p.stdout, p.stderr)
    assert p.stderr.count("\n") == 1 and "Traceback" not in p.stderr, p.stderr
    for w in words:
        assert w in p.stderr, p.stderr


@pytest.mark.parametrize(("name", "check"), [
    ("r.csv", lambda t: t.splitlines()[-1].count(",") >= 4 and "id,name_zh" in t),
    ("r.json", lambda t: json.loads(t)["origin"] == "qianjiang_dist"),
    ("r.geojson", lambda t: json.loads(t)["type"] == "FeatureCollection"),
    ("r.txt", lambda t: "name_zh" in t and "------" in t),
])
def test_the_output_suffix_sets_the_format(run_qjnet, tmp_path, name, check):
    p = run_qjnet("reach", "黔江", "--minutes", "60", "--date", "2025-07-02", "--output", tmp_path / name)
    assert p.returncode == 0, p.stderr
    assert check((tmp_path / name).read_text(encoding="utf-8"))


def test_a_format_that_contradicts_the_suffix_is_refused(run_qjnet, tmp_path):
    p = run_qjnet("reach", "黔江", "--date", "2025-07-02", "-f", "table", "-o", tmp_path / "r.csv")
    _one_line_error(p, "--format table does not match")
    assert not (tmp_path / "r.csv").exists()


def test_dash_is_standard_output(run_qjnet, tmp_path):
    p = run_qjnet("reach", "黔江", "--date", "2025-07-02", "-f", "json", "-o", "-")
    assert p.returncode == 0 and json.loads(p.stdout)["origin"] == "qianjiang_dist"
    assert not (tmp_path / "-").exists()


def test_empty_output_name(run_qjnet):
    _one_line_error(run_qjnet("reach", "黔江", "--date", "2025-07-02", "-o", ""), "--output is empty")


@pytest.mark.parametrize("kind", ["fifo", "symlink", "folder", "device"])
def test_what_is_not_a_regular_file_is_never_replaced(run_qjnet, tmp_path, kind):
    target = tmp_path / "out.csv"
    if kind == "fifo":
        os.mkfifo(target)
    elif kind == "symlink":
        (tmp_path / "real.csv").write_text("keep")
        target.symlink_to(tmp_path / "real.csv")
    elif kind == "folder":
        target.mkdir()
    else:
        target = "/dev/null"
    p = run_qjnet("reach", "黔江", "--date", "2025-07-02", "-o", target)
    _one_line_error(p, "is a directory" if kind == "folder" else "qjnet only creates files or replaces regular files")
    if kind == "symlink":
        assert os.path.islink(tmp_path / "out.csv") and (tmp_path / "real.csv").read_text() == "keep"
    if kind == "device":
        assert os.path.exists("/dev/null") and not os.path.isfile("/dev/null")


def test_export_format_follows_the_suffix(run_qjnet, tmp_path):
    assert run_qjnet("export", "--output", tmp_path / "q.gpkg").returncode == 0
    assert (tmp_path / "q.gpkg").is_file()
    _one_line_error(run_qjnet("export", "--format", "gpkg", "--output", tmp_path / "x.geojson"), "does not match")
    assert not (tmp_path / "x.geojson").exists()


def test_empty_date_is_not_today(run_qjnet):
    _one_line_error(run_qjnet("route", "黔江", "彭水", "--date", ""), "--date is empty")


def test_workers_are_bounded_by_the_cores(run_qjnet, tmp_path):
    p = run_qjnet("matrix", "--origins", "黔江", "--output", tmp_path / "m.csv", "--workers", "1000")
    _one_line_error(p, "--workers 1000", "cores")


def test_ctrl_c_is_one_line_and_exit_130(run_qjnet, monkeypatch, tmp_path):
    import sys

    reach_module = sys.modules["qjnet.network.reach"]  # `qjnet.network.reach` is the function

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(reach_module, "reach", interrupted)
    p = run_qjnet("reach", "黔江", "--date", "2025-07-02", "-o", tmp_path / "r.csv")
    assert p.returncode == 130 and p.stderr == "qjnet: interrupted; no output was written\n"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("args", [("map", "--output", "x.jpg"),
                                  ("reach", "黔江", "--date", "2025-07-02", "--map", "r.docx")])
def test_maps_are_html_png_svg_or_pdf_files(run_qjnet, tmp_path, args):
    p = run_qjnet(*args)
    _one_line_error(p, "name the map file .html (interactive) or .png, .svg or .pdf")
    assert list(tmp_path.iterdir()) == []


def test_map_command_reads_qjnet_data(run_qjnet, data_dir, tmp_path):
    p = run_qjnet("map", "--output", "m.html", env={"QJNET_DATA": str(data_dir / "mini")})
    assert p.returncode == 0, p.stderr
    assert "甲区" in (tmp_path / "m.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("command", [("reach", "黔江", "--minutes", "90"), ("route", "重庆东站", "黔江站"),
                                     ("circle", "黔江")])
def test_results_as_geopackage_for_gis(run_qjnet, tmp_path, command):
    import geopandas as gpd

    p = run_qjnet(*command, "--date", "2025-07-02", "-o", tmp_path / "out.gpkg")
    assert p.returncode == 0, p.stderr
    layer = gpd.read_file(tmp_path / "out.gpkg")
    assert len(layer) > 0 and layer.crs.to_epsg() == 4326


@pytest.mark.parametrize("name", ["r.png", "r.xlsx", "r.parquet"])
def test_an_unknown_suffix_is_refused_not_written_as_text(run_qjnet, tmp_path, name):
    _one_line_error(run_qjnet("reach", "黔江", "--date", "2025-07-02", "-o", tmp_path / name), "unknown suffix")
    assert not (tmp_path / name).exists()
