"""Itineraries: the fastest trip between two nodes, leg by leg (:func:`route`), and their geometry.

:func:`route_to_gdf` (also :meth:`Itinerary.to_gdf`) turns an itinerary into
one LineString per leg: a ride follows its service's course (the dataset's
service geometry between the leg's first and last stop), anything else runs
straight from stop to stop.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..geodata.errors import NoRouteError
from . import _layers

if TYPE_CHECKING:
    import geopandas as gpd
    import networkx as nx
    from shapely.geometry import LineString

    from ..geodata.io import Dataset

log = logging.getLogger(__name__)

#: Keys of a leg in JSON output (``Leg.to_dict``).
LEG_KEYS = ("mode", "service", "from", "to", "minutes", "wait_minutes")


@dataclass(frozen=True)
class Leg:
    """One leg of a trip: a ride on one service, or a run of links of one mode.

    ``wait_minutes`` is the time at the stop before the leg departs (expected
    wait, transfer penalty and boarding processing such as check-in);
    ``minutes`` runs from departure to arrival (in-vehicle time plus
    alighting processing such as deplaning).  ``depart`` is the offset in
    minutes from the start of the trip at which the leg departs.
    """

    mode: str
    service: str | None
    from_: str
    to: str
    depart: float
    minutes: float
    wait_minutes: float = 0.0
    in_vehicle_minutes: float = 0.0
    access_minutes: float = 0.0
    expected_wait_minutes: float = 0.0
    transfer_minutes: float = 0.0
    processing_minutes: float = 0.0
    stops: tuple = ()
    provenance: Any = field(default=None, compare=False)

    def to_dict(self) -> dict:
        """The leg in the JSON shape of ``qjnet route`` (with ``source``, ``records``, ``provenance``, ``range``
        when the leg's provenance is known: :class:`network.provenance.LegProvenance`)."""
        out = {"mode": self.mode, "service": self.service, "from": self.from_, "to": self.to,
               "minutes": round(self.minutes, 3), "wait_minutes": round(self.wait_minutes, 3)}
        if self.provenance is not None:
            out.update(self.provenance.to_dict())
        return out


@dataclass(frozen=True)
class Itinerary:
    """The fastest trip from ``origin`` to ``destination`` and its legs.

    ``minutes`` equals the sum of every leg's ``wait_minutes + minutes``.
    ``date``, ``scenario``, ``modes`` and ``params`` record what the graph was built for.
    """

    origin: Hashable
    destination: Hashable
    minutes: float
    legs: tuple
    date: str | None = None
    scenario: str | None = None
    modes: tuple = ()
    params: dict = field(default_factory=dict)
    provenance: Any = field(default=None, compare=False)

    @property
    def split(self) -> dict:
        """Minutes by component: in_vehicle, wait, transfer, access, processing."""
        out = {"in_vehicle": 0.0, "wait": 0.0, "transfer": 0.0, "access": 0.0, "processing": 0.0}
        for leg in self.legs:
            out["in_vehicle"] += leg.in_vehicle_minutes
            out["wait"] += leg.expected_wait_minutes
            out["transfer"] += leg.transfer_minutes
            out["access"] += leg.access_minutes
            out["processing"] += leg.processing_minutes
        return out

    @property
    def modes_used(self) -> list:
        """Distinct leg modes in travel order."""
        seen = []
        for leg in self.legs:
            if leg.mode not in seen:
                seen.append(leg.mode)
        return seen

    def to_dict(self) -> dict:
        """``{"from", "to", "minutes", "legs": [...], "date", "scenario", "params"}``, plus ``provenance``
        (minutes by kind and shares) and ``range`` ([low, high] minutes) when known."""
        out = {"from": self.origin, "to": self.destination, "minutes": round(self.minutes, 3),
               "legs": [leg.to_dict() for leg in self.legs], "date": self.date,
               "scenario": self.scenario, "modes": list(self.modes), "params": self.params}
        if self.provenance is not None:
            out["provenance"] = self.provenance.to_dict()
            out["range"] = [round(self.provenance.range[0], 1), round(self.provenance.range[1], 1)]
        return out

    def to_gdf(self, G: nx.MultiDiGraph, dataset: Dataset | None = None) -> gpd.GeoDataFrame:
        """One LineString per leg, following each service's course: :func:`route_to_gdf`."""
        return route_to_gdf(G, self, dataset=dataset)


def route(G: nx.MultiDiGraph, a: Hashable, b: Hashable) -> Itinerary:
    """The fastest trip from node ``a`` to node ``b`` under the graph's time semantics.

    Parameters
    ----------
    G
        Graph from :func:`network.build_graph`.
    a, b
        Dataset node ids (places, stations, airports, ...).

    Returns
    -------
    Itinerary
        Legs with mode, service, from, to, departure offset, minutes and wait.

    Raises
    ------
    PlaceNotFoundError
        ``a`` or ``b`` is not a node of ``G`` (with close ids suggested).
    NoRouteError
        No trip exists (the CLI exits 1).

    Examples
    --------
    >>> from qjnet.network import build_graph
    >>> G = build_graph(date="2025-07-01")
    >>> it = route(G, "cq_east", "qianjiang")
    >>> it.legs[0].mode, round(it.minutes)
    ('hsr', 61)
    """
    _layers.check_node(G, b)
    lay, dist, paths = _layers.dijkstra(G, [a])
    minutes, state = _layers.best(lay, dist, b)
    if state is None:
        raise NoRouteError(f"no route from {a!r} to {b!r} on {G.graph.get('date')}"
                           f"{' in scenario ' + G.graph['scenario'] if G.graph.get('scenario') else ''}"
                           f" with modes {','.join(G.graph.get('modes') or [])}")
    legs = legs_of(G, lay, paths[state])
    it = Itinerary(origin=a, destination=b, minutes=float(minutes), legs=tuple(legs),
                   date=G.graph.get("date"), scenario=G.graph.get("scenario"),
                   modes=tuple(G.graph.get("modes") or ()), params=dict(G.graph.get("params") or {}))
    return with_provenance(it, G)


def with_provenance(itinerary: Itinerary, G: nx.MultiDiGraph) -> Itinerary:
    """The itinerary with its :func:`network.provenance.provenance` attached (and each leg's)."""
    from dataclasses import replace

    from .provenance import provenance

    prov = provenance(itinerary, G)
    legs = tuple(replace(leg, provenance=lp) for leg, lp in zip(itinerary.legs, prov.legs, strict=True))
    return replace(itinerary, legs=legs, provenance=prov)


def reach_provenance(G: nx.MultiDiGraph, origin: Hashable, targets: Iterable[Hashable]) -> dict:
    """The :class:`network.provenance.Provenance` of the fastest trip from ``origin`` to each target.

    One search from ``origin`` serves every target (as :func:`route` would answer each).

    Parameters
    ----------
    G
        Graph from :func:`network.build_graph`.
    origin
        Dataset node id the trips start from.
    targets
        Dataset node ids; those not reached are left out.

    Returns
    -------
    dict
        ``{target: Provenance}``.

    Examples
    --------
    >>> from qjnet.network import build_graph
    >>> G = build_graph(date="2025-07-01")
    >>> out = reach_provenance(G, "cq_east", ["qianjiang", "pengshui_w"])
    >>> round(out["qianjiang"].published_share, 2)
    1.0
    """
    from .provenance import provenance

    lay, dist, paths = _layers.dijkstra(G, [origin])
    out = {}
    for t in targets:
        minutes, state = _layers.best(lay, dist, t)
        if state is None:
            continue
        it = Itinerary(origin=origin, destination=t, minutes=float(minutes), legs=tuple(legs_of(G, lay, paths[state])))
        out[t] = provenance(it, G)
    return out


def legs_of(G: nx.MultiDiGraph, lay: _layers.Layered, states: list) -> list[Leg]:
    """Turn a path of expansion states into legs (links of one mode merged)."""
    H = lay.H
    steps = []
    for s, t in itertools.pairwise(states):
        e = H[s][t]
        steps.append((e["edge"], e["minutes"], s % 2 == 1))
    return legs_of_steps(G, steps)


def legs_of_steps(G: nx.MultiDiGraph, steps: Iterable[tuple]) -> list[Leg]:
    """Turn the steps ``((u, v, key), minutes, boarded)`` of a trip into legs (links of one mode merged).

    ``minutes`` is what the step costs on this trip (a first boarding may cost
    less than a later one); ``boarded`` says whether a service was boarded
    before the step, which decides if a boarding's wait counts as a transfer.
    """
    legs: list[Leg | None] = []
    clock = 0.0
    cur: dict | None = None
    free_first = (G.graph.get("params") or {}).get("first_boarding_free", True)
    multi = G.is_multigraph()
    for (u, v, k), cost, boarded in steps:
        d = G.edges[u, v, k] if multi else G.edges[u, v]
        kind = d.get("kind")
        if kind == "link":
            if cur is not None and cur["kind"] == "link" and cur["mode"] == d["mode"]:
                cur["to"] = v
                cur["minutes"] += cost
                cur["comp"][d.get("component", "in_vehicle")] += cost
            else:
                if cur is not None:
                    legs.append(_close(cur))
                cur = {"kind": "link", "mode": d["mode"], "service": None, "from": u, "to": v,
                       "depart": clock, "wait": 0.0, "minutes": cost, "stops": [u],
                       "comp": {"in_vehicle": 0.0, "access": 0.0, "expected": 0.0, "transfer": 0.0,
                                "processing": 0.0}}
                cur["comp"][d.get("component", "in_vehicle")] += cost
            cur["stops"].append(v)
        elif kind == "board":
            if cur is not None:
                legs.append(_close(cur))
            processing = float(d.get("processing_minutes", 0.0))
            later = boarded or not free_first
            expected = float(d.get("wait_minutes", 0.0)) if later else 0.0
            transfer = float(d.get("transfer_minutes", 0.0)) if later else 0.0
            cur = {"kind": "service", "mode": d["mode"], "service": d.get("service"), "from": u, "to": u,
                   "depart": clock + cost, "wait": cost, "minutes": 0.0, "stops": [u],
                   "comp": {"in_vehicle": 0.0, "access": 0.0, "expected": max(expected, 0.0),
                            "transfer": transfer, "processing": processing}}
        elif kind == "ride" and cur is not None:  # a ride always follows its boarding
            cur["minutes"] += cost
            cur["comp"]["in_vehicle"] += cost
            cur["stops"].append(G.nodes[v]["stop"])
        elif kind == "alight" and cur is not None:
            cur["to"] = v
            cur["minutes"] += cost
            cur["comp"]["processing"] += cost
            legs.append(_close(cur))
            cur = None
        clock += cost
    if cur is not None:
        legs.append(_close(cur))
    return _joined([leg for leg in legs if leg is not None])


def _joined(legs: list[Leg]) -> list[Leg]:
    """Join link legs of one mode that a dropped no-op boarding (board and alight at one stop) split."""
    from dataclasses import replace

    out: list[Leg] = []
    for leg in legs:
        prev = out[-1] if out else None
        if (prev is not None and prev.service is None and leg.service is None and prev.mode == leg.mode
                and prev.to == leg.from_ and leg.wait_minutes == 0):
            out[-1] = replace(prev, to=leg.to, minutes=prev.minutes + leg.minutes,
                              in_vehicle_minutes=prev.in_vehicle_minutes + leg.in_vehicle_minutes,
                              access_minutes=prev.access_minutes + leg.access_minutes,
                              processing_minutes=prev.processing_minutes + leg.processing_minutes,
                              stops=prev.stops + leg.stops[1:])
        else:
            out.append(leg)
    return out


def _close(cur: dict) -> Leg | None:
    c = cur["comp"]
    if cur["kind"] == "service" and cur["from"] == cur["to"] and cur["wait"] == 0 and cur["minutes"] == 0:
        return None  # boarded and alighted at one stop without riding: a zero-cost no-op, not a leg
    return Leg(mode=cur["mode"], service=cur["service"], from_=cur["from"], to=cur["to"],
               depart=cur["depart"], minutes=cur["minutes"], wait_minutes=cur["wait"],
               in_vehicle_minutes=c["in_vehicle"], access_minutes=c["access"],
               expected_wait_minutes=c["expected"], transfer_minutes=c["transfer"],
               processing_minutes=c["processing"], stops=tuple(cur["stops"]))


#: Columns of :func:`route_to_gdf` besides the geometry.
LEG_COLUMNS = (*LEG_KEYS, "depart")
#: How far (degrees, about 2 km) a service's course may pass from a stop and still be followed.
COURSE_TOLERANCE = 0.02


def route_to_gdf(G: nx.MultiDiGraph, itinerary: Itinerary, *, dataset: Dataset | None = None) -> gpd.GeoDataFrame:
    """The legs of an itinerary as a GeoDataFrame, one LineString per leg.

    A ride on a service follows the service's course (its geometry in
    ``dataset.services``) from the leg's first to its last stop.  Links, and
    rides whose service has no usable course (no dataset given, the service
    is not in it, or the course passes more than :data:`COURSE_TOLERANCE`
    degrees from a stop), run straight through the leg's stops.

    Parameters
    ----------
    G
        The graph the itinerary was found on (node positions ``x``, ``y``).
    itinerary
        :class:`Itinerary` from :func:`route`.
    dataset
        :class:`geodata.io.Dataset` whose ``services`` hold the courses;
        ``None`` gives straight segments only.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per leg in travel order: ``mode``, ``service``, ``from``,
        ``to``, ``minutes``, ``wait_minutes`` (as :meth:`Leg.to_dict`),
        ``depart`` (offset in minutes) and the LineString, in the graph's CRS.

    Examples
    --------
    >>> from qjnet.geodata.io import load_dataset
    >>> from qjnet.network import build_graph
    >>> ds = load_dataset()
    >>> G = build_graph(ds, date="2025-07-01")
    >>> legs = route_to_gdf(G, route(G, "cq_east", "pengshui_w"), dataset=ds)
    >>> legs[["mode", "service", "from", "to"]].values.tolist()
    [['hsr', 'yuxia_all', 'cq_east', 'pengshui_w']]
    >>> legs.geometry.iloc[0].geom_type, len(legs.geometry.iloc[0].coords)
    ('LineString', 6)
    """
    import geopandas as gpd

    courses = service_courses(dataset)
    rows = [{**leg.to_dict(), "depart": leg.depart} for leg in itinerary.legs]
    geoms = [_leg_line(G, leg, courses) for leg in itinerary.legs]
    return gpd.GeoDataFrame(rows, columns=list(LEG_COLUMNS), geometry=geoms, crs=G.graph.get("crs") or "EPSG:4326")


def service_courses(dataset: Dataset | None) -> dict[str, LineString]:
    """Service id -> LineString course, from ``dataset.services`` (empty without a dataset)."""
    services = getattr(dataset, "services", None)
    if services is None or "geometry" not in services:
        return {}
    return {sid: geom for sid, geom in zip(services.index, services.geometry, strict=True)
            if geom is not None and geom.geom_type == "LineString"}


def _leg_line(G: nx.MultiDiGraph, leg: Leg, courses: dict[str, LineString]) -> LineString | None:
    """A leg's LineString: along its service's course, else straight through its stops."""
    from shapely.geometry import LineString

    stops = list(leg.stops) if leg.stops else [leg.from_, leg.to]
    pts = [(float(G.nodes[s]["x"]), float(G.nodes[s]["y"])) for s in stops if s in G]
    if not pts:
        return None
    if len(pts) == 1:
        pts = pts * 2
    line = _along_service(courses, leg.service, pts)
    return line if line is not None else LineString(pts)


def _along_service(courses: dict[str, LineString], sid: str | None,
                   pts: Sequence[tuple[float, float]]) -> LineString | None:
    """The part of service ``sid``'s course between the first and last of ``pts`` (``None`` if unknown)."""
    from shapely.geometry import LineString, Point
    from shapely.ops import substring

    line = courses.get(sid) if sid else None
    if line is None:
        return None
    first, last = Point(pts[0]), Point(pts[-1])
    a, b = line.project(first), line.project(last)
    if max(line.distance(first), line.distance(last)) > COURSE_TOLERANCE or abs(a - b) < 1e-9:
        return None
    part: Any = substring(line, min(a, b), max(a, b))
    if part.geom_type != "LineString" or len(part.coords) < 2:
        return None
    coords = list(part.coords)
    if a > b:
        coords.reverse()
    return LineString([pts[0], *coords[1:-1], pts[-1]])
