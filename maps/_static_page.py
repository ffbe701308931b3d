"""The page of a static map: A4 landscape figure, CJK font, county basemap, labels, scale bar, legend.

Everything is drawn in UTM zone 49N (EPSG:32649), a metric CRS, so the scale
bar measures kilometres directly and north is up.  Figures are plain
:class:`matplotlib.figure.Figure` objects (no pyplot state); text uses the
WenQuanYi Micro Hei font (Debian package ``fonts-wqy-microhei``) so Chinese and
English names render alike on every machine that has it.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..geodata.errors import QjnetError

if TYPE_CHECKING:
    import geopandas as gpd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from ..geodata.io import Dataset

#: metric CRS of every static map (UTM zone 49N covers 108°E-114°E; the region sits around 109°E)
METRIC_CRS = "EPSG:32649"
#: A4 landscape in inches (3508 x 2480 px at 300 dpi), and the resolution of PNG files
A4_INCHES = (3508 / 300, 2480 / 300)  # 297 x 210 mm in whole pixels at 300 dpi
PNG_DPI = 300
FONT_FAMILY = "WenQuanYi Micro Hei"
FONT_PACKAGE = "fonts-wqy-microhei"
FONT_FILES = ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",)
#: figure fractions: map axes, legend column (left, bottom, width, height)
MAP_RECT = (0.025, 0.065, 0.70, 0.855)
LEGEND_RECT = (0.745, 0.065, 0.235, 0.855)
HALO = "white"


class FontMissingError(QjnetError, RuntimeError):
    """The CJK font of static maps is not installed."""


def find_cjk_font() -> str:
    """Path of the WenQuanYi Micro Hei font file, registered with matplotlib.

    Raises :class:`FontMissingError` (one line naming the package to install)
    when neither matplotlib's font list nor the usual Debian path has it.
    """
    from matplotlib import font_manager

    for entry in font_manager.fontManager.ttflist:
        if entry.name == FONT_FAMILY and Path(entry.fname).is_file():
            return str(entry.fname)
    for path in FONT_FILES:
        if Path(path).is_file():
            font_manager.fontManager.addfont(path)
            return path
    raise FontMissingError(f"static maps need the CJK font {FONT_FAMILY}; install it "
                           f"(Debian/Ubuntu: apt-get install {FONT_PACKAGE})")


@contextmanager
def style() -> Iterator[None]:
    """matplotlib settings of every static map: the CJK font, fixed SVG ids, no global state touched."""
    import matplotlib

    find_cjk_font()
    with matplotlib.rc_context({"font.family": [FONT_FAMILY], "font.size": 8, "svg.hashsalt": "qjnet",
                                "axes.unicode_minus": False, "path.simplify": True, "pdf.compression": 6}):
        yield


@dataclass
class Page:
    """A static map being drawn: the figure, its map axes and the legend entries gathered so far."""

    fig: Figure
    ax: Axes
    handles: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    taken: list = field(default_factory=list)


def new_page(title: str, *, axes: int = 1) -> tuple[Figure, list[Axes]]:
    """An A4 landscape figure with a title and ``axes`` map axes side by side (left of the legend)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=A4_INCHES, dpi=100)
    FigureCanvasAgg(fig)
    fig.text(0.025, 0.955, title, fontsize=15, va="center", ha="left")
    left, bottom, width, height = MAP_RECT
    gap = 0.015
    each = (width - gap * (axes - 1)) / axes
    out = []
    for k in range(axes):
        ax = fig.add_axes((left + k * (each + gap), bottom, each, height))
        ax.set_facecolor("#eef3f7")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_aspect("equal", adjustable="box")
        out.append(ax)
    return fig, out


