"""The compare map: before vs after (two dates or scenarios), places coloured by minutes saved.

The bands of both situations are computed by the caller
(:func:`network.isochrones.compare_isochrones`) and passed in.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import folium

from ._provenance import add_toggle, has_provenance, legend_part, popup_rows, style, tooltip_part
from .base import (
    Canvas,
    band_fill,
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
PLACES = "节省时间 Minutes saved"


def saved_class(before: Any, after: Any) -> tuple[str, str]:
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


def _situation(attrs: dict, key: str) -> str:
    info = attrs.get(key) or {}
    parts = [str(info[k]) for k in ("date", "scenario") if info.get(k)]
    return " ".join(parts) or key


def compare_map(diff: gpd.GeoDataFrame, *, bands_before: gpd.GeoDataFrame | None = None,
                bands_after: gpd.GeoDataFrame | None = None, G: nx.MultiDiGraph | None = None,
                labels: Sequence[str] | None = None, before: str = "before", after: str = "after",
                dataset: Dataset | None = None, tiles: str = "none", title: str | None = None) -> folium.Map:
    """Map a before/after comparison: minutes saved per place and the isochrone bands of both.

    Parameters
    ----------
    diff
        GeoDataFrame from :func:`network.compare.compare`: one row per
        county-level place (index: id) with ``before`` and ``after`` minutes
        (NaN where not reached), ``name_zh``, ``name_en``, ``population`` and
        Point geometry; ``attrs`` hold ``origin``, ``bands`` and the
        ``before``/``after`` date and scenario.  With the provenance columns of
        :func:`network.provenance.with_place_provenance` (those of the "before"
        network with the suffix ``_before``) places resting mostly on modelled
        minutes after the change are drawn paler and dashed, with a "mostly
        published" / "mostly modelled" toggle and the ranges in tooltips.
    bands_before, bands_after
        Isochrone bands of the two situations, as
        :func:`network.isochrones.compare_isochrones` returns them; ``None``
        draws none.
    G
        The "after" graph, to place and name the origin (it is not a row of ``diff``).
    labels
        Names of the two situations; default their dates/scenarios from ``diff.attrs``.
    before, after
        Column names of the two minutes.
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
        Offline map: the bands of each situation are two radio layers (the
        toggle); places coloured by minutes saved and the origin are overlays.

    Examples
    --------
    >>> from qjnet.network import build_graph, compare
    >>> from qjnet.network.isochrones import compare_isochrones
    >>> G0, G1 = build_graph(date="2025-06-26"), build_graph(date="2025-07-01")
    >>> diff = compare(G0, G1, "chongqing_core")
    >>> bands_before, bands_after = compare_isochrones(diff, G1)
    >>> m = compare_map(diff, bands_before=bands_before, bands_after=bands_after, G=G1)
    >>> m.qjnet_base_layers
    ['之前 Before: 2025-06-26', '之后 After: 2025-07-01']
    """
    attrs = dict(getattr(diff, "attrs", {}) or {})
    labels = tuple(labels) if labels is not None else (_situation(attrs, "before"), _situation(attrs, "after"))
    frames = (band_frame(bands_before, name="bands_before"), band_frame(bands_after, name="bands_after"))
    limits = _limits(frames, attrs)
    pts = diff.to_crs("EPSG:4326") if diff.crs is not None else diff
    origin = attrs.get("origin")
    canvas = result_map(dataset, tiles=tiles, bounds=_view(pts, frames, limits[-1], (before, after)))
    for k, (label, frame) in enumerate(zip(labels, frames, strict=True)):
        _draw_situation(canvas, k, label, frame)
    counts = _draw_places(canvas, pts, labels, (before, after), origin=origin)
    _draw_origin(canvas, G, origin, reverse=bool(attrs.get("reverse")))
    known = has_provenance(pts)
    if known:
        add_toggle(canvas)
    legend = (_legend(counts, limits if any(f is not None for f in frames) else [], labels)
              + (legend_part(f"places (by their answer {labels[1]})") if known else ""))
    m = finish(canvas, legend=legend,
               title=title or f"前后对比 {labels[0]} → {labels[1]} · within {fmt_minutes(limits[-1])} min")
    log.info("Compare map: %d places", sum(counts.values()))
    return m


def _limits(frames: Sequence[gpd.GeoDataFrame | None], attrs: dict) -> list[float]:
    """Band limits: those of the bands given, else ``attrs["bands"]`` (else 60, 120, 180)."""
    drawn = {float(b) for f in frames if f is not None for b in f["minutes"]}
    return sorted(drawn or {float(b) for b in attrs.get("bands") or (60, 120, 180)})


def _view(pts: gpd.GeoDataFrame, frames: Sequence[gpd.GeoDataFrame | None], budget: float,
          columns: tuple[str, str]) -> Any:
    """Bounds of the bands and the places within ``budget`` before or after (else every place reached)."""
    import pandas as pd

    minutes = pts[list(columns)].astype(float)
    near, reached = pts[(minutes <= budget).any(axis=1)], pts[minutes.notna().any(axis=1)]
    shapes = [f[["geometry"]] for f in frames if f is not None and len(f)]
    if len(near) or len(reached):
        shapes.append((near if len(near) else reached)[["geometry"]])
    return pd.concat(shapes).total_bounds if shapes else None


def _draw_situation(canvas: Canvas, k: int, label: str, frame: gpd.GeoDataFrame | None) -> None:
    """One radio layer with a situation's bands (the "after" one shown first)."""
    name = f"{'之前 Before' if k == 0 else '之后 After'}: {label}"
    group = layer(canvas, name, base=True, show=(k == 1))
    if frame is None:
        return
    for i, (_, band) in enumerate(frame.iterrows()):
        polygon(canvas, group, band.geometry, color=band_fill(len(frame) - 1 - i), fill_opacity=0.22, weight=1.2,
                tooltip=f"{label}: within {fmt_minutes(band['minutes'])} min · {band['area_km2']:,.0f} km²",
                layer_name=name)


