"""Static maps for reports: every qjnet map as a matplotlib figure, saved as PNG, SVG or PDF.

Each ``*_figure`` function mirrors its folium counterpart (same objects in,
same colours) and returns a :class:`matplotlib.figure.Figure` laid out for an
A4 landscape page: title, the map on the county basemap with Chinese and
English labels of county seats and main stations, a scale bar in km (drawn in
UTM 49N, EPSG:32649), a north arrow, the legend beside the map and a
data-source line.  :func:`save_figure` writes it atomically, the format
chosen by the file's suffix; output is byte-for-byte reproducible.  Maps read
no files and compute nothing of the model: bands come from
:mod:`network.isochrones`.  Drawing needs the CJK font WenQuanYi Micro Hei
(``fonts-wqy-microhei``); without it a :class:`FontMissingError` says so.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ._provenance import has_provenance, kind_of, range_label
from ._static_draw import (
    dot_handle,
    draw_bands,
    draw_lines,
    draw_marker,
    draw_points,
    kind_handles,
    line_handle,
    mode_lines_handles,
    point_size,
    provenance_handles,
)
from ._static_page import (
    FontMissingError,
    Page,
    close_page,
    draw_basemap,
    figure_format,
    metric_bounds,
    new_page,
    save_figure,
    set_view,
    style,
)
from .base import MODE_STYLE, band_frame, check_dataset, mode_color, mode_label
from .escape import fmt_minutes, missing

if TYPE_CHECKING:
    import geopandas as gpd
    import networkx as nx
    from matplotlib.figure import Figure

    from ..geodata.io import Dataset
    from ..network.route import Itinerary

log = logging.getLogger(__name__)


def _modelled(rows: gpd.GeoDataFrame, suffix: str = "") -> list[bool] | None:
    """Which rows rest mostly on modelled minutes (``None`` without provenance columns)."""
    if not has_provenance(rows, suffix):
        return None
    return [kind_of(row, suffix) == "modelled" for _, row in rows.iterrows()]

__all__ = ["KINDS", "FontMissingError", "circle_figure", "compare_figure", "figure_format", "freight_figure",
           "network_figure", "reach_figure", "route_figure", "save_figure", "static_map"]


def _page(title: str, dataset: Dataset | None, bounds: Any, *, axes: int = 1) -> tuple[Figure, list[Page]]:
    """A new figure with ``axes`` maps, each with the county basemap and its view fitted to ``bounds``."""
    check_dataset(dataset)
    fig, all_axes = new_page(title, axes=axes)
    pages = []
    for ax in all_axes:
        draw_basemap(ax, dataset)
        set_view(ax, metric_bounds(bounds))
        ax.set_autoscale_on(False)
        pages.append(Page(fig=fig, ax=ax))
    return fig, pages


def _label_nodes(dataset: Dataset | None, drawn: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame | None:
    """Nodes to label on a result map: the dataset's county seats and the nodes the result drew."""
    import pandas as pd

    nodes = getattr(dataset, "nodes", None)
    if nodes is None or "kind" not in nodes.columns:
        return drawn
    seats = nodes[nodes["kind"] == "place"]
    if drawn is None or not len(drawn):
        return seats
    extra = drawn[[str(i) not in set(map(str, seats.index)) for i in drawn.index]].to_crs(seats.crs)
    return pd.concat([seats, extra[[c for c in extra.columns if c in seats.columns]]])


# --- network --------------------------------------------------------------------------------


def _network_lines(dataset: Dataset, full: Dataset | None, show_access: bool) -> gpd.GeoDataFrame:
    """Every link and service to draw, with its mode key and whether it is dashed."""
    import geopandas as gpd

    from .network import _line_key, _line_records

    records = _line_records(dataset, full)
    keys = [_line_key(row.get("mode"), "road" if kind == "link" else "rail") for kind, row, _ in records]
    frame = gpd.GeoDataFrame({"key": keys, "dashed": [d for _, _, d in records]},
                             geometry=[row.geometry for _, row, _ in records], crs=dataset.nodes.crs)
    frame = frame[frame.geometry.notna()]
    return frame if show_access else frame[frame["key"] != "access"]


