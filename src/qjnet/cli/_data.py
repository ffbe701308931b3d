"""Dataset commands: ``qjnet places``, ``qjnet validate``, ``qjnet export``.

Thin: parse options, call :mod:`geodata`, render.  geopandas is imported only
inside the commands (through :mod:`geodata.io`).
"""

from __future__ import annotations

import json
import math

import click

from ..geodata.schema import NODE_KINDS
from ._common import (
    Result,
    dataset_options,
    emit,
    open_dataset,
    output_options,
)

TABLE_COLUMNS = ["id", "name_zh", "name_en", "kind", "lon", "lat", "coord_quality"]


def _plain(value):
    """JSON-safe scalar: NaN/NA -> None, numpy scalars -> Python, dates -> ISO text."""
    if value is None:
        return None
    if hasattr(value, "item") and not isinstance(value, (list, dict, str)):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    try:
        import pandas as pd

        if value is pd.NA:
            return None
    except ImportError:  # pragma: no cover - pandas is a dependency
        pass
    return value


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
@click.option("--format", "-f", "fmt", type=click.Choice(["geojson", "gpkg"]), default=None,
              help="geojson: a dataset folder (one .geojson per layer + scenarios.json); gpkg: one GeoPackage "
                   "(default: gpkg for a .gpkg output, else geojson).")
@click.option("--output", "-o", "output", type=click.Path(), required=True,
              help="Folder (geojson) or .gpkg file to write; written atomically.")
@dataset_options
def export(fmt, output, data, date, scenario):
    """Write the dataset (optionally as it is on --date under --scenario) as GeoJSON or GeoPackage.

    The output is itself a dataset: `qjnet validate OUTPUT` passes and
    `--data OUTPUT` reads it back.  Example: qjnet export --output qianjiang.gpkg
    """
    from ..geodata.errors import OptionError
    from ..geodata.formats import write_dataset

    if output == "-":
        raise OptionError("--output -: a dataset is a folder or a .gpkg file, not standard output; give a name")
    given = fmt
    is_gpkg = output.lower().endswith(".gpkg")
    if fmt is None:
        fmt = "gpkg" if is_gpkg else "geojson"
    if (fmt == "gpkg") != is_gpkg or output.lower().endswith((".geojson", ".json")):
        raise OptionError(f"--format {fmt} does not match --output {output}: a GeoPackage is a .gpkg file, "
                          "a GeoJSON dataset is a folder name without suffix")
    ds = open_dataset(data, date, scenario)
    written = write_dataset(ds, output, format=given)  # without --format the suffix decides (.txt is refused)
    click.echo(f"wrote {written}: {len(ds.nodes)} nodes, {len(ds.services)} services, {len(ds.links)} links",
               err=True)
