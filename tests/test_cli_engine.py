import json

import pytest


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    """Each test gets its own graph cache folder (the subprocess inherits the variable)."""
    folder = tmp_path / "graph-cache"
    monkeypatch.setenv("QJNET_CACHE_DIR", str(folder))
    return folder


@pytest.fixture
def mini(data_dir):
    return str(data_dir / "mini")


def test_route_json_shape(run_qjnet, mini):
    p = run_qjnet("route", "town_a", "town_c", "--data", mini, "--date", "2025-07-01", "--format", "json")
    assert p.returncode == 0, p.stderr
    d = json.loads(p.stdout)
    assert d["from"] == "town_a" and d["to"] == "town_c" and d["minutes"] == pytest.approx(98)
    assert [(leg["mode"], leg["service"]) for leg in d["legs"]] == [("access", None), ("hsr", "hsr_ac"),
                                                                     ("access", None)]
    assert all(set(leg) == {"mode", "service", "from", "to", "minutes", "wait_minutes", "source", "records",
                            "provenance", "range"} for leg in d["legs"])
    assert d["date"] == "2025-07-01" and d["scenario"] is None and d["params"]["transfer_minutes"] == 10


def test_route_table_csv_geojson_and_output(run_qjnet, mini, tmp_path):
    p = run_qjnet("route", "town_a", "town_c", "--data", mini, "--date", "2025-07-01")
    assert p.returncode == 0 and "# date: 2025-07-01" in p.stdout and "hsr_ac" in p.stdout
    assert "# params: " in p.stdout
    out = tmp_path / "r.csv"
    p = run_qjnet("route", "town_a", "town_c", "--data", mini, "--date", "2025-07-01", "-f", "csv", "-o", out)
    assert p.returncode == 0 and out.read_bytes().startswith(b"\xef\xbb\xbf")
    assert out.read_text(encoding="utf-8-sig").splitlines()[0].startswith("mode,service,")
    assert json.loads((tmp_path / "r.csv.json").read_text(encoding="utf-8"))["date"] == "2025-07-01"
    p = run_qjnet("route", "town_a", "town_c", "--data", mini, "--date", "2025-07-01", "-f", "geojson")
    g = json.loads(p.stdout)
    assert len(g["features"]) == 3 and g["qjnet"]["date"] == "2025-07-01"
    assert g["features"][1]["geometry"]["coordinates"][0] == [106.66, 29.5]


def test_route_unreachable_exits_1(run_qjnet, mini):
    p = run_qjnet("route", "town_a", "town_d", "--data", mini, "--date", "2025-06-26", "--modes", "hsr")
    assert p.returncode == 1
    assert p.stderr.startswith("qjnet: error: no route from 'town_a' to 'town_d'")
    assert "Traceback" not in p.stderr


def test_reach_json_shape(run_qjnet, mini):
    p = run_qjnet("reach", "town_a", "--minutes", "100", "--data", mini, "--date", "2025-07-01", "-f", "json")
    assert p.returncode == 0, p.stderr
    d = json.loads(p.stdout)
    assert d["origin"] == "town_a" and d["minutes"] == 100
    assert [x["id"] for x in d["places"]] == ["town_a", "sta_a", "sta_b", "town_b", "sta_c", "town_c"]
    assert set(d["places"][0]) == {"id", "name_zh", "name_en", "kind", "minutes", "mode", "range",
                                   "published_share"}
    last = d["places"][-1]
    assert {k: last[k] for k in ("id", "name_zh", "name_en", "kind", "minutes", "mode")} == {
        "id": "town_c", "name_zh": "丙区", "name_en": "Town C", "kind": "place", "minutes": 98.0, "mode": "hsr"}
    assert last["range"] is not None and 0 <= last["published_share"] <= 1
    assert d["date"] == "2025-07-01" and "params" in d


def test_reach_reverse(run_qjnet, mini):
    p = run_qjnet("reach", "town_a", "--minutes", "300", "--reverse", "--data", mini, "--date", "2025-07-01",
                  "-f", "json")
    d = json.loads(p.stdout)
    assert {x["id"]: x["minutes"] for x in d["places"]}["town_d"] == pytest.approx(209)


@pytest.mark.parametrize("args, message", [
    (["route", "town_x", "town_a"], "unknown place 'town_x'"),
    (["reach", "town_a", "--minutes", "-5"], "--minutes must be a positive number"),
    (["reach", "town_a", "--minutes", "1e9"], "more than a week"),
    (["route", "town_a", "town_b", "--date", "2025/07/01"], "bad date '2025/07/01'"),
    (["route", "town_a", "town_b", "--date", "1800-01-01"], "before any data"),
    (["route", "town_a", "town_b", "--scenario", "nope"], "unknown scenario 'nope'"),
    (["route", "town_a", "town_b", "--modes", "hsr,boat"], "unknown mode 'boat'"),
    (["route", "town_a", "town_b", "--scenario", "before-hsr", "--date", "2025-07-01"], "evaluated on 2025-06-26"),
])
def test_bad_input_one_line_exit_2(run_qjnet, mini, args, message):
    p = run_qjnet(*args, "--data", mini)
    assert p.returncode == 2, p.stderr
    assert p.stderr.startswith("qjnet: error: ") and message in p.stderr
    assert len(p.stderr.strip().splitlines()) == 1
    assert p.stdout == ""


