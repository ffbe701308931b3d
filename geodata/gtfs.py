"""GTFS in: :func:`read_gtfs` turns a GTFS feed (a ``.zip``) into a qjnet :class:`~geodata.dataset.Dataset`.

The conversion, so that every engine (graph, timetable, RAPTOR, matrices) runs on any feed:

* **Nodes** from ``stops.txt``: a stop with a ``parent_station`` is merged
  into its station (one node per station: the transfer inside a station is
  free), other stops and stations are nodes; entrances, generic nodes and
  boarding areas are not.  Ids become qjnet ids (lower case, other
  characters ``_``; ``_2``, ``_3``... where two would clash).  ``kind`` is the extension column ``qjnet_kind``
  when present, else from the mode of the first route serving it.
* **Services** from trips grouped by route, stop pattern, running times and
  calendar: one service per group, its id the ``route_id`` (with ``_1``,
  ``_2``, ... in the order of the groups' first trips when a route has
  several), ``minutes`` the cumulative minutes of its
  trips (arrival time at each stop after the first, so dwell is folded into
  the next segment), ``days`` and ``opened``/``closed`` from ``calendar.txt``
  (or, without a calendar row, from the added dates of ``calendar_dates.txt``;
  removed dates are not modelled).  Each service runs one way
  (``bidirectional`` false); its ``source`` names the feed, the route and the
  agency's URL.
* **Trips per day.**  A group whose only trips are ``frequencies.txt``
  templates with ``exact_times`` 0 spanning exactly the service window
  (06:00-23:00, :func:`network.timetable.build_timetable`'s default) becomes
  a frequency service, ``per_day`` = window / headway (the shortest decimal
  that gives back ``headway_secs``, which a writer rounds to the second): qjnet
  regenerates its trips with its fixed phase.  Every other group gets
  published ``departures`` (``HH:MM``; seconds are rounded), frequency rows
  expanded one trip per headway slot (in the middle of the slot for
  ``exact_times`` 0, at its start for 1), and ``per_day`` their number.
* **Modes** from the extension column ``qjnet_mode`` when present, else
  ``route_type``: 2 and 100-117 rail (101 hsr), 1100-1199 air.  Other route
  types (bus, tram, ferry, ...) have no qjnet mode: their routes are skipped
  with a warning.
* No roads, access links or places: a feed has none.

A bad feed (a missing file or field, an unknown stop, times going backwards, a
malformed time or date) raises :class:`~geodata.errors.DataError` naming the
file, the row (``row N`` is line N of the file; the header is line 1) and the
field.
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import logging
import zipfile
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ._raw import RawDataset, Record
from .errors import DataError

log = logging.getLogger(__name__)

__all__ = ["SERVICE_WINDOW", "is_gtfs", "read_gtfs", "read_gtfs_raw"]

#: The service window (minutes after midnight) of qjnet's frequency-generated trips.
SERVICE_WINDOW = (360.0, 1380.0)

REQUIRED = {
    "agency.txt": ("agency_name", "agency_url", "agency_timezone"),
    "stops.txt": ("stop_id",),
    "routes.txt": ("route_id", "route_type"),
    "trips.txt": ("route_id", "service_id", "trip_id"),
    "stop_times.txt": ("trip_id", "stop_id", "stop_sequence"),
    "calendar.txt": ("service_id", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
                     "sunday", "start_date", "end_date"),
    "calendar_dates.txt": ("service_id", "date", "exception_type"),
    "frequencies.txt": ("trip_id", "start_time", "end_time", "headway_secs"),
    "shapes.txt": ("shape_id", "shape_pt_lat", "shape_pt_lon", "shape_pt_sequence"),
}
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_KIND_OF_MODE = {"hsr": "hsr_station", "rail": "rail_station", "air": "airport", "ga": "ga_airport"}
_MODES = ("hsr", "rail", "air", "ga")


def is_gtfs(path: Any) -> bool:
    """Whether ``path`` names a GTFS feed (a ``.zip`` file).

    Examples
    --------
    >>> is_gtfs("feed.zip"), is_gtfs("qianjiang.gpkg")
    (True, False)
    """
    return Path(str(path)).suffix.lower() == ".zip"


@dataclass
class _Table:
    """One feed file: its name (for messages) and rows; row N is line N of the file (the header is line 1)."""

    name: str
    rows: list[dict[str, str]]
    present: bool = True

    def __iter__(self) -> Iterator[tuple[int, dict[str, str]]]:
        return ((i + 2, r) for i, r in enumerate(self.rows))


@dataclass
class _Trip:
    route: str
    service: str
    shape: str = ""
    stops: list[str] = field(default_factory=list)
    times: list[float] = field(default_factory=list)


class _Feed:
    """The files of a feed zip, read on demand; errors name ``feed.zip/file.txt``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self.zip = zipfile.ZipFile(path)
        except (OSError, zipfile.BadZipFile) as exc:
            raise DataError(f"cannot read the GTFS feed ({exc}); give a GTFS .zip file", file=path) from None
        self.names = {Path(n).name: n for n in self.zip.namelist() if not n.endswith("/")}

    def where(self, name: str) -> str:
        return f"{self.path}/{name}"

    def table(self, name: str, *, required: bool = True) -> _Table:
        """The rows of ``name``; an optional file that is absent gives no rows (``present`` false)."""
        if name not in self.names:
            if required:
                raise DataError(f"{name} is missing; a GTFS feed needs it", file=self.path)
            return _Table(self.where(name), [], present=False)
        text = self.zip.read(self.names[name]).decode("utf-8-sig")
        rows = list(csv.DictReader(io.StringIO(text)))
        header = csv.DictReader(io.StringIO(text)).fieldnames or []
        for col in REQUIRED.get(name, ()):
            if col not in header:
                raise DataError(f"required column {col!r} is missing", file=self.where(name), field=col)
        table = _Table(self.where(name), [{k.strip(): (v or "").strip() for k, v in r.items() if k} for r in rows])
        for row_no, row in table:
            for col in REQUIRED.get(name, ()):
                if not row.get(col):
                    raise DataError("empty value", file=table.name, record=f"row {row_no}", field=col)
        return table


