"""Timetables: the trips of every service around one date (:func:`build_timetable`).

A :class:`Timetable` holds, for one query date ``D``, every trip that can be
used by a journey starting on ``D``: the trips of operating day ``D``, the
trips of earlier operating days that are still running after midnight of
``D`` (``D - 1``, or further back for services longer than a day) and the
trips of ``D + 1`` (journeys that start in the evening continue on them;
trips of ``D + 2`` and later are not included).  All clock
times are minutes after midnight of ``D``: a trip of ``D - 1`` leaving at
23:30 has the time ``-30``, a trip of ``D`` arriving at 01:10 the next
morning has ``1510`` (GTFS writes it ``25:10``).  Each trip keeps its own
operating date.

Where trips come from
---------------------
* **Published departures.**  A service may carry an optional ``departures``
  field: a list of ``"HH:MM"`` departure times from its first stop (hours up
  to 47 for trips that leave after midnight of their operating day).  On a
  bidirectional service the same list is used from the first stop of the
  reverse direction (the last stop of ``stops``), unless ``departures`` is an
  object ``{"f": [...], "r": [...]}`` with one list per direction.  The
  embedded dataset has no published departures (its sources give only
  frequencies), so every trip of it is generated.
* **Generated from the frequency.**  Otherwise trips run over the *service
  window* ``window`` (default 06:00 to 06:00 + ``TimeParams.service_day_minutes``,
  i.e. 06:00-23:00, the same service day the ``expected`` measure uses to turn
  ``per_day`` into a headway).  The phase is fixed (no randomness, so results
  are reproducible): the window is cut into slots of one headway and a trip
  leaves at the middle of each slot.  With ``headway_min = h`` the trips
  leave at ``start + h/2, start + 3h/2, ...`` while before the window's end;
  with ``per_day = n`` the window holds ``n`` slots of ``W / n`` minutes.  A
  fractional ``per_day`` (23 flights a week is 3.2857 a day) is spread over
  the operating days of the week: the ``k``-th operating weekday (1-based)
  runs ``round(k * n) - round((k - 1) * n)`` trips, so a week has
  ``round(7 * n)`` of them.

Every trip of a service pattern has the pattern's cumulative ``minutes`` as
its offsets (no dwell is modelled beyond what they include), so trips of one
pattern never overtake each other.  A service runs on date ``d`` only when it
exists on ``d`` (status, ``opened``, ``closed``, scenario) and ``d``'s ISO
weekday is in its ``days``.

Boarding a mode costs ``TimeParams.board_processing`` minutes before the
departure (check-in: air 60, GA 30) and alighting costs
``alight_processing`` (air 15, GA 10); every boarding after the first also
needs ``transfer_minutes`` (10) between arrival and being ready to board.
These are the same assumptions as the ``expected`` measure.
"""

from __future__ import annotations

import datetime as _dt
import json
import logging
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..geodata.errors import DataError, OptionError
from .params import TimeParams, parse_modes

log = logging.getLogger(__name__)

#: Start of the service window of generated trips (06:00), minutes after midnight.
SERVICE_START = 360.0

__all__ = [
    "SERVICE_START",
    "LinkTimes",
    "Pattern",
    "Timetable",
    "Trip",
    "build_timetable",
    "format_clock",
    "link_times",
    "links_from_graph",
    "parse_clock",
]


@dataclass(frozen=True, eq=False)
class Pattern:
    """One service running in one direction, with its trips around the query date.

    Attributes
    ----------
    service, direction, mode
        Service id, ``"f"`` (as listed) or ``"r"`` (reversed), service mode.
    stops
        Node ids in running order.
    stop_index
        Row of each stop in :attr:`Timetable.nodes` (int array).
    offsets
        Minutes from the first stop's departure to each stop (float array).
    starts
        Departure of every trip from the first stop, minutes after midnight of
        the query date, ascending (float array).
    dates
        Operating date of each trip, aligned with ``starts``.
    board_minutes, alight_minutes
        Processing before each boarding and after each alighting.
    """

    service: str
    direction: str
    mode: str
    stops: tuple[str, ...]
    stop_index: np.ndarray
    offsets: np.ndarray
    starts: np.ndarray
    dates: tuple[_dt.date, ...]
    board_minutes: float = 0.0
    alight_minutes: float = 0.0

    def times(self) -> np.ndarray:
        """Clock time of every trip at every stop: array ``(trips, stops)``."""
        return self.starts[:, None] + self.offsets[None, :]