def test_circle_json_on_embedded_data(run_qjnet):
    p = run_qjnet("circle", "chongqing_core", "--date", "2025-07-01", "-f", "json")
    assert p.returncode == 0, p.stderr
    d = json.loads(p.stdout)
    qj = next(x for x in d["places"] if x["id"] == "qianjiang_dist")
    assert qj["station_minutes"] == pytest.approx(61, abs=1) and qj["centre_minutes"] > 100
    assert [s["band"] for s in d["summary"]] == [60, 120, 180]
    assert "qianjiang_dist" in d["summary"][1]["station_to_station"]["places"]
    assert d["date"] == "2025-07-01" and d["params"]["wait_factor"] == 0.5


def test_compare_json(run_qjnet, mini):
    p = run_qjnet("compare", "town_a", "--before", "2025-06-26", "--after", "2025-07-01", "--data", mini,
                  "-f", "json")
    assert p.returncode == 0, p.stderr
    d = json.loads(p.stdout)
    c = next(x for x in d["places"] if x["id"] == "town_c")
    assert c["after"] == pytest.approx(98) and c["change"] < 0 and c["entered"] == 120
    assert d["entered"]["120"] == ["town_b", "town_c"]
    assert d["before"]["date"] == "2025-06-26" and d["after"]["date"] == "2025-07-01"
    p = run_qjnet("compare", "town_a", "--before-scenario", "today", "--after-scenario", "plan", "--data", mini,
                  "-f", "csv")
    assert p.returncode == 0 and "town_d" in p.stdout


def test_access_json_and_geojson(run_qjnet, mini, tmp_path):
    p = run_qjnet("access", "--minutes", "100", "--date", "2025-07-01", "--data", mini, "-f", "json")
    d = json.loads(p.stdout)
    a = next(x for x in d["places"] if x["id"] == "town_a")
    assert a["places_within"] == 2 and a["population_within"] == 780000
    assert d["half_life"] == 60 and d["minutes"] == 100
    out = tmp_path / "a.geojson"
    p = run_qjnet("access", "--data", mini, "-f", "geojson", "-o", out)
    g = json.loads(out.read_text())
    assert len(g["features"]) == 4 and g["qjnet"]["params"]["transfer_minutes"] == 10


@pytest.mark.parametrize("args, message", [
    (["circle", "town_a", "--bands", "120,60"], "bands must increase"),
    (["compare", "town_a", "--before", "2025-06-26"], "give --after DATE or --after-scenario"),
    (["compare", "town_a", "--before", "2025-07-01", "--after", "2025-07-01"], "the same network"),
    (["access", "--minutes", "0"], "--minutes must be a positive number"),
    (["access", "--half-life", "-1"], "--half-life must be a positive number"),
])
def test_more_bad_input(run_qjnet, mini, args, message):
    p = run_qjnet(*args, "--data", mini)
    assert p.returncode == 2, p.stderr
    assert p.stderr.startswith("qjnet: error: ") and message in p.stderr
    assert len(p.stderr.strip().splitlines()) == 1


def test_station_not_open_on_date(run_qjnet):
    p = run_qjnet("route", "cq_east", "qianjiang", "--date", "2025-06-26")
    assert p.returncode == 2
    assert "Chongqing East (cq_east) does not exist on 2025-06-26 (opened 2025-06-27)" in p.stderr


def test_route_embedded_61_minutes(run_qjnet):
    p = run_qjnet("route", "cq_east", "qianjiang", "--date", "2025-06-27", "-f", "json")
    d = json.loads(p.stdout)
    assert d["minutes"] == pytest.approx(61, abs=1) and [leg["mode"] for leg in d["legs"]] == ["hsr"]


def test_places_by_chinese_name_and_pinyin(run_qjnet):
    p = run_qjnet("route", "重庆东站", "黔江站", "--date", "2025-07-01", "-f", "json")
    assert p.returncode == 0, p.stderr
    d = json.loads(p.stdout)
    assert (d["from"], d["to"]) == ("cq_east", "qianjiang") and d["minutes"] == pytest.approx(61, abs=1)
    p = run_qjnet("reach", "qianjiang", "--minutes", "30", "--date", "2025-07-01", "-f", "json")
    assert json.loads(p.stdout)["origin"] in {"qianjiang", "qianjiang_dist"}