def read_gtfs(path: Any, *, window: tuple[float, float] = SERVICE_WINDOW) -> Any:
    """Read a GTFS feed as a qjnet Dataset (not validated; :func:`geodata.io.load_dataset` validates).

    Parameters
    ----------
    path
        A GTFS ``.zip`` file.
    window
        The service window of qjnet's generated trips (minutes); frequency
        templates spanning exactly it stay frequency services.

    Returns
    -------
    Dataset
        Nodes (stops) and services (trip groups); no links, boundaries or scenarios.

    Raises
    ------
    DataError
        A missing file or field, an unknown stop id, times going backwards, a
        malformed value: the message names file, row and field.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from qjnet.network.gtfs import write_gtfs
    >>> feed = write_gtfs(None, pathlib.Path(tempfile.mkdtemp()) / "feed.zip", start_date="2025-07-03")
    >>> ds = read_gtfs(feed)
    >>> svc = ds.services.loc["yuxia_fast_1"]
    >>> list(svc["stops"]), list(svc["minutes"]), float(svc["per_day"])
    (['cq_east', 'qianjiang'], [0.0, 61.0], 9.0)
    """
    from .formats import dataset_from_raw

    return dataset_from_raw(read_gtfs_raw(path, window=window))


def read_gtfs_raw(path: Any, *, window: tuple[float, float] = SERVICE_WINDOW) -> RawDataset:
    """Read a GTFS feed into the raw records :mod:`geodata.validate` checks (see :func:`read_gtfs`)."""
    source = Path(path)
    if not source.is_file():
        raise DataError("GTFS feed not found; give an existing .zip file", file=source)
    feed = _Feed(source)
    stops, node_of = _stops(feed)
    modes = _route_modes(feed, _agency_urls(feed))
    calendars = _calendars(feed)
    trips = _trips(feed, modes, calendars)
    _stop_times(feed, trips, node_of)
    freqs = _frequencies(feed, trips)
    shapes = _shapes(feed)
    services = _services(feed, trips, freqs, calendars, modes, shapes, stops, window)
    served = {s for rec in services for s in rec.props["stops"]}
    nodes = _nodes(stops, services, served, source)
    files = {"nodes": feed.where("stops.txt"), "services": feed.where("trips.txt"),
             "links": str(source), "boundaries": str(source), "scenarios": str(source)}
    log.info("Read GTFS feed %s: %d stops, %d services from %d trips", source.name, len(nodes), len(services),
             len(trips))
    return RawDataset(path=source, layers={"nodes": nodes, "services": services, "links": [], "boundaries": None},
                      scenarios=[], extras={}, files=files)


