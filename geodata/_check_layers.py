"""Checks of the four layers (nodes, services, links, boundaries), record by record.

Each check adds :class:`~geodata.errors.Problem` s to a collector and never
raises; :mod:`geodata.validate` runs them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Container, Iterable
from typing import Any

from . import schema
from ._raw import GEOMETRY_TYPES, Collector, Record
from ._util import DATE_FIX, is_null, is_number, parse_date

# China's extent (WGS-84), generous enough for the South China Sea islands.
CHINA_LON = (73.0, 136.0)
CHINA_LAT = (3.0, 54.0)
ID_PATTERN = re.compile(r"^[a-z0-9_]+$")


def choices(values: Iterable[str]) -> str:
    """``"use one of a, b, c"``."""
    return "use one of " + ", ".join(values)


def _blank(value: Any) -> bool:
    return is_null(value) or value == ""


class Anything:
    """A set that contains everything (used when the node layer could not be read)."""

    def __contains__(self, item: object) -> bool:
        return True


# --------------------------------------------------------------------------- geometry


def check_geometry(out: Collector, path: Any, layer: str, rid: str, geom: Any) -> None:
    """Geometry type, emptiness, NaN, and position inside China (with a hint for swapped lat/lon)."""
    if geom is None:
        return
    kinds = GEOMETRY_TYPES[layer]
    if geom.geom_type not in kinds:
        out.add(path, rid, "geometry", f"{geom.geom_type} geometry", f"a {layer} record needs a {' or '.join(kinds)}")
        return
    if geom.is_empty:
        out.add(path, rid, "geometry", "empty geometry", "give [lon, lat] positions")
        return
    minx, miny, maxx, maxy = geom.bounds
    if any(math.isnan(v) for v in (minx, miny, maxx, maxy)):
        out.add(path, rid, "geometry", "coordinates contain NaN", "give numeric [lon, lat] positions")
        return
    if _inside(minx, maxx, CHINA_LON) and _inside(miny, maxy, CHINA_LAT):
        return
    where = f"({geom.x:g}, {geom.y:g})" if layer == "nodes" else f"bounds ({minx:g}, {miny:g}) to ({maxx:g}, {maxy:g})"
    if _inside(miny, maxy, CHINA_LON) and _inside(minx, maxx, CHINA_LAT):
        out.add(path, rid, "geometry", f"coordinates {where} look like [lat, lon]",
                "GeoJSON positions are [lon, lat]: swap the two numbers")
    else:
        out.add(path, rid, "geometry", f"coordinates {where} lie outside China "
                f"(lon {CHINA_LON[0]:g}..{CHINA_LON[1]:g}, lat {CHINA_LAT[0]:g}..{CHINA_LAT[1]:g})",
                "give WGS-84 [lon, lat] in degrees")


def _inside(low: float, high: float, bounds: tuple[float, float]) -> bool:
    return bounds[0] <= low and high <= bounds[1]


# --------------------------------------------------------------------------- every layer


def _label(out: Collector, path: Any, layer: str, i: int, rid: Any, ids: dict[str, int]) -> str:
    """The record's label for messages; notes a missing, malformed or duplicate id."""
    if _blank(rid):
        out.add(path, f"#{i}", "id", "missing id", f"give every {layer} record a unique id such as 'qianjiang_dist'")
        return f"#{i}"
    if not isinstance(rid, str) or not ID_PATTERN.match(rid):
        out.add(path, str(rid), "id", f"id {rid!r} is not a slug",
                "use lower-case letters, digits and '_' only, e.g. 'qianjiang_dist'")
        return str(rid)
    if rid in ids:
        out.add(path, rid, "id", f"duplicate id (also record #{ids[rid]})", "give each record its own id")
    else:
        ids[rid] = i
    return rid


def _check_dates(out: Collector, path: Any, label: str, props: dict) -> None:
    dates: dict[str, Any] = {}
    for name in ("opened", "closed"):
        value = props.get(name)
        try:
            dates[name] = parse_date(value, file=path, record=label, field_name=name)
        except ValueError:
            out.add(path, label, name, f"bad date {value!r}", DATE_FIX + ", or null")
    if dates.get("opened") and dates.get("closed") and dates["closed"] <= dates["opened"]:
        out.add(path, label, "closed", f"closed {props['closed']} is not after opened {props['opened']}",
                "fix one of the two dates")


