"""The network map: every line by mode, stations, airports and places of a dataset."""

from __future__ import annotations

import logging

import folium

from .base import (
    DASH,
    KIND_STYLE,
    MODE_STYLE,
    base_map,
    circle,
    finish,
    layer,
    legend_html,
    mode_key,
    mode_label,
    polyline,
    population_radius,
)
from .escape import fmt_minutes, missing, table

log = logging.getLogger(__name__)

#: draw order and layer of each mode (bottom first)
_MODE_ORDER = ("access", "road", "expressway", "freight_rail", "rail", "hsr", "ga", "air")
_KIND_ORDER = ("place", "logistics", "poi", "rail_station", "hsr_station", "ga_airport", "airport")
_STATUS_ZH = {"open": "运营 open", "under_construction": "在建 under construction", "planned": "规划 planned"}


def _text(value) -> str:
    if missing(value):
        return ""
    return str(value)


def _names(nodes, ids) -> str:
    out = []
    for i in ids:
        out.append(_text(nodes.at[i, "name_zh"]) if i in nodes.index else str(i))
    return " – ".join(out)


def node_label(row) -> str:
    """``"黔江区 Qianjiang District"``: the Chinese and English names of a node row."""
    return f"{_text(row.get('name_zh'))} {_text(row.get('name_en'))}".strip()


def node_popup(row) -> str:
    """Escaped popup HTML for a node row: names, kind, population, dates, status, source."""
    pop = row.get("population")
    pop_text = ""
    if _text(pop):
        pop_text = f"{int(pop):,}" + (f" ({_text(row.get('pop_year'))})" if _text(row.get("pop_year")) else "")
    return table([
        ("English", row.get("name_en")),
        ("kind", KIND_STYLE.get(row.get("kind"), ("", row.get("kind")))[1] or row.get("kind")),
        ("population", pop_text),
        ("opened", row.get("opened")),
        ("closed", row.get("closed")),
        ("status", _STATUS_ZH.get(row.get("status"), row.get("status"))),
        ("position", f"{_text(row.get('coord_quality'))} {_text(row.get('coord_note'))}".strip()),
        ("source", row.get("source")),
    ], title=row.get("name_zh"))


def _service_popup(row, nodes) -> str:
    stops = list(row.get("stops") or [])
    minutes = list(row.get("minutes") or [])
    freq = ""
    if _text(row.get("headway_min")):
        freq = f"every {fmt_minutes(row.get('headway_min'))} min"
    elif _text(row.get("per_day")):
        freq = f"{fmt_minutes(row.get('per_day'))} per day"
    days = row.get("days")
    return table([
        ("English", row.get("name_en")),
        ("mode", mode_label(row.get("mode"))),
        ("line", row.get("line")),
        ("stops", _names(nodes, stops)),
        ("end to end", f"{fmt_minutes(minutes[-1])} min" if minutes else ""),
        ("frequency", freq),
        ("days", ",".join(str(d) for d in days) if days is not None and len(days) else ""),
        ("opened", row.get("opened")),
        ("status", _STATUS_ZH.get(row.get("status"), row.get("status"))),
        ("capacity", row.get("capacity")),
        ("assumptions", row.get("assumptions")),
        ("source", row.get("source")),
    ], title=row.get("name_zh") or row.get("id"))


def _link_popup(row, nodes) -> str:
    a, b = row.get("from"), row.get("to")
    title = f"{_names(nodes, [a, b])}"
    return table([
        ("mode", mode_label(row.get("mode"))),
        ("road", row.get("road")),
        ("minutes", fmt_minutes(row.get("minutes"))),
        ("length km", fmt_minutes(row.get("length_km"))),
        ("speed km/h", fmt_minutes(row.get("speed_kmh"))),
        ("opened", row.get("opened")),
        ("status", _STATUS_ZH.get(row.get("status"), row.get("status"))),
        ("source", row.get("source")),
    ], title=title)


def _not_open(row) -> bool:
    """Whether a record is drawn dashed: not open (planned, under construction; a scenario may add it)."""
    return row.get("status") != "open"


def _line_key(mode, fallback: str) -> str:
    key = mode_key(str(mode))
    return key if key in MODE_STYLE else fallback


