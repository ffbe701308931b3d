"""What every qjnet map shares: the frame, tiles, county basemap, mode colours, legend.

A map starts with :func:`base_map`: a ``folium.Map`` in an offline figure
(:mod:`maps.offline`), the dataset's county boundaries as a basemap that needs
no network, and optionally a tile layer (``tiles="osm"`` or ``"gaode"``).
Maps take objects and read no files: the basemap comes from the ``boundaries``
layer of the :class:`geodata.io.Dataset` object passed in (loaded from a
folder or a GeoPackage alike); with no dataset a map simply has no basemap.
AMap (Gaode) tiles are drawn in GCJ-02, the offset coordinate system Chinese
law requires for published maps; with ``tiles="gaode"`` every geometry is
converted from WGS-84 to GCJ-02 (:func:`geodata.crs.wgs84_to_gcj02`) so it
lines up with the tiles.  :class:`Canvas` carries that choice to every drawing
helper.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import folium
from branca.element import MacroElement
from folium.template import Template

from ..geodata.errors import OptionError
from ._batch import add_circle, add_line, flush
from ._print import PRINT_CSS, PrintMode, add_place_labels
from .escape import esc, fmt_minutes, missing
from .offline import make_offline

if TYPE_CHECKING:
    import geopandas as gpd

    from ..geodata.io import Dataset

TILES = ("none", "osm", "gaode")

#: tile URL template, attribution (HTML, fixed text), subdomains
TILE_LAYERS = {
    "osm": ("https://tile.openstreetmap.org/{z}/{x}/{y}.png",
            '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors', "abc"),
    "gaode": ("https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}",
              "&copy; 高德地图 AutoNavi", "1234"),
}

#: drawing colour and bilingual label of each mode (links' access/walk/transfer share one)
MODE_STYLE: dict[str, tuple[str, str]] = {
    "hsr": ("#d7191c", "高铁 High-speed rail"),
    "rail": ("#2b83ba", "普速铁路 Conventional rail"),
    "air": ("#7b3294", "航空 Air"),
    "ga": ("#e7298a", "通用航空 General aviation"),
    "freight_rail": ("#8c510a", "货运铁路 Freight rail"),
    "expressway": ("#1a9641", "高速公路 Expressway"),
    "road": ("#878787", "普通公路 Other road"),
    "access": ("#bdbdbd", "接驳 Access / transfer"),
}
ACCESS_MODES = ("access", "walk", "transfer")

#: marker colour and bilingual label of each node kind
KIND_STYLE: dict[str, tuple[str, str]] = {
    "place": ("#252525", "城区 Places (size: population)"),
    "hsr_station": ("#d7191c", "高铁站 HSR stations"),
    "rail_station": ("#2b83ba", "火车站 Rail stations"),
    "airport": ("#7b3294", "机场 Airports"),
    "ga_airport": ("#e7298a", "通用机场 GA airfields"),
    "logistics": ("#8c510a", "物流节点 Logistics"),
    "poi": ("#4d9221", "景点 Sights"),
}

DASH = "8 6"

#: band fill colours, nearest band first
BAND_COLORS = ("#1a9850", "#fee08b", "#f46d43", "#a50026", "#762a83", "#2166ac")


def mode_key(mode: str) -> str:
    """The style key of a dataset mode (``walk``/``transfer`` draw as ``access``)."""
    return "access" if mode in ACCESS_MODES else mode


def mode_color(mode: str) -> str:
    """Drawing colour of ``mode``; unknown modes are dark grey."""
    return MODE_STYLE.get(mode_key(str(mode)), ("#404040", ""))[0]


def mode_label(mode: str) -> str:
    """Bilingual label of ``mode`` (the mode itself when unknown)."""
    return MODE_STYLE.get(mode_key(str(mode)), ("", str(mode)))[1]


def population_radius(population: Any) -> float:
    """CircleMarker radius in pixels: area proportional to population, 4 px when unknown.

    ``3 + sqrt(population / 100 000) * 1.5``, capped at 22 px.
    """
    if missing(population):
        return 4.0
    return float(min(22.0, 3.0 + math.sqrt(max(float(population), 0.0) / 1e5) * 1.5))


def check_tiles(tiles: str) -> str:
    """Return ``tiles`` if it is one of :data:`TILES`, else raise :class:`OptionError`."""
    if tiles not in TILES:
        raise OptionError(f"unknown tiles {tiles!r}; use one of {', '.join(TILES)}")
    return tiles


@dataclass
class Canvas:
    """A map being drawn and the coordinate system its geometries must be in."""

    map: folium.Map
    tiles: str = "none"
    counts: dict = field(default_factory=dict)
    base_layers: list = field(default_factory=list)
    pending: dict = field(default_factory=dict)  # markers and lines to draw per layer: see ._batch

    @property
    def gcj(self) -> bool:
        """Whether geometries are converted to GCJ-02 (AMap tiles)."""
        return self.tiles == "gaode"

    def latlon(self, lon: float, lat: float) -> list[float]:
        """``[lat, lon]`` of a WGS-84 point in the map's coordinates."""
        if self.gcj:
            from ..geodata.crs import wgs84_to_gcj02

            lon, lat = wgs84_to_gcj02(lon, lat)
        return [round(float(lat), 6), round(float(lon), 6)]

    def geometry(self, geom):
        """A shapely geometry in the map's coordinates."""
        if geom is None or not self.gcj:
            return geom
        import numpy as np
        import shapely

        from ..geodata.crs import wgs84_to_gcj02

        def convert(xy):
            lon, lat = wgs84_to_gcj02(xy[:, 0], xy[:, 1])
            return np.column_stack([np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)])

        return shapely.transform(geom, convert)

    def lines(self, geom) -> list[list[list[float]]]:
        """Each part of a (Multi)LineString as a list of ``[lat, lon]`` in map coordinates."""
        geom = self.geometry(geom)
        if geom is None or geom.is_empty:
            return []
        parts = getattr(geom, "geoms", [geom])
        return [[[round(y, 6), round(x, 6)] for x, y, *_ in part.coords] for part in parts]

    def add(self, layer_name: str, n: int = 1) -> None:
        """Count ``n`` interactive features added to ``layer_name``."""
        self.counts[layer_name] = self.counts.get(layer_name, 0) + n


