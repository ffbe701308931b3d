"""Exact time-dependent earliest arrival on a timetable: RAPTOR and range-RAPTOR.

:func:`earliest_arrival` answers one departure time; :func:`range_raptor`
answers every departure minute of a window, from which
:class:`RangeResult` reads percentiles (Conveyal/R5's measure) and the
fastest trip.

The search
----------
RAPTOR (Delling, Pajor, Werneck 2012) works in rounds: round ``k`` holds the
earliest arrival at every node with at most ``k`` boardings.  Round 0 is the
continuous links alone from the origin.  Each round scans every service
pattern touching a node improved in the round before: along the pattern it
catches the earliest trip it can board at each stop and records the arrival
at every later stop.  After the rides, the continuous links (roads, access,
walking, transfers) are relaxed from every node improved by a ride, with the
all-pairs link minutes of :class:`network.timetable.LinkTimes`, so any chain
of links may sit between two rides.  The search stops when a round improves
nothing (or after ``max_rounds`` boardings).

Boarding a trip at a stop needs the traveller there ``board_minutes``
(check-in) before the departure; alighting adds ``alight_minutes``; every
boarding after the first also needs ``transfer_minutes`` after the arrival
(see :mod:`network.timetable`).  Waiting, at the origin as anywhere, is free.

Range queries
-------------
The answer for a departure time ``t`` only changes at *departure events*: the
latest time one can leave the origin and still catch a given trip at a given
stop (departure minus check-in minus the link minutes to the stop).  Leaving
at ``t`` one can do everything that leaving at the first event ``e >= t``
allows, plus the links alone, so ``arrival(t) = min(t + links, arrival(e))``.
:func:`range_raptor` therefore runs RAPTOR for the events only, all of them
at once as the rows of numpy arrays, and reads every minute of the window
from them.  rRAPTOR's label reuse (a later departure's labels bound every
earlier one's) becomes a reverse running minimum over the rows after each
round.  Events at a stop where the same trip can be caught earlier on its
route, leaving the origin at least as late, are skipped.  The result is
exact: the same as a separate :func:`earliest_arrival` per minute (the
tests check it).
"""

from __future__ import annotations

import itertools
import logging
import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from ..geodata.errors import NoRouteError, OptionError, PlaceNotFoundError
from .timetable import LinkTimes, Pattern, Timetable, format_clock

log = logging.getLogger(__name__)

#: Tolerance (minutes) when comparing clock times built from sums of fractional minutes.
EPS = 1e-6
#: Percentiles reported by default, as in Conveyal/R5.
PERCENTILES = (5, 25, 50, 75, 95)

__all__ = [
    "PERCENTILES",
    "Arrivals",
    "Fastest",
    "Journey",
    "JourneyLeg",
    "RangeResult",
    "earliest_arrival",
    "range_raptor",
]


@dataclass(frozen=True)
class JourneyLeg:
    """One leg of a timetabled journey: a ride on one trip, or a chain of links of one mode.

    ``depart`` and ``arrive`` are clock minutes after midnight of the
    timetable's date: the vehicle's departure and arrival for a ride (check-in
    ``board_minutes`` happens before ``depart``, ``alight_minutes`` after
    ``arrive``), the start and end of the drive or walk for links.
    """

    kind: str
    mode: str
    from_: str
    to: str
    depart: float
    arrive: float
    service: str | None = None
    direction: str | None = None
    service_date: str | None = None
    board_minutes: float = 0.0
    alight_minutes: float = 0.0
    stops: tuple[str, ...] = ()

    @property
    def minutes(self) -> float:
        """Minutes from departure to arrival (in-vehicle or on the links)."""
        return self.arrive - self.depart

    def to_dict(self) -> dict:
        """The leg as JSON: clock times as ``HH:MM`` (hours may pass 24)."""
        return {"kind": self.kind, "mode": self.mode, "service": self.service, "from": self.from_,
                "to": self.to, "depart": format_clock(self.depart), "arrive": format_clock(self.arrive),
                "minutes": round(self.minutes, 3), "service_date": self.service_date,
                "board_minutes": self.board_minutes, "alight_minutes": self.alight_minutes}