def network_map(dataset, *, tiles: str = "none", full=None, show_access: bool = False,
                title: str | None = None) -> folium.Map:
    """Draw a dataset's whole network: lines by mode, stations, airports and places.

    Lines are coloured by mode, one layer per mode in the layer control;
    planned and under-construction lines are dashed.  Places are circles whose
    area grows with population; stations, airports, logistics nodes and sights
    are small circles coloured by kind.  Every feature has a tooltip (Chinese
    and English name) and a popup (opening date, status, source, ...).

    Parameters
    ----------
    dataset
        A :class:`geodata.io.Dataset` (as :func:`geodata.io.load_dataset` returns),
        with or without a date/scenario selection.
    tiles
        ``"none"`` (county basemap only, no network), ``"osm"`` or ``"gaode"``.
    full
        The same dataset without selection: its services and links that the
        selection left out because they are not open yet (planned, under
        construction or opening later) are drawn dashed too.
    show_access
        Show the access/transfer links layer when the map opens (it is in the
        layer control either way).
    title
        Text of the title box; default names the dataset and its date.

    Returns
    -------
    folium.Map
        An offline map (see :mod:`maps.offline`); ``m.qjnet_layers`` maps each
        layer name to its number of features.

    Examples
    --------
    >>> from qjnet.geodata.io import load_dataset
    >>> m = network_map(load_dataset())
    >>> m.qjnet_layers["高铁 High-speed rail"] > 0
    True
    """
    canvas = base_map(dataset, tiles=tiles)
    nodes = dataset.nodes
    services = dataset.services
    links = dataset.links
    extra_services, extra_links = _unopened(dataset, full)

    present = {_line_key(row.get("mode"), "road") for frame in (links, extra_links) for _, row in frame.iterrows()}
    present |= {_line_key(row.get("mode"), "rail") for frame in (services, extra_services)
                for _, row in frame.iterrows()}
    groups = {key: layer(canvas, MODE_STYLE[key][1], show=(key != "access" or show_access))
              for key in _MODE_ORDER if key in present}
    counts = dict.fromkeys(_MODE_ORDER, 0)
    seen_modes: dict[str, set] = {k: set() for k in _MODE_ORDER}

    def draw_link(row, dashed):
        key = _line_key(row.get("mode"), "road")
        a, b = row.get("from"), row.get("to")
        tip = f"{_names(nodes if a in nodes.index else (full.nodes if full is not None else nodes), [a, b])}" \
              f" · {mode_label(row.get('mode'))}"
        if _text(row.get("minutes")):
            tip += f" · {fmt_minutes(row.get('minutes'))} min"
        n = polyline(canvas, groups[key], row.geometry, color=MODE_STYLE[key][0],
                     weight=2 if key in ("access", "road") else 3, dashed=dashed, tooltip=tip,
                     popup_html=_link_popup(row, nodes if full is None else full.nodes),
                     layer_name=MODE_STYLE[key][1])
        counts[key] += n
        seen_modes[key].add(dashed)

    def draw_service(row, dashed):
        key = _line_key(row.get("mode"), "rail")
        tip = f"{node_label(row)} · {mode_label(row.get('mode'))}"
        if dashed:
            tip += f" · {_STATUS_ZH.get(row.get('status'), row.get('status'))}"
        n = polyline(canvas, groups[key], row.geometry, color=MODE_STYLE[key][0],
                     weight=4 if key == "hsr" else 3, dashed=dashed, tooltip=tip,
                     popup_html=_service_popup(row, nodes if full is None else full.nodes),
                     layer_name=MODE_STYLE[key][1])
        counts[key] += n
        seen_modes[key].add(dashed)

    for _, row in links.iterrows():
        draw_link(row, _not_open(row))
    for _, row in extra_links.iterrows():
        draw_link(row, True)
    for _, row in services.iterrows():
        draw_service(row, _not_open(row))
    for _, row in extra_services.iterrows():
        draw_service(row, True)

    kind_groups = {kind: layer(canvas, KIND_STYLE[kind][1]) for kind in _KIND_ORDER if (nodes["kind"] == kind).any()}
    for kind in _KIND_ORDER:
        for nid, row in nodes[nodes["kind"] == kind].iterrows():
            pt = row.geometry
            if pt is None or pt.is_empty:
                continue
            color = KIND_STYLE[kind][0]
            planned = row.get("status") != "open"
            radius = population_radius(row.get("population")) if kind == "place" else 4.5
            circle(canvas, kind_groups[kind], pt.x, pt.y, radius=radius, color="#ffffff" if kind != "place" else color,
                   fill_color=color if kind != "place" else "#fdd49e", weight=1.5 if kind != "place" else 2,
                   fill_opacity=0.5 if planned else 0.9, tooltip=node_label(row), popup_html=node_popup(row),
                   layer_name=KIND_STYLE[kind][1])

    legend_lines = []
    for key in reversed(_MODE_ORDER):
        if seen_modes[key]:
            legend_lines.append((MODE_STYLE[key][0], MODE_STYLE[key][1], False))
    legend_lines.append(("#555555", "虚线 规划/在建 Dashed: planned or under construction", True))
    dots = [(KIND_STYLE[k][0] if k != "place" else "#fdd49e", KIND_STYLE[k][1]) for k in reversed(_KIND_ORDER)
            if (nodes["kind"] == k).any()]
    when = f"{dataset.date}" if dataset.date else "all dates"
    scen = f", scenario {dataset.scenario}" if dataset.scenario else ""
    notes = [f"Data: {dataset.path.name} ({when}{scen}). Positions marked 'estimate' are approximate."]
    html = legend_html("图例 Legend", lines=legend_lines, dots=dots, notes=notes)
    m = finish(canvas, legend=html, title=title or f"交通网络 Transport network · {when}{scen}",
               legend_position="bottomleft")
    log.info("Network map: %d line features, %d nodes, tiles %s",
             sum(counts.values()), len(nodes), tiles)
    return m


def _unopened(dataset, full):
    """Services and links of ``full`` that ``dataset``'s selection left out because they are not open yet."""
    import datetime as dt

    import pandas as pd

    from ..geodata.io import parse_date

    if full is None:
        return dataset.services.iloc[0:0], dataset.links.iloc[0:0]
    day = dataset.date or dt.date.today()

    def pick(all_rows, kept):
        keep = []
        for rid, row in all_rows.iterrows():
            if rid in kept.index:
                keep.append(False)
                continue
            opened = parse_date(row.get("opened"))
            closed = parse_date(row.get("closed"))
            not_yet = row.get("status") != "open" or (opened is not None and opened > day)
            keep.append(bool(not_yet and (closed is None or closed > day)))
        return all_rows[pd.Series(keep, index=all_rows.index, dtype=bool)] if len(all_rows) else all_rows

    return pick(full.services, dataset.services), pick(full.links, dataset.links)


__all__ = ["DASH", "network_map", "node_label", "node_popup"]
