"""The freight map: yards sized by capacity, corridor trains, chosen chains, a yard's catchment.

Built on the shared map machinery (:mod:`maps.base`): an offline folium map with the county
basemap, one layer per theme in the layer control, escaped tooltips and popups.
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import folium

from .base import MODE_STYLE, Canvas, base_map, circle, finish, layer, legend_html, polyline
from .escape import table

if TYPE_CHECKING:
    import geopandas as gpd
    import networkx as nx

    from ..geodata.io import Dataset
    from ..network.freight import FreightChain

log = logging.getLogger(__name__)

#: colour of each freight leg mode on the chain layers
LEG_COLORS = {"road": "#1a9641", "rail": MODE_STYLE["freight_rail"][0], "air": MODE_STYLE["air"][0]}
YARD_COLOR = MODE_STYLE["freight_rail"][0]
IN_CATCHMENT, OUT_CATCHMENT = "#1b7837", "#bababa"
CHAIN_DASH = {0: False, 1: True}


def _yard_radius(capacity_t: float | None, largest: float) -> float:
    """Marker radius in px: area proportional to annual capacity; 4 px when capacity is unknown."""
    if not capacity_t or largest <= 0:
        return 4.0
    return 5.0 + 15.0 * math.sqrt(capacity_t / largest)


def _capacity_text(cap: dict | None) -> str:
    """``"4.5 Mt/yr (what)"`` or ``"not found"``."""
    if not cap:
        return "not found"
    return f"{cap.get('value'):g} {cap.get('unit', '')} ({cap.get('what', '')})".strip()


def _line(coords: Iterable[Any]) -> Any:
    """A LineString through the points that are not ``None`` (``None`` with fewer than two)."""
    from shapely.geometry import LineString

    pts = [c for c in coords if c is not None]
    return LineString(pts) if len(pts) >= 2 else None


def freight_map(G: nx.MultiDiGraph, *, chains: Sequence[FreightChain] = (), catchment: gpd.GeoDataFrame | None = None,
                dataset: Dataset | None = None, tiles: str = "none", title: str | None = None,
                show_roads: bool = False) -> folium.Map:
    """Draw a freight graph: yards, corridor trains, chains and (optionally) a catchment.

    Parameters
    ----------
    G
        A freight graph from :func:`network.freight.build_freight_graph`.
    chains
        :class:`network.freight.FreightChain` objects to draw, one layer each (legs coloured by
        mode; popups list hours, cost and CO2 per unit).
    catchment
        The GeoDataFrame of :func:`network.freight.catchment`: places coloured by whether they
        ship through the yard.
    dataset
        The dataset the graph was built from, for the county basemap (optional).
    tiles
        ``"none"`` (offline basemap only), ``"osm"`` or ``"gaode"``.
    title
        Title text; default names the date and cargo.
    show_roads
        Show the truck road layer when the map opens (it is in the layer control either way).

    Returns
    -------
    folium.Map
        Offline map; ``m.qjnet_layers`` maps layer names to feature counts.

    Examples
    --------
    >>> from qjnet.network.freight import build_freight_graph, freight_route
    >>> G = build_freight_graph(date="2025-07-01")
    >>> m = freight_map(G, chains=[freight_route(G, "qianjiang_dist", "qinzhou_port_e", objective="cost")])
    >>> m.qjnet_layers["货运站场 Yards (size: capacity)"] > 0
    True
    """
    cargo = G.graph.get("cargo", "teu")
    unit = "TEU" if cargo == "teu" else "t"
    canvas = base_map(dataset, tiles=tiles, bounds=_bounds(G))
    _draw_roads(canvas, G, show=show_roads)
    n_trains = _draw_trains(canvas, G, cargo, unit)
    for i, chain in enumerate(chains):
        _draw_chain(canvas, i, chain, unit)
    has_catchment = catchment is not None and len(catchment) > 0
    if catchment is not None and has_catchment:
        _draw_catchment(canvas, catchment)
    n_yards = _draw_yards(canvas, G)   # last, on top
    when = G.graph.get("date") or "all dates"
    m = finish(canvas, legend=_legend(G, unit, when, has_catchment),
               title=title or f"货运 Freight · {when} · per {unit}")
    log.info("Freight map: %d yards, %d trains, %d chains", n_yards, n_trains, len(chains))
    return m


def _bounds(G: nx.MultiDiGraph) -> tuple[float, float, float, float] | None:
    """``(west, south, east, north)`` of the graph's sites, or ``None`` without any."""
    sites = [(d["x"], d["y"]) for _, d in G.nodes(data=True) if d.get("layer") == "site" and d.get("x") is not None]
    if not sites:
        return None
    xs, ys = [p[0] for p in sites], [p[1] for p in sites]
    return (min(xs), min(ys), max(xs), max(ys))