def network_figure(dataset: Dataset, *, full: Dataset | None = None, show_access: bool = False,
                   title: str | None = None) -> Figure:
    """Draw a dataset's whole network as a static map: lines by mode, stations, airports and places.

    Parameters
    ----------
    dataset
        A :class:`geodata.io.Dataset` object, with or without a date/scenario
        selection; its ``boundaries`` layer is the basemap.
    full
        The same dataset without selection: its lines not open yet are drawn dashed too.
    show_access
        Also draw the access/transfer links.
    title
        Title text; default names the date and scenario.

    Returns
    -------
    matplotlib.figure.Figure
        An A4 landscape figure; write it with :func:`save_figure`.

    Raises
    ------
    FontMissingError
        The CJK font is not installed.

    Examples
    --------
    >>> from qjnet.geodata.io import apply_selection, load_dataset
    >>> full = load_dataset()
    >>> fig = network_figure(apply_selection(full, date="2025-07-01"), full=full)
    >>> [round(float(v), 2) for v in fig.get_size_inches()]
    [11.69, 8.27]
    """
    from .network import _KIND_ORDER, _MODE_ORDER

    check_dataset(full)
    when = f"{dataset.date}" if dataset.date else "all dates"
    scen = f", scenario {dataset.scenario}" if dataset.scenario else ""
    with style():
        fig, (page,) = _page(title or f"交通网络 Transport network · {when}{scen}", dataset,
                             _places_bounds(dataset))
        lines = _network_lines(dataset, full, show_access)
        drawn = [k for k in _MODE_ORDER if k in set(lines["key"])]
        for key in drawn:
            width = {"access": 0.5, "road": 0.6, "expressway": 1.2, "hsr": 1.8}.get(key, 1.3)
            for dashed in (False, True):
                part = lines[(lines["key"] == key) & (lines["dashed"] == dashed)]
                draw_lines(page, part, color=MODE_STYLE[key][0], width=width, dashed=dashed,
                           zorder=4 + _MODE_ORDER.index(key) * 0.1)
        page.handles += mode_lines_handles(list(reversed(drawn)), bool(lines["dashed"].any()))
        kinds = _draw_network_nodes(page, dataset.nodes, _KIND_ORDER)
        page.handles += kind_handles(list(reversed(kinds)))
        page.notes.append("Positions marked 'estimate' in the data are approximate.")
        return close_page(fig, [page], legend_title="图例 Legend", dataset=dataset, nodes=dataset.nodes)


def _places_bounds(dataset: Dataset) -> Any:
    from .base import _places_bounds as bounds

    return bounds(dataset)


def _draw_network_nodes(page: Page, nodes: gpd.GeoDataFrame, order: Sequence[str]) -> list[str]:
    """Places sized by population, other kinds small; planned ones faint.  Returns the kinds drawn."""
    from .base import KIND_STYLE

    drawn = []
    for kind in order:
        rows = nodes[(nodes["kind"] == kind) & nodes.geometry.notna()]
        if not len(rows):
            continue
        drawn.append(kind)
        place = kind == "place"
        sizes = [point_size(p) for p in rows["population"]] if place else 14.0
        draw_points(page, rows, colors="#fdd49e" if place else KIND_STYLE[kind][0], sizes=sizes,
                    edge=KIND_STYLE[kind][0] if place else "white", zorder=10 + order.index(kind) * 0.1)
    return drawn


# --- reach ----------------------------------------------------------------------------------


