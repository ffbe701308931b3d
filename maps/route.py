"""The route map: an itinerary drawn leg by leg in mode colours, with a leg table."""

from __future__ import annotations

import logging

import folium
from shapely.geometry import LineString

from .base import (
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

log = logging.getLogger(__name__)


def _name(G, node) -> str:
    d = G.nodes[node] if node in G else {}
    return d.get("name_zh") or str(node)


def _service_name(dataset, sid) -> str:
    services = getattr(dataset, "services", None)
    if sid and services is not None and sid in services.index:
        return services.at[sid, "name_zh"] or sid
    return sid or ""


def _service_lines(dataset):
    """Service id -> LineString (the drawn course of each service), or ``{}`` when unavailable."""
    services = getattr(dataset, "services", None)
    if services is None:
        from pathlib import Path

        from ..geodata.io import default_dataset_path

        folder = Path(dataset) if dataset is not None else default_dataset_path()
        if not (folder / "services.geojson").exists():
            return {}
        import geopandas as gpd

        services = gpd.read_file(folder / "services.geojson")
        if "id" in services.columns:
            services = services.set_index("id")
    return {sid: geom for sid, geom in zip(services.index, services.geometry, strict=False)
            if geom is not None and geom.geom_type == "LineString"}


def _along_service(services: dict, sid, pts):
    """The part of service ``sid``'s course between the leg's first and last stop (``None`` if unknown)."""
    from shapely.geometry import Point
    from shapely.ops import substring

    line = services.get(sid) if sid else None
    if line is None:
        return None
    a, b = line.project(Point(pts[0])), line.project(Point(pts[-1]))
    # the course must pass close to both ends (0.02 degrees, about 2 km)
    if line.distance(Point(pts[0])) > 0.02 or line.distance(Point(pts[-1])) > 0.02 or abs(a - b) < 1e-9:
        return None
    part = substring(line, min(a, b), max(a, b))
    if part.geom_type != "LineString" or len(part.coords) < 2:
        return None
    coords = list(part.coords)
    if a > b:
        coords.reverse()
    return LineString([pts[0], *coords[1:-1], pts[-1]])


def leg_table(itinerary, G, *, dataset=None, highlight: int | None = None) -> str:
    """Escaped HTML table of every leg: mode, service, from, to, departs at, wait, minutes."""
    rows = []
    for i, leg in enumerate(itinerary.legs):
        mark = "▶ " if highlight == i else ""
        rows.append((f"{mark}{i + 1}", mode_label(leg.mode), _service_name(dataset, leg.service),
                     _name(G, leg.from_), _name(G, leg.to), f"+{fmt_minutes(leg.depart)}",
                     fmt_minutes(leg.wait_minutes), fmt_minutes(leg.minutes)))
    rows.append(("", "", "", "", "total", "", "", fmt_minutes(itinerary.minutes)))
    return grid(("#", "mode", "service", "from", "to", "departs", "wait", "min"), rows)


def route_map(itinerary, G, *, dataset=None, tiles: str = "none", title: str | None = None) -> folium.Map:
    """Map an itinerary leg by leg, each in its mode's colour, with the leg table in every popup.

    Parameters
    ----------
    itinerary
        :class:`network.route.Itinerary` from :func:`network.route.route`.
    G
        The graph the itinerary was found on (node positions and names).
    dataset
        :class:`geodata.io.Dataset` (county basemap and service names) or a
        dataset folder (basemap only); default the embedded dataset.
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
    >>> from qjnet.network import build_graph, route
    >>> G = build_graph(date="2025-07-01")
    >>> m = route_map(route(G, "cq_east", "qianjiang"), G)
    >>> m.qjnet_layers["行程 Legs"] >= 1
    True
    """
    services = _service_lines(dataset)
    lines = []
    for leg in itinerary.legs:
        stops = list(leg.stops) if leg.stops else [leg.from_, leg.to]
        pts = [(float(G.nodes[s]["x"]), float(G.nodes[s]["y"])) for s in stops if s in G]
        if len(pts) == 1:
            pts = pts * 2
        line = _along_service(services, leg.service, pts) if len(pts) >= 2 else None
        lines.append(line if line is not None else (LineString(pts) if pts else None))
    xs = [x for ln in lines if ln is not None for x, _ in ln.coords]
    ys = [y for ln in lines if ln is not None for _, y in ln.coords]
    bounds = (min(xs), min(ys), max(xs), max(ys)) if xs else None
    canvas = result_map(dataset, tiles=tiles, bounds=bounds)

    legs_name, stops_name = "行程 Legs", "站点 Stops"
    legs_group = layer(canvas, legs_name)
    for i, (leg, geom) in enumerate(zip(itinerary.legs, lines, strict=False)):
        if geom is None:
            continue
        service = _service_name(dataset, leg.service)
        tip = (f"{i + 1}. {_name(G, leg.from_)} → {_name(G, leg.to)} · {mode_label(leg.mode)}"
               f"{' ' + service if service else ''} · {fmt_minutes(leg.minutes)} min"
               f"{f' (wait {fmt_minutes(leg.wait_minutes)})' if leg.wait_minutes else ''}")
        popup = (f"<b>{esc(_name(G, itinerary.origin))} → {esc(_name(G, itinerary.destination))}</b>"
                 f"<br>{leg_table(itinerary, G, dataset=dataset, highlight=i)}")
        # a white casing under each leg keeps consecutive legs apart
        for part in canvas.lines(geom):
            folium.PolyLine(part, color="#ffffff", weight=9, opacity=0.9, interactive=False).add_to(legs_group)
        polyline(canvas, legs_group, geom, color=mode_color(leg.mode), weight=5, tooltip=tip,
                 popup_html=popup, opacity=1.0, layer_name=legs_name)

    stops_group = layer(canvas, stops_name)
    points = [itinerary.origin] + [leg.to for leg in itinerary.legs]
    for j, node in enumerate(points):
        if node not in G:
            continue
        d = G.nodes[node]
        role = "出发 Start" if j == 0 else ("到达 Arrive" if j == len(points) - 1 else "换乘 Change")
        at = 0.0 if j == 0 else itinerary.legs[j - 1].depart + itinerary.legs[j - 1].minutes
        end = j in (0, len(points) - 1)
        circle(canvas, stops_group, float(d["x"]), float(d["y"]), radius=8 if end else 5,
               color="#000000", fill_color="#ffffff" if end else "#ffd92f", weight=3 if end else 2, fill_opacity=1.0,
               tooltip=f"{role}: {d.get('name_zh') or node} {d.get('name_en') or ''} · +{fmt_minutes(at)} min",
               popup_html=table([("English", d.get("name_en")), ("role", role), ("at", f"+{fmt_minutes(at)} min")],
                                title=d.get("name_zh") or node),
               layer_name=stops_name)

    seen = []
    for leg in itinerary.legs:
        if leg.mode not in seen:
            seen.append(leg.mode)
    when = f"{itinerary.date or 'any date'}{', scenario ' + itinerary.scenario if itinerary.scenario else ''}"
    html = legend_html("行程 Itinerary", lines=[(mode_color(m), mode_label(m), False) for m in seen],
                       notes=[f"{fmt_minutes(itinerary.minutes)} min door to door · {when}",
                              "Click a leg for the leg table."])
    default_title = (f"{_name(G, itinerary.origin)} → {_name(G, itinerary.destination)} · "
                     f"{fmt_minutes(itinerary.minutes)} min")
    m = finish(canvas, legend=html, title=title or default_title)
    log.info("Route map: %d legs", len(itinerary.legs))
    return m
