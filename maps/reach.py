"""The reachability map: isochrone bands, reached places coloured by minutes, the origin."""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence

import folium

from .base import (
    KIND_STYLE,
    circle,
    finish,
    layer,
    legend_html,
    mode_label,
    polygon,
    population_radius,
    result_map,
)
from .escape import fmt_minutes, missing, table

log = logging.getLogger(__name__)

#: band fill colours, nearest band first
BAND_COLORS = ("#1a9850", "#fee08b", "#f46d43", "#a50026", "#762a83", "#2166ac")
#: colour classes of reached places: minutes up to budget * k / 6
MINUTE_COLORS = ("#006837", "#31a354", "#addd8e", "#fed976", "#fd8d3c", "#e31a1c")


def default_bands(budget: float) -> list[float]:
    """60, 120, 180 ... below ``budget``, and ``budget`` itself."""
    bands = [float(b) for b in range(60, int(budget), 60) if b < budget]
    return [*bands, float(budget)]


def minute_color(minutes: float, budget: float) -> str:
    """Colour class of ``minutes`` on a six-step green-to-red ramp over ``[0, budget]``."""
    if budget <= 0 or minutes is None or (isinstance(minutes, float) and math.isnan(minutes)):
        return MINUTE_COLORS[0]
    i = min(len(MINUTE_COLORS) - 1, max(0, math.ceil(float(minutes) / budget * len(MINUTE_COLORS)) - 1))
    return MINUTE_COLORS[i]


def _label(row) -> str:
    return f"{row.get('name_zh') or ''} {row.get('name_en') or ''}".strip() or str(row.name)


def reach_tooltip(row, *, reverse: bool = False) -> str:
    """``"黔江站 Qianjiang · 61 min · 高铁 High-speed rail"`` (plain text)."""
    text = f"{_label(row)} · {fmt_minutes(row.get('minutes'))} min"
    if row.get("mode"):
        text += f" · {'leaves by' if reverse else 'by'} {mode_label(row.get('mode'))}"
    return text


