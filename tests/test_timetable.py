"""Timetables: published and generated trips, operating days, trips past midnight, link minutes."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import LineString, Point

from qjnet.geodata.errors import DataError, OptionError
from qjnet.geodata.io import Dataset, load_dataset
from qjnet.network import TimeParams, build_graph
from qjnet.network.timetable import (
    build_timetable,
    format_clock,
    link_times,
    links_from_graph,
    parse_clock,
)

DATE = "2025-07-03"  # a Thursday


def tiny_dataset(services: list[dict], *, n_nodes: int = 4) -> Dataset:
    """A dataset of ``n_nodes`` open places and the given services (no links)."""
    ids = [f"n{i}" for i in range(n_nodes)]
    pts = {n: (108 + 0.1 * i, 29 + 0.05 * i) for i, n in enumerate(ids)}
    nodes = gpd.GeoDataFrame(
        [{"id": n, "name_zh": n, "name_en": n, "kind": "place", "status": "open", "opened": None,
          "closed": None} for n in ids], geometry=[Point(pts[n]) for n in ids], crs="EPSG:4326")
    rows = [{"status": "open", "opened": None, "closed": None, "bidirectional": False, "mode": "rail",
             "days": [1, 2, 3, 4, 5, 6, 7], "headway_min": None, "per_day": None, **s} for s in services]
    svc = gpd.GeoDataFrame(rows, geometry=[LineString([pts[x] for x in r["stops"]]) for r in rows],
                           crs="EPSG:4326")
    links = gpd.GeoDataFrame({"id": [], "from": [], "to": [], "mode": [], "minutes": []}, geometry=[],
                             crs="EPSG:4326")
    for gdf in (nodes, svc):
        gdf.index = list(gdf["id"])
    return Dataset(nodes=nodes, services=svc, links=links, boundaries=None, scenarios={}, path=Path("tiny"))


@pytest.fixture(scope="module")
def embedded():
    return load_dataset()


@pytest.fixture(scope="module")
def tt(embedded):
    return build_timetable(embedded, date=DATE)


def test_clock_round_trip():
    assert parse_clock("00:00") == 0
    assert parse_clock("47:59") == 47 * 60 + 59
    assert format_clock(parse_clock("23:05")) == "23:05"
    assert format_clock(1510.25) == "25:10:15"
    for bad in ("7", "07:60", "48:00", "ab:cd", "07:30:00"):
        with pytest.raises(ValueError, match="clock time"):
            parse_clock(bad)


def test_embedded_has_no_published_departures(embedded):
    assert "departures" not in embedded.services.columns


def test_generated_per_day_fills_the_service_day_at_slot_midpoints(tt):
    trips = [t for t in tt.trips("yuxia_fast", DATE) if t.direction == "f"]
    assert len(trips) == 9  # per_day 9
    starts = np.array([t.times[0] for t in trips])
    headway = 1020 / 9
    assert starts == pytest.approx(360 + headway * (np.arange(9) + 0.5))
    assert all(t.times[-1] - t.times[0] == pytest.approx(61.0) for t in trips)


def test_fractional_per_day_is_spread_over_the_week(embedded):
    # air_jiq_ckg: per_day 3.2857 = 23 flights a week, every day
    counts = []
    for k in range(7):
        day = dt.date(2025, 6, 30) + dt.timedelta(days=k)  # Monday .. Sunday
        tt = build_timetable(embedded, date=day, modes="air")
        counts.append(len([t for t in tt.trips("air_jiq_ckg", day) if t.direction == "f"]))
    assert sum(counts) == 23
    assert set(counts) <= {3, 4}


def test_services_run_only_on_their_weekdays(embedded):
    thursday = build_timetable(embedded, date=DATE, modes="ga")
    friday = build_timetable(embedded, date="2025-07-04", modes="ga")
    assert {t.service for t in thursday.trips("ga_qj_wz", DATE)} == {"ga_qj_wz"}
    assert friday.trips("ga_qj_wz", "2025-07-04") == []
    assert friday.trips("ga_qj_wz") == []  # Saturday (the day after) is not a GA day either


def test_unopened_services_are_absent(embedded):
    tt = build_timetable(embedded, date="2025-06-20")  # before the Yu-Xia HSR opened on 2025-06-27
    assert not tt.trips("yuxia_fast")
    assert tt.trips("qzc_emu")


def test_modes_filter_and_processing(tt, embedded):
    assert not any(p.mode == "freight_rail" for p in tt.patterns)
    air = next(p for p in tt.patterns if p.mode == "air")
    assert (air.board_minutes, air.alight_minutes) == (60.0, 15.0)
    custom = build_timetable(embedded, date=DATE, params=TimeParams(transfer_minutes=4, board_processing={}))
    assert custom.transfer_minutes == 4.0
    assert all(p.board_minutes == 0 for p in custom.patterns)


def test_published_departures_and_days_and_midnight():
    ds = tiny_dataset([
        {"id": "night", "stops": ["n0", "n1", "n2"], "minutes": [0, 50, 140], "days": [3],
         "departures": ["23:30", "06:00"], "bidirectional": True},
        {"id": "split", "stops": ["n2", "n3"], "minutes": [0, 10], "per_day": 2,
         "departures": {"f": ["08:00"], "r": ["09:15", "25:00"]}, "bidirectional": True},
    ])
    tt = build_timetable(ds, date=DATE)  # Thursday: Wednesday's 23:30 trip is still running
    night = tt.trips("night")
    assert [(t.date.isoformat(), t.direction, format_clock(t.times[0]), format_clock(t.times[-1])) for t in night] == [
        ("2025-07-02", "f", "-00:30", "01:50"), ("2025-07-02", "r", "-00:30", "01:50")]
    split = tt.trips("split", DATE)
    assert sorted((t.direction, t.times[0]) for t in split) == [("f", 480.0), ("r", 555.0), ("r", 1500.0)]
    wednesday = build_timetable(ds, date="2025-07-02")
    assert sorted(format_clock(t.times[0]) for t in wednesday.trips("night", "2025-07-02")) == [
        "06:00", "06:00", "23:30", "23:30"]


def test_long_trips_reach_back_several_days(embedded):
    tt = build_timetable(embedded, date=DATE, modes="freight_rail")
    dates = {t.date for t in tt.trips("frt_qj_qinzhou")}
    assert dt.date(2025, 7, 1) in dates  # a 53-hour train that left two days before
    assert all(t.times[-1] > 0 for t in tt.trips("frt_qj_qinzhou"))
    passengers = build_timetable(embedded, date=DATE)
    assert min(d for p in passengers.patterns for d in p.dates) == dt.date(2025, 7, 2)


def test_scenario_adds_planned_services(embedded):
    tt = build_timetable(embedded, date="2035-12-31", scenario="plan-2035")
    assert {p.service for p in tt.patterns} >= {"wanqian_plan", "qianji_plan"}
    assert "wanzhou_n" in tt.index
    before = build_timetable(embedded, date="2025-06-26", scenario="before-hsr")
    assert not before.trips("yuxia_fast")


def test_headway_generation_and_window():
    ds = tiny_dataset([{"id": "h", "stops": ["n0", "n1"], "minutes": [0, 5], "headway_min": 30}])
    tt = build_timetable(ds, date=DATE, window=(360, 480))
    assert [t.times[0] for t in tt.trips("h", DATE)] == [375.0, 405.0, 435.0, 465.0]
    with pytest.raises(OptionError, match="window"):
        build_timetable(ds, date=DATE, window=(500, 400))


@pytest.mark.parametrize("value", [["7:00x"], "not json", [["08:00"]], {"x": ["08:00"]}, ["24:61"]])
def test_bad_departures_name_record_and_field(value):
    ds = tiny_dataset([{"id": "bad", "stops": ["n0", "n1"], "minutes": [0, 5], "departures": value}])
    with pytest.raises(DataError, match=r"'bad'.*departures"):
        build_timetable(ds, date=DATE)


def test_bad_arguments(embedded):
    with pytest.raises(OptionError, match="date"):
        build_timetable(embedded, date="2025-13-01")
    with pytest.raises(OptionError, match="unknown mode"):
        build_timetable(embedded, date=DATE, modes="boat")
    with pytest.raises(OptionError, match="Dataset"):
        build_timetable(42, date=DATE)
    selected = load_dataset(date=DATE)
    assert build_timetable(selected, date=DATE).n_trips > 0
    with pytest.raises(OptionError, match="already restricted"):
        build_timetable(selected, date="2025-07-04")
    with pytest.raises(OptionError, match="evaluated on"):
        build_timetable(replace(embedded, scenarios={"s": {"name": "s", "date": "2030-01-01"}}), date=DATE,
                        scenario="s")


def test_link_times_shortest_chains_and_paths():
    lt = link_times(["a", "b", "c", "d"], [("a", "b", 5, "road", "1"), ("b", "c", 7, "walk", "2"),
                                           ("a", "c", 20, "road", "3"), ("c", "a", 0, "walk", "4"),
                                           ("a", "zz", 1, "road", "5")])
    assert lt.minutes[0].tolist() == [0.0, 5.0, 12.0, np.inf]
    assert lt.minutes[2, 1] == pytest.approx(5.0)  # c -> a at 0, then a -> b
    assert lt.path(0, 2) == [0, 1, 2]
    with pytest.raises(ValueError, match="no link chain"):
        lt.path(0, 3)


def test_links_from_graph_match_the_graph(tt):
    G = build_graph(date=DATE)
    lt = links_from_graph(G, tt)
    i, j = tt.index["qianjiang_dist"], tt.index["qianjiang"]
    direct = min(d["minutes"] for _, v, d in G.out_edges("qianjiang_dist", data=True)
                 if v == "qianjiang" and d.get("kind") == "link")
    assert lt.minutes[i, j] == pytest.approx(direct)
    assert np.all(np.diag(lt.minutes) == 0)