@dataclass(frozen=True)
class Trip:
    """One trip of a service: its stops and clock times (minutes after midnight of the query date)."""

    service: str
    direction: str
    mode: str
    date: _dt.date
    stops: tuple[str, ...]
    times: tuple[float, ...]

    def to_dict(self) -> dict:
        """``{"service", "direction", "mode", "date", "stops": [[stop, "HH:MM"], ...]}``."""
        return {"service": self.service, "direction": self.direction, "mode": self.mode,
                "date": self.date.isoformat(),
                "stops": [[s, format_clock(t)] for s, t in zip(self.stops, self.times, strict=True)]}


@dataclass(frozen=True, eq=False)
class Timetable:
    """Every trip usable by a journey that starts on ``date`` (see :mod:`network.timetable`).

    Attributes
    ----------
    date
        The query date; clock times count minutes from its midnight.
    nodes
        Dataset node ids (stops and every other node), in a fixed order.
    index
        Node id -> position in ``nodes``.
    patterns
        One :class:`Pattern` per service and direction that has trips.
    transfer_minutes
        Minimum time from an arrival to the next boarding.
    window
        Service window ``(start, end)`` used to generate trips from frequencies.
    params
        The :class:`TimeParams` as a dict, recorded in every output.
    """

    date: _dt.date
    nodes: tuple[str, ...]
    index: dict[str, int]
    patterns: tuple[Pattern, ...]
    transfer_minutes: float = 0.0
    window: tuple[float, float] = (SERVICE_START, SERVICE_START + 1020.0)
    params: dict = field(default_factory=dict)
    scenario: str | None = None

    @property
    def n_trips(self) -> int:
        """Number of trips over all patterns."""
        return sum(len(p.starts) for p in self.patterns)

    def trips(self, service: str, date: _dt.date | str | None = None) -> list[Trip]:
        """The trips of ``service`` (both directions), optionally only those operating on ``date``."""
        from ..geodata.io import parse_date

        day = parse_date(date) if date is not None else None
        out = []
        for p in self.patterns:
            if p.service != service:
                continue
            for start, d in zip(p.starts, p.dates, strict=True):
                if day is None or d == day:
                    out.append(Trip(p.service, p.direction, p.mode, d, p.stops,
                                    tuple(float(t) for t in start + p.offsets)))
        return sorted(out, key=lambda t: (t.times[0], t.direction))


def parse_clock(text: str) -> float:
    """``"HH:MM"`` (hours 0-47) as minutes after midnight.

    Examples
    --------
    >>> parse_clock("07:30"), parse_clock("25:10")
    (450.0, 1510.0)
    """
    parts = str(text).strip().split(":")
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        raise ValueError(f"bad clock time {text!r}; write HH:MM, e.g. 07:30")
    hours, minutes = int(parts[0]), int(parts[1])
    if hours > 47 or minutes > 59:
        raise ValueError(f"bad clock time {text!r}; hours 0-47, minutes 0-59")
    return float(hours * 60 + minutes)


def format_clock(minutes: float) -> str:
    """Minutes after midnight as ``"HH:MM"`` (``"HH:MM:SS"`` when not whole; hours may pass 24).

    Examples
    --------
    >>> format_clock(450), format_clock(1510), format_clock(433.5), format_clock(-30)
    ('07:30', '25:10', '07:13:30', '-00:30')
    """
    if not math.isfinite(minutes):
        return "--:--"
    sign = "-" if minutes < 0 else ""
    seconds = round(abs(minutes) * 60)
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{sign}{h:02d}:{m:02d}" + (f":{s:02d}" if s else "")


