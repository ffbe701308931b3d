"""qjnet checked against peer engines on its own GTFS feed: peartree and ferrobus.

Run from the repository root (needs network access the first time, to install the peers)::

    python -m bench.peers [--cache DIR] [--peers peartree,ferrobus] [--json OUT] [--docs]

Each peer runs in its own virtual environment under the cache folder
(default ``~/.cache/qjnet-bench``, or ``$QJNET_BENCH_CACHE``), created on the
first run with pip from PyPI: peartree needs pandas 1.5.3 and numpy 1.26,
which qjnet does not run on.  A small driver kept beside this file
(``bench/peers_peartree.py``, ``bench/peers_ferrobus.py``) runs in that
environment and writes JSON; this script compares it with qjnet.

The feed is the default export of the embedded dataset (rail, basic route
types) for one Thursday.  Neither peer reads ``frequencies.txt``, so the
peers get the same feed with every frequency template replaced by the trips
qjnet's timetable runs on that date (:func:`explicit_feed`); qjnet itself runs
on the exported feed read back.

* **peartree** (GTFS to a networkx graph, 06:00-23:00): a trip's time is the
  origin stop's boarding cost plus the shortest in-vehicle path, in seconds.
  It is compared with qjnet's ``expected`` measure with every boarding
  costing half the headway (``TimeParams(first_boarding_free=False,
  transfer_minutes=0)``).  See :func:`bench.peers_compare.compare_peartree`.
* **ferrobus** (RAPTOR in Rust): earliest arrivals between every two stations
  for several departures, compared with qjnet's ``--depart``
  (:func:`network.raptor.earliest_arrival`); ferrobus needs an OSM PBF of the
  walking network, written with ``osmium`` from qjnet's links (a feed has
  none of its own).  See :func:`bench.peers_compare.compare_ferrobus`.
"""

from __future__ import annotations

import argparse
import csv
import datetime as _dt
import io
import json
import math
import os
import subprocess
import sys
import tempfile
import zipfile
from collections import defaultdict
from pathlib import Path

from .peers_compare import (
    DATE,
    DEPARTURES,
    WINDOW,
    Comparison,
    _read,
    compare_ferrobus,
    compare_peartree,
)

HERE = Path(__file__).resolve().parent
#: The peers, pinned: the versions the documentation's figures come from.
PEERS = {
    "peartree": ["pandas==1.5.3", "numpy==1.26.4", "peartree==0.6.4", "partridge==1.1.2"],
    "ferrobus": ["ferrobus==0.2.1", "osmium==4.3.2"],
}


class PeerUnavailable(RuntimeError):
    """A peer could not be installed or run here; the message says why."""


# --------------------------------------------------------------------------- environments


def cache_dir(given: str | None = None) -> Path:
    """The folder of the peers' virtual environments."""
    return Path(given or os.environ.get("QJNET_BENCH_CACHE") or Path.home() / ".cache" / "qjnet-bench")


def peer_python(name: str, cache: Path) -> Path:
    """The Python of the peer's virtual environment, created and installed on first use."""
    venv = cache / name
    python = venv / "bin" / "python"
    marker = venv / "qjnet-requirements.txt"
    wanted = "\n".join(PEERS[name]) + "\n"
    if python.exists() and marker.exists() and marker.read_text() == wanted:
        return python
    _run([sys.executable, "-m", "venv", "--clear", str(venv)], f"create the {name} environment")
    _run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", *PEERS[name]],
         f"install {name} ({' '.join(PEERS[name])})")
    marker.write_text(wanted)
    return python


def _run(cmd: list[str], what: str) -> str:
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=1800, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise PeerUnavailable(f"cannot {what}: {exc}") from None
    if done.returncode != 0:
        lines = [x for x in (done.stderr or done.stdout).splitlines() if x.strip() and "WARNING" not in x]
        raise PeerUnavailable(f"cannot {what}: {' | '.join(lines[-3:])}")
    return done.stdout


