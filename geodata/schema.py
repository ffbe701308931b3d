"""The dataset contract: layers, fields, allowed values.

A dataset is a folder with these files (all GeoJSON in WGS-84, EPSG:4326):

``nodes.geojson`` (Point), one feature per node
    id            str, unique slug ``[a-z0-9_]+``
    name_zh       str, Chinese name (full form, e.g. 黔江区, 黔江站)
    name_en       str, English name
    kind          one of :data:`NODE_KINDS`
    province      str or null
    county        id of the county-level ``place`` node the point lies in, or null
    population    int or null (places only; null where not found)
    pop_year      str or null, what the population figure is (e.g. "2020 census")
    opened        date or null (see *Dates*); closed: date or null
    status        one of :data:`STATUSES`
    coord_quality one of :data:`COORD_QUALITIES`; coord_note: str, how the position was obtained
    source        str, URL(s) or citation, ``" ; "``-separated
    (logistics nodes may add handling_min, handling_cny_per_teu, capacity_mt_per_year, capacity_teu_per_year)

``services.geojson`` (LineString through the stops), one feature per service pattern
    id, line, name_zh, name_en
    mode          one of :data:`SERVICE_MODES`
    stops         list of node ids, in running order (>= 2, no repeats)
    minutes       list of numbers, cumulative minutes at each stop, ``minutes[0] == 0``, strictly increasing
    time_source   list of :data:`TIME_SOURCES`, one per segment (``len(stops) - 1``)
    headway_min   number or null: mean minutes between departures over the service day
    per_day       number or null: departures per operating day (one of headway_min / per_day is required)
    days          list of ISO weekdays 1..7 (Mon = 1) on which it runs
    bidirectional bool: the reverse pattern runs too, with the same segment times
    departures    optional list of ``"HH:MM"`` departures from the first stop (hours up to 47), or
                  ``{"f": [...], "r": [...]}`` per direction; when absent, trips are generated from the frequency
    opened, closed, status, capacity (str or null), source, assumptions (str: what was assumed and why)
    train_class   optional, one of :data:`TRAIN_CLASSES` or null: the class of train of a rail pattern

``links.geojson`` (LineString), continuous links: roads, access/egress, walking transfers
    id, from, to, mode (one of :data:`LINK_MODES`), road (str or null, e.g. "G65")
    minutes       number or null; when null it is derived as length_km * circuity / speed_kmh * 60
    length_km, speed_kmh, circuity: numbers or null
    time_source   one of :data:`TIME_SOURCES`
    bidirectional bool; opened, closed, status, source

``scenarios.json``: ``{"scenarios": [{"name", "date", "description", "add", "modify", "remove"}]}``
    date     ISO date the scenario is evaluated on (null: the date given at query time, else today)
    add      ids of services/links/nodes that are not yet open but count as open in the scenario
    modify   list of ``{"id": ..., "set": {field: value}}`` (e.g. headway_min, speed_kmh, minutes)
    remove   ids of services/links that are closed in the scenario

``boundaries.geojson`` (optional, Polygon/MultiPolygon): county boundaries for the basemap
    id (county place id), name_zh, name_en, source

``freight.json`` (optional): the freight figures read by ``network.freight``.  Every figure is an
object ``{"value": number, "unit": str, "source": str}`` (or ``"assumption"`` instead of ``"source"``:
what was assumed and why); :func:`check_freight` states the rules.
    description   str
    cargo         ``teu_payload_t`` (figure, > 0)
    modes         per mode (:data:`FREIGHT_MODES`) its figures: costs, CO2 factors, ``circuity`` (> 0),
                  ``wait_fraction`` (0..1), ``wait_h_if_frequency_unknown``, road ``speed_kmh`` per road
                  class, rail ``running_speed_kmh`` (> 0, or null: use the services' own times);
                  :data:`FREIGHT_REQUIRED` lists the figures every file gives
    nodes         ``{node id: {"modes": [...], "handling_h", "handling_cny_per_teu",
                  "handling_cny_per_tonne" (figures), "capacity": [period, ...], "note": str}}``;
                  a node that changes modes needs its handling figures; a capacity period is
                  ``{"from", "until" (dates or null), "value" (>= 0 or null), "unit", "what",
                  "source" or "assumption"}``
    trunk_roads   ``[{"id", "from", "to" (node ids), "road_class" (one of :data:`FREIGHT_ROAD_CLASSES`),
                  "name", "circuity" (figure, > 0)}]``; a road whose ends are not in the dataset is left out

Dates: ``YYYY-MM-DD``, or ``YYYY-MM`` / ``YYYY`` where only that much is published; a partial date
means the first day of the period.  A record exists on date D when its status is ``open`` (or the
scenario adds it), ``opened`` is null or <= D, and ``closed`` is null or > D.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Mapping
from typing import Any

from ._util import DATE_FIX, is_number, parse_date
from .errors import Problem

NODE_KINDS = (
    "place",          # county-level place (district, county, county-level city) or city centre
    "hsr_station",
    "rail_station",
    "airport",
    "ga_airport",
    "logistics",      # freight yards, logistics hubs, ports
    "poi",            # sights
)
SERVICE_MODES = ("hsr", "rail", "air", "ga", "freight_rail")
LINK_MODES = ("expressway", "road", "access", "walk", "transfer")
MODES = SERVICE_MODES + LINK_MODES
STATUSES = ("open", "under_construction", "planned")
COORD_QUALITIES = ("surveyed", "estimate")
TIME_SOURCES = ("published", "derived")
#: Train classes of a rail service pattern (optional field ``train_class``): G/D/C high-speed and
#: intercity EMUs, K conventional passenger trains, freight trains.
TRAIN_CLASSES = ("G", "D", "C", "K", "freight")

LAYER_FILES = {
    "nodes": "nodes.geojson",
    "services": "services.geojson",
    "links": "links.geojson",
    "boundaries": "boundaries.geojson",
}
SCENARIO_FILE = "scenarios.json"
CRS = "EPSG:4326"

NODE_FIELDS = ("id", "name_zh", "name_en", "kind", "province", "county", "population", "pop_year",
               "opened", "closed", "status", "coord_quality", "coord_note", "source")
SERVICE_FIELDS = ("id", "line", "name_zh", "name_en", "mode", "stops", "minutes", "time_source",
                  "headway_min", "per_day", "days", "bidirectional", "opened", "closed", "status",
                  "capacity", "source", "assumptions", "departures", "train_class")
LINK_FIELDS = ("id", "from", "to", "mode", "road", "minutes", "length_km", "speed_kmh", "circuity",
               "time_source", "bidirectional", "opened", "closed", "status", "source")
REQUIRED = {
    "nodes": ("id", "name_zh", "name_en", "kind", "status", "coord_quality", "source"),
    "services": ("id", "mode", "stops", "minutes", "time_source", "days", "status", "source"),
    "links": ("id", "from", "to", "mode", "status", "source"),
}

# --------------------------------------------------------------------------- freight.json

FREIGHT_FILE = "freight.json"
FREIGHT_MODES = ("road", "rail", "air")
FREIGHT_ROAD_CLASSES = ("expressway", "road", "access", "transfer")
FREIGHT_KEYS = ("description", "cargo", "modes", "nodes", "trunk_roads")
FREIGHT_NODE_KEYS = ("modes", "handling_h", "handling_cny_per_teu", "handling_cny_per_tonne", "capacity", "note")
CAPACITY_KEYS = ("from", "until", "value", "unit", "what", "source", "assumption")
#: figures every freight.json gives (dotted paths)
FREIGHT_REQUIRED = (
    "cargo.teu_payload_t",
    "modes.rail.cost_cny_per_teu_km", "modes.rail.cost_cny_per_tonne_km", "modes.rail.co2_kg_per_tonne_km",
    "modes.rail.running_speed_kmh", "modes.rail.circuity", "modes.rail.wait_fraction",
    "modes.rail.wait_h_if_frequency_unknown",
    "modes.road.cost_cny_per_teu_km", "modes.road.cost_cny_per_tonne_km", "modes.road.co2_kg_per_tonne_km",
    "modes.road.circuity",
    *(f"modes.road.speed_kmh.{c}" for c in FREIGHT_ROAD_CLASSES),
    "modes.air.cost_cny_per_tonne_km", "modes.air.co2_kg_per_tonne_km", "modes.air.circuity",
    "modes.air.wait_fraction", "modes.air.wait_h_if_frequency_unknown",
)
#: figures that may be null ("not set": the dataset's own values are used)
FREIGHT_NULLABLE = frozenset({"modes.rail.running_speed_kmh"})
_FIGURE_FIX = 'give {"value": ..., "unit": ..., "source" or "assumption": ...}'
_PROVENANCE_FIX = 'give a "source" (citation) or an "assumption" (what was assumed and why)'


def freight_number_problem(key: str, value: Any) -> tuple[str, str] | None:
    """What is wrong with ``value`` as the freight figure ``key`` (``(message, fix)``), or ``None``.

    Every figure is a finite number >= 0; speeds, ``circuity`` and ``teu_payload_t``
    are > 0; a ``wait_fraction`` lies in 0..1.

    Examples
    --------
    >>> freight_number_problem("modes.rail.circuity", 1.36) is None
    True
    >>> freight_number_problem("modes.road.cost_cny_per_teu_km", -4.5)[0]
    'value -4.5 is negative'
    """
    if not is_number(value):
        return f"value {value!r} is not a number", "give a number such as 2.5"
    if not math.isfinite(value):
        return f"value {value!r} is not a finite number", "give a number such as 2.5"
    if value < 0:
        return f"value {value!r} is negative", "costs, times, capacities and factors must be >= 0"
    last = key.rsplit(".", 1)[-1]
    if value == 0 and ("speed" in key or last in ("circuity", "teu_payload_t")):
        return "value 0 is not allowed", "speeds, circuity and the TEU payload must be > 0"
    if last == "wait_fraction" and value > 1:
        return f"value {value!r} is above 1", "give the share of the gap between departures, 0..1"
    return None


def check_freight(doc: Any, *, file: str = FREIGHT_FILE, node_ids: Collection[str] | None = None) -> list[Problem]:
    """Every problem of a parsed ``freight.json``, each naming file, record and field.

    Parameters
    ----------
    doc
        The parsed file.
    file
        How to name the file in the problems.
    node_ids
        Ids of the dataset's nodes; when given, every freight node must be one of them.

    Returns
    -------
    list of Problem
        Empty when the file follows the rules above.  A figure's record is its
        dotted path without the last part (``modes.road``), the field that part
        (``cost_cny_per_teu_km``).

    Examples
    --------
    >>> doc = {"cargo": {"teu_payload_t": {"value": 0, "unit": "t", "assumption": "x"}}}
    >>> str(check_freight(doc)[0])
    "freight.json, record 'cargo', field 'teu_payload_t': value 0 is not allowed; speeds, circuity and ..."
    """
    if not isinstance(doc, Mapping):
        return [Problem(file, None, None, "not a JSON object", 'the file holds {"cargo": ..., "modes": ..., ...}')]
    problems: list[Problem] = []

    def add(record: str | None, field: str | None, message: str, fix: str = "") -> None:
        problems.append(Problem(file, record, field, message, fix))

    for key in doc:
        if key not in FREIGHT_KEYS:
            add(None, key, f"unknown top-level field {key!r}", "use one of " + ", ".join(FREIGHT_KEYS))
    figures: set[str] = set()
    for section in ("cargo", "modes"):
        _check_figure_tree(doc.get(section), section, add, figures)
    for key in FREIGHT_REQUIRED:
        if key not in figures and not _under_bad_branch(key, doc):
            record, field = key.rsplit(".", 1)
            add(record, field, "missing figure", _FIGURE_FIX)
    _check_freight_nodes(doc.get("nodes"), add, node_ids)
    _check_trunk_roads(doc.get("trunk_roads"), add)
    return problems


_Add = Callable[[Any, Any, str, str], None]


def _under_bad_branch(key: str, doc: Mapping) -> bool:
    """``True`` when a part of ``key``'s path is there but is not an object (already reported)."""
    value: Any = doc
    for part in key.split(".")[:-1]:
        if not isinstance(value, Mapping):
            return True
        value = value.get(part)
        if value is None:
            return False
    return not isinstance(value, Mapping)


