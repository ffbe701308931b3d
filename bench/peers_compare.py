"""The comparisons of ``bench/peers.py``: qjnet's answers against a peer's, each difference with its reason."""

from __future__ import annotations

import csv
import io
import math
import zipfile
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path

DATE = "2025-07-03"  # a Thursday: every service of the embedded dataset runs
WINDOW = (360.0, 1380.0)  # 06:00-23:00, qjnet's service window, in minutes
DEPARTURES = ("07:00", "09:30", "13:00", "17:00")
#: peartree's answers are in seconds from the feed's whole-second times.
PEARTREE_TOLERANCE_S = 1.0
#: ferrobus also walks from a station's point to its stop and back (about a second): 2 s.
FERROBUS_TOLERANCE_S = 2.0


def _read(zf: zipfile.ZipFile, name: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(zf.read(name).decode("utf-8"))))




def _minutes(text: str) -> float:
    h, m, s = (int(x) for x in text.split(":"))
    return h * 60 + m + s / 60


@dataclass
class Comparison:
    """Counts of equal and different answers, and each difference with its reason."""

    name: str
    tolerance_s: float
    equal: int = 0
    differences: list[dict] = field(default_factory=list)

    def add(self, diff_min: float, row: dict, reason: str | None) -> bool:
        """Count an answer equal within the tolerance, else keep it with its reason; whether it was equal."""
        if abs(diff_min) * 60 <= self.tolerance_s:
            self.equal += 1
            return True
        self.differences.append({**row, "diff_min": round(diff_min, 3), "reason": reason or "unexplained"})
        return False

    def reasons(self) -> Counter:
        """How many differences each reason explains (a difference may have several)."""
        return Counter(r for d in self.differences for r in d["reason"].split(" | "))

    def worst(self, n: int = 5) -> list[dict]:
        return sorted(self.differences, key=lambda d: -abs(d["diff_min"]))[:n]


def qjnet_arrivals(feed: Path, transfer_minutes: float | None = None) -> dict:
    """qjnet's ``--depart`` minutes between every two stations of the feed at each of :data:`DEPARTURES`."""
    from qjnet.network.params import TimeParams
    from qjnet.network.raptor import earliest_arrival
    from qjnet.network.timetable import build_timetable, link_times, parse_clock

    params = None if transfer_minutes is None else TimeParams(transfer_minutes=transfer_minutes)
    tt = build_timetable(feed, date=DATE, params=params)
    links = link_times(tt, [])  # a feed has no links
    out = {}
    for dep in DEPARTURES:
        t = parse_clock(dep)
        for a in tt.nodes:
            arr = earliest_arrival(tt, links, a, t)
            for b in tt.nodes:
                if a != b and math.isfinite(arr.arrival(b)):
                    out[(dep, a, b)] = (arr.arrival(b) - t, arr.journey(b))
    return out


def compare_ferrobus(peer: dict, feed: Path) -> list[Comparison]:
    """qjnet's ``--depart`` against ferrobus: with no minimum transfer time, then with qjnet's default 10 minutes.

    qjnet's timetable needs ``transfer_minutes`` (10) between an arrival and
    the next boarding; ferrobus lets a passenger board any trip that leaves a
    stop at or after the arrival there.  With ``transfer_minutes=0`` the two
    must agree on every pair and departure.  With 10, a difference is
    explained when the answer with 0 agrees with ferrobus: the only rule that
    differs is the minimum transfer time.
    """
    ids = peer["ids"]
    free, default = qjnet_arrivals(feed, 0.0), qjnet_arrivals(feed)
    exact = Comparison("ferrobus vs qjnet --depart, no minimum transfer", FERROBUS_TOLERANCE_S)
    usual = Comparison("ferrobus vs qjnet --depart, 10-minute transfer (default)", FERROBUS_TOLERANCE_S)
    for dep in DEPARTURES:
        matrix = peer["matrices"][str(round(_clock(dep) * 60))]
        for i, a in enumerate(ids):
            for j, b in enumerate(ids):
                if a == b:
                    continue
                seconds = matrix[i][j]
                row = {"depart": dep, "from": a, "to": b, "peer": None if seconds is None else round(seconds / 60, 2)}
                agree = _compare_one(exact, row, seconds, free.get((dep, a, b)), None)
                _compare_one(usual, row, seconds, default.get((dep, a, b)), TRANSFER_REASON if agree else None)
    return [exact, usual]


TRANSFER_REASON = ("qjnet's 10-minute minimum transfer: ferrobus makes a tighter connection (equal with qjnet's "
                   "transfer set to 0)")


def _clock(text: str) -> float:
    from qjnet.network.timetable import parse_clock

    return parse_clock(text)


