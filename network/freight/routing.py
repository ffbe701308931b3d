"""Freight routing: the best chain for one objective and the Pareto set over time, cost and CO2.

Both searches run on a plain adjacency list with a ``(hours, cost, CO2)`` vector per edge for one
cargo (:func:`_adjacency`); :func:`_chain` turns the edges found back into a :class:`FreightChain`
with its legs, totals and the figures and records used.
"""

from __future__ import annotations

import datetime as _dt
import difflib
import heapq
import itertools
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any

import networkx as nx

from ...geodata.errors import NoRouteError, OptionError, PlaceNotFoundError
from .graph import _gc_km
from .params import _OBJ_INDEX, FREIGHT_KINDS, FreightParams, _check_cargo, _check_objective

Vec = tuple[float, float, float]
EdgeKey = tuple[str, str, str]
Adjacency = dict[str, list[tuple[str, str, Vec]]]
_ZERO: Vec = (0.0, 0.0, 0.0)


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

    def to_dict(self) -> dict[str, Any]:
        """The leg as plain JSON values (``coords`` left out)."""
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
    legs: tuple[FreightLeg, ...]
    hours: float
    cost: float
    co2: float
    km: float
    sources: tuple[dict, ...] = ()
    date: _dt.date | None = None
    scenario: str | None = None

    @property
    def modes(self) -> tuple[str, ...]:
        """Transport modes in order, handling steps left out (``("road", "rail")``)."""
        out: list[str] = []
        for leg in self.legs:
            if leg.mode != "handling" and (not out or out[-1] != leg.mode):
                out.append(leg.mode)
        return tuple(out)

    @property
    def via(self) -> tuple[str, ...]:
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
    def vector(self) -> Vec:
        """``(hours, cost, co2)``."""
        return (self.hours, self.cost, self.co2)

    def to_dict(self) -> dict[str, Any]:
        """The chain, its legs and sources as plain JSON values."""
        return {"origin": self.origin, "destination": self.destination, "cargo": self.cargo,
                "unit": "per TEU" if self.cargo == "teu" else "per tonne",
                "date": self.date.isoformat() if self.date else None, "scenario": self.scenario,
                "chain": self.label, "hours": self.hours, "cost_cny": self.cost, "co2_kg": self.co2,
                "km": self.km, "legs": [leg.to_dict() for leg in self.legs], "sources": list(self.sources)}


# --------------------------------------------------------------------------- public searches

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
    >>> from qjnet.network.freight import build_freight_graph, freight_route
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
    _, pred, end = _dijkstra(adj, {a: _ZERO}, obj, targets=_targets(G, b))
    if end is None:
        raise NoRouteError(f"no freight chain from {a} to {b}{_on(G)} for cargo {cargo!r}")
    return _chain(G, a, b, cargo, _path_from_pred(pred, end))


def freight_pareto(G: nx.MultiDiGraph, a: str, b: str, *, cargo: str | None = None,
                   max_labels: int = 200_000) -> list[FreightChain]:
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
    >>> from qjnet.network.freight import build_freight_graph, freight_pareto
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


# --------------------------------------------------------------------------- checks and inputs

def _check_node(G: nx.MultiDiGraph, node: str, role: str) -> str:
    """``node`` if it is a site of ``G``; else why not (no freight access, or unknown)."""
    if node in G and G.nodes[node].get("layer") == "site":
        return node
    known = G.graph.get("dataset_nodes") or {}
    if node in known:
        kind, pos = known[node]
        why = (f"it is a {kind}; freight starts and ends at places, yards, ports and airports"
               if kind not in FREIGHT_KINDS else "no truck road, freight yard or freight service reaches it")
        raise OptionError(f"{role} {node!r} has no freight access{_on(G)}: {why}{_nearest_hint(G, pos)}")
    close = difflib.get_close_matches(str(node), [n for n in G if "|" not in n], n=3)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    raise PlaceNotFoundError(f"{role} {node!r} is not a node of the freight graph{hint}", close)


