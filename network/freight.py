"""Freight: a multimodal freight graph, routing by time, cost or CO2, Pareto sets, catchments.

The freight graph is built from the same dataset as the passenger graph plus the
dataset's ``freight.json`` (``ds.extras["freight"]``), which holds every freight
figure (handling, unit costs, emission factors, speeds, capacities), each with a
``source`` or an ``assumption``.

Graph contract (a :class:`networkx.MultiDiGraph`, ``G.graph["kind"] == "freight"``)

Nodes
    ``<id>``            a *site*: a dataset node of kind place, logistics or airport (or listed in
                        freight.json) reachable by truck; stations, GA airfields and sights have
                        no freight access.
                        Attributes ``site``, ``layer="site"``, ``x``, ``y`` (WGS-84), ``kind``,
                        ``name_zh``, ``name_en``.
    ``<id>|rail:dep``   the rail side of a yard where boxes wait for a train (``layer="rail:dep"``);
    ``<id>|rail:arr``   where they arrive by train (``layer="rail:arr"``); the same for ``air``.
Edges (every edge: ``mode``, ``hours``, ``km``, ``cost_teu``, ``cost_tonne``, ``co2_teu``,
``co2_tonne`` per unit of cargo, ``teu_ok``, ``refs_teu`` / ``refs_tonne`` = keys of the figures used)
    ``road``      truck on a dataset link (expressway, road, access, transfer) or a freight.json
                  trunk road, between sites; km = ``length_km`` x ``circuity`` of the link (else
                  great circle x ``modes.road.circuity``); time = km / truck speed of the road class.
    ``rail``      a ride on one freight_rail service from a yard to a later yard of its stopping
                  pattern (no transshipment at the stops in between); hours = expected wait for the
                  train + running time (the service's segment minutes; with
                  ``modes.rail.running_speed_kmh`` set, "derived" segments are re-derived as
                  rail km / speed); km = great circle between consecutive stops x ``modes.rail.circuity``.
    ``air``       a ride on an air service between cargo airports (tonnes only: no containers fly).
    ``handling``  a transshipment at a node that handles both modes (listed in freight.json):
                  site -> ``|rail:dep`` (load), ``|rail:arr`` -> site (unload),
                  ``|rail:arr`` -> ``|rail:dep`` (train to train); costs the node's handling time
                  and money.  Modes change nowhere else.

A chain starts at the origin site (the box is on a truck there) and ends when the box reaches the
destination by any mode (a train arriving at the port ends the chain; the onward sea transfer is
the same for every chain and not counted).
"""

from __future__ import annotations

import datetime as _dt
import difflib
import heapq
import itertools
import logging
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import networkx as nx

from ..geodata.errors import DataError, NoRouteError, OptionError, PlaceNotFoundError

log = logging.getLogger(__name__)

CARGOS = ("teu", "tonne")
OBJECTIVES = ("time", "cost", "co2")
FREIGHT_MODES = ("road", "rail", "air")
ROAD_LINK_MODES = ("expressway", "road", "access", "transfer")
#: node kinds that send or receive freight (plus every node listed in freight.json); stations,
#: GA airfields and sights are passenger places: roads to them are left out of the freight graph
FREIGHT_KINDS = ("place", "logistics", "airport")
_EARTH_KM = 6371.0088
_OBJ_INDEX = {"time": 0, "cost": 1, "co2": 2}


# --------------------------------------------------------------------------- parameters

@dataclass(frozen=True)
class Param:
    """One freight figure with its provenance (``source`` or ``assumption``)."""

    key: str
    value: float | None
    unit: str = ""
    source: str | None = None
    assumption: str | None = None

    def to_dict(self) -> dict:
        out = {"key": self.key, "value": self.value, "unit": self.unit}
        if self.source:
            out["source"] = self.source
        if self.assumption:
            out["assumption"] = self.assumption
        return out


@dataclass(frozen=True)
class FreightParams:
    """Freight figures of a dataset (from ``freight.json``), after user overrides.

    ``values`` maps dotted keys (``modes.rail.cost_cny_per_teu_km``,
    ``nodes.qj_freight.handling_h``, ...) to :class:`Param`; ``node_modes`` maps a node id to the
    modes it handles; ``capacity`` maps a node id to its dated capacity periods.
    """

    values: Mapping[str, Param]
    node_modes: Mapping[str, tuple]
    capacity: Mapping[str, tuple]
    trunk_roads: tuple = ()
    file: str = "freight.json"

    def __getitem__(self, key: str) -> float:
        return self.values[key].value

    def get(self, key: str) -> Param | None:
        """The :class:`Param` under ``key`` or ``None``."""
        return self.values.get(key)

    def capacity_on(self, node: str, date: _dt.date | None) -> dict | None:
        """Capacity period of ``node`` valid on ``date`` (the latest one when ``date`` is None)."""
        from ..geodata.io import parse_date

        periods = self.capacity.get(node) or ()
        if not periods:
            return None
        if date is None:
            return dict(periods[-1])
        for p in periods:
            start, end = parse_date(p.get("from")), parse_date(p.get("until"))
            if (start is None or start <= date) and (end is None or date < end):
                return dict(p)
        return None

    def capacity_tonnes(self, node: str, date: _dt.date | None) -> float | None:
        """Annual capacity of ``node`` on ``date`` in tonnes (TEU converted with ``cargo.teu_payload_t``)."""
        p = self.capacity_on(node, date)
        if p is None or p.get("value") is None:
            return None
        unit = str(p.get("unit", "")).lower()
        if unit.startswith("teu"):
            return float(p["value"]) * self["cargo.teu_payload_t"]
        if unit.startswith("mt"):
            return float(p["value"]) * 1e6
        return float(p["value"])


# keys every freight.json must provide (mode parameters), and their allowed ranges
_REQUIRED_KEYS = (
    "cargo.teu_payload_t",
    "modes.rail.cost_cny_per_teu_km", "modes.rail.cost_cny_per_tonne_km", "modes.rail.co2_kg_per_tonne_km",
    "modes.rail.running_speed_kmh", "modes.rail.circuity", "modes.rail.wait_fraction",
    "modes.rail.wait_h_if_frequency_unknown",
    "modes.road.cost_cny_per_teu_km", "modes.road.cost_cny_per_tonne_km", "modes.road.co2_kg_per_tonne_km",
    "modes.road.circuity",
    *(f"modes.road.speed_kmh.{c}" for c in ROAD_LINK_MODES),
    "modes.air.cost_cny_per_tonne_km", "modes.air.co2_kg_per_tonne_km", "modes.air.circuity",
    "modes.air.wait_fraction", "modes.air.wait_h_if_frequency_unknown",
)


