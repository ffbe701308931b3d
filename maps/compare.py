"""The compare map: before vs after (two dates or scenarios), places coloured by minutes saved."""

from __future__ import annotations

import logging
import math
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

#: (lower bound of minutes saved, colour, label), checked in order
SAVED_CLASSES = (
    (60.0, "#00441b", "saved ≥ 60 min"),
    (30.0, "#238b45", "saved 30–60 min"),
    (10.0, "#74c476", "saved 10–30 min"),
    (0.5, "#c7e9c0", "saved < 10 min"),
    (-0.5, "#bdbdbd", "no change"),
    (-math.inf, "#cb181d", "slower"),
)
NEW_COLOR, LOST_COLOR = "#2171b5", "#6a51a3"


def saved_class(before, after) -> tuple[str, str]:
    """``(colour, label)`` for a place's change from ``before`` to ``after`` minutes (missing: not reached)."""
    if missing(before) and missing(after):
        return "#ffffff", "not reached"
    if missing(before):
        return NEW_COLOR, "newly reached"
    if missing(after):
        return LOST_COLOR, "no longer reached"
    saved = float(before) - float(after)
    for bound, color, label in SAVED_CLASSES:
        if saved >= bound:
            return color, label
    return SAVED_CLASSES[-1][1:]


def _reach_frame(diff, column: str):
    """The rows of ``diff`` reached in ``column``, as a reach-like frame with ``minutes``."""
    rows = diff[[not missing(v) for v in diff[column]]].copy()
    rows["minutes"] = rows[column].astype(float)
    return rows


def _situation(attrs: dict, key: str) -> str:
    info = attrs.get(key) or {}
    parts = [str(info[k]) for k in ("date", "scenario") if info.get(k)]
    return " ".join(parts) or key