def _nearest_hint(G: nx.MultiDiGraph, pos: tuple[float, float] | None) -> str:
    """``"; the nearest node with freight access is ..."`` (empty without a position)."""
    sites = [(n, d) for n, d in G.nodes(data=True) if d.get("layer") == "site" and d.get("x") is not None]
    if pos is None or not sites:
        return ""
    near, d = min(sites, key=lambda nd: _gc_km(pos, (nd[1]["x"], nd[1]["y"])))
    return f"; the nearest node with freight access is {near} ({_gc_km(pos, (d['x'], d['y'])):.1f} km)"


def _on(G: nx.MultiDiGraph) -> str:
    return f" on {G.graph['date']}" if G.graph.get("date") else ""


def _targets(G: nx.MultiDiGraph, b: str) -> set[str]:
    """Nodes where a chain to ``b`` ends: its site and the arrival sides of its yard or airport."""
    return {n for n in G if G.nodes[n].get("site") == b and G.nodes[n].get("layer") in ("site", "rail:arr", "air:arr")}


def _adjacency(G: nx.MultiDiGraph, cargo: str, *, exclude: Collection[str] = frozenset()) -> Adjacency:
    """``{u: [(v, key, (hours, cost, co2))]}`` for the cargo; edges the cargo cannot use are left out."""
    adj: Adjacency = {n: [] for n in G}
    for u, v, k, d in G.edges(keys=True, data=True):
        if u in exclude or v in exclude or (cargo == "teu" and not d.get("teu_ok", True)):
            continue
        adj[u].append((v, k, (float(d["hours"]), float(d[f"cost_{cargo}"]), float(d[f"co2_{cargo}"]))))
    return adj


# --------------------------------------------------------------------------- single objective

_COUNTER = itertools.count()  # heap tie-breaker


def _order(vec: Vec, obj: int) -> Vec:
    """``vec`` with the objective first, the other two after it in their order."""
    if obj == 0:
        return vec
    if obj == 1:
        return (vec[1], vec[0], vec[2])
    return (vec[2], vec[0], vec[1])


def _dijkstra(adj: Adjacency, sources: dict[str, Vec], obj: int, *,
              targets: Collection[str] | None = None) -> tuple[dict[str, Vec], dict, str | None]:
    """Lexicographic Dijkstra (objective first, then the others).  ``sources``: node -> start vector.

    Returns ``(best, pred, end)``: vectors, predecessor ``(node, key)`` and the first target
    reached (the search stops there), or ``None``.
    """
    best: dict[str, Vec] = {}
    pred: dict[str, tuple[str, str] | None] = {}
    heap: list[tuple[Vec, int, str, Vec, tuple[str, str] | None]] = [
        (_order(vec, obj), next(_COUNTER), node, vec, None) for node, vec in sources.items()]
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


def _path_from_pred(pred: dict, end: str) -> list[EdgeKey]:
    """Edges ``(u, v, key)`` from the source to ``end`` along the predecessors."""
    edges = []
    node = end
    while pred.get(node) is not None:
        u, key = pred[node]
        edges.append((u, node, key))
        node = u
    return list(reversed(edges))


# --------------------------------------------------------------------------- Pareto set

def _dominates_eq(p: Vec, q: Vec) -> bool:
    return p[0] <= q[0] and p[1] <= q[1] and p[2] <= q[2]


def _dominated(vec: Vec, kept: Iterable[Vec], found: Iterable[tuple[Vec, Any]]) -> bool:
    """Whether a kept label at the node or a chain already found is at least as good as ``vec``."""
    return any(_dominates_eq(p, vec) for p in kept) or any(_dominates_eq(f[0], vec) for f in found)


