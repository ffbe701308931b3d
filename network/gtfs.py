"""GTFS out: :func:`write_gtfs` writes a dataset's passenger services as a GTFS feed (zip).

What the feed holds
-------------------
* ``agency.txt``: one agency, the dataset (the dataset names no operators);
  its URL is the first source URL the exported services cite unless
  ``agency_url`` is given.
* ``stops.txt``: every node a exported service stops at (stations, airports,
  and a place only if a service stops there), ``location_type`` 0.  The
  dataset does not group stops into stations, so no ``parent_station`` is
  written.  Extension columns ``qjnet_name_en``, ``qjnet_kind`` and
  ``qjnet_coord_quality`` keep what GTFS has no field for (other consumers
  ignore extra columns; :func:`qjnet.geodata.gtfs.read_gtfs` reads them back).
* ``routes.txt``: one route per service (``route_id`` = service id);
  ``route_type`` 2 (rail) for ``hsr`` and ``rail``; the extension column
  ``qjnet_mode`` keeps the mode.  The reference's basic route types (0-7 and
  11-12) have none for air services, so by default the feed leaves ``air`` and
  ``ga`` out (a warning names the services); with ``extended_route_types``
  they are written as 1100 (the extended type "Air Service"), which not
  every consumer accepts.  Freight services (``freight_rail``) are not
  passenger services and are not exported.
* ``trips.txt`` / ``stop_times.txt``: one trip per direction of a
  frequency-based service (a template whose times start at the service
  window's start), one trip per departure of a service with published
  ``departures``; every stop's arrival and departure are the pattern's
  cumulative ``minutes`` (rounded to the second).
* ``frequencies.txt``: one row per template trip over the service window of
  :func:`network.timetable.build_timetable` (06:00-23:00 by default),
  ``exact_times`` 0, ``headway_secs`` = ``headway_min`` x 60, or the window
  divided by ``per_day`` (rounded to the second).  GTFS leaves the phase of
  such trips open; qjnet's own timetables put a trip in the middle of each
  headway slot.  A service with ``per_day`` 1 (and no ``headway_min``) is
  written as one explicit trip a day at the time qjnet generates for it (the
  middle of the window): a headway as long as the window says nothing more,
  and some readers keep ``headway_secs`` in 16 bits (at most 9 h 6 min).
* ``calendar.txt``: one row per service, weekdays from ``days``, dates from
  the feed window cut to the service's ``opened`` / ``closed`` dates.  A
  service that does not exist in the window is left out.
* ``shapes.txt``: the service geometry (reversed for the reverse direction).
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import logging
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..geodata._atomic import atomic_path
from ..geodata._util import is_null
from ..geodata.errors import OptionError
from .params import TimeParams, parse_modes
from .timetable import SERVICE_START, _as_list, _published

log = logging.getLogger(__name__)

__all__ = ["EXTENDED_ROUTE_TYPES", "GTFS_ROUTE_TYPES", "left_out_services", "write_gtfs"]

#: GTFS ``route_type`` of each mode written by default: basic types of the reference (freight is not exported).
GTFS_ROUTE_TYPES = {"hsr": 2, "rail": 2}
#: Modes written only with ``extended_route_types``: no basic route type fits them (1100 "Air Service").
EXTENDED_ROUTE_TYPES = {"air": 1100, "ga": 1100}

_STOP_KINDS = ("hsr_station", "rail_station", "airport", "ga_airport")
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_COLUMNS = {
    "agency.txt": ("agency_id", "agency_name", "agency_url", "agency_timezone", "agency_lang"),
    "stops.txt": ("stop_id", "stop_name", "stop_lat", "stop_lon", "location_type",
                  "qjnet_name_en", "qjnet_kind", "qjnet_coord_quality"),
    "routes.txt": ("route_id", "agency_id", "route_short_name", "route_long_name", "route_desc", "route_type",
                   "qjnet_mode"),
    "trips.txt": ("route_id", "service_id", "trip_id", "direction_id", "shape_id"),
    "stop_times.txt": ("trip_id", "arrival_time", "departure_time", "stop_id", "stop_sequence"),
    "calendar.txt": ("service_id", *_WEEKDAYS, "start_date", "end_date"),
    "frequencies.txt": ("trip_id", "start_time", "end_time", "headway_secs", "exact_times"),
    "shapes.txt": ("shape_id", "shape_pt_lat", "shape_pt_lon", "shape_pt_sequence"),
}


@dataclass
class _Feed:
    """The rows of every file, gathered before writing."""

    rows: dict[str, list[tuple]] = field(default_factory=lambda: {name: [] for name in _COLUMNS})
    stops: set[str] = field(default_factory=set)

    def add(self, name: str, *row: Any) -> None:
        self.rows[name].append(row)


def gtfs_time(minutes: float) -> str:
    """Minutes after midnight as GTFS ``HH:MM:SS`` (hours may pass 24).

    Examples
    --------
    >>> gtfs_time(360), gtfs_time(1510.5)
    ('06:00:00', '25:10:30')
    """
    seconds = round(minutes * 60)
    h, rest = divmod(seconds, 3600)
    return f"{h:02d}:{rest // 60:02d}:{rest % 60:02d}"


def write_gtfs(dataset: Any, path: Any, *, start_date: _dt.date | str, end_date: _dt.date | str | None = None,
               modes: str | Iterable[str] | None = None, timezone: str = "Asia/Shanghai",
               agency_url: str | None = None, window: tuple[float, float] | None = None,
               extended_route_types: bool = False) -> Path:
    """Write the passenger services of a dataset as a GTFS feed (a zip file), atomically.

    Parameters
    ----------
    dataset
        A :class:`geodata.io.Dataset` (unfiltered: each service's ``opened`` /
        ``closed`` cut its calendar; or selected for a date and scenario: what
        it holds is taken as running over the whole feed window), a dataset
        folder, or ``None`` for the embedded dataset.
    path
        The ``.zip`` file to write.
    start_date, end_date
        The feed window (``YYYY-MM-DD``); ``end_date`` defaults to one year
        after ``start_date`` (364 days later).
    modes
        Modes to export (``"hsr,rail"`` or a list); default every passenger
        mode the feed can hold (``hsr`` and ``rail``; also ``air`` and ``ga``
        with ``extended_route_types``).
    timezone
        ``agency_timezone`` (the clock of every time in the feed).
    agency_url
        ``agency_url``; default the first URL the exported services cite in
        ``source`` (the dataset names no operator: the agency is the dataset).
    window
        Service window ``(start, end)`` in minutes after midnight of the
        frequency-based trips; default the one of
        :func:`network.timetable.build_timetable` (06:00 to 06:00 +
        ``TimeParams().service_day_minutes``).
    extended_route_types
        Also write air and GA services, as ``route_type`` 1100 (an extended
        type).  Without it they are left out with a warning naming them
        (:func:`left_out_services` lists them), and the feed uses only the
        reference's basic route types.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    OptionError
        A malformed date, an end before the start, a path that is not ``.zip``,
        an unknown mode, ``air`` or ``ga`` asked for without ``extended_route_types``.

    Examples
    --------
    >>> import tempfile, zipfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "feed.zip"
    >>> _ = write_gtfs(None, out, start_date="2025-07-03")
    >>> sorted(zipfile.ZipFile(out).namelist())[:4]
    ['agency.txt', 'calendar.txt', 'frequencies.txt', 'routes.txt']
    """
    from ..geodata.io import Dataset, load_dataset

    if Path(path).suffix.lower() != ".zip":
        raise OptionError(f"{path}: a GTFS feed is a .zip file; name the output FILE.zip")
    start, end = _window(start_date, end_date)
    types = _route_types(modes, extended_route_types)
    ds = dataset if isinstance(dataset, Dataset) else load_dataset(dataset)
    win = window or (SERVICE_START, SERVICE_START + TimeParams().service_day_minutes)
    feed = _Feed()
    sources = []
    for sid, row, span in _existing(ds, start, end):
        if str(row.get("mode")) in types:
            _add_service(feed, sid, row, span, win, types)
            sources.append(_text(row.get("source")))
    left = left_out_services(ds, start_date=start, end_date=end, modes=modes,
                             extended_route_types=extended_route_types)
    if left:
        log.warning("GTFS feed %s leaves out %d air/GA services (%s): the reference's basic route types have "
                    "none for air services; extended_route_types=True writes them as route_type 1100",
                    Path(path).name, len(left), ", ".join(left))
    feed.add("agency.txt", "qjnet", f"qjnet dataset {Path(ds.path).name}", agency_url or _first_url(sources),
             timezone, "zh")
    _add_stops(feed, ds.nodes)
    target = Path(path)
    with atomic_path(target) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, columns in _COLUMNS.items():
            if feed.rows[name] or name not in ("frequencies.txt", "shapes.txt"):
                zf.writestr(name, _csv(columns, feed.rows[name]))
    log.info("Wrote GTFS feed %s: %d stops, %d routes, %d trips, %s to %s", target, len(feed.rows["stops.txt"]),
             len(feed.rows["routes.txt"]), len(feed.rows["trips.txt"]), start, end)
    return target


def left_out_services(dataset: Any, *, start_date: _dt.date | str, end_date: _dt.date | str | None = None,
                      modes: str | Iterable[str] | None = None, extended_route_types: bool = False) -> list[str]:
    """Ids of the services :func:`write_gtfs` leaves out for want of a basic route type (air and GA).

    Parameters are those of :func:`write_gtfs`; the list is empty with
    ``extended_route_types``, or when the modes asked for hold no air or GA.

    Examples
    --------
    >>> left_out_services(None, start_date="2025-07-03")[:2]
    ['air_jiq_ckg', 'air_ckg_cqw']
    >>> left_out_services(None, start_date="2025-07-03", extended_route_types=True)
    []
    """
    from ..geodata.io import Dataset, load_dataset

    if extended_route_types:
        return []
    start, end = _window(start_date, end_date)
    wanted = set(EXTENDED_ROUTE_TYPES) & set(parse_modes(modes))
    ds = dataset if isinstance(dataset, Dataset) else load_dataset(dataset)
    return [sid for sid, row, _ in _existing(ds, start, end) if str(row.get("mode")) in wanted]


def _window(start_date: Any, end_date: Any) -> tuple[_dt.date, _dt.date]:
    """The feed's first and last date, checked."""
    from ..geodata.io import parse_date

    start, end = parse_date(start_date), parse_date(end_date) if end_date is not None else None
    if start is None:
        raise OptionError("write_gtfs needs start_date (YYYY-MM-DD)")
    end = end or start + _dt.timedelta(days=364)
    if end < start:
        raise OptionError(f"end_date {end} is before start_date {start}; give a later end date")
    return start, end


