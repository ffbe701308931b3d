"""Map commands: ``qjnet map`` and the ``--map FILE`` option of the query commands.

A query command gets ``--map FILE``, ``--tiles`` and ``--cdn`` from
:func:`map_options` and, after answering, calls :func:`write_map` with its
result objects; nothing happens unless ``--map`` was given.  The command's
dataset is loaded once (``--data``: a folder or a GeoPackage) and passed to
the map as an object, and isochrone bands are computed here with
:mod:`network.isochrones`: maps read no files and compute nothing of the
model.  folium and geopandas are imported only when a map is drawn.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import click

from ._common import dataset_options
from ._lazy import before_folium

log = logging.getLogger(__name__)

TILES = ("none", "osm", "gaode")
_META_KEY = "qjnet.map"


@dataclass(frozen=True)
class MapRequest:
    """What ``--map/--tiles/--cdn`` asked for."""

    path: str | None
    tiles: str = "none"
    cdn: bool = False


def _tiles_option(func):
    return click.option("--tiles", type=click.Choice(TILES), default="none", show_default=True,
                        help="Background tiles: none (county outlines only, works offline), osm, or gaode "
                             "(AMap; geometries converted to GCJ-02).")(func)


def _cdn_option(func):
    return click.option("--cdn", is_flag=True,
                        help="Link Leaflet/jQuery from public CDNs (small file, needs internet) instead of "
                             "inlining them.")(func)


def map_options(func):
    """Add ``--map FILE``, ``--tiles`` and ``--cdn`` to a query command.

    The values are kept in the click context (the command's signature does
    not change); the command calls :func:`write_map` once it has its result.
    """

    @functools.wraps(func)
    def wrapper(*args, map_file=None, tiles="none", cdn=False, **kwargs):
        if map_file is not None:
            check_map_path(map_file, "--map", tiles=tiles, cdn=cdn)
        click.get_current_context().meta[_META_KEY] = MapRequest(map_file, tiles, cdn)
        return func(*args, **kwargs)

    wrapper = _cdn_option(wrapper)
    wrapper = _tiles_option(wrapper)
    wrapper = click.option("--map", "map_file", type=click.Path(dir_okay=False), default=None, metavar="FILE",
                           help="Also draw the answer as a map: FILE.html is interactive (self-contained, works "
                                "offline); FILE.png, .svg or .pdf is a static A4 map for reports.")(wrapper)
    return wrapper


#: Suffixes of the files a map is written to: interactive HTML, static images and documents.
HTML_SUFFIXES = (".html", ".htm")
STATIC_SUFFIXES = (".png", ".svg", ".pdf")
MAP_SUFFIXES = HTML_SUFFIXES + STATIC_SUFFIXES


def is_static(path: str) -> bool:
    """Whether ``path`` names a static map (PNG, SVG or PDF) rather than an HTML one."""
    from pathlib import Path

    return Path(path).suffix.lower() in STATIC_SUFFIXES


def check_map_path(path: str, option: str, *, tiles: str = "none", cdn: bool = False) -> None:
    """Refuse, before any work, a map file that is not .html/.png/.svg/.pdf or cannot be written.

    ``--tiles`` and ``--cdn`` only apply to HTML maps: with a static suffix they are refused too.
    Every refusal is a one-line :class:`OptionError`.
    """
    from pathlib import Path

    from ..geodata._atomic import check_target
    from ..geodata.errors import OptionError

    if Path(path).suffix.lower() not in MAP_SUFFIXES:
        raise OptionError(f"{option} {path}: name the map file .html (interactive) or .png, .svg or .pdf "
                          "(static, for reports)")
    if is_static(path) and (tiles != "none" or cdn):
        flag = "--tiles" if tiles != "none" else "--cdn"
        raise OptionError(f"{option} {path}: {flag} applies to HTML maps only; static maps are drawn "
                          "offline on the county basemap")
    check_target(path)


def write_map(kind: str, dataset: Callable[[], Any], **kwargs: Any) -> None:
    """Draw and save the map of a query result when ``--map`` was given.

    ``kind`` is ``reach``, ``route``, ``compare`` or ``circle``; ``dataset``
    returns the command's loaded Dataset (called only when a map is drawn, so
    a query without ``--map`` loads nothing more); ``kwargs`` are the result
    objects for the matching drawer below (``tiles`` comes from ``--tiles``).
    """
    ctx = click.get_current_context()
    req = ctx.meta.get(_META_KEY)
    if req is None or not req.path:
        return
    before_folium()
    from .. import maps

    if is_static(req.path):
        from ..maps.static import save_figure

        when = {k: ctx.params.get(k) for k in ("date", "scenario") if kind == "reach"}
        save_figure(_STATIC[kind](dataset=dataset(), **when, **kwargs), req.path)
    else:
        m = _DRAWERS[kind](dataset=dataset(), tiles=req.tiles, **kwargs)
        maps.save(m, req.path, cdn=req.cdn)
    click.echo(f"wrote map {req.path}", err=True)


def _reach_map(*, reached, minutes: float, reverse: bool, dataset, tiles: str):
    from .. import maps
    from ..network.isochrones import default_bands, isochrones

    bands = isochrones(reached, bands=default_bands(minutes))
    return maps.reach_map(reached, bands=bands, minutes=minutes, reverse=reverse, dataset=dataset, tiles=tiles)


def _route_map(*, itinerary, G, dataset, tiles: str):
    from .. import maps

    return maps.route_map(itinerary, G, dataset=dataset, tiles=tiles)


def _compare_map(*, diff, G, dataset, tiles: str):
    from .. import maps
    from ..network.isochrones import compare_isochrones

    before, after = compare_isochrones(diff, G)
    return maps.compare_map(diff, bands_before=before, bands_after=after, G=G, dataset=dataset, tiles=tiles)


def _circle_map(*, result, G, dataset, tiles: str):
    from .. import maps
    from ..network.isochrones import circle_isochrones

    station, centre = circle_isochrones(result)
    return maps.circle_map(result, bands_station=station, bands_centre=centre, G=G, dataset=dataset, tiles=tiles)


#: kind -> drawer: computes the bands (the model) and passes objects to :mod:`maps`
_DRAWERS: dict[str, Callable[..., Any]] = {"reach": _reach_map, "route": _route_map, "compare": _compare_map,
                                           "circle": _circle_map}


def _reach_figure(*, reached, minutes: float, reverse: bool, dataset, date=None, scenario=None):
    from ..maps import static
    from ..network.isochrones import default_bands, isochrones

    bands = isochrones(reached, bands=default_bands(minutes))
    return static.reach_figure(reached, bands=bands, minutes=minutes, reverse=reverse, dataset=dataset,
                               date=date, scenario=scenario)


def _route_figure(*, itinerary, G, dataset):
    from ..maps import static

    return static.route_figure(itinerary, G, dataset=dataset)


def _compare_figure(*, diff, G, dataset):
    from ..maps import static
    from ..network.isochrones import compare_isochrones

    before, after = compare_isochrones(diff, G)
    return static.compare_figure(diff, bands_before=before, bands_after=after, G=G, dataset=dataset)


def _circle_figure(*, result, G, dataset):
    from ..maps import static
    from ..network.isochrones import circle_isochrones

    station, centre = circle_isochrones(result)
    return static.circle_figure(result, bands_station=station, bands_centre=centre, G=G, dataset=dataset)


#: kind -> static drawer (PNG/SVG/PDF): the same bands as the HTML drawers, drawn by :mod:`maps.static`
_STATIC: dict[str, Callable[..., Any]] = {"reach": _reach_figure, "route": _route_figure,
                                          "compare": _compare_figure, "circle": _circle_figure}


@click.command("map")
@click.option("--output", "-o", "output", required=True, type=click.Path(dir_okay=False), metavar="FILE",
              help="File to write (atomically): .html (interactive) or .png, .svg, .pdf (static A4 map).")
@dataset_options(date_help="Draw what is open on this date (later and planned lines dashed).")
@click.option("--access", "show_access", is_flag=True, help="Show access/transfer links when the map opens.")
@_tiles_option
@_cdn_option
def map_command(output, data, date, scenario, show_access, tiles, cdn):
    """Draw the whole network as an interactive HTML map, or a static PNG/SVG/PDF map.

    Lines by mode (one layer each), planned lines dashed, stations, airports
    and places sized by population, with a legend and county outlines.  The
    suffix of --output chooses: .html is interactive, .png/.svg/.pdf an A4 map.
    Example: qjnet map --output network.html --date 2025-07-01
    """
    before_folium()
    from .. import maps
    from ..geodata.io import apply_selection
    from ._common import open_dataset

    check_map_path(output, "--output", tiles=tiles, cdn=cdn)
    full = open_dataset(data, None, None)  # with the --scenario-file applied
    selected = full if date is None and scenario is None else apply_selection(full, date=date, scenario=scenario)
    extra = None if selected is full else full
    if is_static(output):
        from ..maps.static import network_figure, save_figure

        save_figure(network_figure(selected, full=extra, show_access=show_access), output)
    else:
        maps.save(maps.network_map(selected, tiles=tiles, full=extra, show_access=show_access), output, cdn=cdn)
    click.echo(f"wrote {output}", err=True)