def reach_figure(reached: gpd.GeoDataFrame, *, bands: gpd.GeoDataFrame | None = None, minutes: float | None = None,
                 dataset: Dataset | None = None, reverse: bool = False, title: str | None = None,
                 date: Any = None, scenario: Any = None) -> Figure:
    """Draw a reach result as a static map: isochrone bands, reached places coloured by minutes, the origin.

    Parameters
    ----------
    reached
        GeoDataFrame from :func:`network.reach.reach`.
    bands
        Its isochrone bands from :func:`network.isochrones.isochrones`; ``None`` draws none.
    minutes
        The time budget; default the largest minutes reached.
    dataset
        :class:`geodata.io.Dataset` object: county basemap and labels; ``None`` draws neither.
    reverse
        The result answers "who reaches the origin".
    title
        Title text; default names the origin and budget.
    date, scenario
        Date and scenario of the graph, for the data-source line.

    Returns
    -------
    matplotlib.figure.Figure
        An A4 landscape figure; write it with :func:`save_figure`.

    Examples
    --------
    >>> from qjnet.network import build_graph, reach
    >>> from qjnet.network.isochrones import isochrones
    >>> reached = reach(build_graph(date="2025-07-01"), "qianjiang", minutes=120)
    >>> fig = reach_figure(reached, bands=isochrones(reached, bands=(60, 120)), minutes=120)
    >>> fig.texts[0].get_text()
    '从 黔江站 Qianjiang 120 分钟可达 · reach within 120 min'
    """
    from .reach import MINUTE_COLORS, _label, _origins, minute_color

    budget = float(minutes) if minutes is not None else float(reached["minutes"].max() if len(reached) else 60.0)
    iso = band_frame(bands)
    pts = reached.to_crs("EPSG:4326") if reached.crs is not None else reached
    shown = iso if iso is not None and len(iso) else pts
    origins = _origins(pts)
    names = ", ".join(_label(pts.loc[o]) for o in sorted(origins) if o in pts.index) or "origin"
    default = (f"{'到达' if reverse else '从'} {names} {fmt_minutes(budget)} 分钟可达 · "
               f"{'who reaches it' if reverse else 'reach'} within {fmt_minutes(budget)} min")
    with style():
        fig, (page,) = _page(title or default, dataset, shown.total_bounds if len(shown) else None)
        draw_bands(page, iso)
        others = pts[pts.geometry.notna().to_numpy() & [str(i) not in origins for i in pts.index]]
        others = others.sort_values("minutes", ascending=False)
        place = (others["kind"] == "place").to_numpy() if "kind" in others.columns else [True] * len(others)
        modelled = _modelled(others)
        draw_points(page, others, colors=[minute_color(m, budget) for m in others["minutes"]],
                    sizes=[point_size(p) if is_place else 12.0 for p, is_place in zip(
                        others.get("population", [None] * len(others)), place, strict=True)], modelled=modelled)
        page.handles += [dot_handle(c, f"≤ {fmt_minutes(budget * k / len(MINUTE_COLORS))} min")
                         for k, c in enumerate(MINUTE_COLORS, start=1)]
        page.handles += provenance_handles() if modelled is not None else []
        _draw_origin_rows(page, pts, origins, "目的地 Destination" if reverse else "出发地 Origin")
        page.notes += _bands_note(bands)
        return close_page(fig, [page], legend_title="可达性 Reachability", dataset=dataset,
                           nodes=_label_nodes(dataset, pts), date=date, scenario=scenario)


def _draw_origin_rows(page: Page, pts: gpd.GeoDataFrame, origins: set[str], name: str) -> None:
    """The origins as large white circles, and their legend entry."""
    for nid in sorted(origins):
        if nid in pts.index and pts.loc[nid].geometry is not None:
            draw_marker(page, pts.loc[nid].geometry.x, pts.loc[nid].geometry.y)
    page.handles.append(dot_handle("white", name, edge="black", size=10.0))


def _bands_note(bands: gpd.GeoDataFrame | None) -> list[str]:
    from .base import bands_note

    return bands_note(bands)


# --- route ----------------------------------------------------------------------------------


def route_figure(itinerary: Itinerary, G: nx.MultiDiGraph, *, dataset: Dataset | None = None,
                 title: str | None = None) -> Figure:
    """Draw an itinerary as a static map: each leg in its mode's colour, the start, changes and arrival.

    Parameters
    ----------
    itinerary
        :class:`network.route.Itinerary` from :func:`network.route.route`.
    G
        The graph the itinerary was found on (node positions and names).
    dataset
        :class:`geodata.io.Dataset` object: basemap, labels, and the services'
        courses for the legs; ``None`` draws straight legs on no basemap.
    title
        Title text; default "origin → destination, minutes".

    Returns
    -------
    matplotlib.figure.Figure
        An A4 landscape figure; write it with :func:`save_figure`.

    Examples
    --------
    >>> from qjnet.geodata.io import load_dataset
    >>> from qjnet.network import build_graph, route
    >>> ds = load_dataset()
    >>> G = build_graph(ds, date="2025-07-01")
    >>> fig = route_figure(route(G, "cq_east", "qianjiang"), G, dataset=ds)
    >>> fig.texts[0].get_text()
    '重庆东站 → 黔江站 · 61 min'
    """
    from ..network.route import route_to_gdf
    from .route import _bounds, _leg_kind, _leg_provenance, _name

    legs = route_to_gdf(G, itinerary, dataset=dataset).to_crs("EPSG:4326")
    default = (f"{_name(G, itinerary.origin)} → {_name(G, itinerary.destination)} · "
               f"{fmt_minutes(itinerary.minutes)} min")
    with style():
        fig, (page,) = _page(title or default, dataset, _bounds(legs))
        kinds = [_leg_kind(leg) for leg in itinerary.legs]
        for kind, leg, i in zip(kinds, itinerary.legs, range(len(legs)), strict=True):
            draw_lines(page, legs.iloc[[i]][legs.iloc[[i]].geometry.notna()], color=mode_color(leg.mode),
                       width=2.6, casing=True, zorder=6, dashed=kind == "modelled")
        modes = list(dict.fromkeys(leg.mode for leg in itinerary.legs))
        page.handles += [line_handle(mode_color(m), mode_label(m), width=2.6) for m in modes]
        if any(kinds):
            page.handles.append(line_handle("#555555", "虚线 主要模型 Dashed: leg mostly modelled", dashed=True))
            page.notes += [f"{i + 1}. {leg.provenance.source}, {_leg_provenance(leg)[1]}"
                           for i, leg in enumerate(itinerary.legs) if leg.provenance is not None]
        _draw_stops(page, itinerary, G)
        when = f"{itinerary.date or 'any date'}{', scenario ' + itinerary.scenario if itinerary.scenario else ''}"
        p = itinerary.provenance
        total = (f"{range_label(itinerary.minutes, *p.range)} door to door, published {p.published_share:.0%}"
                 if p is not None else f"{fmt_minutes(itinerary.minutes)} min door to door")
        page.notes.insert(0, f"{total} · {when}")
        return close_page(fig, [page], legend_title="行程 Itinerary", dataset=dataset,
                           nodes=_label_nodes(dataset, _stop_nodes(dataset, itinerary)), date=itinerary.date,
                           scenario=itinerary.scenario)