# figures that may be null ("not set": the dataset's own values are used)
_NULLABLE = frozenset({"modes.rail.running_speed_kmh"})


def _check_number(key: str, value, *, where) -> float:
    """Parse and range-check one figure; ``where`` builds the error."""
    if isinstance(value, bool):
        raise where(f"{key}={value!r} is not a number; give a number such as 2.5")
    try:
        num = float(value)
    except (TypeError, ValueError):
        raise where(f"{key}={value!r} is not a number; give a number such as 2.5") from None
    if not math.isfinite(num):
        raise where(f"{key}={value!r} is not a finite number; give a number such as 2.5")
    if num < 0:
        raise where(f"{key}={value!r} is negative; costs, times, capacities and factors must be >= 0")
    last = key.rsplit(".", 1)[-1]
    positive = ("speed" in key or last in ("circuity", "teu_payload_t"))
    if positive and num == 0:
        raise where(f"{key}=0 is not allowed; speeds, circuity and the TEU payload must be > 0")
    if last == "wait_fraction" and num > 1:
        raise where(f"{key}={value!r} must be between 0 and 1 (share of the gap between departures)")
    return num


def _flatten(doc: dict, prefix: str, out: dict, path) -> None:
    for name, val in doc.items():
        key = f"{prefix}.{name}" if prefix else name
        if isinstance(val, dict) and "value" in val:
            rec, fld = key.rsplit(".", 1) if "." in key else (key, "value")

            def where(msg, _rec=rec, _fld=fld):
                return DataError(msg, file=path, record=_rec, field=_fld)

            if val["value"] is None and key in _NULLABLE:
                num = None
            else:
                num = _check_number(key, val["value"], where=where)
            if not (val.get("source") or val.get("assumption")):
                raise DataError("figure without provenance; give a \"source\" (citation) or an "
                                "\"assumption\" (what was assumed and why)", file=path, record=rec, field=fld)
            out[key] = Param(key, num, str(val.get("unit", "")), val.get("source"), val.get("assumption"))
        elif isinstance(val, dict):
            _flatten(val, key, out, path)


def load_freight_params(doc: Mapping | None, *, overrides: Mapping | None = None,
                        file: str = "freight.json") -> FreightParams:
    """Read and check freight figures, then apply user ``overrides``.

    Parameters
    ----------
    doc
        The parsed ``freight.json`` (``ds.extras["freight"]``).
    overrides
        ``{key: value}``; keys are the dotted paths of ``freight.json`` (``modes.`` may be
        omitted: ``rail.running_speed_kmh``), plus ``nodes.<id>.capacity_mt_per_year`` and
        ``nodes.<id>.capacity_teu_per_year``.  Values may be strings (as typed on the command line).

    Returns
    -------
    FreightParams

    Raises
    ------
    DataError
        ``doc`` is missing a figure, a figure is not a non-negative number or has no provenance.
    OptionError
        An override names an unknown key or its value is not a valid number.

    Examples
    --------
    >>> from qjnet.geodata.io import load_dataset
    >>> p = load_freight_params(load_dataset().extras["freight"], overrides={"rail.circuity": "1.5"})
    >>> p["modes.rail.circuity"], p.get("modes.rail.circuity").source
    (1.5, 'user override')
    """
    if not isinstance(doc, Mapping):
        raise DataError("the dataset has no freight parameters; add a freight.json to the dataset folder "
                        "(see geodata/data/qianjiang/freight.json)", file=file)
    values: dict[str, Param] = {}
    _flatten({k: v for k, v in doc.items() if k in ("cargo", "modes", "nodes")}, "", values, file)
    for key in _REQUIRED_KEYS:
        if key not in values:
            rec, fld = key.rsplit(".", 1)
            raise DataError("missing figure; give {\"value\": ..., \"unit\": ..., \"source\" or \"assumption\": ...}",
                            file=file, record=rec, field=fld)
    node_modes: dict[str, tuple] = {}
    capacity: dict[str, tuple] = {}
    for nid, spec in (doc.get("nodes") or {}).items():
        modes = tuple(spec.get("modes") or ("road",))
        bad = [m for m in modes if m not in FREIGHT_MODES]
        if bad:
            raise DataError(f"unknown mode {bad[0]!r}; use {', '.join(FREIGHT_MODES)}", file=file,
                            record=f"nodes.{nid}", field="modes")
        node_modes[nid] = modes
        if len(modes) > 1:
            need = ["handling_h", "handling_cny_per_tonne"] + (["handling_cny_per_teu"] if "rail" in modes else [])
            for fld in need:
                if f"nodes.{nid}.{fld}" not in values:
                    raise DataError(f"a node that changes modes ({', '.join(modes)}) needs {fld}",
                                    file=file, record=f"nodes.{nid}", field=fld)
        periods = []
        for i, p in enumerate(spec.get("capacity") or []):
            if p.get("value") is not None:
                _check_number(f"nodes.{nid}.capacity[{i}]", p["value"],
                              where=lambda m, _i=i, _n=nid: DataError(m, file=file, record=f"nodes.{_n}",
                                                              field=f"capacity[{_i}].value"))
            if not (p.get("source") or p.get("assumption")):
                raise DataError("capacity without provenance; give a \"source\" or an \"assumption\"",
                                file=file, record=f"nodes.{nid}", field=f"capacity[{i}]")
            periods.append(dict(p))
        capacity[nid] = tuple(periods)
    trunk = []
    for i, t in enumerate(doc.get("trunk_roads") or []):
        for fld in ("id", "from", "to", "road_class"):
            if not t.get(fld):
                raise DataError(f"trunk road needs {fld!r}", file=file, record=f"trunk_roads[{i}]", field=fld)
        if t["road_class"] not in ROAD_LINK_MODES:
            raise DataError(f"unknown road_class {t['road_class']!r}; use {', '.join(ROAD_LINK_MODES)}",
                            file=file, record=t["id"], field="road_class")
        circ = t.get("circuity") or {}
        if not isinstance(circ, dict) or "value" not in circ:
            raise DataError("trunk road needs circuity {\"value\", \"assumption\"}", file=file,
                            record=t["id"], field="circuity")
        key = f"trunk_roads.{t['id']}.circuity"
        values[key] = Param(key, _check_number(key, circ["value"], where=lambda m, _t=t["id"]: DataError(
            m, file=file, record=_t, field="circuity")), "road km per great-circle km",
            circ.get("source"), circ.get("assumption"))
        trunk.append(dict(t))
    params = FreightParams(values, node_modes, capacity, tuple(trunk), file)
    return apply_overrides(params, overrides) if overrides else params


