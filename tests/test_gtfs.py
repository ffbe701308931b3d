"""GTFS out (network.gtfs) and in (geodata.gtfs): a valid feed, the round trip, bad feeds, the CLI."""

from __future__ import annotations

import csv
import io
import json
import math
import zipfile
from pathlib import Path

import numpy as np
import pytest

from qjnet.geodata.errors import DataError, NoRouteError, OptionError
from qjnet.geodata.gtfs import read_gtfs
from qjnet.geodata.io import load_dataset
from qjnet.network import build_graph
from qjnet.network.gtfs import write_gtfs
from qjnet.network.raptor import earliest_arrival
from qjnet.network.route import route
from qjnet.network.timetable import build_timetable, link_times

DATE = "2025-07-03"  # a Thursday: every service of the embedded dataset runs


@pytest.fixture(scope="module")
def feed(tmp_path_factory) -> Path:
    """Every passenger service: air and GA as the extended route type 1100."""
    return write_gtfs(None, tmp_path_factory.mktemp("gtfs") / "feed.zip", start_date=DATE,
                      extended_route_types=True)


@pytest.fixture(scope="module")
def basic_feed(tmp_path_factory) -> Path:
    """The default feed: basic route types only, so rail only."""
    return write_gtfs(None, tmp_path_factory.mktemp("gtfs") / "basic.zip", start_date=DATE)


def table(path: Path, name: str) -> list[dict[str, str]]:
    with zipfile.ZipFile(path) as zf:
        return list(csv.DictReader(io.StringIO(zf.read(name).decode("utf-8"))))