def _place_texts(nid: Any, row: Any, labels: Sequence[str], b: Any, a: Any, label: str) -> tuple[str, str]:
    """Tooltip (plain text) and popup (escaped HTML) of one place."""
    name = f"{row.get('name_zh') or nid} {row.get('name_en') or ''}".strip()
    both = not (missing(b) or missing(a))
    tip = (f"{name} · {labels[0]} {fmt_minutes(b) or '—'} → {labels[1]} {fmt_minutes(a) or '—'} min"
           + (f" · saved {fmt_minutes(float(b) - float(a))} min" if both and float(b) > float(a) else "")
           + ("" if both else f" · {label}")
           + tooltip_part(row, a))
    popup = table([("English", row.get("name_en")),
                   (f"minutes {labels[0]}", fmt_minutes(b) or "not reached"),
                   (f"minutes {labels[1]}", fmt_minutes(a) or "not reached"),
                   ("change", f"{float(a) - float(b):+.1f} min" if both else label),
                   ("population", "" if missing(row.get("population")) else f"{int(row['population']):,}"),
                   *popup_rows(row, b, "_before", label=f" {labels[0]}"),
                   *popup_rows(row, a, label=f" {labels[1]}")],
                  title=row.get("name_zh") or nid)
    return tip, popup


def _draw_places(canvas: Canvas, pts: gpd.GeoDataFrame, labels: Sequence[str], columns: tuple[str, str], *,
                 origin: Any) -> dict[str, int]:
    """Every place reached before or after, coloured by its change; returns the count per class."""
    group = layer(canvas, PLACES)
    before, after = columns
    counts: dict[str, int] = {}
    for nid in sorted(pts.index, key=lambda i: _sort_key(pts.loc[i, before], pts.loc[i, after])):
        row = pts.loc[nid]
        b, a = row[before], row[after]
        color, label = saved_class(b, a)
        if str(nid) == str(origin) or row.geometry is None or row.geometry.is_empty or label == "not reached":
            continue
        counts[label] = counts.get(label, 0) + 1
        tip, popup = _place_texts(nid, row, labels, b, a, label)
        is_place = (row.get("kind") or "place") == "place"  # compare tables hold county-level places
        circle(canvas, group, row.geometry.x, row.geometry.y,
               radius=population_radius(row.get("population")) if is_place else 4.0,
               color="#333333" if is_place else "#ffffff", fill_color=color, weight=1.2,
               tooltip=tip, popup_html=popup, layer_name=PLACES, **style(row))
    return counts


def _draw_origin(canvas: Canvas, G: nx.MultiDiGraph | None, origin: Any, *, reverse: bool) -> None:
    """The origin (destination when ``reverse``), placed and named by ``G``."""
    if G is None or origin is None or origin not in G:
        return
    name = "目的地 Destination" if reverse else "出发地 Origin"
    d = G.nodes[origin]
    circle(canvas, layer(canvas, name), float(d["x"]), float(d["y"]), radius=10, color="#000000",
           fill_color="#ffffff", weight=4, fill_opacity=1.0,
           tooltip=f"{name}: {d.get('name_zh') or origin} {d.get('name_en') or ''}".strip(), layer_name=name)


def _legend(counts: dict[str, int], limits: Sequence[float], labels: Sequence[str]) -> str:
    """Change classes with their counts, the bands, and how to switch situations."""
    dots = [(c, f"{lab} ({counts.get(lab, 0)})") for _, c, lab in SAVED_CLASSES]
    dots += [(NEW_COLOR, f"newly reached ({counts.get('newly reached', 0)})"),
             (LOST_COLOR, f"no longer reached ({counts.get('no longer reached', 0)})")]
    boxes = [(band_fill(i), f"等时圈 band ≤ {fmt_minutes(b)} min") for i, b in enumerate(limits)]
    return legend_html("前后对比 Before / after", dots=dots, boxes=boxes,
                       notes=[(f"Switch the bands between {labels[0]} and {labels[1]} in the layer control "
                               "(top right).")])


def _sort_key(before: Any, after: Any) -> float:
    """Draw unchanged places first and the biggest gains last (on top)."""
    if missing(before) or missing(after):
        return 1e9
    return float(before) - float(after)
