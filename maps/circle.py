"""The economic-circle map: county-level places by band, station-to-station and centre-to-centre.

Places are coloured by the bands the model assigned them (``station_band``,
``centre_band``); the isochrone bands of both measures are computed by the
caller (:func:`network.isochrones.circle_isochrones`) and passed in.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import folium

from ._provenance import add_toggle, has_provenance, legend_part, popup_rows, style, tooltip_part
from .base import (
    BAND_COLORS,
    Canvas,
    band_frame,
    circle,
    finish,
    layer,
    legend_html,
    polygon,
    population_radius,
    result_map,
)
from .escape import fmt_minutes, missing, table

if TYPE_CHECKING:
    import geopandas as gpd
    import networkx as nx

    from ..geodata.io import Dataset

log = logging.getLogger(__name__)

#: the two ways of counting a circle: column of minutes, column of bands, layer label
MEASURES = (
    ("station_minutes", "station_band", "站到站 Station to station"),
    ("centre_minutes", "centre_band", "城区到城区 Centre to centre"),
)
OUTSIDE_COLOR = "#bdbdbd"
CENTRE = "中心 Centre"


def band_color(band: Any, bands: Sequence[float]) -> str:
    """Colour of a band limit (nearest band first); grey outside every band."""
    if missing(band):
        return OUTSIDE_COLOR
    ordered = sorted(float(b) for b in bands)
    i = ordered.index(float(band)) if float(band) in ordered else len(ordered) - 1
    return BAND_COLORS[min(i, len(BAND_COLORS) - 1)]


def circle_map(result: gpd.GeoDataFrame, *, bands_station: gpd.GeoDataFrame | None = None,
               bands_centre: gpd.GeoDataFrame | None = None, G: nx.MultiDiGraph | None = None,
               dataset: Dataset | None = None, tiles: str = "none", title: str | None = None) -> folium.Map:
    """Map an economic circle: each county-level place coloured by its band, in two toggled views.

    Parameters
    ----------
    result
        GeoDataFrame from :func:`network.access.economic_circle` (index: place
        id; ``station_minutes``, ``centre_minutes``, ``station_band``,
        ``centre_band``, ``from_station``, ``to_station``, ``name_zh``,
        ``name_en``, ``population``, Point geometry; ``attrs`` with
        ``centre``, ``centre_place``, ``bands``).  With the provenance columns
        of :func:`network.provenance.with_place_provenance` (of the
        centre-to-centre trips) the centre-to-centre view draws places that
        rest mostly on modelled minutes paler and dashed, with a "mostly
        published" / "mostly modelled" toggle and the range in tooltips.
    bands_station, bands_centre
        Isochrone bands of the two measures, as
        :func:`network.isochrones.circle_isochrones` returns them; ``None``
        draws none.
    G
        The graph, to place and name the centre and its stations.
    dataset
        :class:`geodata.io.Dataset` object whose county boundaries are the
        basemap; ``None`` draws no basemap.
    tiles
        ``"none"``, ``"osm"`` or ``"gaode"``.
    title
        Title box text.

    Returns
    -------
    folium.Map
        Offline map with two radio layers, "站到站 Station to station" and
        "城区到城区 Centre to centre" (places coloured by band, bands drawn as
        isochrones), the centre as an overlay, and the per-band place counts
        and population totals of both in the legend.

    Examples
    --------
    >>> from qjnet.network import build_graph, economic_circle
    >>> from qjnet.network.isochrones import circle_isochrones
    >>> G = build_graph(date="2025-07-01")
    >>> result = economic_circle(G, "chongqing_core")
    >>> station, centre = circle_isochrones(result)
    >>> m = circle_map(result, bands_station=station, bands_centre=centre, G=G)
    >>> m.qjnet_base_layers
    ['站到站 Station to station', '城区到城区 Centre to centre']
    """
    attrs = dict(getattr(result, "attrs", {}) or {})
    limits = sorted(float(b) for b in attrs.get("bands") or (60, 120, 180))
    pts = result.to_crs("EPSG:4326") if result.crs is not None else result
    frames = (band_frame(bands_station, name="bands_station"), band_frame(bands_centre, name="bands_centre"))
    canvas = result_map(dataset, tiles=tiles, bounds=_view(pts, frames, limits[-1]))
    for k, ((col, band_col, name), frame) in enumerate(zip(MEASURES, frames, strict=True)):
        group = layer(canvas, name, base=True, show=(k == 0))
        _draw_bands(canvas, group, name, frame, limits)
        _draw_places(canvas, group, name, pts, col, band_col, limits, G)
    centre_place = attrs.get("centre_place") or attrs.get("centre")
    _draw_centre(canvas, G, centre_place)
    known = has_provenance(pts)
    if known:
        add_toggle(canvas)
    centre_label = G.nodes[centre_place].get("name_zh") or centre_place if _has(G, centre_place) else centre_place
    legend = _legend(pts, limits) + (legend_part("centre-to-centre places") if known else "")
    m = finish(canvas, legend=legend, title=title or f"{centre_label or ''} 经济圈 economic circle")
    log.info("Circle map: %d places", len(pts))
    return m


def _has(G: nx.MultiDiGraph | None, node: Any) -> bool:
    return G is not None and node is not None and node in G


def _minutes(value: Any) -> float:
    return float("inf") if missing(value) else float(value)


def _station(G: nx.MultiDiGraph | None, sid: Any) -> str:
    if _has(G, sid):
        return G.nodes[sid].get("name_zh") or str(sid)
    return str(sid)


def _view(pts: gpd.GeoDataFrame, frames: Sequence[gpd.GeoDataFrame | None], budget: float) -> Any:
    """Bounds of the bands and the places inside the largest band (all places if none is)."""
    import pandas as pd

    shapes = [f[["geometry"]] for f in frames if f is not None and len(f)]
    inside = pts[[min(_minutes(s), _minutes(c)) <= budget
                  for s, c in zip(pts["station_minutes"], pts["centre_minutes"], strict=True)]]
    if len(pts):
        shapes.append((inside if len(inside) else pts)[["geometry"]])
    return pd.concat(shapes).total_bounds if shapes else None


def _draw_bands(canvas: Canvas, group: folium.FeatureGroup, name: str, frame: gpd.GeoDataFrame | None,
                limits: Sequence[float]) -> None:
    """A measure's isochrone bands, largest first, in its radio layer."""
    if frame is None:
        return
    for _, band in frame.iterrows():
        polygon(canvas, group, band.geometry, color=band_color(band["minutes"], limits), fill_opacity=0.15,
                weight=1.0, tooltip=f"{name}: within {fmt_minutes(band['minutes'])} min", layer_name=name)


