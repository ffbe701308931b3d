"""File formats for layers and whole datasets: GeoJSON, GeoPackage and CSV.

Layers
    :func:`write_layer` / :func:`read_layer` pick the format from the file
    suffix (``.geojson``/``.json``, ``.gpkg``, ``.csv``).  In CSV, points are
    ``lon``/``lat`` columns and other geometries a ``wkt`` column; in CSV and
    GeoPackage, list values (``stops``, ``minutes``, ``days``, ...) are JSON
    strings and are decoded again on reading.
Datasets
    :func:`write_dataset` writes a :class:`~geodata.io.Dataset` as a dataset
    folder (GeoJSON, the layout of :mod:`geodata.schema`) or as one GeoPackage
    with a table per layer plus ``scenarios`` and ``extras`` tables (the
    folder's other JSON files, e.g. ``freight.json``); :func:`read_dataset`
    reads either back (unvalidated; :func:`geodata.io.load_dataset` validates).

Every write is atomic (:mod:`geodata._atomic`): a failed write leaves no file.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import shutil
import tempfile
from pathlib import Path

from . import schema
from ._atomic import atomic_path, write_text
from .errors import DataError, OptionError

log = logging.getLogger(__name__)

LIST_FIELDS = ("stops", "minutes", "time_source", "days")
SCENARIO_COLUMNS = ("name", "date", "description", "add", "modify", "remove")
DATASET_FORMATS = ("geojson", "gpkg")
EXTRAS_TABLE = "extras"  # GeoPackage table holding the folder's other JSON files (name, json)
_SUFFIX_FORMAT = {".geojson": "geojson", ".json": "geojson", ".gpkg": "gpkg", ".csv": "csv"}


def _plain(value):
    """A JSON-ready Python value (numpy scalars unboxed, NaN/NA -> None, whole floats -> int)."""
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if value is None or isinstance(value, (str, bool)):
        return value
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float):
        if math.isnan(value):
            return None
        return int(value) if value.is_integer() and abs(value) < 2**53 else value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    try:
        import pandas as pd

        if value is pd.NA or value is pd.NaT:
            return None
    except ImportError:  # pragma: no cover - pandas is a dependency
        pass
    return value


def _format_of(path, fmt: str | None) -> str:
    if fmt is not None:
        if fmt not in ("geojson", "gpkg", "csv"):
            raise OptionError(f"unknown format {fmt!r}; use geojson, gpkg or csv")
        return fmt
    suffix = Path(path).suffix.lower()
    if suffix not in _SUFFIX_FORMAT:
        raise OptionError(f"{path}: cannot tell the format from the suffix {suffix or '(none)'!r}; "
                          "use .geojson, .gpkg or .csv")
    return _SUFFIX_FORMAT[suffix]


def _records(gdf) -> list[dict]:
    cols = [c for c in gdf.columns if c != gdf.geometry.name]
    return [{c: _plain(v) for c, v in zip(cols, values, strict=False)} for values in gdf[cols].itertuples(index=False, name=None)]


def geojson_text(gdf, *, meta: dict | None = None) -> str:
    """A layer as GeoJSON text: one feature per line, lists kept as JSON lists, NaN as null.

    ``meta`` is written as a top-level ``"qjnet"`` member (GeoJSON foreign member).
    """
    from shapely.geometry import mapping

    feats = []
    for props, geom in zip(_records(gdf), gdf.geometry, strict=False):
        feats.append(json.dumps({"type": "Feature", "geometry": None if geom is None else mapping(geom),
                                 "properties": props}, ensure_ascii=False, allow_nan=False))
    head = {"type": "FeatureCollection"}
    if meta:
        head["qjnet"] = _plain(meta)
    opening = json.dumps(head, ensure_ascii=False)[:-1]
    return opening + ', "features": [\n' + ",\n".join(feats) + "\n]}\n"


def _to_flat(gdf):
    """Copy of ``gdf`` with list/dict cells as JSON strings (for GeoPackage and CSV)."""
    out = gdf.copy()
    for col in out.columns:
        if col == out.geometry.name or out[col].dtype != object:
            continue
        if any(isinstance(v, (list, tuple, dict)) for v in out[col]):
            out[col] = [None if v is None or (isinstance(v, float) and math.isnan(v))
                        else json.dumps(_plain(v), ensure_ascii=False) for v in out[col]]
        elif all(v is None or isinstance(v, bool) for v in out[col]) and out[col].notna().any():
            out[col] = out[col].astype("boolean")
    return out


def _decode_lists(df, *, extra: tuple = ()):
    """Decode JSON-string columns: every column whose text values are all JSON lists/objects.

    ``extra`` names columns that are always JSON (the scenario table's add/modify/remove).
    """
    geometry = getattr(df, "_geometry_column_name", None)
    for col in df.columns:
        if col == geometry:
            continue
        values = list(df[col])
        texts = [v for v in values if isinstance(v, str)]
        if not texts or not (col in extra or all(t.lstrip()[:1] in ("[", "{") for t in texts)):
            continue
        try:
            decoded = [json.loads(v) if isinstance(v, str) else None for v in values]
        except json.JSONDecodeError:
            if col in extra:
                raise DataError(f"column {col!r} holds text that is not JSON", field=col) from None
            continue
        df[col] = decoded
    return df


def write_layer(gdf, path, *, format: str | None = None, layer: str | None = None, meta: dict | None = None) -> Path:
    """Write one layer (a GeoDataFrame in EPSG:4326) atomically.

    Parameters
    ----------
    gdf
        The layer.  It is not changed.
    path
        Target file; the suffix gives the format unless ``format`` is set.
    format
        ``"geojson"``, ``"gpkg"`` or ``"csv"``.
    layer
        Table name inside a GeoPackage (default: the file stem).
    meta
        Metadata written as a ``"qjnet"`` member (GeoJSON only).

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    OptionError
        Unknown format, or the folder does not exist or cannot be written.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from qjnet.geodata.io import load_dataset
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "stations.csv"
    >>> nodes = load_dataset().nodes
    >>> write_layer(nodes[nodes["kind"] == "hsr_station"], out).name
    'stations.csv'
    """
    fmt = _format_of(path, format)
    path = Path(path)
    if fmt == "geojson":
        write_text(path, geojson_text(gdf, meta=meta))
    elif fmt == "csv":
        write_text(path, _csv_text(gdf))
    else:
        with _gpkg_target(path) as tmp:
            _write_gpkg_table(_to_flat(gdf), tmp, layer or path.stem)
    log.info("Wrote %s (%d records, %s)", path, len(gdf), fmt)
    return path


@contextlib.contextmanager
def _gpkg_target(path: Path):
    """Atomic GeoPackage write: GDAL builds ``<tmp>.gpkg`` (it wants the suffix), then it is renamed."""
    with atomic_path(path) as tmp:
        work = Path(f"{tmp}.gpkg")
        try:
            yield work
            os.replace(work, tmp)
        finally:
            if work.exists():
                work.unlink()


def _write_gpkg_table(df, path, layer: str) -> None:
    import pyogrio

    pyogrio.write_dataframe(df.reset_index(drop=True), path, layer=layer, driver="GPKG", append=Path(path).exists())


def _csv_text(gdf) -> str:
    import pandas as pd

    flat = _to_flat(gdf)
    geom = flat.geometry
    frame = pd.DataFrame(flat.drop(columns=[geom.name]))
    if len(geom) and all(g is None or g.geom_type == "Point" for g in geom):
        frame.insert(len(frame.columns), "lon", [None if g is None else g.x for g in geom])
        frame.insert(len(frame.columns), "lat", [None if g is None else g.y for g in geom])
    else:
        frame.insert(len(frame.columns), "wkt", [None if g is None else g.wkt for g in geom])
    return frame.to_csv(index=False, lineterminator="\n")


def read_layer(path, *, layer: str | None = None):
    """Read one layer written by :func:`write_layer` (GeoJSON, GeoPackage table or CSV).

    Returns a GeoDataFrame in EPSG:4326 indexed by ``id`` (when there is an
    ``id`` column) with list fields decoded.  Raises :class:`DataError` naming
    the file when it cannot be read.
    """
    import geopandas as gpd

    path = Path(path)
    if not path.exists():
        raise DataError("file not found", file=path)
    fmt = _format_of(path, None)
    if fmt == "geojson":
        from .io import read_geojson_layer

        return read_geojson_layer(path)
    if fmt == "csv":
        import pandas as pd
        from shapely import wkt
        from shapely.errors import ShapelyError

        try:
            frame = pd.read_csv(path, dtype=object, keep_default_na=False, na_values=[""])
        except (pd.errors.ParserError, UnicodeDecodeError) as exc:
            raise DataError(f"not a readable CSV file ({exc})", file=path) from None
        frame = frame.astype(object).where(frame.notna(), None)
        frame = _numbers(frame)
        if {"lon", "lat"} <= set(frame.columns):
            geoms = gpd.points_from_xy(frame.pop("lon").astype(float), frame.pop("lat").astype(float))
        elif "wkt" in frame.columns:
            try:
                geoms = [None if v is None else wkt.loads(v) for v in frame.pop("wkt")]
            except (ShapelyError, ValueError, TypeError) as exc:
                raise DataError(f"bad WKT geometry ({exc})", file=path, field="wkt") from None
        else:
            raise DataError("no geometry: give lon and lat columns (points) or a wkt column", file=path)
        gdf = gpd.GeoDataFrame(_decode_lists(frame), geometry=geoms, crs=schema.CRS)
    else:
        import pyogrio

        try:
            gdf = pyogrio.read_dataframe(path, layer=layer)
        except (RuntimeError, OSError, ValueError) as exc:  # pyogrio's DataSourceError/DataLayerError
            raise DataError(f"cannot read GeoPackage layer {layer or '(first)'} ({exc})", file=path) from None
        gdf = _decode_lists(gdf)
        if gdf.crs is None:
            gdf = gdf.set_crs(schema.CRS)
    return _indexed(gdf)


def _numbers(frame):
    """Turn CSV text cells that are numbers or booleans back into numbers/booleans."""
    def conv(v):
        if not isinstance(v, str):
            return v
        if v in ("True", "False"):
            return v == "True"
        try:
            f = float(v)
        except ValueError:
            return v
        if v.strip().lstrip("-").isdigit():
            return int(v)
        return f if not math.isnan(f) else None

    for col in frame.columns:
        if col in ("id", "name_zh", "name_en", "opened", "closed", "date", "road", "source"):
            continue
        frame[col] = [conv(v) for v in frame[col]]
    return frame


def _indexed(gdf):
    if "id" in gdf.columns and len(gdf):
        gdf = gdf.set_index("id", drop=False)
        gdf.index.name = None
    return gdf


# --------------------------------------------------------------------------- datasets


def write_dataset(ds, path, *, format: str = "geojson") -> Path:
    """Write a dataset as a folder of GeoJSON layers or as one GeoPackage, atomically.

    Parameters
    ----------
    ds
        A :class:`geodata.io.Dataset` (e.g. from :func:`geodata.io.load_dataset`,
        possibly restricted to a date and scenario).
    path
        ``format="geojson"``: a folder that does not exist yet (or is empty);
        ``format="gpkg"``: a ``.gpkg`` file (replaced if it exists).
    format
        ``"geojson"`` or ``"gpkg"``.

    Returns
    -------
    Path
        What was written.  It reads back with :func:`read_dataset` and
        ``load_dataset(path)``.  When ``ds`` was restricted to a date or a
        scenario, the scenarios are not written (they refer to records the
        selection may have dropped); the selection is recorded in the
        ``"qjnet"`` member of each GeoJSON layer.

    Raises
    ------
    OptionError
        Unknown format, a non-empty target folder, or an unwritable place.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from qjnet.geodata.io import load_dataset
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "qianjiang.gpkg"
    >>> write_dataset(load_dataset(), out, format="gpkg").name
    'qianjiang.gpkg'
    """
    if format not in DATASET_FORMATS:
        raise OptionError(f"unknown dataset format {format!r}; use geojson or gpkg")
    target = Path(path)
    selected = ds.date is not None or ds.scenario is not None
    meta = {"date": ds.date, "scenario": ds.scenario} if selected else None
    scenarios = [] if selected else list(ds.scenarios.values())
    layers = {name: getattr(ds, name) for name in schema.LAYER_FILES if getattr(ds, name) is not None}
    if format == "gpkg":
        if target.is_dir():
            raise OptionError(f"{target} is a folder; give a .gpkg file name for --format gpkg")
        with _gpkg_target(target) as tmp:
            for name, gdf in layers.items():
                _write_gpkg_table(_to_flat(gdf), tmp, name)
            if scenarios:
                _write_gpkg_table(_scenario_frame(scenarios), tmp, "scenarios")
            if ds.extras:
                _write_gpkg_table(_extras_frame(ds.extras), tmp, EXTRAS_TABLE)
    else:
        if target.exists() and (not target.is_dir() or any(target.iterdir())):
            raise OptionError(f"{target} exists and is not an empty folder; choose a new folder for --format geojson")
        parent = target.parent if str(target.parent) else Path(".")
        if not parent.is_dir():
            raise OptionError(f"{target}: folder {parent} does not exist; create it or choose another --output")
        texts = {schema.LAYER_FILES[name]: geojson_text(gdf, meta=meta) for name, gdf in layers.items()}
        if scenarios or not selected:
            texts[schema.SCENARIO_FILE] = json.dumps({"scenarios": _plain(scenarios)}, ensure_ascii=False,
                                                     indent=1) + "\n"
        for stem, value in (ds.extras or {}).items():
            texts[f"{stem}.json"] = json.dumps(value, ensure_ascii=False, indent=1) + "\n"
        try:
            tmpdir = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".part", dir=parent))
        except OSError as exc:
            raise OptionError(f"{target}: cannot write there ({exc.strerror}); choose another --output") from None
        umask = os.umask(0)
        os.umask(umask)
        tmpdir.chmod(0o777 & ~umask)  # mkdtemp makes it private; the result is an ordinary folder
        try:
            for name, text in texts.items():
                (tmpdir / name).write_text(text, encoding="utf-8")
            if target.exists():
                target.rmdir()
            os.replace(tmpdir, target)
        except BaseException:
            shutil.rmtree(tmpdir, ignore_errors=True)
            raise
    log.info("Wrote dataset %s (%s): %s", target, format, ", ".join(f"{len(g)} {n}" for n, g in layers.items()))
    return target


def _extras_frame(extras: dict):
    import pandas as pd

    return pd.DataFrame([{"name": name, "json": json.dumps(_plain(value), ensure_ascii=False)}
                         for name, value in extras.items()], columns=["name", "json"])


def _scenario_frame(scenarios: list[dict]):
    import pandas as pd

    rows = []
    for sc in scenarios:
        rows.append({c: (json.dumps(_plain(sc.get(c)), ensure_ascii=False) if c in ("add", "modify", "remove")
                         else _plain(sc.get(c))) for c in SCENARIO_COLUMNS})
        extra = set(sc) - set(SCENARIO_COLUMNS)
        if extra:
            raise OptionError(f"scenario {sc.get('name')!r} has unknown field(s) {', '.join(sorted(extra))}; "
                              "run `qjnet validate` on the dataset")
    return pd.DataFrame(rows, columns=list(SCENARIO_COLUMNS))


def read_dataset(path):
    """Read a dataset folder or GeoPackage without validating or filtering.

    A GeoPackage must hold ``nodes``, ``services`` and ``links`` tables
    (``boundaries`` and ``scenarios`` are optional), as :func:`write_dataset`
    writes them.  Use :func:`geodata.io.load_dataset` to read *and* validate.
    """
    from .io import Dataset, read_layers

    target = Path(path)
    if target.is_dir() or target.suffix.lower() != ".gpkg":
        return read_layers(target)
    if not target.is_file():
        raise DataError("GeoPackage not found", file=target)
    import pyogrio

    try:
        present = {name for name, _ in pyogrio.list_layers(target)}
    except (RuntimeError, OSError) as exc:  # pyogrio's DataSourceError: GDAL cannot open it
        raise DataError(f"not a readable GeoPackage ({exc})", file=target) from None
    missing = [n for n in ("nodes", "services", "links") if n not in present]
    if missing:
        raise DataError(f"missing table(s) {', '.join(missing)}; a dataset GeoPackage needs nodes, services "
                        "and links (write one with `qjnet export --format gpkg`)", file=target)
    layers = {name: read_layer(target, layer=name) if name in present else None for name in schema.LAYER_FILES}
    scenarios = {}
    if "scenarios" in present:
        frame = pyogrio.read_dataframe(target, layer="scenarios", read_geometry=False)
        frame = _decode_lists(frame, extra=("add", "modify", "remove"))
        for rec in frame.to_dict("records"):
            sc = {k: _plain(v) for k, v in rec.items()}
            scenarios[sc["name"]] = sc
    extras = {}
    if EXTRAS_TABLE in present:
        frame = pyogrio.read_dataframe(target, layer=EXTRAS_TABLE, read_geometry=False)
        for name, text in zip(frame["name"], frame["json"], strict=False):
            try:
                extras[str(name)] = json.loads(text)
            except (TypeError, json.JSONDecodeError) as exc:
                raise DataError(f"not valid JSON ({exc})", file=f"{target} (table {EXTRAS_TABLE})",
                                record=str(name), field="json") from None
    return Dataset(nodes=layers["nodes"], services=layers["services"], links=layers["links"],
                   boundaries=layers["boundaries"], scenarios=scenarios, path=target, extras=extras)
