"""Provenance of the timetable measures (one departure, the fastest trip of a window, a window percentile):
the split adds up, the range holds the answer, and the ranges cover the published facts."""

from __future__ import annotations

import csv
import json

import pytest
from test_provenance import DATA, assert_claimed_coverage

from qjnet.geodata.errors import QjnetError
from qjnet.geodata.io import load_dataset
from qjnet.network import build_graph
from qjnet.network.facts import ASSERTED_KINDS, MODES, ON_BOARD, fact_dataset, fact_date
from qjnet.network.measures import Measure, TimedNetwork, route_at, route_window, timed_network
from qjnet.network.provenance import KINDS
from qjnet.network.timed_provenance import journey_provenance, published_departures, timed_provenance
from qjnet.network.timetable import build_timetable, links_from_graph

DATE = "2025-07-02"


@pytest.fixture(scope="module")
def tn():
    return timed_network(date=DATE)


@pytest.mark.parametrize("pair", [("cq_east", "qianjiang"), ("qianjiang", "changsha"), ("qianjiang_dist", "ckg"),
                                  ("qianjiang_dist", "wanzhou_dist")])
@pytest.mark.parametrize("depart", ["06:30", "08:00", "17:45"])
def test_departure_split_adds_up_and_range_holds(tn, pair, depart):
    journey = route_at(tn, *pair, depart=depart)
    p = journey_provenance(journey, tn)
    assert p.total == pytest.approx(journey.minutes, abs=1e-6)
    assert p.range[0] <= journey.minutes <= p.range[1]
    assert len(p.legs) == len(journey.legs)
    for lp in p.legs:
        assert lp.range[0] <= sum(lp.minutes.values()) + 1e-9 and sum(lp.minutes.values()) <= lp.range[1] + 1e-9


def test_waits_for_generated_departures_are_assumed_and_banded(tn):
    journey = route_at(tn, "cq_east", "qianjiang", depart="07:00")
    p = journey_provenance(journey, tn)
    wait = journey.legs[0].depart - journey.depart
    assert wait > 0 and p.minutes["assumed"] == pytest.approx(wait)
    assert p.minutes["published"] == pytest.approx(61)
    headway = tn.graph.edges["cq_east", f"{journey.legs[0].service}|f|cq_east", "board"]["headway"]
    assert p.range == pytest.approx((59 + max(wait - headway / 2, 0), 63 + wait + headway / 2))


def test_published_departures_make_the_wait_published(tn):
    journey = route_at(tn, "cq_east", "qianjiang", depart="07:00")
    sid = journey.legs[0].service
    p = journey_provenance(journey, tn, published=[sid])
    assert p.minutes["assumed"] == 0 and p.minutes["published"] == pytest.approx(journey.minutes)
    assert p.range == pytest.approx((journey.minutes - 2, journey.minutes + 2))


def test_fastest_trip_leaves_at_will(tn):
    out = timed_provenance(tn, "cq_east", ["qianjiang"], Measure("fastest", window="07:00-09:00"))
    assert out["qianjiang"].label() == "61 min (59-63)"


def test_percentile_is_the_journey_of_its_departure_minute(tn):
    m = Measure("percentile", window="07:00-09:00", percentile=50)
    wr = route_window(tn, "qianjiang_dist", "changsha", window="07:00-09:00", percentiles=(50,))
    p = timed_provenance(tn, "qianjiang_dist", ["changsha"], m)["changsha"]
    assert p.total == pytest.approx(wr.percentiles[50.0], abs=1e-3)
    assert p.range[0] <= p.total <= p.range[1]


def test_embedded_dataset_publishes_no_departures():
    assert published_departures(load_dataset()) == frozenset()


# --- the ranges of the fastest timetabled trip against the published facts ----------------------


