"""Shared CLI plumbing: output options, result rendering, atomic output files.

A command builds a :class:`Result` and hands it to :func:`emit`; the format
decides what is written: ``json`` the payload (which carries the metadata),
``table`` the rows with the metadata as leading ``# key: value`` lines,
``geojson`` the features with the metadata as a top-level ``"qjnet"`` member.
``csv`` is for spreadsheets and ``pandas.read_csv``: a file starts with a
UTF-8 byte-order mark and holds only the header and rows, its metadata goes to
the sidecar ``NAME.csv.json``; on standard output the metadata lines appear
only with ``--meta``.  ``--lang zh`` writes the table and CSV headers and mode
names in Chinese (JSON and GeoJSON keys stay English).
"""

from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

FORMATS = ("table", "csv", "json", "geojson", "gpkg")


@dataclass
class Result:
    """What a command answers: JSON payload, table rows, optional features, metadata."""

    payload: dict | list
    rows: list[dict] = field(default_factory=list)
    columns: list[str] | None = None
    gdf: Any = None  # geopandas.GeoDataFrame for --format geojson
    meta: dict = field(default_factory=dict)


#: Output suffixes and the format each one means.
SUFFIX_FORMATS = {".csv": "csv", ".json": "json", ".geojson": "geojson", ".gpkg": "gpkg", ".txt": "table"}


def resolve_output(fmt: str | None, output: str | None) -> tuple[str, str | None]:
    """The format and file of ``--format``/``--output``: the suffix decides when --format is not given.

    ``-`` means standard output; an empty name, or a --format that contradicts
    the suffix (``-f table -o r.csv``), is a one-line error.
    """
    from ..geodata.errors import OptionError

    if output is not None and output.strip() == "":
        raise OptionError("--output is empty; give a file name, or - for standard output")
    if output == "-":
        return fmt or "table", None
    suffix = Path(output).suffix.lower() if output else ""
    implied = SUFFIX_FORMATS.get(suffix)
    if suffix and implied is None:
        raise OptionError(f"--output {output}: unknown suffix {suffix}; name the file .txt (table), .csv, .json, "
                          ".geojson or .gpkg (or give no suffix and --format)")
    if fmt == "gpkg" and output is None:
        raise OptionError("--format gpkg writes a file: give --output NAME.gpkg")
    if fmt is not None and implied is not None and fmt != implied:
        raise OptionError(f"--format {fmt} does not match --output {output} (a {implied} file name); "
                          f"drop --format or name the file for {fmt}")
    if output is not None:
        from ..geodata._atomic import check_target

        check_target(output)
    return fmt or implied or "table", output


_OUTPUT_KEY = "qjnet.output"


class SafePath(click.Path):
    """``click.Path`` whose unusable names (a NUL byte) are a one-line usage error, not a traceback."""

    def convert(self, value, param, ctx):
        try:
            return super().convert(value, param, ctx)
        except ValueError as err:
            self.fail(f"{value!r} is not a usable file name ({err})", param, ctx)


def output_options(func):
    """Add ``--format``, ``--output``, ``--meta/--no-meta`` and ``--lang``; the command gets ``fmt`` and ``output``.

    ``--output r.csv`` alone writes CSV (the suffix decides: .csv, .json,
    .geojson, .txt for the table); ``--output -`` writes to standard output.
    ``--meta``/``--no-meta`` and ``--lang`` are kept in the click context,
    where :func:`emit` reads them.
    """

    @functools.wraps(func)
    def wrapper(*args, fmt=None, output=None, meta=None, lang="en", **kwargs):
        fmt, output = resolve_output(fmt, output)
        ctx = click.get_current_context(silent=True)
        if ctx is not None:
            ctx.meta[_OUTPUT_KEY] = {"meta": meta, "lang": lang}
        return func(*args, fmt=fmt, output=output, **kwargs)

    from ._i18n import LANGUAGES

    wrapper = click.option("--lang", "lang", type=click.Choice(LANGUAGES), default="en", show_default=True,
                           help="Language of table and CSV headers and mode names (zh: Chinese); JSON and "
                                "GeoJSON keys stay English.")(wrapper)
    wrapper = click.option("--meta/--no-meta", "meta", default=None,
                           help="Metadata (date, scenario, parameters...): a table shows it as leading # "
                                "lines unless --no-meta; CSV on standard output only with --meta; a CSV "
                                "file gets it in NAME.csv.json unless --no-meta.")(wrapper)

    wrapper = click.option("--output", "-o", "output", type=SafePath(dir_okay=False, allow_dash=True),
                           default=None, help="Write to FILE (atomically) instead of stdout; its suffix "
                                              "(.csv, .json, .geojson, .txt) sets the format.")(wrapper)
    return click.option("--format", "-f", "fmt", type=click.Choice(FORMATS), default=None,
                        help="Output format (default: from the --output suffix, else table).")(wrapper)


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return f"{value:.1f}"
    if isinstance(value, (list, tuple)):
        return ";".join(_cell(v) for v in value)
    return str(value)