def reach_map(reached, *, minutes: float | None = None, bands: Sequence[float] | None = None,
              dataset=None, tiles: str = "none", reverse: bool = False, access_speed_kmh: float | None = None,
              max_access_minutes: float | None = None, title: str | None = None) -> folium.Map:
    """Map a reach result: isochrone bands, reached nodes coloured by minutes, the origin.

    Parameters
    ----------
    reached
        GeoDataFrame from :func:`network.reach.reach` (index: node id; columns
        ``name_zh``, ``name_en``, ``kind``, ``population``, ``minutes``, ``mode``,
        ``origin``; Point geometry).
    minutes
        The time budget of the query; default the largest minutes reached.
    bands
        Isochrone band limits; default 60, 120, 180 ... below the budget, and the budget.
    dataset
        :class:`geodata.io.Dataset` or dataset folder for the county basemap;
        default the embedded dataset.
    tiles
        ``"none"``, ``"osm"`` or ``"gaode"``.
    reverse
        The result answers "who reaches the origin" (labels say so).
    access_speed_kmh, max_access_minutes
        Passed to :func:`network.isochrones.isochrones` (defaults documented there).
    title
        Title box text; default names the origin and budget.

    Returns
    -------
    folium.Map
        Offline map; ``m.qjnet_layers`` maps layer names to feature counts.

    Examples
    --------
    >>> from qjnet.network import build_graph
    >>> from qjnet.network.reach import reach
    >>> G = build_graph(date="2025-07-01")
    >>> m = reach_map(reach(G, "qianjiang", minutes=120), minutes=120)
    >>> [k for k in m.qjnet_layers if k.startswith("≤")]
    ['≤ 120 min', '≤ 60 min']
    """
    from ..network.isochrones import isochrones

    budget = float(minutes) if minutes is not None else float(reached["minutes"].max() if len(reached) else 60.0)
    limits = sorted(float(b) for b in bands) if bands is not None else default_bands(budget)
    kwargs = {}
    if access_speed_kmh is not None:
        kwargs["access_speed_kmh"] = access_speed_kmh
    if max_access_minutes is not None:
        kwargs["max_access_minutes"] = max_access_minutes
    iso = isochrones(reached, bands=limits, **kwargs).to_crs("EPSG:4326")
    pts = reached.to_crs("EPSG:4326") if reached.crs is not None else reached
    bounds = iso.total_bounds if len(iso) else (pts.total_bounds if len(pts) else None)
    canvas = result_map(dataset, tiles=tiles, bounds=bounds)

    # bands: largest first so smaller ones sit on top
    for i, (_, band) in enumerate(iso.sort_values("minutes", ascending=False).iterrows()):
        name = f"≤ {fmt_minutes(band['minutes'])} min"
        group = layer(canvas, name)
        color = BAND_COLORS[min(len(iso) - 1 - i, len(BAND_COLORS) - 1)]
        polygon(canvas, group, band.geometry, color=color, fill_opacity=0.22, weight=1.2,
                tooltip=f"{'reaches the origin' if reverse else 'reachable'} within {fmt_minutes(band['minutes'])} min"
                        f" · {band['area_km2']:,.0f} km²",
                layer_name=name)

    origins = {str(o) for o in pts["origin"].dropna()} if "origin" in pts.columns else set()
    origins |= {str(i) for i, m in zip(pts.index, pts["minutes"], strict=False) if m == 0}
    places_name, others_name = "到达城区 Places reached", "到达站点 Stations, airports and other nodes reached"
    places_group = layer(canvas, places_name)
    others_group = layer(canvas, others_name)
    # far nodes first so near ones are drawn on top
    for nid, row in pts.sort_values("minutes", ascending=False).iterrows():
        if str(nid) in origins or row.geometry is None or row.geometry.is_empty:
            continue
        is_place = row.get("kind") == "place"
        color = minute_color(row.get("minutes"), budget)
        popup = table([("English", row.get("name_en")),
                       ("kind", KIND_STYLE.get(row.get("kind"), ("", row.get("kind")))[1]),
                       ("minutes", fmt_minutes(row.get("minutes"))),
                       ("leaves by" if reverse else "arrives by", mode_label(row.get("mode")) if row.get("mode") else ""),
                       ("population", "" if missing(row.get("population")) else f"{int(row['population']):,}"),
                       ("origin", row.get("origin"))],
                      title=row.get("name_zh") or nid)
        circle(canvas, places_group if is_place else others_group, row.geometry.x, row.geometry.y,
               radius=population_radius(row.get("population")) if is_place else 4.0,
               color="#333333" if is_place else "#ffffff", fill_color=color, weight=1.2,
               tooltip=reach_tooltip(row, reverse=reverse), popup_html=popup,
               layer_name=places_name if is_place else others_name)

    origin_name = "出发地 Origin" if not reverse else "目的地 Destination"
    origin_group = layer(canvas, origin_name)
    for nid in sorted(origins):
        if nid not in pts.index:
            continue
        row = pts.loc[nid]
        circle(canvas, origin_group, row.geometry.x, row.geometry.y, radius=10, color="#000000",
               fill_color="#ffffff", weight=4, fill_opacity=1.0,
               tooltip=f"{origin_name}: {_label(row)}",
               popup_html=table([("English", row.get("name_en")), ("budget", f"{fmt_minutes(budget)} min"),
                                 ("nodes reached", len(pts) - 1)], title=row.get("name_zh") or nid),
               layer_name=origin_name)

    steps = [budget * k / len(MINUTE_COLORS) for k in range(1, len(MINUTE_COLORS) + 1)]
    dots = [(c, f"≤ {fmt_minutes(s)} min") for c, s in zip(MINUTE_COLORS, steps, strict=False)]
    boxes = [(BAND_COLORS[min(i, len(BAND_COLORS) - 1)], f"等时圈 band ≤ {fmt_minutes(b)} min")
             for i, b in enumerate(sorted(iso["minutes"]))]
    from ..network.isochrones import ACCESS_SPEED_KMH, MAX_ACCESS_MINUTES

    speed = access_speed_kmh or ACCESS_SPEED_KMH
    cap = max_access_minutes or MAX_ACCESS_MINUTES
    notes = [(f"Bands: each reached node buffered by the time left at {fmt_minutes(speed)} km/h straight-line "
              f"local travel (at most {fmt_minutes(cap)} min), unioned per band.")]
    html = legend_html("可达性 Reachability", boxes=boxes, dots=dots, notes=notes)
    names = ", ".join(_label(pts.loc[o]) for o in sorted(origins) if o in pts.index) or "origin"
    default_title = (f"{'到达' if reverse else '从'} {names} {fmt_minutes(budget)} 分钟可达 · "
                     f"{'who reaches it' if reverse else 'reach'} within {fmt_minutes(budget)} min")
    m = finish(canvas, legend=html, title=title or default_title)
    log.info("Reach map: %d bands, %d nodes", len(iso), len(pts))
    return m
