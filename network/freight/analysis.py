"""Freight analysis: a yard's catchment, before/after comparisons and the yards of a graph."""

from __future__ import annotations

import datetime as _dt
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import networkx as nx

from ...geodata.errors import NoRouteError, OptionError
from .graph import build_freight_graph
from .params import _OBJ_INDEX, FreightParams, _check_cargo, _check_objective
from .routing import (
    _ZERO,
    Adjacency,
    EdgeKey,
    FreightChain,
    Vec,
    _adjacency,
    _chain,
    _check_node,
    _dijkstra,
    _on,
    _order,
    _path_from_pred,
    _targets,
    freight_route,
)

if TYPE_CHECKING:
    import geopandas as gpd

    from ...geodata.io import Dataset

#: the destination of a catchment when none is given: Qinzhou Port East
DEFAULT_PORT = "qinzhou_port_e"


# --------------------------------------------------------------------------- catchment

def catchment(G: nx.MultiDiGraph, yard: str, *, port: str | None = None, cargo: str | None = None,
              objective: str = "cost", places: Iterable[str] | None = None) -> gpd.GeoDataFrame:
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
    >>> from qjnet.network.freight import build_freight_graph, catchment
    >>> G = build_freight_graph(date="2025-07-01")
    >>> c = catchment(G, "qj_freight")
    >>> bool(c.loc["qianjiang_dist", "in_catchment"])
    True
    """
    import geopandas as gpd

    cargo = _check_cargo(cargo if cargo is not None else G.graph.get("cargo", "teu"))
    objective = _check_objective(objective)
    c = _catchment_setup(G, yard, port, cargo, _OBJ_INDEX[objective])
    if places is None:
        places = sorted(n for n, d in G.nodes(data=True) if d.get("layer") == "site" and d.get("kind") == "place")
    used: dict[str, dict] = {}
    rows = [_catchment_row(c, _check_node(G, p, "place"), used) for p in places]
    gdf = gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")
    if len(gdf):
        gdf = gdf.set_index("id", drop=False)
        gdf.index.name = None
    gdf.attrs.update(yard=c.yard, port=c.port, cargo=cargo, objective=objective, sources=list(used.values()),
                     date=G.graph.get("date").isoformat() if G.graph.get("date") else None)
    return gdf


@dataclass(frozen=True)
class _Catchment:
    """What every place's comparison needs: the yard and its departure sides, the two adjacencies."""

    G: nx.MultiDiGraph
    cargo: str
    obj: int
    yard: str
    port: str
    deps: list[str]
    adj: Adjacency        # every edge the cargo can use
    adj_alt: Adjacency    # without the yard's rail and air sides
    targets: set[str]


def _catchment_setup(G: nx.MultiDiGraph, yard: str, port: str | None, cargo: str, obj: int) -> _Catchment:
    """Check the yard and port and build both adjacencies."""
    yard = _check_node(G, yard, "yard")
    port = _check_node(G, port if port is not None else DEFAULT_PORT, "port")
    deps = [n for n in (f"{yard}|rail:dep", f"{yard}|air:dep") if n in G]
    if not deps:
        raise OptionError(f"yard {yard!r} has no freight train or air cargo departures{_on(G)}; "
                          "pick a rail yard such as qj_freight or xiushan_freight")
    own = {n for n in G if G.nodes[n].get("site") == yard and n != yard}
    return _Catchment(G, cargo, obj, yard, port, deps, _adjacency(G, cargo), _adjacency(G, cargo, exclude=own),
                      _targets(G, port))


def _best_edges(adj: Adjacency, sources: dict[str, Vec], targets: set[str],
                obj: int) -> tuple[Vec, list[EdgeKey]] | tuple[None, None]:
    """The best vector and edges from ``sources`` to the first of ``targets`` reached, or ``(None, None)``."""
    best, pred, end = _dijkstra(adj, sources, obj, targets=targets)
    if end is None:
        return None, None
    return best[end], _path_from_pred(pred, end)


def _via_yard(c: _Catchment, p: str) -> tuple[Vec, list[EdgeKey]] | tuple[None, None]:
    """The best chain from ``p`` that reaches the yard, loads there and leaves from its departure side."""
    G, yard, cargo = c.G, c.yard, c.cargo
    to_vec, to_edges = (_ZERO, []) if p == yard else _best_edges(c.adj, {p: _ZERO}, {yard}, c.obj)
    if to_vec is None or to_edges is None:
        return None, None
    via_vec: Vec | None = None
    via_edges: list[EdgeKey] | None = None
    for dep in c.deps:
        load = [(yard, dep, k) for k in G[yard][dep] if k == "handling:load"]
        if not load:
            continue
        d = G.edges[load[0]]
        if cargo == "teu" and not d.get("teu_ok", True):
            continue
        lvec = (d["hours"], d[f"cost_{cargo}"], d[f"co2_{cargo}"])
        start = (to_vec[0] + lvec[0], to_vec[1] + lvec[1], to_vec[2] + lvec[2])
        vec, edges = _best_edges(c.adj, {dep: start}, c.targets, c.obj)
        if vec is not None and edges is not None and (via_vec is None or _order(vec, c.obj) < _order(via_vec, c.obj)):
            via_vec, via_edges = vec, to_edges + load + edges
    if via_vec is None or via_edges is None:
        return None, None
    return via_vec, via_edges


