"""The freight graph: sites, yard layers, truck roads, freight trains, air cargo and transshipment.

The contract (nodes, layers, edges and their attributes) is in the docstring of
:mod:`network.freight`.
"""

from __future__ import annotations

import datetime as _dt
import itertools
import logging
import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import networkx as nx

from ...geodata._util import haversine_km
from ...geodata._util import is_null as _missing
from .params import FREIGHT_KINDS, ROAD_LINK_MODES, FreightParams, _check_cargo, load_freight_params

if TYPE_CHECKING:
    from ...geodata.io import Dataset

log = logging.getLogger(__name__)

#: service modes of the dataset that carry freight, and the freight mode they become
_SERVICE_MODES = {"freight_rail": "rail", "air": "air"}

Coord = tuple[float, float]
Figure = Callable[[str], float]


def _gc_km(a: Coord, b: Coord) -> float:
    """Great-circle km between two ``(lon, lat)`` points."""
    return haversine_km(a[0], a[1], b[0], b[1])


def _departures_per_week(svc: Any) -> float | None:
    """Departures per week of a service row (``per_day`` or ``headway_min`` over its days)."""
    days = svc.get("days")
    ndays = len(days) if isinstance(days, (list, tuple)) and len(days) else 7
    if not _missing(svc.get("per_day")) and float(svc["per_day"]) > 0:
        return float(svc["per_day"]) * ndays
    if not _missing(svc.get("headway_min")) and float(svc["headway_min"]) > 0:
        return 1440.0 / float(svc["headway_min"]) * ndays
    return None


def _record(ds_row: Any, layer: str) -> dict:
    """Provenance of one dataset record (``links:<id>`` or ``services:<id>``)."""
    out = {"key": f"{layer}:{ds_row['id']}", "source": ds_row.get("source")}
    if layer == "services":
        if ds_row.get("assumptions"):
            out["assumption"] = ds_row.get("assumptions")
        ts = ds_row.get("time_source")
        if isinstance(ts, (list, tuple)):
            out["time_source"] = sorted(set(ts))
    elif layer == "links" and not _missing(ds_row.get("time_source")):
        out["time_source"] = ds_row.get("time_source")
    return out


@dataclass
class _Build:
    """The graph being built and what every step needs: dataset nodes, their positions, the figures."""

    G: nx.MultiDiGraph
    nodes: Any
    coords: dict[str, Coord]
    params: FreightParams

    @property
    def payload(self) -> float:
        return self.params.figure("cargo.teu_payload_t")

    def site(self, nid: str) -> None:
        """Add the site node ``nid`` (once)."""
        if nid not in self.G:
            row = self.nodes.loc[nid]
            x, y = self.coords.get(nid, (None, None))
            self.G.add_node(nid, site=nid, layer="site", x=x, y=y, kind=row.get("kind"),
                            name_zh=row.get("name_zh"), name_en=row.get("name_en"))

    def layer(self, nid: str, layer: str) -> str:
        """Add the ``layer`` side of ``nid`` (once, with its site) and return its name."""
        name = f"{nid}|{layer}"
        if name not in self.G:
            self.site(nid)
            self.G.add_node(name, **{**self.G.nodes[nid], "layer": layer})
        return name


