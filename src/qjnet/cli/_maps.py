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
            check_map_path(map_file, "--map")
        click.get_current_context().meta[_META_KEY] = MapRequest(map_file, tiles, cdn)
        return func(*args, **kwargs)

    wrapper = _cdn_option(wrapper)
    wrapper = _tiles_option(wrapper)
    wrapper = click.option("--map", "map_file", type=click.Path(dir_okay=False), default=None, metavar="FILE",
                           help="Also draw the answer as an interactive HTML map (self-contained, works "
                                "offline).")(wrapper)
    return wrapper


#: Suffixes of the files a map is written to.
MAP_SUFFIXES = (".html", ".htm")


def check_map_path(path: str, option: str) -> None:
    """Refuse, before any work, a map file that is not ``.html`` or cannot be written (one-line error)."""
    from pathlib import Path

    from ..geodata._atomic import check_target
    from ..geodata.errors import OptionError

    if Path(path).suffix.lower() not in MAP_SUFFIXES:
        raise OptionError(f"{option} {path}: maps are written as self-contained HTML; "
                          "name the file .html")
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
    from .. import maps

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


@click.command("map")
@click.option("--output", "-o", "output", required=True, type=click.Path(dir_okay=False), metavar="FILE",
              help="HTML file to write (atomically).")
@dataset_options(date_help="Draw what is open on this date (later and planned lines dashed).")
@click.option("--access", "show_access", is_flag=True, help="Show access/transfer links when the map opens.")
@_tiles_option
@_cdn_option
def map_command(output, data, date, scenario, show_access, tiles, cdn):
    """Draw the whole network as an interactive HTML map.

    Lines by mode (one layer each), planned lines dashed, stations, airports
    and places sized by population, with a legend and county outlines.
    Example: qjnet map --output network.html --date 2025-07-01
    """
    from .. import maps
    from ..geodata.io import apply_selection
    from ._common import open_dataset

    check_map_path(output, "--output")
    full = open_dataset(data, None, None)  # with the --scenario-file applied
    if date is None and scenario is None:
        m = maps.network_map(full, tiles=tiles, show_access=show_access)
    else:
        selected = apply_selection(full, date=date, scenario=scenario)
        m = maps.network_map(selected, tiles=tiles, full=full, show_access=show_access)
    maps.save(m, output, cdn=cdn)
    click.echo(f"wrote {output}", err=True)