def _stop_nodes(dataset: Dataset | None, itinerary: Itinerary) -> gpd.GeoDataFrame | None:
    """The dataset's rows of the itinerary's start, changes and arrival."""
    nodes = getattr(dataset, "nodes", None)
    if nodes is None:
        return None
    return nodes[nodes.index.isin([itinerary.origin] + [leg.to for leg in itinerary.legs])]


def _draw_stops(page: Page, itinerary: Itinerary, G: nx.MultiDiGraph) -> None:
    """Start and arrival as white circles, changes yellow; their legend entries."""
    points = [itinerary.origin] + [leg.to for leg in itinerary.legs]
    for j, node in enumerate(points):
        if node in G:
            end = j in (0, len(points) - 1)
            draw_marker(page, float(G.nodes[node]["x"]), float(G.nodes[node]["y"]), size=110.0 if end else 50.0,
                        face="white" if end else "#ffd92f")
    page.handles.append(dot_handle("white", "出发/到达 Start / arrival", edge="black", size=9.0))
    if len(points) > 2:
        page.handles.append(dot_handle("#ffd92f", "换乘 Change", edge="black", size=7.0))


# --- compare --------------------------------------------------------------------------------


def compare_figure(diff: gpd.GeoDataFrame, *, bands_before: gpd.GeoDataFrame | None = None,
                   bands_after: gpd.GeoDataFrame | None = None, G: nx.MultiDiGraph | None = None,
                   labels: Sequence[str] | None = None, before: str = "before", after: str = "after",
                   dataset: Dataset | None = None, title: str | None = None) -> Figure:
    """Draw a before/after comparison as a static map: places coloured by minutes saved, both sets of bands.

    The "after" bands are filled, the "before" bands drawn as dashed outlines.

    Parameters
    ----------
    diff
        GeoDataFrame from :func:`network.compare.compare`.
    bands_before, bands_after
        Bands of the two situations from :func:`network.isochrones.compare_isochrones`.
    G
        The "after" graph, to place the origin.
    labels
        Names of the two situations; default their dates/scenarios from ``diff.attrs``.
    before, after
        Column names of the two minutes.
    dataset
        :class:`geodata.io.Dataset` object: county basemap and labels.
    title
        Title text.

    Returns
    -------
    matplotlib.figure.Figure
        An A4 landscape figure; write it with :func:`save_figure`.

    Examples
    --------
    >>> from qjnet.network import build_graph, compare
    >>> from qjnet.network.isochrones import compare_isochrones
    >>> G0, G1 = build_graph(date="2025-06-26"), build_graph(date="2025-07-01")
    >>> diff = compare(G0, G1, "chongqing_core")
    >>> b0, b1 = compare_isochrones(diff, G1)
    >>> fig = compare_figure(diff, bands_before=b0, bands_after=b1, G=G1)
    >>> fig.texts[0].get_text()
    '前后对比 2025-06-26 → 2025-07-01 · within 180 min'
    """
    from .compare import _limits, _situation, _view

    attrs = dict(getattr(diff, "attrs", {}) or {})
    labels = tuple(labels) if labels is not None else (_situation(attrs, "before"), _situation(attrs, "after"))
    frames = (band_frame(bands_before, name="bands_before"), band_frame(bands_after, name="bands_after"))
    limits = _limits(frames, attrs)
    pts = diff.to_crs("EPSG:4326") if diff.crs is not None else diff
    with style():
        fig, (page,) = _page(title or f"前后对比 {labels[0]} → {labels[1]} · within {fmt_minutes(limits[-1])} min",
                             dataset, _view(pts, frames, limits[-1], (before, after)))
        draw_bands(page, frames[1], prefix=f"{labels[1]}:", alpha=0.25)
        draw_bands(page, frames[0], prefix=f"{labels[0]}:", outline_only=True)
        _draw_changes(page, pts, (before, after), origin=attrs.get("origin"))
        _draw_graph_node(page, G, attrs.get("origin"),
                         "目的地 Destination" if attrs.get("reverse") else "出发地 Origin")
        return close_page(fig, [page], legend_title="前后对比 Before / after", dataset=dataset,
                           nodes=_label_nodes(dataset, pts), date=f"{labels[0]} → {labels[1]}",
                           scenario=_scenarios(attrs))