def check_common(out: Collector, path: Any, layer: str, records: list[Record], ids: dict[str, int]) -> list[str]:
    """ids, required fields, status, dates, geometry.  Returns the record label of each record."""
    labels = []
    for i, rec in enumerate(records):
        props = rec.props
        label = _label(out, path, layer, i, props.get("id"), ids)
        labels.append(label)
        for name in schema.REQUIRED.get(layer, ()):
            value = props.get(name)
            if name != "id" and (_blank(value) or (isinstance(value, list) and not value)):
                out.add(path, label, name, "missing required field", f"every {layer} record needs {name!r}")
        status = props.get("status")
        if not is_null(status) and status not in schema.STATUSES:
            out.add(path, label, "status", f"unknown status {status!r}", choices(schema.STATUSES))
        _check_dates(out, path, label, props)
        check_geometry(out, path, layer, label, rec.geometry)
    return labels


def check_boundary_ids(out: Collector, path: Any, records: list[Record]) -> list[str]:
    """Boundary ids (one per county) and geometries.  Returns the record label of each record."""
    seen: dict[str, int] = {}
    labels = []
    for i, rec in enumerate(records):
        rid = rec.props.get("id")
        label = rid if isinstance(rid, str) and rid else f"#{i}"
        if label.startswith("#"):
            out.add(path, label, "id", "missing id", "give the county's place id")
        elif label in seen:
            out.add(path, label, "id", f"duplicate id (also record #{seen[label]})", "one boundary per county")
        else:
            seen[label] = i
        labels.append(label)
        check_geometry(out, path, "boundaries", label, rec.geometry)
    return labels


def check_boundaries(out: Collector, path: Any, labels: list[str], node_ids: Container[str]) -> None:
    """Every boundary names a node."""
    for label in labels:
        if label not in node_ids and not label.startswith("#"):
            out.add(path, label, "id", f"boundary {label!r} names no node", "use the id of the county's place node")


def _check_bool(out: Collector, path: Any, label: str, props: dict, name: str) -> None:
    value = props.get(name)
    if not is_null(value) and not isinstance(value, bool):
        out.add(path, label, name, f"not true/false ({value!r})", "give true or false")


# --------------------------------------------------------------------------- nodes


def check_nodes(out: Collector, path: Any, records: list[Record], labels: list[str], node_kinds: dict[str, Any]) -> None:
    """kind, coord_quality, names, population, county."""
    for rec, label in zip(records, labels, strict=True):
        props = rec.props
        kind = props.get("kind")
        if not is_null(kind) and kind not in schema.NODE_KINDS:
            out.add(path, label, "kind", f"unknown kind {kind!r}", choices(schema.NODE_KINDS))
        quality = props.get("coord_quality")
        if not is_null(quality) and quality not in schema.COORD_QUALITIES:
            out.add(path, label, "coord_quality", f"unknown coord_quality {quality!r}", choices(schema.COORD_QUALITIES))
        for name in ("name_zh", "name_en"):
            value = props.get(name)
            if not is_null(value) and not isinstance(value, str):
                out.add(path, label, name, f"not text ({value!r})", "give the name as a string")
        pop: Any = props.get("population")
        if not is_null(pop) and (not is_number(pop) or not math.isfinite(pop) or pop < 0 or pop != int(pop)):
            out.add(path, label, "population", f"bad population {pop!r}",
                    "give a whole number of people, or null when not found")
    for rec, label in zip(records, labels, strict=True):
        _check_county(out, path, label, rec.props.get("county"), node_kinds)


def _check_county(out: Collector, path: Any, label: str, county: Any, node_kinds: dict[str, Any]) -> None:
    if _blank(county):
        return
    if not isinstance(county, str):
        out.add(path, label, "county", f"not a node id ({county!r})", "give the id of a 'place' node or null")
    elif county not in node_kinds:
        out.add(path, label, "county", f"county {county!r} names no node", "give the id of a 'place' node or null")
    elif node_kinds[county] != "place":
        out.add(path, label, "county", f"county {county!r} is a {node_kinds[county]}, not a place",
                "give the id of a 'place' node or null")


# --------------------------------------------------------------------------- services


def check_services(out: Collector, path: Any, records: list[Record], labels: list[str],
                   node_ids: Container[str]) -> None:
    """mode, stops, minutes, time_source, frequency, days, bidirectional, train_class."""
    for rec, label in zip(records, labels, strict=True):
        props = rec.props
        mode = props.get("mode")
        if not is_null(mode) and mode not in schema.SERVICE_MODES:
            out.add(path, label, "mode", f"unknown mode {mode!r}", choices(schema.SERVICE_MODES))
        stops = _check_stops(out, path, label, props.get("stops"), node_ids)
        minutes = props.get("minutes")
        if not is_null(minutes):
            _check_minutes_list(out, path, label, stops, minutes)
        _check_time_sources(out, path, label, props.get("time_source"), stops)
        _check_frequency(out, path, label, rec)
        _check_days(out, path, label, props.get("days"))
        _check_bool(out, path, label, props, "bidirectional")
        _check_train_class(out, path, label, props.get("train_class"))