def _martins(adj: Adjacency, source: str, targets: Collection[str], *,
             max_labels: int = 200_000) -> list[tuple[Vec, list[EdgeKey]]]:
    """Pareto-optimal ``(vector, edges)`` from ``source`` to any of ``targets``."""
    kept: dict[str, list[Vec]] = {}    # node -> vectors made permanent
    found: list[tuple[Vec, Any]] = []  # (vector, label) at targets
    counter = itertools.count()
    # label: (vector, node, parent_label, (u, v, key))
    start = (_ZERO, source, None, None)
    heap: list[tuple[Vec, int, Any]] = [(_ZERO, next(counter), start)]
    n_perm = 0
    while heap:
        vec, _, label = heapq.heappop(heap)
        node = label[1]
        if _dominated(vec, kept.get(node, ()), found):
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
            if not _dominated(nvec, kept.get(v, ()), found):
                heapq.heappush(heap, (nvec, next(counter), (nvec, v, label, (node, v, key))))
    return [(vec, _label_edges(label)) for vec, label in found]


def _label_edges(label: Any) -> list[EdgeKey]:
    """Edges from the source to a label, following its parents."""
    edges = []
    while label[2] is not None:
        edges.append(label[3])
        label = label[2]
    return list(reversed(edges))


# --------------------------------------------------------------------------- chains

def _chain(G: nx.MultiDiGraph, a: str, b: str, cargo: str, edges: list[EdgeKey]) -> FreightChain:
    """The chain along ``edges``: consecutive truck edges merged into one road leg, totals, sources."""
    legs: list[FreightLeg] = []
    keys: dict[str, None] = {}
    for u, v, k in edges:
        d = G.edges[u, v, k]
        for ref in d[f"refs_{cargo}"]:
            keys.setdefault(ref, None)
        leg = _leg(G, u, v, d, cargo)
        if leg.mode == "road" and legs and legs[-1].mode == "road":
            legs[-1] = _merge_road(legs[-1], leg)
        else:
            legs.append(leg)
    hours = sum(leg.hours for leg in legs)
    cost = sum(leg.cost for leg in legs)
    co2 = sum(leg.co2 for leg in legs)
    km = sum(leg.km for leg in legs)
    return FreightChain(a, b, cargo, tuple(legs), hours, cost, co2, km, _sources(G, keys),
                        G.graph.get("date"), G.graph.get("scenario"))


def _leg(G: nx.MultiDiGraph, u: str, v: str, d: dict, cargo: str) -> FreightLeg:
    """The leg of one edge (a handling leg sits at its node's site)."""
    su, sv = G.nodes[u]["site"], G.nodes[v]["site"]
    cost, co2 = float(d[f"cost_{cargo}"]), float(d[f"co2_{cargo}"])
    if d["mode"] == "handling":
        return FreightLeg("handling", su, sv, d["hours"], cost, co2, 0.0, 0.0, su, d.get("name"),
                          ((G.nodes[su]["x"], G.nodes[su]["y"]),))
    return FreightLeg(d["mode"], su, sv, d["hours"], cost, co2, d["km"], float(d.get("wait_h", 0.0)),
                      d.get("ref"), d.get("name"), tuple(d.get("coords") or ()))


def _merge_road(prev: FreightLeg, leg: FreightLeg) -> FreightLeg:
    """Two consecutive truck legs as one (names joined, the shared point kept once)."""
    coords = leg.coords
    merged_coords = prev.coords + (coords[1:] if prev.coords and coords and prev.coords[-1] == coords[0] else coords)
    names = [n for n in (prev.name, leg.name) if n]
    return FreightLeg("road", prev.from_id, leg.to_id, prev.hours + leg.hours, prev.cost + leg.cost,
                      prev.co2 + leg.co2, prev.km + leg.km, 0.0, None,
                      "/".join(dict.fromkeys("/".join(names).split("/"))) or None, merged_coords)


def _sources(G: nx.MultiDiGraph, keys: Iterable[str]) -> tuple[dict, ...]:
    """The provenance of every dataset record and figure named in ``keys``, in their order."""
    params: FreightParams = G.graph["params"]
    records = G.graph.get("records", {})
    sources = []
    for key in keys:
        if key in records:
            sources.append(dict(records[key]))
        elif (param := params.get(key)) is not None:
            sources.append(param.to_dict())
    return tuple(sources)