def rewrite(src: Path, dst: Path, name: str, change) -> Path:
    """Copy a feed, with ``change(rows) -> rows`` applied to one file (``None``: leave the file out)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for item in zin.namelist():
            text = zin.read(item).decode("utf-8")
            if item == name:
                rows = list(csv.reader(io.StringIO(text)))
                rows = change(rows)
                if rows is None:
                    continue
                buf = io.StringIO()
                csv.writer(buf, lineterminator="\n").writerows(rows)
                text = buf.getvalue()
            zout.writestr(item, text)
    return dst


# --------------------------------------------------------------------------- the feed


def test_feed_files_and_contents(feed):
    names = set(zipfile.ZipFile(feed).namelist())
    assert names == {"agency.txt", "stops.txt", "routes.txt", "trips.txt", "stop_times.txt", "calendar.txt",
                     "frequencies.txt", "shapes.txt"}
    routes = {r["route_id"]: r for r in table(feed, "routes.txt")}
    assert routes["yuxia_fast"]["route_type"] == "2" and routes["qzc_emu"]["route_type"] == "2"
    assert routes["air_jiq_ckg"]["route_type"] == "1100" and routes["ga_qj_wz"]["route_type"] == "1100"
    assert not any(r.startswith("frt_") for r in routes), "freight is not a passenger service"
    assert "qianji_plan" not in routes, "planned services do not run in the feed window"
    stops = {s["stop_id"]: s for s in table(feed, "stops.txt")}
    assert stops["cq_east"]["stop_name"] == "重庆东站"
    assert "qianjiang_dist" not in stops, "a place no service stops at is not a stop"
    cal = {c["service_id"]: c for c in table(feed, "calendar.txt")}
    assert cal["ga_qj_wz"]["monday"] == "1" and cal["ga_qj_wz"]["friday"] == "0"
    assert (cal["yuxia_fast"]["start_date"], cal["yuxia_fast"]["end_date"]) == ("20250703", "20260702")


def test_frequencies_match_the_timetable(feed):
    freq = {f["trip_id"]: f for f in table(feed, "frequencies.txt")}
    # 9 a day over 06:00-23:00: 1020 / 9 min = 6800 s
    assert freq["yuxia_fast_f"] == {"trip_id": "yuxia_fast_f", "start_time": "06:00:00", "end_time": "23:00:00",
                                    "headway_secs": "6800", "exact_times": "0"}
    times = [(s["stop_id"], s["arrival_time"]) for s in table(feed, "stop_times.txt") if s["trip_id"] == "yuxia_all_f"]
    emb = load_dataset().services.loc["yuxia_all"]
    clock = [f"{6 + int(m * 60) // 3600:02d}:{int(m * 60) % 3600 // 60:02d}:{int(m * 60) % 60:02d}"
             for m in emb["minutes"]]
    assert times == list(zip(emb["stops"], clock, strict=True))  # the dataset's cumulative minutes from 06:00
    # once a day: one explicit trip at the time the timetable generates (middle of the window)
    trips = [t["trip_id"] for t in table(feed, "trips.txt") if t["route_id"] == "ga_qj_wz"]
    assert trips == ["ga_qj_wz_f_1430", "ga_qj_wz_r_1430"]
    tt = build_timetable(date=DATE)
    assert [t.times[0] for t in tt.trips("ga_qj_wz", DATE)] == [870.0, 870.0]


def test_shapes_follow_the_service_geometry(feed):
    pts = [(float(p["shape_pt_lon"]), float(p["shape_pt_lat"])) for p in table(feed, "shapes.txt")
           if p["shape_id"] == "yuxia_all_r"]
    geom = load_dataset().services.loc["yuxia_all"].geometry
    assert np.allclose(pts, list(geom.coords)[::-1])


def test_published_departures_are_explicit_trips(tmp_path):
    from dataclasses import replace

    ds = load_dataset()
    services = ds.services.copy()
    services["departures"] = None
    services.at["yuxia_fast", "departures"] = {"f": ["07:05", "18:40"], "r": ["08:00"]}
    feed = write_gtfs(replace(ds, services=services), tmp_path / "pub.zip", start_date=DATE)
    trips = [t["trip_id"] for t in table(feed, "trips.txt") if t["route_id"] == "yuxia_fast"]
    assert trips == ["yuxia_fast_f_0705", "yuxia_fast_f_1840", "yuxia_fast_r_0800"]
    assert not [f for f in table(feed, "frequencies.txt") if f["trip_id"].startswith("yuxia_fast")]
    back = read_gtfs(feed).services
    assert list(back.loc["yuxia_fast_1", "departures"]) == ["07:05", "18:40"]
    assert list(back.loc["yuxia_fast_2", "departures"]) == ["08:00"]


def test_feed_window_cuts_calendars(tmp_path):
    # Yu-Xia opened on 2025-06-27: a feed from June starts its calendar there
    feed = write_gtfs(None, tmp_path / "june.zip", start_date="2025-06-01", end_date="2025-06-30")
    cal = {c["service_id"]: c for c in table(feed, "calendar.txt")}
    assert (cal["yuxia_fast"]["start_date"], cal["yuxia_fast"]["end_date"]) == ("20250627", "20250630")
    assert cal["qzc_emu"]["start_date"] == "20250601"
    feed = write_gtfs(None, tmp_path / "old.zip", start_date="2019-01-01", end_date="2019-01-31")
    assert "yuxia_fast" not in {r["route_id"] for r in table(feed, "routes.txt")}


def test_bad_write_options(tmp_path):
    with pytest.raises(OptionError, match=r"\.zip"):
        write_gtfs(None, tmp_path / "feed.gpkg", start_date=DATE)
    with pytest.raises(OptionError, match="before start_date"):
        write_gtfs(None, tmp_path / "feed.zip", start_date=DATE, end_date="2025-01-01")
    with pytest.raises(OptionError):
        write_gtfs(None, tmp_path / "feed.zip", start_date="2025-13-01")
    assert not list(tmp_path.iterdir()), "nothing written"


# --------------------------------------------------------------------------- validation with gtfs-kit


def _gtfs_kit_problems(path: Path, monkeypatch, *, wide_route_type: bool = False) -> tuple[list, list]:
    gk = pytest.importorskip("gtfs_kit")
    # gtfs-kit reads headway_secs as a 16-bit integer, which cannot hold the headway of a train
    # that runs less than twice a day (over 9 h 6 min): widen it to read the feed.  With
    # wide_route_type also route_type, read as 8 bits, which cannot hold the extended types (1100)
    monkeypatch.setitem(gk.constants.DTYPE, "headway_secs", "Int32")
    if wide_route_type:
        monkeypatch.setitem(gk.constants.DTYPE, "route_type", "Int32")
    report = gk.read_feed(path, dist_units="km").validate()
    errors = report[report["type"] == "error"]
    warnings = report[report["type"] == "warning"]
    return errors.to_dict("records"), warnings["message"].tolist()


def _expected_warnings(warnings: list[str]) -> bool:
    """The only warnings: qjnet's extension columns, and a feed window that is over."""
    return {w for w in warnings if not w.startswith("Unrecognized column qjnet_")} <= {"Feed expired"}


