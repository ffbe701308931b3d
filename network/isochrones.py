"""Isochrone bands from a reachability result (:func:`isochrones`).

A band of ``T`` minutes is the area a traveller can be in within ``T``
minutes: the network carries them to each reached node, and from there they
go on by local road for the time left.  So each reached node with ``m``
minutes is buffered by a circle of radius ``(T - m) / 60 * access_speed_kmh``
km (capped at ``max_access_minutes`` of local travel), and the circles are
unioned per band.

Assumption (documented, overridable): ``access_speed_kmh = 20`` — the
straight-line speed of local travel in the Wuling mountains: county and
township roads at about 30 km/h with a circuity of about 1.5 (winding
mountain roads) give 30 / 1.5 = 20 km/h as the crow flies.
``max_access_minutes = 60`` — beyond an hour of local roads a traveller would
be on another link of the network, which the reach already accounts for.

Buffers are computed in a metric CRS (the UTM zone of the reached nodes,
UTM 49N / EPSG:32649 for this region; :func:`geodata.crs.metric_crs`), with a
fixed number of segments, on nodes sorted by id, so the result is
deterministic.  The bands come back in the caller's CRS, with the
parameters used in ``attrs`` (a map's legend states them).

:func:`compare_isochrones` and :func:`circle_isochrones` give the bands of
the two situations of a before/after comparison and of the two measures of an
economic circle, ready for :func:`maps.compare_map` and :func:`maps.circle_map`.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..geodata.errors import OptionError

if TYPE_CHECKING:
    import geopandas as gpd
    import networkx as nx

log = logging.getLogger(__name__)

ACCESS_SPEED_KMH = 20.0
MAX_ACCESS_MINUTES = 60.0
DEFAULT_BANDS = (60.0, 120.0, 180.0)
QUAD_SEGS = 16  # segments per quarter circle of each buffer


def _check_bands(bands) -> list[float]:
    try:
        values = [float(b) for b in bands]
    except (TypeError, ValueError):
        raise OptionError(f"bands must be numbers of minutes, got {bands!r}") from None
    if not values or any(not math.isfinite(b) or b <= 0 for b in values):
        raise OptionError(f"bands must be positive finite minutes, got {list(bands)!r}; e.g. 60,120,180")
    if len(set(values)) != len(values):
        raise OptionError(f"bands must not repeat, got {list(bands)!r}")
    return sorted(values)


def isochrones(reached: gpd.GeoDataFrame, *, bands: Sequence[float] = DEFAULT_BANDS,
               access_speed_kmh: float = ACCESS_SPEED_KMH, max_access_minutes: float = MAX_ACCESS_MINUTES,
               metric_crs: Any = None, quad_segs: int = QUAD_SEGS) -> gpd.GeoDataFrame:
    """Isochrone polygons, one per band, from a reach result.

    Parameters
    ----------
    reached
        GeoDataFrame of reached nodes with a ``minutes`` column and Point
        geometry, as :func:`network.reach.reach` returns (any CRS).
    bands
        Band limits in minutes, e.g. ``(60, 120, 180)``.
    access_speed_kmh
        Straight-line speed of local travel from a reached node (default 20 km/h,
        see the module docstring for why).
    max_access_minutes
        At most this much local travel around any node (default 60).
    metric_crs
        Projected CRS for the buffers; default the UTM zone of the nodes.
    quad_segs
        Segments per quarter circle of each buffer.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per band that reaches anything, sorted by ``minutes`` (the band
        limit): ``minutes``, ``nodes`` (how many reached nodes contribute),
        ``area_km2``, and the (Multi)Polygon of everywhere within the band
        (bands are nested: the 120-minute polygon contains the 60-minute one),
        in the CRS of ``reached``; ``attrs`` hold ``access_speed_kmh``,
        ``max_access_minutes`` and ``metric_crs``.

    Raises
    ------
    OptionError
        Bad bands, speed or limits, or ``reached`` without ``minutes``.

    Examples
    --------
    >>> from qjnet.network import build_graph
    >>> from qjnet.network.reach import reach
    >>> G = build_graph(date="2025-07-01")
    >>> bands = isochrones(reach(G, "qianjiang", minutes=120), bands=(60, 120))
    >>> list(bands["minutes"]), bool(bands.geometry.iloc[1].contains(bands.geometry.iloc[0]))
    ([60.0, 120.0], True)
    """
    import geopandas as gpd
    import numpy as np
    import shapely

    limits = _check_bands(bands)
    for name, value in (("access_speed_kmh", access_speed_kmh), ("max_access_minutes", max_access_minutes)):
        if not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
            raise OptionError(f"{name} must be a positive number, got {value!r}")
    if "minutes" not in getattr(reached, "columns", ()):
        raise OptionError("isochrones need a reach result with a 'minutes' column (network.reach.reach)")
    crs = reached.crs or "EPSG:4326"
    columns = ["minutes", "nodes", "area_km2", "geometry"]
    pts = reached[reached.geometry.notna() & ~reached.geometry.is_empty]
    pts = pts[np.isfinite(pts["minutes"].astype(float))]
    attrs = {"access_speed_kmh": float(access_speed_kmh), "max_access_minutes": float(max_access_minutes)}
    if len(pts) == 0:
        empty = gpd.GeoDataFrame(columns=columns, geometry="geometry", crs=crs)
        empty.attrs.update(attrs, metric_crs=None if metric_crs is None else str(metric_crs))
        return empty
    pts = pts.sort_index(kind="stable")
    if metric_crs is None:
        from ..geodata.crs import metric_crs as utm

        wgs = pts.to_crs("EPSG:4326").geometry
        metric_crs = utm(wgs.x.to_numpy(), wgs.y.to_numpy())
    proj = pts.to_crs(metric_crs)
    xy = shapely.get_coordinates(proj.geometry.to_numpy())
    minutes = proj["minutes"].to_numpy(dtype=float)
    rows = []
    for limit in limits:
        left = np.minimum(limit - minutes, max_access_minutes)
        inside = left > 0
        if not inside.any():
            continue
        radius_m = left[inside] / 60.0 * access_speed_kmh * 1000.0
        circles = shapely.buffer(shapely.points(xy[inside]), radius_m, quad_segs=quad_segs)
        area = shapely.union_all(circles)
        rows.append({"minutes": limit, "nodes": int(inside.sum()), "area_km2": float(area.area / 1e6),
                     "geometry": area})
    out = gpd.GeoDataFrame(rows, columns=columns, geometry="geometry", crs=metric_crs).to_crs(crs)
    out["minutes"] = out["minutes"].astype(float)
    out["nodes"] = out["nodes"].astype(int)
    log.info("Isochrones: %d bands from %d reached nodes at %.0f km/h (%s)", len(out), len(pts),
             access_speed_kmh, metric_crs)
    out = out.reset_index(drop=True)
    out.attrs.update(attrs, metric_crs=str(metric_crs))
    return out


def default_bands(budget: float) -> list[float]:
    """Band limits for a time budget: 60, 120, 180 ... below ``budget``, and ``budget`` itself.

    Examples
    --------
    >>> default_bands(180), default_bands(150), default_bands(45)
    ([60.0, 120.0, 180.0], [60.0, 120.0, 150.0], [45.0])
    """
    bands = [float(b) for b in range(60, int(budget), 60) if b < budget]
    return [*bands, float(budget)]


def _minutes_frame(table: gpd.GeoDataFrame, column: str, *, budget: float) -> gpd.GeoDataFrame:
    """The rows of ``table`` with ``column`` within ``budget``, as a reach-like frame (``minutes``, geometry)."""
    minutes = table[column].astype(float)
    frame = table.loc[minutes <= budget, [table.geometry.name]].copy()
    frame["minutes"] = minutes[frame.index]
    return frame


def compare_isochrones(diff: gpd.GeoDataFrame, G: nx.MultiDiGraph | None = None, *,
                       bands: Sequence[float] | None = None, access_speed_kmh: float = ACCESS_SPEED_KMH,
                       max_access_minutes: float = MAX_ACCESS_MINUTES,
                       ) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """The isochrone bands before and after, from a :func:`network.compare.compare` table.

    Each situation's bands come from the places it reaches within the largest
    band, plus the origin itself at 0 minutes (placed by ``G``, since the
    origin is not a row of ``diff``) when that situation reaches anything.

    Parameters
    ----------
    diff
        GeoDataFrame from :func:`network.compare.compare` (``before`` and
        ``after`` minutes, ``attrs["origin"]`` and ``attrs["bands"]``).
    G
        A graph holding the origin's position (the "after" graph); ``None``
        leaves the origin out.
    bands
        Band limits in minutes; default ``diff.attrs["bands"]`` (else 60, 120, 180).
    access_speed_kmh, max_access_minutes
        As for :func:`isochrones`.

    Returns
    -------
    tuple of geopandas.GeoDataFrame
        ``(before, after)``, each as :func:`isochrones` returns (empty when
        that situation reaches nothing within the bands).

    Examples
    --------
    >>> from qjnet.network import build_graph, compare
    >>> G0, G1 = build_graph(date="2025-06-26"), build_graph(date="2025-07-01")
    >>> before, after = compare_isochrones(compare(G0, G1, "chongqing_core"), G1, bands=(180,))
    >>> bool(after["area_km2"].iloc[0] > before["area_km2"].iloc[0])
    True
    """
    import pandas as pd

    limits = _check_bands(bands if bands is not None else diff.attrs.get("bands") or DEFAULT_BANDS)
    origin = _origin_frame(G, diff.attrs.get("origin"), crs=diff.crs)
    out = []
    for column in ("before", "after"):
        frame = _minutes_frame(diff, column, budget=limits[-1])
        if origin is not None and len(frame):
            frame = pd.concat([frame, origin[frame.columns]])
        out.append(isochrones(frame, bands=limits, access_speed_kmh=access_speed_kmh,
                              max_access_minutes=max_access_minutes))
    return out[0], out[1]


def _origin_frame(G: nx.MultiDiGraph | None, origin: Any, *, crs: Any) -> gpd.GeoDataFrame | None:
    """The origin node of ``G`` as a one-row frame at 0 minutes (``None`` when ``G`` does not hold it)."""
    import geopandas as gpd
    from shapely.geometry import Point

    if G is None or origin is None or origin not in G:
        return None
    d = G.nodes[origin]
    frame = gpd.GeoDataFrame({"minutes": [0.0]}, geometry=[Point(float(d["x"]), float(d["y"]))], index=[origin],
                             crs=G.graph.get("crs", "EPSG:4326"))
    return frame.to_crs(crs) if crs is not None else frame


def circle_isochrones(result: gpd.GeoDataFrame, *, bands: Sequence[float] | None = None,
                      access_speed_kmh: float = ACCESS_SPEED_KMH, max_access_minutes: float = MAX_ACCESS_MINUTES,
                      ) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """The isochrone bands of both measures of an economic circle (:func:`network.access.economic_circle`).

    Parameters
    ----------
    result
        GeoDataFrame from :func:`network.access.economic_circle`
        (``station_minutes``, ``centre_minutes``, ``attrs["bands"]``).
    bands
        Band limits in minutes; default ``result.attrs["bands"]`` (else 60, 120, 180).
    access_speed_kmh, max_access_minutes
        As for :func:`isochrones`.

    Returns
    -------
    tuple of geopandas.GeoDataFrame
        ``(station_to_station, centre_to_centre)``, each as :func:`isochrones` returns.

    Examples
    --------
    >>> from qjnet.network import build_graph, economic_circle
    >>> G = build_graph(date="2025-07-01")
    >>> station, centre = circle_isochrones(economic_circle(G, "chongqing_core"))
    >>> list(station["minutes"]), list(centre["minutes"])
    ([60.0, 120.0, 180.0], [120.0, 180.0])
    """
    limits = _check_bands(bands if bands is not None else result.attrs.get("bands") or DEFAULT_BANDS)
    station, centre = (isochrones(_minutes_frame(result, column, budget=math.inf), bands=limits,
                                  access_speed_kmh=access_speed_kmh, max_access_minutes=max_access_minutes)
                       for column in ("station_minutes", "centre_minutes"))
    return station, centre
