"""The economic-circle map: county-level places by band, station-to-station and centre-to-centre."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import folium

from .base import (
    circle,
    finish,
    layer,
    legend_html,
    polygon,
    population_radius,
    result_map,
)
from .escape import fmt_minutes, missing, table
from .reach import BAND_COLORS

log = logging.getLogger(__name__)

#: the two ways of counting a circle: column of minutes, layer label
MEASURES = (
    ("station_minutes", "站到站 Station to station"),
    ("centre_minutes", "城区到城区 Centre to centre"),
)
OUTSIDE_COLOR = "#bdbdbd"


def band_color(band, bands: Sequence[float]) -> str:
    """Colour of a band limit (nearest band first); grey outside every band."""
    if missing(band):
        return OUTSIDE_COLOR
    ordered = sorted(float(b) for b in bands)
    i = ordered.index(float(band)) if float(band) in ordered else len(ordered) - 1
    return BAND_COLORS[min(i, len(BAND_COLORS) - 1)]


def circle_map(result, *, G=None, bands: Sequence[float] | None = None, dataset=None, tiles: str = "none",
               title: str | None = None) -> folium.Map:
    """Map an economic circle: each county-level place coloured by its band, in two toggled views.

    Parameters
    ----------
    result
        GeoDataFrame from :func:`network.access.economic_circle` (index: place
        id; ``station_minutes``, ``centre_minutes``, ``from_station``,
        ``to_station``, ``name_zh``, ``name_en``, ``population``, Point
        geometry; ``attrs`` with ``centre``, ``centre_place``, ``bands``).
    G
        The graph, to place and name the centre and its stations.
    bands
        Band limits; default ``result.attrs["bands"]`` (else 60, 120, 180).
    dataset
        Dataset or folder for the county basemap; default the embedded dataset.
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
    >>> from qjnet.network import build_graph
    >>> from qjnet.network.access import economic_circle
    >>> G = build_graph(date="2025-07-01")
    >>> m = circle_map(economic_circle(G, "chongqing_core"), G=G)
    >>> m.qjnet_base_layers
    ['站到站 Station to station', '城区到城区 Centre to centre']
    """
    import pandas as pd

    from ..network.isochrones import isochrones

    attrs = dict(getattr(result, "attrs", {}) or {})
    limits = sorted(float(b) for b in (bands if bands is not None else attrs.get("bands") or (60, 120, 180)))
    pts = result.to_crs("EPSG:4326") if result.crs is not None else result
    centre_place = attrs.get("centre_place") or attrs.get("centre")
    centre_pt = None
    if G is not None and centre_place in G:
        d = G.nodes[centre_place]
        centre_pt = (float(d["x"]), float(d["y"]), d.get("name_zh") or centre_place, d.get("name_en") or "")

    isos = {}
    for col, _ in MEASURES:
        frame = pts[[not missing(v) for v in pts[col]]][["geometry"]].copy()
        frame["minutes"] = pts.loc[frame.index, col].astype(float)
        isos[col] = isochrones(frame, bands=limits).to_crs("EPSG:4326") if len(frame) else None
    # the view: the bands and the places inside the largest band (all places if none is)
    shapes = [g[["geometry"]] for g in isos.values() if g is not None and len(g)]
    inside = pts[[min(_minutes(s), _minutes(c)) <= limits[-1]
                  for s, c in zip(pts["station_minutes"], pts["centre_minutes"], strict=False)]]
    if len(inside) or len(pts):
        shapes.append((inside if len(inside) else pts)[["geometry"]])
    bounds = pd.concat(shapes).total_bounds if shapes else None
    canvas = result_map(dataset, tiles=tiles, bounds=bounds)

    summary = {}
    for k, (col, name) in enumerate(MEASURES):
        group = layer(canvas, name, base=True, show=(k == 0))
        iso = isos[col]
        if iso is not None:
            for i, (_, band) in enumerate(iso.sort_values("minutes", ascending=False).iterrows()):
                polygon(canvas, group, band.geometry, color=band_color(band["minutes"], limits), fill_opacity=0.15,
                        weight=1.0, tooltip=f"{name}: within {fmt_minutes(band['minutes'])} min",
                        layer_name=name)
        counts = []
        for b in limits:
            inside = pts[[not missing(v) and float(v) <= b for v in pts[col]]]
            pop = inside["population"]
            counts.append((b, len(inside), int(pop.dropna().sum()), int(pop.isna().sum())))
        summary[col] = counts
        for nid in sorted(pts.index, key=lambda i: -_minutes(pts.loc[i, col])):
            row = pts.loc[nid]
            minutes = row[col]
            band = next((b for b in limits if not missing(minutes) and float(minutes) <= b), None)
            via = ""
            if col == "station_minutes" and not missing(row.get("from_station")):
                via = f"{_station(G, row.get('from_station'))} → {_station(G, row.get('to_station'))}"
            tip = (f"{row.get('name_zh') or nid} {row.get('name_en') or ''} · "
                   f"{fmt_minutes(minutes) + ' min' if not missing(minutes) else 'no connection'}"
                   f"{' (' + via + ')' if via else ''}")
            popup = table([("English", row.get("name_en")),
                           ("station to station", f"{fmt_minutes(row['station_minutes'])} min"
                            if not missing(row["station_minutes"]) else "no scheduled connection"),
                           ("stations", via or (f"{_station(G, row.get('from_station'))} → "
                                                f"{_station(G, row.get('to_station'))}"
                                                if not missing(row.get("from_station")) else "")),
                           ("centre to centre", f"{fmt_minutes(row['centre_minutes'])} min"
                            if not missing(row["centre_minutes"]) else "not reached"),
                           ("population", "" if missing(row.get("population")) else f"{int(row['population']):,}")],
                          title=row.get("name_zh") or nid)
            circle(canvas, group, row.geometry.x, row.geometry.y, radius=population_radius(row.get("population")),
                   color="#333333", fill_color=band_color(band, limits), weight=1.2, tooltip=tip,
                   popup_html=popup, layer_name=name)

    centre_name = "中心 Centre"
    if centre_pt is not None:
        group = layer(canvas, centre_name)
        x, y, zh, en = centre_pt
        circle(canvas, group, x, y, radius=11, color="#000000", fill_color="#ffffff", weight=4, fill_opacity=1.0,
               tooltip=f"{centre_name}: {zh} {en}".strip(), layer_name=centre_name)

    boxes = [(band_color(b, limits), f"≤ {fmt_minutes(b)} min") for b in limits] + [(OUTSIDE_COLOR, "outside")]
    notes = []
    for col, name in MEASURES:
        parts = [f"≤{fmt_minutes(b)}: {n} places, pop. {p:,}" + (f" (+{u} unknown)" if u else "")
                 for b, n, p, u in summary[col]]
        notes.append(f"{name} — " + "; ".join(parts))
    notes.append("Station to station: scheduled services between the railway stations only. Centre to centre: "
                 "door to door, access included. Switch in the layer control.")
    html = legend_html("经济圈 Economic circle", boxes=boxes, notes=notes)
    centre_label = centre_pt[2] if centre_pt else (centre_place or "")
    m = finish(canvas, legend=html, title=title or f"{centre_label} 经济圈 economic circle")
    log.info("Circle map: %d places", len(pts))
    return m


def _minutes(value) -> float:
    return float("inf") if missing(value) else float(value)


def _station(G, sid) -> str:
    if G is not None and sid in G:
        return G.nodes[sid].get("name_zh") or str(sid)
    return str(sid)
