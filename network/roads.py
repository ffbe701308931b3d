"""User road networks in OSMnx's conventions, and joining them to the model graph.

OSMnx graphs (and the GraphML files ``osmnx.save_graphml`` writes) carry, per
edge, ``length`` in metres, ``speed_kph`` and ``travel_time`` in seconds
(``osmnx.add_edge_speeds`` / ``add_edge_travel_times``), and per node ``x``
and ``y``.  :func:`read_graphml` and :func:`graph_from_gdfs` turn such a
network into the graph contract: every edge gets ``minutes``
(``travel_time / 60``; else ``length / speed_kph``), ``mode = "road"`` and
``kind = "link"``; coordinates end up in WGS-84 whatever the input CRS.

:func:`join_roads` puts a road network and a model graph into one graph with
*access links*: each dataset node (place, station, airport, ...) is joined
both ways to its nearest road node, costing the straight-line distance at
``access_kmh`` (default :data:`ACCESS_KMH`).  With ``through_links`` it also
adds, between every two joined dataset nodes, one road link costing the best
road trip between them (access, roads, access): the timetable engines
(RAPTOR, :mod:`network.measures`) walk links between dataset nodes only, and
see the road network through these.
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Hashable
from typing import Any

import networkx as nx
import numpy as np

from ..geodata._util import is_null
from ..geodata.errors import DataError, GraphError, OptionError

log = logging.getLogger(__name__)

__all__ = ["ACCESS_KMH", "MAX_ACCESS_KM", "graph_from_gdfs", "join_roads", "nearest_road_node",
           "read_graphml", "road_minutes"]

#: Assumed speed of an access link in km/h, applied to the straight-line
#: distance between a dataset node and its nearest road node.  An assumption
#: (local streets at about 30 km/h with a detour factor of about 1.5), not a
#: measured figure; pass ``access_kmh`` to use your own.
ACCESS_KMH = 20.0
#: Dataset nodes farther than this from every road node get no access link.
MAX_ACCESS_KM = 10.0

_FLOAT_NODE = ("x", "y", "lat", "lon", "elevation")
_FLOAT_EDGE = ("length", "speed_kph", "travel_time", "minutes", "grade", "grade_abs")


def _to_float(value: Any) -> Any:
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):  # OSMnx keeps lists of values of merged edges as text
            parts = [float(p) for p in text.strip("[]").split(",") if p.strip()]
            return min(parts) if parts else math.nan
        return float(text) if text else math.nan
    return value


def road_minutes(data: dict) -> float | None:
    """Minutes of one road edge from OSMnx attributes: ``travel_time``, else ``length / speed_kph``.

    Returns ``None`` when neither is available.  ``minutes`` already present wins.
    """
    for key, scale in (("minutes", 1.0), ("travel_time", 1 / 60)):
        value = data.get(key)
        if value is not None and not (isinstance(value, float) and math.isnan(value)):
            return float(value) * scale
    length, speed = data.get("length"), data.get("speed_kph")
    if length is None or speed is None or not speed > 0:
        return None
    return float(length) / 1000.0 / float(speed) * 60.0


def _finish(G: nx.MultiDiGraph, source: str) -> nx.MultiDiGraph:
    """Give every edge minutes/mode/kind, reproject x/y to WGS-84; one error for the first bad edge."""
    bad = []
    for u, v, k, d in G.edges(keys=True, data=True):
        for key in _FLOAT_EDGE:
            if key in d:
                try:
                    d[key] = _to_float(d[key])
                except ValueError:
                    raise DataError(f"value {d[key]!r} is not a number", file=source,
                                    record=f"edge {u}->{v} key {k}", field=key) from None
        minutes = road_minutes(d)
        if minutes is None or not math.isfinite(minutes) or minutes < 0:
            bad.append((u, v, k))
            continue
        d["minutes"] = minutes
        d.setdefault("mode", "road")
        d.setdefault("kind", "link")
    if bad:
        u, v, k = bad[0]
        more = f" ({len(bad) - 1} more edges too)" if len(bad) > 1 else ""
        raise DataError(
            f"no usable travel time{more}: give travel_time (seconds) or length (metres) and "
            "speed_kph > 0, e.g. with osmnx.add_edge_speeds and osmnx.add_edge_travel_times",
            file=source, record=f"edge {u}->{v} key {k}", field="travel_time")
    for n, d in G.nodes(data=True):
        for key in _FLOAT_NODE:
            if key in d:
                d[key] = _to_float(d[key])
        if "x" not in d or "y" not in d:
            raise DataError("node has no coordinates; every node needs x and y", file=source,
                            record=f"node {n}", field="x")
    crs = G.graph.get("crs")
    if crs is not None:
        _to_wgs84(G, crs, source)
    G.graph["crs"] = "EPSG:4326"
    return G


def _to_wgs84(G: nx.Graph, crs: Any, source: str) -> None:
    from pyproj import CRS, Transformer
    from pyproj.exceptions import CRSError

    try:
        given = CRS.from_user_input(crs)
    except CRSError:
        raise DataError(f"unknown CRS {crs!r}; use an EPSG code such as EPSG:4326", file=source,
                        field="crs") from None
    if given.equals(CRS.from_epsg(4326)):
        return
    tf = Transformer.from_crs(given, 4326, always_xy=True)
    nodes = list(G.nodes)
    xs = np.array([G.nodes[n]["x"] for n in nodes], dtype=float)
    ys = np.array([G.nodes[n]["y"] for n in nodes], dtype=float)
    lon, lat = tf.transform(xs, ys)
    for n, a, b in zip(nodes, lon, lat, strict=False):
        G.nodes[n]["x"], G.nodes[n]["y"] = float(a), float(b)


def read_graphml(path: str | os.PathLike) -> nx.MultiDiGraph:
    """Read a road network GraphML (as ``osmnx.save_graphml`` writes) into the graph contract.

    Numeric attributes stored as text are converted (as ``osmnx.load_graphml``
    does), node ids that are all digits become integers, an undirected graph
    counts every edge both ways, and the result is in WGS-84.

    Parameters
    ----------
    path
        The ``.graphml`` file.

    Returns
    -------
    networkx.MultiDiGraph
        Every edge with ``minutes``, ``mode="road"``, ``kind="link"``.

    Raises
    ------
    DataError
        A missing or unreadable file, an edge with no usable travel time, a
        node without coordinates; names file, record and field.

    Examples
    --------
    >>> import networkx as nx, tempfile, os
    >>> G = nx.MultiDiGraph(crs="EPSG:4326")
    >>> G.add_node(1, x=108.77, y=29.53); G.add_node(2, x=108.78, y=29.53)
    >>> G.add_edge(1, 2, length=968.0, speed_kph=40.0)
    0
    >>> path = os.path.join(tempfile.mkdtemp(), "roads.graphml"); nx.write_graphml(G, path)
    >>> round(read_graphml(path).edges[1, 2, 0]["minutes"], 3)
    1.452
    """
    import xml.etree.ElementTree as ET

    source = str(path)
    if not os.path.exists(source):
        raise DataError("file not found; give the path of a .graphml road network", file=source)
    if not os.path.isfile(source):
        raise DataError("not a regular file (a folder, device or pipe); give the path of a .graphml road network",
                        file=source)
    try:
        raw = nx.read_graphml(source, force_multigraph=True)
    except (ET.ParseError, nx.NetworkXError, KeyError, ValueError) as exc:
        raise DataError(f"not a readable GraphML file ({exc})", file=source) from None
    ids = list(raw.nodes)
    if ids and all(isinstance(n, str) and n.isdigit() for n in ids):
        raw = nx.relabel_nodes(raw, {n: int(n) for n in ids}, copy=True)
    G = nx.MultiDiGraph(raw) if raw.is_directed() else nx.MultiDiGraph(raw.to_directed())
    G.graph.update(raw.graph)
    return _finish(G, source)


def graph_from_gdfs(nodes: Any, edges: Any, *, source: str = "road network") -> nx.MultiDiGraph:
    """Build a road graph from OSMnx-style GeoDataFrames (``osmnx.graph_to_gdfs`` output).

    Parameters
    ----------
    nodes
        GeoDataFrame indexed by node id with ``x``/``y`` columns (or point
        geometry) in its CRS.
    edges
        GeoDataFrame indexed by ``(u, v, key)`` (or with ``u``, ``v`` and
        optionally ``key`` columns) with ``travel_time`` or ``length`` +
        ``speed_kph``.
    source
        Name used in error messages.

    Returns
    -------
    networkx.MultiDiGraph
        In the graph contract, WGS-84.

    Raises
    ------
    DataError
        Missing columns, an edge with no usable travel time, an edge whose end
        is not in ``nodes``.
    """
    nodes = nodes.copy()
    if "x" not in nodes.columns or "y" not in nodes.columns:
        if getattr(nodes, "geometry", None) is None:
            raise DataError("nodes need x and y columns or point geometry", file=source, field="x")
        nodes["x"], nodes["y"] = nodes.geometry.x, nodes.geometry.y
    e = edges.reset_index() if {"u", "v"} - set(edges.columns) else edges.copy()
    for col in ("u", "v"):
        if col not in e.columns:
            raise DataError("edges need a (u, v, key) index or u and v columns", file=source, field=col)
    if "key" not in e.columns:
        e["key"] = e.groupby(["u", "v"]).cumcount()
    G = nx.MultiDiGraph(crs=getattr(nodes, "crs", None) or getattr(edges, "crs", None))
    skip_n = {"geometry"}
    for n, row in zip(nodes.index, nodes.drop(columns=[c for c in skip_n if c in nodes.columns])
                      .to_dict("records"), strict=False):
        G.add_node(n, **{k: v for k, v in row.items() if not is_null(v)})
    known = set(G.nodes)
    skip_e = {"u", "v", "key", "geometry"}
    for row in e.drop(columns=[c for c in ("geometry",) if c in e.columns]).to_dict("records"):
        u, v, k = row["u"], row["v"], row["key"]
        for end in (u, v):
            if end not in known:
                raise DataError(f"edge end {end!r} is not in the nodes", file=source,
                                record=f"edge {u}->{v} key {k}", field="u" if end == u else "v")
        G.add_edge(u, v, key=k, **{a: b for a, b in row.items() if a not in skip_e and not is_null(b)})
    if G.graph["crs"] is not None:
        G.graph["crs"] = G.graph["crs"].to_string() if hasattr(G.graph["crs"], "to_string") else G.graph["crs"]
    else:
        del G.graph["crs"]
    return _finish(G, source)


def _finite(value: Any) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and math.isfinite(value)


def join_roads(
    model: nx.MultiDiGraph,
    roads: nx.MultiDiGraph,
    *,
    access_kmh: float = ACCESS_KMH,
    max_access_km: float = MAX_ACCESS_KM,
    prefix: str = "road:",
    through_links: bool = False,
) -> nx.MultiDiGraph:
    """One graph of the model and a road network, joined by access links.

    Parameters
    ----------
    model
        The model graph (``build_graph`` output or any graph in the contract).
    roads
        A road graph from :func:`read_graphml` or :func:`graph_from_gdfs`.
    access_kmh
        Speed of access links over the straight-line distance (see :data:`ACCESS_KMH`).
    max_access_km
        Dataset nodes with no road node this close get no access link.
    prefix
        Put before road node ids so they cannot clash with dataset ids
        (``12345`` becomes ``"road:12345"``); ``""`` keeps them as they are.
    through_links
        Also join every two joined dataset nodes by a direct link (``mode
        "road"``, ``kind "link"``, key ``"road"``) costing the best road trip
        between them, access links included; shortest times do not change,
        and timetable engines, which see only links between dataset nodes,
        can use the roads.

    Returns
    -------
    networkx.MultiDiGraph
        A new graph (inputs unchanged): model nodes and edges, road nodes and
        edges, and for each joined dataset node two access edges (``mode
        "access"``, ``kind "link"``, ``minutes``, ``length_km``, ``assumption``)
        keyed ``"access"``.  ``G.graph["road_access"]`` records the speed and
        the number of nodes joined and left out.

    Raises
    ------
    OptionError
        A non-positive ``access_kmh`` or negative ``max_access_km``.
    GraphError
        Road node ids that clash with model ids (choose another ``prefix``) or
        a road network with no nodes.
    """
    from scipy.spatial import cKDTree

    if not access_kmh > 0:
        raise OptionError(f"access_kmh {access_kmh!r} must be > 0")
    if not max_access_km >= 0:
        raise OptionError(f"max_access_km {max_access_km!r} must be >= 0")
    if roads.number_of_nodes() == 0:
        raise GraphError("the road network has no nodes")
    mapping = {n: f"{prefix}{n}" for n in roads.nodes} if prefix else None
    road = nx.relabel_nodes(roads, mapping, copy=True) if mapping else roads.copy()
    clash = [n for n in road.nodes if n in model]
    if clash:
        raise GraphError(f"road node {clash[0]!r} has the same id as a model node; pass another prefix")
    G = nx.MultiDiGraph()
    G.graph.update(model.graph)
    G.add_nodes_from(model.nodes(data=True))
    G.add_edges_from(model.edges(keys=True, data=True))
    G.add_nodes_from((n, {**d, "kind": d.get("kind", "road")}) for n, d in road.nodes(data=True))
    G.add_edges_from(road.edges(keys=True, data=True))

    rids = list(road.nodes)
    lat0 = float(np.nanmean([road.nodes[n]["y"] for n in rids]))
    kx = 111.320 * math.cos(math.radians(lat0))  # km per degree of longitude near the network
    ky = 110.574  # km per degree of latitude
    pts = np.array([(road.nodes[n]["x"] * kx, road.nodes[n]["y"] * ky) for n in rids])
    tree = cKDTree(pts)
    candidates = [(n, d) for n, d in model.nodes(data=True)
                  if d.get("kind") != "service_stop" and _finite(d.get("x")) and _finite(d.get("y"))]
    joins: list[tuple[Hashable, Hashable, float]] = []
    if candidates:
        q = np.array([(d["x"] * kx, d["y"] * ky) for _, d in candidates])
        dist, idx = tree.query(q)
        for (n, _), km, i in zip(candidates, dist, idx, strict=False):
            if km > max_access_km:
                continue
            minutes = float(km) / access_kmh * 60.0
            attrs = {"minutes": minutes, "mode": "access", "kind": "link", "length_km": float(km),
                     "assumption": f"straight line at {access_kmh:g} km/h to the nearest road node"}
            G.add_edge(n, rids[i], key="access", **attrs)
            G.add_edge(rids[i], n, key="access", **attrs)
            joins.append((n, rids[i], minutes))
    joined, skipped = len(joins), len(candidates) - len(joins)
    G.graph["road_access"] = {"access_kmh": access_kmh, "max_access_km": max_access_km,
                              "joined": joined, "not_joined": skipped}
    if through_links:
        _add_through_links(G, road, joins)
        G.graph["road_access"]["through_links"] = True
    log.info("Joined roads: %s road nodes, %s road edges; %d dataset nodes joined, %d farther than %g km",
             f"{road.number_of_nodes():,}", f"{road.number_of_edges():,}", joined, skipped, max_access_km)
    return G


def _add_through_links(G: nx.MultiDiGraph, road: nx.MultiDiGraph,
                       joins: list[tuple[Hashable, Hashable, float]]) -> None:
    """A ``road`` link between every two joined dataset nodes: access + best road path + access."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import dijkstra

    index = {n: i for i, n in enumerate(road.nodes)}
    best: dict[tuple[int, int], float] = {}
    for u, v, d in road.edges(data="minutes"):
        key = (index[u], index[v])
        if u != v and float(d) < best.get(key, math.inf):
            best[key] = max(float(d), 1e-9)  # csgraph takes an explicit zero for no edge
    rows, cols = zip(*best, strict=True) if best else ((), ())
    matrix = csr_matrix((list(best.values()), (rows, cols)), shape=(len(index), len(index)))
    sources = sorted({index[r] for _, r, _ in joins})
    dist = dijkstra(matrix, directed=True, indices=sources)
    row_of = {s: i for i, s in enumerate(sources)}
    for a, ra, ma in joins:
        for b, rb, mb in joins:
            minutes = ma + float(dist[row_of[index[ra]], index[rb]]) + mb
            if a != b and math.isfinite(minutes):
                G.add_edge(a, b, key="road", minutes=minutes, mode="road", kind="link",
                           assumption="best trip over the joined road network, access links included")


def nearest_road_node(roads: nx.Graph, lon: float, lat: float) -> Hashable:
    """Id of the road node closest to ``(lon, lat)`` (local equirectangular distance)."""
    rids = list(roads.nodes)
    if not rids:
        raise GraphError("the road network has no nodes")
    kx = 111.320 * math.cos(math.radians(lat))
    xs = np.array([roads.nodes[n]["x"] for n in rids], dtype=float)
    ys = np.array([roads.nodes[n]["y"] for n in rids], dtype=float)
    d2 = ((xs - lon) * kx) ** 2 + ((ys - lat) * 110.574) ** 2
    return rids[int(np.argmin(d2))]
