"""Travel times under a labelled measure: network.measures and the CLI's --measure/--window/--depart."""

import json

import numpy as np
import pytest

from qjnet.geodata.errors import OptionError
from qjnet.network.measures import (
    Measure,
    access_window,
    circle_window,
    compare_window,
    matrix_window,
    on_weekday,
    parse_depart,
    parse_percentiles,
    parse_window,
    reach_window,
    resolve_measure,
    route_at,
    route_window,
    timed_network,
)
from qjnet.network.raptor import earliest_arrival, range_raptor

THURSDAY = "2025-07-03"


@pytest.fixture(scope="module")
def tn():
    return timed_network(date=THURSDAY)


@pytest.fixture
def mini(data_dir):
    return str(data_dir / "mini")


# ---------------------------------------------------------------- library


def test_window_percentiles_equal_the_range_result(tn):
    rr = range_raptor(tn.timetable, tn.links, "cq_east", window=(420.0, 540.0))
    w = route_window(tn, "cq_east", "qianjiang", window="07:00-09:00", percentiles=(5, 25, 50, 75, 95))
    assert w.percentiles == {p: pytest.approx(rr.percentile("qianjiang", p)) for p in (5, 25, 50, 75, 95)}
    best = rr.fastest("qianjiang")
    assert w.fastest_minutes == pytest.approx(best.minutes) and w.fastest_depart == pytest.approx(best.depart)


def test_reach_window_values_equal_the_range_result(tn):
    rr = range_raptor(tn.timetable, tn.links, "qianjiang_dist", window=(420.0, 540.0))
    r = reach_window(tn, "qianjiang_dist", minutes=600, window="07:00-09:00", percentile=75)
    for node in r.index:
        assert r.loc[node, "minutes"] == pytest.approx(rr.percentile(node, 75))
    best = reach_window(tn, "qianjiang_dist", minutes=600, measure="fastest", window="07:00-09:00")
    for node in ("wanzhou_dist", "qianjiang", "chongqing_core"):
        if node in best.index:
            assert best.loc[node, "minutes"] == pytest.approx(rr.fastest(node).minutes)
    assert set(r["measure"]) == {"percentile"} and set(best["measure"]) == {"fastest"}
    assert list(r.columns) == ["name_zh", "name_en", "kind", "population", "minutes", "mode", "origin", "measure",
                               "geometry"]
    assert r.attrs["window"] == "07:00-09:00" and r.attrs["percentile"] == 75


def test_wanzhou_outside_the_median_two_hour_circle_but_inside_the_fastest(tn):
    median = reach_window(tn, "qianjiang_dist", minutes=120, window="07:00-09:00")
    assert "wanzhou_dist" not in median.index
    best = reach_window(tn, "qianjiang_dist", minutes=120, measure="fastest", window="00:00-24:00")
    assert best.loc["wanzhou_dist", "mode"] == "ga" and best.loc["wanzhou_dist", "measure"] == "fastest"
    c = circle_window(tn, "qianjiang_dist", window="07:00-09:00")
    assert c.loc["wanzhou_dist", "centre_percentile"] > 120
    assert c.loc["wanzhou_dist", "centre_band"] != 120.0


def test_route_at_has_clock_times_and_matches_earliest_arrival(tn):
    j = route_at(tn, "cq_east", "qianjiang", depart="08:00")
    arr = earliest_arrival(tn.timetable, tn.links, "cq_east", 480.0)
    assert j.arrive == pytest.approx(arr.arrival("qianjiang"))
    d = j.to_dict()
    assert d["depart"] == "08:00" and d["arrive"] == "09:08:30"  # the 08:07:30 through train to Changsha
    assert [(leg["depart"], leg["arrive"]) for leg in d["legs"]] == [("08:07:30", "09:08:30")]


def test_one_search_per_origin_is_reused(tn):
    access_window(tn, minutes=120, window="07:00-09:00")
    n = len(tn._ranges)
    access_window(tn, minutes=90, window="07:00-09:00")
    matrix_window(tn, ["qianjiang_dist"], ["wanzhou_dist"], window="07:00-09:00")
    assert len(tn._ranges) == n


def test_compare_window_flags_weekdays():
    before, after = timed_network(date="2025-06-26"), timed_network(date="2025-07-01")
    c = compare_window(before, after, "chongqing_core", window="07:00-09:00")
    assert c.attrs["weekdays_differ"] and c.attrs["measure"] == "percentile"
    assert {"before", "after", "change", "entered"} <= set(c.columns)


def test_matrix_window_rows_are_the_measure(tn):
    m = matrix_window(tn, ["qianjiang_dist"], None, window="07:00-09:00", max_minutes=120)
    assert "wanzhou_dist" not in set(m["destination"]) and (m["minutes"] <= 120).all()
    assert m.attrs["measure"] == "percentile"