def _width(text: str) -> int:
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _meta_lines(meta: dict) -> list[str]:
    return [f"# {k}: {json.dumps(v, ensure_ascii=False) if isinstance(v, (dict, list)) else v}"
            for k, v in meta.items()]


def render(result: Result, fmt: str, *, meta: bool | None = None, lang: str = "en") -> str:
    """Return the text of ``result`` in ``fmt``.

    ``meta`` says whether ``table`` and ``csv`` start with the ``# key: value``
    metadata lines (default: the table does, the CSV does not); ``lang``
    (``"en"`` or ``"zh"``) translates their headers and mode names.

    Examples
    --------
    >>> r = Result(payload={}, rows=[{"mode": "hsr", "minutes": 61.0}], meta={"date": "2025-07-03"})
    >>> print(render(r, "csv", lang="zh"), end="")
    方式,分钟
    高铁,61.0
    >>> print(render(r, "csv", meta=True), end="")
    # date: 2025-07-03
    mode,minutes
    hsr,61.0
    """
    if fmt == "json":
        return json.dumps(result.payload, ensure_ascii=False, indent=2, default=_json_default) + "\n"
    if fmt == "geojson":
        return _render_geojson(result)
    from ._i18n import translate_rows

    columns = result.columns or (list(result.rows[0]) if result.rows else [])
    header, rows = translate_rows(columns, result.rows, lang)
    if fmt == "csv":
        return _render_csv(columns, header, rows, _meta_lines(result.meta) if meta else [])
    return _render_table(columns, header, rows, _meta_lines(result.meta) if meta is not False else [])


def _render_geojson(result: Result) -> str:
    if result.gdf is None:
        raise click.UsageError("this command has no geometry to write; use --format json, csv or table")
    data = json.loads(result.gdf.to_json(drop_id=True, ensure_ascii=False, default=_json_default))
    data["qjnet"] = result.meta
    return json.dumps(data, ensure_ascii=False, default=_json_default) + "\n"


def _render_csv(columns: list[str], header: list[str], rows: list[dict], meta_lines: list[str]) -> str:
    import csv
    import io

    buf = io.StringIO()
    for line in meta_lines:
        buf.write(line + "\n")
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(row.get(c)) if not isinstance(row.get(c), float) else repr(row.get(c))
                         for c in columns])
    return buf.getvalue()


def _render_table(columns: list[str], header: list[str], rows: list[dict], meta_lines: list[str]) -> str:
    cells = [[_cell(row.get(c)) for c in columns] for row in rows]
    widths = [max([_width(h)] + [_width(r[i]) for r in cells]) for i, h in enumerate(header)]

    def line(values):
        return "  ".join(v + " " * (w - _width(v)) for v, w in zip(values, widths, strict=False)).rstrip()

    out = meta_lines + ([line(header), line(["-" * w for w in widths])] if columns else [])
    out += [line(r) for r in cells]
    return "\n".join(out) + "\n"


def _json_default(value):
    import math

    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        value = value.item()
        if isinstance(value, float) and math.isnan(value):
            return None
        return value
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    raise TypeError(f"cannot serialise {type(value).__name__}")