def _compare_one(cmp: Comparison, row: dict, seconds: float | None, ours: tuple | None, reason: str | None) -> bool:
    """Add one answer to ``cmp``; whether the two agree."""
    minutes = None if ours is None else ours[0]
    row = {**row, "qjnet": None if minutes is None else round(minutes, 2),
           "rides": None if ours is None else sum(1 for leg in ours[1].legs if leg.kind == "ride")}
    if seconds is None or minutes is None:
        same = seconds is None and minutes is None
        if same:
            cmp.equal += 1
        else:
            cmp.differences.append({**row, "diff_min": math.inf, "reason": reason or "unexplained"})
        return same
    return cmp.add(minutes - seconds / 60, row, reason)


#: peartree's boarding cost where fewer than two trips stop in the window (its default, 30 minutes).
PEARTREE_FALLBACK_MIN = 30.0


@dataclass
class _Trips:
    """Arrival minutes of the date's trips at each stop, by route and direction (the peers' feed)."""

    arrivals: dict = field(default_factory=lambda: defaultdict(list))

    @classmethod
    def of(cls, explicit: Path) -> _Trips:
        out = cls()
        with zipfile.ZipFile(explicit) as zf:
            trips = {t["trip_id"]: t for t in _read(zf, "trips.txt")}
            for row in _read(zf, "stop_times.txt"):
                t = trips[row["trip_id"]]
                out.arrivals[(t["route_id"], t["direction_id"], row["stop_id"])].append(_minutes(row["arrival_time"]))
        return out

    def counts(self, route: str, stop: str) -> list[int]:
        """Trips of ``route`` arriving at ``stop`` within the window, per direction (what peartree counts)."""
        return [len(self._within(times)) for (r, _, s), times in sorted(self.arrivals.items())
                if r == route and s == stop]

    def _within(self, times: list[float]) -> list[float]:
        return sorted(t for t in times if WINDOW[0] <= t <= WINDOW[1])

    def boarding(self, stop: str, method: str, routes: set[str] | None = None) -> float:
        """peartree's boarding cost at ``stop`` (minutes), predicted from the trips as peartree computes it.

        Per route and direction the wait of ``method`` over the arrivals in the
        window (none when it is not positive); a direction without a wait takes
        the other's; the stop's cost is the mean over its routes weighted by
        their arrivals, or :data:`PEARTREE_FALLBACK_MIN` when no route has a wait.
        """
        by_route: dict[str, dict[str, list[float]]] = defaultdict(dict)
        for (r, d, s), times in self.arrivals.items():
            if s == stop and (routes is None or r in routes) and self._within(times):
                by_route[r][d] = self._within(times)
        total = weight = 0.0
        for dirs in by_route.values():
            waits = [w for w in (_wait(t, method) for t in dirs.values()) if w > 0]
            if waits:
                n = sum(len(t) for t in dirs.values())
                total += n * (sum(waits) / len(waits) if len(waits) == len(dirs) else waits[0])
                weight += n
        return total / weight if weight else PEARTREE_FALLBACK_MIN


def _wait(times: list[float], method: str) -> float:
    """Half the window over the trips (``window``), or peartree's default: half the mean gap, edges included."""
    start, end = WINDOW
    if method == "window":
        return (end - start) / len(times) / 2
    if len(times) < 2:
        return math.nan
    gaps = [b - a for a, b in pairwise(times)] + [times[0] - start, end - times[-1]]
    gaps = [g for g in gaps if g > 0]
    return sum(gaps) / len(gaps) / 2


def _half_headway_graph(ds, line: str | None = None):
    """qjnet's graph of the feed (or of one line) with every boarding costing half the headway."""
    from dataclasses import replace

    from qjnet.network import build_graph
    from qjnet.network.params import TimeParams

    if line is not None:
        ds = replace(ds, services=ds.services[ds.services["line"] == line])
    return build_graph(ds, date=DATE, params=TimeParams(first_boarding_free=False, transfer_minutes=0.0))


def _parts(G, a: str, b: str) -> tuple[float, float, float, list[str]] | None:
    """qjnet's minutes a -> b: first wait, later waits, in-vehicle, services boarded (``None``: no route)."""
    from qjnet.geodata.errors import NoRouteError
    from qjnet.network.route import route

    try:
        it = route(G, a, b)
    except NoRouteError:
        return None
    rides = [leg for leg in it.legs if leg.service]
    waits = [leg.wait_minutes for leg in rides]
    return waits[0], sum(waits[1:]), it.minutes - sum(waits), [leg.service for leg in rides]


