"""Drawing steps shared by the static maps: lines, bands, points and their legend entries.

Every helper takes metric GeoDataFrames (:func:`maps._static_page.to_metric`)
and a :class:`maps._static_page.Page`, and adds its legend entry to the page.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ._static_page import Page, to_metric
from .base import KIND_STYLE, MODE_STYLE, band_fill, population_radius
from .escape import fmt_minutes

if TYPE_CHECKING:
    import geopandas as gpd

#: matplotlib dash pattern of planned / under-construction lines
DASHES = (0, (4, 3))


def line_handle(color: str, label: str, *, dashed: bool = False, width: float = 2.0) -> Any:
    """A legend entry for a line."""
    from matplotlib.lines import Line2D

    return Line2D([], [], color=color, linewidth=width, linestyle=DASHES if dashed else "-", label=label)


def dot_handle(color: str, label: str, *, edge: str = "#333333", size: float = 7.0) -> Any:
    """A legend entry for a point."""
    from matplotlib.lines import Line2D

    return Line2D([], [], linestyle="none", marker="o", markersize=size, markerfacecolor=color,
                  markeredgecolor=edge, markeredgewidth=0.8, label=label)


def box_handle(color: str, label: str, *, alpha: float = 0.45) -> Any:
    """A legend entry for a filled area."""
    from matplotlib.patches import Patch

    return Patch(facecolor=color, edgecolor=color, alpha=alpha, label=label)


def point_size(population: Any) -> float:
    """Marker area in points² from the HTML maps' radius in pixels (area grows with population)."""
    return float(population_radius(population) * 0.75) ** 2 * 1.6


def draw_lines(page: Page, lines: gpd.GeoDataFrame, *, color: str, width: float = 1.2, dashed: bool = False,
               zorder: float = 5, casing: bool = False) -> None:
    """Draw (Multi)LineStrings; ``casing`` puts a white line underneath to keep crossing lines apart."""
    if not len(lines):
        return
    metric = to_metric(lines)
    if casing:
        metric.plot(ax=page.ax, color="white", linewidth=width + 2.5, zorder=zorder - 0.1)
    metric.plot(ax=page.ax, color=color, linewidth=width, linestyle=DASHES if dashed else "-", zorder=zorder)


def draw_points(page: Page, pts: gpd.GeoDataFrame, *, colors: Sequence[str] | str, sizes: Sequence[float] | float,
                edge: str = "#333333", zorder: float = 10, linewidth: float = 0.7,
                modelled: Sequence[bool] | None = None) -> None:
    """Draw points with per-point face colours and sizes (points², the larger drawn first);
    the ``modelled`` ones paler with a dashed rim (answers resting mostly on modelled minutes)."""
    if not len(pts):
        return
    import numpy as np
    from matplotlib.colors import to_rgba_array

    metric = to_metric(pts)
    n = len(metric)
    faces = to_rgba_array(colors if not isinstance(colors, str) else [colors] * n)
    size = np.broadcast_to(np.asarray(sizes, dtype=float), (n,))
    pale = np.zeros(n, dtype=bool) if modelled is None else np.asarray(modelled, dtype=bool)
    faces[pale, 3] = MODELLED_ALPHA
    for subset, style in ((~pale, "solid"), (pale, DASHES)):
        if subset.any():
            page.ax.scatter(metric.geometry.x[subset], metric.geometry.y[subset], s=size[subset], c=faces[subset],
                            edgecolors=edge, linewidths=linewidth, linestyles=[style], zorder=zorder)


#: Face opacity of a point resting mostly on modelled minutes (as the HTML maps' paler fill).
MODELLED_ALPHA = 0.35


def provenance_handles() -> list[Any]:
    """Legend entries: a full point (mostly published) and a pale dashed one (mostly modelled)."""
    from matplotlib.lines import Line2D

    return [dot_handle("#31a354", "主要公布 mostly published (≥ 50% of minutes)"),
            Line2D([], [], linestyle="none", marker="o", markersize=7.0, markerfacecolor=(0.19, 0.64, 0.33, MODELLED_ALPHA),
                   markeredgecolor="#333333", markeredgewidth=0.8, fillstyle="full",
                   label="主要模型 mostly modelled: derived, assumed, access model")]


def draw_marker(page: Page, x: float, y: float, *, size: float = 160.0, face: str = "white",
                zorder: float = 15) -> None:
    """A large white circle with a thick black rim (origin, centre), at WGS-84 ``(x, y)``."""
    import geopandas as gpd
    from shapely.geometry import Point

    pt = to_metric(gpd.GeoDataFrame(geometry=[Point(x, y)], crs="EPSG:4326")).geometry.iloc[0]
    from matplotlib.transforms import Bbox

    page.ax.scatter([pt.x], [pt.y], s=size, c=face, edgecolors="black", linewidths=2.2, zorder=zorder)
    cx, cy = page.ax.transData.transform((pt.x, pt.y))
    r = (size ** 0.5 / 2 + 1.5) * page.fig.dpi / 72
    page.taken.append(Bbox.from_extents(cx - r, cy - r, cx + r, cy + r))  # labels keep clear of it


def draw_bands(page: Page, bands: gpd.GeoDataFrame | None, *, colors: Sequence[str] | None = None,
               alpha: float = 0.3, prefix: str = "等时圈 band", outline_only: bool = False) -> None:
    """Isochrone bands (largest first, from :func:`maps.base.band_frame`) with a legend entry each."""
    if bands is None or not len(bands):
        return
    metric = to_metric(bands)
    n = len(metric)
    for i, (_, band) in enumerate(metric.iterrows()):
        color = colors[i] if colors is not None else band_fill(n - 1 - i)
        one = metric.iloc[[i]]
        if outline_only:
            one.plot(ax=page.ax, facecolor="none", edgecolor=color, linewidth=1.0, linestyle=DASHES, zorder=3)
            page.handles.append(line_handle(color, f"{prefix} ≤ {fmt_minutes(band['minutes'])} min",
                                            dashed=True, width=1.0))
        else:
            one.plot(ax=page.ax, facecolor=color, edgecolor=color, alpha=alpha, linewidth=0.8, zorder=2 + i * 0.01)
            page.handles.append(box_handle(color, f"{prefix} ≤ {fmt_minutes(band['minutes'])} min", alpha=alpha))


def mode_lines_handles(keys: Sequence[str], dashed: bool) -> list[Any]:
    """Legend entries of the modes drawn (and the dashed-line key)."""
    out = [line_handle(MODE_STYLE[k][0], MODE_STYLE[k][1]) for k in keys]
    if dashed:
        out.append(line_handle("#555555", "虚线 规划/在建 Dashed: planned or under construction", dashed=True))
    return out


def kind_handles(kinds: Sequence[str]) -> list[Any]:
    """Legend entries of the node kinds drawn (places in their fill colour)."""
    return [dot_handle("#fdd49e" if k == "place" else KIND_STYLE[k][0], KIND_STYLE[k][1],
                       edge=KIND_STYLE[k][0] if k == "place" else "white") for k in kinds]