def _scenarios(attrs: dict) -> str | None:
    names = [str((attrs.get(k) or {}).get("scenario")) for k in ("before", "after")
             if (attrs.get(k) or {}).get("scenario")]
    return " → ".join(names) or None


def _draw_changes(page: Page, pts: gpd.GeoDataFrame, columns: tuple[str, str], *, origin: Any) -> None:
    """Every place reached before or after, coloured by its change; a legend entry per class with its count."""
    from .compare import LOST_COLOR, NEW_COLOR, SAVED_CLASSES, _sort_key, saved_class

    before, after = columns
    order = sorted(pts.index, key=lambda i: _sort_key(pts.loc[i, before], pts.loc[i, after]))
    rows = pts.loc[order]
    classes = [saved_class(b, a) for b, a in zip(rows[before], rows[after], strict=True)]
    keep = [label != "not reached" and str(i) != str(origin) and g is not None
            for (_, label), i, g in zip(classes, rows.index, rows.geometry, strict=True)]
    shown = rows[keep]
    colors = [c for (c, _), k in zip(classes, keep, strict=True) if k]
    modelled = _modelled(shown)
    draw_points(page, shown, colors=colors, sizes=[point_size(p) for p in shown.get("population", [None] * len(shown))],
                modelled=modelled)
    counts: dict[str, int] = {}
    for (_, label), k in zip(classes, keep, strict=True):
        counts[label] = counts.get(label, 0) + int(k)
    entries = [(c, lab) for _, c, lab in SAVED_CLASSES] + [(NEW_COLOR, "newly reached"),
                                                           (LOST_COLOR, "no longer reached")]
    page.handles += [dot_handle(c, f"{lab} ({counts.get(lab, 0)})") for c, lab in entries]
    page.handles += provenance_handles() if modelled is not None else []


def _draw_graph_node(page: Page, G: nx.MultiDiGraph | None, node: Any, name: str) -> None:
    """A graph node (origin, centre) as a large white circle with its legend entry."""
    if G is None or node is None or node not in G:
        return
    draw_marker(page, float(G.nodes[node]["x"]), float(G.nodes[node]["y"]))
    page.handles.append(dot_handle("white", name, edge="black", size=10.0))


# --- circle ---------------------------------------------------------------------------------