def parse_overrides(items: Iterable[str]) -> dict:
    """Parse ``KEY=VALUE`` strings (from ``--set``) into a dict; values stay strings."""
    out = {}
    for item in items:
        if "=" not in item:
            raise OptionError(f"--set {item!r}: write KEY=VALUE, e.g. --set modes.rail.cost_cny_per_teu_km=2.5")
        key, value = item.split("=", 1)
        out[key.strip()] = value.strip()
    return out


def apply_overrides(params: FreightParams, overrides: Mapping) -> FreightParams:
    """A copy of ``params`` with ``overrides`` applied (see :func:`load_freight_params`)."""
    values = dict(params.values)
    capacity = dict(params.capacity)
    for raw_key, raw in overrides.items():
        key = raw_key
        if key.split(".", 1)[0] in FREIGHT_MODES:
            key = "modes." + key

        def where(msg):
            return OptionError(f"--set {msg}")

        parts = key.split(".")
        if len(parts) == 3 and parts[0] == "nodes" and parts[2] in ("capacity_mt_per_year", "capacity_teu_per_year"):
            if parts[1] not in params.node_modes:
                raise OptionError(f"--set {raw_key}: no freight node {parts[1]!r} in {params.file}; "
                                  f"known: {', '.join(sorted(params.node_modes))}")
            num = _check_number(raw_key, raw, where=where)
            unit = "Mt/yr" if parts[2] == "capacity_mt_per_year" else "TEU/yr"
            capacity[parts[1]] = ({"from": None, "until": None, "value": num, "unit": unit,
                                   "what": "user override", "source": "user override"},)
            continue
        if key not in values:
            close = difflib.get_close_matches(key, list(values), n=3, cutoff=0.6)
            hint = f"; did you mean {', '.join(close)}?" if close else f"; see the keys in {params.file}"
            raise OptionError(f"--set {raw_key}: unknown freight parameter{hint}")
        num = _check_number(raw_key, raw, where=where)
        old = values[key]
        values[key] = Param(key, num, old.unit, "user override", None)
    return FreightParams(values, params.node_modes, capacity, params.trunk_roads, params.file)


# --------------------------------------------------------------------------- values

@dataclass(frozen=True)
class FreightLeg:
    """One leg of a chain: a truck run, a train or flight, or a transshipment (``mode="handling"``)."""

    mode: str
    from_id: str
    to_id: str
    hours: float
    cost: float
    co2: float
    km: float = 0.0
    wait_h: float = 0.0
    ref: str | None = None       # link, service or node id behind the leg
    name: str | None = None
    coords: tuple = ()           # ((lon, lat), ...) for maps

    def to_dict(self) -> dict:
        return {"mode": self.mode, "from": self.from_id, "to": self.to_id, "hours": self.hours,
                "cost_cny": self.cost, "co2_kg": self.co2, "km": self.km, "wait_h": self.wait_h,
                "ref": self.ref, "name": self.name}


@dataclass(frozen=True)
class FreightChain:
    """A door-to-door freight chain and its totals per unit of ``cargo`` (one TEU or one tonne).

    ``sources`` lists every figure used (key, value, unit and ``source`` or ``assumption``) and
    every dataset record (``links:<id>``, ``services:<id>``) with its source.
    """

    origin: str
    destination: str
    cargo: str
    legs: tuple
    hours: float
    cost: float
    co2: float
    km: float
    sources: tuple = ()
    date: _dt.date | None = None
    scenario: str | None = None

    @property
    def modes(self) -> tuple:
        """Transport modes in order, handling steps left out (``("road", "rail")``)."""
        out = []
        for leg in self.legs:
            if leg.mode != "handling" and (not out or out[-1] != leg.mode):
                out.append(leg.mode)
        return tuple(out)

    @property
    def via(self) -> tuple:
        """Nodes where the cargo changes mode (the yards, ports or airports used)."""
        return tuple(dict.fromkeys(leg.from_id for leg in self.legs if leg.mode == "handling"))

    @property
    def label(self) -> str:
        """Short description, e.g. ``"road+rail via qj_freight"`` or ``"all road"``."""
        if self.modes == ("road",):
            return "all road"
        text = "+".join(self.modes)
        return f"{text} via {', '.join(self.via)}" if self.via else text

    @property
    def vector(self) -> tuple:
        """``(hours, cost, co2)``."""
        return (self.hours, self.cost, self.co2)

    def to_dict(self) -> dict:
        return {"origin": self.origin, "destination": self.destination, "cargo": self.cargo,
                "unit": "per TEU" if self.cargo == "teu" else "per tonne",
                "date": self.date.isoformat() if self.date else None, "scenario": self.scenario,
                "chain": self.label, "hours": self.hours, "cost_cny": self.cost, "co2_kg": self.co2,
                "km": self.km, "legs": [leg.to_dict() for leg in self.legs], "sources": list(self.sources)}


# --------------------------------------------------------------------------- building

def _gc_km(a: tuple, b: tuple) -> float:
    lon1, lat1, lon2, lat2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * _EARTH_KM * math.asin(min(1.0, math.sqrt(h)))


