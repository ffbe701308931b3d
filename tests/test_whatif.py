"""What-if scenario files (geodata.whatif) and the commands that use them."""

from __future__ import annotations

import json

import pytest

from qjnet.geodata._util import haversine_km
from qjnet.geodata.errors import DataError
from qjnet.geodata.io import load_dataset
from qjnet.geodata.whatif import (
    APPLY_ORDER,
    WhatIf,
    apply_whatif,
    read_scenario_file,
    validate_scenario_file,
    whatif_changes,
)

DAY = "2025-07-03"


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("QJNET_CACHE_DIR", str(tmp_path / "graph-cache"))


@pytest.fixture(scope="module")
def mini_ds(request):
    from pathlib import Path

    return load_dataset(Path(__file__).parent / "data" / "mini", date=DAY)


@pytest.fixture(scope="module")
def qj_ds():
    return load_dataset(date=DAY)


def _wi(*mods, name="t") -> WhatIf:
    return WhatIf(name=name, modifications=tuple(mods), file="t.json")


def _freq(**extra):
    return [{"startTime": "07:00", "endTime": "22:00", "headwaySecs": 3600, **extra}]


def _minutes(ds, sid):
    return [float(m) for m in ds.services.at[sid, "minutes"]]


# --- each modification type on the small fixture dataset --------------------------------------------


def test_add_trips_derives_hop_times_from_the_mode_median_speed(mini_ds):
    new = apply_whatif(mini_ds, _wi({"type": "add-trips", "id": "x", "stops": ["sta_c", "sta_d"],
                                     "frequencies": _freq()}))
    xy = {n: (g.x, g.y) for n, g in zip(mini_ds.nodes.index, mini_ds.nodes.geometry, strict=True)}
    km_ac = haversine_km(*xy["sta_a"], *xy["sta_b"]) + haversine_km(*xy["sta_b"], *xy["sta_c"])
    expected = haversine_km(*xy["sta_c"], *xy["sta_d"]) / (km_ac / 61.0)  # the only other hsr service
    assert _minutes(new, "x") == [0.0, pytest.approx(expected, abs=0.01)]
    row = new.services.loc["x"]
    assert row["per_day"] == 15 and row["departures"][:2] == ["07:00", "08:00"] and row["departures"][-1] == "21:00"
    assert list(row["days"]) == [1, 2, 3, 4, 5, 6, 7] and row["status"] == "open"
    assert "median straight-line speed of the dataset's hsr services" in row["assumptions"]
    assert "x" not in mini_ds.services.index  # the input is not changed


def test_add_trips_with_a_new_stop_and_exact_departures(mini_ds):
    new = apply_whatif(mini_ds, _wi({"type": "add-trips", "id": "y", "mode": "rail", "stops": ["sta_d", "28.60,109.20"],
                                     "hopTimes": [1200], "bidirectional": False,
                                     "frequencies": [{"firstDepartures": ["08:15", "17:45"], "saturday": True}]}))
    assert "whatif_stop_1" in new.nodes.index and new.nodes.at["whatif_stop_1", "county"] == "town_d"
    row = new.services.loc["y"]
    assert list(row["stops"]) == ["sta_d", "whatif_stop_1"] and _minutes(new, "y") == [0, 20]
    assert list(row["days"]) == [6] and list(row["departures"]) == ["08:15", "17:45"] and not row["bidirectional"]
    access = new.links[new.links["to"] == "whatif_stop_1"]
    assert len(access) == 1 and access.iloc[0]["from"] == "town_d" and access.iloc[0]["minutes"] > 0


def test_frequency_entries_on_different_days_make_one_service_each(mini_ds):
    new = apply_whatif(mini_ds, _wi({"type": "add-trips", "id": "z", "stops": ["sta_a", "sta_c"], "hopTimes": [3000],
                                     "frequencies": [{"startTime": "07:00", "endTime": "09:00", "headwaySecs": 1800,
                                                      "monday": True},
                                                     {"startTime": "10:00", "endTime": "11:00", "headwaySecs": 1800,
                                                      "sunday": True}]}))
    assert list(new.services.at["z", "days"]) == [1] and list(new.services.at["z_2", "days"]) == [7]
    assert new.services.at["z", "per_day"] == 4 and new.services.at["z_2", "per_day"] == 2