def compare_map(diff, *, G=None, bands: Sequence[float] | None = None, labels: Sequence[str] | None = None,
                before: str = "before", after: str = "after", dataset=None, tiles: str = "none",
                title: str | None = None) -> folium.Map:
    """Map a before/after comparison: minutes saved per place and the isochrone bands of both.

    Parameters
    ----------
    diff
        GeoDataFrame from :func:`network.compare.compare`: one row per
        county-level place (index: id) with ``before`` and ``after`` minutes
        (NaN where not reached), ``name_zh``, ``name_en``, ``population`` and
        Point geometry; ``attrs`` hold ``origin``, ``bands`` and the
        ``before``/``after`` date and scenario.
    G
        The "after" graph, to place and name the origin (it is not a row of ``diff``).
    bands
        Isochrone band limits; default ``diff.attrs["bands"]`` (else 60, 120, 180).
    labels
        Names of the two situations; default their dates/scenarios from ``diff.attrs``.
    before, after
        Column names of the two minutes.
    dataset
        Dataset or folder for the county basemap; default the embedded dataset.
    tiles
        ``"none"``, ``"osm"`` or ``"gaode"``.
    title
        Title box text.

    Returns
    -------
    folium.Map
        Offline map: the bands of each situation are two radio layers (the
        toggle); places coloured by minutes saved and the origin are overlays.

    Examples
    --------
    >>> from qjnet.network import build_graph
    >>> from qjnet.network.compare import compare
    >>> G0, G1 = build_graph(date="2025-06-26"), build_graph(date="2025-07-01")
    >>> m = compare_map(compare(G0, G1, "chongqing_core"), G=G1)
    >>> m.qjnet_base_layers
    ['之前 Before: 2025-06-26', '之后 After: 2025-07-01']
    """
    import geopandas as gpd
    import pandas as pd
    from shapely.geometry import Point

    from ..network.isochrones import isochrones

    attrs = dict(getattr(diff, "attrs", {}) or {})
    labels = tuple(labels) if labels is not None else (_situation(attrs, "before"), _situation(attrs, "after"))
    limits = sorted(float(b) for b in (bands if bands is not None else attrs.get("bands") or (60, 120, 180)))
    budget = limits[-1]
    pts = diff.to_crs("EPSG:4326") if diff.crs is not None else diff
    origin = attrs.get("origin")
    origin_row = None
    if origin is not None and G is not None and origin in G:
        d = G.nodes[origin]
        origin_row = gpd.GeoDataFrame({"name_zh": [d.get("name_zh")], "name_en": [d.get("name_en")], "minutes": [0.0]},
                                      geometry=[Point(float(d["x"]), float(d["y"]))], index=[origin],
                                      crs="EPSG:4326")
    iso = {}
    for label, col in zip(labels, (before, after), strict=False):
        frame = _reach_frame(pts, col)
        frame = frame[frame["minutes"] <= budget][["minutes", "geometry"]]
        if origin_row is not None and len(frame):  # the origin itself, when it exists in this situation
            frame = pd.concat([frame, origin_row[["minutes", "geometry"]]])
        iso[label] = isochrones(frame, bands=limits).to_crs("EPSG:4326") if len(frame) else None
    shapes = [g[["geometry"]] for g in iso.values() if g is not None and len(g)]
    # the view: the bands and the places within the budget before or after (else every place reached)
    near = pts[[any(not missing(v) and float(v) <= budget for v in (b, a)) for b, a in zip(pts[before], pts[after], strict=False)]]
    reached = pts[[not (missing(b) and missing(a)) for b, a in zip(pts[before], pts[after], strict=False)]]
    if len(near) or len(reached):
        shapes.append((near if len(near) else reached)[["geometry"]])
    bounds = pd.concat(shapes).total_bounds if shapes else None
    canvas = result_map(dataset, tiles=tiles, bounds=bounds)

    for k, (label, col) in enumerate(zip(labels, (before, after), strict=False)):
        name = f"{'之前 Before' if k == 0 else '之后 After'}: {label}"
        group = layer(canvas, name, base=True, show=(k == 1))
        bands_gdf = iso[label]
        if bands_gdf is None:
            continue
        for i, (_, band) in enumerate(bands_gdf.sort_values("minutes", ascending=False).iterrows()):
            color = BAND_COLORS[min(len(bands_gdf) - 1 - i, len(BAND_COLORS) - 1)]
            polygon(canvas, group, band.geometry, color=color, fill_opacity=0.22, weight=1.2,
                    tooltip=f"{label}: within {fmt_minutes(band['minutes'])} min · {band['area_km2']:,.0f} km²",
                    layer_name=name)

    places_name = "节省时间 Minutes saved"
    places = layer(canvas, places_name)
    order = sorted(pts.index, key=lambda i: _sort_key(pts.loc[i, before], pts.loc[i, after]))
    counts: dict[str, int] = {}
    for nid in order:
        row = pts.loc[nid]
        if str(nid) == str(origin) or row.geometry is None or row.geometry.is_empty:
            continue
        b, a = row[before], row[after]
        color, label = saved_class(b, a)
        if label == "not reached":
            continue
        counts[label] = counts.get(label, 0) + 1
        name = f"{row.get('name_zh') or nid} {row.get('name_en') or ''}".strip()
        both = not (missing(b) or missing(a))
        tip = (f"{name} · {labels[0]} {fmt_minutes(b) or '—'} → {labels[1]} {fmt_minutes(a) or '—'} min"
               + (f" · saved {fmt_minutes(float(b) - float(a))} min" if both and float(b) > float(a) else "")
               + ("" if both else f" · {label}"))
        popup = table([("English", row.get("name_en")),
                       (f"minutes {labels[0]}", fmt_minutes(b) or "not reached"),
                       (f"minutes {labels[1]}", fmt_minutes(a) or "not reached"),
                       ("change", f"{float(a) - float(b):+.1f} min" if both else label),
                       ("population", "" if missing(row.get("population")) else f"{int(row['population']):,}")],
                      title=row.get("name_zh") or nid)
        is_place = (row.get("kind") or "place") == "place"  # compare tables hold county-level places
        circle(canvas, places, row.geometry.x, row.geometry.y,
               radius=population_radius(row.get("population")) if is_place else 4.0,
               color="#333333" if is_place else "#ffffff", fill_color=color, weight=1.2,
               tooltip=tip, popup_html=popup, layer_name=places_name)

    origin_name = "出发地 Origin" if not attrs.get("reverse") else "目的地 Destination"
    if origin_row is not None:
        origin_group = layer(canvas, origin_name)
        row = origin_row.iloc[0]
        circle(canvas, origin_group, row.geometry.x, row.geometry.y, radius=10, color="#000000",
               fill_color="#ffffff", weight=4, fill_opacity=1.0,
               tooltip=f"{origin_name}: {row['name_zh'] or origin} {row['name_en'] or ''}".strip(),
               layer_name=origin_name)

    dots = [(c, f"{lab} ({counts.get(lab, 0)})") for _, c, lab in SAVED_CLASSES]
    dots += [(NEW_COLOR, f"newly reached ({counts.get('newly reached', 0)})"),
             (LOST_COLOR, f"no longer reached ({counts.get('no longer reached', 0)})")]
    boxes = [(BAND_COLORS[min(i, len(BAND_COLORS) - 1)], f"等时圈 band ≤ {fmt_minutes(b)} min")
             for i, b in enumerate(limits)]
    html = legend_html("前后对比 Before / after", dots=dots, boxes=boxes,
                       notes=[(f"Switch the bands between {labels[0]} and {labels[1]} in the layer control "
                               "(top right).")])
    m = finish(canvas, legend=html,
               title=title or f"前后对比 {labels[0]} → {labels[1]} · within {fmt_minutes(budget)} min")
    log.info("Compare map: %d places", sum(counts.values()))
    return m


def _sort_key(before, after) -> float:
    """Draw unchanged places first and the biggest gains last (on top)."""
    if missing(before) or missing(after):
        return 1e9
    return float(before) - float(after)