def test_default_feed_validates_with_gtfs_kit(basic_feed, monkeypatch):
    errors, warnings = _gtfs_kit_problems(basic_feed, monkeypatch)
    assert errors == []
    assert _expected_warnings(warnings)
    routes = table(basic_feed, "routes.txt")
    assert {r["route_type"] for r in routes} == {"2"} and {r["qjnet_mode"] for r in routes} == {"hsr", "rail"}


def test_default_feed_names_the_services_it_leaves_out(tmp_path, caplog):
    from qjnet.network.gtfs import left_out_services

    left = left_out_services(None, start_date=DATE)
    emb = load_dataset(date=DATE).services
    assert left and set(left) == set(emb.index[emb["mode"].isin(["air", "ga"])])
    with caplog.at_level("WARNING", logger="qjnet.network.gtfs"):
        write_gtfs(None, tmp_path / "feed.zip", start_date=DATE)
    [line] = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert f"leaves out {len(left)} air/GA services" in line and "air_jiq_ckg" in line
    assert left_out_services(None, start_date=DATE, modes="hsr,rail") == []
    with pytest.raises(OptionError, match="mode air: GTFS's basic route types have none"):
        write_gtfs(None, tmp_path / "air.zip", start_date=DATE, modes="air")


def test_extended_feed_validates_but_for_the_air_route_types(feed, monkeypatch):
    # gtfs-kit's validator knows only the basic route types 0-7; air services use the
    # extended type 1100 (GTFS "Air Service"), so it flags exactly the air and GA routes
    errors, warnings = _gtfs_kit_problems(feed, monkeypatch, wide_route_type=True)
    routes = table(feed, "routes.txt")
    air = [i for i, r in enumerate(routes) if r["route_type"] == "1100"]
    assert {routes[i]["qjnet_mode"] for i in air} == {"air", "ga"}
    assert [(e["table"], e["message"]) for e in errors] == [
        ("routes", "Invalid route_type; maybe has extra space characters")]
    assert sorted(errors[0]["rows"]) == air
    assert _expected_warnings(warnings)


# --------------------------------------------------------------------------- the round trip


def test_read_gtfs_gives_back_the_services(feed):
    ds = load_dataset(feed)
    emb = load_dataset().services
    for sid in ("yuxia_all", "qzc_conv", "cyc_fast", "air_jiq_ckg", "ga_lp_qj"):
        f, r = ds.services.loc[f"{sid}_1"], ds.services.loc[f"{sid}_2"]
        assert list(f["stops"]) == list(emb.loc[sid, "stops"])
        assert list(r["stops"]) == list(emb.loc[sid, "stops"])[::-1]
        assert list(f["minutes"]) == pytest.approx(list(emb.loc[sid, "minutes"]), abs=0.01)
        # per_day comes back as the shortest decimal that gives the same headway in whole seconds
        assert float(f["per_day"]) == pytest.approx(float(emb.loc[sid, "per_day"]), rel=1e-4)
        assert list(f["days"]) == list(emb.loc[sid, "days"]) and f["mode"] == emb.loc[sid, "mode"]
    node = ds.node("cq_east")
    assert (node["name_zh"], node["name_en"], node["kind"]) == ("重庆东站", "Chongqing East", "hsr_station")
    assert len(ds.links) == 0, "a GTFS feed has no roads"


# The feed has no roads: pairs whose fastest trip on the embedded dataset takes a road
# (Chongqing Jiangbei to Wanzhou by road beats the flights) are compared without roads (modes)
PAIRS = [("cq_east", "qianjiang", None), ("cq_east", "zjj_w", None), ("qianjiang", "changde", None),
         ("changsha", "cq_east", None), ("cq_north", "wanzhou_n", None), ("yichang_e", "cq_north", None),
         ("jiq", "ckg", None), ("ckg", "wsk", None), ("lia", "yc_daan", "air,ga")]


