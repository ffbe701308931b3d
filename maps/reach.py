"""The reachability map: isochrone bands, reached places coloured by minutes, the origin.

The bands are computed by the caller with :func:`network.isochrones.isochrones`
and passed in; the map only draws them.
"""

from __future__ import annotations

import logging
import math
from typing import TYPE_CHECKING, Any

import folium

from ._provenance import add_toggle, has_provenance, legend_part, popup_rows, style, tooltip_part
from .base import (
    BAND_COLORS,
    KIND_STYLE,
    Canvas,
    band_fill,
    band_frame,
    bands_note,
    circle,
    finish,
    layer,
    legend_html,
    mode_label,
    polygon,
    population_radius,
    result_map,
    rows,
)
from .escape import fmt_minutes, missing, table

if TYPE_CHECKING:
    import geopandas as gpd

    from ..geodata.io import Dataset

log = logging.getLogger(__name__)

__all__ = ["BAND_COLORS", "MINUTE_COLORS", "minute_color", "reach_map", "reach_tooltip"]

#: colour classes of reached places: minutes up to budget * k / 6
MINUTE_COLORS = ("#006837", "#31a354", "#addd8e", "#fed976", "#fd8d3c", "#e31a1c")
PLACES, OTHERS = "到达城区 Places reached", "到达站点 Stations, airports and other nodes reached"


def minute_color(minutes: float, budget: float) -> str:
    """Colour class of ``minutes`` on a six-step green-to-red ramp over ``[0, budget]``."""
    if budget <= 0 or minutes is None or (isinstance(minutes, float) and math.isnan(minutes)):
        return MINUTE_COLORS[0]
    i = min(len(MINUTE_COLORS) - 1, max(0, math.ceil(float(minutes) / budget * len(MINUTE_COLORS)) - 1))
    return MINUTE_COLORS[i]


def _label(row: Any) -> str:
    return f"{row.get('name_zh') or ''} {row.get('name_en') or ''}".strip() or str(row.name)


def reach_tooltip(row: Any, *, reverse: bool = False) -> str:
    """``"黔江站 Qianjiang · 61 min · 高铁 High-speed rail"`` (plain text), then the range and published
    share when the row has them (``" · 61 min (59–63) · published 100%"``)."""
    text = f"{_label(row)} · {fmt_minutes(row.get('minutes'))} min"
    if row.get("mode"):
        text += f" · {'leaves by' if reverse else 'by'} {mode_label(row.get('mode'))}"
    return text + tooltip_part(row, row.get("minutes"))


def reach_map(reached: gpd.GeoDataFrame, *, bands: gpd.GeoDataFrame | None = None, minutes: float | None = None,
              dataset: Dataset | None = None, tiles: str = "none", reverse: bool = False,
              title: str | None = None) -> folium.Map:
    """Map a reach result: isochrone bands, reached nodes coloured by minutes, the origin.

    Parameters
    ----------
    reached
        GeoDataFrame from :func:`network.reach.reach` (index: node id; columns
        ``name_zh``, ``name_en``, ``kind``, ``population``, ``minutes``, ``mode``,
        ``origin``; Point geometry).  With the provenance columns of
        :func:`network.provenance.with_place_provenance` the places that rest
        mostly on modelled minutes are drawn paler with a dashed outline, the
        layers "mostly published" / "mostly modelled" show or hide each kind
        and tooltips give the range.
    bands
        Isochrone bands of ``reached`` from :func:`network.isochrones.isochrones`,
        one layer each; ``None`` draws none.
    minutes
        The time budget of the query; default the largest minutes reached.
    dataset
        :class:`geodata.io.Dataset` object whose county boundaries are the
        basemap; ``None`` draws no basemap.
    tiles
        ``"none"``, ``"osm"`` or ``"gaode"``.
    reverse
        The result answers "who reaches the origin" (labels say so).
    title
        Title box text; default names the origin and budget.

    Returns
    -------
    folium.Map
        Offline map; ``m.qjnet_layers`` maps layer names to feature counts.

    Examples
    --------
    >>> from qjnet.network import build_graph, reach
    >>> from qjnet.network.isochrones import isochrones
    >>> G = build_graph(date="2025-07-01")
    >>> reached = reach(G, "qianjiang", minutes=120)
    >>> m = reach_map(reached, bands=isochrones(reached, bands=(60, 120)), minutes=120)
    >>> [k for k in m.qjnet_layers if k.startswith("≤")]
    ['≤ 120 min', '≤ 60 min']
    """
    budget = float(minutes) if minutes is not None else float(reached["minutes"].max() if len(reached) else 60.0)
    iso = band_frame(bands)
    pts = reached.to_crs("EPSG:4326") if reached.crs is not None else reached
    shown = iso if iso is not None and len(iso) else pts
    canvas = result_map(dataset, tiles=tiles, bounds=shown.total_bounds if len(shown) else None)
    _draw_bands(canvas, iso, reverse=reverse)
    origins = _origins(pts)
    _draw_reached(canvas, pts, origins, budget=budget, reverse=reverse)
    origin_name = _draw_origins(canvas, pts, origins, budget=budget, reverse=reverse)
    known = has_provenance(pts)
    if known:
        add_toggle(canvas)
    names = ", ".join(_label(pts.loc[o]) for o in sorted(origins) if o in pts.index) or "origin"
    default_title = (f"{'到达' if reverse else '从'} {names} {fmt_minutes(budget)} 分钟可达 · "
                     f"{'who reaches it' if reverse else 'reach'} within {fmt_minutes(budget)} min")
    legend = _legend(iso, bands, budget) + (legend_part() if known else "")
    m = finish(canvas, legend=legend, title=title or default_title)
    log.info("Reach map: %d bands, %d nodes, %s", 0 if iso is None else len(iso), len(pts), origin_name)
    return m


