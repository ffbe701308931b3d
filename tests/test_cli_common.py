import json

from qjnet.cli._common import Result, render


def test_json_keeps_payload_and_chinese_text():
    r = Result(payload={"origin": "qianjiang", "name": "黔江"}, rows=[{"a": 1}])
    assert json.loads(render(r, "json")) == {"origin": "qianjiang", "name": "黔江"}
    assert "黔江" in render(r, "json")


def test_csv_is_header_then_rows_and_metadata_only_when_asked():
    r = Result(payload={}, rows=[{"id": "x", "minutes": 61.0}], meta={"date": "2025-07-01"})
    assert render(r, "csv").splitlines() == ["id,minutes", "x,61.0"]
    lines = render(r, "csv", meta=True).splitlines()
    assert lines == ["# date: 2025-07-01", "id,minutes", "x,61.0"]


def test_table_has_metadata_comments_unless_refused():
    r = Result(payload={}, rows=[{"id": "x", "minutes": 61.0}], meta={"date": "2025-07-01"})
    assert render(r, "table").splitlines()[0] == "# date: 2025-07-01"
    assert render(r, "table", meta=False).splitlines()[0].split() == ["id", "minutes"]


def test_table_aligns_wide_characters():
    r = Result(payload={}, rows=[{"name": "黔江", "m": 1}, {"name": "ab", "m": 2}])
    from qjnet.cli._common import _width

    lines = render(r, "table").splitlines()
    assert _width(lines[2][: lines[2].index("1")]) == _width(lines[3][: lines[3].index("2")])


def test_help_is_listed_without_importing_heavy_modules(run_qjnet):
    proc = run_qjnet("--help")
    assert proc.returncode == 0
    assert "places" in proc.stdout


def test_atomic_output_gets_ordinary_permissions(tmp_path):
    import os
    import stat

    from qjnet.geodata._atomic import write_text

    old = os.umask(0o022)
    try:
        write_text(tmp_path / "out.txt", "x")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "out.txt").stat().st_mode) == 0o644
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_a_nul_byte_in_any_file_name_is_one_line(run_qjnet, tmp_path):
    for args in (("reach", "黔江", "--date", "2025-07-03", "--map", str(tmp_path / "a\x00b.html")),
                 ("compare", "黔江", "--before", "2025-06-26", "--after", "2025-06-27",
                  "--after-scenario-file", str(tmp_path / "w\x00.json")),
                 ("places", "-o", str(tmp_path / "p\x00.csv"))):
        r = run_qjnet(*args)
        assert r.returncode == 2, (args, r.stderr)
        assert r.stderr.count("\n") == 1 and "Traceback" not in r.stderr
        assert "NUL byte" in r.stderr or "null byte" in r.stderr
    assert list(tmp_path.iterdir()) == []
