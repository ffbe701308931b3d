"""File formats for layers and whole datasets: GeoJSON, GeoPackage and CSV.

Layers
    :func:`write_layer` / :func:`read_layer` pick the format from the file
    suffix (``.geojson``/``.json``, ``.gpkg``, ``.csv``).  In CSV, points are
    ``lon``/``lat`` columns and other geometries a ``wkt`` column; in CSV and
    GeoPackage, list values (``stops``, ``minutes``, ``days``, ...) are JSON
    strings and are decoded again on reading.
Datasets
    :func:`write_dataset` writes a :class:`~geodata.dataset.Dataset` as a
    dataset folder (GeoJSON, the layout of :mod:`geodata.schema`) or as one
    GeoPackage with a table per layer plus ``scenarios`` and ``extras`` tables
    (the folder's other JSON files, e.g. ``freight.json``), chosen by the
    target's suffix; :func:`read_dataset` reads either back (unvalidated;
    :func:`geodata.io.load_dataset` validates).  Both read through the one
    reader of :mod:`geodata._raw`.

Every write is atomic (:mod:`geodata._atomic`): a failed write leaves no file.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from . import schema
from ._atomic import atomic_dir, atomic_path, write_text
from ._raw import (
    EXTRAS_TABLE,
    SCENARIO_TABLE,
    Collector,
    RawDataset,
    Record,
    decode_lists,
    read_geojson,
    read_gpkg_table,
    read_raw,
)
from ._util import is_null, to_plain
from .dataset import Dataset
from .errors import DataError, OptionError, ValidationError

log = logging.getLogger(__name__)

LIST_FIELDS = ("stops", "minutes", "time_source", "days")
SCENARIO_COLUMNS = ("name", "date", "description", "add", "modify", "remove")
DATASET_FORMATS = ("geojson", "gpkg")
_SUFFIX_FORMAT = {".geojson": "geojson", ".json": "geojson", ".gpkg": "gpkg", ".csv": "csv"}


def _format_of(path: Any, fmt: str | None) -> str:
    if fmt is not None:
        if fmt not in ("geojson", "gpkg", "csv"):
            raise OptionError(f"unknown format {fmt!r}; use geojson, gpkg or csv")
        return fmt
    suffix = Path(path).suffix.lower()
    if suffix not in _SUFFIX_FORMAT:
        raise OptionError(f"{path}: cannot tell the format from the suffix {suffix or '(none)'!r}; "
                          "use .geojson, .gpkg or .csv")
    return _SUFFIX_FORMAT[suffix]


def _records(gdf: Any) -> list[dict]:
    cols = [c for c in gdf.columns if c != gdf.geometry.name]
    return [{c: to_plain(v) for c, v in zip(cols, values, strict=True)}
            for values in gdf[cols].itertuples(index=False, name=None)]


def geojson_text(gdf: Any, *, meta: dict | None = None) -> str:
    """A layer as GeoJSON text: one feature per line, lists kept as JSON lists, NaN as null.

    ``meta`` is written as a top-level ``"qjnet"`` member (GeoJSON foreign member).
    """
    from shapely.geometry import mapping

    feats = []
    for props, geom in zip(_records(gdf), gdf.geometry, strict=True):
        feats.append(json.dumps({"type": "Feature", "geometry": None if geom is None else mapping(geom),
                                 "properties": props}, ensure_ascii=False, allow_nan=False))
    head: dict[str, Any] = {"type": "FeatureCollection"}
    if meta:
        head["qjnet"] = to_plain(meta)
    opening = json.dumps(head, ensure_ascii=False)[:-1]
    return opening + ', "features": [\n' + ",\n".join(feats) + "\n]}\n"


def _to_flat(gdf: Any) -> Any:
    """Copy of ``gdf`` with list/dict cells as JSON strings (for GeoPackage and CSV)."""
    out = gdf.copy()
    for col in out.columns:
        if col == out.geometry.name or out[col].dtype != object:
            continue
        if any(isinstance(v, (list, tuple, dict)) for v in out[col]):
            out[col] = [None if is_null(v) else json.dumps(to_plain(v), ensure_ascii=False) for v in out[col]]
        elif all(v is None or isinstance(v, bool) for v in out[col]) and out[col].notna().any():
            out[col] = out[col].astype("boolean")
    return out


def write_layer(gdf: Any, path: Any, *, format: str | None = None, layer: str | None = None,
                meta: dict | None = None) -> Path:
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
def _gpkg_target(path: Path) -> Iterator[Path]:
    """Atomic GeoPackage write: GDAL builds ``<tmp>.gpkg`` (it wants the suffix), then it is renamed."""
    with atomic_path(path) as tmp:
        work = Path(f"{tmp}.gpkg")
        try:
            yield work
            os.replace(work, tmp)
        finally:
            if work.exists():
                work.unlink()


def _write_gpkg_table(df: Any, path: Path, layer: str) -> None:
    import pyogrio

    pyogrio.write_dataframe(df.reset_index(drop=True), path, layer=layer, driver="GPKG", append=Path(path).exists())


def _csv_text(gdf: Any) -> str:
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


def read_layer(path: Any, *, layer: str | None = None) -> Any:
    """Read one layer written by :func:`write_layer` (GeoJSON, GeoPackage table or CSV).

    Returns a GeoDataFrame in EPSG:4326 indexed by ``id`` (when there is an
    ``id`` column) with list fields decoded.  Raises :class:`DataError` naming
    the file when it cannot be read.
    """
    path = Path(path)
    if not path.exists():
        raise DataError("file not found", file=path)
    fmt = _format_of(path, None)
    if fmt == "geojson":
        out = Collector()
        records = read_geojson(path, None, out)
        if out.problems or records is None:
            raise ValidationError(out.problems, file=path)
        return layer_frame(records)
    if fmt == "csv":
        return _indexed(_read_csv(path))
    return _indexed(read_gpkg_table(path, layer))


def _read_csv(path: Path) -> Any:
    import geopandas as gpd
    import pandas as pd
    from shapely import wkt
    from shapely.errors import ShapelyError

    try:
        frame = pd.read_csv(path, dtype=object, keep_default_na=False, na_values=[""])
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise DataError(f"not a readable CSV file ({exc})", file=path) from None
    frame = _numbers(frame.astype(object).where(frame.notna(), None))
    if {"lon", "lat"} <= set(frame.columns):
        geoms = gpd.points_from_xy(frame.pop("lon").astype(float), frame.pop("lat").astype(float))
    elif "wkt" in frame.columns:
        try:
            geoms = [None if v is None else wkt.loads(v) for v in frame.pop("wkt")]
        except (ShapelyError, ValueError, TypeError) as exc:
            raise DataError(f"bad WKT geometry ({exc})", file=path, field="wkt") from None
    else:
        raise DataError("no geometry: give lon and lat columns (points) or a wkt column", file=path)
    return gpd.GeoDataFrame(decode_lists(frame), geometry=geoms, crs=schema.CRS)


def _numbers(frame: Any) -> Any:
    """Turn CSV text cells that are numbers or booleans back into numbers/booleans."""
    def conv(v: Any) -> Any:
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


def _indexed(gdf: Any) -> Any:
    if "id" in gdf.columns and len(gdf):
        gdf = gdf.set_index("id", drop=False)
        gdf.index.name = None
    return gdf


# --------------------------------------------------------------------------- datasets


def layer_frame(records: list[Record]) -> Any:
    """Records (as :func:`geodata._raw.read_raw` gives them) as a GeoDataFrame in EPSG:4326 indexed by ``id``."""
    import geopandas as gpd

    gdf = gpd.GeoDataFrame([r.props for r in records], geometry=[r.geometry for r in records], crs=schema.CRS)
    return _indexed(gdf)


def dataset_from_raw(raw: RawDataset) -> Dataset:
    """The :class:`Dataset` of what :func:`geodata._raw.read_raw` read (no check, no selection).

    Scenarios are keyed by name; one without a usable name is kept under ``"#<position>"``
    so that validation still sees it.
    """
    layers = {name: (None if recs is None else layer_frame(recs)) for name, recs in raw.layers.items()}
    scenarios = {}
    for i, sc in enumerate(raw.scenarios or []):
        name = sc.get("name") if isinstance(sc, dict) else None
        scenarios[name if isinstance(name, str) and name else f"#{i}"] = sc
    return Dataset(nodes=layers["nodes"], services=layers["services"], links=layers["links"],
                   boundaries=layers["boundaries"], scenarios=scenarios, path=raw.path, extras=dict(raw.extras))


def read_dataset(path: Any) -> Dataset:
    """Read a dataset folder or GeoPackage without validating or filtering.

    A GeoPackage must hold ``nodes``, ``services`` and ``links`` tables
    (``boundaries``, ``scenarios`` and ``extras`` are optional), as
    :func:`write_dataset` writes them.  Use :func:`geodata.io.load_dataset` to
    read *and* validate.

    Parameters
    ----------
    path
        Dataset folder or ``.gpkg`` file.

    Returns
    -------
    Dataset
        Layers as GeoDataFrames indexed by id; nothing filtered.

    Raises
    ------
    DataError
        The path does not exist; or (:class:`~geodata.errors.ValidationError`)
        a file cannot be read as its format (not JSON, not a FeatureCollection,
        a bad geometry, a missing layer): every such problem is listed.

    Examples
    --------
    >>> from qjnet.geodata.dataset import default_dataset_path
    >>> ds = read_dataset(default_dataset_path())
    >>> ds.date is None and "qianjiang" in ds.nodes.index
    True
    """
    raw = read_raw(path)
    if raw.problems:
        raise ValidationError(raw.problems, file=raw.path)
    return dataset_from_raw(raw)


def _dataset_format(target: Path, format: str | None) -> str:
    suffix = target.suffix.lower()
    if format is None:
        if suffix == ".gpkg":
            return "gpkg"
        if suffix == "":
            return "geojson"
        raise OptionError(f"{target}: cannot tell the dataset format from the suffix {suffix!r}; "
                          "give a .gpkg file (GeoPackage) or a folder name without a suffix (GeoJSON folder)")
    if format not in DATASET_FORMATS:
        raise OptionError(f"unknown dataset format {format!r}; use geojson or gpkg")
    if format == "geojson" and suffix == ".gpkg":
        raise OptionError(f"{target}: a .gpkg name for a GeoJSON folder; give a folder name, or use format gpkg")
    return format


def write_dataset(ds: Dataset, path: Any, *, format: str | None = None) -> Path:
    """Write a dataset as a folder of GeoJSON layers or as one GeoPackage, atomically.

    Parameters
    ----------
    ds
        A :class:`geodata.dataset.Dataset` (e.g. from :func:`geodata.io.load_dataset`,
        possibly restricted to a date and scenario).
    path
        A ``.gpkg`` file (a GeoPackage, replaced if it exists), or a folder that
        does not exist yet or is empty (a GeoJSON dataset folder).
    format
        ``"geojson"`` or ``"gpkg"``; ``None`` (the default) takes it from the
        suffix of ``path`` as :func:`write_layer` does: ``.gpkg`` is a
        GeoPackage, no suffix a GeoJSON folder.

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
        Unknown format, a suffix that names no dataset format, a non-empty
        target folder, or an unwritable place.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from qjnet.geodata.io import load_dataset
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "qianjiang.gpkg"
    >>> write_dataset(load_dataset(), out).name
    'qianjiang.gpkg'
    """
    target = Path(path)
    fmt = _dataset_format(target, format)
    selected = ds.date is not None or ds.scenario is not None
    scenarios = [] if selected else list(ds.scenarios.values())
    layers = {name: getattr(ds, name) for name in schema.LAYER_FILES if getattr(ds, name) is not None}
    if fmt == "gpkg":
        _write_gpkg_dataset(target, layers, scenarios, ds.extras)
    else:
        meta = {"date": ds.date, "scenario": ds.scenario} if selected else None
        _write_folder_dataset(target, layers, None if selected and not scenarios else scenarios, ds.extras, meta)
    log.info("Wrote dataset %s (%s): %s", target, fmt, ", ".join(f"{len(g)} {n}" for n, g in layers.items()))
    return target


def _write_gpkg_dataset(target: Path, layers: dict, scenarios: list, extras: dict) -> None:
    if target.is_dir():
        raise OptionError(f"{target} is a folder; give a .gpkg file name for --format gpkg")
    with _gpkg_target(target) as tmp:
        for name, gdf in layers.items():
            _write_gpkg_table(_to_flat(gdf), tmp, name)
        if scenarios:
            _write_gpkg_table(_scenario_frame(scenarios), tmp, SCENARIO_TABLE)
        if extras:
            _write_gpkg_table(_extras_frame(extras), tmp, EXTRAS_TABLE)


def _write_folder_dataset(target: Path, layers: dict, scenarios: list | None, extras: dict,
                          meta: dict | None) -> None:
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise OptionError(f"{target} exists and is not an empty folder; choose a new folder for --format geojson")
    texts = {schema.LAYER_FILES[name]: geojson_text(gdf, meta=meta) for name, gdf in layers.items()}
    if scenarios is not None:
        texts[schema.SCENARIO_FILE] = json.dumps({"scenarios": to_plain(scenarios)}, ensure_ascii=False,
                                                 indent=1) + "\n"
    for stem, value in (extras or {}).items():
        texts[f"{stem}.json"] = json.dumps(value, ensure_ascii=False, indent=1) + "\n"
    with atomic_dir(target) as tmpdir:
        for name, text in texts.items():
            (tmpdir / name).write_text(text, encoding="utf-8")


def _extras_frame(extras: dict) -> Any:
    import pandas as pd

    return pd.DataFrame([{"name": name, "json": json.dumps(to_plain(value), ensure_ascii=False)}
                         for name, value in extras.items()], columns=["name", "json"])


def _scenario_frame(scenarios: list[dict]) -> Any:
    import pandas as pd

    rows = []
    for sc in scenarios:
        extra = set(sc) - set(SCENARIO_COLUMNS)
        if extra:
            raise OptionError(f"scenario {sc.get('name')!r} has unknown field(s) {', '.join(sorted(extra))}; "
                              "run `qjnet validate` on the dataset")
        rows.append({c: (json.dumps(to_plain(sc.get(c)), ensure_ascii=False) if c in ("add", "modify", "remove")
                         else to_plain(sc.get(c))) for c in SCENARIO_COLUMNS})
    return pd.DataFrame(rows, columns=list(SCENARIO_COLUMNS))