def _check_figure(value: Any, key: str, add: _Add) -> bool:
    """Check one figure object; ``True`` when it counts as given (even with a bad value)."""
    record, field = key.rsplit(".", 1)
    if not isinstance(value, Mapping) or "value" not in value:
        add(record, field, f"not a figure ({str(value)[:40]!r})", _FIGURE_FIX)
        return False
    number = value["value"]
    if not (number is None and key in FREIGHT_NULLABLE):
        found = freight_number_problem(key, number)
        if found is not None:
            add(record, field, *found)
    if not (value.get("source") or value.get("assumption")):
        add(record, field, "figure without provenance", _PROVENANCE_FIX)
    return True


def _check_figure_tree(tree: Any, prefix: str, add: _Add, figures: set[str]) -> None:
    if tree is None:
        return
    if not isinstance(tree, Mapping):
        record, field = prefix.rsplit(".", 1) if "." in prefix else (None, prefix)
        add(record, field, f"not an object ({str(tree)[:40]!r})", "give the figures as an object of figures")
        return
    for name, value in tree.items():
        key = f"{prefix}.{name}"
        if isinstance(value, Mapping) and "value" not in value:
            _check_figure_tree(value, key, add, figures)
        elif _check_figure(value, key, add):
            figures.add(key)


def _check_freight_nodes(nodes: Any, add: _Add, node_ids: Collection[str] | None) -> None:
    if nodes is None:
        return
    if not isinstance(nodes, Mapping):
        add(None, "nodes", "not an object", 'give {"<node id>": {"modes": [...], ...}}')
        return
    for nid, spec in nodes.items():
        record = f"nodes.{nid}"
        if node_ids is not None and nid not in node_ids:
            add(record, "id", f"{nid!r} names no node", "use an id from nodes.geojson")
        if not isinstance(spec, Mapping):
            add(record, None, "not an object", 'give {"modes": [...], "handling_h": {...}, ...}')
            continue
        for key in spec:
            if key not in FREIGHT_NODE_KEYS:
                add(record, key, f"unknown freight node field {key!r}", "use one of " + ", ".join(FREIGHT_NODE_KEYS))
        modes = _check_node_modes(spec.get("modes"), record, add)
        for name in ("handling_h", "handling_cny_per_teu", "handling_cny_per_tonne"):
            if name in spec:
                _check_figure(spec[name], f"{record}.{name}", add)
        if len(modes) > 1:
            need = ["handling_h", "handling_cny_per_tonne"] + (["handling_cny_per_teu"] if "rail" in modes else [])
            for name in need:
                if name not in spec:
                    add(record, name, f"a node that changes modes ({', '.join(modes)}) needs {name}", _FIGURE_FIX)
        if "note" in spec and not isinstance(spec["note"], str):
            add(record, "note", f"not text ({spec['note']!r})", "give the note as a string")
        _check_capacity(spec.get("capacity"), record, add)