def to_metric(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """``frame`` in :data:`METRIC_CRS` (a frame with no CRS is taken as WGS-84)."""
    if frame.crs is None:
        frame = frame.set_crs("EPSG:4326")
    return frame.to_crs(METRIC_CRS)


def set_view(ax: Axes, bounds: Sequence[float] | None, *, pad: float = 0.06, fill: bool = True) -> None:
    """Fit the map axes to metric ``bounds`` ``(minx, miny, maxx, maxy)`` plus a margin.

    With ``fill`` the view is widened in one direction to the shape of the axes,
    so the map fills its frame; otherwise the frame shrinks to the view.
    """
    if bounds is None or not all(math.isfinite(float(v)) for v in bounds):
        return
    minx, miny, maxx, maxy = (float(v) for v in bounds)
    w, h = max(maxx - minx, 20_000.0) * (1 + 2 * pad), max(maxy - miny, 20_000.0) * (1 + 2 * pad)
    box = ax.get_position(original=True)
    fig_w, fig_h = ax.figure.get_size_inches()
    ratio = (box.width * fig_w) / (box.height * fig_h)
    if fill:
        w, h = max(w, h * ratio), max(h, w / ratio)
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    ax.set_xlim(cx - w / 2, cx + w / 2)
    ax.set_ylim(cy - h / 2, cy + h / 2)


def draw_basemap(ax: Axes, dataset: Dataset | None) -> None:
    """County boundaries of ``dataset`` as a light basemap (nothing without a dataset or that layer)."""
    from .base import boundaries_of

    boundaries = boundaries_of(dataset)
    if boundaries is None:
        return
    counties = to_metric(boundaries)
    counties.plot(ax=ax, facecolor="#fbfbf5", edgecolor="#9a9a9a", linewidth=0.5, zorder=0)


def clip_view(ax: Axes) -> None:
    """Keep the view set by :func:`set_view` after GeoPandas plotting moved the limits."""
    ax.set_autoscale_on(False)


def short_en(name: Any) -> str:
    """English name without the trailing note in brackets (``"Zhangjiajie City (prefecture)"`` -> ``"Zhangjiajie City"``)."""
    text = "" if name is None or (isinstance(name, float) and math.isnan(name)) else str(name)
    return text.split(" (")[0].strip()


#: label size in points (one-line label, two-line label) of each node kind; other kinds are not labelled
LABEL_STYLE = {"place": (8.5, 7.5), "hsr_station": (6.0, 6.0), "airport": (6.0, 6.0)}


def label_candidates(nodes: gpd.GeoDataFrame | None) -> list[tuple[float, float, str, str]]:
    """``(x, y, text, kind)`` of the nodes worth a label, most important first.

    County seats (places) first by population, then open high-speed rail
    stations and airports: the rest stay unlabelled to keep the map legible.
    """
    if nodes is None or not len(nodes) or "kind" not in nodes.columns:
        return []
    pts = to_metric(nodes[nodes["kind"].isin(list(LABEL_STYLE)) & nodes.geometry.notna()])
    if "status" in pts.columns:
        pts = pts[(pts["kind"] == "place") | (pts["status"].fillna("open") == "open")]
    rank = {kind: i for i, kind in enumerate(LABEL_STYLE)}
    pop = pts["population"].fillna(0).astype(float) if "population" in pts.columns else 0.0
    order = pts.assign(_rank=pts["kind"].map(rank), _pop=-pop).sort_values(["_rank", "_pop"], kind="stable")
    out = []
    for nid, row in order.iterrows():
        zh = row.get("name_zh") or str(nid)
        en = short_en(row.get("name_en"))
        text = f"{zh}\n{en}" if row["kind"] == "place" and en else (f"{zh} {en}" if en else zh)
        out.append((float(row.geometry.x), float(row.geometry.y), text, str(row["kind"])))
    return out


#: where a label may go around its point, in points: right, left, above, below; then the same farther out
_OFFSETS = tuple((dx * k, dy * k, ha, va) for k in (1, 3) for dx, dy, ha, va in (
    (5, 0, "left", "center"), (-5, 0, "right", "center"), (0, 5, "center", "bottom"), (0, -5, "center", "top")))


def draw_labels(ax: Axes, candidates: Sequence[tuple[float, float, str, str]], *,
                taken: list | None = None) -> int:
    """Label the candidates that fit: a label is moved around its point, then dropped if it overlaps.

    Returns the number of labels drawn.  ``taken`` holds display boxes to keep
    clear (the legend, the scale bar); labels outside the axes are dropped.
    """
    import matplotlib.patheffects as pe

    renderer = ax.figure.canvas.get_renderer()
    frame = ax.get_window_extent(renderer)
    boxes = list(taken or [])
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    n = 0
    for x, y, text, kind in candidates:
        if not (x0 <= x <= x1 and y0 <= y <= y1):
            continue
        one_line, two_lines = LABEL_STYLE[kind]
        size = two_lines if "\n" in text else one_line
        for dx, dy, ha, va in _OFFSETS:
            label = ax.annotate(text, (x, y), xytext=(dx, dy), textcoords="offset points", ha=ha, va=va,
                                fontsize=size, color="#1a1a1a", zorder=20, linespacing=1.0,
                                annotation_clip=True,
                                path_effects=[pe.withStroke(linewidth=2.2, foreground=HALO)])
            label.set_gid("label " + text.replace("\n", " "))  # haloed text is drawn as paths: name it in SVG
            box = label.get_window_extent(renderer).expanded(1.04, 1.08)
            inside = frame.x0 <= box.x0 and box.x1 <= frame.x1 and frame.y0 <= box.y0 and box.y1 <= frame.y1
            if inside and not any(box.overlaps(b) for b in boxes):
                boxes.append(box)
                n += 1
                break
            label.remove()
    return n


def nice_length_km(span_km: float) -> float:
    """A round scale-bar length near a fifth of ``span_km`` (1, 2, 5, 10, 20, 50, ... km)."""
    target = max(span_km / 5.0, 1.0)
    exp = 10 ** math.floor(math.log10(target))
    return max(step * exp for step in (1, 2, 5) if step * exp <= target)


def draw_scale_bar(ax: Axes) -> Any:
    """A black-and-white scale bar in km at the lower left; returns its display box."""
    from matplotlib.patches import Rectangle

    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    km = nice_length_km((x1 - x0) / 1000.0)
    left, base, height = x0 + (x1 - x0) * 0.04, y0 + (y1 - y0) * 0.04, (y1 - y0) * 0.008
    half = km * 500.0
    artists = [ax.add_patch(Rectangle((left - (x1 - x0) * 0.012, base - (y1 - y0) * 0.018),
                                      km * 1000.0 + (x1 - x0) * 0.035, (y1 - y0) * 0.06, facecolor="white",
                                      edgecolor="none", alpha=0.8, zorder=29))]
    for k in range(2):
        artists.append(ax.add_patch(Rectangle((left + k * half, base), half, height, facecolor=("black", "white")[k],
                                              edgecolor="black", linewidth=0.6, zorder=30)))
    for value, pos in ((0, left), (km / 2, left + half), (km, left + 2 * half)):
        text = f"{value:g} km" if value == km else f"{value:g}"
        artists.append(ax.text(pos, base + height * 1.6, text, ha="center", va="bottom", fontsize=6.5, zorder=30))
    renderer = ax.figure.canvas.get_renderer()
    return artists[0].get_window_extent(renderer)


def draw_north_arrow(ax: Axes) -> Any:
    """A north arrow at the upper right of the map (grid north of UTM 49N, within 1° of true north)."""
    arrow = ax.annotate("N", xy=(0.955, 0.965), xytext=(0.955, 0.875), xycoords="axes fraction",
                        textcoords="axes fraction", ha="center", va="top", fontsize=10,
                        zorder=30, arrowprops={"arrowstyle": "-|>", "color": "black", "lw": 1.5,
                                               "mutation_scale": 14})
    renderer = ax.figure.canvas.get_renderer()
    return arrow.get_window_extent(renderer).expanded(1.6, 1.2)


def draw_legend(fig: Figure, handles: Sequence[Any], *, title: str, notes: Sequence[str] = ()) -> None:
    """The legend in the column right of the map (never over it), notes wrapped underneath."""
    import textwrap

    ax = fig.add_axes(LEGEND_RECT)
    ax.axis("off")
    legend = ax.legend(handles=list(handles), loc="upper left", title=title, fontsize=7, title_fontsize=8.5,
                       frameon=False, alignment="left", borderaxespad=0.0, handlelength=2.4)
    renderer = fig.canvas.get_renderer()
    box = legend.get_window_extent(renderer).transformed(ax.transAxes.inverted())
    wrapped = "\n".join(textwrap.fill(note, 46) for note in notes)
    if wrapped:
        ax.text(0.0, box.y0 - 0.03, wrapped, transform=ax.transAxes, va="top", ha="left", fontsize=6.3,
                color="#444444", linespacing=1.3)


def source_line(fig: Figure, *, dataset: Dataset | None, date: Any = None, scenario: Any = None) -> str:
    """Write the data-source line under the map: dataset name, date, scenario, qjnet; returns its text."""
    name = dataset.path.name if dataset is not None and getattr(dataset, "path", None) else "no dataset"
    date = date or getattr(dataset, "date", None) or "all dates"
    scenario = scenario or getattr(dataset, "scenario", None) or "none"
    text = (f"Data: {name} · date {date} · scenario {scenario} · basemap: county boundaries of the dataset · "
            f"projection UTM 49N (EPSG:32649) · made with qjnet")
    fig.text(0.025, 0.025, text, fontsize=6.5, color="#333333", ha="left", va="center")
    return text


def finish_map(page: Page, *, dataset: Dataset | None, nodes: gpd.GeoDataFrame | None) -> None:
    """Scale bar, north arrow and labels of one map axes (after its view is fixed)."""
    clip_view(page.ax)
    page.ax.set_xlabel("")
    page.ax.set_ylabel("")
    taken = [draw_scale_bar(page.ax), draw_north_arrow(page.ax), *page.taken]
    if nodes is None and dataset is not None:
        nodes = getattr(dataset, "nodes", None)
    draw_labels(page.ax, label_candidates(nodes), taken=taken)


def metric_bounds(bounds: Any) -> Any:
    """WGS-84 ``(minx, miny, maxx, maxy)`` as bounds in the metric CRS (``None`` stays ``None``)."""
    if bounds is None:
        return None
    import geopandas as gpd
    from shapely.geometry import box

    return gpd.GeoSeries([box(*(float(v) for v in bounds))], crs="EPSG:4326").to_crs(METRIC_CRS).total_bounds


def close_page(fig: Figure, pages: Sequence[Page], *, legend_title: str, dataset: Dataset | None,
               nodes: gpd.GeoDataFrame | None, date: Any = None, scenario: Any = None) -> Figure:
    """Labels, scale bar and north arrow on every map; the legend and the data-source line."""
    for page in pages:
        finish_map(page, dataset=dataset, nodes=nodes)
    handles = [h for page in pages for h in page.handles]
    unique = list({h.get_label(): h for h in handles}.values())
    draw_legend(fig, unique, title=legend_title, notes=[n for page in pages for n in page.notes])
    source_line(fig, dataset=dataset, date=date, scenario=scenario)
    return fig


SUFFIX_FORMATS = {".png": "png", ".svg": "svg", ".pdf": "pdf"}
#: metadata that would change between runs, blanked so that files compare equal
_METADATA = {"png": {"Software": "qjnet (matplotlib)"}, "svg": {"Date": None, "Creator": "qjnet (matplotlib)"},
             "pdf": {"CreationDate": None, "ModDate": None, "Creator": "qjnet (matplotlib)"}}


def figure_format(path: Any) -> str:
    """``png``, ``svg`` or ``pdf`` from the suffix of ``path``; :class:`OptionError` otherwise."""
    from ..geodata.errors import OptionError

    fmt = SUFFIX_FORMATS.get(Path(path).suffix.lower())
    if fmt is None:
        raise OptionError(f"{path}: static maps are written as .png, .svg or .pdf; name the file so")
    return fmt


def save_figure(fig: Figure, path: Any) -> Path:
    """Write ``fig`` atomically as PNG (300 dpi), SVG or PDF, chosen by the suffix of ``path``.

    Output is deterministic: fixed fonts and SVG ids, no timestamps in the
    metadata, so two runs give the same bytes.  Returns the path written.
    """
    from ..geodata._atomic import atomic_path

    fmt = figure_format(path)
    with style(), atomic_path(path) as tmp:
        fig.savefig(tmp, format=fmt, dpi=PNG_DPI, metadata=_METADATA[fmt])
    return Path(path)
