"""Validation: every problem of a dataset in one report, each naming file, record and field."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from qjnet.geodata.errors import DataError, ValidationError
from qjnet.geodata.io import load_dataset, read_layers
from qjnet.geodata.validate import Problem, check_dataset, validate_dataset

DATA = Path(__file__).resolve().parent / "data"

# fixture folder -> (file, record, field, words of the message)
BAD = {
    "invalid_nodes_not_json": ("nodes.geojson", None, None, "not valid JSON"),
    "invalid_services_not_featurecollection": ("services.geojson", None, None, "not a GeoJSON FeatureCollection"),
    "invalid_nodes_bad_geometry": ("nodes.geojson", "town_b", "geometry", "bad geometry"),
    "invalid_nodes_missing_id": ("nodes.geojson", "#3", "id", "missing id"),
    "invalid_nodes_duplicate_id": ("nodes.geojson", "town_b", "id", "duplicate id"),
    "invalid_nodes_missing_name": ("nodes.geojson", "sta_b", "name_zh", "missing required field"),
    "invalid_services_unknown_stop": ("services.geojson", "hsr_ac", "stops", "'sta_x' names no node"),
    "invalid_links_unknown_node": ("links.geojson", "road_bc", "to", "'town_z' names no node"),
    "invalid_services_minutes_length": ("services.geojson", "hsr_ac", "minutes", "2 minutes for 3 stops"),
    "invalid_services_time_source_length": ("services.geojson", "hsr_ac", "time_source", "1 entry for 3 stops"),
    "invalid_services_minutes_not_increasing": ("services.geojson", "hsr_ac", "minutes", "not increasing"),
    "invalid_services_negative_minutes": ("services.geojson", "rail_cd", "minutes", "negative"),
    "invalid_services_nan_minutes": ("services.geojson", "hsr_ac", "minutes", "NaN"),
    "invalid_links_negative_minutes": ("links.geojson", "road_cd", "minutes", "negative"),
    "invalid_nodes_outside_china": ("nodes.geojson", "town_c", "geometry", "outside China"),
    "invalid_nodes_swapped_lat_lon": ("nodes.geojson", "town_c", "geometry", "look like [lat, lon]"),
    "invalid_nodes_unknown_kind": ("nodes.geojson", "sta_b", "kind", "unknown kind 'station'"),
    "invalid_nodes_unknown_coord_quality": ("nodes.geojson", "sta_b", "coord_quality", "unknown coord_quality"),
    "invalid_services_unknown_mode": ("services.geojson", "rail_cd", "mode", "unknown mode 'train'"),
    "invalid_links_unknown_status": ("links.geojson", "road_ab", "status", "unknown status 'closed'"),
    "invalid_services_unknown_time_source": ("services.geojson", "rail_cd", "time_source", "unknown time_source"),
    "invalid_services_bad_date": ("services.geojson", "hsr_ac", "opened", "bad date '27/06/2025'"),
    "invalid_services_bad_days": ("services.geojson", "rail_cd", "days", "not in 1..7"),
    "invalid_services_no_frequency": ("services.geojson", "rail_cd", "headway_min", "neither headway_min nor per_day"),
    "invalid_scenarios_unknown_id": ("scenarios.json", "plan", "add", "'hsr_zz_plan' names no node"),
    "invalid_scenarios_unknown_field": ("scenarios.json", "plan", "open", "unknown scenario field"),
    "invalid_scenarios_zero_per_day": ("scenarios.json", "plan", "modify[0].per_day", "bad per_day 0 for service 'hsr_ac'"),
    "invalid_scenarios_negative_per_day": ("scenarios.json", "plan", "modify[0].per_day",
                                           "bad per_day -3 for service 'hsr_ac'"),
    "invalid_scenarios_text_per_day": ("scenarios.json", "plan", "modify[0].per_day",
                                       "bad per_day 'abc' for service 'hsr_ac'"),
    "invalid_freight_negative_cost": ("freight.json", "modes.road", "cost_cny_per_teu_km", "value -4.5 is negative"),
    "invalid_freight_no_provenance": ("freight.json", "modes.rail", "circuity", "figure without provenance"),
    "invalid_freight_missing_figure": ("freight.json", "modes.air", "co2_kg_per_tonne_km", "missing figure"),
    "invalid_freight_unknown_node": ("freight.json", "nodes.town_z", "id", "'town_z' names no node"),
    "invalid_freight_unknown_mode": ("freight.json", "nodes.town_c", "modes", "unknown mode 'ship'"),
    "invalid_freight_bad_capacity_date": ("freight.json", "nodes.town_c", "capacity[0].from", "bad date '29/02/2024'"),
    "invalid_freight_wait_fraction_above_1": ("freight.json", "modes.rail", "wait_fraction", "value 1.5 is above 1"),
    "invalid_freight_missing_handling": ("freight.json", "nodes.town_c", "handling_cny_per_teu",
                                         "needs handling_cny_per_teu"),
    "invalid_freight_unknown_road_class": ("freight.json", "trunk_a_d", "road_class", "unknown road_class 'motorway'"),
    "invalid_freight_not_json": ("freight.json", None, None, "not valid JSON"),
}


def test_mini_is_valid():
    report = validate_dataset(DATA / "mini")
    assert report.ok and report.problems == []
    assert report.counts == {"nodes": 8, "services": 3, "links": 7, "scenarios": 3}
    assert report.summary().endswith("no problems")


@pytest.mark.parametrize("name", sorted(BAD))
def test_each_bad_fixture_reports_file_record_field(name):
    file, record, field, words = BAD[name]
    report = validate_dataset(DATA / name)
    assert not report.ok
    first = report.problems[0]
    assert Path(first.file).name == file and first.record == record and first.field == field
    assert words in first.message
    assert first.fix, "every problem says how to fix it"
    assert "\n" not in str(first)


@pytest.mark.parametrize("name", sorted(n for n in BAD if n not in ("invalid_nodes_missing_id",)))
def test_each_bad_fixture_has_exactly_its_own_problem(name):
    assert len(validate_dataset(DATA / name).problems) == 1


def test_every_problem_in_one_pass():
    report = validate_dataset(DATA / "invalid_many_problems")
    got = {(Path(p.file).name, p.record, p.field) for p in report.problems}
    assert got == {
        ("nodes.geojson", "town_c", "geometry"),
        ("nodes.geojson", "sta_b", "kind"),
        ("services.geojson", "hsr_ac", "stops"),
        ("services.geojson", "hsr_ac", "minutes"),
        ("links.geojson", "road_ab", "status"),
        ("links.geojson", "road_ab", "opened"),
        ("links.geojson", "road_cd", "minutes"),
        ("scenarios.json", "plan", "remove"),
    }
    files = [Path(p.file).name for p in report.problems]
    assert files == sorted(files, key=["nodes.geojson", "services.geojson", "links.geojson", "scenarios.json"].index)
    assert report.summary().endswith("8 problems (8 nodes, 3 services, 7 links, 3 scenarios)")


def test_check_dataset_raises_with_every_problem():
    ds = read_layers(DATA / "invalid_many_problems")
    with pytest.raises(ValidationError, match=r"record 'town_c', field 'geometry'.*and 7 more problems") as err:
        check_dataset(ds)
    assert len(err.value.problems) == 8 and all(isinstance(p, Problem) for p in err.value.problems)


def test_load_dataset_never_half_loads():
    with pytest.raises(ValidationError, match="unknown mode 'train'"):
        load_dataset(DATA / "invalid_services_unknown_mode")
    with pytest.raises(DataError, match="not valid JSON"):
        load_dataset(DATA / "invalid_nodes_not_json")


def test_missing_folder_raises():
    with pytest.raises(DataError, match="dataset folder not found"):
        validate_dataset(DATA / "no_such_folder")


def _copy_mini(tmp_path) -> Path:
    dst = tmp_path / "ds"
    shutil.copytree(DATA / "mini", dst)
    return dst


def _edit(folder: Path, layer: str, rid: str, **props) -> None:
    path = folder / f"{layer}.geojson"
    data = json.loads(path.read_text())
    for feat in data["features"]:
        if feat["properties"]["id"] == rid:
            feat["properties"].update(props)
    path.write_text(json.dumps(data))


@pytest.mark.parametrize("layer, rid, props, field, words", [
    ("services", "hsr_ac", {"minutes": [5, 30, 61]}, "minutes", "not 0"),
    ("services", "hsr_ac", {"stops": ["sta_a", "sta_b", "sta_a"], "minutes": [0, 30, 61]}, "stops", "repeated"),
    ("services", "hsr_ac", {"per_day": -2, "headway_min": None}, "per_day", "bad per_day"),
    ("services", "hsr_ac", {"days": [1, 1, 2]}, "days", "repeated weekday"),
    ("services", "hsr_ac", {"bidirectional": "yes"}, "bidirectional", "not true/false"),
    ("nodes", "sta_a", {"population": -5}, "population", "bad population"),
    ("nodes", "sta_a", {"county": "sta_b"}, "county", "not a place"),
    ("nodes", "sta_a", {"id": "Sta A"}, "id", "not a slug"),
    ("nodes", "sta_a", {"opened": "2020-01-01", "closed": "2019-01-01"}, "closed", "not after opened"),
    ("links", "road_ab", {"length_km": None}, "minutes", "no minutes and no length_km"),
    ("links", "road_ab", {"to": "town_a"}, "to", "same node"),
    ("links", "road_ab", {"speed_kmh": 0}, "speed_kmh", "bad value"),
])
def test_more_field_checks(tmp_path, layer, rid, props, field, words):
    folder = _copy_mini(tmp_path)
    _edit(folder, layer, rid, **props)
    problems = validate_dataset(folder).problems
    assert any(p.field == field and words in p.message for p in problems), [str(p) for p in problems]


def test_scenario_modify_checks(tmp_path):
    folder = _copy_mini(tmp_path)
    sc = json.loads((folder / "scenarios.json").read_text())
    sc["scenarios"][2]["modify"] = [{"id": "hsr_ac", "set": {"headway": 30}}, {"id": "nope", "set": {}}]
    sc["scenarios"][1]["date"] = "tomorrow"
    sc["scenarios"].append({"name": "today"})
    (folder / "scenarios.json").write_text(json.dumps(sc))
    lines = [str(p) for p in validate_dataset(folder).problems]
    assert any("sets unknown services field 'headway'" in s for s in lines)
    assert any("'nope' names no node" in s for s in lines)
    assert any("record 'before-hsr', field 'date': bad date 'tomorrow'" in s for s in lines)
    assert any("duplicate scenario name" in s for s in lines)


def test_nan_in_a_scalar_field_is_reported_once(tmp_path):
    folder = _copy_mini(tmp_path)
    text = (folder / "links.geojson").read_text().replace('"minutes": null', '"minutes": NaN', 1)
    (folder / "links.geojson").write_text(text)
    problems = validate_dataset(folder).problems
    assert [(p.record, p.field, p.message) for p in problems] == [("road_ab", "minutes", "NaN is not a number")]


def test_dangling_references_are_not_repeated_when_nodes_are_unreadable():
    report = validate_dataset(DATA / "invalid_nodes_not_json")
    assert len(report.problems) == 1


def test_embedded_dataset_is_valid():
    report = validate_dataset()
    assert report.ok, "\n".join(report.lines())


def _set_modify(folder: Path, modify) -> None:
    path = folder / "scenarios.json"
    sc = json.loads(path.read_text())
    sc["scenarios"][2]["modify"] = modify
    path.write_text(json.dumps(sc))


@pytest.mark.parametrize("rid, changes, field, words", [
    ("hsr_ac", {"headway_min": 0}, "headway_min", "bad headway_min 0"),
    ("hsr_ac", {"headway_min": None, "per_day": None}, "headway_min", "neither headway_min nor per_day"),
    ("hsr_ac", {"minutes": [0, 40, 35]}, "minutes", "not increasing"),
    ("hsr_ac", {"minutes": [0, 40]}, "minutes", "2 minutes for 3 stops"),
    ("hsr_ac", {"minutes": "fast"}, "minutes", "not a list"),
    ("hsr_ac", {"opened": "2025-02-30"}, "opened", "bad date '2025-02-30'"),
    ("hsr_ac", {"days": [0, 8]}, "days", "not in 1..7"),
    ("hsr_ac", {"stops": ["sta_a", "nowhere"], "minutes": [0, 5], "time_source": ["derived"]}, "stops",
     "'nowhere' names no node"),
    ("hsr_ac", {"status": "closed"}, "status", "unknown status 'closed'"),
    ("hsr_ac", {"mode": "boat"}, "mode", "unknown mode 'boat'"),
    ("hsr_ac", {"per_day": 1e999}, "per_day", "bad per_day inf"),
    ("hsr_ac", {"per_day": float("nan")}, "per_day", "NaN is not a number"),
    ("road_ab", {"speed_kmh": -80}, "speed_kmh", "speed_kmh is negative"),
    ("road_ab", {"to": ["town_b"]}, "to", "not a node id"),
    ("town_a", {"population": "many"}, "population", "bad population 'many'"),
    ("town_a", {"kind": "town"}, "kind", "unknown kind 'town'"),
])
def test_scenario_set_values_follow_the_rules_of_their_record(tmp_path, rid, changes, field, words):
    folder = _copy_mini(tmp_path)
    _set_modify(folder, [{"id": rid, "set": changes}])
    problems = validate_dataset(folder).problems
    assert problems, "a bad scenario value is a problem"
    got = [p for p in problems if p.field == f"modify[0].{field}" and words in p.message]
    assert got, [str(p) for p in problems]
    assert Path(got[0].file).name == "scenarios.json" and got[0].record == "plan" and repr(rid) in got[0].message
    assert got[0].fix


def test_good_scenario_values_are_accepted(tmp_path):
    folder = _copy_mini(tmp_path)
    _set_modify(folder, [{"id": "hsr_ac", "set": {"minutes": [0, 25, 55], "per_day": 12, "headway_min": None}},
                         {"id": "road_ab", "set": {"speed_kmh": 100}}, {"id": "town_a", "set": {"population": 5}}])
    assert validate_dataset(folder).ok
    ds = load_dataset(folder, scenario="plan")
    assert list(ds.services.loc["hsr_ac", "minutes"]) == [0, 25, 55] and ds.services.loc["hsr_ac", "per_day"] == 12


@pytest.mark.parametrize("key, value, words", [
    ("add", [["hsr_cd_plan"]], "is not an id"),
    ("remove", [{"id": "road_ab"}], "is not an id"),
    ("modify", [{"id": ["hsr_ac"], "set": {}}], "names no node, service or link"),
    ("description", 42, "not text"),
])
def test_scenario_entries_of_the_wrong_type_are_problems_not_crashes(tmp_path, key, value, words):
    folder = _copy_mini(tmp_path)
    path = folder / "scenarios.json"
    sc = json.loads(path.read_text())
    sc["scenarios"][2][key] = value
    path.write_text(json.dumps(sc))
    lines = [str(p) for p in validate_dataset(folder).problems]
    assert any(words in line and "record 'plan'" in line for line in lines), lines


def test_null_scenario_lists_mean_empty(tmp_path):
    folder = _copy_mini(tmp_path)
    path = folder / "scenarios.json"
    sc = json.loads(path.read_text())
    sc["scenarios"][2].update(add=None, modify=None, remove=None)
    path.write_text(json.dumps(sc))
    assert validate_dataset(folder).ok
    assert "hsr_cd_plan" not in load_dataset(folder, scenario="plan").services.index


@pytest.mark.parametrize("name", ["invalid_scenarios_zero_per_day", "invalid_scenarios_text_per_day"])
def test_loading_a_bad_scenario_value_is_refused_with_the_same_line(name):
    line = str(validate_dataset(DATA / name).problems[0])
    with pytest.raises(ValidationError) as err:
        load_dataset(DATA / name)
    assert str(err.value) == line


@pytest.mark.parametrize("name", ["invalid_scenarios_zero_per_day", "invalid_scenarios_negative_per_day",
                                  "invalid_scenarios_text_per_day"])
def test_cli_validate_and_load_exit_2_with_one_line(run_qjnet, name):
    ran = run_qjnet("validate", DATA / name)
    assert ran.returncode == 2 and "scenarios.json, record 'plan', field 'modify[0].per_day'" in ran.stdout + ran.stderr
    ran = run_qjnet("places", "--data", DATA / name)
    assert ran.returncode == 2 and "Traceback" not in ran.stderr
    assert ran.stderr.strip().count("\n") == 0 and "field 'modify[0].per_day'" in ran.stderr
