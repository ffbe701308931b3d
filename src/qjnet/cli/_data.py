"""Dataset commands: ``qjnet places``, ``qjnet validate``, ``qjnet export``.

Thin: parse options, call :mod:`geodata`, render.  geopandas is imported only
inside the commands (through :mod:`geodata.io`).
"""

from __future__ import annotations

import json

import click

from ..geodata.schema import NODE_KINDS
from ._common import (
    Result,
    check_date,
    dataset_options,
    emit,
    open_dataset,
    output_options,
)

TABLE_COLUMNS = ["id", "name_zh", "name_en", "kind", "lon", "lat", "coord_quality"]


def _plain(value):
    """JSON-safe scalar: NaN/NA -> None, numpy scalars -> Python, dates -> ISO text."""
    from ..geodata._util import unbox

    value = unbox(value)
    return value.isoformat() if hasattr(value, "isoformat") else value

def _node_records(nodes) -> list[dict]:
    fields = [c for c in nodes.columns if c != "geometry"]
    out = []
    for (_, row), geom in zip(nodes.iterrows(), nodes.geometry, strict=False):
        rec = {"id": _plain(row["id"])}
        for name in ("name_zh", "name_en", "kind"):
            rec[name] = _plain(row.get(name))
        rec["lon"] = round(geom.x, 6) if geom is not None else None
        rec["lat"] = round(geom.y, 6) if geom is not None else None
        for name in fields:
            if name not in rec:
                rec[name] = _plain(row[name])
        out.append(rec)
    return out


def _dataset_label(path) -> str:
    from ..geodata.io import DEFAULT_DATASET, default_dataset_path

    return f"{DEFAULT_DATASET} (embedded)" if str(path) == str(default_dataset_path()) else str(path)


@click.command("places")
@click.option("--kind", "-k", "kinds", multiple=True, type=click.Choice(NODE_KINDS),
              help="Only nodes of this kind (repeat for several).")
@dataset_options
@output_options
def places(kinds, data, date, scenario, fmt, output):
    """List the dataset's nodes: places, stations, airports, logistics hubs, sights.

    Example: qjnet places --kind hsr_station --format json
    """
    ds = open_dataset(data, date, scenario)
    nodes = ds.nodes
    if kinds:
        nodes = nodes[nodes["kind"].isin(kinds)]
    records = _node_records(nodes)
    meta = {"dataset": _dataset_label(ds.path), "date": ds.date.isoformat() if ds.date else None,
            "scenario": ds.scenario, "kinds": list(kinds) or None, "count": len(records)}
    meta = {k: v for k, v in meta.items() if v is not None}
    if fmt == "table":
        rows = [{**r, "lon": f"{r['lon']:.4f}", "lat": f"{r['lat']:.4f}"} for r in records]
        columns = TABLE_COLUMNS
    else:
        rows = [{k: (json.dumps(v, ensure_ascii=False) if isinstance(v, (list, dict)) else v)
                 for k, v in r.items()} for r in records]
        columns = list(records[0]) if records else TABLE_COLUMNS
    emit(Result(payload=records, rows=rows, columns=columns, gdf=nodes, meta=meta), fmt, output)


@click.command("validate")
@click.argument("path", required=False, type=click.Path(), envvar="QJNET_DATA")
@click.option("--format", "-f", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="text: one problem per line, then a summary; json: the report as an object.")
@click.pass_context
def validate(ctx, path, fmt):
    """Check a dataset folder (default: the embedded dataset) and report every problem.

    Exits 0 when the dataset is valid, 2 when it is not (every problem is listed,
    one per line: file, record, field, what is wrong, how to fix it).
    """
    from ..geodata.validate import validate_dataset

    report = validate_dataset(path)
    if fmt == "json":
        click.echo(json.dumps({"path": report.path, "ok": report.ok, "counts": report.counts,
                               "problems": [p.__dict__ for p in report.problems]}, ensure_ascii=False, indent=2))
    else:
        for line in report.lines():
            click.echo(line)
    if not report.ok:
        ctx.exit(2)