def build_freight_graph(dataset: Dataset | str | os.PathLike[str] | None = None, *,
                        date: str | _dt.date | None = None, scenario: str | None = None, cargo: str = "teu",
                        params: Mapping[str, Any] | None = None) -> nx.MultiDiGraph:
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
    >>> from qjnet.network.freight import build_freight_graph
    >>> G = build_freight_graph(date="2025-07-01")
    >>> G.graph["kind"], "qj_freight|rail:dep" in G
    ('freight', True)
    """
    cargo = _check_cargo(cargo)
    ds = _select(dataset, date, scenario)
    fparams = load_freight_params(ds.extras.get("freight"), overrides=params, file=str(ds.path / "freight.json"))
    b = _start(ds, date, cargo, fparams)
    services: Any = ds.services
    n_road = _add_links(b, ds.links) + _add_trunk_roads(b)
    n_ride = sum(_add_service(b, sid, row) for sid, row in services.iterrows())
    n_handling = _add_handling(b)
    G = b.G
    log.info("Built freight graph: %d nodes, %d road, %d ride, %d handling edges%s", G.number_of_nodes(),
             n_road, n_ride, n_handling, f", date {G.graph['date']}" if G.graph["date"] else "")
    return G


def _select(dataset: Any, date: Any, scenario: str | None) -> Dataset:
    """The dataset restricted to ``date`` and ``scenario`` (loaded first unless a :class:`Dataset`)."""
    from ...geodata.io import Dataset, apply_selection, load_dataset

    if isinstance(dataset, Dataset):
        return apply_selection(dataset, date=date, scenario=scenario) if (date or scenario) else dataset
    return load_dataset(dataset, date=date, scenario=scenario)


def _start(ds: Dataset, date: Any, cargo: str, fparams: FreightParams) -> _Build:
    """An empty freight graph with its ``G.graph`` metadata, and the dataset's node positions."""
    from ...geodata.io import parse_date

    nodes: Any = ds.nodes
    G = nx.MultiDiGraph(kind="freight", crs="EPSG:4326", date=ds.date if ds.date else parse_date(date),
                        scenario=ds.scenario, cargo=cargo, params=fparams, records={},
                        dataset_nodes={nid: (kind, (g.x, g.y) if g is not None else None)
                                       for nid, kind, g in zip(nodes.index, nodes["kind"], nodes.geometry, strict=False)})
    coords = {nid: (geom.x, geom.y) for nid, geom in zip(nodes.index, nodes.geometry, strict=False) if geom is not None}
    return _Build(G, nodes, coords, fparams)


# --------------------------------------------------------------------------- roads

def _freight_nodes(b: _Build) -> set[str]:
    """Dataset nodes that send or receive freight: the freight kinds plus every node of freight.json."""
    nodes = b.nodes
    out = {nid for nid, kind in zip(nodes.index, nodes["kind"], strict=False) if kind in FREIGHT_KINDS}
    return out | (set(b.params.node_modes) & set(nodes.index))


def _link_km(b: _Build, row: Any, a: str, z: str) -> tuple[float, list[str]]:
    """Truck km of a link (its length x circuity, else great circle x road circuity) and the figures used."""
    length = row.get("length_km")
    if not _missing(length) and float(length) > 0:
        circ = row.get("circuity")
        return float(length) * (float(circ) if not _missing(circ) else 1.0), []
    geom = row.geometry
    pts = list(geom.coords) if geom is not None and len(geom.coords) >= 2 else [b.coords[a], b.coords[z]]
    km = sum(_gc_km(p, q) for p, q in itertools.pairwise(pts)) * b.params.figure("modes.road.circuity")
    return km, ["modes.road.circuity"]


def _add_links(b: _Build, links: Any) -> int:
    """Road edges for the dataset's road links between freight nodes; returns the count."""
    freight_nodes = _freight_nodes(b)
    n = 0
    for lid, row in links.iterrows():
        mode = row.get("mode")
        if mode not in ROAD_LINK_MODES:
            continue
        a, z = row["from"], row["to"]
        if a not in b.coords or z not in b.coords or a not in freight_nodes or z not in freight_nodes:
            continue
        km, circuity_refs = _link_km(b, row, a, z)
        refs = [f"links:{lid}", f"modes.road.speed_kmh.{mode}", *circuity_refs]
        geom_coords = tuple(row.geometry.coords) if row.geometry is not None else (b.coords[a], b.coords[z])
        b.G.graph["records"][f"links:{lid}"] = _record(row, "links")
        attrs = _road_attrs(b.params.figure, km, mode, b.payload, refs)
        name = row.get("road") if not _missing(row.get("road")) else None
        b.site(a)
        b.site(z)
        b.G.add_edge(a, z, key=f"links:{lid}", ref=lid, name=name, coords=geom_coords, **attrs)
        n += 1
        if bool(row.get("bidirectional")):
            b.G.add_edge(z, a, key=f"links:{lid}", ref=lid, name=name, coords=tuple(reversed(geom_coords)), **attrs)
            n += 1
    return n