def _check_train_class(out: Collector, path: Any, label: str, cls: Any) -> None:
    if not is_null(cls) and cls not in schema.TRAIN_CLASSES:
        out.add(path, label, "train_class", f"unknown train_class {cls!r}", choices(schema.TRAIN_CLASSES))


def _check_stops(out: Collector, path: Any, label: str, stops: Any, node_ids: Container[str]) -> list | None:
    """The stops when they are a list of ids (else ``None``), after noting their problems."""
    if is_null(stops):
        return None
    if not isinstance(stops, list) or not all(isinstance(s, str) for s in stops):
        out.add(path, label, "stops", f"not a list of node ids ({stops!r})", 'give e.g. ["cq_east", "qianjiang"]')
        return None
    if len(stops) < 2:
        out.add(path, label, "stops", f"{len(stops)} stop(s)", "a service needs at least 2 stops")
    if len(set(stops)) != len(stops):
        dup = sorted({s for s in stops if stops.count(s) > 1})
        out.add(path, label, "stops", f"stop(s) {', '.join(dup)} repeated", "list each stop once, in running order")
    for s in stops:
        if s not in node_ids:
            out.add(path, label, "stops", f"stop {s!r} names no node", "use an id from nodes.geojson")
    return stops


def _minute_problem(j: int, m: Any) -> tuple[str, str] | None:
    if not is_number(m):
        return f"minutes[{j}] = {m!r} is not a number", "give a number of minutes"
    if math.isnan(m) or math.isinf(m):
        return f"minutes[{j}] is {'NaN' if math.isnan(m) else m}", "give a finite number of minutes"
    if m < 0:
        return f"minutes[{j}] = {m} is negative", "cumulative minutes start at 0 and grow"
    return None


def _check_minutes_list(out: Collector, path: Any, label: str, stops: list | None, minutes: Any) -> None:
    if not isinstance(minutes, list):
        out.add(path, label, "minutes", f"not a list ({minutes!r})", "give cumulative minutes at each stop, e.g. [0, 30, 61]")
        return
    bad = False
    for j, m in enumerate(minutes):
        found = _minute_problem(j, m)
        if found is not None:
            out.add(path, label, "minutes", *found)
            bad = True
    if isinstance(stops, list) and len(minutes) != len(stops):
        out.add(path, label, "minutes", f"{len(minutes)} minutes for {len(stops)} stops",
                "give one cumulative time per stop")
    if bad or not minutes:
        return
    if minutes[0] != 0:
        out.add(path, label, "minutes", f"first stop at {minutes[0]} minutes, not 0",
                "cumulative minutes start at 0 at the first stop")
    for j in range(1, len(minutes)):
        if minutes[j] <= minutes[j - 1]:
            out.add(path, label, "minutes", f"not increasing at stop {j} ({minutes[j - 1]} then {minutes[j]})",
                    "cumulative minutes must strictly increase along the stops")
            break


def _check_time_sources(out: Collector, path: Any, label: str, ts: Any, stops: list | None) -> None:
    if is_null(ts):
        return
    if not isinstance(ts, list):
        out.add(path, label, "time_source", f"not a list ({ts!r})", "give one of published/derived per segment")
        return
    for t in ts:
        if t not in schema.TIME_SOURCES:
            out.add(path, label, "time_source", f"unknown time_source {t!r}", choices(schema.TIME_SOURCES))
    if isinstance(stops, list) and len(ts) != max(len(stops) - 1, 0):
        out.add(path, label, "time_source", f"{len(ts)} entr{'y' if len(ts) == 1 else 'ies'} for {len(stops)} stops",
                "give one entry per segment (number of stops - 1)")


def _check_frequency(out: Collector, path: Any, label: str, rec: Record) -> None:
    given = False
    for name in ("headway_min", "per_day"):
        value: Any = rec.props.get(name)
        if is_null(value):
            continue
        given = True
        if not is_number(value) or value <= 0 or math.isinf(value):
            out.add(path, label, name, f"bad {name} {value!r}", "give a positive number, or null")
    if not given and not rec.nan & {"headway_min", "per_day"}:
        out.add(path, label, "headway_min", "neither headway_min nor per_day is given",
                "give the mean headway in minutes or the departures per day")