def test_ambiguous_place(run_qjnet, data_dir, tmp_path):
    import shutil

    folder = tmp_path / "twin"
    shutil.copytree(data_dir / "mini", folder)
    nodes = json.loads((folder / "nodes.geojson").read_text(encoding="utf-8"))
    for f in nodes["features"]:
        if f["properties"]["id"] == "sta_b":
            f["properties"]["name_zh"] = "甲东站"
    (folder / "nodes.geojson").write_text(json.dumps(nodes, ensure_ascii=False), encoding="utf-8")
    p = run_qjnet("route", "甲东站", "town_c", "--data", folder, "--date", "2025-07-01")
    assert p.returncode == 2 and "ambiguous" in p.stderr and len(p.stderr.strip().splitlines()) == 1


def test_bad_before_date_names_the_option(run_qjnet, mini):
    p = run_qjnet("compare", "town_a", "--before", "26.6.2025", "--after", "2025-07-01", "--data", mini)
    assert p.returncode == 2 and p.stderr.startswith("qjnet: error: --before: bad date")


def test_graph_cache_hits_and_misses_on_edits(run_qjnet, data_dir, tmp_path, private_cache):
    import shutil

    folder = tmp_path / "edit"
    shutil.copytree(data_dir / "mini", folder)
    args = ("route", "town_a", "town_b", "--data", folder, "--date", "2025-06-26", "-f", "json")
    first = run_qjnet(*args)
    assert first.returncode == 0 and len(list(private_cache.glob("*.pickle"))) == 1
    second = run_qjnet(*args)
    assert second.stdout == first.stdout  # served from the cache
    links = json.loads((folder / "links.geojson").read_text(encoding="utf-8"))
    for f in links["features"]:
        if f["properties"]["id"] == "road_ab":
            f["properties"]["minutes"] = 100
    (folder / "links.geojson").write_text(json.dumps(links), encoding="utf-8")
    third = run_qjnet(*args)
    assert json.loads(third.stdout)["minutes"] == pytest.approx(100)
    assert len(list(private_cache.glob("*.pickle"))) == 2


def test_graph_cache_can_be_switched_off(run_qjnet, mini, private_cache, monkeypatch):
    monkeypatch.setenv("QJNET_CACHE", "0")
    p = run_qjnet("route", "town_a", "town_b", "--data", mini, "--date", "2025-07-01")
    assert p.returncode == 0 and not private_cache.exists()


def test_route_in_a_real_process(run_qjnet_process, tmp_path):
    p = run_qjnet_process("route", "重庆东站", "黔江站", "--date", "2025-07-02", "-f", "json",
                          "-o", tmp_path / "r.json")
    assert p.returncode == 0, p.stderr
    assert json.loads((tmp_path / "r.json").read_text())["minutes"] == pytest.approx(61, abs=1)


@pytest.mark.parametrize("args", [
    ("validate",),
    ("places", "--kind", "place"),
    ("matrix", "--origins", "town_a", "--output", "m.csv"),
    ("freight", "town_q", "port", "--date", "2025-07-01"),
])
def test_every_command_reads_qjnet_data(run_qjnet, data_dir, args):
    """$QJNET_DATA is the dataset of every command, like --data."""
    p = run_qjnet(*args, env={"QJNET_DATA": str(data_dir / "nonexistent")})
    assert p.returncode == 2 and "nonexistent" in p.stderr, (p.stdout, p.stderr)


@pytest.mark.parametrize("command", ["freight", "catchment", "matrix", "route", "reach"])
def test_a_bad_date_is_one_line_on_every_command(run_qjnet, command):
    args = {"freight": ("黔江", "qinzhou_port_e"), "catchment": ("qj_freight",),
            "matrix": ("--origins", "黔江", "--output", "m.csv"), "route": ("黔江", "彭水"), "reach": ("黔江",)}[command]
    p = run_qjnet(command, *args, "--date", "2025-13-40")
    assert p.returncode == 2 and p.stderr.count("\n") == 1 and "--date" in p.stderr, p.stderr


def test_freight_reads_a_geopackage(run_qjnet, tmp_path):
    assert run_qjnet("export", "--format", "gpkg", "--output", tmp_path / "q.gpkg").returncode == 0
    direct = run_qjnet("freight", "黔江", "qinzhou_port_e", "--date", "2025-07-02", "-f", "json")
    via_gpkg = run_qjnet("freight", "黔江", "qinzhou_port_e", "--date", "2025-07-02", "-f", "json",
                         "--data", tmp_path / "q.gpkg")
    assert via_gpkg.returncode == 0, via_gpkg.stderr
    assert json.loads(via_gpkg.stdout)["chains"] == json.loads(direct.stdout)["chains"]