@dataclass(frozen=True)
class Journey:
    """A journey leaving ``origin`` at ``depart`` and reaching ``destination`` at ``arrive`` (clock minutes)."""

    origin: str
    destination: str
    depart: float
    arrive: float
    legs: tuple[JourneyLeg, ...]

    @property
    def minutes(self) -> float:
        """Travel time, waiting included."""
        return self.arrive - self.depart

    @property
    def boardings(self) -> int:
        """Number of rides."""
        return sum(1 for leg in self.legs if leg.kind == "ride")

    def to_dict(self) -> dict:
        """``{"from", "to", "depart", "arrive", "minutes", "legs": [...]}``."""
        return {"from": self.origin, "to": self.destination, "depart": format_clock(self.depart),
                "arrive": format_clock(self.arrive), "minutes": round(self.minutes, 3),
                "legs": [leg.to_dict() for leg in self.legs]}


@dataclass
class _Trace:
    """Labels and parents of a one-departure search, kept to rebuild journeys."""

    tau0: np.ndarray
    labels: list[np.ndarray] = field(default_factory=list)   # labels[k]: <= k boardings
    rode: list[np.ndarray] = field(default_factory=list)     # rode[k]: arrival by a ride of round k
    ready: list[np.ndarray] = field(default_factory=list)    # ready[k]: ready to board in round k + 1
    ride: list[dict] = field(default_factory=list)           # ride[k][node] = (pattern, trip, alight stop)
    link: list[dict] = field(default_factory=list)           # link[k][node] = node the links left from


@dataclass(frozen=True, eq=False)
class Arrivals:
    """Earliest arrival at every node for one origin and departure time.

    ``minutes[i]`` is the clock arrival at ``nodes[i]`` (``inf``: unreachable).
    """

    origin: str
    depart: float
    nodes: tuple[str, ...]
    minutes: np.ndarray
    timetable: Timetable = field(repr=False)
    links: LinkTimes = field(repr=False)
    trace: _Trace = field(repr=False)

    def arrival(self, node: str) -> float:
        """Clock arrival at ``node`` (``inf`` when unreachable)."""
        return float(self.minutes[_row(self.timetable, node)])

    def journey(self, node: str) -> Journey:
        """The journey to ``node`` with the fewest boardings among the earliest ones.

        Raises :class:`NoRouteError` when ``node`` is unreachable.
        """
        row = _row(self.timetable, node)
        if not math.isfinite(self.minutes[row]):
            raise NoRouteError(f"no journey from {self.origin!r} to {node!r} leaving at {format_clock(self.depart)} "
                               f"on {self.timetable.date.isoformat()}")
        legs = _trace_legs(self, row)
        return Journey(self.origin, node, self.depart, float(self.minutes[row]), tuple(legs))


def _row(tt: Timetable, node: str) -> int:
    if node in tt.index:
        return tt.index[node]
    import difflib

    close = difflib.get_close_matches(str(node), list(tt.nodes), n=5)
    hint = f"; did you mean {', '.join(close)}?" if close else "; run `qjnet places` for the ids"
    raise PlaceNotFoundError(f"unknown place {node!r}{hint}", suggestions=close)


def _check(tt: Timetable, links: LinkTimes, origin: str) -> int:
    if tuple(links.nodes) != tuple(tt.nodes):
        raise OptionError("the links and the timetable cover different nodes; build the links for the "
                          "timetable's nodes (links_from_graph(G, tt))")
    return _row(tt, origin)