class Row(dict):
    """One row of a frame: a dict of its columns, its label as ``name`` and the columns as attributes too.

    What the map drawers read of a ``DataFrame.iterrows`` row (``row.get``,
    ``row["population"]``, ``row.geometry``, ``row.name``), without a pandas
    Series per row, which cost tens of times more on big results.
    """

    __slots__ = ("name",)

    def __getattr__(self, key: str) -> Any:
        try:
            return self[key]
        except KeyError:
            raise AttributeError(key) from None


def rows(frame: Any) -> Iterator[tuple[Any, Row]]:
    """``(label, row)`` of each row of ``frame`` in order, as :meth:`DataFrame.iterrows` gives them, as :class:`Row`."""
    for label, record in zip(frame.index, frame.to_dict("records"), strict=True):
        row = Row(record)
        row.name = label
        yield label, row


def check_dataset(dataset: Any) -> None:
    """Refuse a path or dataset name where a :class:`geodata.io.Dataset` object belongs.

    Maps read no files: load the dataset first (``qjnet.geodata.io.load_dataset(path)``,
    a folder or a GeoPackage) and pass the object.
    """
    if isinstance(dataset, (str, bytes, os.PathLike)):
        raise TypeError(f"maps take a Dataset object, not the path or name {dataset!r}; "
                        "load it first with qjnet.geodata.io.load_dataset(path)")


def boundaries_of(dataset: Dataset | None) -> gpd.GeoDataFrame | None:
    """The county boundaries layer of ``dataset`` (``None`` without a dataset or that layer)."""
    check_dataset(dataset)
    boundaries = getattr(dataset, "boundaries", None)
    return boundaries if boundaries is not None and len(boundaries) else None


def draw_basemap(canvas: Canvas, dataset: Dataset | None, *, simplify: float = 0.002) -> None:
    """Draw the county boundaries of ``dataset`` as the basemap; nothing without a dataset or boundaries."""
    boundaries = boundaries_of(dataset)
    if boundaries is not None:
        add_boundaries(canvas, boundaries, simplify=simplify)
    add_place_labels(canvas, getattr(dataset, "nodes", None))