def _output_choices() -> dict:
    ctx = click.get_current_context(silent=True)
    return (ctx.meta.get(_OUTPUT_KEY) if ctx is not None else None) or {"meta": None, "lang": "en"}


def emit(result: Result, fmt: str, output: str | None) -> None:
    """Print ``result`` or write it atomically to ``output`` (a GeoPackage for ``gpkg``).

    A CSV file starts with a UTF-8 byte-order mark (so that spreadsheets read
    it as UTF-8) and holds no comment lines; its metadata is written
    atomically to ``OUTPUT.json`` beside it unless ``--no-meta`` is given.
    """
    if fmt == "gpkg":
        _write_gpkg(result, output)
        return
    choices = _output_choices()
    text = render(result, fmt, meta=False if fmt == "csv" and output else choices["meta"], lang=choices["lang"])
    if not output:
        click.echo(text, nl=False)
        return
    from ..geodata._atomic import write_text

    if fmt == "csv":
        sidecar = choices["meta"] is not False
        if sidecar:
            from ..geodata._atomic import check_target

            check_target(f"{output}.json")  # refused before anything is written
        write_text(output, "\ufeff" + text)
        if sidecar:
            write_sidecar(output, result.meta)
    else:
        write_text(output, text)
    click.echo(f"wrote {output}", err=True)


def write_sidecar(output: str | Path, meta: dict) -> Path:
    """Write ``meta`` as JSON to ``OUTPUT.json`` beside ``output``, atomically; return its path."""
    from ..geodata._atomic import check_target, write_text

    sidecar = Path(f"{output}.json")
    check_target(sidecar)
    write_text(sidecar, json.dumps(meta, ensure_ascii=False, indent=2, default=_json_default) + "\n")
    return sidecar


def _write_gpkg(result: Result, output: str | None) -> None:
    """The result's features as one GeoPackage layer (lists and dicts as JSON text)."""
    from ..geodata.formats import write_layer

    if result.gdf is None:
        raise click.UsageError("this command has no geometry to write; use --format json, csv or table")
    gdf = result.gdf.copy()
    for column in gdf.columns:
        if column != gdf.geometry.name and gdf[column].dtype == object:
            gdf[column] = gdf[column].map(lambda v: json.dumps(v, ensure_ascii=False, default=_json_default)
                                          if isinstance(v, (list, tuple, dict, set)) else v)
    write_layer(gdf, output, format="gpkg")
    click.echo(f"wrote {output}", err=True)


def check_date(ctx, param, value):
    """click callback: parse a date option; a bad one is a one-line error naming the option."""
    if value is None:
        return None
    from ..geodata.errors import OptionError
    from ..geodata.io import parse_date

    if not value.strip():
        raise OptionError(f"{param.opts[0]} is empty; give a date as YYYY-MM-DD")
    try:
        return parse_date(value)
    except OptionError as err:
        raise OptionError(f"{param.opts[0]}: {err}") from None


DATE_HELP = "Keep only what exists on this date (default: everything, or the scenario's date)."
GRAPH_DATE_HELP = ("Travel date: what exists that day, services running on its weekday (default: the "
                   "scenario's date, else today's network with every weekday's services and the expected "
                   "days of waiting).")


def data_option(func):
    """Add ``--data`` (also ``$QJNET_DATA``): a dataset folder or GeoPackage; default the embedded dataset."""
    return click.option("--data", default=None, metavar="DIR|FILE.gpkg", envvar="QJNET_DATA", show_envvar=True,
                        type=SafePath(), help="Dataset folder or .gpkg (default: the embedded Qianjiang "
                                                "dataset).")(func)


SCENARIO_FILE_HELP = ("What-if scenario file (JSON, Conveyal/R5-style modifications) applied on top of the "
                      "dataset, after --date/--scenario; see `qjnet scenario new`.")
_WHATIF_KEY = "qjnet.whatif"


def read_whatif(path):
    """The what-if file ``path`` read and parsed (``None`` when no file is given); errors are one line."""
    if path is None:
        return None
    from ..geodata.whatif import read_scenario_file

    return read_scenario_file(path)


