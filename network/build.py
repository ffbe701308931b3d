"""Building the multimodal graph from a dataset: :func:`build_graph`.

The graph contract (checked by :func:`network.convert.validate_graph`):

* **Dataset nodes** (places, stations, airports, ...) keyed by their dataset
  id, with ``x``, ``y`` (WGS-84), ``kind``, ``name_zh``, ``name_en``,
  ``population`` and ``county``.
* **Service-stop nodes** ``"{service}|{f|r}|{stop}"`` (``kind`` =
  ``"service_stop"``) for every stop of every running service pattern, in
  each direction it runs.  Three edge kinds join them to the stops:
  ``board`` (stop -> service-stop), ``ride`` (service-stop -> next
  service-stop) and ``alight`` (service-stop -> stop).
* **Links** (roads, access, walking, transfers) are edges between dataset
  nodes keyed by the link id, one per direction.

Every edge has ``minutes`` (float), ``mode`` and ``kind``.  ``minutes`` on a
board edge is the cost of a *later* boarding (transfer + expected wait +
processing); ``first_minutes`` is the cost of the first boarding of a trip.
The split is kept on each edge: ``wait_minutes``, ``transfer_minutes``,
``processing_minutes``; ride and road edges are in-vehicle time, access /
walk / transfer links are access time.

Provenance (read by :mod:`network.provenance`): ride edges carry their
segment's ``time_source`` (``"published"`` or ``"derived"``) and ``service``;
link edges their ``link`` id and ``time_source``; board edges
``wait_source = "assumed"`` (the wait comes from the frequency model).
"""

from __future__ import annotations

import datetime as _dt
import logging
import os
from collections.abc import Iterable
from typing import TYPE_CHECKING

import networkx as nx

from ..geodata._util import unbox
from ..geodata.errors import DataError, OptionError
from .params import CONNECTOR_MODES, TimeParams, expected_day_wait, parse_modes

if TYPE_CHECKING:
    from ..geodata.io import Dataset


log = logging.getLogger(__name__)

SERVICE_STOP = "service_stop"
EDGE_KINDS = ("board", "ride", "alight", "link")
_LINK_COMPONENT = {"expressway": "in_vehicle", "road": "in_vehicle", "access": "access",
                   "walk": "access", "transfer": "access"}


def service_stop_id(service: str, direction: str, stop: str) -> str:
    """Node id of ``stop`` on ``service`` running ``direction`` (``"f"`` or ``"r"``)."""
    return f"{service}|{direction}|{stop}"