def _draw_roads(canvas: Canvas, G: nx.MultiDiGraph, *, show: bool) -> None:
    """The truck road layer: one line per road, whichever way it was added first."""
    name = "货运公路 Truck roads"
    group = layer(canvas, name, show=show)
    drawn = set()
    for u, v, k, d in G.edges(keys=True, data=True):
        if d["mode"] != "road" or (v, u, k) in drawn:
            continue
        drawn.add((u, v, k))
        tip = f"{u} – {v} · {d.get('name') or d.get('road_class')} · {d['km']:.0f} km · {d['hours']:.1f} h"
        polyline(canvas, group, _line(d.get("coords") or ()), color=LEG_COLORS["road"], weight=2, opacity=0.6,
                 tooltip=tip, layer_name=name)


def _longest_rides(G: nx.MultiDiGraph) -> dict[str, dict]:
    """Per freight train or air service, its ride edge with the most points (its whole run)."""
    longest: dict[str, dict] = {}
    for u, v, k, d in G.edges(keys=True, data=True):
        if d["mode"] in ("rail", "air") and (k not in longest or len(d["coords"]) > len(longest[k]["coords"])):
            longest[k] = {**d, "u": u, "v": v}
    return longest


def _draw_trains(canvas: Canvas, G: nx.MultiDiGraph, cargo: str, unit: str) -> int:
    """The freight train layer: one line per service; returns the number of services drawn."""
    name = "货运班列 Freight trains"
    group = layer(canvas, name)
    records = G.graph.get("records", {})
    longest = _longest_rides(G)
    for key, d in longest.items():
        rec = records.get(key, {})
        rows = [("service", d.get("ref")), ("name", d.get("name")), ("hours", f"{d['hours']:.1f} (wait {d.get('wait_h', 0):.1f})"),
                ("km", f"{d['km']:.0f}"), (f"cost per {unit}", f"{d[f'cost_{cargo}']:.0f} CNY"),
                ("source", rec.get("source")), ("assumption", rec.get("assumption"))]
        polyline(canvas, group, _line(d["coords"]), color=LEG_COLORS.get(d["mode"], YARD_COLOR), weight=4,
                 tooltip=f"{d.get('name') or d.get('ref')} · {d['hours']:.0f} h",
                 popup_html=table([(a, b) for a, b in rows if b], title=d.get("name")), layer_name=name)
    return len(longest)


def _draw_chain(canvas: Canvas, i: int, chain: FreightChain, unit: str) -> None:
    """Chain number ``i`` in its own layer: legs coloured by mode, a white dot at each transshipment."""
    name = f"货运链 Chain {i + 1}: {chain.label}"
    group = layer(canvas, name)
    for leg in chain.legs:
        if leg.mode == "handling":
            point = leg.coords[0] if leg.coords else None
            if point is not None and point[0] is not None:
                circle(canvas, group, point[0], point[1], radius=7, color="#000000", fill_color="#ffffff",
                       tooltip=f"{leg.from_id}: {leg.name} · {leg.hours:.1f} h · {leg.cost:.0f} CNY",
                       layer_name=name)
            continue
        rows = [("mode", leg.mode), ("from", leg.from_id), ("to", leg.to_id), ("hours", f"{leg.hours:.1f}"),
                (f"cost per {unit}", f"{leg.cost:.0f} CNY"), (f"CO2 per {unit}", f"{leg.co2:.0f} kg"),
                ("km", f"{leg.km:.0f}"), ("via", leg.name)]
        polyline(canvas, group, _line(leg.coords), color=LEG_COLORS.get(leg.mode, "#404040"), weight=6,
                 dashed=CHAIN_DASH[i % 2], opacity=0.95,
                 tooltip=f"{chain.label} · {leg.mode} {leg.from_id} → {leg.to_id} · {leg.hours:.1f} h",
                 popup_html=table([(a, b) for a, b in rows if b],
                                  title=f"{chain.label}: {chain.hours:.1f} h, {chain.cost:.0f} CNY, "
                                        f"{chain.co2:.0f} kg CO2 per {unit}"),
                 layer_name=name)


