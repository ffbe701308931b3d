"""Dataset validation: every problem of a dataset in one report.

:func:`validate_dataset` reads a dataset folder (or GeoPackage) and returns a
:class:`ValidationReport` listing every problem it finds — malformed files,
missing or duplicate ids, dangling references, bad times, coordinates outside
China, unknown codes, bad dates, scenario references that name nothing — with
the file, record and field of each and how to fix it.  It never stops at the
first problem.  :func:`check_dataset` runs the same checks on a loaded
:class:`~geodata.io.Dataset` and raises :class:`~geodata.errors.ValidationError`
carrying every problem; :func:`geodata.io.load_dataset` calls it, so a dataset
is never half-loaded.
"""

from __future__ import annotations

import datetime as _dt
import json
import logging
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import schema
from .errors import DataError, ValidationError, located

log = logging.getLogger(__name__)

# China's extent (WGS-84), generous enough for the South China Sea islands.
CHINA_LON = (73.0, 136.0)
CHINA_LAT = (3.0, 54.0)

ID_PATTERN = re.compile(r"^[a-z0-9_]+$")
SCENARIO_KEYS = ("name", "date", "description", "add", "modify", "remove")
# numeric scalar fields in which a NaN is a mistake (JSON has no NaN; a null means "unknown")
_NUMERIC_FIELDS = {
    "nodes": ("population",),
    "services": ("headway_min", "per_day"),
    "links": ("minutes", "length_km", "speed_kmh", "circuity"),
}
_GEOMETRY = {"nodes": ("Point",), "services": ("LineString",), "links": ("LineString",),
             "boundaries": ("Polygon", "MultiPolygon")}


@dataclass(frozen=True)
class Problem:
    """One problem in a dataset: where it is, what is wrong, how to fix it.

    ``str(problem)`` is the one-line form printed by the CLI, e.g.
    ``nodes.geojson, record 'x', field 'kind': unknown kind 'town'; use one of place, ...``.
    """

    file: str | None
    record: str | None
    field: str | None
    message: str
    fix: str = ""

    def __str__(self) -> str:
        text = self.message + (f"; {self.fix}" if self.fix else "")
        return located(text, file=self.file, record=self.record, field=self.field)


@dataclass
class ValidationReport:
    """Every problem found in one dataset, with the record counts checked.

    Attributes
    ----------
    path
        The dataset folder or file that was checked.
    problems
        Every :class:`Problem`, in file order.
    counts
        Records checked per layer (``nodes``, ``services``, ``links``, ``boundaries``, ``scenarios``).
    """

    path: str
    problems: list[Problem] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """``True`` when no problem was found."""
        return not self.problems

    def summary(self) -> str:
        """One line: what was checked and how many problems were found."""
        counted = ", ".join(f"{n} {layer}" for layer, n in self.counts.items())
        if self.ok:
            return f"{self.path}: OK ({counted}); no problems"
        n = len(self.problems)
        return f"{self.path}: {n} problem{'s' if n != 1 else ''} ({counted})"

    def lines(self) -> list[str]:
        """The full report: one line per problem, then the summary."""
        return [str(p) for p in self.problems] + [self.summary()]


# --------------------------------------------------------------------------- small utilities


def _null(value) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    try:
        import pandas as pd

        return value is pd.NA or value is pd.NaT
    except ImportError:  # pragma: no cover - pandas is a dependency
        return False


_NAN_SEEN = "\0nan"  # key under which the raw reader notes fields whose NaN it already reported


def _raw_nan(props: dict, names) -> bool:
    """A NaN literal in one of ``names``, already reported when the raw file was read."""
    return bool(set(props.get(_NAN_SEEN, ())) & set(names))


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _choices(values: Iterable[str]) -> str:
    return "use one of " + ", ".join(values)


def _parse_date(value) -> _dt.date | None:
    """``YYYY-MM-DD`` / ``YYYY-MM`` / ``YYYY`` to a date; raises ValueError."""
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    text = value.strip() if isinstance(value, str) else ""  # a number is not a date either
    for fmt in ("%Y-%m-%d", "%Y-%m", "%Y"):
        try:
            return _dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(value)