def _check_days(out: Collector, path: Any, label: str, days: Any) -> None:
    if is_null(days):
        return
    if not isinstance(days, list):
        out.add(path, label, "days", f"not a list ({days!r})", "give ISO weekdays, e.g. [1, 2, 3, 4, 5, 6, 7]")
        return
    wrong = [d for d in days if not (isinstance(d, int) and not isinstance(d, bool) and 1 <= d <= 7)]
    if wrong:
        out.add(path, label, "days", f"day(s) {wrong} not in 1..7", "use ISO weekdays: Monday = 1 ... Sunday = 7")
    elif len(set(days)) != len(days):
        out.add(path, label, "days", "repeated weekday", "list each weekday once")


# --------------------------------------------------------------------------- links


def check_links(out: Collector, path: Any, records: list[Record], labels: list[str], node_ids: Container[str]) -> None:
    """mode, ends, numbers, minutes or what derives them, time_source, bidirectional."""
    for rec, label in zip(records, labels, strict=True):
        props = rec.props
        mode = props.get("mode")
        if not is_null(mode) and mode not in schema.LINK_MODES:
            out.add(path, label, "mode", f"unknown mode {mode!r}", choices(schema.LINK_MODES))
        _check_ends(out, path, label, props, node_ids)
        bad_numbers = _check_link_numbers(out, path, label, props)
        if is_null(props.get("minutes")) and not rec.nan & {"minutes", "length_km", "speed_kmh"}:
            missing = [n for n in ("length_km", "speed_kmh") if is_null(props.get(n)) or n in bad_numbers]
            if missing:
                out.add(path, label, "minutes", f"no minutes and no {' or '.join(missing)}",
                        "give minutes, or length_km and speed_kmh to derive them")
        ts = props.get("time_source")
        if not is_null(ts) and ts not in schema.TIME_SOURCES:
            out.add(path, label, "time_source", f"unknown time_source {ts!r}", choices(schema.TIME_SOURCES))
        _check_bool(out, path, label, props, "bidirectional")


def _check_ends(out: Collector, path: Any, label: str, props: dict, node_ids: Container[str]) -> None:
    ends = []
    for name in ("from", "to"):
        value = props.get(name)
        if _blank(value):
            continue
        ends.append(value)
        if not isinstance(value, str):
            out.add(path, label, name, f"not a node id ({value!r})", "give the id of a node as text")
        elif value not in node_ids:
            out.add(path, label, name, f"{value!r} names no node", "use an id from nodes.geojson")
    if len(ends) == 2 and ends[0] == ends[1]:
        out.add(path, label, "to", "link starts and ends at the same node", "give two different nodes")


def _check_link_numbers(out: Collector, path: Any, label: str, props: dict) -> set[str]:
    bad = set()
    for name in ("minutes", "length_km", "speed_kmh", "circuity"):
        value: Any = props.get(name)
        if is_null(value):
            continue
        if not is_number(value) or math.isinf(value) or value < 0 or (name != "minutes" and value == 0):
            if is_number(value) and value < 0:
                out.add(path, label, name, f"{name} is negative", "give a positive number, or null")
            else:
                out.add(path, label, name, f"bad value {value!r}", "give a positive number, or null")
            bad.add(name)
    return bad


# --------------------------------------------------------------------------- scenario changes


def _record_problems(layer: str, rec: Record, node_kinds: dict[str, Any]) -> list:
    """The problems of one record by its layer's own rules (collected apart, never raised)."""
    tmp = Collector()
    labels = check_common(tmp, None, layer, [rec], {})
    if layer == "nodes":
        check_nodes(tmp, None, [rec], labels, node_kinds)
    elif layer == "services":
        check_services(tmp, None, [rec], labels, node_kinds)
    elif layer == "links":
        check_links(tmp, None, [rec], labels, node_kinds)
    return tmp.problems


def check_modified(out: Collector, path: Any, where: tuple[str, str], layer: str, rec: Record,
                   changes: dict, node_kinds: dict[str, Any]) -> None:
    """Check a scenario's ``set`` values by the rules of the record they change.

    The record with ``changes`` applied is checked like a base record; every
    problem it has that the base record has not is reported in ``path``
    (scenarios.json) at ``where`` = (scenario, ``modify[j]``), naming the
    record and the field.  A NaN value is reported as such.
    """
    scenario, item = where
    rid = rec.props.get("id")
    what = f"{layer[:-1]} {rid!r}"
    for name, value in changes.items():
        if isinstance(value, float) and math.isnan(value):
            out.add(path, scenario, f"{item}.{name}", f"NaN is not a number (for {what})",
                    "give a number, or null")
    before = {(p.field, p.message) for p in _record_problems(layer, rec, node_kinds)}
    changed = Record({**rec.props, **changes}, rec.geometry, rec.nan - set(changes))
    for problem in _record_problems(layer, changed, node_kinds):
        if (problem.field, problem.message) not in before:
            out.add(path, scenario, f"{item}.{problem.field}", f"{problem.message} for {what}", problem.fix)