def test_adjust_frequency(mini_ds):
    new = apply_whatif(mini_ds, _wi({"type": "adjust-frequency", "service": "hsr_ac", "headwaySecs": 1800},
                                    {"type": "adjust-frequency", "service": "rail_cd", "per_day": 12}))
    assert new.services.at["hsr_ac", "headway_min"] == 30
    assert new.services.at["rail_cd", "per_day"] == 12
    assert mini_ds.services.at["hsr_ac", "headway_min"] == 60


def test_adjust_speed_all_hops_and_one_hop(mini_ds):
    assert _minutes(apply_whatif(mini_ds, _wi({"type": "adjust-speed", "services": ["hsr_ac"], "scale": 2})),
                    "hsr_ac") == [0, 15, 30.5]
    one = apply_whatif(mini_ds, _wi({"type": "adjust-speed", "service": "hsr_ac", "scale": 2,
                                     "hops": [["sta_b", "sta_c"]]}))
    assert _minutes(one, "hsr_ac") == [0, 30, 45.5]
    assert "divided by 2" in one.services.at["hsr_ac", "assumptions"]


def test_adjust_dwell_time(mini_ds):
    new = apply_whatif(mini_ds, _wi({"type": "adjust-dwell-time", "services": ["hsr_ac"], "dwellSecs": 120}))
    assert _minutes(new, "hsr_ac") == [0, 30, 63]


def test_remove_stops(mini_ds):
    new = apply_whatif(mini_ds, _wi({"type": "remove-stops", "services": ["hsr_ac"], "stops": ["sta_b"],
                                     "secondsSavedAtEachStop": 60}))
    assert list(new.services.at["hsr_ac", "stops"]) == ["sta_a", "sta_c"] and _minutes(new, "hsr_ac") == [0, 60]


def test_remove_trips(mini_ds):
    new = apply_whatif(mini_ds, _wi({"type": "remove-trips", "services": ["rail_cd"]}))
    assert "rail_cd" not in new.services.index and "rail_cd" in mini_ds.services.index


def test_reroute(mini_ds):
    new = apply_whatif(mini_ds, _wi({"type": "reroute", "service": "hsr_ac", "fromStop": "sta_b", "toStop": "sta_c",
                                     "stops": ["sta_d"], "hopTimes": [600, 900]}))
    assert list(new.services.at["hsr_ac", "stops"]) == ["sta_a", "sta_b", "sta_d", "sta_c"]
    assert _minutes(new, "hsr_ac") == [0, 30, 40, 55]


def test_add_link_and_modify_link(mini_ds):
    new = apply_whatif(mini_ds, _wi({"type": "add-link", "id": "road_ad", "from": "town_a", "to": "town_d",
                                     "length_km": 100, "speed_kmh": 50},
                                    {"type": "modify-link", "link": "road_ab", "speed_kmh": 100},
                                    {"type": "modify-link", "link": "road_cd", "closed": True},
                                    {"type": "modify-link", "link": "acc_a", "minutes": 10}))
    assert new.links.at["road_ad", "minutes"] == 120 and new.links.at["road_ab", "minutes"] == pytest.approx(150 * 1.25 / 100 * 60)
    assert "road_cd" not in new.links.index and new.links.at["acc_a", "minutes"] == 10
    assert mini_ds.links.at["road_ab", "minutes"] == pytest.approx(150 * 1.25 / 80 * 60)


def test_fixed_order_lets_a_file_adjust_its_own_new_service(data_dir, mini_ds):
    wi = read_scenario_file(data_dir / "whatif_mini_each_type.json")
    assert validate_scenario_file(wi, mini_ds) == []
    new = apply_whatif(mini_ds, wi)
    assert _minutes(new, "new_cd") == [0, 15]  # added, then sped up although listed first
    assert new.scenario == "mini: one of each" and new.extras["whatif"] == ["mini: one of each"]
    order = [row["type"] for row in whatif_changes(mini_ds, wi)]
    assert order == sorted(order, key=APPLY_ORDER.index)


def test_graph_of_the_modified_dataset_uses_the_new_service(mini_ds):
    from qjnet.network.build import build_graph
    from qjnet.network.route import route

    G = build_graph(apply_whatif(mini_ds, _wi({"type": "add-trips", "id": "fast_ad", "stops": ["sta_a", "sta_d"],
                                               "hopTimes": [1200], "frequencies": _freq()})), date=DAY)
    assert "fast_ad" in {leg.service for leg in route(G, "town_a", "town_d").legs}