def peer_versions(python: Path) -> dict[str, str]:
    """Installed versions of the packages of a peer's environment."""
    out = _run([str(python), "-m", "pip", "list", "--format", "json", "--disable-pip-version-check"],
               "list the peer's packages")
    return {p["name"].lower(): p["version"] for p in json.loads(out)}


# --------------------------------------------------------------------------- the feeds


def export_feed(folder: Path, date: str) -> Path:
    """The default GTFS export of the embedded dataset, from ``date`` for a year."""
    from qjnet.network.gtfs import write_gtfs

    return write_gtfs(None, folder / "feed.zip", start_date=date)


def _write(rows: list[dict], columns: list[str]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, columns, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


def explicit_feed(feed: Path, date: str, out: Path) -> Path:
    """``feed`` with explicit trips only: every trip qjnet's timetable of the feed runs on ``date`` and the next day.

    The trips come from :func:`network.timetable.build_timetable` of the feed
    read back (frequency templates become the trips qjnet generates, in the
    middle of each headway slot); the next day's trips are written with times
    after 24:00 so that a journey may run overnight, as in qjnet.  Each trip
    keeps its route and the direction of the feed's trip with the same stops.
    """
    from qjnet.geodata.io import load_dataset
    from qjnet.network.gtfs import gtfs_time
    from qjnet.network.timetable import build_timetable

    day = _dt.date.fromisoformat(date)
    tt = build_timetable(feed, date=date)
    line = load_dataset(feed).services["line"].to_dict()
    with zipfile.ZipFile(feed) as zin:
        trips, times = _read(zin, "trips.txt"), _read(zin, "stop_times.txt")
        direction = _directions(trips, times)
        new_trips, new_times = [], []
        for p in tt.patterns:
            route = line[p.service]
            for start, d in zip(p.starts, p.dates, strict=True):
                if d not in (day, day + _dt.timedelta(days=1)):
                    continue
                tid = f"{p.service}_{d:%m%d}_{gtfs_time(start).replace(':', '')}"
                new_trips.append({"route_id": route, "service_id": route, "trip_id": tid,
                                  "direction_id": direction[(route, p.stops)]})
                new_times += [{"trip_id": tid, "arrival_time": gtfs_time(start + m), "departure_time":
                               gtfs_time(start + m), "stop_id": stop, "stop_sequence": k + 1}
                              for k, (stop, m) in enumerate(zip(p.stops, p.offsets, strict=True))]
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
            for name in ("agency.txt", "stops.txt", "routes.txt", "calendar.txt"):
                zout.writestr(name, zin.read(name))
            zout.writestr("trips.txt", _write(new_trips, ["route_id", "service_id", "trip_id", "direction_id"]))
            zout.writestr("stop_times.txt", _write(new_times, ["trip_id", "arrival_time", "departure_time", "stop_id",
                                                               "stop_sequence"]))
    return out


def _directions(trips: list[dict], times: list[dict]) -> dict[tuple[str, tuple[str, ...]], str]:
    """``(route, stops) -> direction_id`` of the feed's trips."""
    stops = defaultdict(list)
    for row in times:
        stops[row["trip_id"]].append((int(row["stop_sequence"]), row["stop_id"]))
    return {(t["route_id"], tuple(s for _, s in sorted(stops[t["trip_id"]]))): t["direction_id"] for t in trips}


# --------------------------------------------------------------------------- ferrobus


def walking_network(feed: Path) -> tuple[list, list, list]:
    """OSM ``nodes``, ``ways`` and the feed's stations as ``points``, from the embedded dataset's links.

    Every link (road, expressway, access) becomes a footway between its two
    nodes.  ferrobus keeps only the largest connected piece of the walking
    network, so a station that no link reaches gets a footway to the nearest
    node that one does; walks are capped far below any of these lengths
    (:data:`MAX_WALK_S`), so no trip walks them.
    """
    import networkx as nx

    from qjnet.geodata.io import load_dataset

    ds = load_dataset(date=DATE)
    with zipfile.ZipFile(feed) as zf:
        stops = [(r["stop_id"], float(r["stop_lat"]), float(r["stop_lon"])) for r in _read(zf, "stops.txt")]
    where = {str(n): (float(g.y), float(g.x)) for n, g in zip(ds.nodes.index, ds.nodes.geometry, strict=True)}
    where.update({s: (lat, lon) for s, lat, lon in stops})
    G = nx.Graph()
    G.add_edges_from((str(a), str(b)) for a, b in zip(ds.links["from"], ds.links["to"], strict=True))
    main = max(nx.connected_components(G), key=len)
    for s, lat, lon in stops:
        if s not in main:
            G.add_edge(s, min(main, key=lambda n: (where[n][0] - lat) ** 2 + (where[n][1] - lon) ** 2))
    osm = {n: i + 1 for i, n in enumerate(sorted(G.nodes))}
    nodes = [[osm[n], *where[n]] for n in sorted(G.nodes)]
    ways = [[i + 1, [osm[a], osm[b]]] for i, (a, b) in enumerate(sorted(G.edges))]
    return nodes, ways, [list(s) for s in stops]


MAX_WALK_S = 60  # a station's point walks to its own stop only
MAX_TRANSFERS = 6


def run_ferrobus(python: Path, explicit: Path, feed: Path, work: Path) -> dict:
    """ferrobus's travel seconds between every two stations at each of :data:`DEPARTURES`."""
    from qjnet.network.timetable import parse_clock

    nodes, ways, points = walking_network(feed)
    spec = {"feed": str(explicit), "date": DATE, "points": points, "nodes": nodes, "ways": ways,
            "departures": [round(parse_clock(d) * 60) for d in DEPARTURES], "max_transfers": MAX_TRANSFERS,
            "max_walking_s": MAX_WALK_S, "max_transfer_s": MAX_WALK_S}
    (work / "ferrobus_in.json").write_text(json.dumps(spec), encoding="utf-8")
    _run([str(python), str(HERE / "peers_ferrobus.py"), str(work / "ferrobus_in.json"), str(work / "ferrobus.json")],
         "run ferrobus")
    return json.loads((work / "ferrobus.json").read_text(encoding="utf-8"))


# --------------------------------------------------------------------------- peartree


def run_peartree(python: Path, explicit: Path, work: Path) -> dict:
    """peartree's graphs of the whole feed and of each line alone (see ``bench/peers_peartree.py``)."""
    start, end = (round(m * 60) for m in WINDOW)
    out = work / "peartree.json"
    _run([str(python), str(HERE / "peers_peartree.py"), str(explicit), DATE.replace("-", ""), str(start), str(end),
          str(out)], "run peartree")
    return json.loads(out.read_text(encoding="utf-8"))


# --------------------------------------------------------------------------- running and reporting


def run(peers: list[str], cache: Path) -> dict:
    """Export the feed, run each peer in its environment, compare; the results as a dict."""
    from importlib.metadata import version

    results: dict = {"date": DATE, "run": _dt.date.today().isoformat(), "departures": list(DEPARTURES),
                     "versions": {"qjnet": version("qjnet")}, "comparisons": [], "unavailable": {}}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        feed = export_feed(work, DATE)
        explicit = explicit_feed(feed, DATE, work / "explicit.zip")
        for name in peers:
            try:
                python = peer_python(name, cache)
                if name == "peartree":
                    found = compare_peartree(run_peartree(python, explicit, work), feed, explicit)
                else:
                    found = compare_ferrobus(run_ferrobus(python, explicit, feed, work), feed)
                results["versions"][name] = {k: v for k, v in peer_versions(python).items()
                                             if k in ("peartree", "partridge", "pandas", "numpy", "networkx",
                                                      "ferrobus", "osmium")}
            except PeerUnavailable as exc:
                results["unavailable"][name] = str(exc)
                continue
            results["comparisons"] += [_summary(c) for c in found]
    return results


def _summary(c: Comparison) -> dict:
    return {"name": c.name, "tolerance_s": c.tolerance_s, "equal": c.equal, "different": len(c.differences),
            "reasons": dict(c.reasons().most_common()), "worst": c.worst(3), "differences": c.differences}


def table(results: dict) -> str:
    """The results as a text table: counts equal and different, reasons, worst differences."""
    lines = [(f"qjnet {results['versions']['qjnet']} against peer engines, feed of {results['date']} (run "
              f"{results['run']})"), ""]
    for c in results["comparisons"]:
        lines.append(f"{c['name']}: {c['equal']} equal (within {c['tolerance_s']:g} s), {c['different']} different")
        lines += [f"    {n:5d}  {reason}" for reason, n in c["reasons"].items()]
        lines += [f"    worst: {_pair(d)}" for d in c["worst"]]
    lines += [f"{name}: not run: {why}" for name, why in results["unavailable"].items()]
    return "\n".join(lines) + "\n"


def _pair(d: dict) -> str:
    where = f"{d.get('depart', '')} {d['from']} -> {d['to']}".strip()
    ours = "no trip by the end of the next day" if d.get("qjnet") is None else f"{d['qjnet']:g} min"
    theirs = "no trip" if d.get("peer") is None else f"{d['peer']:g} min"
    return f"{where}: qjnet {ours}, peer {theirs}" + (f" ({d['diff_min']:+g})" if math.isfinite(d["diff_min"]) else "")


DOCS_START, DOCS_END = ".. peer-results-start", ".. peer-results-end"


def docs_text(results: dict) -> str:
    """The results as reStructuredText for ``docs/gtfs.rst``."""
    v = results["versions"]
    out = [f"Run of {results['run']} on the feed of {results['date']} (a Thursday), departures "
           f"{', '.join(results['departures'])}; qjnet {v['qjnet']}"
           + "".join(f"; {name} " + ", ".join(f"{k} {x}" for k, x in sorted(v[name].items()))
                     for name in ("peartree", "ferrobus") if name in v) + ".", ""]
    for c in results["comparisons"]:
        out += [f"- **{c['name']}**: {c['equal']} equal within {c['tolerance_s']:g} s, {c['different']} different.",
                ""]
        out += [f"  - {n}: {reason}" for reason, n in c["reasons"].items()]
        out += [f"  - worst: {_pair(d)}" for d in c["worst"][:2]]
        out += [""] if c["reasons"] else []
    out += [f"- **{name}** was not run: ``{why}``" for name, why in results["unavailable"].items()]
    return "\n".join(out) + "\n"


def write_docs(results: dict, path: Path) -> None:
    """Replace the text between the result markers of ``path`` with :func:`docs_text`."""
    text = path.read_text(encoding="utf-8")
    head, rest = text.split(DOCS_START, 1)
    _, tail = rest.split(DOCS_END, 1)
    path.write_text(f"{head}{DOCS_START}\n\n{docs_text(results)}\n{DOCS_END}{tail}", encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cache", default=None, help="folder of the peers' environments")
    parser.add_argument("--peers", default="peartree,ferrobus", help="comma-separated: peartree, ferrobus")
    parser.add_argument("--json", default=None, help="also write the results, every difference included, as JSON")
    parser.add_argument("--docs", action="store_true", help="write the results into docs/gtfs.rst")
    args = parser.parse_args(argv)
    results = run([p.strip() for p in args.peers.split(",") if p.strip()], cache_dir(args.cache))
    sys.stdout.write(table(results))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1, default=str), encoding="utf-8")
    if args.docs:
        write_docs(results, HERE.parent / "docs" / "gtfs.rst")


if __name__ == "__main__":
    main()