def _scan(p: Pattern, ready: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Ride ``p`` from labels ``ready`` ``(T, n)``: arrival at stops 1.. and the trip taken ``(T, S-1)``."""
    need = ready[:, p.stop_index[:-1]] + (p.board_minutes - EPS) - p.offsets[:-1]
    first = np.searchsorted(p.starts, need, side="left")
    trip = np.minimum.accumulate(first, axis=1)
    arrive = np.append(p.starts, np.inf)[trip] + p.offsets[1:] + p.alight_minutes
    return arrive, trip


def _touching(tt: Timetable, improved: np.ndarray) -> list[int]:
    return [i for i, p in enumerate(tt.patterns) if improved[p.stop_index[:-1]].any()]


def _ride_round(tt: Timetable, ready: np.ndarray, best: np.ndarray, improved: np.ndarray,
                ride: dict | None) -> np.ndarray:
    """Round of rides from ``ready``; returns the arrival by a ride at every node (inf where none)."""
    rode = np.full_like(best, np.inf)
    for pi in _touching(tt, improved):
        p = tt.patterns[pi]
        arrive, trip = _scan(p, ready)
        cols = p.stop_index[1:]
        current = rode[:, cols]
        better = arrive < current
        if not better.any():
            continue
        rode[:, cols] = np.where(better, arrive, current)
        if ride is not None:
            for j in np.flatnonzero(better[0]):
                ride[int(cols[j])] = (pi, int(trip[0, j]), int(j) + 1)
    return rode


def _relax_links(links: LinkTimes, fresh: np.ndarray, labels: np.ndarray, link: dict | None) -> None:
    """Update ``labels`` in place with link chains leaving nodes improved by a ride (``fresh``, else inf)."""
    reached = np.isfinite(fresh)
    for u in np.flatnonzero(reached.any(axis=0)):
        rows = np.flatnonzero(reached[:, u])
        cand = fresh[rows, u, None] + links.minutes[u][None, :]
        current = labels[rows]
        if link is not None:
            for v in np.flatnonzero(cand[0] < current[0]):
                link[int(v)] = int(u)
        labels[rows] = np.minimum(current, cand)


def _search(tt: Timetable, links: LinkTimes, origin: int, departs: np.ndarray, *,
            max_rounds: int | None, trace: _Trace | None = None) -> np.ndarray:
    """RAPTOR from ``origin`` for every departure time in ``departs`` (ascending); labels ``(T, n)``."""
    tau0 = departs[:, None] + links.minutes[origin][None, :]
    best = tau0.copy()
    ready = tau0
    improved = np.isfinite(tau0).any(axis=0)
    # without a limit the rounds stop when nothing improves (labels only fall, over finitely many values)
    limit = sys.maxsize if max_rounds is None else max_rounds
    if not isinstance(limit, int) or limit < 0:
        raise OptionError(f"max_rounds={max_rounds!r} must be a whole number of boardings >= 0, or None")
    if trace is not None:
        trace.labels.append(best[0].copy())
        trace.rode.append(np.full(len(tt.nodes), np.inf))
        trace.ready.append(ready[0].copy())
        trace.ride.append({})
        trace.link.append({})
    for _ in range(limit):
        ride: dict | None = {} if trace is not None else None
        link: dict | None = {} if trace is not None else None
        rode = _ride_round(tt, ready, best, improved, ride)
        labels = np.minimum(best, rode)
        # labels are closed over the links after every round: only arrivals a ride improved can lead further
        _relax_links(links, np.where(rode < best, rode, np.inf), labels, link)
        if len(departs) > 1:  # rRAPTOR: leaving earlier, one can wait for a later departure
            labels = np.minimum.accumulate(labels[::-1], axis=0)[::-1]
        improved = (labels < best).any(axis=0)
        best = labels
        ready = np.minimum(tau0, best + tt.transfer_minutes)
        if trace is not None:
            for name, value in (("labels", best[0].copy()), ("rode", rode[0].copy()), ("ready", ready[0].copy()),
                                ("ride", ride), ("link", link)):
                getattr(trace, name).append(value)
        if not improved.any():
            break
    return best


def earliest_arrival(tt: Timetable, links: LinkTimes, origin: str, depart_min: float, *,
                     max_rounds: int | None = None) -> Arrivals:
    """Earliest arrival at every node leaving ``origin`` at clock time ``depart_min``.

    Parameters
    ----------
    tt
        Timetable from :func:`network.timetable.build_timetable`.
    links
        Link minutes over the same nodes (:func:`network.timetable.links_from_graph`).
    origin
        Node id to leave from.
    depart_min
        Departure, minutes after midnight of ``tt.date`` (0 <= depart_min < 1440).
    max_rounds
        Most boardings allowed; default no limit (the exact earliest arrival).

    Returns
    -------
    Arrivals
        Clock arrival per node (``inf`` when unreachable); ``.journey(node)``
        rebuilds the legs with board and alight times.

    Raises
    ------
    PlaceNotFoundError
        ``origin`` is not a node of the timetable.
    OptionError
        A departure outside the day, or links over other nodes.

    Examples
    --------
    >>> from qjnet.network import build_graph
    >>> from qjnet.network.timetable import build_timetable, links_from_graph, format_clock
    >>> tt = build_timetable(date="2025-07-03")
    >>> links = links_from_graph(build_graph(date="2025-07-03"), tt)
    >>> arr = earliest_arrival(tt, links, "cq_east", 8 * 60)
    >>> format_clock(arr.arrival("qianjiang"))
    '09:08:30'
    >>> [(leg.service, format_clock(leg.depart), format_clock(leg.arrive)) for leg in arr.journey("qianjiang").legs]
    [('through_cq_cs', '08:07:30', '09:08:30')]
    """
    o = _check(tt, links, origin)
    depart = _check_depart(depart_min)
    trace = _Trace(tau0=depart + links.minutes[o])
    best = _search(tt, links, o, np.asarray([depart]), max_rounds=max_rounds, trace=trace)
    return Arrivals(origin, depart, tt.nodes, best[0], tt, links, trace)


def _check_depart(depart_min: float) -> float:
    try:
        value = float(depart_min)
    except (TypeError, ValueError):
        raise OptionError(f"departure must be minutes after midnight, got {depart_min!r}") from None
    if not (math.isfinite(value) and 0 <= value < 1440):
        raise OptionError(f"departure {depart_min!r} must be in [0, 1440) minutes after midnight")
    return value


def _trace_legs(a: Arrivals, row: int) -> list[JourneyLeg]:
    """Walk the parents of a one-departure search back from ``row`` (legs in travel order)."""
    tr, tt = a.trace, a.timetable
    final = a.minutes[row]
    k = next(k for k, lab in enumerate(tr.labels) if lab[row] <= final + EPS)
    v = row
    back: list[JourneyLeg] = []
    while k > 0:
        while k > 0 and tr.labels[k - 1][v] <= tr.labels[k][v]:
            k -= 1
        if k == 0:
            break
        if v in tr.link[k]:
            u = tr.link[k][v]
            back.extend(reversed(_link_legs(tt, a.links, u, v, float(tr.rode[k][u]))))
            v = u
        leg, v = _ride_leg(tt, tr, k, v)
        back.append(leg)
        if tr.tau0[v] <= tr.labels[k - 1][v] + tt.transfer_minutes:
            break  # boarded straight from the origin's links
        k -= 1
    back.extend(reversed(_link_legs(tt, a.links, tt.index[a.origin], v, a.depart)))
    return back[::-1]


def _ride_leg(tt: Timetable, tr: _Trace, k: int, v: int) -> tuple[JourneyLeg, int]:
    pi, trip, j = tr.ride[k][v]
    p = tt.patterns[pi]
    start = float(p.starts[trip])
    ready = tr.ready[k - 1][p.stop_index[:j]]
    i = int(np.flatnonzero(start + p.offsets[:j] - p.board_minutes + EPS >= ready)[0])
    leg = JourneyLeg(kind="ride", mode=p.mode, from_=p.stops[i], to=p.stops[j],
                     depart=start + float(p.offsets[i]), arrive=start + float(p.offsets[j]),
                     service=p.service, direction=p.direction, service_date=p.dates[trip].isoformat(),
                     board_minutes=p.board_minutes, alight_minutes=p.alight_minutes, stops=p.stops[i:j + 1])
    return leg, int(p.stop_index[i])


def _link_legs(tt: Timetable, links: LinkTimes, u: int, v: int, start: float) -> list[JourneyLeg]:
    """Legs along the shortest link chain from row ``u`` to row ``v``, one per run of a mode."""
    legs: list[JourneyLeg] = []
    if u == v:
        return legs
    path = links.path(u, v)
    clock = start
    for a, b in itertools.pairwise(path):
        mode, minutes, _ = links.edges[(a, b)]
        if legs and legs[-1].mode == mode:
            last = legs.pop()
            legs.append(JourneyLeg(kind="link", mode=mode, from_=last.from_, to=tt.nodes[b], depart=last.depart,
                                   arrive=clock + minutes, stops=(*last.stops, tt.nodes[b])))
        else:
            legs.append(JourneyLeg(kind="link", mode=mode, from_=tt.nodes[a], to=tt.nodes[b], depart=clock,
                                   arrive=clock + minutes, stops=(tt.nodes[a], tt.nodes[b])))
        clock += minutes
    return legs


@dataclass(frozen=True)
class Fastest:
    """The fastest trip of a window: travel ``minutes``, clock ``depart`` and the ``journey``."""

    minutes: float
    depart: float
    journey: Journey


@dataclass(frozen=True, eq=False)
class RangeResult:
    """Travel time to every node for every departure minute of a window (:func:`range_raptor`).

    Attributes
    ----------
    origin
        Origin node id.
    window
        ``(start, end)`` clock minutes; departures are ``start, start + step, ...`` before ``end``.
    departures
        The departure minutes, ascending.
    travel
        ``(len(departures), n)`` travel minutes (``inf``: unreachable).
    events, event_arrivals
        Departure events (ascending) and the earliest clock arrival at every node leaving at each.
    """

    origin: str
    window: tuple[float, float]
    departures: np.ndarray
    travel: np.ndarray
    events: np.ndarray
    event_arrivals: np.ndarray
    timetable: Timetable = field(repr=False)
    links: LinkTimes = field(repr=False)

    def travel_times(self, node: str) -> np.ndarray:
        """Travel minutes to ``node`` for each departure minute."""
        return self.travel[:, _row(self.timetable, node)]

    def percentile(self, node: str, p: float = 50) -> float:
        """The ``p``-th percentile (nearest rank, 0 < p <= 100) of the travel minutes to ``node``."""
        if not (isinstance(p, (int, float)) and 0 <= p <= 100):
            raise OptionError(f"percentile {p!r} must be a number from 0 to 100")
        values = np.sort(self.travel_times(node))
        rank = max(math.ceil(p / 100.0 * len(values)) - 1, 0)
        return float(values[rank])

    def percentiles(self, node: str, ps: Sequence[float] = PERCENTILES) -> dict[float, float]:
        """``{p: minutes}`` for each percentile in ``ps`` (default 5, 25, 50, 75, 95)."""
        return {p: self.percentile(node, p) for p in ps}

    def fastest(self, node: str) -> Fastest:
        """The fastest trip to ``node`` leaving within the window, and when it leaves.

        Departure times are continuous here (every departure event of the
        window, not only whole minutes), so the fastest trip is never slower
        than any percentile.  Among equally fast departures the latest is
        reported (no wait at the origin); a trip by links alone is equally fast
        at any time and is reported leaving at the window's last minute.
        Raises :class:`NoRouteError` when ``node`` is never reached.
        """
        row = _row(self.timetable, node)
        start, end = self.window
        inside = (self.events >= start - EPS) & (self.events < end)
        times = np.concatenate([self.events[inside], self.departures])
        travel = np.concatenate([self.event_arrivals[inside, row] - self.events[inside], self.travel[:, row]])
        if not len(travel) or not np.isfinite(travel.min()):
            raise NoRouteError(f"no journey from {self.origin!r} to {node!r} leaving between "
                               f"{format_clock(start)} and {format_clock(end)}")
        best = float(travel.min())
        depart = float(times[travel <= best + EPS].max())  # the latest departure: no wait at the origin
        depart = min(max(depart, 0.0), 1440.0 - EPS)
        journey = earliest_arrival(self.timetable, self.links, self.origin, depart).journey(node)
        return Fastest(minutes=journey.minutes, depart=depart, journey=journey)


def departure_events(tt: Timetable, links: LinkTimes, origin: int, start: float) -> np.ndarray:
    """Latest times to leave ``origin`` to catch each trip at each stop, ascending, from ``start`` on.

    A stop is skipped when an earlier stop of the same pattern lets one leave
    at least as late for the same trip (the trip is then caught there and
    ridden through): leaving at such an event allows nothing the later event
    does not.
    """
    reach = links.minutes[origin]
    chunks = []
    for p in tt.patterns:
        slack = p.offsets[:-1] - reach[p.stop_index[:-1]]  # departure offset minus links from the origin
        useful = np.isfinite(slack) & (slack > np.maximum.accumulate(np.concatenate([[-np.inf], slack[:-1]])))
        if not useful.any():
            continue
        ev = p.starts[:, None] + (slack[useful] - p.board_minutes)[None, :]
        chunks.append(ev[ev >= start - EPS])
    if not chunks:
        return np.empty(0)
    return np.unique(np.concatenate(chunks))


def range_raptor(tt: Timetable, links: LinkTimes, origin: str, window: tuple[float, float] = (360.0, 1320.0), *,
                 step: float = 1.0, max_rounds: int | None = None) -> RangeResult:
    """Travel time to every node for every departure minute of ``window`` (range-RAPTOR).

    Parameters
    ----------
    tt, links
        Timetable and link minutes over the same nodes.
    origin
        Node id to leave from.
    window
        ``(start, end)`` clock minutes of ``tt.date``; departures at ``start``,
        ``start + step``, ... before ``end`` (default 06:00-22:00, 960 minutes).
    step
        Minutes between departures (default 1).
    max_rounds
        Most boardings allowed; default no limit.

    Returns
    -------
    RangeResult
        ``travel_times``, ``percentile``/``percentiles`` and ``fastest`` per destination.

    Raises
    ------
    PlaceNotFoundError
        ``origin`` is not a node of the timetable.
    OptionError
        A window outside the day or a non-positive step.

    Examples
    --------
    >>> from qjnet.network import build_graph
    >>> from qjnet.network.timetable import build_timetable, links_from_graph, format_clock
    >>> tt = build_timetable(date="2025-07-03")
    >>> links = links_from_graph(build_graph(date="2025-07-03"), tt)
    >>> rr = range_raptor(tt, links, "cq_east", window=(7 * 60, 9 * 60))
    >>> len(rr.departures), {p: round(m) for p, m in rr.percentiles("qianjiang", (5, 50, 95)).items()}
    (120, {5: 64, 50: 90, 95: 167})
    >>> best = rr.fastest("qianjiang")
    >>> best.minutes, format_clock(best.depart), best.journey.legs[0].service
    (61.0, '08:50', 'yuxia_fast')
    """
    o = _check(tt, links, origin)
    start, end = _check_depart(window[0]), float(window[1])
    if not (math.isfinite(end) and start < end <= 1440) or not step > 0:
        raise OptionError(f"window {window!r} must be (start, end) with 0 <= start < end <= 1440 and step > 0")
    departures = np.arange(start, end - EPS, step, dtype=float)
    events = departure_events(tt, links, o, start)
    after = np.searchsorted(events, end - EPS)
    events = events[: after + 1]  # the first event at or after the window's end answers its last minutes
    arrivals = _search(tt, links, o, events, max_rounds=max_rounds) if len(events) else np.empty((0, len(tt.nodes)))
    travel = _read_minutes(departures, events, arrivals, links.minutes[o])
    log.info("range-RAPTOR from %s: %d departures, %d events", origin, len(departures), len(events))
    return RangeResult(origin, (start, end), departures, travel, events, arrivals, tt, links)


def _read_minutes(departures: np.ndarray, events: np.ndarray, arrivals: np.ndarray, road: np.ndarray) -> np.ndarray:
    """Travel minutes per departure: the links alone, or whatever the first event at or after it allows."""
    padded = np.vstack([arrivals, np.full((1, len(road)), np.inf)])
    nxt = np.searchsorted(events, departures - EPS, side="left")
    clock = np.minimum(departures[:, None] + road[None, :], padded[nxt])
    clock -= departures[:, None]
    return clock