def _context_whatif():
    ctx = click.get_current_context(silent=True)
    return ctx.meta.get(_WHATIF_KEY) if ctx is not None else None


def dataset_options(func=None, *, date_help: str = DATE_HELP):
    """Add ``--data``, ``--date D``, ``--scenario S`` and ``--scenario-file F``: the one definition every command uses.

    The command receives ``data`` (a folder or GeoPackage path, or ``None`` for
    the embedded dataset; also read from ``$QJNET_DATA``), ``date`` (a
    ``datetime.date`` or ``None``; a bad date is a one-line error, exit 2) and
    ``scenario`` (a name or ``None``).  ``--scenario-file`` is read at once (a
    bad file is a one-line error, exit 2) and kept in the click context, where
    :func:`open_dataset` and :class:`Source` apply it.  Use as
    ``@dataset_options`` or ``@dataset_options(date_help=...)``.
    """
    def decorate(f):
        @functools.wraps(f)
        def wrapper(*args, scenario_file=None, **kwargs):
            whatif = read_whatif(scenario_file)
            ctx = click.get_current_context(silent=True)
            if ctx is not None:
                ctx.meta[_WHATIF_KEY] = whatif
            return f(*args, **kwargs)

        wrapper = click.option("--scenario-file", "scenario_file", default=None, metavar="FILE",
                               type=SafePath(dir_okay=False), help=SCENARIO_FILE_HELP)(wrapper)
        wrapper = click.option("--scenario", "-s", default=None, metavar="NAME",
                               help="Scenario from the dataset's scenarios.json (e.g. before-hsr, plan-2035).")(wrapper)
        wrapper = click.option("--date", "-d", default=None, metavar="YYYY-MM-DD", callback=check_date,
                               help=date_help)(wrapper)
        return data_option(wrapper)

    return decorate if func is None else decorate(func)


_ROADS_KEY = "qjnet.roads"


def _read_roads(ctx, param, value):
    """click callback: read the ``--roads`` GraphML at once (a bad file is one line, exit 2); keep it in the context."""
    if value is None:
        return None
    from ..network.roads import read_graphml

    roads = read_graphml(value)
    ctx.meta[_ROADS_KEY] = roads
    return value


def roads_option(func):
    """Add ``--roads FILE``: an OSMnx-convention GraphML road network joined to the graph (kept in the context)."""
    return click.option("--roads", "roads", type=SafePath(dir_okay=False), default=None, metavar="FILE",
                        callback=_read_roads, expose_value=False,
                        help="Road network (GraphML in OSMnx's conventions, e.g. osmnx.save_graphml) joined to "
                             "the network with access links: how to reach the stations of a GTFS feed.")(func)


def _context_roads():
    ctx = click.get_current_context(silent=True)
    return ctx.meta.get(_ROADS_KEY) if ctx is not None else None


def graph_options(func):
    """:func:`dataset_options` with the graph's date rule, plus ``--modes`` and ``--roads``."""
    func = click.option("--modes", default=None, metavar="M1,M2",
                        help="Modes to use (hsr,rail,air,ga,freight_rail,expressway,road); "
                             "default: every passenger mode. Access links are always kept.")(func)
    return roads_option(dataset_options(func, date_help=GRAPH_DATE_HELP))


_FROM_CONTEXT = object()


def _whatif_bytes(whatif) -> bytes:
    """The what-if file's bytes (its modifications as JSON when it was built in memory)."""
    return whatif.text or json.dumps([whatif.name, list(whatif.modifications)], sort_keys=True, default=str).encode()


