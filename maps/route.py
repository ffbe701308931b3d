"""The route map: an itinerary drawn leg by leg in mode colours, with a leg table.

The legs' geometry comes from :func:`network.route.route_to_gdf`: a ride
follows its service's course when the dataset passed in holds it.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import folium

from ..network.route import route_to_gdf
from ._provenance import CLASSES, MOSTLY, add_toggle, legend_part, range_label
from .base import (
    Canvas,
    circle,
    finish,
    layer,
    legend_html,
    mode_color,
    mode_label,
    polyline,
    result_map,
)
from .escape import esc, fmt_minutes, grid, table

if TYPE_CHECKING:
    import geopandas as gpd
    import networkx as nx

    from ..geodata.io import Dataset
    from ..network.route import Itinerary

log = logging.getLogger(__name__)

LEGS, STOPS = "行程 Legs", "站点 Stops"


def _name(G: nx.MultiDiGraph, node: Any) -> str:
    d = G.nodes[node] if node in G else {}
    return d.get("name_zh") or str(node)


def _service_name(dataset: Dataset | None, sid: str | None) -> str:
    services = getattr(dataset, "services", None)
    if sid and services is not None and sid in services.index:
        return services.at[sid, "name_zh"] or sid
    return sid or ""


def leg_table(itinerary: Itinerary, G: nx.MultiDiGraph, *, dataset: Dataset | None = None,
              highlight: int | None = None) -> str:
    """Escaped HTML table of every leg: mode, service, from, to, departs at, wait, minutes; with the legs'
    provenance (:class:`network.provenance.LegProvenance`) also the source of each leg's time and its range."""
    known = any(leg.provenance is not None for leg in itinerary.legs)
    rows = []
    for i, leg in enumerate(itinerary.legs):
        mark = "▶ " if highlight == i else ""
        row = [f"{mark}{i + 1}", mode_label(leg.mode), _service_name(dataset, leg.service),
               _name(G, leg.from_), _name(G, leg.to), f"+{fmt_minutes(leg.depart)}",
               fmt_minutes(leg.wait_minutes), fmt_minutes(leg.minutes)]
        if known:
            row += _leg_provenance(leg)
        rows.append(row)
    total = ["", "", "", "", "total", "", "", fmt_minutes(itinerary.minutes)]
    if known:
        p = itinerary.provenance
        total += [f"published {p.published_share:.0%}", range_label(p.total, *p.range)] if p is not None else ["", ""]
    rows.append(total)
    header = ("#", "mode", "service", "from", "to", "departs", "wait", "min") + (("source", "range") if known else ())
    return grid(header, rows)


def _leg_provenance(leg: Any) -> list[str]:
    """``[source, "61 min (59–63)"]`` of a leg (wait included), blanks when unknown."""
    lp = leg.provenance
    if lp is None:
        return ["", ""]
    return [lp.source, range_label(sum(lp.minutes.values()), *lp.range)]


def _leg_kind(leg: Any) -> str | None:
    """``"published"`` or ``"modelled"`` by the published share of the leg's minutes; ``None`` when unknown."""
    lp = leg.provenance
    total = sum(lp.minutes.values()) if lp is not None else 0.0
    if lp is None or total <= 0:
        return None
    return "published" if lp.minutes["published"] / total >= MOSTLY else "modelled"


def route_map(itinerary: Itinerary, G: nx.MultiDiGraph, *, dataset: Dataset | None = None, tiles: str = "none",
              title: str | None = None) -> folium.Map:
    """Map an itinerary leg by leg, each in its mode's colour, with the leg table in every popup.

    Parameters
    ----------
    itinerary
        :class:`network.route.Itinerary` from :func:`network.route.route`.
    G
        The graph the itinerary was found on (node positions and names).
    dataset
        :class:`geodata.io.Dataset` object (loaded from a folder or a
        GeoPackage): its county boundaries are the basemap, its service
        courses the legs' lines (:func:`network.route.route_to_gdf`) and its
        service names label the legs.  ``None`` draws no basemap and straight
        legs through the stops.
    tiles
        ``"none"``, ``"osm"`` or ``"gaode"``.
    title
        Title box text; default "origin → destination, minutes".

    Returns
    -------
    folium.Map
        Offline map with layers "行程 Legs" (one line per leg) and "站点 Stops".

    Examples
    --------
    >>> from qjnet.geodata.io import load_dataset
    >>> from qjnet.network import build_graph, route
    >>> ds = load_dataset()
    >>> G = build_graph(ds, date="2025-07-01")
    >>> m = route_map(route(G, "cq_east", "qianjiang"), G, dataset=ds)
    >>> m.qjnet_layers["行程 Legs"], m.qjnet_layers["站点 Stops"]
    (1, 2)
    """
    legs = route_to_gdf(G, itinerary, dataset=dataset).to_crs("EPSG:4326")
    canvas = result_map(dataset, tiles=tiles, bounds=_bounds(legs))
    _draw_legs(canvas, itinerary, G, legs, dataset)
    _draw_stops(canvas, itinerary, G)
    known = any(_leg_kind(leg) is not None for leg in itinerary.legs)
    if known:
        add_toggle(canvas)
    default_title = (f"{_name(G, itinerary.origin)} → {_name(G, itinerary.destination)} · "
                     f"{fmt_minutes(itinerary.minutes)} min")
    m = finish(canvas, legend=_legend(itinerary) + (legend_part("legs") if known else ""),
               title=title or default_title)
    log.info("Route map: %d legs", len(itinerary.legs))
    return m