def _route_types(modes: Any, extended: bool) -> dict[str, int]:
    """``mode -> route_type`` of the modes to write (an explicit air or GA needs ``extended``)."""
    chosen = parse_modes(modes)
    if modes is not None and not extended:
        asked = [m for m in chosen if m in EXTENDED_ROUTE_TYPES]
        if asked:
            raise OptionError(f"mode {asked[0]}: GTFS's basic route types have none for air services; "
                              "write them with extended route types (route_type 1100) or leave the mode out")
    allowed = {**GTFS_ROUTE_TYPES, **(EXTENDED_ROUTE_TYPES if extended else {})}
    return {m: allowed[m] for m in chosen if m in allowed}


def _existing(ds: Any, start: _dt.date, end: _dt.date) -> Iterator[tuple[str, dict, tuple[_dt.date, _dt.date]]]:
    """``(id, record, span)`` of every service that exists in the feed window."""
    selected = ds.date is not None
    for sid, row in zip(ds.services.index, ds.services.to_dict("records"), strict=True):
        span = _span(row, start, end, selected)
        if span is not None:
            yield str(sid), row, span


def _csv(columns: Iterable[str], rows: list[tuple]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(rows)
    return buf.getvalue()


def _span(row: dict, start: _dt.date, end: _dt.date, selected: bool) -> tuple[_dt.date, _dt.date] | None:
    """First and last date of the feed window on which the service exists (``None``: never)."""
    from ..geodata.io import parse_date

    if not selected and row.get("status") != "open":
        return None
    opened = parse_date(row.get("opened")) if not is_null(row.get("opened")) else None
    closed = parse_date(row.get("closed")) if not is_null(row.get("closed")) else None
    first = max(start, opened) if opened is not None and row.get("status") == "open" else start
    last = min(end, closed - _dt.timedelta(days=1)) if closed is not None else end
    return (first, last) if first <= last else None


def _add_service(feed: _Feed, sid: str, row: dict, span: tuple[_dt.date, _dt.date],
                 window: tuple[float, float], types: dict[str, int]) -> None:
    stops = [str(s) for s in _as_list(row.get("stops"))]
    cum = [float(m) for m in _as_list(row.get("minutes"))]
    days = {int(d) for d in _as_list(row.get("days"))}
    published = _published(row.get("departures"), sid)
    headway = _headway(row, window)
    if published is None and _once_a_day(row):
        middle = (window[0] + window[1]) / 2  # where build_timetable puts the one trip of the day
        published = {"f": [middle], "r": [middle]}
    if published is None and headway is None:
        log.warning("Service %s has neither departures nor a frequency: not exported", sid)
        return
    mode = str(row.get("mode"))
    feed.add("routes.txt", sid, "qjnet", sid, _text(row.get("name_zh")) or sid, _text(row.get("name_en")),
             types[mode], mode)
    feed.add("calendar.txt", sid, *(int(d in days) for d in range(1, 8)),
             span[0].strftime("%Y%m%d"), span[1].strftime("%Y%m%d"))
    directions = [("f", stops, cum)]
    if _flag(row.get("bidirectional")):
        directions.append(("r", stops[::-1], [cum[-1] - m for m in cum[::-1]]))
    coords = _coords(row)
    for direction, pstops, offsets in directions:
        shape = f"{sid}_{direction}" if coords else ""
        if coords:
            pts = coords if direction == "f" else coords[::-1]
            for i, (lon, lat) in enumerate(pts):
                feed.add("shapes.txt", shape, round(lat, 6), round(lon, 6), i + 1)
        starts = [window[0]] if published is None else published.get(direction, [])
        for t in starts:
            trip = f"{sid}_{direction}" if published is None else f"{sid}_{direction}_{gtfs_time(t)[:5].replace(':', '')}"
            feed.add("trips.txt", sid, sid, trip, 0 if direction == "f" else 1, shape)
            _add_stop_times(feed, trip, pstops, [t + m for m in offsets])
            if published is None and headway is not None:
                feed.add("frequencies.txt", trip, gtfs_time(window[0]), gtfs_time(window[1]),
                         round(headway * 60), 0)


def _positive(value: Any) -> float | None:
    """A positive number, else ``None`` (null, NaN, zero or negative)."""
    return None if is_null(value) or float(value) <= 0 else float(value)


def _once_a_day(row: dict) -> bool:
    """``per_day`` exactly 1 and no ``headway_min``: one trip a day, written as an explicit trip."""
    return _positive(row.get("headway_min")) is None and _positive(row.get("per_day")) == 1.0


def _add_stop_times(feed: _Feed, trip: str, stops: list[str], times: list[float]) -> None:
    for seq, (stop, t) in enumerate(zip(stops, times, strict=True)):
        feed.add("stop_times.txt", trip, gtfs_time(t), gtfs_time(t), stop, seq + 1)
        feed.stops.add(stop)


def _headway(row: dict, window: tuple[float, float]) -> float | None:
    """Minutes between trips: ``headway_min``, else the window over ``per_day``."""
    headway, per_day = _positive(row.get("headway_min")), _positive(row.get("per_day"))
    if headway is not None:
        return headway
    return None if per_day is None else (window[1] - window[0]) / per_day


def _add_stops(feed: _Feed, nodes: Any) -> None:
    for nid in sorted(feed.stops):
        node = nodes.loc[nid]
        geom = node.geometry
        feed.add("stops.txt", nid, _text(node.get("name_zh")) or nid, round(geom.y, 6), round(geom.x, 6), 0,
                 _text(node.get("name_en")), _text(node.get("kind")), _text(node.get("coord_quality")))


def _coords(row: dict) -> list[tuple[float, float]]:
    geom = row.get("geometry")
    if geom is None or getattr(geom, "is_empty", True) or geom.geom_type != "LineString":
        return []
    return [(float(x), float(y)) for x, y, *_ in geom.coords]


def _first_url(sources: list[str]) -> str:
    for text in sources:
        for word in text.replace(";", " ").split():
            if word.startswith(("http://", "https://")):
                return word
    raise OptionError("no service cites a source URL for agency_url; pass agency_url=...")


def _flag(value: Any) -> bool:
    return not is_null(value) and bool(value)


def _text(value: Any) -> str:
    return "" if is_null(value) else str(value)