def _timed_ranges() -> list[tuple[str, float, tuple]]:
    ds = load_dataset()
    with open(DATA / "sources" / "published_times.csv", encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["from_id"] and r["to_id"] and r["mode"] in MODES
                and r["kind"] in ASSERTED_KINDS]
    out = []
    for row in rows:
        sub, day, modes = fact_dataset(ds, row), fact_date(row["as_of"]), MODES[row["mode"]]
        try:
            G = build_graph(sub, date=day, modes=modes, params=ON_BOARD)
            tt = build_timetable(sub, date=day, modes=modes, params=ON_BOARD)
            tn = TimedNetwork(tt, links_from_graph(G, tt), G)
            got = timed_provenance(tn, row["from_id"], [row["to_id"]], Measure("fastest", window="00:00-23:59"))
        except QjnetError:
            continue  # not routable on its date: test_published_facts says why
        if row["to_id"] in got:
            out.append((f"{row['from']} -> {row['to']} ({row['as_of']})", float(row["minutes"]),
                        got[row["to_id"]].range))
    return out


def test_timetable_ranges_cover_the_published_facts_at_the_claimed_rate():
    assert_claimed_coverage(_timed_ranges())


# --- the command line ------------------------------------------------------------------------------


def _check(d: dict, minutes: float) -> None:
    assert set(d["provenance"]) == {*KINDS, "shares"}
    lo, hi = d["range"]
    assert lo <= round(minutes, 1) <= hi
    assert sum(d["provenance"][k] for k in KINDS) == pytest.approx(minutes, abs=0.01)


def test_cli_route_departure_json(run_qjnet):
    p = run_qjnet("route", "黔江站", "长沙站", "--date", DATE, "--depart", "08:00", "--format", "json")
    assert p.returncode == 0, p.stderr
    d = json.loads(p.stdout)
    _check(d, d["minutes"])
    assert all({"source", "records", "provenance", "range"} <= set(leg) for leg in d["legs"])


@pytest.mark.parametrize("measure", ["percentile", "fastest"])
def test_cli_route_window_json_and_table(run_qjnet, measure):
    args = ("route", "qianjiang_dist", "ckg", "--date", DATE, "--window", "07:00-09:00", "--measure", measure)
    d = json.loads(run_qjnet(*args, "--format", "json").stdout)
    value = d["fastest"]["minutes"] if measure == "fastest" else d["percentiles"]["50"]
    _check(d, value)
    _check(d["fastest"], d["fastest"]["minutes"])
    assert all("source" in leg and "range" in leg for leg in d["fastest"]["legs"])
    t = run_qjnet(*args, "--min-published", "0.5")
    assert t.returncode == 0 and "# range: " in t.stdout and "# mostly_modelled:" in t.stdout
    assert "source" in t.stdout and "range" in t.stdout


def test_cli_reach_and_circle_under_a_window(run_qjnet):
    p = run_qjnet("reach", "qianjiang_dist", "--minutes", "120", "--date", DATE, "--window", "07:00-09:00",
                  "--format", "json")
    assert p.returncode == 0, p.stderr
    d = json.loads(p.stdout)
    places = [r for r in d["places"] if r["minutes"] > 0]
    assert places and all(r["range"] and r["published_share"] is not None for r in places)
    assert sum(d["provenance_summary"].values()) == len(places)
    for r in places:
        lo, hi = (int(x) for x in r["range"].split("-"))
        assert lo <= r["minutes"] <= hi
    c = run_qjnet("circle", "qianjiang_dist", "--date", DATE, "--window", "07:00-09:00", "--format", "csv")
    assert c.returncode == 0, c.stderr
    assert "published_share" in c.stdout.splitlines()[0]
    g = run_qjnet("reach", "qianjiang_dist", "--minutes", "90", "--date", DATE, "--measure", "fastest",
                  "--window", "07:00-09:00", "--format", "geojson")
    props = json.loads(g.stdout)["features"][1]["properties"]
    assert {"published_share", "range_low", "range_high", "provenance"} <= set(props)