class _Collector:
    """Gathers problems; ``add`` never raises."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, file, record, field_name, message, fix="") -> None:
        self.problems.append(Problem(None if file is None else str(file),
                                     None if record is None else str(record), field_name, message, fix))


# --------------------------------------------------------------------------- raw reading


def _read_raw_layer(path: Path, layer: str, out: _Collector, *, required: bool):
    """Records ``[(props, geometry)]`` of a GeoJSON layer file, or ``None`` when unusable."""
    if not path.exists():
        if required:
            out.add(path, None, None, "missing layer file",
                    "a dataset folder needs nodes.geojson, services.geojson and links.geojson")
        return None
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        out.add(path, None, None, "not UTF-8 text", "save the file as UTF-8 GeoJSON")
        return None
    except json.JSONDecodeError as exc:
        out.add(path, None, None, f"not valid JSON ({exc.msg}, line {exc.lineno} column {exc.colno})",
                "fix the syntax or re-export the layer as GeoJSON")
        return None
    if not isinstance(raw, dict) or raw.get("type") != "FeatureCollection":
        out.add(path, None, None, "not a GeoJSON FeatureCollection",
                'the top level needs "type": "FeatureCollection" and a "features" list')
        return None
    feats = raw.get("features")
    if not isinstance(feats, list):
        out.add(path, None, "features", "missing or not a list", 'give "features": [...]')
        return None
    from shapely.errors import ShapelyError
    from shapely.geometry import shape

    records = []
    for i, feat in enumerate(feats):
        if not isinstance(feat, dict) or feat.get("type") != "Feature":
            out.add(path, f"#{i}", None, "not a GeoJSON Feature", 'each feature needs "type": "Feature"')
            continue
        props = feat.get("properties")
        if not isinstance(props, dict):
            out.add(path, f"#{i}", "properties", "missing or not an object", 'give "properties": {...}')
            props = {}
        rid = props.get("id") if isinstance(props.get("id"), str) and props.get("id") else f"#{i}"
        for name in _NUMERIC_FIELDS.get(layer, ()):
            value = props.get(name)
            if isinstance(value, float) and math.isnan(value):
                out.add(path, rid, name, "NaN is not a number", "give a number, or null when unknown")
                props = {**props, _NAN_SEEN: (*props.get(_NAN_SEEN, ()), name)}
        geom = feat.get("geometry")
        if geom is None:
            out.add(path, rid, "geometry", "missing geometry",
                    f"give a {' or '.join(_GEOMETRY[layer])} geometry in WGS-84 [lon, lat]")
            records.append((props, None))
            continue
        problem = _geometry_problem(geom)
        if problem is None:
            try:
                shp = shape(geom)
            except (ShapelyError, ValueError, TypeError, KeyError, IndexError) as exc:
                problem = f"{type(exc).__name__}: {exc}"
        if problem is not None:
            out.add(path, rid, "geometry", f"bad geometry: {problem}",
                    "give a valid GeoJSON geometry with [lon, lat] positions")
            records.append((props, None))
            continue
        records.append((props, shp))
    return records


def _position_problem(pos) -> str | None:
    if not isinstance(pos, list) or len(pos) not in (2, 3):
        return f"position {json.dumps(pos)[:40]} is not [lon, lat]"
    if not all(_number(v) for v in pos):
        return f"position {json.dumps(pos)[:40]} has a non-number"
    return None


def _geometry_problem(geom) -> str | None:
    """What is structurally wrong with a GeoJSON geometry object, or ``None``."""
    if not isinstance(geom, dict):
        return "not an object"
    gtype = geom.get("type")
    depth = {"Point": 0, "LineString": 1, "MultiPoint": 1, "Polygon": 2, "MultiLineString": 2,
             "MultiPolygon": 3}.get(gtype)
    if depth is None:
        return f"unknown type {gtype!r}"
    coords = geom.get("coordinates")
    if coords is None:
        return "no coordinates"

    def walk(value, level):
        if level == 0:
            return _position_problem(value)
        if not isinstance(value, list):
            return f"coordinates nested too shallowly for a {gtype}"
        for item in value:
            found = walk(item, level - 1)
            if found:
                return found
        return None

    found = walk(coords, depth)
    if found:
        return found
    if gtype == "LineString" and len(coords) < 2:
        return f"a LineString needs at least 2 positions, got {len(coords)}"
    return None


def _records_from_gdf(gdf) -> list[tuple[dict, Any]]:
    if gdf is None:
        return []
    geoms = list(gdf.geometry) if "geometry" in gdf.columns else [None] * len(gdf)
    props = gdf.drop(columns=[c for c in ("geometry",) if c in gdf.columns]).to_dict("records")
    return list(zip(props, geoms, strict=False))


# --------------------------------------------------------------------------- checks


def _check_geometry(out: _Collector, path, layer: str, rid, geom) -> None:
    if geom is None:
        return
    kinds = _GEOMETRY[layer]
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
    in_lon = CHINA_LON[0] <= minx and maxx <= CHINA_LON[1]
    in_lat = CHINA_LAT[0] <= miny and maxy <= CHINA_LAT[1]
    if in_lon and in_lat:
        return
    swapped = (CHINA_LON[0] <= miny and maxy <= CHINA_LON[1] and CHINA_LAT[0] <= minx and maxx <= CHINA_LAT[1])
    if layer == "nodes":
        where = f"({geom.x:g}, {geom.y:g})"
    else:
        where = f"bounds ({minx:g}, {miny:g}) to ({maxx:g}, {maxy:g})"
    if swapped:
        out.add(path, rid, "geometry", f"coordinates {where} look like [lat, lon]",
                "GeoJSON positions are [lon, lat]: swap the two numbers")
    else:
        out.add(path, rid, "geometry", f"coordinates {where} lie outside China "
                f"(lon {CHINA_LON[0]:g}..{CHINA_LON[1]:g}, lat {CHINA_LAT[0]:g}..{CHINA_LAT[1]:g})",
                "give WGS-84 [lon, lat] in degrees")


def _check_common(out: _Collector, path, layer: str, records, ids: dict[str, int]) -> list[str]:
    """ids, required fields, status, dates, geometry.  Returns the record label of each record."""
    labels = []
    for i, (props, geom) in enumerate(records):
        rid = props.get("id")
        if _null(rid) or rid == "":
            label = f"#{i}"
            out.add(path, label, "id", "missing id", f"give every {layer} record a unique id such as 'qianjiang_dist'")
        elif not isinstance(rid, str) or not ID_PATTERN.match(rid):
            label = str(rid)
            out.add(path, label, "id", f"id {rid!r} is not a slug",
                    "use lower-case letters, digits and '_' only, e.g. 'qianjiang_dist'")
        else:
            label = rid
            if rid in ids:
                out.add(path, label, "id", f"duplicate id (also record #{ids[rid]})",
                        "give each record its own id")
            else:
                ids[rid] = i
        labels.append(label)
        for name in schema.REQUIRED.get(layer, ()):
            if name == "id":
                continue
            value = props.get(name)
            if _null(value) or value == "" or (isinstance(value, list) and not value):
                out.add(path, label, name, "missing required field", f"every {layer} record needs {name!r}")
        status = props.get("status")
        if not _null(status) and status not in schema.STATUSES:
            out.add(path, label, "status", f"unknown status {status!r}", _choices(schema.STATUSES))
        dates = {}
        for name in ("opened", "closed"):
            value = props.get(name)
            if _null(value) or value == "":
                continue
            try:
                dates[name] = _parse_date(value)
            except ValueError:
                out.add(path, label, name, f"bad date {value!r}",
                        "write it as YYYY-MM-DD (or YYYY-MM / YYYY when only that is known), or null")
        if "opened" in dates and "closed" in dates and dates["closed"] <= dates["opened"]:
            out.add(path, label, "closed", f"closed {props['closed']} is not after opened {props['opened']}",
                    "fix one of the two dates")
        _check_geometry(out, path, layer, label, geom)
    return labels


def _check_nodes(out, path, records, labels, node_kinds: dict[str, str]) -> None:
    for (props, _), label in zip(records, labels, strict=False):
        kind = props.get("kind")
        if not _null(kind) and kind not in schema.NODE_KINDS:
            out.add(path, label, "kind", f"unknown kind {kind!r}", _choices(schema.NODE_KINDS))
        quality = props.get("coord_quality")
        if not _null(quality) and quality not in schema.COORD_QUALITIES:
            out.add(path, label, "coord_quality", f"unknown coord_quality {quality!r}",
                    _choices(schema.COORD_QUALITIES))
        for name in ("name_zh", "name_en"):
            value = props.get(name)
            if not _null(value) and not isinstance(value, str):
                out.add(path, label, name, f"not text ({value!r})", "give the name as a string")
        pop = props.get("population")
        if not _null(pop) and (not _number(pop) or pop < 0 or pop != int(pop)):
            out.add(path, label, "population", f"bad population {pop!r}",
                    "give a whole number of people, or null when not found")
    for (props, _), label in zip(records, labels, strict=False):
        county = props.get("county")
        if _null(county) or county == "":
            continue
        if county not in node_kinds:
            out.add(path, label, "county", f"county {county!r} names no node", "give the id of a 'place' node or null")
        elif node_kinds[county] != "place":
            out.add(path, label, "county", f"county {county!r} is a {node_kinds[county]}, not a place",
                    "give the id of a 'place' node or null")


def _check_minutes_list(out, path, label, stops, minutes) -> None:
    if not isinstance(minutes, list):
        out.add(path, label, "minutes", f"not a list ({minutes!r})", "give cumulative minutes at each stop, e.g. [0, 30, 61]")
        return
    bad = False
    for j, m in enumerate(minutes):
        if not _number(m):
            out.add(path, label, "minutes", f"minutes[{j}] = {m!r} is not a number", "give a number of minutes")
            bad = True
        elif math.isnan(m) or math.isinf(m):
            out.add(path, label, "minutes", f"minutes[{j}] is {'NaN' if math.isnan(m) else m}",
                    "give a finite number of minutes")
            bad = True
        elif m < 0:
            out.add(path, label, "minutes", f"minutes[{j}] = {m} is negative", "cumulative minutes start at 0 and grow")
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


def _check_train_class(out, path, label, props) -> None:
    cls = props.get("train_class")
    if not _null(cls) and cls not in schema.TRAIN_CLASSES:
        out.add(path, label, "train_class", f"unknown train_class {cls!r}", _choices(schema.TRAIN_CLASSES))


def _check_services(out, path, records, labels, node_ids) -> None:
    for (props, _), label in zip(records, labels, strict=False):
        _check_train_class(out, path, label, props)
        mode = props.get("mode")
        if not _null(mode) and mode not in schema.SERVICE_MODES:
            out.add(path, label, "mode", f"unknown mode {mode!r}", _choices(schema.SERVICE_MODES))
        stops = props.get("stops")
        if not _null(stops):
            if not isinstance(stops, list) or not all(isinstance(s, str) for s in stops):
                out.add(path, label, "stops", f"not a list of node ids ({stops!r})", 'give e.g. ["cq_east", "qianjiang"]')
                stops = None
            else:
                if len(stops) < 2:
                    out.add(path, label, "stops", f"{len(stops)} stop(s)", "a service needs at least 2 stops")
                if len(set(stops)) != len(stops):
                    dup = sorted({s for s in stops if stops.count(s) > 1})
                    out.add(path, label, "stops", f"stop(s) {', '.join(dup)} repeated", "list each stop once, in running order")
                for s in stops:
                    if s not in node_ids:
                        out.add(path, label, "stops", f"stop {s!r} names no node", "use an id from nodes.geojson")
        minutes = props.get("minutes")
        if not _null(minutes):
            _check_minutes_list(out, path, label, stops, minutes)
        ts = props.get("time_source")
        if not _null(ts):
            if not isinstance(ts, list):
                out.add(path, label, "time_source", f"not a list ({ts!r})", "give one of published/derived per segment")
            else:
                for t in ts:
                    if t not in schema.TIME_SOURCES:
                        out.add(path, label, "time_source", f"unknown time_source {t!r}", _choices(schema.TIME_SOURCES))
                if isinstance(stops, list) and len(ts) != max(len(stops) - 1, 0):
                    out.add(path, label, "time_source", f"{len(ts)} entr{'y' if len(ts) == 1 else 'ies'} for {len(stops)} stops",
                            "give one entry per segment (number of stops - 1)")
        has_freq = freq_given = False
        for name in ("headway_min", "per_day"):
            value = props.get(name)
            if _null(value):
                continue
            freq_given = True
            if not _number(value) or value <= 0 or math.isinf(value):
                out.add(path, label, name, f"bad {name} {value!r}", "give a positive number, or null")
            else:
                has_freq = True
        if not has_freq and not freq_given and not _raw_nan(props, ("headway_min", "per_day")):
            out.add(path, label, "headway_min", "neither headway_min nor per_day is given",
                    "give the mean headway in minutes or the departures per day")
        days = props.get("days")
        if not _null(days):
            if not isinstance(days, list):
                out.add(path, label, "days", f"not a list ({days!r})", "give ISO weekdays, e.g. [1, 2, 3, 4, 5, 6, 7]")
            else:
                wrong = [d for d in days if not (isinstance(d, int) and not isinstance(d, bool) and 1 <= d <= 7)]
                if wrong:
                    out.add(path, label, "days", f"day(s) {wrong} not in 1..7", "use ISO weekdays: Monday = 1 ... Sunday = 7")
                elif len(set(days)) != len(days):
                    out.add(path, label, "days", "repeated weekday", "list each weekday once")
        bidir = props.get("bidirectional")
        if not _null(bidir) and not isinstance(bidir, bool):
            out.add(path, label, "bidirectional", f"not true/false ({bidir!r})", "give true or false")


def _check_links(out, path, records, labels, node_ids) -> None:
    for (props, _), label in zip(records, labels, strict=False):
        mode = props.get("mode")
        if not _null(mode) and mode not in schema.LINK_MODES:
            out.add(path, label, "mode", f"unknown mode {mode!r}", _choices(schema.LINK_MODES))
        ends = []
        for name in ("from", "to"):
            value = props.get(name)
            if _null(value) or value == "":
                continue
            ends.append(value)
            if value not in node_ids:
                out.add(path, label, name, f"{value!r} names no node", "use an id from nodes.geojson")
        if len(ends) == 2 and ends[0] == ends[1]:
            out.add(path, label, "to", "link starts and ends at the same node", "give two different nodes")
        bad_numbers = set()
        for name in ("minutes", "length_km", "speed_kmh", "circuity"):
            value = props.get(name)
            if _null(value):
                continue
            if not _number(value) or math.isinf(value) or value < 0 or (name != "minutes" and value == 0):
                what = "negative" if _number(value) and value < 0 else f"bad value {value!r}"
                out.add(path, label, name, f"{name} is {what}" if what == "negative" else f"{what}",
                        "give a positive number, or null")
                bad_numbers.add(name)
        minutes = props.get("minutes")
        if _null(minutes) and not _raw_nan(props, ("minutes", "length_km", "speed_kmh")):
            missing = [n for n in ("length_km", "speed_kmh") if _null(props.get(n)) or n in bad_numbers]
            if missing:
                out.add(path, label, "minutes", f"no minutes and no {' or '.join(missing)}",
                        "give minutes, or length_km and speed_kmh to derive them")
        ts = props.get("time_source")
        if not _null(ts) and ts not in schema.TIME_SOURCES:
            out.add(path, label, "time_source", f"unknown time_source {ts!r}", _choices(schema.TIME_SOURCES))
        bidir = props.get("bidirectional")
        if not _null(bidir) and not isinstance(bidir, bool):
            out.add(path, label, "bidirectional", f"not true/false ({bidir!r})", "give true or false")


def _check_scenarios(out, path, scenarios: list, layer_ids: dict[str, set], layer_fields: dict[str, set]) -> None:
    names: dict[str, int] = {}
    known = set().union(*layer_ids.values())
    for i, sc in enumerate(scenarios):
        if not isinstance(sc, dict):
            out.add(path, f"#{i}", None, "scenario is not an object", 'give {"name": ..., "date": ..., ...}')
            continue
        name = sc.get("name")
        label = name if isinstance(name, str) and name else f"#{i}"
        if label == f"#{i}":
            out.add(path, label, "name", "scenario without a name", 'give each scenario a unique "name"')
        elif name in names:
            out.add(path, label, "name", f"duplicate scenario name (also #{names[name]})", "give each scenario its own name")
        else:
            names[name] = i
        for key in sc:
            if key not in SCENARIO_KEYS:
                out.add(path, label, key, f"unknown scenario field {key!r}", _choices(SCENARIO_KEYS))
        date = sc.get("date")
        if not _null(date):
            try:
                _parse_date(date)
            except ValueError:
                out.add(path, label, "date", f"bad date {date!r}", "write it as YYYY-MM-DD, or null for the query date")
        for key in ("add", "remove"):
            ids = sc.get(key)
            if _null(ids):
                continue
            if not isinstance(ids, list):
                out.add(path, label, key, f"not a list ({ids!r})", "give a list of ids")
                continue
            for rid in ids:
                if rid not in known:
                    out.add(path, label, key, f"{rid!r} names no node, service or link",
                            "use ids from nodes/services/links.geojson")
        mods = sc.get("modify")
        if _null(mods):
            continue
        if not isinstance(mods, list):
            out.add(path, label, "modify", f"not a list ({mods!r})", 'give [{"id": ..., "set": {...}}]')
            continue
        for j, mod in enumerate(mods):
            if not isinstance(mod, dict) or not isinstance(mod.get("set"), dict):
                out.add(path, label, "modify", f"modify[{j}] is not {{\"id\": ..., \"set\": {{...}}}}",
                        'give [{"id": ..., "set": {field: value}}]')
                continue
            extra = sorted(set(mod) - {"id", "set"})
            if extra:
                out.add(path, label, "modify", f"modify[{j}] has unknown key(s) {', '.join(extra)}", 'use "id" and "set"')
            rid = mod.get("id")
            layer = next((ln for ln, ids in layer_ids.items() if rid in ids), None)
            if layer is None:
                out.add(path, label, "modify", f"modify[{j}] id {rid!r} names no node, service or link",
                        "use ids from nodes/services/links.geojson")
                continue
            for key in mod["set"]:
                if key not in layer_fields[layer] or key == "id":
                    out.add(path, label, "modify", f"modify[{j}] sets unknown {layer} field {key!r}",
                            f"use a field of {layer}, e.g. headway_min, minutes, speed_kmh")


def _check_boundaries(out, path, records, labels, node_ids) -> None:
    for (props, _), label in zip(records, labels, strict=False):
        if label in node_ids or label.startswith("#"):
            continue
        out.add(path, label, "id", f"boundary {label!r} names no node", "use the id of the county's place node")


def _layer_files(source) -> dict[str, object]:
    """Where each layer lives: ``folder/nodes.geojson``, or ``file.gpkg (table nodes)`` for a GeoPackage."""
    source = Path(source)
    if source.suffix.lower() == ".gpkg" and not source.is_dir():
        return {name: f"{source} (table {name})" for name in (*schema.LAYER_FILES, "scenarios")}
    return {**{name: source / schema.LAYER_FILES[name] for name in schema.LAYER_FILES},
            "scenarios": source / schema.SCENARIO_FILE}


def _run_checks(folder, layers: dict[str, list | None], scenarios, scenario_file, report: ValidationReport,
                out: _Collector, columns: dict[str, set]) -> None:
    files = _layer_files(folder)
    ids: dict[str, dict[str, int]] = {name: {} for name in schema.LAYER_FILES}
    labels = {}
    for name in ("nodes", "services", "links", "boundaries"):
        recs = layers.get(name)
        if recs is None:
            continue
        report.counts[name] = len(recs)
        if name == "boundaries":
            boundary_ids: dict[str, int] = {}
            labels[name] = []
            for i, (props, geom) in enumerate(recs):
                rid = props.get("id")
                label = rid if isinstance(rid, str) and rid else f"#{i}"
                if label.startswith("#"):
                    out.add(files[name], label, "id", "missing id", "give the county's place id")
                elif label in boundary_ids:
                    out.add(files[name], label, "id", f"duplicate id (also record #{boundary_ids[label]})",
                            "one boundary per county")
                else:
                    boundary_ids[label] = i
                labels[name].append(label)
                _check_geometry(out, files[name], name, label, geom)
            continue
        labels[name] = _check_common(out, files[name], name, recs, ids[name])
    node_kinds = {}
    if layers.get("nodes") is not None:
        for (props, _), label in zip(layers["nodes"], labels["nodes"], strict=False):
            node_kinds.setdefault(label, props.get("kind"))
        _check_nodes(out, files["nodes"], layers["nodes"], labels["nodes"], node_kinds)
    # when nodes.geojson is unreadable, dangling-reference checks would only repeat that problem
    node_ids = set(node_kinds) if layers.get("nodes") is not None else None
    if layers.get("services") is not None:
        _check_services(out, files["services"], layers["services"], labels["services"],
                        node_ids if node_ids is not None else _Anything())
    if layers.get("links") is not None:
        _check_links(out, files["links"], layers["links"], labels["links"],
                     node_ids if node_ids is not None else _Anything())
    if layers.get("boundaries") is not None and node_ids is not None:
        _check_boundaries(out, files["boundaries"], layers["boundaries"], labels["boundaries"], node_ids)
    if scenarios is not None:
        report.counts["scenarios"] = len(scenarios)
        if all(layers.get(n) is not None for n in ("nodes", "services", "links")):
            layer_ids = {n: set(ids[n]) for n in ("nodes", "services", "links")}
            fields = {"nodes": set(schema.NODE_FIELDS), "services": set(schema.SERVICE_FIELDS),
                      "links": set(schema.LINK_FIELDS)}
            for n in fields:
                fields[n] |= columns.get(n, set())
            _check_scenarios(out, scenario_file, scenarios, layer_ids, fields)


class _Anything:
    """A set that contains everything (used when the node layer could not be read)."""

    def __contains__(self, item) -> bool:
        return True


def _read_raw_scenarios(path: Path, out: _Collector):
    if not path.exists():
        return None
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        out.add(path, None, None, f"not valid JSON ({exc})", "fix the syntax")
        return None
    if not isinstance(raw, dict) or not isinstance(raw.get("scenarios"), list):
        out.add(path, None, "scenarios", "no scenario list", 'the file needs {"scenarios": [...]}')
        return None
    extra = sorted(set(raw) - {"scenarios"})
    for key in extra:
        out.add(path, None, key, f"unknown top-level field {key!r}", 'the file holds only {"scenarios": [...]}')
    return raw["scenarios"]


# --------------------------------------------------------------------------- public API


def validate_dataset(path=None) -> ValidationReport:
    """Check a dataset and report every problem at once.

    Parameters
    ----------
    path
        Dataset folder (``nodes.geojson``, ``services.geojson``, ``links.geojson``,
        optional ``boundaries.geojson`` and ``scenarios.json``) or a GeoPackage
        written by :func:`geodata.io.write_dataset`; ``None`` checks the embedded
        Qianjiang dataset.

    Returns
    -------
    ValidationReport
        ``.ok`` is ``True`` when nothing is wrong; ``.problems`` lists every
        :class:`Problem` (file, record, field, message, fix); ``.summary()`` is
        one line.

    Raises
    ------
    DataError
        The path does not exist (everything else is reported, not raised).

    Examples
    --------
    >>> report = validate_dataset()
    >>> report.ok
    True
    >>> report.summary().endswith("no problems")
    True
    """
    from .io import DEFAULT_DATASET, default_dataset_path

    target = Path(path) if path is not None else default_dataset_path()
    out = _Collector()
    embedded = target.resolve() == default_dataset_path()
    report = ValidationReport(path=f"{DEFAULT_DATASET} (embedded dataset)" if embedded else str(target))
    if target.is_file() and target.suffix.lower() == ".gpkg":
        from .formats import read_dataset

        ds = read_dataset(target)
        report.problems = _problems_of(ds)
        report.counts = _counts_of(ds)
        return report
    if not target.is_dir():
        raise DataError("dataset folder not found; pass a folder holding nodes.geojson, services.geojson "
                        "and links.geojson", file=target)
    layers = {}
    columns: dict[str, set] = {}
    for name, filename in schema.LAYER_FILES.items():
        layers[name] = _read_raw_layer(target / filename, name, out, required=name != "boundaries")
        if layers[name] is not None:
            columns[name] = set().union(*[set(p) for p, _ in layers[name]]) - {_NAN_SEEN} if layers[name] else set()
    for p in sorted(target.glob("*.json")):
        if p.name == schema.SCENARIO_FILE:
            continue
        try:
            json.loads(p.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            out.add(p, None, None, f"not valid JSON ({exc})", "fix the syntax")
    scenario_file = target / schema.SCENARIO_FILE
    scenarios = _read_raw_scenarios(scenario_file, out)
    _run_checks(target, layers, scenarios, scenario_file, report, out, columns)
    report.problems = _sorted(out.problems)
    log.info("Validated %s: %d problem(s)", target, len(out.problems))
    return report


def _problems_of(ds) -> list[Problem]:
    out = _Collector()
    layers = {name: (_records_from_gdf(getattr(ds, name)) if getattr(ds, name) is not None else None)
              for name in ("nodes", "services", "links", "boundaries")}
    columns = {name: set(getattr(ds, name).columns) for name in ("nodes", "services", "links")}
    scenarios = list(ds.scenarios.values()) if ds.scenarios is not None else None
    _run_checks(ds.path, layers, scenarios, _layer_files(ds.path)["scenarios"],
                ValidationReport(path=str(ds.path)), out, columns)
    return _sorted(out.problems)


_FILE_ORDER = [*schema.LAYER_FILES.values(), schema.SCENARIO_FILE]


def _sorted(problems: list[Problem]) -> list[Problem]:
    """Problems grouped by file in dataset order (stable within a file)."""
    def rank(p: Problem) -> int:
        name = Path(p.file).name if p.file else ""
        if name.endswith(")") and " (table " in name:  # a GeoPackage table
            name = schema.LAYER_FILES.get(name.rsplit(" (table ", 1)[1][:-1], schema.SCENARIO_FILE)
        return _FILE_ORDER.index(name) if name in _FILE_ORDER else len(_FILE_ORDER)

    return sorted(problems, key=rank)


def _counts_of(ds) -> dict[str, int]:
    counts = {name: len(getattr(ds, name)) for name in ("nodes", "services", "links", "boundaries")
              if getattr(ds, name) is not None}
    counts["scenarios"] = len(ds.scenarios)
    return counts


def check_dataset(ds) -> None:
    """Raise :class:`~geodata.errors.ValidationError` listing every problem of a loaded dataset.

    Parameters
    ----------
    ds
        A :class:`geodata.io.Dataset` as read by :func:`geodata.io.read_layers`.

    Raises
    ------
    ValidationError
        With ``.problems`` (every :class:`Problem`); its message is the first
        problem on one line plus how many more there are.

    Examples
    --------
    >>> from qjnet.geodata.io import read_layers
    >>> check_dataset(read_layers())  # the embedded dataset is valid: nothing raised
    """
    problems = _problems_of(ds)
    if problems:
        raise ValidationError(problems, file=ds.path)