class Source:
    """The dataset behind a command, loaded at most once and only when needed.

    A graph found in the command line's cache makes loading the dataset
    unnecessary (no geopandas import); see :mod:`._cache`.  ``whatif`` (default:
    the ``--scenario-file`` of the command) is applied to every graph after the
    date and scenario selection; ``roads`` (default: the ``--roads`` network of
    the command) is joined to every graph, with through links for the
    timetable engines (such graphs are not cached).
    """

    def __init__(self, data, whatif=_FROM_CONTEXT, roads=_FROM_CONTEXT):
        self.data = data
        self.whatif = _context_whatif() if whatif is _FROM_CONTEXT else whatif
        self.roads = _context_roads() if roads is _FROM_CONTEXT else roads
        self._ds = None

    @property
    def ds(self):
        """The whole dataset (no date or scenario selection), from the cache when possible."""
        if self._ds is None:
            from ._cache import dataset

            self._ds = dataset(self.data)
        return self._ds

    def graph(self, date=None, scenario=None, modes=None, whatif=_FROM_CONTEXT):
        """The graph of the dataset on ``date`` under ``scenario`` (and the what-if), from the cache when possible."""
        from . import _cache

        whatif = self.whatif if whatif is _FROM_CONTEXT else whatif
        if self.roads is not None:
            return self.build(date, scenario, modes, whatif=whatif)
        key = _cache.cache_key(self.data, date=date, scenario=scenario, modes=modes,
                               scenario_file=None if whatif is None else _whatif_bytes(whatif))
        G = _cache.load(key)
        if G is None:
            G = self.build(date, scenario, modes, whatif=whatif)
            _cache.store(key, G)
        return G

    def build(self, date=None, scenario=None, modes=None, whatif=_FROM_CONTEXT):
        """The graph of the dataset on ``date`` under ``scenario`` and the what-if, built now (no cache)."""
        from ..network.build import build_graph

        whatif = self.whatif if whatif is _FROM_CONTEXT else whatif
        if whatif is None:
            G = build_graph(self.ds, date=date, scenario=scenario, modes=modes)
        else:
            G = build_graph(self.modified(date, scenario, whatif), date=date, modes=modes)
        if self.roads is None:
            return G
        from ..network.roads import join_roads

        return join_roads(G, self.roads, through_links=True)

    def modified(self, date, scenario, whatif):
        """The dataset selected as :func:`network.build.build_graph` selects it, then the what-if applied."""
        import datetime as dt

        from ..geodata.errors import OptionError
        from ..geodata.io import apply_selection, parse_date
        from ..geodata.whatif import apply_whatif
        from ..network.build import _check_not_before_data

        if date is not None:
            _check_not_before_data(self.ds, date)
            fixed = (self.ds.scenarios.get(scenario) or {}).get("date") if scenario is not None else None
            if fixed and parse_date(fixed) != date:
                raise OptionError(f"scenario {scenario!r} is evaluated on {fixed}; drop the date "
                                  f"{date.isoformat()} or choose a scenario without a fixed date")
        day = dt.date.today() if date is None and scenario is None else date
        return apply_whatif(apply_selection(self.ds, date=day, scenario=scenario), whatif)

    def place(self, G, text: str):
        """The node of ``G`` that ``text`` names (id, name, pinyin or "lat,lon"); see :func:`resolve_node`."""
        from ..geodata.resolve import resolve_node

        return resolve_node(G, text, dataset=lambda: self.ds)


def open_dataset(data, date, scenario, whatif=_FROM_CONTEXT):
    """Load the dataset chosen by :func:`dataset_options` (validated; errors are one line).

    The ``--scenario-file`` (or ``whatif``) is applied after the date and scenario selection.
    """
    from ..geodata.io import load_dataset

    whatif = _context_whatif() if whatif is _FROM_CONTEXT else whatif
    ds = load_dataset(data, date=date, scenario=scenario)
    if whatif is None:
        return ds
    from ..geodata.whatif import apply_whatif

    return apply_whatif(ds, whatif)