def build_graph(dataset: Dataset | str | os.PathLike | None = None, *, date: _dt.date | str | None = None,
                scenario: str | None = None, modes: str | Iterable[str] | None = None,
                params: TimeParams | None = None, gtfs: str | os.PathLike | None = None) -> nx.MultiDiGraph:
    """Build the multimodal travel-time graph of a dataset on a date or in a scenario.

    Parameters
    ----------
    dataset
        A :class:`geodata.io.Dataset` (unfiltered, or already selected with no
        other ``date``/``scenario`` asked for: it keeps its selection, and its
        services count on every weekday unless ``date`` is passed too), a
        dataset folder, or ``None`` for the embedded Qianjiang dataset.
    date
        ``YYYY-MM-DD`` or ``datetime.date``: keep only what exists that day and
        only services that run on its weekday.  ``None``: the scenario's date,
        else today, with services of every weekday (a later boarding of a
        service that does not run daily costs the expected days of waiting).
    scenario
        Scenario name from the dataset's ``scenarios.json``.
    modes
        Modes to include (``"hsr,rail"`` or a list); default every passenger
        mode (no ``freight_rail``).  Access, walk and transfer links are always
        kept.
    params
        :class:`network.params.TimeParams`; default ``TimeParams()``.
    gtfs
        A GTFS feed (``.zip``) to build from instead of ``dataset`` (read by
        :func:`geodata.gtfs.read_gtfs`: stops, services and calendars; no
        roads; join a road network with :func:`network.roads.join_roads`).

    Returns
    -------
    networkx.MultiDiGraph
        The graph described in :mod:`network.build`; ``G.graph`` holds
        ``crs``, ``date``, ``weekday``, ``scenario``, ``modes`` and ``params``.

    Raises
    ------
    OptionError
        Unknown mode, malformed date, or a date before any data; both
        ``dataset`` and ``gtfs``, or a ``gtfs`` that is not a ``.zip`` file.
    ScenarioError
        Unknown scenario.

    Examples
    --------
    >>> G = build_graph(date="2025-07-01")
    >>> G.graph["date"], G.graph["weekday"]
    ('2025-07-01', 2)
    """
    from ..geodata.io import as_dataset, parse_date

    if gtfs is not None:
        dataset = _gtfs_source(dataset, gtfs)

    params = params if params is not None else TimeParams()
    if not isinstance(params, TimeParams):
        params = TimeParams.from_dict(params)
    chosen = parse_modes(modes)
    day = parse_date(date) if date is not None else None
    ds = as_dataset(dataset, caller="build_graph")
    if ds.date is not None or ds.scenario is not None:
        if (day is not None and day != ds.date) or (scenario is not None and scenario != ds.scenario):
            raise OptionError(f"the dataset is already restricted to date {ds.date}, scenario {ds.scenario}; "
                              "pass the unfiltered dataset (load_dataset(path)) to choose another")
        selected = ds
        weekday_day = day
    else:
        if day is not None:
            _check_not_before_data(ds, day)
            fixed = (ds.scenarios.get(scenario) or {}).get("date") if scenario is not None else None
            if fixed and parse_date(fixed) != day:
                raise OptionError(f"scenario {scenario!r} is evaluated on {fixed}; drop the date "
                                  f"{day.isoformat()} or choose a scenario without a fixed date")
        selected = _select(ds, day, scenario)
        weekday_day = day
    weekday = weekday_day.isoweekday() if weekday_day is not None else None

    G = nx.MultiDiGraph()
    G.graph.update({
        "crs": "EPSG:4326",
        "date": selected.date.isoformat() if selected.date else None,
        "weekday": weekday,
        "scenario": selected.scenario,
        "modes": list(chosen),
        "params": params.to_dict(),
        "dataset": str(selected.path.name),
    })
    _add_nodes(G, selected.nodes)
    n_services = _add_services(G, selected.services, chosen, weekday, params)
    n_links = _add_links(G, selected.links, chosen)
    log.info("Built graph: %d nodes, %d edges, %d service patterns, %d links, date %s%s",
             G.number_of_nodes(), G.number_of_edges(), n_services, n_links, G.graph["date"],
             f", scenario {selected.scenario}" if selected.scenario else "")
    return G


def _select(ds, day, scenario):
    from ..geodata.io import apply_selection

    if day is None and scenario is None:
        day = _dt.date.today()
    return apply_selection(ds, date=day, scenario=scenario)


def _gtfs_source(dataset: object, gtfs: str | os.PathLike) -> str | os.PathLike:
    """The feed of ``build_graph(gtfs=...)``, checked: a ``.zip`` file, and no ``dataset`` beside it."""
    from ..geodata.gtfs import is_gtfs

    if dataset is not None:
        raise OptionError("give either a dataset or gtfs=FEED.zip, not both")
    if not is_gtfs(gtfs):
        raise OptionError(f"gtfs={os.fspath(gtfs)!r}: a GTFS feed is a .zip file")
    return gtfs


def _check_not_before_data(ds, day: _dt.date) -> None:
    from ..geodata.io import parse_date

    earliest = None
    for layer in (ds.services, ds.links):
        if layer is None or not len(layer) or "opened" not in layer.columns:
            continue
        for value in layer["opened"]:
            d = parse_date(value) if isinstance(value, str) else None
            if d is not None and (earliest is None or d < earliest):
                earliest = d
    if earliest is not None and day < earliest:
        raise OptionError(f"date {day.isoformat()} is before any data in the dataset (earliest opening "
                          f"{earliest.isoformat()}); give a date on or after it")


def _add_nodes(G: nx.MultiDiGraph, nodes) -> None:
    geom_col = nodes.geometry.name
    for nid, row in zip(nodes.index, nodes.to_dict("records"), strict=False):
        geom = row[geom_col]
        pop = unbox(row.get("population"))
        G.add_node(
            nid, x=float(geom.x), y=float(geom.y), kind=row.get("kind"),
            name_zh=unbox(row.get("name_zh")), name_en=unbox(row.get("name_en")),
            population=int(pop) if pop is not None else None, county=unbox(row.get("county")),
        )


def _as_list(value) -> list:
    if value is None:
        return []
    if isinstance(value, str):
        import json

        return list(json.loads(value))
    return list(value)