def _draw_catchment(canvas: Canvas, catchment: gpd.GeoDataFrame) -> None:
    """The catchment layer: each place coloured by whether it ships through the yard."""
    name = f"腹地 Catchment of {catchment.attrs.get('yard', 'yard')}"
    group = layer(canvas, name)
    for pid, row in catchment.iterrows():
        if row.geometry is None:
            continue
        inside = bool(row["in_catchment"])
        saving = row.get("saving")
        tip = f"{row.get('name_en') or pid}: {'ships via the yard' if inside else 'ships another way'}"
        if saving is not None and not math.isnan(saving):
            tip += f" (saving {saving:.0f})"
        circle(canvas, group, row.geometry.x, row.geometry.y, radius=8,
               color=IN_CATCHMENT if inside else OUT_CATCHMENT, tooltip=tip, layer_name=name)


def _draw_yards(canvas: Canvas, G: nx.MultiDiGraph) -> int:
    """The yard layer: yards and ports sized by annual capacity; returns the number of yards."""
    from ..network.freight import yards

    name = "货运站场 Yards (size: capacity)"
    group = layer(canvas, name)
    params = G.graph["params"]
    ylist = yards(G)
    largest = max([y["capacity_t"] or 0 for y in ylist] + [0])
    for y in ylist:
        if y["x"] is None:
            continue
        cap = y["capacity"]
        rows = [("id", y["id"]), ("modes", ", ".join(y["modes"])), ("capacity", _capacity_text(cap)),
                ("capacity source", (cap or {}).get("source"))]
        h = params.get(f"nodes.{y['id']}.handling_h")
        if h is not None:
            rows.append(("handling", f"{h.value:g} h" + (f" — {h.assumption}" if h.assumption else "")))
        circle(canvas, group, y["x"], y["y"], radius=_yard_radius(y["capacity_t"], largest), color="#ffffff",
               fill_color=YARD_COLOR, weight=2, tooltip=f"{y['name_zh']} {y['name_en']} · capacity {_capacity_text(cap)}",
               popup_html=table([(a, b) for a, b in rows if b], title=f"{y['name_zh']} {y['name_en']}"),
               layer_name=name)
    return len(ylist)


def _legend(G: nx.MultiDiGraph, unit: str, when: Any, has_catchment: bool) -> str:
    """Legend: train, truck (and air) lines, yard dots (and catchment colours), the unit and date."""
    lines = [(LEG_COLORS["rail"], "货运班列 Freight train", False), (LEG_COLORS["road"], "卡车 Truck", False)]
    if any(d["mode"] == "air" for _, _, d in G.edges(data=True)):
        lines.append((LEG_COLORS["air"], "航空货运 Air cargo", False))
    dots = [(YARD_COLOR, "货运站场 Yard / port (area ∝ annual capacity)")]
    if has_catchment:
        dots += [(IN_CATCHMENT, "经该站场更优 Ships via the yard"), (OUT_CATCHMENT, "其他方式更优 Ships another way")]
    notes = [(f"Per {unit}; {when}. Costs and emission factors are assumptions unless a source is given "
              "(see each popup and `qjnet freight`).")]
    return legend_html("图例 Legend", lines=lines, dots=dots, notes=notes)


def save_map(m: folium.Map, path: str | os.PathLike[str]) -> None:
    """Write ``m`` as one self-contained (offline) HTML file, atomically.

    Parameters
    ----------
    m
        A map from :func:`freight_map`.
    path
        The HTML file to write.
    """
    from .offline import save

    save(m, path)


__all__ = ["freight_map", "save_map"]
