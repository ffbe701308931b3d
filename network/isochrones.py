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
deterministic.  The bands come back in the caller's CRS.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence

from ..geodata.errors import OptionError

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


def isochrones(reached, *, bands: Sequence[float] = DEFAULT_BANDS, access_speed_kmh: float = ACCESS_SPEED_KMH,
               max_access_minutes: float = MAX_ACCESS_MINUTES, metric_crs: str | None = None,
               quad_segs: int = QUAD_SEGS):
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
        in the CRS of ``reached``.

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
    if len(pts) == 0:
        return gpd.GeoDataFrame(columns=columns, geometry="geometry", crs=crs)
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
    return out.reset_index(drop=True)
