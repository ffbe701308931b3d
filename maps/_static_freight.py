"""The freight map as a static figure: yards sized by capacity, freight trains, chains, a catchment.

Mirrors :func:`maps.freight.freight_map` (same objects in, same colours);
the page furniture comes from :mod:`maps._static_page`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ._static_draw import dot_handle, draw_lines, draw_points, line_handle
from ._static_page import Page, close_page, draw_basemap, metric_bounds, new_page, set_view, style
from .freight import IN_CATCHMENT, LEG_COLORS, OUT_CATCHMENT, YARD_COLOR, _bounds, _line, _longest_rides

if TYPE_CHECKING:
    import geopandas as gpd
    import networkx as nx
    from matplotlib.figure import Figure

    from ..geodata.io import Dataset
    from ..network.freight import FreightChain


def _lines(geoms: Sequence[Any]) -> gpd.GeoDataFrame:
    """WGS-84 lines as a GeoDataFrame (``None`` left out)."""
    import geopandas as gpd

    return gpd.GeoDataFrame(geometry=[g for g in geoms if g is not None], crs="EPSG:4326")


def _points(xy: Sequence[tuple[float, float]]) -> gpd.GeoDataFrame:
    import geopandas as gpd

    return gpd.GeoDataFrame(geometry=gpd.points_from_xy([p[0] for p in xy], [p[1] for p in xy]), crs="EPSG:4326")


def _draw_network(page: Page, G: nx.MultiDiGraph, *, show_roads: bool) -> None:
    """Truck roads (optional) and one line per freight train or air service."""
    if show_roads:
        roads = [_line(d.get("coords") or ()) for _, _, d in G.edges(data=True) if d["mode"] == "road"]
        draw_lines(page, _lines(roads), color=LEG_COLORS["road"], width=0.6, zorder=4)
    for mode in ("rail", "air"):
        rides = [_line(d["coords"]) for d in _longest_rides(G).values() if d["mode"] == mode]
        draw_lines(page, _lines(rides), color=LEG_COLORS[mode], width=1.8, zorder=5)
    page.handles += [line_handle(LEG_COLORS["rail"], "货运班列 Freight train"),
                     line_handle(LEG_COLORS["road"], "卡车 Truck")]
    if any(d["mode"] == "air" for _, _, d in G.edges(data=True)):
        page.handles.append(line_handle(LEG_COLORS["air"], "航空货运 Air cargo"))


def _draw_chain(page: Page, i: int, chain: FreightChain) -> None:
    """One chain: legs coloured by mode (every second chain dashed), transshipments as white dots."""
    for leg in chain.legs:
        if leg.mode == "handling":
            point = leg.coords[0] if leg.coords else None
            if point is not None and point[0] is not None:
                draw_points(page, _points([point]), colors="white", sizes=60.0, edge="black", zorder=14,
                            linewidth=1.5)
            continue
        draw_lines(page, _lines([_line(leg.coords)]), color=LEG_COLORS.get(leg.mode, "#404040"), width=3.0,
                   dashed=bool(i % 2), casing=True, zorder=8)
    page.handles.append(line_handle("#404040", f"货运链 Chain {i + 1}: {chain.label}", dashed=bool(i % 2),
                                    width=3.0))


def _draw_catchment(page: Page, catchment: gpd.GeoDataFrame) -> None:
    """Places coloured by whether they ship through the yard."""
    rows = catchment[catchment.geometry.notna()]
    draw_points(page, rows, colors=[IN_CATCHMENT if v else OUT_CATCHMENT for v in rows["in_catchment"]],
                sizes=50.0, zorder=11)
    page.handles += [dot_handle(IN_CATCHMENT, "经该站场更优 Ships via the yard"),
                     dot_handle(OUT_CATCHMENT, "其他方式更优 Ships another way")]


def _draw_yards(page: Page, G: nx.MultiDiGraph) -> None:
    """Yards and ports, area proportional to annual capacity."""
    from ..network.freight import yards

    ylist = [y for y in yards(G) if y["x"] is not None]
    largest = max([y["capacity_t"] or 0 for y in ylist] + [0])
    sizes = [(5.0 + 15.0 * (y["capacity_t"] / largest) ** 0.5 if y["capacity_t"] and largest > 0 else 4.0) ** 2 * 0.9
             for y in ylist]
    draw_points(page, _points([(y["x"], y["y"]) for y in ylist]), colors=YARD_COLOR, sizes=sizes, edge="white",
                zorder=12, linewidth=1.2)
    page.handles.append(dot_handle(YARD_COLOR, "货运站场 Yard / port (area ∝ annual capacity)", edge="white"))


def freight_figure(G: nx.MultiDiGraph, *, chains: Sequence[FreightChain] = (),
                   catchment: gpd.GeoDataFrame | None = None, dataset: Dataset | None = None,
                   title: str | None = None, show_roads: bool = False) -> Figure:
    """Draw a freight graph as a static map: yards, freight trains, chains and (optionally) a catchment.

    Parameters
    ----------
    G
        A freight graph from :func:`network.freight.build_freight_graph`.
    chains
        :class:`network.freight.FreightChain` objects to draw.
    catchment
        The GeoDataFrame of :func:`network.freight.catchment`.
    dataset
        The dataset the graph was built from: county basemap and labels.
    title
        Title text; default names the date and cargo.
    show_roads
        Also draw the truck roads.

    Returns
    -------
    matplotlib.figure.Figure
        An A4 landscape figure; write it with :func:`maps.static.save_figure`.

    Examples
    --------
    >>> from qjnet.network.freight import build_freight_graph, freight_route
    >>> G = build_freight_graph(date="2025-07-01")
    >>> chain = freight_route(G, "qianjiang_dist", "qinzhou_port_e", objective="cost")
    >>> freight_figure(G, chains=[chain]).texts[0].get_text()
    '货运 Freight · 2025-07-01 · per TEU'
    """
    unit = "TEU" if G.graph.get("cargo", "teu") == "teu" else "t"
    when = G.graph.get("date") or "all dates"
    with style():
        fig, (ax,) = new_page(title or f"货运 Freight · {when} · per {unit}")
        draw_basemap(ax, dataset)
        set_view(ax, metric_bounds(_bounds(G)))
        ax.set_autoscale_on(False)
        page = Page(fig=fig, ax=ax)
        _draw_network(page, G, show_roads=show_roads)
        for i, chain in enumerate(chains):
            _draw_chain(page, i, chain)
        if catchment is not None and len(catchment):
            _draw_catchment(page, catchment)
        _draw_yards(page, G)
        page.notes.append(f"Per {unit}; {when}. Costs and emission factors are assumptions unless a source "
                          "is given (see `qjnet freight`).")
        nodes = getattr(dataset, "nodes", None)
        seats = nodes[nodes["kind"] == "place"] if nodes is not None and "kind" in nodes.columns else None
        return close_page(fig, [page], legend_title="图例 Legend", dataset=dataset, nodes=seats,
                          date=G.graph.get("date"), scenario=G.graph.get("scenario"))