def build_timetable(dataset: Any = None, *, date: _dt.date | str, scenario: str | None = None,
                    modes: str | Iterable[str] | None = None, params: TimeParams | dict | None = None,
                    window: tuple[float, float] | None = None) -> Timetable:
    """Build the timetable of every service around ``date`` (published or generated trips).

    Parameters
    ----------
    dataset
        A :class:`geodata.io.Dataset` (unfiltered, or selected for ``date``), a
        dataset folder, or ``None`` for the embedded Qianjiang dataset.
    date
        The query date (``YYYY-MM-DD`` or ``datetime.date``).  Trips of earlier
        days still running after its midnight, of ``date`` and of the day after
        are included, each with its own operating date.
    scenario
        Scenario name from the dataset's ``scenarios.json``.
    modes
        Service modes to include (``"hsr,rail"`` or a list); default every
        passenger mode.
    params
        :class:`network.params.TimeParams` (processing, transfer minutes,
        service day); default ``TimeParams()``.
    window
        Service window ``(start, end)`` in minutes after midnight for trips
        generated from a frequency; default ``(360, 360 + params.service_day_minutes)``.

    Returns
    -------
    Timetable
        Patterns with trip start times; clock times are minutes after midnight of ``date``.

    Raises
    ------
    OptionError
        Malformed date, unknown mode, bad window, or a dataset selected for another date.
    DataError
        A service with a malformed ``departures`` field (names record and field).

    Examples
    --------
    >>> tt = build_timetable(date="2025-07-03")  # a Thursday
    >>> [format_clock(t.times[0]) for t in tt.trips("yuxia_fast", "2025-07-03") if t.direction == "f"][:3]
    ['06:56:40', '08:50', '10:43:20']
    >>> [(t.direction, format_clock(t.times[0])) for t in tt.trips("ga_qj_wz", "2025-07-03")]
    [('f', '14:30'), ('r', '14:30')]
    >>> tt.trips("ga_qj_wz", "2025-07-04")  # a Friday: the flight runs Mon/Wed/Thu/Sun
    []
    """
    from ..geodata.io import parse_date

    params = params if isinstance(params, TimeParams) else TimeParams.from_dict(params)
    chosen = parse_modes(modes)
    day = parse_date(date)
    if day is None:
        raise OptionError("build_timetable needs a date (YYYY-MM-DD)")
    win = _check_window(window if window is not None
                        else (SERVICE_START, SERVICE_START + params.service_day_minutes))
    days = _selections(dataset, day, scenario, win, chosen)
    nodes = tuple(str(n) for n in next(ds for d, ds in days if d == day).nodes.index)
    index = {n: i for i, n in enumerate(nodes)}
    trips: dict[tuple[str, str], list[tuple[float, _dt.date]]] = {}
    shapes: dict[tuple[str, str], tuple[str, tuple[str, ...], np.ndarray]] = {}
    for d, ds in days:
        shift = 1440.0 * (d - day).days
        for key, (mode, stops, offsets, starts) in _service_trips(ds.services, d, chosen, win).items():
            if any(s not in index for s in stops):
                continue
            shapes.setdefault(key, (mode, stops, offsets))
            keep = [t + shift for t in starts if t + shift + offsets[-1] > 0.0]
            trips.setdefault(key, []).extend((t, d) for t in keep)
    patterns = tuple(_pattern(key, shapes[key], sorted(trips[key]), index, params)
                     for key in sorted(trips) if trips[key])
    tt = Timetable(date=day, nodes=nodes, index=index, patterns=patterns,
                   transfer_minutes=params.transfer_minutes, window=win, params=params.to_dict(),
                   scenario=scenario)
    log.info("Built timetable: %d patterns, %d trips around %s", len(patterns), tt.n_trips, day.isoformat())
    return tt


def _check_window(window: Sequence[float]) -> tuple[float, float]:
    try:
        start, end = (float(w) for w in window)
    except (TypeError, ValueError):
        raise OptionError(f"service window must be (start, end) in minutes, got {window!r}") from None
    if not (math.isfinite(start) and math.isfinite(end) and 0 <= start < end <= 2880):
        raise OptionError(f"service window {window!r} must satisfy 0 <= start < end <= 2880 minutes")
    return start, end


def _selections(dataset: Any, day: _dt.date, scenario: str | None, window: tuple[float, float],
                modes: Sequence[str]) -> list[tuple[_dt.date, Any]]:
    """The dataset as it exists on every operating day whose trips can run on ``day`` or ``day + 1``."""
    from ..geodata.io import apply_selection, as_dataset, parse_date

    ds = as_dataset(dataset, caller="build_timetable")
    back = _days_back(ds.services, window, modes)
    near = [day + _dt.timedelta(days=k) for k in range(-back, 2)]
    if ds.date is not None or ds.scenario is not None:
        if day != ds.date or (scenario is not None and scenario != ds.scenario):
            raise OptionError(f"the dataset is already restricted to date {ds.date}, scenario {ds.scenario}; "
                              "pass the unfiltered dataset (load_dataset(path)) to choose another")
        return [(d, ds) for d in near]
    if scenario is not None:
        fixed = (ds.scenarios.get(scenario) or {}).get("date")
        if fixed and parse_date(fixed) != day:
            raise OptionError(f"scenario {scenario!r} is evaluated on {fixed}; drop the date "
                              f"{day.isoformat()} or choose a scenario without a fixed date")
    return [(d, apply_selection(ds, date=d, scenario=scenario)) for d in near]