def _add_services(G, services, modes, weekday, params: TimeParams) -> int:
    count = 0
    if services is None or not len(services):
        return 0
    for sid, row in zip(services.index, services.to_dict("records"), strict=False):
        mode = row.get("mode")
        if mode not in modes:
            continue
        days = [int(d) for d in _as_list(row.get("days"))]
        if weekday is not None and weekday not in days:
            continue
        stops = [str(s) for s in _as_list(row.get("stops"))]
        cum = [float(m) for m in _as_list(row.get("minutes"))]
        sources = [str(t) for t in _as_list(row.get("time_source"))]
        if len(sources) != len(stops) - 1:
            sources = ["derived"] * (len(stops) - 1)
        if len(stops) < 2 or len(cum) != len(stops):
            raise DataError(f"service needs >= 2 stops and one cumulative time per stop (got {len(stops)} stops, "
                            f"{len(cum)} times)", record=sid, field="minutes")
        missing = [s for s in stops if s not in G]
        if missing:
            raise DataError(f"stop {missing[0]!r} is not a node of the dataset; add the node or fix the stop id",
                            record=sid, field="stops")
        headway_min, per_day = unbox(row.get("headway_min")), unbox(row.get("per_day"))
        wait = params.headway_wait(per_day=per_day, headway_min=headway_min)
        day_wait = 0.0 if weekday is not None else expected_day_wait(days) * 1440.0
        processing = params.board_processing.get(mode, 0.0)
        board = {
            "kind": "board", "mode": mode, "service": sid, "wait_source": "assumed",
            "wait_minutes": wait + day_wait, "headway_wait_minutes": wait, "day_wait_minutes": day_wait,
            "transfer_minutes": params.transfer_minutes, "processing_minutes": processing,
            "headway": params.headway(per_day=per_day, headway_min=headway_min),
            "minutes": wait + day_wait + params.transfer_minutes + processing,
            "first_minutes": processing if params.first_boarding_free
            else wait + day_wait + params.transfer_minutes + processing,
        }
        alight_minutes = params.alight_processing.get(mode, 0.0)
        patterns = [("f", stops, cum, sources)]
        if bool(unbox(row.get("bidirectional"))):
            total = cum[-1]
            patterns.append(("r", stops[::-1], [total - m for m in cum[::-1]], sources[::-1]))
        for direction, pstops, pcum, psources in patterns:
            count += 1
            prev = None
            for i, stop in enumerate(pstops):
                ss = service_stop_id(sid, direction, stop)
                G.add_node(ss, x=G.nodes[stop]["x"], y=G.nodes[stop]["y"], kind=SERVICE_STOP,
                           service=sid, direction=direction, stop=stop, mode=mode, offset=pcum[i],
                           name_zh=G.nodes[stop].get("name_zh"), name_en=G.nodes[stop].get("name_en"))
                if i < len(pstops) - 1:
                    G.add_edge(stop, ss, key="board", **board)
                if i > 0:
                    G.add_edge(ss, stop, key="alight", kind="alight", mode=mode, service=sid,
                               minutes=alight_minutes, processing_minutes=alight_minutes)
                    G.add_edge(prev, ss, key="ride", kind="ride", mode=mode, service=sid,
                               minutes=pcum[i] - pcum[i - 1], time_source=psources[i - 1])
                prev = ss
    return count


def _add_links(G, links, modes) -> int:
    count = 0
    if links is None or not len(links):
        return 0
    for lid, row in zip(links.index, links.to_dict("records"), strict=False):
        mode = row.get("mode")
        if mode not in modes and mode not in CONNECTOR_MODES:
            continue
        minutes = unbox(row.get("minutes"))
        if minutes is None:
            raise DataError("link has no minutes and no length_km/speed_kmh to derive them; give either",
                            record=lid, field="minutes")
        u, v = str(row["from"]), str(row["to"])
        for a in (u, v):
            if a not in G:
                raise DataError(f"link end {a!r} is not a node of the dataset", record=lid,
                                field="from" if a == u else "to")
        attrs = {"kind": "link", "mode": mode, "link": lid, "road": unbox(row.get("road")),
                 "time_source": unbox(row.get("time_source")) or "derived",
                 "minutes": float(minutes), "component": _LINK_COMPONENT.get(mode, "in_vehicle")}
        G.add_edge(u, v, key=lid, **attrs)
        count += 1
        if bool(unbox(row.get("bidirectional"))):
            G.add_edge(v, u, key=lid, **attrs)
    return count