def _totals(prefix: str, chain: FreightChain | None) -> dict[str, float | None]:
    """``<prefix>_hours``, ``_cost`` and ``_co2`` of a chain (``None`` without one)."""
    return {f"{prefix}_hours": chain.hours if chain else None, f"{prefix}_cost": chain.cost if chain else None,
            f"{prefix}_co2": chain.co2 if chain else None}


def _catchment_row(c: _Catchment, p: str, used: dict[str, dict]) -> dict[str, Any]:
    """One row of :func:`catchment`; the sources of both chains are added to ``used``."""
    from shapely.geometry import Point

    G, obj = c.G, c.obj
    via_vec, via_edges = _via_yard(c, p)
    alt_vec, alt_edges = _best_edges(c.adj_alt, {p: _ZERO}, c.targets, obj) if p != c.port else (None, None)
    alt_chain = _chain(G, p, c.port, c.cargo, alt_edges) if alt_edges is not None else None
    via_chain = _chain(G, p, c.port, c.cargo, via_edges) if via_edges is not None else None
    for ch in (via_chain, alt_chain):
        for src in (ch.sources if ch is not None else ()):
            used.setdefault(src["key"], src)
    better = via_vec is not None and (alt_vec is None or _order(via_vec, obj) < _order(alt_vec, obj))
    saving = (alt_vec[obj] - via_vec[obj]) if (via_vec is not None and alt_vec is not None) else None
    node = G.nodes[p]
    return {"id": p, "name_zh": node.get("name_zh"), "name_en": node.get("name_en"),
            **_totals("via", via_chain), **_totals("alt", alt_chain),
            "alt_chain": alt_chain.label if alt_chain else None, "in_catchment": bool(better), "saving": saving,
            "geometry": Point(node["x"], node["y"]) if node.get("x") is not None else None}


# --------------------------------------------------------------------------- before and after

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

    def delta(self) -> dict[str, float | None]:
        """``after - before`` for hours, cost and CO2 (``None`` when either side has no chain)."""
        if self.before is None or self.after is None:
            return {"hours": None, "cost": None, "co2": None}
        return {"hours": self.after.hours - self.before.hours, "cost": self.after.cost - self.before.cost,
                "co2": self.after.co2 - self.before.co2}


def compare_freight(dataset: Dataset | str | os.PathLike[str] | None, a: str, b: str, *,
                    before: str | _dt.date, after: str | _dt.date, scenario_before: str | None = None,
                    scenario_after: str | None = None, cargo: str = "teu", objective: str = "cost",
                    params: Mapping[str, Any] | None = None) -> FreightComparison:
    """The best chain from ``a`` to ``b`` before and after a date (e.g. a yard's opening).

    Parameters
    ----------
    dataset
        As :func:`build_freight_graph`.
    a, b
        Origin and destination node ids.
    before, after
        The two dates; each builds its own freight graph.
    scenario_before, scenario_after
        Scenarios applied on each side (none by default).
    cargo, objective
        As :func:`freight_route`; ``objective`` defaults to ``"cost"``.
    params
        Overrides of the freight figures, as :func:`build_freight_graph`.

    Returns
    -------
    FreightComparison
        Each side's best chain, ``None`` where no chain exists on that date.

    Raises
    ------
    OptionError, PlaceNotFoundError
        As :func:`freight_route`.

    Examples
    --------
    >>> from qjnet.geodata.io import load_dataset
    >>> from qjnet.network.freight import compare_freight
    >>> cmp = compare_freight(load_dataset(), "qianjiang_dist", "qinzhou_port_e",
    ...                       before="2024-02-28", after="2024-03-01")
    >>> "qj_freight" in cmp.after.via and "qj_freight" not in cmp.before.via
    True
    """
    out: list[tuple[FreightChain | None, _dt.date | None]] = []
    for day, sc in ((before, scenario_before), (after, scenario_after)):
        G = build_freight_graph(dataset, date=day, scenario=sc, cargo=cargo, params=params)
        try:
            out.append((freight_route(G, a, b, objective=objective), G.graph.get("date")))
        except NoRouteError:
            out.append((None, G.graph.get("date")))
    return FreightComparison(a, b, _check_objective(objective), out[0][0], out[1][0], out[0][1], out[1][1])


# --------------------------------------------------------------------------- yards

def yards(G: nx.MultiDiGraph) -> list[dict[str, Any]]:
    """Freight nodes of ``G`` that change modes, with their capacity on the graph's date.

    Parameters
    ----------
    G
        A freight graph from :func:`build_freight_graph`.

    Returns
    -------
    list of dict
        One per node of ``freight.json`` present in ``G``: ``id``, ``name_zh``, ``name_en``, ``x``,
        ``y``, ``modes``, ``capacity`` (the period dict or ``None``), ``capacity_t`` (tonnes per
        year or ``None``).

    Examples
    --------
    >>> from qjnet.network.freight import build_freight_graph, yards
    >>> y = {d["id"]: d for d in yards(build_freight_graph(date="2025-07-01"))}
    >>> y["qj_freight"]["modes"]
    ('road', 'rail')
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