def _frame(tiles: str) -> Canvas:
    """An empty offline map with the chosen tiles (none by default) and qjnet's CSS."""
    check_tiles(tiles)
    m = folium.Map(location=[29.5, 108.7], zoom_start=8, tiles=None, control_scale=True,
                   prefer_canvas=False)
    allowed = set()
    if tiles != "none":
        url, attr, subdomains = TILE_LAYERS[tiles]
        folium.TileLayer(tiles=url, attr=attr, name=esc({"osm": "OpenStreetMap", "gaode": "高德地图 AMap"}[tiles]),
                         subdomains=subdomains, max_zoom=18, control=False).add_to(m)
        allowed.add(url)
    make_offline(m, allowed=allowed)
    _background(m, tiles)
    return Canvas(map=m, tiles=tiles)


def _places_bounds(dataset: Dataset | None) -> Sequence[float] | None:
    """Bounds of the dataset's places (county-level nodes; every node when it has none)."""
    nodes = getattr(dataset, "nodes", None)
    if nodes is None or not len(nodes):
        return None
    places = nodes[nodes["kind"] == "place"] if "kind" in nodes.columns else nodes
    return (places if len(places) else nodes).total_bounds


def base_map(dataset: Dataset | None = None, *, tiles: str = "none", bounds: Sequence[float] | None = None,
             boundary_simplify: float = 0.002) -> Canvas:
    """A new offline map with the county basemap (and optional tiles), ready to draw on.

    Parameters
    ----------
    dataset
        A :class:`geodata.io.Dataset` object (never a path: maps read no files);
        its ``boundaries`` (if any) are drawn as the basemap and its nodes set
        the initial view.  ``None`` gives an empty frame with no basemap.
    tiles
        ``"none"`` (default, no network), ``"osm"`` or ``"gaode"`` (geometries in GCJ-02).
    bounds
        ``(minx, miny, maxx, maxy)`` in WGS-84 to fit the view to; default the dataset's places
        (county-level nodes), so a far-away port does not shrink the region.
    boundary_simplify
        Tolerance in degrees for simplifying county outlines (keeps files small).

    Returns
    -------
    Canvas
        The map (``.map``) and the coordinate conversion for the chosen tiles.

    Raises
    ------
    TypeError
        ``dataset`` is a path or a name instead of a Dataset object.

    Examples
    --------
    >>> from qjnet.geodata.io import load_dataset
    >>> canvas = base_map(load_dataset())
    >>> canvas.tiles, canvas.gcj
    ('none', False)
    """
    canvas = _frame(tiles)
    draw_basemap(canvas, dataset, simplify=boundary_simplify)
    if bounds is None:
        bounds = _places_bounds(dataset)
    if bounds is not None:
        fit(canvas, bounds)
    return canvas


def fit(canvas: Canvas, bounds: Sequence[float], *, pad: float = 0.05) -> None:
    """Fit the map's view to WGS-84 ``bounds`` ``(minx, miny, maxx, maxy)``."""
    minx, miny, maxx, maxy = (float(v) for v in bounds)
    dx, dy = max(maxx - minx, 0.05) * pad, max(maxy - miny, 0.05) * pad
    sw = canvas.latlon(minx - dx, miny - dy)
    ne = canvas.latlon(maxx + dx, maxy + dy)
    canvas.map.location = [(sw[0] + ne[0]) / 2, (sw[1] + ne[1]) / 2]
    canvas.map.fit_bounds([sw, ne])


class _Css(MacroElement):
    _template = Template("""
        {% macro header(this, kwargs) %}
            <style>{{ this.css }}</style>
        {% endmacro %}
    """)

    def __init__(self, css: str):
        super().__init__()
        self._name = "Css"
        self.css = css