def _check_node_modes(modes: Any, record: str, add: _Add) -> list[str]:
    if modes is None:
        return ["road"]
    if not isinstance(modes, list) or not all(isinstance(m, str) for m in modes):
        add(record, "modes", f"not a list of modes ({modes!r})", 'give e.g. ["road", "rail"]')
        return []
    for mode in modes:
        if mode not in FREIGHT_MODES:
            add(record, "modes", f"unknown mode {mode!r}", "use one of " + ", ".join(FREIGHT_MODES))
    return [m for m in modes if m in FREIGHT_MODES] or ["road"]


def _check_capacity(periods: Any, record: str, add: _Add) -> None:
    if periods is None:
        return
    if not isinstance(periods, list):
        add(record, "capacity", f"not a list ({periods!r})", 'give [{"from": ..., "until": ..., "value": ...}]')
        return
    for i, period in enumerate(periods):
        field = f"capacity[{i}]"
        if not isinstance(period, Mapping):
            add(record, field, "not an object", 'give {"from", "until", "value", "unit", "source"}')
            continue
        for key in period:
            if key not in CAPACITY_KEYS:
                add(record, field, f"unknown capacity field {key!r}", "use one of " + ", ".join(CAPACITY_KEYS))
        if period.get("value") is not None:
            found = freight_number_problem(f"{record}.{field}", period["value"])
            if found is not None:
                add(record, f"{field}.value", *found)
        for name in ("from", "until"):
            _check_period_date(period.get(name), record, f"{field}.{name}", add)
        if not (period.get("source") or period.get("assumption")):
            add(record, field, "capacity without provenance", _PROVENANCE_FIX)