def measure_options(func=None, *, many: bool = False):
    """Add ``--measure``, ``--depart``, ``--window`` and ``--percentile`` (``--percentiles`` when ``many``).

    The command receives ``measure``: ``None`` for ``expected`` (the graph's
    frequency-based time, the default unless a window, departure or
    percentile is given) or a :class:`network.measures.Measure`; with
    ``many`` also ``percentiles`` (a tuple).  Contradictory or malformed values
    are one-line errors (exit 2).  Use as ``@measure_options`` or
    ``@measure_options(many=True)``.
    """
    def decorate(f):
        @functools.wraps(f)
        def wrapper(*args, measure=None, depart=None, window=None, percentile=None, **kwargs):
            from ..network._measure import parse_percentiles, resolve_measure  # not the engines: numpy only

            chosen = resolve_measure(measure, depart=depart, window=window, percentiles=percentile)
            if many:
                kwargs["percentiles"] = parse_percentiles(percentile if percentile is not None else "5,50,95")
            return f(*args, measure=chosen, **kwargs)

        pct = (click.option("--percentiles", "percentile", default=None, metavar="P1,P2,...",
                            help="Percentiles of the window's travel times, 0-100 (default 5,50,95).")
               if many else
               click.option("--percentile", "percentile", default=None, metavar="P",
                            help="Percentile of the window's travel times, 0-100 (default 50, the median)."))
        wrapper = pct(wrapper)
        wrapper = click.option("--window", default=None, metavar="HH:MM-HH:MM",
                               help="Departure window of the percentile and fastest measures (default "
                                    "07:00-09:00).")(wrapper)
        wrapper = click.option("--depart", default=None, metavar="HH:MM",
                               help="One departure time (00:00-47:59; after 24:00 runs on the next date).")(wrapper)
        return click.option("--measure", default=None, type=click.Choice(MEASURE_NAMES),
                            help="fastest: best trip in the window; percentile: over every departure minute "
                                 "of the window; expected: frequency-based (the default unless --window, "
                                 "--depart or a percentile is given).")(wrapper)

    return decorate if func is None else decorate(func)


#: ``--measure`` choices (network.measures.MEASURES, without importing numpy at start-up).
MEASURE_NAMES = ("fastest", "percentile", "expected")


def measure_label(measure) -> dict:
    """What every output states about the measure: ``{"measure": "expected"}`` or the measure's label."""
    return {"measure": "expected"} if measure is None else measure.label()


#: Suffixes of ``reach --polygons`` and the layer format each one means.
POLYGON_SUFFIXES = {".gpkg": "gpkg", ".geojson": "geojson"}


def check_polygons_target(ctx, param, value):
    """click callback: ``--polygons FILE`` must be a .gpkg or .geojson file that may be written (checked at once)."""
    if value is None:
        return None
    from ..geodata._atomic import check_target
    from ..geodata.errors import OptionError

    if value.strip() == "" or Path(value).suffix.lower() not in POLYGON_SUFFIXES:
        raise OptionError(f"--polygons {value!r}: name the file .gpkg (GeoPackage) or .geojson")
    check_target(value)
    return value


def polygons_option(func):
    """Add ``--polygons FILE``: the isochrone bands as polygons, a .gpkg or .geojson layer for GIS."""
    return click.option("--polygons", "polygons", default=None, metavar="FILE.gpkg|FILE.geojson",
                        callback=check_polygons_target,
                        help="Also write the isochrone bands (60, 120, ... minutes and the budget) as "
                             "polygons to FILE (.gpkg or .geojson), for QGIS.")(func)


def write_polygons(path: str | None, reached, meta: dict, budget: float) -> None:
    """Write the isochrone bands of ``reached`` to ``path`` atomically (nothing when ``path`` is ``None``).

    One polygon per band of :func:`network.isochrones.default_bands` of
    ``budget``, with the band's ``minutes``, ``nodes``, ``area_km2`` and the
    ``origin``, ``date``, ``scenario``, ``reverse`` and ``measure`` of ``meta``
    as attributes (GeoJSON also carries ``meta`` as its ``"qjnet"`` member).
    """
    if path is None:
        return
    from ..geodata.formats import write_layer
    from ..network.isochrones import default_bands, isochrones

    bands = isochrones(reached, bands=default_bands(budget)).to_crs("EPSG:4326")
    for key in ("origin", "date", "scenario", "reverse", "measure"):
        value = meta.get(key)
        bands[key] = value.isoformat() if hasattr(value, "isoformat") else value
    fmt = POLYGON_SUFFIXES[Path(path).suffix.lower()]
    write_layer(bands, path, format=fmt, layer="isochrones",
                meta=json.loads(json.dumps(meta, default=_json_default)) if fmt == "geojson" else None)
    click.echo(f"wrote {path}", err=True)