# --------------------------------------------------------------------------- values


def parse_time(text: str, where: str, row: int, col: str) -> float:
    """GTFS ``H:MM:SS`` as minutes after midnight (hours may pass 24)."""
    parts = text.split(":")
    if len(parts) != 3 or not all(p.isdigit() for p in parts) or int(parts[1]) > 59 or int(parts[2]) > 59:
        raise DataError(f"bad time {text!r}; write HH:MM:SS, e.g. 07:30:00", file=where, record=f"row {row}",
                        field=col)
    return int(parts[0]) * 60 + int(parts[1]) + int(parts[2]) / 60


def _date(text: str, where: str, row: int, col: str) -> _dt.date:
    try:
        return _dt.datetime.strptime(text, "%Y%m%d").date()
    except ValueError:
        raise DataError(f"bad date {text!r}; write YYYYMMDD", file=where, record=f"row {row}", field=col) from None


def _number(text: str, where: str, row: int, col: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise DataError(f"{text!r} is not a number", file=where, record=f"row {row}", field=col) from None


# --------------------------------------------------------------------------- files


def _stops(feed: _Feed) -> tuple[dict[str, dict], dict[str, str]]:
    """Node records by (slug) id, and the node of every stop id (a platform maps to its station)."""
    table = feed.table("stops.txt")
    slugs = _Slugs()
    nodes: dict[str, dict] = {}
    node_of: dict[str, str] = {}
    parents: dict[str, tuple[str, int]] = {}
    for row_no, row in table:
        sid, kind = row["stop_id"], row.get("location_type") or "0"
        if kind not in ("0", "1"):
            continue
        if row.get("parent_station") and kind == "0":
            parents[sid] = (row["parent_station"], row_no)
            continue
        lat = _number(row.get("stop_lat", ""), table.name, row_no, "stop_lat")
        lon = _number(row.get("stop_lon", ""), table.name, row_no, "stop_lon")
        node_of[sid] = slugs.new(sid)
        nodes[node_of[sid]] = {**row, "lat": lat, "lon": lon}
    for sid, (parent, row_no) in parents.items():
        if parent not in node_of:
            raise DataError(f"unknown parent_station {parent!r}; it must be a stop_id of stops.txt",
                            file=table.name, record=f"row {row_no}", field="parent_station")
        node_of[sid] = node_of[parent]
    return nodes, node_of


class _Slugs:
    """Unique qjnet ids (``[a-z0-9_]+``) for feed ids: lower case, other characters ``_``, ``_2``... on a clash."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def new(self, text: str) -> str:
        base = "".join(c if c.isascii() and (c.isalnum() or c == "_") else "_" for c in text.lower()) or "id"
        slug, n = base, 1
        while slug in self.used:
            n += 1
            slug = f"{base}_{n}"
        self.used.add(slug)
        return slug


def _agency_urls(feed: _Feed) -> dict[str, str]:
    """``agency_id -> agency_url`` (``""`` is the agency of routes without ``agency_id``)."""
    rows = feed.table("agency.txt").rows
    urls = {r.get("agency_id", ""): r["agency_url"] for r in rows}
    if rows:
        urls.setdefault("", rows[0]["agency_url"])
    return urls


def _route_modes(feed: _Feed, urls: dict[str, str]) -> dict[str, tuple[str | None, dict]]:
    """``route_id -> (qjnet mode or None when not modelled, row with the agency's URL as "_url")``."""
    table = feed.table("routes.txt")
    out: dict[str, tuple[str | None, dict]] = {}
    for row_no, row in table:
        mode = row.get("qjnet_mode") or None
        if mode is None or mode not in _MODES:
            rtype = int(_number(row["route_type"], table.name, row_no, "route_type"))
            mode = ("hsr" if rtype == 101 else "rail" if rtype == 2 or 100 <= rtype <= 117
                    else "air" if 1100 <= rtype <= 1199 else None)
        if mode is None:
            log.warning("%s row %d: route %s has route_type %s, which qjnet does not model: skipped",
                        table.name, row_no, row["route_id"], row["route_type"])
        out[row["route_id"]] = (mode, {**row, "_url": urls.get(row.get("agency_id", ""), urls.get("", ""))})
    return out


def _calendars(feed: _Feed) -> dict[str, tuple[frozenset[int], _dt.date, _dt.date]]:
    """``service_id -> (ISO weekdays, first date, last date)``."""
    out: dict[str, tuple[frozenset[int], _dt.date, _dt.date]] = {}
    cal = feed.table("calendar.txt", required=False)
    dates = feed.table("calendar_dates.txt", required=False)
    if not cal.present and not dates.present:
        raise DataError("calendar.txt and calendar_dates.txt are both missing; a GTFS feed needs one",
                        file=feed.path)
    for row_no, row in cal:
        days = frozenset(i + 1 for i, d in enumerate(_WEEKDAYS) if row[d] == "1")
        out[row["service_id"]] = (days, _date(row["start_date"], cal.name, row_no, "start_date"),
                                  _date(row["end_date"], cal.name, row_no, "end_date"))
    added: dict[str, list[_dt.date]] = defaultdict(list)
    for row_no, row in dates:
        if row["exception_type"] == "1" and row["service_id"] not in out:
            added[row["service_id"]].append(_date(row["date"], dates.name, row_no, "date"))
    for sid, days_added in added.items():
        out[sid] = (frozenset(d.isoweekday() for d in days_added), min(days_added), max(days_added))
    return out


def _trips(feed: _Feed, modes: dict, calendars: dict) -> dict[str, _Trip]:
    table = feed.table("trips.txt")
    out: dict[str, _Trip] = {}
    for row_no, row in table:
        if row["route_id"] not in modes:
            raise DataError(f"unknown route_id {row['route_id']!r}; it must be a route_id of routes.txt",
                            file=table.name, record=f"row {row_no}", field="route_id")
        if row["service_id"] not in calendars:
            raise DataError(f"unknown service_id {row['service_id']!r}; it must be in calendar.txt or "
                            "calendar_dates.txt", file=table.name, record=f"row {row_no}", field="service_id")
        if modes[row["route_id"]][0] is not None:
            out[row["trip_id"]] = _Trip(row["route_id"], row["service_id"], row.get("shape_id") or "")
    return out


def _stop_times(feed: _Feed, trips: dict[str, _Trip], node_of: dict[str, str]) -> None:
    """Fill every trip's stops and times (arrival, departure at the first stop), checked."""
    table = feed.table("stop_times.txt")
    rows: dict[str, list[tuple[int, int, dict]]] = defaultdict(list)
    for row_no, row in table:
        if row["stop_id"] not in node_of:
            raise DataError(f"unknown stop_id {row['stop_id']!r}; it must be a stop of stops.txt",
                            file=table.name, record=f"row {row_no}", field="stop_id")
        if row["trip_id"] in trips:
            seq = int(_number(row["stop_sequence"], table.name, row_no, "stop_sequence"))
            rows[row["trip_id"]].append((seq, row_no, row))
    for tid, trip in trips.items():
        ordered = sorted(rows.get(tid, []), key=lambda r: r[0])
        if len(ordered) < 2:
            raise DataError(f"trip {tid!r} has {len(ordered)} stop time(s); a trip needs at least 2",
                            file=table.name, field="trip_id")
        _trip_times(trip, ordered, table.name, node_of)


def _trip_times(trip: _Trip, ordered: list[tuple[int, int, dict]], where: str, node_of: dict[str, str]) -> None:
    known: list[float | None] = []
    last = float("-inf")
    for i, (_, row_no, row) in enumerate(ordered):
        col = "departure_time" if i == 0 else "arrival_time"
        text = row.get(col) or row.get("departure_time" if i else "arrival_time") or ""
        if not text:
            if i in (0, len(ordered) - 1):
                raise DataError("the first and last stop of a trip need a time", file=where,
                                record=f"row {row_no}", field=col)
            known.append(None)
            continue
        t = parse_time(text, where, row_no, col)
        if t < last:
            raise DataError(f"time {text} is before the previous stop's; times of a trip must not go backwards",
                            file=where, record=f"row {row_no}", field=col)
        last = max(last, parse_time(row.get("departure_time") or text, where, row_no, "departure_time"))
        known.append(t)
    trip.stops = [node_of[r["stop_id"]] for _, _, r in ordered]
    trip.times = _interpolated(known)


def _interpolated(times: list[float | None]) -> list[float]:
    """Missing intermediate times spread evenly between the known ones."""
    out = list(times)
    i = 0
    while i < len(out):
        if out[i] is None:
            j = i
            while out[j] is None:
                j += 1
            a, b = out[i - 1], out[j]
            assert a is not None and b is not None
            for k in range(i, j):
                out[k] = a + (b - a) * (k - i + 1) / (j - i + 1)
            i = j
        i += 1
    return [float(t) for t in out if t is not None]


def _frequencies(feed: _Feed, trips: dict[str, _Trip]) -> dict[str, list[tuple[float, float, float, bool]]]:
    """``trip_id -> [(start, end, headway minutes, exact_times)]``."""
    table = feed.table("frequencies.txt", required=False)
    out: dict[str, list[tuple[float, float, float, bool]]] = defaultdict(list)
    for row_no, row in table:
        start = parse_time(row["start_time"], table.name, row_no, "start_time")
        end = parse_time(row["end_time"], table.name, row_no, "end_time")
        headway = _number(row["headway_secs"], table.name, row_no, "headway_secs") / 60
        if end <= start or headway <= 0:
            raise DataError("end_time must be after start_time and headway_secs positive", file=table.name,
                            record=f"row {row_no}", field="end_time" if end <= start else "headway_secs")
        if row["trip_id"] in trips:
            out[row["trip_id"]].append((start, end, headway, row.get("exact_times") == "1"))
    return out


def _shapes(feed: _Feed) -> dict[str, list[tuple[float, float]]]:
    table = feed.table("shapes.txt", required=False)
    pts: dict[str, list[tuple[float, float, float]]] = defaultdict(list)
    for row_no, row in table:
        pts[row["shape_id"]].append((_number(row["shape_pt_sequence"], table.name, row_no, "shape_pt_sequence"),
                                     _number(row["shape_pt_lon"], table.name, row_no, "shape_pt_lon"),
                                     _number(row["shape_pt_lat"], table.name, row_no, "shape_pt_lat")))
    return {sid: [(x, y) for _, x, y in sorted(p)] for sid, p in pts.items()}


# --------------------------------------------------------------------------- records


def _services(feed: _Feed, trips: dict[str, _Trip], freqs: dict, calendars: dict, modes: dict, shapes: dict,
              stops: dict, window: tuple[float, float]) -> list[Record]:
    from shapely.geometry import LineString

    groups: dict[tuple, list[str]] = defaultdict(list)
    for tid, trip in trips.items():
        offsets = tuple(round(t - trip.times[0], 2) for t in trip.times)
        groups[(trip.route, tuple(trip.stops), offsets, calendars[trip.service])].append(tid)
    by_route: dict[str, list[tuple]] = defaultdict(list)
    for key in groups:  # in the order of their first trip in trips.txt
        by_route[key[0]].append(key)
    out = []
    slugs = _Slugs()
    for route, keys in by_route.items():
        mode, rrow = modes[route]
        for n, key in enumerate(keys, start=1):
            tids = groups[key]
            props = _service_props(slugs.new(f"{route}_{n}" if len(keys) > 1 else route), route, rrow, mode, key,
                                   [trips[t] for t in tids], [freqs.get(t, []) for t in tids], window, feed)
            shape = shapes.get(trips[tids[0]].shape, [])
            coords = shape or [(stops[s]["lon"], stops[s]["lat"]) for s in key[1]]
            out.append(Record(props=props, geometry=LineString(coords)))
    return out


def _service_props(sid: str, route: str, rrow: dict, mode: str, key: tuple, trips: list[_Trip],
                   freqs: list[list[tuple[float, float, float, bool]]], window: tuple[float, float],
                   feed: _Feed) -> dict:
    _, stops, offsets, (days, first, last) = key
    name = rrow.get("route_long_name") or rrow.get("route_short_name") or route
    props: dict[str, Any] = {
        "id": sid, "line": route, "name_zh": name, "name_en": rrow.get("route_desc") or name, "mode": mode,
        "stops": list(stops), "minutes": [float(m) for m in offsets],
        "time_source": ["published"] * (len(stops) - 1), "headway_min": None, "per_day": None,
        "days": sorted(days), "bidirectional": False, "opened": first.isoformat(),
        "closed": (last + _dt.timedelta(days=1)).isoformat(), "status": "open", "capacity": None,
        "source": f"GTFS feed {feed.path.name}, route {route} ; {rrow['_url']}".rstrip(" ;"),
    }
    windowed = all(f and all(not exact and (s, e) == window for s, e, _, exact in f) for f in freqs)
    if windowed:
        props["per_day"] = sum(_per_day(e - s, h) for f in freqs for s, e, h, _ in f)
        return props
    starts: list[float] = []
    for trip, rows in zip(trips, freqs, strict=True):
        starts += _expanded(rows) if rows else [trip.times[0]]
    props["departures"] = [_clock(t) for t in sorted(starts)]
    props["per_day"] = float(len(starts))
    return props


def _per_day(span: float, headway: float) -> float:
    """Trips in ``span`` minutes at ``headway``: the shortest decimal (0-4 places) whose headway in whole
    seconds is ``headway`` (a writer rounds the window over ``per_day`` to the second)."""
    exact = span / headway
    secs = round(headway * 60)
    for places in range(5):
        value = round(exact, places)
        if value > 0 and round(span * 60 / value) == secs:
            return value
    return exact


def _expanded(rows: list[tuple[float, float, float, bool]]) -> list[float]:
    out = []
    for start, end, headway, exact in rows:
        phase = 0.0 if exact else 0.5
        k = 0
        while start + (k + phase) * headway < end - 1e-9:
            out.append(start + (k + phase) * headway)
            k += 1
    return out


def _clock(minutes: float) -> str:
    whole = round(minutes)
    return f"{whole // 60:02d}:{whole % 60:02d}"


def _nodes(stops: dict[str, dict], services: list[Record], served: set[str], source: Path) -> list[Record]:
    from shapely.geometry import Point

    first_mode: dict[str, str] = {}
    for rec in services:
        for s in rec.props["stops"]:
            first_mode.setdefault(s, rec.props["mode"])
    out = []
    for sid in sorted(served):
        row = stops[sid]
        name = row.get("stop_name") or sid
        props = {"id": sid, "name_zh": name, "name_en": row.get("qjnet_name_en") or name,
                 "kind": row.get("qjnet_kind") or _KIND_OF_MODE[first_mode[sid]], "status": "open",
                 "coord_quality": row.get("qjnet_coord_quality") or "estimate",
                 "source": f"GTFS feed {source.name}, stop {sid}"}
        out.append(Record(props=props, geometry=Point(row["lon"], row["lat"])))
    return out