def _check_period_date(value: Any, record: str, field: str, add: _Add) -> None:
    try:
        parse_date(value, file=FREIGHT_FILE, record=record, field_name=field)
    except ValueError:
        add(record, field, f"bad date {value!r}", DATE_FIX + ", or null")


def _check_trunk_roads(roads: Any, add: _Add) -> None:
    if roads is None:
        return
    if not isinstance(roads, list):
        add(None, "trunk_roads", "not a list", 'give [{"id", "from", "to", "road_class", "circuity"}]')
        return
    for i, road in enumerate(roads):
        record = f"trunk_roads[{i}]"
        if not isinstance(road, Mapping):
            add(record, None, "not an object", 'give {"id", "from", "to", "road_class", "circuity"}')
            continue
        for name in ("id", "from", "to", "road_class"):
            if not road.get(name):
                add(record, name, f"trunk road needs {name!r}", "give it as text")
        # the ends may lie outside the dataset's region: such a trunk road is left out of the graph
        record = road["id"] if isinstance(road.get("id"), str) and road["id"] else record
        road_class = road.get("road_class")
        if road_class and road_class not in FREIGHT_ROAD_CLASSES:
            add(record, "road_class", f"unknown road_class {road_class!r}", "use one of " + ", ".join(FREIGHT_ROAD_CLASSES))
        if "circuity" not in road:
            add(record, "circuity", "trunk road needs circuity", _FIGURE_FIX)
        else:
            _check_figure(road["circuity"], f"{record}.circuity", add)