def test_parsing():
    assert parse_depart("47:59") == 2879 and parse_window("07:00-09:00") == (420, 540)
    assert parse_percentiles("5, 50,95") == (5, 50, 95)
    assert on_weekday("2025-07-01", "thu").isoformat() == "2025-07-03"
    assert Measure.at("08:00").label() == {"measure": "departure", "depart": "08:00"}
    assert resolve_measure() is None and resolve_measure("expected") is None
    assert resolve_measure(percentiles="75").label()["percentile"] == 75
    for bad in ("48:00", "8h", "-01:00"):
        with pytest.raises(OptionError):
            parse_depart(bad)
    with pytest.raises(OptionError, match="ends before it starts"):
        parse_window("09:00-07:00")
    with pytest.raises(OptionError, match="0 to 100"):
        parse_percentiles("50,101")
    with pytest.raises(OptionError, match="not both"):
        resolve_measure(window="07:00-09:00", depart="08:00")
    with pytest.raises(OptionError, match="expected"):
        resolve_measure("expected", window="07:00-09:00")


# ---------------------------------------------------------------- command line


def test_cli_reach_median_leaves_out_wanzhou_fastest_labels_it(run_qjnet):
    p = run_qjnet("reach", "qianjiang_dist", "--minutes", "120", "--date", THURSDAY, "--window", "07:00-09:00",
                  "-f", "json")
    assert p.returncode == 0, p.stderr
    d = json.loads(p.stdout)
    assert d["measure"] == "percentile" and d["window"] == "07:00-09:00" and d["percentile"] == 50
    assert "wanzhou_dist" not in {x["id"] for x in d["places"]}
    p = run_qjnet("reach", "qianjiang_dist", "--minutes", "120", "--date", THURSDAY, "--measure", "fastest",
                  "--window", "00:00-24:00", "-f", "json")
    d = json.loads(p.stdout)
    assert d["measure"] == "fastest" and d["window"] == "00:00-24:00"
    wanzhou = next(x for x in d["places"] if x["id"] == "wanzhou_dist")
    assert wanzhou["mode"] == "ga" and wanzhou["minutes"] <= 120


def test_cli_circle_median_and_fastest_side_by_side(run_qjnet):
    p = run_qjnet("circle", "qianjiang_dist", "--date", THURSDAY, "--measure", "percentile", "-f", "json")
    assert p.returncode == 0, p.stderr
    d = json.loads(p.stdout)
    assert d["measure"] == "percentile" and d["window"] == "07:00-09:00"
    band120 = next(e for e in d["summary"] if e["band"] == 120)
    assert "wanzhou_dist" not in band120["centre_to_centre"]["places"]
    wz = next(x for x in d["places"] if x["id"] == "wanzhou_dist")
    assert wz["centre_percentile"] > 120 and wz["centre_fastest"] <= wz["centre_percentile"]
    p = run_qjnet("circle", "qianjiang_dist", "--date", THURSDAY, "--measure", "fastest", "--window",
                  "00:00-24:00", "-f", "json")
    d = json.loads(p.stdout)
    band120 = next(e for e in d["summary"] if e["band"] == 120)
    assert d["measure"] == "fastest" and "wanzhou_dist" in band120["centre_to_centre"]["places"]
    p = run_qjnet("circle", "qianjiang_dist", "--date", THURSDAY, "--window", "07:00-09:00")
    assert "# measure: percentile" in p.stdout and "# window: 07:00-09:00" in p.stdout


def test_cli_route_window_json(run_qjnet, tn):
    p = run_qjnet("route", "cq_east", "qianjiang", "--date", THURSDAY, "--window", "07:00-09:00",
                  "--percentiles", "5,50,95", "--format", "json")
    assert p.returncode == 0, p.stderr
    d = json.loads(p.stdout)
    rr = range_raptor(tn.timetable, tn.links, "cq_east", window=(420.0, 540.0))
    assert d["percentiles"] == {str(k): pytest.approx(rr.percentile("qianjiang", k), abs=1e-3) for k in (5, 50, 95)}
    assert d["fastest"]["minutes"] == 61 and d["fastest"]["depart"] == "08:50"
    assert d["fastest"]["legs"][0]["service"] == "yuxia_fast"  # the non-stop train, 61 min
    assert d["measure"] == "percentile" and d["window"] == "07:00-09:00" and d["date"] == THURSDAY


def test_cli_route_departure_json_csv_geojson(run_qjnet, tmp_path):
    args = ("route", "cq_east", "qianjiang", "--date", THURSDAY, "--depart", "08:00")
    d = json.loads(run_qjnet(*args, "--format", "json").stdout)
    assert d["minutes"] == 68.5 and d["depart"] == "08:00" and d["arrive"] == "09:08:30"
    assert d["measure"] == "departure"
    assert [(leg["depart"], leg["arrive"]) for leg in d["legs"]] == [("08:07:30", "09:08:30")]
    csv = run_qjnet(*args, "-f", "csv", "--meta").stdout
    assert "# measure: departure" in csv and "# depart: 08:00" in csv
    g = json.loads(run_qjnet(*args, "-f", "geojson").stdout)
    assert g["qjnet"]["measure"] == "departure" and g["features"]


def test_cli_departure_after_midnight_runs_on_the_next_date(run_qjnet):
    p = run_qjnet("route", "cq_east", "qianjiang", "--date", THURSDAY, "--depart", "30:00", "-f", "json")
    assert p.returncode == 0, p.stderr
    d = json.loads(p.stdout)
    assert d["date"] == "2025-07-04" and d["depart"] == "06:00"