@click.command("export")
@click.option("--format", "-f", "fmt", type=click.Choice(["geojson", "gpkg", "gtfs"]), default=None,
              help="geojson: a dataset folder (one .geojson per layer + scenarios.json); gpkg: one GeoPackage; "
                   "gtfs: a GTFS feed of the passenger services (default: gpkg for a .gpkg output, gtfs for a "
                   ".zip output, else geojson).")
@click.option("--output", "-o", "output", type=click.Path(), required=True,
              help="Folder (geojson), .gpkg file or .zip file (gtfs) to write; written atomically.")
@click.option("--end-date", default=None, metavar="YYYY-MM-DD", callback=check_date,
              help="gtfs: last day of the feed (default: 364 days after --date).")
@click.option("--extended-route-types", "extended", is_flag=True,
              help="gtfs: also write the air and GA services, as route_type 1100 (an extended type); by default "
                   "the feed holds only rail, with the reference's basic route types.")
@dataset_options(date_help="geojson/gpkg: keep what exists on this day (YYYY-MM-DD); gtfs: first day of the "
                           "feed (default: the scenario's date, else today).")
def export(fmt, output, end_date, extended, data, date, scenario):
    """Write the dataset (optionally as it is on --date under --scenario) as GeoJSON, GeoPackage or GTFS.

    A GeoJSON or GeoPackage output is itself a dataset: `qjnet validate OUTPUT`
    passes and `--data OUTPUT` reads it back.  A GTFS feed holds the passenger
    services from --date to --end-date and reads back with `--data FEED.zip`.
    Example: qjnet export --output qianjiang.gpkg
    """
    from ..geodata.errors import OptionError

    if output == "-":
        raise OptionError("--output -: a dataset is a folder, a .gpkg or a .zip file, not standard output; "
                          "give a name")
    given = fmt
    lower = output.lower()
    fmt = fmt or ("gpkg" if lower.endswith(".gpkg") else "gtfs" if lower.endswith(".zip") else "geojson")
    suffix = {"gpkg": ".gpkg", "gtfs": ".zip"}.get(fmt)
    if (suffix is not None and not lower.endswith(suffix)) or (suffix is None and lower.endswith(
            (".gpkg", ".zip", ".geojson", ".json"))):
        raise OptionError(f"--format {fmt} does not match --output {output}: a GeoPackage is a .gpkg file, "
                          "a GTFS feed a .zip file, a GeoJSON dataset a folder name without suffix")
    if (end_date is not None or extended) and fmt != "gtfs":
        raise OptionError(f"{'--end-date' if end_date is not None else '--extended-route-types'} is for "
                          "--format gtfs only; drop it")
    if fmt == "gtfs":
        _export_gtfs(output, data, date, end_date, scenario, extended)
        return
    from ..geodata.formats import write_dataset

    ds = open_dataset(data, date, scenario)
    written = write_dataset(ds, output, format=given)  # without --format the suffix decides (.txt is refused)
    click.echo(f"wrote {written}: {len(ds.nodes)} nodes, {len(ds.services)} services, {len(ds.links)} links",
               err=True)


def _export_gtfs(output, data, date, end_date, scenario, extended) -> None:
    import datetime as _dt
    import logging

    from ..geodata.io import apply_selection, load_dataset
    from ..network.gtfs import left_out_services, write_gtfs

    ds = load_dataset(data)
    if scenario is not None:  # the network under the scenario on --date (default: the scenario's date)
        ds = apply_selection(ds, date=date, scenario=scenario)
    start = ds.date or date or _dt.date.today()
    logging.getLogger("qjnet.network.gtfs").disabled = True  # its warning is said once, below
    try:
        written = write_gtfs(ds, output, start_date=start, end_date=end_date, extended_route_types=extended)
    finally:
        logging.getLogger("qjnet.network.gtfs").disabled = False
    click.echo(f"wrote {written}: GTFS feed from {start} to {end_date or start + _dt.timedelta(days=364)}",
               err=True)
    left = left_out_services(ds, start_date=start, end_date=end_date)
    if left and not extended:
        click.echo(f"left out {len(left)} air/GA services ({', '.join(left)}): GTFS's basic route types have none "
                   "for air services; --extended-route-types writes them as route_type 1100", err=True)