# --- the embedded dataset ------------------------------------------------------------------------------


def test_template_is_valid_and_applies_every_type_on_the_embedded_dataset(qj_ds):
    from qjnet.cli._scenario import template

    doc = template()
    assert {m["type"] for m in doc["modifications"]} == set(APPLY_ORDER)
    assert validate_scenario_file(doc, qj_ds) == []
    wi = WhatIf(doc["name"], tuple(doc["modifications"]))
    new = apply_whatif(qj_ds, wi)
    s = new.services
    assert "qianjiang_jishou_hourly" in s.index and "air_ckg_cqw" not in s.index
    assert s.at["yuxia_fast", "headway_min"] == 30
    before = float(qj_ds.services.at["qzc_conv", "minutes"][-1])
    assert float(s.at["qzc_conv", "minutes"][-1]) == pytest.approx(before / 1.25, abs=0.01)
    assert "banan_hsr" not in list(s.at["yuxia_all", "stops"])
    assert list(s.at["through_cq_zjj", "stops"]) == ["cq_east", "qianjiang", "laifeng", "zjj_w"]
    assert new.links.at["expy_g65_qianjiang_dist_youyang_cty", "speed_kmh"] == 100
    assert "new_road_laifeng_youyang" in new.links.index
    changes = whatif_changes(qj_ds, wi)
    assert {(c["action"], c["id"]) for c in changes} >= {("added", "qianjiang_jishou_hourly"),
                                                         ("removed", "air_ckg_cqw"), ("changed", "yuxia_all")}


def test_stops_by_name_resolve_to_stations_of_the_mode(qj_ds, data_dir):
    wi = read_scenario_file(data_dir / "whatif_qianjiang_jishou_hourly.json")
    new = apply_whatif(qj_ds, wi)
    assert list(new.services.at["qianjiang_jishou_hourly", "stops"]) == ["qianjiang", "jishou_e"]
    assert new.scenario == "Qianjiang-Jishou HSR every hour"


# --- bad values: one line, exit 2 ---------------------------------------------------------------------

BAD = [
    ({"type": "add-trips", "stops": ["qianjiang", "jishou_e"], "frequencies": _freq(headwaySecs=0)},
     "(add-trips)', field 'frequencies[0].headwaySecs': headwaySecs 0 is not allowed"),
    ({"type": "adjust-frequency", "service": "yuxia_fast", "headwaySecs": -60},
     "(adjust-frequency)', field 'headwaySecs': headwaySecs -60 is negative"),
    ({"type": "adjust-frequency", "service": "yuxia_fast", "headwaySecs": "hourly"},
     "field 'headwaySecs': headwaySecs 'hourly' is not a number"),
    ({"type": "add-trips", "stops": ["qianjiang", "atlantis"], "frequencies": _freq()},
     "field 'stops[1]': unknown stop 'atlantis'"),
    ({"type": "remove-trips", "services": ["no_such_train"]},
     "(remove-trips)', field 'services[0]': unknown service 'no_such_train'"),
    ({"type": "teleport"}, "record 'modifications[0] (teleport)', field 'type': unknown type 'teleport'"),
    ({"type": "adjust-speed", "services": ["yuxia_fast"]}, "field 'scale': missing field 'scale'"),
    ({"type": "add-trips", "stops": ["qianjiang", "jishou_e"]}, "field 'frequencies': missing list of frequencies"),
    ({"type": "modify-link", "link": "nope", "closed": True}, "field 'link': unknown link 'nope'"),
    ({"type": "add-trips", "stops": ["qianjiang", "jishou_e"], "frequencies": _freq(startTime="7 am")},
     "field 'frequencies[0].startTime': startTime '7 am' is not a time of day"),
]


@pytest.mark.parametrize(("mod", "expected"), BAD, ids=[b[1].split(":")[-1].strip()[:30] for b in BAD])
def test_bad_values_are_one_line_exit_2(run_qjnet, tmp_path, mod, expected):
    (tmp_path / "bad.json").write_text(json.dumps({"name": "bad", "modifications": [mod]}))
    p = run_qjnet("route", "黔江", "吉首", "--date", DAY, "--scenario-file", "bad.json")
    assert p.returncode == 2 and p.stdout == ""
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("qjnet: error: bad.json, record 'modifications[0]"), p.stderr
    assert expected in lines[0] and "Traceback" not in p.stderr