def circle_figure(result: gpd.GeoDataFrame, *, bands_station: gpd.GeoDataFrame | None = None,
                  bands_centre: gpd.GeoDataFrame | None = None, G: nx.MultiDiGraph | None = None,
                  dataset: Dataset | None = None, title: str | None = None) -> Figure:
    """Draw an economic circle as a static map: two maps side by side, station to station and centre to centre.

    Parameters
    ----------
    result
        GeoDataFrame from :func:`network.access.economic_circle`.
    bands_station, bands_centre
        Isochrone bands of the two measures from :func:`network.isochrones.circle_isochrones`.
    G
        The graph, to place and name the centre (and date the source line).
    dataset
        :class:`geodata.io.Dataset` object: county basemap and labels.
    title
        Title text.

    Returns
    -------
    matplotlib.figure.Figure
        An A4 landscape figure; write it with :func:`save_figure`.

    Examples
    --------
    >>> from qjnet.network import build_graph, economic_circle
    >>> from qjnet.network.isochrones import circle_isochrones
    >>> G = build_graph(date="2025-07-01")
    >>> result = economic_circle(G, "chongqing_core")
    >>> station, centre = circle_isochrones(result)
    >>> fig = circle_figure(result, bands_station=station, bands_centre=centre, G=G)
    >>> [ax.get_title(loc="left") for ax in fig.axes[:2]]
    ['站到站 Station to station', '城区到城区 Centre to centre']
    """
    from .circle import MEASURES, _has, _view

    attrs = dict(getattr(result, "attrs", {}) or {})
    limits = sorted(float(b) for b in attrs.get("bands") or (60, 120, 180))
    pts = result.to_crs("EPSG:4326") if result.crs is not None else result
    frames = (band_frame(bands_station, name="bands_station"), band_frame(bands_centre, name="bands_centre"))
    centre = attrs.get("centre_place") or attrs.get("centre")
    label = (G.nodes[centre].get("name_zh") or centre) if _has(G, centre) else centre
    graph = dict(G.graph) if G is not None else {}
    with style():
        fig, pages = _page(title or f"{label or ''} 经济圈 economic circle", dataset, _view(pts, frames, limits[-1]),
                           axes=2)
        for page, (col, band_col, name), frame in zip(pages, MEASURES, frames, strict=True):
            page.ax.set_title(name, fontsize=10, loc="left")
            _draw_circle_measure(page, pts, frame, col, band_col, limits)
            _draw_graph_node(page, G, centre, "中心 Centre")
        pages[0].notes += _circle_notes(pts, limits)
        return close_page(fig, pages, legend_title="经济圈 Economic circle", dataset=dataset,
                           nodes=_label_nodes(dataset, pts), date=graph.get("date"),
                           scenario=graph.get("scenario"))


def _draw_circle_measure(page: Page, pts: gpd.GeoDataFrame, frame: gpd.GeoDataFrame | None, col: str,
                         band_col: str, limits: Sequence[float]) -> None:
    """One measure: its bands and every place coloured by its band, far ones first."""
    from .circle import OUTSIDE_COLOR, band_color

    if frame is not None and len(frame):
        draw_bands(page, frame, colors=[band_color(b, limits) for b in frame["minutes"]], alpha=0.18,
                   prefix="等时圈 band")
    order = pts.assign(_m=[float("inf") if missing(v) else float(v) for v in pts[col]])
    order = order[order.geometry.notna()].sort_values("_m", ascending=False, kind="stable")
    modelled = _modelled(order) if col == "centre_minutes" else None
    draw_points(page, order, colors=[band_color(b, limits) for b in order[band_col]],
                sizes=[point_size(p) for p in order.get("population", [None] * len(order))], modelled=modelled)
    page.handles += [dot_handle(band_color(b, limits), f"≤ {fmt_minutes(b)} min") for b in limits]
    page.handles.append(dot_handle(OUTSIDE_COLOR, "outside"))
    page.handles += provenance_handles() if modelled is not None else []


def _circle_notes(pts: gpd.GeoDataFrame, limits: Sequence[float]) -> list[str]:
    from .circle import MEASURES, _band_totals

    notes = [f"{name} — " + "; ".join(_band_totals(pts, band_col, limits)) for _, band_col, name in MEASURES]
    notes.append("Station to station: scheduled services between the railway stations only. Centre to centre: "
                 "door to door, access included.")
    return notes


def freight_figure(*args: Any, **kwargs: Any) -> Figure:
    """The freight map as a static figure: see :func:`maps._static_freight.freight_figure`."""
    from ._static_freight import freight_figure as draw

    return draw(*args, **kwargs)


#: kind -> figure function, for :func:`static_map`
KINDS = {"network": network_figure, "reach": reach_figure, "route": route_figure, "compare": compare_figure,
         "circle": circle_figure, "freight": freight_figure}


def static_map(kind: str, *args: Any, **kwargs: Any) -> Figure:
    """The static map of ``kind`` (a key of :data:`KINDS`): calls the matching ``*_figure`` function.

    Raises :class:`ValueError` for an unknown kind.

    Examples
    --------
    >>> from qjnet.geodata.io import load_dataset
    >>> static_map("network", load_dataset(date="2025-07-01")).texts[0].get_text()
    '交通网络 Transport network · 2025-07-01'
    """
    if kind not in KINDS:
        raise ValueError(f"unknown static map kind {kind!r}; use one of {', '.join(KINDS)}")
    return KINDS[kind](*args, **kwargs)