@pytest.mark.parametrize(("a", "b", "modes"), PAIRS)
def test_round_trip_routes_give_the_same_minutes(feed, a, b, modes):
    it0 = route(build_graph(date=DATE, modes=modes), a, b)
    it1 = route(build_graph(feed, date=DATE, modes=modes), a, b)
    assert it1.minutes == pytest.approx(it0.minutes, abs=1e-6)
    assert [leg.mode for leg in it1.legs] == [leg.mode for leg in it0.legs]


def test_round_trip_never_faster_and_equal_without_links(feed):
    # GTFS carries no roads or access links: the re-imported network is the embedded one
    # without them, so no trip gets faster, and a trip that uses none keeps its minutes
    G0, G1 = build_graph(date=DATE), build_graph(feed, date=DATE)
    stations = sorted(n for n in G1.nodes if G1.nodes[n].get("kind") in ("hsr_station", "rail_station"))[::3]
    for a in stations:
        for b in stations:
            if a == b:
                continue
            it0 = route(G0, a, b)
            try:
                m1 = route(G1, a, b).minutes
            except NoRouteError:
                m1 = math.inf
            assert m1 >= it0.minutes - 1 / 60  # GTFS times are whole seconds
            if all(leg.service for leg in it0.legs):
                assert m1 == pytest.approx(it0.minutes, abs=1 / 60), (a, b)


def test_round_trip_timetables_give_the_same_arrivals(tmp_path):
    # a timetable for D also holds the trips of D - 1 still running after midnight: the feed starts on D - 1
    feed = write_gtfs(None, tmp_path / "feed.zip", start_date="2025-07-02", extended_route_types=True)
    tt0, tt1 = build_timetable(date=DATE), build_timetable(feed, date=DATE)
    assert tt1.n_trips == tt0.n_trips
    common = list(tt1.nodes)
    for origin in ("cq_east", "qianjiang", "jiq", "changde"):
        for depart in (300.0, 480.0, 1000.0):
            a0 = earliest_arrival(tt0, link_times(tt0, []), origin, depart)
            a1 = earliest_arrival(tt1, link_times(tt1, []), origin, depart)
            got = np.array([a1.arrival(n) for n in common])
            want = np.array([a0.arrival(n) for n in common])
            assert np.allclose(got, want, atol=1e-6, equal_nan=True), (origin, depart)


def test_round_trip_through_the_cli(run_qjnet, tmp_path):
    result = run_qjnet("export", "--date", DATE, "--output", tmp_path / "feed.zip")
    assert result.returncode == 0, result.stderr
    for a, b, extra in [("重庆东站", "黔江站", ()), ("黔江站", "常德站", ("--modes", "hsr,rail"))]:
        lines = []
        for data in ((), ("--data", tmp_path / "feed.zip")):
            ran = run_qjnet("route", a, b, "--date", DATE, *extra, *data, "--format", "json")
            assert ran.returncode == 0, ran.stderr
            lines.append(json.loads(ran.stdout)["minutes"])
        assert lines[0] == pytest.approx(lines[1])


# --------------------------------------------------------------------------- bad feeds


def _drop_column(col):
    def change(rows):
        i = rows[0].index(col)
        return [r[:i] + r[i + 1:] for r in rows]
    return change


def _set(row_index, col, value):
    """Set ``col`` of ``rows[row_index]`` (index 0 is the header: ``rows[k]`` is line k + 1, "row k + 1")."""

    def change(rows):
        i = rows[0].index(col)
        rows[row_index][i] = value
        return rows
    return change