def _origins(pts: gpd.GeoDataFrame) -> set[str]:
    """Ids of the query's origins: the ``origin`` column, and every node reached in 0 minutes."""
    origins = {str(o) for o in pts["origin"].dropna()} if "origin" in pts.columns else set()
    return origins | {str(i) for i, m in zip(pts.index, pts["minutes"], strict=True) if m == 0}


def _draw_bands(canvas: Canvas, iso: gpd.GeoDataFrame | None, *, reverse: bool) -> None:
    """One layer per band, largest first so smaller ones sit on top."""
    if iso is None:
        return
    for i, (_, band) in enumerate(iso.iterrows()):
        name = f"≤ {fmt_minutes(band['minutes'])} min"
        polygon(canvas, layer(canvas, name), band.geometry, color=band_fill(len(iso) - 1 - i), fill_opacity=0.22,
                weight=1.2, layer_name=name,
                tooltip=f"{'reaches the origin' if reverse else 'reachable'} within {fmt_minutes(band['minutes'])} min"
                        f" · {band['area_km2']:,.0f} km²")


def _node_popup(nid: Any, row: Any, *, reverse: bool) -> str:
    return table([("English", row.get("name_en")),
                  ("kind", KIND_STYLE.get(row.get("kind"), ("", row.get("kind")))[1]),
                  ("minutes", fmt_minutes(row.get("minutes"))),
                  ("leaves by" if reverse else "arrives by", mode_label(row.get("mode")) if row.get("mode") else ""),
                  ("population", "" if missing(row.get("population")) else f"{int(row['population']):,}"),
                  ("origin", row.get("origin")), *popup_rows(row, row.get("minutes"))],
                 title=row.get("name_zh") or nid)


def _draw_reached(canvas: Canvas, pts: gpd.GeoDataFrame, origins: set[str], *, budget: float, reverse: bool) -> None:
    """Places (sized by population) and other nodes but the origins, coloured by minutes; far ones first."""
    groups = {True: layer(canvas, PLACES), False: layer(canvas, OTHERS)}
    for nid, row in rows(pts.sort_values("minutes", ascending=False)):
        if str(nid) in origins or row.geometry is None or row.geometry.is_empty:
            continue
        is_place = row.get("kind") == "place"
        circle(canvas, groups[is_place], row.geometry.x, row.geometry.y,
               radius=population_radius(row.get("population")) if is_place else 4.0,
               color="#333333" if is_place else "#ffffff", fill_color=minute_color(row.get("minutes"), budget),
               weight=1.2, tooltip=reach_tooltip(row, reverse=reverse), popup_html=_node_popup(nid, row, reverse=reverse),
               layer_name=PLACES if is_place else OTHERS, **style(row))


def _draw_origins(canvas: Canvas, pts: gpd.GeoDataFrame, origins: set[str], *, budget: float, reverse: bool) -> str:
    """The origins (destinations when ``reverse``) as large white circles; returns the layer name."""
    name = "目的地 Destination" if reverse else "出发地 Origin"
    group = layer(canvas, name)
    for nid in sorted(origins):
        if nid not in pts.index:
            continue
        row = pts.loc[nid]
        circle(canvas, group, row.geometry.x, row.geometry.y, radius=10, color="#000000",
               fill_color="#ffffff", weight=4, fill_opacity=1.0, tooltip=f"{name}: {_label(row)}",
               popup_html=table([("English", row.get("name_en")), ("budget", f"{fmt_minutes(budget)} min"),
                                 ("nodes reached", len(pts) - 1)], title=row.get("name_zh") or nid),
               layer_name=name)
    return name


def _legend(iso: gpd.GeoDataFrame | None, bands: gpd.GeoDataFrame | None, budget: float) -> str:
    """Minute classes of the nodes, the bands drawn, and how the bands were made."""
    steps = [budget * k / len(MINUTE_COLORS) for k in range(1, len(MINUTE_COLORS) + 1)]
    dots = [(c, f"≤ {fmt_minutes(s)} min") for c, s in zip(MINUTE_COLORS, steps, strict=True)]
    limits = sorted(iso["minutes"]) if iso is not None else []
    boxes = [(band_fill(i), f"等时圈 band ≤ {fmt_minutes(b)} min") for i, b in enumerate(limits)]
    return legend_html("可达性 Reachability", boxes=boxes, dots=dots, notes=bands_note(bands))