@pytest.mark.parametrize(("text", "expected"), [("not json", "not valid JSON"),
                                                ('{"modifications": []}', "field 'name': missing scenario name"),
                                                ('{"name": "x"}', "field 'modifications'")])
def test_bad_files_are_one_line_exit_2(run_qjnet, tmp_path, text, expected):
    (tmp_path / "f.json").write_text(text)
    p = run_qjnet("places", "--date", DAY, "--scenario-file", "f.json")
    assert p.returncode == 2 and len(p.stderr.strip().splitlines()) == 1 and expected in p.stderr
    p = run_qjnet("places", "--date", DAY, "--scenario-file", "missing.json")
    assert p.returncode == 2 and "missing.json: cannot read the scenario file" in p.stderr


def test_validate_lists_every_problem(run_qjnet, tmp_path):
    (tmp_path / "bad.json").write_text(json.dumps({"name": "bad", "modifications": [BAD[0][0], BAD[1][0]]}))
    p = run_qjnet("scenario", "validate", "bad.json", "--date", DAY)
    assert p.returncode == 2
    lines = p.stdout.strip().splitlines()
    assert len(lines) == 3 and "modifications[0] (add-trips)" in lines[0]
    assert "modifications[1] (adjust-frequency)" in lines[1] and lines[2] == "bad.json: 2 problems in 2 modifications"


# --- the commands ---------------------------------------------------------------------------------------


def test_scenario_new_validate_show(run_qjnet, tmp_path):
    p = run_qjnet("scenario", "new", "--output", "f.json")
    assert p.returncode == 0 and (tmp_path / "f.json").exists()
    p = run_qjnet("scenario", "validate", "f.json", "--date", DAY)
    assert p.returncode == 0 and p.stdout.strip() == "f.json: ok, 9 modifications (example what-if)"
    p = run_qjnet("scenario", "show", "f.json", "--date", DAY, "--format", "json")
    assert p.returncode == 0
    changes = json.loads(p.stdout)["changes"]
    assert [c["type"] for c in changes][:2] == ["remove-trips", "add-trips"]
    assert {"action": "added", "layer": "service", "id": "qianjiang_jishou_hourly"}.items() <= changes[1].items()
    assert "qianjiang > jishou_e" in changes[1]["what"]
    p = run_qjnet("scenario", "show", "f.json", "--date", DAY)
    assert "# changes: " in p.stdout and "remove-trips" in p.stdout


def test_services_command_lists_patterns_and_applies_the_file(run_qjnet, data_dir):
    p = run_qjnet("services", "--date", DAY, "--format", "json")
    assert p.returncode == 0
    rows = {r["id"]: r for r in json.loads(p.stdout)}
    assert rows["yuxia_fast"]["stop_names"] == ["重庆东站", "黔江站"] and rows["yuxia_fast"]["per_day"] == 9
    assert "qianji_plan" not in rows
    p = run_qjnet("services", "--date", DAY, "--mode", "hsr", "--scenario-file",
                  str(data_dir / "whatif_qianjiang_jishou_hourly.json"))
    assert p.returncode == 0 and "qianjiang_jishou_hourly" in p.stdout and "air_jiq_ckg" not in p.stdout


def test_planner_acceptance_compare_and_route(run_qjnet, data_dir):
    """Qianjiang-Jishou HSR every hour: Jishou gets faster from Qianjiang, and route takes the new train."""
    f = str(data_dir / "whatif_qianjiang_jishou_hourly.json")
    p = run_qjnet("compare", "黔江", "--before", DAY, "--after", DAY, "--after-scenario-file", f, "--format", "json")
    assert p.returncode == 0, p.stderr
    d = json.loads(p.stdout)
    jishou = next(r for r in d["places"] if r["id"] == "jishou_city")
    assert jishou["after"] < jishou["before"] - 30 and jishou["change"] < -30
    assert d["after"]["scenario"] == "Qianjiang-Jishou HSR every hour" and d["before"]["scenario"] is None
    p = run_qjnet("route", "黔江", "吉首", "--date", DAY, "--scenario-file", f, "--format", "json")
    assert p.returncode == 0
    assert "qianjiang_jishou_hourly" in [leg["service"] for leg in json.loads(p.stdout)["legs"]]
    p = run_qjnet("route", "黔江", "吉首", "--date", DAY, "--format", "json")
    assert "qianjiang_jishou_hourly" not in p.stdout