def _background(m: folium.Map, tiles: str) -> None:
    bg = "#eef3f7" if tiles == "none" else "#ddd"
    _Css(f".leaflet-container {{ background: {bg}; }}\n"
         ".leaflet-interactive:focus { outline: none; }\n"
         ".leaflet-control-layers { font-size: 13px; }\n"
         ".qjnet-legend { background: rgba(255,255,255,0.92); padding: 6px 8px; border-radius: 4px;"
         " box-shadow: 0 1px 4px rgba(0,0,0,0.3); font: 12px/1.35 'WenQuanYi Micro Hei', sans-serif;"
         " max-height: 60vh; overflow-y: auto; }\n"
         ".qjnet-legend .sw { display: inline-block; width: 18px; height: 0; margin: 0 6px 3px 0;"
         " vertical-align: middle; border-top-width: 3px; }\n"
         ".qjnet-legend .dot { display: inline-block; width: 10px; height: 10px; border-radius: 50%;"
         " margin: 0 6px 0 4px; vertical-align: middle; }\n"
         ".qjnet-legend .box { display: inline-block; width: 14px; height: 10px; margin: 0 6px 0 2px;"
         " vertical-align: middle; }\n"
         ".qjnet-title { background: rgba(255,255,255,0.92); padding: 4px 8px; border-radius: 4px;"
         " font: bold 14px 'WenQuanYi Micro Hei', sans-serif; }\n"
         + PRINT_CSS).add_to(m)



def add_boundaries(canvas: Canvas, boundaries: gpd.GeoDataFrame, *, simplify: float = 0.002) -> None:
    """Draw county boundaries (a GeoDataFrame with ``name_zh``/``name_en``) as the basemap."""
    feats = [_boundary_feature(canvas, row, simplify) for _, row in boundaries.iterrows()
             if row.geometry is not None and not row.geometry.is_empty]
    if not feats:
        return
    layer = folium.GeoJson(
        {"type": "FeatureCollection", "features": feats},
        name=esc("县界 County boundaries"),
        style_function=lambda f: {"color": "#7f7f7f", "weight": 1, "fillColor": "#fbfbf5",
                                  "fillOpacity": 0.6 if canvas.tiles == "none" else 0.15},
        highlight_function=None,
        interactive=False,
        control=False,
        smooth_factor=1.0,
    )
    layer.add_to(canvas.map)


def _boundary_feature(canvas: Canvas, row: Any, simplify: float) -> dict:
    """One county as a GeoJSON feature in map coordinates (a one-part multi-polygon drawn as its part)."""
    import shapely

    geom = row.geometry
    if geom.geom_type == "MultiPolygon" and len(geom.geoms) == 1:
        geom = geom.geoms[0]  # GeoPackage layers store every polygon as a multi-polygon
    if simplify:
        geom = geom.simplify(simplify, preserve_topology=True)
    geom = canvas.geometry(geom)
    name = esc(f"{row.get('name_zh') or ''} {row.get('name_en') or ''}".strip())
    return {"type": "Feature", "properties": {"name": name},
            "geometry": shapely.geometry.mapping(shapely.set_precision(geom, 1e-5))}


def layer(canvas: Canvas, name: str, *, show: bool = True, base: bool = False) -> folium.FeatureGroup:
    """A new layer named ``name`` (escaped) in the layer control.

    ``base=True`` makes it one of the control's radio buttons (only one base
    layer shows at a time): the before/after toggle of the compare map.
    """
    group = folium.FeatureGroup(name=esc(name), show=show, overlay=not base)
    group.add_to(canvas.map)
    canvas.counts.setdefault(name, 0)
    if base:
        canvas.base_layers.append(name)
    return group


def polyline(canvas: Canvas, target, geom, *, color: str, weight: float = 3, dashed: bool = False,
             tooltip: str | None = None, popup_html: str | None = None, opacity: float = 0.9,
             layer_name: str | None = None, class_name: str | None = None) -> int:
    """Draw ``geom`` (Multi)LineString on ``target``; ``tooltip`` is plain text, ``popup_html`` escaped HTML;
    ``class_name`` is the lines' CSS class."""
    n = 0
    options = {"color": color, "weight": weight, "opacity": opacity}
    if dashed:
        options["dashArray"] = DASH
    if class_name:
        options["className"] = class_name
    for part in canvas.lines(geom):
        if len(part) < 2:
            continue
        add_line(canvas, target, part, options, esc(tooltip) if tooltip else None, popup_html or None)
        n += 1
    if layer_name is not None:
        canvas.add(layer_name, n)
    return n


