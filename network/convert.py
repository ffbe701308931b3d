"""Graph <-> GeoDataFrames (OSMnx conventions) and the graph contract check.

``graph_to_gdfs(G)`` gives ``(nodes, edges)``: nodes indexed by node id with
``x``/``y`` and Point geometry, edges indexed by ``(u, v, key)`` with a
straight LineString between their ends, both in ``G.graph["crs"]``; the graph
attributes travel in ``nodes.attrs["graph"]``.  ``graph_from_gdfs`` is the
inverse: null attributes are dropped, as in OSMnx.
"""

from __future__ import annotations

import copy
import math
from typing import TYPE_CHECKING

import networkx as nx

from ..geodata import schema
from ..geodata._util import unbox
from ..geodata.errors import GraphError
from .build import EDGE_KINDS, SERVICE_STOP

if TYPE_CHECKING:
    import geopandas as gpd



def graph_to_gdfs(G: nx.MultiDiGraph) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Nodes and edges of ``G`` as two GeoDataFrames.

    Parameters
    ----------
    G
        Graph from :func:`network.build_graph` (or any graph with node ``x``/``y``).

    Returns
    -------
    tuple of geopandas.GeoDataFrame
        ``nodes`` indexed by id (Point geometry) and ``edges`` indexed by
        ``(u, v, key)`` (LineString geometry), in ``G.graph["crs"]``.

    Examples
    --------
    >>> from qjnet.network import build_graph
    >>> nodes, edges = graph_to_gdfs(build_graph(date="2025-07-01"))
    >>> list(edges.index.names)
    ['u', 'v', 'key']
    """
    import geopandas as gpd
    import pandas as pd
    from shapely.geometry import LineString, Point

    crs = G.graph.get("crs")
    if crs is None:
        raise GraphError("graph has no 'crs' in G.graph; build it with network.build_graph or set G.graph['crs']")
    ids, rows, geoms = [], [], []
    for n, d in G.nodes(data=True):
        if "x" not in d or "y" not in d:
            raise GraphError(f"node {n!r} has no x/y; every node needs coordinates")
        ids.append(n)
        rows.append(dict(d))
        geoms.append(Point(d["x"], d["y"]))
    nodes = gpd.GeoDataFrame(rows, index=pd.Index(ids, name="id"), geometry=geoms, crs=crs)
    if "population" in nodes.columns:
        nodes["population"] = nodes["population"].astype("Int64")
    idx, erows, egeoms = [], [], []
    for u, v, k, d in G.edges(keys=True, data=True):
        idx.append((u, v, k))
        erows.append(dict(d))
        egeoms.append(LineString([(G.nodes[u]["x"], G.nodes[u]["y"]), (G.nodes[v]["x"], G.nodes[v]["y"])]))
    index = pd.MultiIndex.from_tuples(idx, names=["u", "v", "key"]) if idx else \
        pd.MultiIndex.from_arrays([[], [], []], names=["u", "v", "key"])
    edges = gpd.GeoDataFrame(erows, index=index, geometry=egeoms, crs=crs)
    nodes.attrs["graph"] = copy.deepcopy(dict(G.graph))
    edges.attrs["graph"] = copy.deepcopy(dict(G.graph))
    return nodes, edges


def graph_from_gdfs(nodes: gpd.GeoDataFrame, edges: gpd.GeoDataFrame, *,
                    graph_attrs: dict | None = None) -> nx.MultiDiGraph:
    """Rebuild a graph from :func:`graph_to_gdfs` output (or GeoDataFrames in that shape).

    Parameters
    ----------
    nodes
        GeoDataFrame indexed by node id with ``x`` and ``y`` columns (filled
        from Point geometry when missing).
    edges
        GeoDataFrame indexed by ``(u, v, key)``.
    graph_attrs
        Graph attributes; default ``nodes.attrs["graph"]``, else ``{"crs": nodes.crs}``.

    Returns
    -------
    networkx.MultiDiGraph
        Null attributes dropped; the geometry columns are not copied.

    Raises
    ------
    GraphError
        Edges not indexed by ``(u, v, key)`` or naming unknown nodes.

    Examples
    --------
    >>> from qjnet.network import build_graph
    >>> G = build_graph(date="2025-07-01")
    >>> H = graph_from_gdfs(*graph_to_gdfs(G))
    >>> H.number_of_edges() == G.number_of_edges()
    True
    """
    if getattr(edges.index, "nlevels", 1) != 3:
        raise GraphError("edges must be indexed by (u, v, key) as graph_to_gdfs writes them")
    attrs = graph_attrs if graph_attrs is not None else nodes.attrs.get("graph")
    if attrs is None:
        attrs = {"crs": str(nodes.crs) if nodes.crs is not None else None}
    G = nx.MultiDiGraph()
    G.graph.update(copy.deepcopy(dict(attrs)))
    if G.graph.get("crs") is None and nodes.crs is not None:
        G.graph["crs"] = nodes.crs.to_string()
    geom_col = nodes.geometry.name if hasattr(nodes, "geometry") else None
    for n, row in zip(nodes.index, nodes.to_dict("records"), strict=False):
        d = {k: unbox(v) for k, v in row.items() if k != geom_col}
        d = {k: v for k, v in d.items() if v is not None}
        if ("x" not in d or "y" not in d) and geom_col is not None:
            pt = row[geom_col]
            d.setdefault("x", float(pt.x))
            d.setdefault("y", float(pt.y))
        G.add_node(unbox(n), **d)
    egeom = edges.geometry.name if hasattr(edges, "geometry") and edges._geometry_column_name in edges else None
    for (u, v, k), row in zip(edges.index, edges.to_dict("records"), strict=False):
        u, v, k = unbox(u), unbox(v), unbox(k)
        for end in (u, v):
            if end not in G:
                raise GraphError(f"edge ({u!r}, {v!r}, {k!r}) names node {end!r} that is not in the nodes")
        d = {a: unbox(b) for a, b in row.items() if a != egeom}
        G.add_edge(u, v, key=k, **{a: b for a, b in d.items() if b is not None})
    return G


def validate_graph(G: nx.MultiDiGraph) -> None:
    """Check ``G`` against the graph contract; raise one :class:`GraphError` listing the problems.

    Checks: a directed multigraph with ``G.graph["crs"]``; every node has
    finite ``x``/``y`` and a ``kind``; every edge has finite ``minutes >= 0``,
    a known ``mode`` and ``kind``; board edges lead from a stop into a
    service-stop, ride edges join service-stops, alight edges lead out of one.

    Raises
    ------
    GraphError
        The first problem, with the number of others.

    Examples
    --------
    >>> from qjnet.network import build_graph
    >>> validate_graph(build_graph(date="2025-07-01"))
    """
    problems: list[str] = []
    if not (G.is_directed() and G.is_multigraph()):
        problems.append("the graph must be a networkx.MultiDiGraph")
    if not G.graph.get("crs"):
        problems.append("G.graph has no 'crs'; set it (the model works in EPSG:4326)")
    for n, d in G.nodes(data=True):
        for c in ("x", "y"):
            value = d.get(c)
            if not isinstance(value, (int, float)) or not math.isfinite(value):
                problems.append(f"node {n!r}: {c}={value!r}; give a finite coordinate")
        if not d.get("kind"):
            problems.append(f"node {n!r}: no 'kind'; use one of {', '.join((*schema.NODE_KINDS, SERVICE_STOP))}")
    for u, v, k, d in G.edges(keys=True, data=True):
        where = f"edge ({u!r}, {v!r}, {k!r})"
        m = d.get("minutes")
        if not isinstance(m, (int, float)) or not math.isfinite(m) or m < 0:
            problems.append(f"{where}: minutes={m!r}; every edge needs finite minutes >= 0")
        if d.get("mode") not in schema.MODES:
            problems.append(f"{where}: mode={d.get('mode')!r}; use one of {', '.join(schema.MODES)}")
        kind = d.get("kind")
        if kind not in EDGE_KINDS:
            problems.append(f"{where}: kind={kind!r}; use one of {', '.join(EDGE_KINDS)}")
            continue
        su = G.nodes[u].get("kind") == SERVICE_STOP
        sv = G.nodes[v].get("kind") == SERVICE_STOP
        expected = {"board": (False, True), "ride": (True, True), "alight": (True, False), "link": (False, False)}
        if (su, sv) != expected[kind]:
            problems.append(f"{where}: a {kind} edge cannot join a {'service-stop' if su else 'stop'} "
                            f"to a {'service-stop' if sv else 'stop'}")
        if kind == "board":
            first = d.get("first_minutes", m)
            if not isinstance(first, (int, float)) or not (0 <= first <= (m if isinstance(m, (int, float)) else first)):
                problems.append(f"{where}: first_minutes={first!r} must be between 0 and minutes")
    if problems:
        more = len(problems) - 1
        raise GraphError(problems[0] + (f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""))