def _days_back(services: Any, window: tuple[float, float], modes: Sequence[str]) -> int:
    """How many operating days before the query date can still have trips running on it (at least 1)."""
    latest = 0.0
    if services is not None and len(services):
        columns = [c for c in ("mode", "minutes", "departures") if c in services.columns]
        for sid, row in zip(services.index, services[columns].to_dict("records"), strict=True):
            if row.get("mode") not in modes:
                continue
            cum = _as_list(row.get("minutes"))
            published = _published(row.get("departures"), sid)
            starts = [t for times in published.values() for t in times] if published else [window[1]]
            latest = max(latest, max(starts, default=0.0) + (float(cum[-1]) if cum else 0.0))
    return max(1, math.ceil(latest / 1440.0) - 1)


def _as_list(value: Any) -> list:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return []
    if isinstance(value, str):
        return list(json.loads(value))
    return list(value)


def _num(value: Any) -> float | None:
    if value is None:
        return None
    v = float(value)
    return None if math.isnan(v) or v <= 0 else v


def _service_trips(services: Any, day: _dt.date, modes: Sequence[str], window: tuple[float, float]) -> dict:
    """``{(service, direction): (mode, stops, offsets, starts)}`` of the services running on ``day``."""
    out: dict = {}
    if services is None or not len(services):
        return out
    weekday = day.isoweekday()
    for sid, row in zip(services.index, services.to_dict("records"), strict=True):
        mode = str(row.get("mode"))
        days = sorted(int(d) for d in _as_list(row.get("days")))
        if mode not in modes or weekday not in days:
            continue
        stops = tuple(str(s) for s in _as_list(row.get("stops")))
        cum = np.asarray([float(m) for m in _as_list(row.get("minutes"))], dtype=float)
        if len(stops) < 2 or len(cum) != len(stops):
            raise DataError("service needs >= 2 stops and one cumulative time per stop", record=sid, field="minutes")
        published = _published(row.get("departures"), sid)
        directions = [("f", stops, cum)]
        if bool(row.get("bidirectional")) and row.get("bidirectional") == row.get("bidirectional"):
            directions.append(("r", stops[::-1], cum[-1] - cum[::-1]))
        for direction, pstops, offsets in directions:
            if published is not None:
                starts = published.get(direction, [])
            else:
                count = _trips_on(days.index(weekday) + 1, _num(row.get("per_day")))
                starts = _generated(window, _num(row.get("headway_min")), count)
            out[(str(sid), direction)] = (mode, pstops, offsets, list(starts))
    return out