def compare_peartree(peer: dict, feed: Path, explicit: Path) -> list[Comparison]:
    """qjnet's ``expected`` (half the headway at every boarding) against peartree.

    * **Single-line trips**: each line alone, every two of its stops.  With the
      boarding cost "window over trips, halved" (qjnet's convention) the two
      must be equal; a difference is explained when the date runs a number of
      trips other than ``per_day`` (qjnet's headway is the service day over
      ``per_day``, a weekly average).  With peartree's default boarding cost
      every difference must be the one its formula predicts from the trips.
    * **Multi-line trips**: the whole feed; each difference is split into
      qjnet's waits at changes (peartree charges only the origin's boarding
      cost), the origin's boarding cost (peartree's is the mean over every
      line stopping there) and the in-vehicle time (peartree's path may ride
      segments of several lines, their running times averaged, with no change).
    """
    from qjnet.geodata.io import load_dataset

    ds = load_dataset(feed)
    trips = _Trips.of(explicit)
    per_day = {str(k): float(v) for k, v in ds.services["per_day"].items()}
    single_w = Comparison("peartree (window / trips / 2) vs qjnet expected, single-line trips", PEARTREE_TOLERANCE_S)
    single_d = Comparison("peartree (its default boarding cost) vs qjnet expected, single-line trips",
                          PEARTREE_TOLERANCE_S)
    for line, graphs in sorted(peer["lines"].items()):
        G = _half_headway_graph(ds, line)
        for a, rides in sorted(graphs["window"]["ride"].items()):
            for b in sorted(rides):
                ours = _parts(G, a, b)
                if ours is not None:
                    _single(single_w, single_d, graphs, trips, per_day, line, a, b, ours)
    multi = Comparison("peartree (window / trips / 2) vs qjnet expected, whole feed", PEARTREE_TOLERANCE_S)
    _multi(multi, peer["all"]["window"], _half_headway_graph(ds), trips)
    return [single_w, single_d, multi]


COUNTS = ("the trips arriving at the stop in 06:00-23:00, which peartree counts, differ from per_day, over which "
          "qjnet divides the service day (a weekly average, and trips that reach the stop after 23:00)")
MEAN_GAP = ("peartree's default boarding cost: half the mean gap between trips, the gaps from 06:00 to the first "
            "and from the last to 23:00 included")
FALLBACK = f"peartree's fallback boarding cost, {PEARTREE_FALLBACK_MIN:g} min, where fewer than two trips stop in the window"
CHANGES = "qjnet waits half a headway at each change; peartree charges the origin's boarding cost only"
SHARED = "peartree's boarding cost at the origin is the mean over every line stopping there, weighted by trips"
ORIGIN_COUNTS = "origin boarding cost: " + COUNTS.split(", which")[0] + " differ from per_day"
RIDE = ("peartree's in-vehicle path may ride segments of several lines without a change, running times averaged "
        "over the trips on each segment")


def _single(cmp_w: Comparison, cmp_d: Comparison, graphs: dict, trips: _Trips, per_day: dict, line: str,
            a: str, b: str, ours: tuple) -> None:
    first, later, ride, services = ours
    row = {"line": line, "from": a, "to": b, "qjnet": round(first + later + ride, 2)}
    counts = trips.counts(line, a)
    days = "/".join(f"{per_day[s]:g}" for s in services)
    for cmp, method in ((cmp_w, "window"), (cmp_d, "default")):
        g = graphs[method]
        peer = (g["boarding"][a] + g["ride"][a][b]) / 60
        predicted = trips.boarding(a, method, {line})
        reason = None
        if abs(predicted - g["boarding"][a] / 60) * 60 <= PEARTREE_TOLERANCE_S and abs(g["ride"][a][b] / 60 - ride) <= 1 / 60:
            if method == "default":
                reason = FALLBACK if min(counts) < 2 else MEAN_GAP
            elif any(c != per_day[s] for s in services for c in counts):
                reason = COUNTS
        cmp.add(first + later + ride - peer, {**row, "peer": round(peer, 2), "trips_in_window": counts,
                                              "per_day": days}, reason)


def _multi(cmp: Comparison, g: dict, G, trips: _Trips) -> None:
    lines_at = Counter(s for (_, s) in {(r, s) for (r, _, s) in trips.arrivals})
    for a in sorted(g["ride"]):
        for b in sorted(g["ride"][a]):
            ours = _parts(G, a, b)
            if ours is None:
                cmp.differences.append({"from": a, "to": b, "diff_min": -math.inf, "reason": "not reached by qjnet"})
                continue
            first, later, ride, services = ours
            p_wait, p_ride = g["boarding"][a] / 60, g["ride"][a][b] / 60
            reasons = []
            if later * 60 > PEARTREE_TOLERANCE_S:
                reasons.append(CHANGES)
            if abs(first - p_wait) * 60 > PEARTREE_TOLERANCE_S:
                reasons.append(SHARED if lines_at[a] > 1 else ORIGIN_COUNTS)
            if abs(ride - p_ride) * 60 > PEARTREE_TOLERANCE_S:
                reasons.append(RIDE)
            row = {"from": a, "to": b, "qjnet": round(first + later + ride, 2), "peer": round(p_wait + p_ride, 2),
                   "changes": len(services) - 1, "wait_at_changes": round(later, 2),
                   "origin_wait": round(first - p_wait, 2), "in_vehicle": round(ride - p_ride, 2)}
            cmp.add(first + later + ride - p_wait - p_ride, row, " | ".join(reasons) or None)