def _add_trunk_roads(b: _Build) -> int:
    """Road edges (both ways) for the trunk roads of freight.json; returns the count."""
    n = 0
    for t in b.params.trunk_roads:
        a, z = t["from"], t["to"]
        if a not in b.coords or z not in b.coords:
            log.debug("trunk road %s skipped: %s or %s not in the dataset on this date", t["id"], a, z)
            continue
        ckey = f"trunk_roads.{t['id']}.circuity"
        km = _gc_km(b.coords[a], b.coords[z]) * b.params.figure(ckey)
        refs = [ckey, f"modes.road.speed_kmh.{t['road_class']}"]
        attrs = _road_attrs(b.params.figure, km, t["road_class"], b.payload, refs)
        b.site(a)
        b.site(z)
        for u, v in ((a, z), (z, a)):
            b.G.add_edge(u, v, key=f"trunk:{t['id']}", ref=t["id"], name=t.get("name"),
                         coords=(b.coords[u], b.coords[v]), **attrs)
            n += 1
    return n


# --------------------------------------------------------------------------- freight trains and air cargo

def _service_wait(b: _Build, row: Any, mode: str) -> tuple[float, list[str]]:
    """Expected wait for a departure of the service (a share of the gap between departures)."""
    per_week = _departures_per_week(row)
    if per_week:
        return b.params.figure(f"modes.{mode}.wait_fraction") * 168.0 / per_week, [f"modes.{mode}.wait_fraction"]
    key = f"modes.{mode}.wait_h_if_frequency_unknown"
    return b.params.figure(key), [key]


def _segments(b: _Build, mode: str, stops: list[str], minutes: list[float],
              tsrc: list[str]) -> list[tuple[float, float, list[str]]]:
    """``(km, hours, figures used)`` between consecutive stops of a service."""
    speed = b.params["modes.rail.running_speed_kmh"] if mode == "rail" else None
    out = []
    for i in range(len(stops) - 1):
        km = _gc_km(b.coords[stops[i]], b.coords[stops[i + 1]]) * b.params.figure(f"modes.{mode}.circuity")
        refs = [f"modes.{mode}.circuity"]
        if speed is not None and (tsrc[i] if i < len(tsrc) else "derived") != "published":
            hours = km / speed
            refs.append("modes.rail.running_speed_kmh")
        else:
            hours = (minutes[i + 1] - minutes[i]) / 60.0
        out.append((km, hours, refs))
    return out


def _add_service(b: _Build, sid: str, row: Any) -> int:
    """Ride edges of one freight train or air service, from every handling stop to every later one."""
    mode = _SERVICE_MODES.get(row.get("mode"))
    if mode is None:
        return 0
    stops = list(row["stops"])
    minutes = [float(m) for m in row["minutes"]]
    tsrc = list(row.get("time_source") or ["derived"] * (len(stops) - 1))
    if any(s not in b.coords for s in stops):
        return 0
    handling = [s for s in stops if mode in b.params.node_modes.get(s, ())]
    if len(handling) < 2:
        log.debug("service %s skipped: fewer than two stops handle %s freight", sid, mode)
        return 0
    b.G.graph["records"][f"services:{sid}"] = _record(row, "services")
    wait, wait_refs = _service_wait(b, row, mode)
    segments = _segments(b, mode, stops, minutes, tsrc)
    directions = [list(range(len(stops)))]
    if bool(row.get("bidirectional")):
        directions.append(list(reversed(range(len(stops)))))
    n = 0
    for order in directions:
        for ii, jj in itertools.combinations(range(len(order)), 2):
            i, j = order[ii], order[jj]
            if stops[i] not in handling or stops[j] not in handling:
                continue
            segs = [segments[s] for s in range(min(i, j), max(i, j))]
            km = sum(s[0] for s in segs)
            run = sum(s[1] for s in segs)
            refs = [f"services:{sid}", *wait_refs, *sorted({r for s in segs for r in s[2]})]
            path = tuple(b.coords[stops[order[k]]] for k in range(ii, jj + 1))
            attrs = _ride_attrs(b.params.figure, mode, km, run, wait, b.payload, refs)
            u = b.layer(stops[i], f"{mode}:dep")
            v = b.layer(stops[j], f"{mode}:arr")
            b.G.add_edge(u, v, key=f"services:{sid}", ref=sid, name=row.get("name_en"), coords=path,
                         run_h=run, wait_h=wait, **attrs)
            n += 1
    return n