def _bounds(legs: gpd.GeoDataFrame) -> Any:
    """The legs' bounds, or ``None`` when there is nothing to draw."""
    drawn = legs[legs.geometry.notna()]
    return drawn.total_bounds if len(drawn) else None


def _leg_tooltip(i: int, leg: Any, G: nx.MultiDiGraph, dataset: Dataset | None) -> str:
    """``"2. 黔江站 → 重庆东站 · 高铁 High-speed rail 渝厦高铁 · 61 min (wait 5)"`` (plain text)."""
    service = _service_name(dataset, leg.service)
    wait = f" (wait {fmt_minutes(leg.wait_minutes)})" if leg.wait_minutes else ""
    source, rng = _leg_provenance(leg)
    prov = f" · {source}, {rng}" if source else ""
    return (f"{i + 1}. {_name(G, leg.from_)} → {_name(G, leg.to)} · {mode_label(leg.mode)}"
            f"{' ' + service if service else ''} · {fmt_minutes(leg.minutes)} min{wait}{prov}")


def _draw_legs(canvas: Canvas, itinerary: Itinerary, G: nx.MultiDiGraph, legs: gpd.GeoDataFrame,
               dataset: Dataset | None) -> None:
    """One line per leg on a white casing (keeps consecutive legs apart); the leg table in each popup."""
    group = layer(canvas, LEGS)
    heading = f"<b>{esc(_name(G, itinerary.origin))} → {esc(_name(G, itinerary.destination))}</b>"
    for i, (leg, geom) in enumerate(zip(itinerary.legs, legs.geometry, strict=True)):
        if geom is None:
            continue
        kind = _leg_kind(leg)
        cls = {"class_name": CLASSES[kind]} if kind else {}
        for part in canvas.lines(geom):
            folium.PolyLine(part, color="#ffffff", weight=9, opacity=0.9, interactive=False, **cls).add_to(group)
        popup = f"{heading}<br>{leg_table(itinerary, G, dataset=dataset, highlight=i)}"
        polyline(canvas, group, geom, color=mode_color(leg.mode), weight=5, tooltip=_leg_tooltip(i, leg, G, dataset),
                 popup_html=popup, opacity=0.5 if kind == "modelled" else 1.0, dashed=kind == "modelled",
                 layer_name=LEGS, **cls)


def _draw_stops(canvas: Canvas, itinerary: Itinerary, G: nx.MultiDiGraph) -> None:
    """The start and arrival (white) and every change (yellow), with the minute reached."""
    group = layer(canvas, STOPS)
    points = [itinerary.origin] + [leg.to for leg in itinerary.legs]
    for j, node in enumerate(points):
        if node not in G:
            continue
        d = G.nodes[node]
        end = j in (0, len(points) - 1)
        role = "出发 Start" if j == 0 else ("到达 Arrive" if j == len(points) - 1 else "换乘 Change")
        at = 0.0 if j == 0 else itinerary.legs[j - 1].depart + itinerary.legs[j - 1].minutes
        circle(canvas, group, float(d["x"]), float(d["y"]), radius=8 if end else 5,
               color="#000000", fill_color="#ffffff" if end else "#ffd92f", weight=3 if end else 2, fill_opacity=1.0,
               tooltip=f"{role}: {d.get('name_zh') or node} {d.get('name_en') or ''} · +{fmt_minutes(at)} min",
               popup_html=table([("English", d.get("name_en")), ("role", role), ("at", f"+{fmt_minutes(at)} min")],
                                title=d.get("name_zh") or node),
               layer_name=STOPS)


def _legend(itinerary: Itinerary) -> str:
    """The modes used, in travel order, and the total time."""
    modes = list(dict.fromkeys(leg.mode for leg in itinerary.legs))
    when = f"{itinerary.date or 'any date'}{', scenario ' + itinerary.scenario if itinerary.scenario else ''}"
    p = itinerary.provenance
    total = (f"{range_label(itinerary.minutes, *p.range)} door to door, published {p.published_share:.0%}"
             if p is not None else f"{fmt_minutes(itinerary.minutes)} min door to door")
    return legend_html("行程 Itinerary", lines=[(mode_color(m), mode_label(m), False) for m in modes],
                       notes=[f"{total} · {when}", "Click a leg for the leg table."])