def _place_texts(nid: Any, row: Any, col: str, G: nx.MultiDiGraph | None) -> tuple[str, str]:
    """Tooltip (plain text) and popup (escaped HTML) of one place in the view of minutes column ``col``."""
    minutes = row[col]
    stations = (f"{_station(G, row.get('from_station'))} → {_station(G, row.get('to_station'))}"
                if not missing(row.get("from_station")) else "")
    via = stations if col == "station_minutes" else ""
    tip = (f"{row.get('name_zh') or nid} {row.get('name_en') or ''} · "
           f"{fmt_minutes(minutes) + ' min' if not missing(minutes) else 'no connection'}"
           f"{' (' + via + ')' if via else ''}"
           f"{tooltip_part(row, minutes) if col == 'centre_minutes' else ''}")
    popup = table([("English", row.get("name_en")),
                   ("station to station", f"{fmt_minutes(row['station_minutes'])} min"
                    if not missing(row["station_minutes"]) else "no scheduled connection"),
                   ("stations", stations),
                   ("centre to centre", f"{fmt_minutes(row['centre_minutes'])} min"
                    if not missing(row["centre_minutes"]) else "not reached"),
                   ("population", "" if missing(row.get("population")) else f"{int(row['population']):,}"),
                   *popup_rows(row, row["centre_minutes"], label=" centre to centre")],
                  title=row.get("name_zh") or nid)
    return tip, popup


def _draw_places(canvas: Canvas, group: folium.FeatureGroup, name: str, pts: gpd.GeoDataFrame, col: str,
                 band_col: str, limits: Sequence[float], G: nx.MultiDiGraph | None) -> None:
    """Every place sized by population and coloured by its band in this measure; far ones first."""
    for nid in sorted(pts.index, key=lambda i: -_minutes(pts.loc[i, col])):
        row = pts.loc[nid]
        tip, popup = _place_texts(nid, row, col, G)
        circle(canvas, group, row.geometry.x, row.geometry.y, radius=population_radius(row.get("population")),
               color="#333333", fill_color=band_color(row.get(band_col), limits), weight=1.2, tooltip=tip,
               popup_html=popup, layer_name=name, **(style(row) if col == "centre_minutes" else {}))


def _draw_centre(canvas: Canvas, G: nx.MultiDiGraph | None, centre: Any) -> None:
    """The centre as a large white circle, placed and named by ``G``."""
    if not _has(G, centre):
        return
    d = G.nodes[centre]
    circle(canvas, layer(canvas, CENTRE), float(d["x"]), float(d["y"]), radius=11, color="#000000",
           fill_color="#ffffff", weight=4, fill_opacity=1.0,
           tooltip=f"{CENTRE}: {d.get('name_zh') or centre} {d.get('name_en') or ''}".strip(), layer_name=CENTRE)


def _band_totals(pts: gpd.GeoDataFrame, band_col: str, limits: Sequence[float]) -> list[str]:
    """``"≤120: 5 places, pop. 1,234,567"`` per band (cumulative), from the places' bands."""
    bands = pts[band_col].astype(float)
    parts = []
    for b in limits:
        pop = pts.loc[bands <= b, "population"]
        unknown = int(pop.isna().sum())
        parts.append(f"≤{fmt_minutes(b)}: {len(pop)} places, pop. {int(pop.dropna().sum()):,}"
                     + (f" (+{unknown} unknown)" if unknown else ""))
    return parts


def _legend(pts: gpd.GeoDataFrame, limits: Sequence[float]) -> str:
    """Band colours, and per measure the places and population inside each band."""
    boxes = [(band_color(b, limits), f"≤ {fmt_minutes(b)} min") for b in limits] + [(OUTSIDE_COLOR, "outside")]
    notes = [f"{name} — " + "; ".join(_band_totals(pts, band_col, limits)) for _, band_col, name in MEASURES]
    notes.append("Station to station: scheduled services between the railway stations only. Centre to centre: "
                 "door to door, access included. Switch in the layer control.")
    return legend_html("经济圈 Economic circle", boxes=boxes, notes=notes)