BAD_FEEDS = {
    "missing file": ("stop_times.txt", lambda rows: None, r"feed\.zip: stop_times\.txt is missing"),
    "missing field": ("trips.txt", _drop_column("service_id"), r"trips\.txt, field 'service_id'"),
    "empty field": ("stops.txt", _set(3, "stop_id", ""), r"stops\.txt, record 'row 4', field 'stop_id'"),
    "unknown stop": ("stop_times.txt", _set(2, "stop_id", "nowhere"),
                     r"stop_times\.txt, record 'row 3', field 'stop_id': unknown stop_id 'nowhere'"),
    "backwards": ("stop_times.txt", _set(2, "arrival_time", "05:00:00"),
                  r"stop_times\.txt, record 'row 3', field 'arrival_time': .*backwards"),
    "bad time": ("frequencies.txt", _set(1, "start_time", "6h"),
                 r"frequencies\.txt, record 'row 2', field 'start_time': bad time"),
    "bad date": ("calendar.txt", _set(1, "start_date", "2025-07-03"),
                 r"calendar\.txt, record 'row 2', field 'start_date': bad date"),
    "unknown route": ("trips.txt", _set(1, "route_id", "nope"), r"trips\.txt, record 'row 2', field 'route_id'"),
}


@pytest.mark.parametrize("name", sorted(BAD_FEEDS))
def test_bad_feed_names_file_row_and_field(feed, tmp_path, name):
    file, change, pattern = BAD_FEEDS[name]
    bad = rewrite(feed, tmp_path / "feed.zip", file, change)
    with pytest.raises(DataError, match=pattern):
        load_dataset(bad)


def test_bad_feed_on_the_cli_is_one_line_exit_2(feed, tmp_path, run_qjnet):
    bad = rewrite(feed, tmp_path / "feed.zip", "stop_times.txt", _set(2, "stop_id", "nowhere"))
    ran = run_qjnet("route", "cq_east", "qianjiang", "--date", DATE, "--data", bad)
    assert ran.returncode == 2
    assert ran.stderr.count("\n") == 1 and "stop_times.txt, record 'row 3', field 'stop_id'" in ran.stderr
    not_zip = tmp_path / "not.zip"
    not_zip.write_text("hello")
    ran = run_qjnet("places", "--data", not_zip)
    assert ran.returncode == 2 and "cannot read the GTFS feed" in ran.stderr


def test_foreign_feed_parent_stations_frequencies_and_types(tmp_path):
    """A feed not written by qjnet: platforms merge into their station, bus routes are skipped,
    a peak frequency becomes published departures, intermediate times are interpolated."""
    files = {
        "agency.txt": "agency_id,agency_name,agency_url,agency_timezone\na,A,https://a.example,Asia/Shanghai\n",
        "stops.txt": ("stop_id,stop_name,stop_lat,stop_lon,location_type,parent_station\n"
                      "S,Station S,29.5,108.7,1,\nS1,S platform 1,29.5,108.7,0,S\n"
                      "T,Town T,29.6,108.9,0,\nU,Halt U,29.7,109.0,0,\n"),
        "routes.txt": "route_id,agency_id,route_short_name,route_long_name,route_type\nR,a,R,Rail R,2\nB,a,B,Bus,3\n",
        "trips.txt": "route_id,service_id,trip_id\nR,wk,r1\nB,wk,b1\n",
        "stop_times.txt": ("trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
                           "r1,07:00:00,07:00:00,S1,1\nr1,,,T,2\nr1,07:40:00,07:40:00,U,3\n"
                           "b1,07:00:00,07:00:00,S1,1\nb1,07:30:00,07:30:00,T,2\n"),
        "calendar.txt": ("service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\n"
                         "wk,1,1,1,1,1,0,0,20250101,20251231\n"),
        "frequencies.txt": "trip_id,start_time,end_time,headway_secs,exact_times\nr1,07:00:00,09:00:00,1800,1\n",
    }
    path = tmp_path / "foreign.zip"
    with zipfile.ZipFile(path, "w") as zf:
        for name, text in files.items():
            zf.writestr(name, text)
    ds = load_dataset(path, date=DATE)
    assert list(ds.services.index) == ["r"]
    svc = ds.services.loc["r"]
    assert list(svc["stops"]) == ["s", "t", "u"] and list(svc["minutes"]) == [0.0, 20.0, 40.0]
    assert list(svc["departures"]) == ["07:00", "07:30", "08:00", "08:30"] and svc["per_day"] == 4
    assert list(svc["days"]) == [1, 2, 3, 4, 5] and svc["closed"] == "2026-01-01"
    assert ds.node("s")["kind"] == "rail_station" and ds.node("s")["name_zh"] == "Station S"
    assert route(build_graph(ds), "s", "u").minutes == pytest.approx(40.0)
    tt = build_timetable(load_dataset(path), date=DATE)
    assert [t.times[0] for t in tt.trips("r", DATE)] == [420.0, 450.0, 480.0, 510.0]