def test_compare_two_scenario_files_must_differ(run_qjnet, data_dir):
    f = str(data_dir / "whatif_qianjiang_jishou_hourly.json")
    p = run_qjnet("compare", "黔江", "--before", DAY, "--after", DAY, "--before-scenario-file", f,
                  "--after-scenario-file", f)
    assert p.returncode == 2 and "same network" in p.stderr


def test_cache_key_includes_the_scenario_file_bytes(data_dir):
    from qjnet.cli._cache import cache_key

    plain = cache_key(None, date=DAY)
    a = cache_key(None, date=DAY, scenario_file=b'{"name": "a"}')
    b = cache_key(None, date=DAY, scenario_file=b'{"name": "b"}')
    assert len({plain, a, b}) == 3 and a == cache_key(None, date=DAY, scenario_file=b'{"name": "a"}')


def test_an_edited_file_is_not_served_from_the_cache(run_qjnet, tmp_path):
    doc = {"name": "s", "modifications": [{"type": "adjust-speed", "services": ["yuxia_fast"], "scale": 1.5}]}
    (tmp_path / "s.json").write_text(json.dumps(doc))
    first = run_qjnet("route", "cq_east", "qianjiang", "--date", DAY, "--scenario-file", "s.json", "-f", "json")
    doc["modifications"][0]["scale"] = 2
    (tmp_path / "s.json").write_text(json.dumps(doc))
    second = run_qjnet("route", "cq_east", "qianjiang", "--date", DAY, "--scenario-file", "s.json", "-f", "json")
    m1, m2 = json.loads(first.stdout)["minutes"], json.loads(second.stdout)["minutes"]
    assert m1 == pytest.approx(61 / 1.5, abs=0.1) and m2 == pytest.approx(30.5, abs=0.1)


def test_unknown_stop_on_the_date_is_reported(qj_ds):
    """A planned station does not exist in 2025: the file says so instead of dropping the service silently."""
    probs = validate_scenario_file({"name": "x", "modifications": [
        {"type": "add-trips", "stops": ["qianjiang", "youyang_hsr"], "frequencies": _freq()}]}, qj_ds)
    assert len(probs) == 1 and probs[0].field == "stops[1]"
    with pytest.raises(DataError, match="unknown stop 'youyang_hsr'"):
        apply_whatif(qj_ds, _wi({"type": "add-trips", "stops": ["qianjiang", "youyang_hsr"], "frequencies": _freq()}))


def test_every_dataset_command_takes_the_file(run_qjnet, tmp_path, data_dir):
    """export, map and matrix apply --scenario-file too; the exported dataset is itself valid."""
    mini, f = str(data_dir / "mini"), str(data_dir / "whatif_mini_each_type.json")
    p = run_qjnet("export", "--data", mini, "--date", DAY, "--scenario-file", f, "--output", "out")
    assert p.returncode == 0, p.stderr
    assert "new_cd" in (tmp_path / "out" / "services.geojson").read_text()
    assert run_qjnet("validate", str(tmp_path / "out")).returncode == 0
    p = run_qjnet("map", "--data", mini, "--date", DAY, "--scenario-file", f, "--output", "m.html")
    assert p.returncode == 0 and "new_cd" in (tmp_path / "m.html").read_text()
    p = run_qjnet("matrix", "--data", mini, "--date", DAY, "--scenario-file", f, "--origins", "town_a",
                  "--destinations", "town_d", "--output", "m.csv")
    assert p.returncode == 0, p.stderr
    with_road = float((tmp_path / "m.csv").read_text().splitlines()[-1].split(",")[-1])
    p = run_qjnet("matrix", "--data", mini, "--date", DAY, "--origins", "town_a", "--destinations", "town_d",
                  "--output", "m0.csv")
    assert with_road < float((tmp_path / "m0.csv").read_text().splitlines()[-1].split(",")[-1])