def _published(value: Any, sid: Any) -> dict[str, list[float]] | None:
    """Parse a ``departures`` field: a list of ``HH:MM`` or ``{"f": [...], "r": [...]}``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            raise DataError(f"departures {value!r} is not a list of HH:MM times", record=sid,
                            field="departures") from None
    lists = value if isinstance(value, Mapping) else {"f": value, "r": value}
    out: dict[str, list[float]] = {}
    for direction, times in lists.items():
        if direction not in ("f", "r") or not isinstance(times, list):
            raise DataError(f"departures must be a list of \"HH:MM\" or {{\"f\": [...], \"r\": [...]}}, got {value!r}",
                            record=sid, field="departures")
        try:
            out[direction] = sorted(parse_clock(t) for t in times)
        except ValueError as exc:
            raise DataError(str(exc), record=sid, field="departures") from None
    return out


def _trips_on(k: int, per_day: float | None) -> int | None:
    """Trips on the ``k``-th operating weekday for a (possibly fractional) ``per_day``."""
    if per_day is None:
        return None
    return math.floor(k * per_day + 0.5) - math.floor((k - 1) * per_day + 0.5)


def _generated(window: tuple[float, float], headway: float | None, count: int | None) -> list[float]:
    """Departures at the middle of each headway slot of the window (fixed phase)."""
    start, end = window
    if headway is None:
        if not count:
            return []
        headway = (end - start) / count
        return [start + (i + 0.5) * headway for i in range(count)]
    n = math.ceil((end - start) / headway - 0.5)
    return [start + (i + 0.5) * headway for i in range(max(n, 0))]


def _pattern(key: tuple[str, str], shape: tuple[str, tuple[str, ...], np.ndarray],
             trips: list[tuple[float, _dt.date]], index: dict[str, int], params: TimeParams) -> Pattern:
    mode, stops, offsets = shape
    return Pattern(service=key[0], direction=key[1], mode=mode, stops=stops,
                   stop_index=np.asarray([index[s] for s in stops], dtype=np.intp),
                   offsets=np.asarray(offsets, dtype=float),
                   starts=np.asarray([t for t, _ in trips], dtype=float),
                   dates=tuple(d for _, d in trips),
                   board_minutes=float(params.board_processing.get(mode, 0.0)),
                   alight_minutes=float(params.alight_processing.get(mode, 0.0)))


@dataclass(frozen=True, eq=False)
class LinkTimes:
    """The continuous links (roads, access, walking, transfers) as all-pairs shortest minutes.

    Links run at any time, so between two scheduled rides a traveller may use
    any chain of them; ``minutes[i, j]`` is the shortest such chain from
    ``nodes[i]`` to ``nodes[j]`` (``inf`` when none, 0 on the diagonal).  The
    matrix is dense: fine up to a few thousand nodes.

    Attributes
    ----------
    nodes
        Node ids, the same order as the :class:`Timetable` they go with.
    minutes
        ``(n, n)`` float array of shortest link minutes.
    predecessors
        ``(n, n)`` int array: the node before ``j`` on the shortest chain from ``i`` (-9999: none).
    edges
        ``(u, v) -> (mode, minutes, link id)`` of the fastest direct link, to rebuild legs.
    """

    nodes: tuple[str, ...]
    minutes: np.ndarray
    predecessors: np.ndarray
    edges: dict[tuple[int, int], tuple[str, float, str]]

    def path(self, i: int, j: int) -> list[int]:
        """Node rows of the shortest link chain from row ``i`` to row ``j`` (``[i]`` when equal)."""
        out = [j]
        while out[-1] != i:
            prev = int(self.predecessors[i, out[-1]])
            if prev < 0:
                raise ValueError(f"no link chain from {self.nodes[i]!r} to {self.nodes[j]!r}")
            out.append(prev)
        return out[::-1]


def link_times(nodes: Sequence[str] | Timetable,
               links: Iterable[tuple[str, str, float, str, str]]) -> LinkTimes:
    """All-pairs link minutes from ``(from, to, minutes, mode, link id)`` tuples (one direction each).

    Examples
    --------
    >>> lt = link_times(["a", "b", "c"], [("a", "b", 5.0, "road", "l1"), ("b", "c", 7.0, "road", "l2")])
    >>> lt.minutes[0].tolist(), lt.path(0, 2)
    ([0.0, 5.0, 12.0], [0, 1, 2])
    """
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import shortest_path

    ids = tuple(nodes.nodes) if isinstance(nodes, Timetable) else tuple(nodes)
    index = {n: i for i, n in enumerate(ids)}
    edges: dict[tuple[int, int], tuple[str, float, str]] = {}
    for u, v, minutes, mode, lid in links:
        if u not in index or v not in index or u == v:
            continue
        key = (index[u], index[v])
        if key not in edges or float(minutes) < edges[key][1]:
            edges[key] = (str(mode), float(minutes), str(lid))
    n = len(ids)
    if edges:
        rows, cols = zip(*edges, strict=True)
        # zero-minute links are stored as a tiny positive number: csgraph treats explicit zeros as absent
        data = [max(edges[k][1], 1e-12) for k in edges]
        matrix = csr_matrix((data, (rows, cols)), shape=(n, n))
    else:
        matrix = csr_matrix((n, n))
    dist, pred = shortest_path(matrix, method="D", directed=True, return_predecessors=True)
    dist = np.where(dist < 1e-9, 0.0, dist)
    return LinkTimes(nodes=ids, minutes=np.asarray(dist, dtype=float), predecessors=np.asarray(pred), edges=edges)


def links_from_graph(G: Any, nodes: Sequence[str] | Timetable) -> LinkTimes:
    """The link edges (``kind == "link"``) of a model graph as :class:`LinkTimes` over ``nodes``.

    Examples
    --------
    >>> from qjnet.network import build_graph
    >>> tt = build_timetable(date="2025-07-03")
    >>> lt = links_from_graph(build_graph(date="2025-07-03"), tt)
    >>> lt.nodes == tt.nodes, round(float(lt.minutes[tt.index["qianjiang_dist"], tt.index["qianjiang"]]), 1)
    (True, 24.9)
    """
    return link_times(nodes, ((u, v, float(d["minutes"]), str(d.get("mode")), str(k))
                              for u, v, k, d in G.edges(keys=True, data=True) if d.get("kind") == "link"))