def circle(canvas: Canvas, target, lon: float, lat: float, *, radius: float, color: str,
           fill_color: str | None = None, tooltip: str | None = None, popup_html: str | None = None,
           weight: float = 1.5, fill_opacity: float = 0.85, layer_name: str | None = None,
           dash_array: str | None = None, class_name: str | None = None) -> None:
    """Draw a CircleMarker at WGS-84 ``(lon, lat)``; ``tooltip`` is plain text, ``popup_html`` escaped HTML.

    ``dash_array`` dashes the outline; ``class_name`` is the marker's CSS class.
    """
    options = {"radius": radius, "color": color, "weight": weight, "fill": True,
               "fillColor": fill_color or color, "fillOpacity": fill_opacity}
    if dash_array is not None:
        options["dashArray"] = dash_array
    if class_name is not None:
        options["className"] = class_name
    add_circle(canvas, target, canvas.latlon(lon, lat), options, esc(tooltip) if tooltip else None,
               popup_html or None)
    if layer_name is not None:
        canvas.add(layer_name)


class Legend(MacroElement):
    """A fixed HTML legend control (bottom right); ``html`` must already be escaped."""

    _template = Template("""
        {% macro script(this, kwargs) %}
            (function() {
                var legend = L.control({position: {{ this.position|tojson }}});
                legend.onAdd = function() {
                    var div = L.DomUtil.create('div', 'qjnet-legend');
                    div.innerHTML = {{ this.html|tojson }};
                    L.DomEvent.disableClickPropagation(div);
                    L.DomEvent.disableScrollPropagation(div);
                    return div;
                };
                legend.addTo({{ this._parent.get_name() }});
            })();
        {% endmacro %}
    """)

    def __init__(self, html: str, *, position: str = "bottomright"):
        super().__init__()
        self._name = "Legend"
        self.html = html
        self.position = position


def legend_html(title: str, *, lines: Iterable[tuple[str, str, bool]] = (), dots: Iterable[tuple[str, str]] = (),
                boxes: Iterable[tuple[str, str]] = (), notes: Iterable[str] = ()) -> str:
    """Escaped legend HTML: ``lines`` (colour, label, dashed), ``dots`` and ``boxes`` (colour, label), notes."""
    parts = [f"<b>{esc(title)}</b>"]
    for color, label, dashed in lines:
        style = f"border-top: 3px {'dashed' if dashed else 'solid'} {color};"
        parts.append(f"<div><span class='sw' style='{style}'></span>{esc(label)}</div>")
    for color, label in dots:
        parts.append(f"<div><span class='dot' style='background:{color}'></span>{esc(label)}</div>")
    for color, label in boxes:
        parts.append(f"<div><span class='box' style='background:{color};opacity:0.7'></span>{esc(label)}</div>")
    for note in notes:
        parts.append(f"<div style='color:#555;max-width:260px'>{esc(note)}</div>")
    return "".join(parts)


class Title(MacroElement):
    """A title box (top left, under the zoom buttons); ``html`` must already be escaped."""

    _template = Template("""
        {% macro script(this, kwargs) %}
            (function() {
                var title = L.control({position: 'topleft'});
                title.onAdd = function() {
                    var div = L.DomUtil.create('div', 'qjnet-title');
                    div.innerHTML = {{ this.html|tojson }};
                    return div;
                };
                title.addTo({{ this._parent.get_name() }});
            })();
        {% endmacro %}
    """)

    def __init__(self, html: str):
        super().__init__()
        self._name = "Title"
        self.html = html