def test_cli_outputs_state_the_measure(run_qjnet):
    p = run_qjnet("reach", "qianjiang_dist", "--date", THURSDAY, "--window", "07:00-09:00", "-f", "geojson")
    g = json.loads(p.stdout)
    assert g["qjnet"]["measure"] == "percentile" and g["features"][0]["properties"]["measure"] == "percentile"
    p = run_qjnet("reach", "qianjiang_dist", "--date", THURSDAY)
    assert "# measure: expected" in p.stdout
    p = run_qjnet("access", "--date", THURSDAY, "--window", "07:00-09:00", "--percentile", "75", "-f", "csv", "--meta")
    assert "# measure: percentile" in p.stdout and "# percentile: 75.0" in p.stdout


def test_cli_compare_different_weekdays(run_qjnet):
    p = run_qjnet("compare", "chongqing_core", "--before", "2025-06-26", "--after", "2025-07-01", "-f", "json")
    assert p.returncode == 0, p.stderr
    d = json.loads(p.stdout)
    assert d["weekdays_differ"] is True and "Thursday" in d["note"] and "--weekday" in d["note"]
    assert "warning" in p.stderr
    p = run_qjnet("compare", "chongqing_core", "--before", "2025-06-26", "--after", "2025-07-01", "--weekday", "thu",
                  "--window", "07:00-09:00", "-f", "json")
    d = json.loads(p.stdout)
    assert d["weekdays_differ"] is False and d["after"]["date"] == THURSDAY and d["measure"] == "percentile"


def test_cli_matrix_measure(run_qjnet, tmp_path):
    out = tmp_path / "m.csv"
    p = run_qjnet("matrix", "--origins", "qianjiang_dist", "--destinations", "wanzhou_dist,qianjiang", "--date",
                  THURSDAY, "--window", "07:00-09:00", "-o", out)
    assert p.returncode == 0, p.stderr
    lines = out.read_text().splitlines()
    assert lines[0] == "origin,destination,minutes,measure,window,percentile"
    assert all(line.endswith(",percentile,07:00-09:00,50.0") for line in lines[1:])


@pytest.mark.parametrize("args, message", [
    (("route", "cq_east", "qianjiang", "--depart", "48:00"), "--depart"),
    (("route", "cq_east", "qianjiang", "--depart", "7am"), "--depart"),
    (("reach", "qianjiang", "--window", "09:00-07:00"), "ends before it starts"),
    (("route", "cq_east", "qianjiang", "--window", "07:00-09:00", "--percentiles", "5,150"), "0 to 100"),
    (("access", "--percentile", "-1"), "0 to 100"),
    (("reach", "qianjiang", "--window", "07:00-09:00", "--depart", "08:00"), "not both"),
    (("circle", "qianjiang", "--measure", "expected", "--window", "07:00-09:00"), "expected"),
    (("compare", "qianjiang", "--before", "2025-06-26", "--after", "2025-07-03", "--measure", "expected",
      "--depart", "08:00"), "expected"),
    (("matrix", "--origins", "qianjiang", "--output", "m.csv", "--measure", "expected", "--depart", "08:00"),
     "expected"),
    (("access", "--measure", "expected", "--percentile", "75"), "expected"),
    (("circle", "qianjiang", "--depart", "08:00"), "--window"),
])
def test_cli_bad_measure_input_is_one_line_exit_2(run_qjnet, args, message):
    p = run_qjnet(*args, *(() if args[0] == "compare" else ("--date", THURSDAY)))
    assert p.returncode == 2, (p.stdout, p.stderr)
    assert message in p.stderr and len(p.stderr.strip().splitlines()) == 1 and "Traceback" not in p.stderr


def test_cli_timetable_measure_needs_a_date(run_qjnet):
    p = run_qjnet("reach", "qianjiang", "--window", "07:00-09:00")
    assert p.returncode == 2 and "--date" in p.stderr
    p = run_qjnet("reach", "qianjiang", "--window", "07:00-09:00", "--reverse", "--date", THURSDAY)
    assert p.returncode == 2 and "--reverse" in p.stderr


def test_cli_mini_dataset_measures(run_qjnet, mini):
    p = run_qjnet("route", "town_a", "town_c", "--data", mini, "--date", "2025-07-01", "--window", "06:00-22:00",
                  "-f", "json")
    assert p.returncode == 0, p.stderr
    d = json.loads(p.stdout)
    assert d["fastest"]["minutes"] <= d["percentiles"]["5"] <= d["percentiles"]["95"]
    assert np.isfinite(d["fastest"]["minutes"])


def test_cli_maps_under_a_measure(run_qjnet, tmp_path):
    for args in (("route", "cq_east", "qianjiang", "--depart", "08:00"),
                 ("circle", "qianjiang_dist", "--window", "07:00-09:00")):
        out = tmp_path / f"{args[0]}.html"
        p = run_qjnet(*args, "--date", THURSDAY, "--map", out)
        assert p.returncode == 0, p.stderr
        assert out.stat().st_size > 0