# --------------------------------------------------------------------------- transshipment

def _add_handling(b: _Build) -> int:
    """Load, unload and train-to-train edges at every node that handles rail or air; returns the count."""
    n = 0
    for nid, modes in b.params.node_modes.items():
        for mode in modes:
            if mode != "road":
                n += _add_handling_at(b, nid, mode)
    return n


def _add_handling_at(b: _Build, nid: str, mode: str) -> int:
    """The handling edges of one mode at ``nid`` (only towards the sides that exist)."""
    G = b.G
    dep, arr = f"{nid}|{mode}:dep", f"{nid}|{mode}:arr"
    attrs = _handling_attrs(b.params.figure, nid)
    n = 0
    if dep in G:
        G.add_edge(nid, dep, key="handling:load", ref=nid, name="load", coords=(), **attrs)
        n += 1
    if arr in G:
        G.add_edge(arr, nid, key="handling:unload", ref=nid, name="unload", coords=(), **attrs)
        n += 1
    if dep in G and arr in G:
        G.add_edge(arr, dep, key="handling:transfer", ref=nid, name=f"{mode} to {mode}", coords=(), **attrs)
        n += 1
    return n


# --------------------------------------------------------------------------- edge attributes

def _road_attrs(P: Figure, km: float, road_class: str, payload: float, refs: list[str]) -> dict:
    """Attributes of a truck edge of ``km`` on a road of ``road_class``."""
    hours = km / P(f"modes.road.speed_kmh.{road_class}")
    co2_t = km * P("modes.road.co2_kg_per_tonne_km")
    return {"mode": "road", "road_class": road_class, "hours": hours, "km": km,
            "cost_teu": km * P("modes.road.cost_cny_per_teu_km"),
            "cost_tonne": km * P("modes.road.cost_cny_per_tonne_km"),
            "co2_teu": co2_t * payload, "co2_tonne": co2_t, "teu_ok": True,
            "refs_teu": (*refs, "modes.road.cost_cny_per_teu_km", "modes.road.co2_kg_per_tonne_km",
                         "cargo.teu_payload_t"),
            "refs_tonne": (*refs, "modes.road.cost_cny_per_tonne_km", "modes.road.co2_kg_per_tonne_km")}


def _ride_attrs(P: Figure, mode: str, km: float, run: float, wait: float, payload: float,
                refs: list[str]) -> dict:
    """Attributes of a ride edge (wait + ``run`` hours); air edges carry no containers."""
    co2_t = km * P(f"modes.{mode}.co2_kg_per_tonne_km")
    teu_ok = mode == "rail"
    return {"mode": mode, "hours": wait + run, "km": km,
            "cost_teu": km * P(f"modes.{mode}.cost_cny_per_teu_km") if teu_ok else math.inf,
            "cost_tonne": km * P(f"modes.{mode}.cost_cny_per_tonne_km"),
            "co2_teu": co2_t * payload if teu_ok else math.inf, "co2_tonne": co2_t, "teu_ok": teu_ok,
            "refs_teu": (*refs, f"modes.{mode}.cost_cny_per_teu_km", f"modes.{mode}.co2_kg_per_tonne_km",
                         "cargo.teu_payload_t") if teu_ok else (),
            "refs_tonne": (*refs, f"modes.{mode}.cost_cny_per_tonne_km", f"modes.{mode}.co2_kg_per_tonne_km")}


def _handling_attrs(P: Figure, nid: str) -> dict:
    """Attributes of a transshipment edge at ``nid``; no containers where no TEU price is given."""
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