def finish(canvas: Canvas, *, legend: str | None = None, title: str | None = None,
           collapsed: bool = False, legend_position: str = "bottomright") -> folium.Map:
    """Add the legend, title (plain text) and layer control; return the ``folium.Map``.

    A map with a long layer list puts its legend at ``legend_position="bottomleft"`` so the two
    never overlap on a small screen.  A button (top right) folds the legend and the layer control
    away and back; on a map narrower than :data:`COMPACT_WIDTH` pixels they start folded, so a
    small window or a printed page shows the map itself.
    """
    flush(canvas)
    if title:
        Title(esc(title)).add_to(canvas.map)
    if legend:
        Legend(legend, position=legend_position).add_to(canvas.map)
    PrintMode().add_to(canvas.map)
    folium.LayerControl(collapsed=collapsed, position="topright").add_to(canvas.map)
    canvas.map.qjnet_layers = dict(canvas.counts)  # layer name -> number of interactive features
    canvas.map.qjnet_base_layers = list(canvas.base_layers)  # names of the radio (base) layers
    return canvas.map


def polygon(canvas: Canvas, target, geom, *, color: str, fill_opacity: float = 0.25, weight: float = 1.0,
            tooltip: str | None = None, popup_html: str | None = None, simplify: float = 0.002,
            layer_name: str | None = None) -> int:
    """Draw a (Multi)Polygon in WGS-84 on ``target`` as one Leaflet polygon (holes kept)."""
    if geom is None or geom.is_empty:
        return 0
    if simplify:
        geom = geom.simplify(simplify, preserve_topology=True)
    geom = canvas.geometry(geom)
    parts = getattr(geom, "geoms", [geom])

    def ring(r):
        return [[round(y, 5), round(x, 5)] for x, y, *_ in r.coords]

    # every ring in one list: with the even-odd fill rule holes stay empty and separate parts filled
    locations = [ring(r) for p in parts if not p.is_empty for r in (p.exterior, *p.interiors)]
    if not locations:
        return 0
    folium.Polygon(
        locations, color=color, weight=weight, fill=True, fill_color=color, fill_opacity=fill_opacity,
        fill_rule="evenodd",
        tooltip=folium.Tooltip(esc(tooltip), sticky=True) if tooltip else None,
        popup=folium.Popup(popup_html, max_width=420) if popup_html else None,
    ).add_to(target)
    if layer_name is not None:
        canvas.add(layer_name)
    return 1


def result_map(dataset: Dataset | None, *, tiles: str, bounds: Sequence[float] | None) -> Canvas:
    """A base map for a query result: the dataset's county outlines (if any), view fitted to ``bounds``."""
    canvas = _frame(tiles)
    draw_basemap(canvas, dataset)
    if bounds is not None:
        fit(canvas, bounds)
    return canvas


def band_frame(bands: gpd.GeoDataFrame | None, *, name: str = "bands") -> gpd.GeoDataFrame | None:
    """Isochrone bands ready to draw: in WGS-84, largest first (so smaller bands are drawn on top).

    ``bands`` is a GeoDataFrame as :func:`network.isochrones.isochrones` returns
    (``minutes`` and polygons); ``None`` gives ``None`` (nothing to draw).
    Raises :class:`TypeError` for anything else, such as a list of band limits.
    """
    if bands is None:
        return None
    if not hasattr(bands, "geometry") or "minutes" not in getattr(bands, "columns", ()):
        raise TypeError(f"{name} must be the GeoDataFrame of network.isochrones.isochrones(...) "
                        f"(columns minutes, geometry), got {type(bands).__name__}; compute the bands first")
    out = bands.to_crs("EPSG:4326") if bands.crs is not None else bands
    return out.sort_values("minutes", ascending=False, kind="stable")


def band_fill(rank: int) -> str:
    """Fill colour of the ``rank``-th smallest band."""
    return BAND_COLORS[min(rank, len(BAND_COLORS) - 1)]


def bands_note(bands: gpd.GeoDataFrame | None) -> list[str]:
    """The legend note saying how the bands were made (from their ``attrs``; empty when unknown)."""
    attrs = getattr(bands, "attrs", None) or {}
    speed, cap = attrs.get("access_speed_kmh"), attrs.get("max_access_minutes")
    if bands is None or speed is None or cap is None:
        return []
    return [(f"Bands: each reached node buffered by the time left at {fmt_minutes(speed)} km/h straight-line "
             f"local travel (at most {fmt_minutes(cap)} min), unioned per band.")]
