"""The network map: every line by mode, stations, airports and places of a dataset."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import folium

from .base import (
    DASH,
    KIND_STYLE,
    MODE_STYLE,
    Canvas,
    base_map,
    check_dataset,
    circle,
    finish,
    layer,
    legend_html,
    mode_key,
    mode_label,
    polyline,
    population_radius,
    rows,
)
from .escape import fmt_minutes, missing, table

if TYPE_CHECKING:
    from ..geodata.io import Dataset

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


def network_map(dataset: Dataset, *, tiles: str = "none", full: Dataset | None = None, show_access: bool = False,
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
        A :class:`geodata.io.Dataset` object (as :func:`geodata.io.load_dataset`
        returns, from a folder or a GeoPackage), with or without a date/scenario
        selection; its ``boundaries`` layer is the basemap.
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
    check_dataset(full)
    canvas = base_map(dataset, tiles=tiles)
    seen = _draw_lines(canvas, _line_records(dataset, full), dataset.nodes, full, show_access=show_access)
    _draw_nodes(canvas, dataset.nodes)
    when = f"{dataset.date}" if dataset.date else "all dates"
    scen = f", scenario {dataset.scenario}" if dataset.scenario else ""
    m = finish(canvas, legend=_legend(dataset, seen, when + scen), legend_position="bottomleft",
               title=title or f"交通网络 Transport network · {when}{scen}")
    log.info("Network map: %d line features, %d nodes, tiles %s",
             sum(canvas.counts.get(MODE_STYLE[k][1], 0) for k in seen), len(dataset.nodes), tiles)
    return m


def _line_records(dataset: Dataset, full: Dataset | None) -> list[tuple[str, Any, bool]]:
    """``(kind, row, dashed)`` of every link, then every service, to draw (bottom first)."""
    extra_services, extra_links = _unopened(dataset, full)
    out: list[tuple[str, Any, bool]] = []
    for kind, frame, extra in (("link", dataset.links, extra_links), ("service", dataset.services, extra_services)):
        out += [(kind, row, _not_open(row)) for _, row in rows(frame)]
        out += [(kind, row, True) for _, row in rows(extra)]
    return out


def _link_tooltip(row: Any, nodes: Any, full: Dataset | None) -> str:
    a, b = row.get("from"), row.get("to")
    names = nodes if a in nodes.index or full is None else full.nodes
    tip = f"{_names(names, [a, b])} · {mode_label(row.get('mode'))}"
    if _text(row.get("minutes")):
        tip += f" · {fmt_minutes(row.get('minutes'))} min"
    return tip


def _service_tooltip(row: Any, dashed: bool) -> str:
    tip = f"{node_label(row)} · {mode_label(row.get('mode'))}"
    if dashed:
        tip += f" · {_STATUS_ZH.get(row.get('status'), row.get('status'))}"
    return tip


def _draw_lines(canvas: Canvas, records: list[tuple[str, Any, bool]], nodes: Any, full: Dataset | None, *,
                show_access: bool) -> dict[str, set[bool]]:
    """One layer per mode present; each link and service in it.  Returns mode key -> dashed values drawn."""
    names = nodes if full is None else full.nodes
    keys = [_line_key(row.get("mode"), "road" if kind == "link" else "rail") for kind, row, _ in records]
    groups = {key: layer(canvas, MODE_STYLE[key][1], show=(key != "access" or show_access))
              for key in _MODE_ORDER if key in keys}
    seen: dict[str, set[bool]] = {}
    for key, (kind, row, dashed) in zip(keys, records, strict=True):
        if kind == "link":
            weight, tip, popup = (2 if key in ("access", "road") else 3), _link_tooltip(row, nodes, full), _link_popup(row, names)
        else:
            weight, tip, popup = (4 if key == "hsr" else 3), _service_tooltip(row, dashed), _service_popup(row, names)
        polyline(canvas, groups[key], row.geometry, color=MODE_STYLE[key][0], weight=weight, dashed=dashed,
                 tooltip=tip, popup_html=popup, layer_name=MODE_STYLE[key][1])
        seen.setdefault(key, set()).add(dashed)
    return seen


def _draw_nodes(canvas: Canvas, nodes: Any) -> None:
    """One layer per node kind present: places sized by population, the others small; planned ones faint."""
    for kind in _KIND_ORDER:
        of_kind = nodes[nodes["kind"] == kind]
        if not len(of_kind):
            continue
        name, color, place = KIND_STYLE[kind][1], KIND_STYLE[kind][0], kind == "place"
        group = layer(canvas, name)
        for _, row in rows(of_kind):
            pt = row.geometry
            if pt is None or pt.is_empty:
                continue
            circle(canvas, group, pt.x, pt.y, radius=population_radius(row.get("population")) if place else 4.5,
                   color=color if place else "#ffffff", fill_color="#fdd49e" if place else color,
                   weight=2 if place else 1.5, fill_opacity=0.5 if row.get("status") != "open" else 0.9,
                   tooltip=node_label(row), popup_html=node_popup(row), layer_name=name)


def _legend(dataset: Dataset, seen: dict[str, set[bool]], when: str) -> str:
    """Modes drawn, the dashed-line key, node kinds present, and the data's name and date."""
    lines = [(MODE_STYLE[key][0], MODE_STYLE[key][1], False) for key in reversed(_MODE_ORDER) if key in seen]
    lines.append(("#555555", "虚线 规划/在建 Dashed: planned or under construction", True))
    kinds = set(dataset.nodes["kind"])
    dots = [(KIND_STYLE[k][0] if k != "place" else "#fdd49e", KIND_STYLE[k][1]) for k in reversed(_KIND_ORDER)
            if k in kinds]
    notes = [f"Data: {dataset.path.name} ({when}). Positions marked 'estimate' are approximate."]
    return legend_html("图例 Legend", lines=lines, dots=dots, notes=notes)


def _unopened(dataset: Dataset, full: Dataset | None) -> tuple[Any, Any]:
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