def _isnull(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def _departures_per_week(svc) -> float | None:
    days = svc.get("days")
    ndays = len(days) if isinstance(days, (list, tuple)) and len(days) else 7
    if not _isnull(svc.get("per_day")) and float(svc["per_day"]) > 0:
        return float(svc["per_day"]) * ndays
    if not _isnull(svc.get("headway_min")) and float(svc["headway_min"]) > 0:
        return 1440.0 / float(svc["headway_min"]) * ndays
    return None


def _record(ds_row, layer: str) -> dict:
    out = {"key": f"{layer}:{ds_row['id']}", "source": ds_row.get("source")}
    if layer == "services":
        if ds_row.get("assumptions"):
            out["assumption"] = ds_row.get("assumptions")
        ts = ds_row.get("time_source")
        if isinstance(ts, (list, tuple)):
            out["time_source"] = sorted(set(ts))
    elif layer == "links" and not _isnull(ds_row.get("time_source")):
        out["time_source"] = ds_row.get("time_source")
    return out


def build_freight_graph(dataset=None, *, date=None, scenario: str | None = None, cargo: str = "teu",
                        params: Mapping | None = None) -> nx.MultiDiGraph:
    """Build the freight graph of a dataset (see the module docstring for the contract).

    Parameters
    ----------
    dataset
        A :class:`geodata.io.Dataset`, a dataset folder, or ``None`` for the embedded dataset.
    date, scenario
        Keep only what exists on ``date`` under ``scenario`` (as :func:`geodata.io.load_dataset`);
        e.g. before 2024-02-29 the Qianjiang yard's corridor train does not exist.
    cargo
        Default unit of the routing functions: ``"teu"`` (one loaded 20-ft container) or
        ``"tonne"``.  Edges carry both; air edges only serve tonnes.
    params
        Overrides of the freight figures, ``{key: value}`` (see :func:`load_freight_params`).

    Returns
    -------
    networkx.MultiDiGraph
        ``G.graph`` holds ``kind="freight"``, ``crs``, ``date``, ``scenario``, ``cargo``,
        ``params`` (:class:`FreightParams`), ``records`` (provenance of dataset records) and
        ``dataset_nodes`` (id -> ``(kind, (lon, lat))`` for every node of the dataset, to tell
        "unknown" from "no freight access" and point to the nearest freight node).

    Raises
    ------
    OptionError
        Unknown ``cargo`` or a bad override.
    DataError
        The dataset has no valid ``freight.json``.

    Examples
    --------
    >>> G = build_freight_graph(date="2025-07-01")
    >>> G.graph["kind"], "qj_freight|rail:dep" in G
    ('freight', True)
    """
    from ..geodata.io import Dataset, apply_selection, load_dataset, parse_date

    cargo = _check_cargo(cargo)
    if isinstance(dataset, Dataset):
        ds = apply_selection(dataset, date=date, scenario=scenario) if (date or scenario) else dataset
    else:
        ds = load_dataset(dataset, date=date, scenario=scenario)
    fparams = load_freight_params(ds.extras.get("freight"), overrides=params,
                                  file=str(ds.path / "freight.json"))
    P = fparams.__getitem__
    G = nx.MultiDiGraph(kind="freight", crs="EPSG:4326", date=ds.date if ds.date else parse_date(date),
                        scenario=ds.scenario, cargo=cargo, params=fparams, records={},
                        dataset_nodes={nid: (kind, (g.x, g.y) if g is not None else None)
                                       for nid, kind, g in zip(ds.nodes.index, ds.nodes["kind"], ds.nodes.geometry, strict=False)})
    nodes = ds.nodes
    coords = {nid: (geom.x, geom.y) for nid, geom in zip(nodes.index, nodes.geometry, strict=False) if geom is not None}
    payload = P("cargo.teu_payload_t")

    def add_site(nid):
        if nid not in G:
            row = nodes.loc[nid]
            x, y = coords.get(nid, (None, None))
            G.add_node(nid, site=nid, layer="site", x=x, y=y, kind=row.get("kind"),
                       name_zh=row.get("name_zh"), name_en=row.get("name_en"))

    def add_layer(nid, layer):
        name = f"{nid}|{layer}"
        if name not in G:
            add_site(nid)
            G.add_node(name, **{**G.nodes[nid], "layer": layer})
        return name

    # roads ------------------------------------------------------------------
    freight_nodes = {nid for nid, kind in zip(nodes.index, nodes["kind"], strict=False) if kind in FREIGHT_KINDS}
    freight_nodes |= set(fparams.node_modes) & set(nodes.index)
    n_road = 0
    links = ds.links
    for lid, row in links.iterrows():
        mode = row.get("mode")
        if mode not in ROAD_LINK_MODES:
            continue
        a, b = row["from"], row["to"]
        if a not in coords or b not in coords or a not in freight_nodes or b not in freight_nodes:
            continue
        refs = [f"links:{lid}", f"modes.road.speed_kmh.{mode}"]
        length = row.get("length_km")
        if not _isnull(length) and float(length) > 0:
            circ = row.get("circuity")
            km = float(length) * (float(circ) if not _isnull(circ) else 1.0)
        else:
            geom = row.geometry
            pts = list(geom.coords) if geom is not None and len(geom.coords) >= 2 else [coords[a], coords[b]]
            km = sum(_gc_km(p, q) for p, q in itertools.pairwise(pts)) * P("modes.road.circuity")
            refs.append("modes.road.circuity")
        geom_coords = tuple(row.geometry.coords) if row.geometry is not None else (coords[a], coords[b])
        G.graph["records"][f"links:{lid}"] = _record(row, "links")
        attrs = _road_attrs(P, km, mode, payload, refs)
        add_site(a)
        add_site(b)
        G.add_edge(a, b, key=f"links:{lid}", ref=lid, name=row.get("road") if not _isnull(row.get("road")) else None,
                   coords=geom_coords, **attrs)
        n_road += 1
        if bool(row.get("bidirectional")):
            G.add_edge(b, a, key=f"links:{lid}", ref=lid,
                       name=row.get("road") if not _isnull(row.get("road")) else None,
                       coords=tuple(reversed(geom_coords)), **attrs)
            n_road += 1
    for t in fparams.trunk_roads:
        a, b = t["from"], t["to"]
        if a not in coords or b not in coords:
            log.debug("trunk road %s skipped: %s or %s not in the dataset on this date", t["id"], a, b)
            continue
        ckey = f"trunk_roads.{t['id']}.circuity"
        km = _gc_km(coords[a], coords[b]) * P(ckey)
        refs = [ckey, f"modes.road.speed_kmh.{t['road_class']}"]
        attrs = _road_attrs(P, km, t["road_class"], payload, refs)
        add_site(a)
        add_site(b)
        for u, v in ((a, b), (b, a)):
            G.add_edge(u, v, key=f"trunk:{t['id']}", ref=t["id"], name=t.get("name"),
                       coords=(coords[u], coords[v]), **attrs)
            n_road += 1

    # scheduled services: freight trains and air cargo ------------------------
    n_ride = 0
    services = ds.services
    for sid, row in services.iterrows():
        smode = row.get("mode")
        mode = {"freight_rail": "rail", "air": "air"}.get(smode)
        if mode is None:
            continue
        stops = list(row["stops"])
        minutes = [float(m) for m in row["minutes"]]
        tsrc = list(row.get("time_source") or ["derived"] * (len(stops) - 1))
        if any(s not in coords for s in stops):
            continue
        handling = [s for s in stops if mode in fparams.node_modes.get(s, ())]
        if len(handling) < 2:
            log.debug("service %s skipped: fewer than two stops handle %s freight", sid, mode)
            continue
        G.graph["records"][f"services:{sid}"] = _record(row, "services")
        per_week = _departures_per_week(row)
        if per_week:
            wait = P(f"modes.{mode}.wait_fraction") * 168.0 / per_week
            wait_refs = [f"modes.{mode}.wait_fraction"]
        else:
            wait = P(f"modes.{mode}.wait_h_if_frequency_unknown")
            wait_refs = [f"modes.{mode}.wait_h_if_frequency_unknown"]
        seg_km, seg_h, seg_refs = [], [], []
        for i in range(len(stops) - 1):
            km = _gc_km(coords[stops[i]], coords[stops[i + 1]]) * P(f"modes.{mode}.circuity")
            refs = [f"modes.{mode}.circuity"]
            speed = P("modes.rail.running_speed_kmh") if mode == "rail" else None
            if speed is not None and (tsrc[i] if i < len(tsrc) else "derived") != "published":
                hours = km / speed
                refs.append("modes.rail.running_speed_kmh")
            else:
                hours = (minutes[i + 1] - minutes[i]) / 60.0
            seg_km.append(km)
            seg_h.append(hours)
            seg_refs.append(refs)
        directions = [list(range(len(stops)))]
        if bool(row.get("bidirectional")):
            directions.append(list(reversed(range(len(stops)))))
        for order in directions:
            for ii, jj in itertools.combinations(range(len(order)), 2):
                i, j = order[ii], order[jj]
                if stops[i] not in handling or stops[j] not in handling:
                    continue
                segs = range(min(i, j), max(i, j))
                km = sum(seg_km[s] for s in segs)
                run = sum(seg_h[s] for s in segs)
                refs = [f"services:{sid}", *wait_refs, *sorted({r for s in segs for r in seg_refs[s]})]
                path = tuple(coords[stops[order[k]]] for k in range(ii, jj + 1))
                attrs = _ride_attrs(P, mode, km, run, wait, payload, refs)
                u = add_layer(stops[i], f"{mode}:dep")
                v = add_layer(stops[j], f"{mode}:arr")
                G.add_edge(u, v, key=f"services:{sid}", ref=sid, name=row.get("name_en"), coords=path,
                           run_h=run, wait_h=wait, **attrs)
                n_ride += 1

    # transshipment at nodes that handle several modes -------------------------
    n_handling = 0
    for nid, modes in fparams.node_modes.items():
        for mode in modes:
            if mode == "road":
                continue
            dep, arr = f"{nid}|{mode}:dep", f"{nid}|{mode}:arr"
            attrs = _handling_attrs(P, nid)
            if dep in G:
                G.add_edge(nid, dep, key="handling:load", ref=nid, name="load", coords=(), **attrs)
                n_handling += 1
            if arr in G:
                G.add_edge(arr, nid, key="handling:unload", ref=nid, name="unload", coords=(), **attrs)
                n_handling += 1
            if dep in G and arr in G:
                G.add_edge(arr, dep, key="handling:transfer", ref=nid, name=f"{mode} to {mode}",
                           coords=(), **attrs)
                n_handling += 1
    log.info("Built freight graph: %d nodes, %d road, %d ride, %d handling edges%s", G.number_of_nodes(),
             n_road, n_ride, n_handling, f", date {G.graph['date']}" if G.graph["date"] else "")
    return G


def _road_attrs(P, km, road_class, payload, refs) -> dict:
    hours = km / P(f"modes.road.speed_kmh.{road_class}")
    co2_t = km * P("modes.road.co2_kg_per_tonne_km")
    return {"mode": "road", "road_class": road_class, "hours": hours, "km": km,
                "cost_teu": km * P("modes.road.cost_cny_per_teu_km"),
                "cost_tonne": km * P("modes.road.cost_cny_per_tonne_km"),
                "co2_teu": co2_t * payload, "co2_tonne": co2_t, "teu_ok": True,
                "refs_teu": tuple([*refs, "modes.road.cost_cny_per_teu_km", "modes.road.co2_kg_per_tonne_km", "cargo.teu_payload_t"]),
                "refs_tonne": tuple([*refs, "modes.road.cost_cny_per_tonne_km", "modes.road.co2_kg_per_tonne_km"])}


def _ride_attrs(P, mode, km, run, wait, payload, refs) -> dict:
    co2_t = km * P(f"modes.{mode}.co2_kg_per_tonne_km")
    teu_ok = mode == "rail"
    return {"mode": mode, "hours": wait + run, "km": km,
                "cost_teu": km * P(f"modes.{mode}.cost_cny_per_teu_km") if teu_ok else math.inf,
                "cost_tonne": km * P(f"modes.{mode}.cost_cny_per_tonne_km"),
                "co2_teu": co2_t * payload if teu_ok else math.inf, "co2_tonne": co2_t, "teu_ok": teu_ok,
                "refs_teu": tuple([*refs, f"modes.{mode}.cost_cny_per_teu_km", f"modes.{mode}.co2_kg_per_tonne_km", "cargo.teu_payload_t"]) if teu_ok else (),
                "refs_tonne": tuple([*refs, f"modes.{mode}.cost_cny_per_tonne_km", f"modes.{mode}.co2_kg_per_tonne_km"])}


def _handling_attrs(P, nid) -> dict:
    base = f"nodes.{nid}"
    has_teu = f"{base}.handling_cny_per_teu"
    try:
        cost_teu = P(has_teu)
        teu_ok = True
    except KeyError:
        cost_teu, teu_ok = math.inf, False
    return {"mode": "handling", "hours": P(f"{base}.handling_h"), "km": 0.0, "cost_teu": cost_teu,
                "cost_tonne": P(f"{base}.handling_cny_per_tonne"), "co2_teu": 0.0, "co2_tonne": 0.0, "teu_ok": teu_ok,
                "refs_teu": (f"{base}.handling_h", has_teu) if teu_ok else (),
                "refs_tonne": (f"{base}.handling_h", f"{base}.handling_cny_per_tonne")}


# --------------------------------------------------------------------------- routing

def _check_cargo(cargo) -> str:
    value = str(cargo).strip().lower() if cargo is not None else ""
    if value in ("tonnes", "t", "ton", "tons"):
        value = "tonne"
    if value not in CARGOS:
        raise OptionError(f"unknown cargo {cargo!r}; use 'teu' (one loaded 20-ft container) or 'tonne'")
    return value


def _check_objective(objective) -> str:
    value = str(objective).strip().lower() if objective is not None else ""
    if value in ("emissions", "co2e", "carbon"):
        value = "co2"
    if value not in OBJECTIVES:
        raise OptionError(f"unknown objective {objective!r}; use 'time', 'cost' or 'co2'")
    return value


def _check_node(G, node: str, role: str) -> str:
    if node in G and G.nodes[node].get("layer") == "site":
        return node
    known = G.graph.get("dataset_nodes") or {}
    if node in known:
        kind, pos = known[node]
        when = f" on {G.graph['date']}" if G.graph.get("date") else ""
        why = (f"it is a {kind}; freight starts and ends at places, yards, ports and airports"
               if kind not in FREIGHT_KINDS else "no truck road, freight yard or freight service reaches it")
        sites = [(n, d) for n, d in G.nodes(data=True) if d.get("layer") == "site" and d.get("x") is not None]
        hint = ""
        if pos is not None and sites:
            near, d = min(sites, key=lambda nd: _gc_km(pos, (nd[1]["x"], nd[1]["y"])))
            hint = f"; the nearest node with freight access is {near} ({_gc_km(pos, (d['x'], d['y'])):.1f} km)"
        raise OptionError(f"{role} {node!r} has no freight access{when}: {why}{hint}")
    close = difflib.get_close_matches(str(node), [n for n in G if "|" not in n], n=3)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    raise PlaceNotFoundError(f"{role} {node!r} is not a node of the freight graph{hint}", close)


def _targets(G, b: str) -> set:
    return {n for n in G if G.nodes[n].get("site") == b and G.nodes[n].get("layer") in ("site", "rail:arr", "air:arr")}


def _adjacency(G, cargo: str, *, exclude=frozenset()) -> dict:
    """``{u: [(v, key, (hours, cost, co2))]}`` for the cargo; edges the cargo cannot use are left out."""
    adj: dict = {n: [] for n in G}
    for u, v, k, d in G.edges(keys=True, data=True):
        if u in exclude or v in exclude or (cargo == "teu" and not d.get("teu_ok", True)):
            continue
        adj[u].append((v, k, (float(d["hours"]), float(d[f"cost_{cargo}"]), float(d[f"co2_{cargo}"]))))
    return adj


_COUNTER = itertools.count()  # heap tie-breaker


def _order(vec: tuple, obj: int) -> tuple:
    return (vec[obj], *tuple(vec[i] for i in range(3) if i != obj))


def _dijkstra(adj: dict, sources: dict, obj: int, *, targets=None):
    """Lexicographic Dijkstra (objective first, then the others).  ``sources``: node -> start vector.

    Returns ``(best, pred)``: vectors and predecessor ``(node, key)``; stops early at the first target.
    """
    best: dict = {}
    pred: dict = {}
    heap = [(_order(vec, obj), next(_COUNTER), node, vec, None) for node, vec in sources.items()]
    heapq.heapify(heap)
    while heap:
        _, _, node, vec, via = heapq.heappop(heap)
        if node in best:
            continue
        best[node] = vec
        pred[node] = via
        if targets is not None and node in targets:
            return best, pred, node
        for v, key, w in adj[node]:
            if v in best:
                continue
            nvec = (vec[0] + w[0], vec[1] + w[1], vec[2] + w[2])
            heapq.heappush(heap, (_order(nvec, obj), next(_COUNTER), v, nvec, (node, key)))
    return best, pred, None



def _path_from_pred(pred: dict, end: str) -> list:
    edges = []
    node = end
    while pred.get(node) is not None:
        u, key = pred[node]
        edges.append((u, node, key))
        node = u
    return list(reversed(edges))


def freight_route(G: nx.MultiDiGraph, a: str, b: str, *, cargo: str | None = None,
                  objective: str = "time") -> FreightChain:
    """The best freight chain from ``a`` to ``b`` for one objective.

    Parameters
    ----------
    G
        A freight graph from :func:`build_freight_graph`.
    a, b
        Dataset node ids (places, yards, ports, airports) with freight access.
    cargo
        ``"teu"`` or ``"tonne"``; ``None`` uses the graph's default.
    objective
        ``"time"`` (hours), ``"cost"`` (CNY) or ``"co2"`` (kg); ties are broken by the other two.

    Returns
    -------
    FreightChain
        Legs with hours, cost and CO2 per unit of cargo, totals and the figures used.

    Raises
    ------
    OptionError
        Unknown cargo or objective, or a node without freight access.
    PlaceNotFoundError
        ``a`` or ``b`` is not a node of the dataset.
    NoRouteError
        No chain connects ``a`` to ``b``.

    Examples
    --------
    >>> G = build_freight_graph(date="2025-07-01")
    >>> chain = freight_route(G, "qianjiang_dist", "qinzhou_port_e", objective="cost")
    >>> "qj_freight" in chain.via
    True
    """
    cargo = _check_cargo(cargo if cargo is not None else G.graph.get("cargo", "teu"))
    obj = _OBJ_INDEX[_check_objective(objective)]
    a = _check_node(G, a, "origin")
    b = _check_node(G, b, "destination")
    if a == b:
        return _chain(G, a, b, cargo, [])
    adj = _adjacency(G, cargo)
    _, pred, end = _dijkstra(adj, {a: (0.0, 0.0, 0.0)}, obj, targets=_targets(G, b))
    if end is None:
        raise NoRouteError(f"no freight chain from {a} to {b}{_on(G)} for cargo {cargo!r}")
    return _chain(G, a, b, cargo, _path_from_pred(pred, end))


def _on(G) -> str:
    return f" on {G.graph['date']}" if G.graph.get("date") else ""


def _dominates_eq(p: tuple, q: tuple) -> bool:
    return p[0] <= q[0] and p[1] <= q[1] and p[2] <= q[2]


def freight_pareto(G: nx.MultiDiGraph, a: str, b: str, *, cargo: str | None = None,
                   max_labels: int = 200_000) -> list:
    """Every non-dominated chain from ``a`` to ``b`` over (hours, cost, CO2).

    An exact multi-objective label-setting search (Martins' algorithm): labels leave the queue
    in lexicographic order, a label is kept at a node only if no kept label there (and no chain
    already found) is at least as good in all three criteria.  With non-negative edge values
    this returns exactly the Pareto-optimal vectors; chains with equal vectors are reported once.

    Parameters
    ----------
    G
        A freight graph from :func:`build_freight_graph`.
    a, b
        Origin and destination node ids.
    cargo
        ``"teu"`` or ``"tonne"``; ``None`` uses the graph's default.
    max_labels
        Safety bound on the labels made permanent; exceeding it raises :class:`OptionError`.

    Returns
    -------
    list of FreightChain
        Sorted by hours (then cost, CO2); e.g. all road (fast, dear) and road + rail via a yard
        (slow, cheap, low CO2).

    Raises
    ------
    OptionError, PlaceNotFoundError, NoRouteError
        As :func:`freight_route`.

    Examples
    --------
    >>> G = build_freight_graph(date="2025-07-01")
    >>> [c.label for c in freight_pareto(G, "qianjiang_dist", "qinzhou_port_e")][:1]
    ['all road']
    """
    cargo = _check_cargo(cargo if cargo is not None else G.graph.get("cargo", "teu"))
    a = _check_node(G, a, "origin")
    b = _check_node(G, b, "destination")
    if a == b:
        return [_chain(G, a, b, cargo, [])]
    adj = _adjacency(G, cargo)
    targets = _targets(G, b)
    results = _martins(adj, a, targets, max_labels=max_labels)
    if not results:
        raise NoRouteError(f"no freight chain from {a} to {b}{_on(G)} for cargo {cargo!r}")
    chains = [_chain(G, a, b, cargo, edges) for _, edges in results]
    return sorted(chains, key=lambda c: c.vector)


def _martins(adj: dict, source: str, targets: set, *, max_labels: int = 200_000) -> list:
    """Pareto-optimal ``(vector, edges)`` from ``source`` to any of ``targets``."""
    kept: dict = {}               # node -> list of vectors made permanent
    found: list = []              # (vector, label) at targets
    counter = itertools.count()
    # label: (vector, node, parent_label, (u, v, key))
    start = ((0.0, 0.0, 0.0), source, None, None)
    heap = [((0.0, 0.0, 0.0), next(counter), start)]
    n_perm = 0
    while heap:
        vec, _, label = heapq.heappop(heap)
        node = label[1]
        if any(_dominates_eq(p, vec) for p in kept.get(node, ())):
            continue
        if any(_dominates_eq(f[0], vec) for f in found):
            continue
        kept.setdefault(node, []).append(vec)
        n_perm += 1
        if n_perm > max_labels:
            raise OptionError(f"Pareto search exceeded {max_labels} labels; raise max_labels or simplify the graph")
        if node in targets:
            found.append((vec, label))
            continue
        for v, key, w in adj[node]:
            nvec = (vec[0] + w[0], vec[1] + w[1], vec[2] + w[2])
            if any(_dominates_eq(p, nvec) for p in kept.get(v, ())):
                continue
            if any(_dominates_eq(f[0], nvec) for f in found):
                continue
            heapq.heappush(heap, (nvec, next(counter), (nvec, v, label, (node, v, key))))
    out = []
    for vec, label in found:
        edges = []
        lab = label
        while lab[2] is not None:
            edges.append(lab[3])
            lab = lab[2]
        out.append((vec, list(reversed(edges))))
    return out


def _chain(G, a: str, b: str, cargo: str, edges: list) -> FreightChain:
    params: FreightParams = G.graph["params"]
    records = G.graph.get("records", {})
    legs: list = []
    keys: dict = {}
    for u, v, k in edges:
        d = G.edges[u, v, k]
        for ref in d[f"refs_{cargo}"]:
            keys.setdefault(ref, None)
        su, sv = G.nodes[u]["site"], G.nodes[v]["site"]
        cost, co2 = float(d[f"cost_{cargo}"]), float(d[f"co2_{cargo}"])
        coords = tuple(d.get("coords") or ())
        if d["mode"] == "road" and legs and legs[-1].mode == "road":
            prev = legs[-1]
            merged_coords = prev.coords + (coords[1:] if prev.coords and coords and prev.coords[-1] == coords[0] else coords)
            names = [n for n in (prev.name, d.get("name")) if n]
            legs[-1] = FreightLeg("road", prev.from_id, sv, prev.hours + d["hours"], prev.cost + cost,
                                  prev.co2 + co2, prev.km + d["km"], 0.0, None,
                                  "/".join(dict.fromkeys("/".join(names).split("/"))) or None, merged_coords)
            continue
        if d["mode"] == "handling":
            name = d.get("name")
            legs.append(FreightLeg("handling", su, sv, d["hours"], cost, co2, 0.0, 0.0, su, name,
                                   ((G.nodes[su]["x"], G.nodes[su]["y"]),)))
            continue
        legs.append(FreightLeg(d["mode"], su, sv, d["hours"], cost, co2, d["km"], float(d.get("wait_h", 0.0)),
                               d.get("ref"), d.get("name"), coords))
    hours = sum(leg.hours for leg in legs)
    cost = sum(leg.cost for leg in legs)
    co2 = sum(leg.co2 for leg in legs)
    km = sum(leg.km for leg in legs)
    sources = []
    for key in keys:
        if key in records:
            sources.append(dict(records[key]))
        elif params.get(key) is not None:
            sources.append(params.get(key).to_dict())
    return FreightChain(a, b, cargo, tuple(legs), hours, cost, co2, km, tuple(sources),
                        G.graph.get("date"), G.graph.get("scenario"))


# --------------------------------------------------------------------------- catchment and comparison

def _best_edges(adj, sources: dict, targets: set, obj: int):
    best, pred, end = _dijkstra(adj, sources, obj, targets=targets)
    if end is None:
        return None, None
    return best[end], _path_from_pred(pred, end)


DEFAULT_PORT = "qinzhou_port_e"


def catchment(G: nx.MultiDiGraph, yard: str, *, port: str | None = None, cargo: str | None = None,
              objective: str = "cost", places: Iterable[str] | None = None):
    """For each place: is shipping through ``yard`` to ``port`` better than every alternative?

    "Through the yard" means: the best way to the yard, the yard's loading onto a train (or
    plane), then the best way from the yard's departure side to the port.  "Alternatives" are
    the best chain that does not use the yard's rail or air side (trucks may still drive past).

    Parameters
    ----------
    G
        A freight graph.
    yard
        A node with a rail (or air) side, e.g. ``"qj_freight"``.
    port
        The destination; ``None`` means Qinzhou Port East (``qinzhou_port_e``).
    cargo
        ``"teu"`` or ``"tonne"``; ``None`` uses the graph's default.
    objective
        What "better" means: ``"cost"`` (default), ``"time"`` or ``"co2"``.
    places
        Node ids to test; default every ``kind == "place"`` node with freight access.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per place (index = id): ``name_zh``, ``name_en``, ``via_hours``, ``via_cost``,
        ``via_co2``, ``alt_hours``, ``alt_cost``, ``alt_co2``, ``alt_chain``, ``in_catchment``,
        ``saving`` (alternative minus via, in the objective's unit), point geometry (EPSG:4326).
        ``attrs`` holds ``yard``, ``port``, ``cargo``, ``objective``, ``date`` and ``sources`` (every
        figure and record the compared chains used).

    Raises
    ------
    OptionError
        ``yard`` has no rail or air side, unknown cargo or objective.

    Examples
    --------
    >>> G = build_freight_graph(date="2025-07-01")
    >>> c = catchment(G, "qj_freight")
    >>> bool(c.loc["qianjiang_dist", "in_catchment"])
    True
    """
    import geopandas as gpd
    from shapely.geometry import Point

    cargo = _check_cargo(cargo if cargo is not None else G.graph.get("cargo", "teu"))
    objective = _check_objective(objective)
    obj = _OBJ_INDEX[objective]
    yard = _check_node(G, yard, "yard")
    port = _check_node(G, port if port is not None else DEFAULT_PORT, "port")
    deps = [n for n in (f"{yard}|rail:dep", f"{yard}|air:dep") if n in G]
    if not deps:
        raise OptionError(f"yard {yard!r} has no freight train or air cargo departures{_on(G)}; "
                          "pick a rail yard such as qj_freight or xiushan_freight")
    own = {n for n in G if G.nodes[n].get("site") == yard and n != yard}
    adj = _adjacency(G, cargo)
    adj_alt = _adjacency(G, cargo, exclude=own)
    targets = _targets(G, port)
    if places is None:
        places = sorted(n for n, d in G.nodes(data=True) if d.get("layer") == "site" and d.get("kind") == "place")
    rows = []
    used: dict = {}
    for p in places:
        p = _check_node(G, p, "place")
        # via the yard: p -> yard site, load, yard departure -> port
        via_vec, via_edges = None, None
        to_yard = ((0.0, 0.0, 0.0), []) if p == yard else _best_edges(adj, {p: (0.0, 0.0, 0.0)}, {yard}, obj)
        if to_yard[0] is not None:
            for dep in deps:
                load = [(yard, dep, k) for k in G[yard][dep] if k == "handling:load"]
                if not load:
                    continue
                d = G.edges[load[0]]
                if cargo == "teu" and not d.get("teu_ok", True):
                    continue
                lvec = (d["hours"], d[f"cost_{cargo}"], d[f"co2_{cargo}"])
                start = tuple(x + y for x, y in zip(to_yard[0], lvec, strict=False))
                vec, edges = _best_edges(adj, {dep: start}, targets, obj)
                if vec is not None and (via_vec is None or _order(vec, obj) < _order(via_vec, obj)):
                    via_vec, via_edges = vec, to_yard[1] + load + edges
        alt_vec, alt_edges = _best_edges(adj_alt, {p: (0.0, 0.0, 0.0)}, targets, obj) if p != port else (None, None)
        alt_chain = _chain(G, p, port, cargo, alt_edges) if alt_edges is not None else None
        via_chain = _chain(G, p, port, cargo, via_edges) if via_edges is not None else None
        for ch in (via_chain, alt_chain):
            for src in (ch.sources if ch is not None else ()):
                used.setdefault(src["key"], src)
        better = via_vec is not None and (alt_vec is None or _order(via_vec, obj) < _order(alt_vec, obj))
        saving = (alt_vec[obj] - via_vec[obj]) if (via_vec is not None and alt_vec is not None) else None
        node = G.nodes[p]
        rows.append({
            "id": p, "name_zh": node.get("name_zh"), "name_en": node.get("name_en"),
            "via_hours": via_chain.hours if via_chain else None, "via_cost": via_chain.cost if via_chain else None,
            "via_co2": via_chain.co2 if via_chain else None,
            "alt_hours": alt_chain.hours if alt_chain else None, "alt_cost": alt_chain.cost if alt_chain else None,
            "alt_co2": alt_chain.co2 if alt_chain else None, "alt_chain": alt_chain.label if alt_chain else None,
            "in_catchment": bool(better), "saving": saving,
            "geometry": Point(node["x"], node["y"]) if node.get("x") is not None else None,
        })
    gdf = gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")
    if len(gdf):
        gdf = gdf.set_index("id", drop=False)
        gdf.index.name = None
    gdf.attrs.update(yard=yard, port=port, cargo=cargo, objective=objective, sources=list(used.values()),
                     date=G.graph.get("date").isoformat() if G.graph.get("date") else None)
    return gdf


@dataclass(frozen=True)
class FreightComparison:
    """The best chain between two places on two dates (or scenarios); ``None`` where none exists."""

    origin: str
    destination: str
    objective: str
    before: FreightChain | None
    after: FreightChain | None
    before_date: _dt.date | None = None
    after_date: _dt.date | None = None

    def delta(self) -> dict:
        """``after - before`` for hours, cost and CO2 (``None`` when either side has no chain)."""
        if self.before is None or self.after is None:
            return {"hours": None, "cost": None, "co2": None}
        return {"hours": self.after.hours - self.before.hours, "cost": self.after.cost - self.before.cost,
                "co2": self.after.co2 - self.before.co2}


def compare_freight(dataset, a: str, b: str, *, before, after, scenario_before: str | None = None,
                    scenario_after: str | None = None, cargo: str = "teu", objective: str = "cost",
                    params: Mapping | None = None) -> FreightComparison:
    """The best chain from ``a`` to ``b`` before and after a date (e.g. a yard's opening).

    Examples
    --------
    >>> from qjnet.geodata.io import load_dataset
    >>> cmp = compare_freight(load_dataset(), "qianjiang_dist", "qinzhou_port_e",
    ...                       before="2024-02-28", after="2024-03-01")
    >>> "qj_freight" in cmp.after.via and "qj_freight" not in cmp.before.via
    True
    """
    out = []
    for day, sc in ((before, scenario_before), (after, scenario_after)):
        G = build_freight_graph(dataset, date=day, scenario=sc, cargo=cargo, params=params)
        try:
            out.append((freight_route(G, a, b, objective=objective), G.graph.get("date")))
        except NoRouteError:
            out.append((None, G.graph.get("date")))
    return FreightComparison(a, b, _check_objective(objective), out[0][0], out[1][0], out[0][1], out[1][1])


def yards(G: nx.MultiDiGraph):
    """Freight nodes of ``G`` that change modes, with their capacity on the graph's date.

    Returns a list of dicts: ``id``, ``name_zh``, ``name_en``, ``x``, ``y``, ``modes``,
    ``capacity`` (the period dict or ``None``), ``capacity_t`` (tonnes per year or ``None``).
    """
    params: FreightParams = G.graph["params"]
    out = []
    for nid, modes in params.node_modes.items():
        if nid not in G:
            continue
        d = G.nodes[nid]
        out.append({"id": nid, "name_zh": d.get("name_zh"), "name_en": d.get("name_en"), "x": d.get("x"),
                    "y": d.get("y"), "modes": modes, "capacity": params.capacity_on(nid, G.graph.get("date")),
                    "capacity_t": params.capacity_tonnes(nid, G.graph.get("date"))})
    return out


__all__ = [
    "CARGOS",
    "OBJECTIVES",
    "FreightChain",
    "FreightComparison",
    "FreightLeg",
    "FreightParams",
    "Param",
    "apply_overrides",
    "build_freight_graph",
    "catchment",
    "compare_freight",
    "freight_pareto",
    "freight_route",
    "load_freight_params",
    "parse_overrides",
    "yards",
]