def test_cli_export_options(run_qjnet, tmp_path):
    ran = run_qjnet("export", "--format", "gtfs", "--output", tmp_path / "feed.gpkg", "--date", DATE)
    assert ran.returncode == 2 and "a GTFS feed a .zip file" in ran.stderr
    ran = run_qjnet("export", "--format", "gpkg", "--output", tmp_path / "feed.zip", "--date", DATE)
    assert ran.returncode == 2
    ran = run_qjnet("export", "--output", tmp_path / "folder", "--end-date", "2025-12-31", "--date", DATE)
    assert ran.returncode == 2 and "--end-date is for --format gtfs" in ran.stderr
    assert not list(tmp_path.iterdir())
    ran = run_qjnet("export", "-o", tmp_path / "f.zip", "--date", DATE, "--end-date", "2025-07-31")
    assert ran.returncode == 0, ran.stderr
    assert {c["end_date"] for c in table(tmp_path / "f.zip", "calendar.txt")} == {"20250731"}


def test_cli_export_says_what_it_leaves_out(run_qjnet, tmp_path):
    from qjnet.network.gtfs import left_out_services

    left = left_out_services(None, start_date=DATE)
    ran = run_qjnet("export", "-o", tmp_path / "f.zip", "--date", DATE)
    assert ran.returncode == 0, ran.stderr
    [line] = [x for x in ran.stderr.splitlines() if x.startswith("left out")]
    assert line == (f"left out {len(left)} air/GA services ({', '.join(left)}): GTFS's basic route types have "
                    "none for air services; --extended-route-types writes them as route_type 1100")
    assert {r["route_type"] for r in table(tmp_path / "f.zip", "routes.txt")} == {"2"}
    ran = run_qjnet("export", "-o", tmp_path / "x.zip", "--date", DATE, "--extended-route-types")
    assert ran.returncode == 0 and "left out" not in ran.stderr
    routes = table(tmp_path / "x.zip", "routes.txt")
    assert {r["route_id"] for r in routes if r["route_type"] == "1100"} == set(left)
    ran = run_qjnet("export", "-o", tmp_path / "folder", "--extended-route-types")
    assert ran.returncode == 2 and "--extended-route-types is for --format gtfs only" in ran.stderr


def test_feed_validates_and_converts_to_a_dataset_folder(feed, run_qjnet, tmp_path):
    ran = run_qjnet("validate", feed)
    assert ran.returncode == 0 and "no problems" in ran.stdout
    ran = run_qjnet("export", "--data", feed, "--output", tmp_path / "region")
    assert ran.returncode == 0, ran.stderr
    ran = run_qjnet("validate", tmp_path / "region")
    exported = load_dataset(feed)
    assert ran.returncode == 0 and f"OK ({len(exported.nodes)} nodes, {len(exported.services)} services, 0 links" in ran.stdout


def test_cli_export_under_a_scenario(run_qjnet, tmp_path):
    # plan-2035 adds the planned Qianjiang-Jishou HSR; without --date the feed starts on the scenario's date
    ran = run_qjnet("export", "--scenario", "plan-2035", "--output", tmp_path / "plan.zip")
    assert ran.returncode == 0, ran.stderr
    routes = {r["route_id"] for r in table(tmp_path / "plan.zip", "routes.txt")}
    assert "qianji_plan" in routes
    assert {c["start_date"] for c in table(tmp_path / "plan.zip", "calendar.txt")} == {"20351231"}


def test_an_imported_feed_exports_again(feed, tmp_path):
    again = write_gtfs(load_dataset(feed), tmp_path / "again.zip", start_date=DATE, extended_route_types=True)
    assert table(again, "agency.txt")[0]["agency_url"] == table(feed, "agency.txt")[0]["agency_url"]
    assert len(table(again, "trips.txt")) == len(table(feed, "trips.txt"))
    G0, G1 = build_graph(feed, date=DATE), build_graph(again, date=DATE)
    assert route(G1, "cq_east", "changsha").minutes == pytest.approx(route(G0, "cq_east", "changsha").minutes)
