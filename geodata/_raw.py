"""The one reader of dataset files: layers as raw records, with every problem met while reading.

:func:`read_raw` reads a dataset folder (GeoJSON layers, ``scenarios.json`` and
other JSON files such as ``freight.json``) or a GeoPackage written by
:func:`geodata.formats.write_dataset` into a :class:`RawDataset`: per layer a
list of :class:`Record` (properties as read, shapely geometry), the scenarios,
the other JSON documents, and the problems found while reading (not JSON, not
a FeatureCollection, bad geometry, NaN literals, missing files or tables).  It
raises only when the path itself is missing or unreadable.  Validation
(:mod:`geodata.validate`) and loading (:mod:`geodata.formats`,
:mod:`geodata.io`) are both built on it.
"""

from __future__ import annotations

import json
import math
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import schema
from ._util import is_number, to_plain
from .errors import DataError, Problem

#: numeric scalar fields in which a NaN is a mistake (JSON has no NaN; a null means "unknown")
NUMERIC_FIELDS = {
    "nodes": ("population",),
    "services": ("headway_min", "per_day"),
    "links": ("minutes", "length_km", "speed_kmh", "circuity"),
}
GEOMETRY_TYPES = {"nodes": ("Point",), "services": ("LineString",), "links": ("LineString",),
                  "boundaries": ("Polygon", "MultiPolygon")}
EXTRAS_TABLE = "extras"  # GeoPackage table holding the folder's other JSON files (name, json)
SCENARIO_TABLE = "scenarios"
_REQUIRED_LAYERS = ("nodes", "services", "links")
#: largest dataset file read (bytes); a bigger one is refused before it is read
MAX_FILE_BYTES = 200 * 1024 * 1024
_DEPTH = {"Point": 0, "LineString": 1, "MultiPoint": 1, "Polygon": 2, "MultiLineString": 2, "MultiPolygon": 3}


@dataclass
class Record:
    """One feature as read: its properties, its geometry (``None`` when missing or bad), and the
    fields whose NaN literal was already reported."""

    props: dict
    geometry: Any
    nan: frozenset = frozenset()


@dataclass
class RawDataset:
    """A dataset as read, before any check: see the module docstring."""

    path: Path
    layers: dict[str, list[Record] | None]
    scenarios: list | None
    extras: dict[str, Any]
    files: dict[str, str]
    problems: list[Problem] = field(default_factory=list)

    def columns(self, layer: str) -> set[str]:
        """Every property name used in ``layer``."""
        return set().union(*[set(r.props) for r in self.layers.get(layer) or []])


class Collector:
    """Gathers problems; ``add`` never raises."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, file: Any, record: Any, field_name: str | None, message: str, fix: str = "") -> None:
        self.problems.append(Problem(None if file is None else str(file),
                                     None if record is None else str(record), field_name, message, fix))


def is_geopackage(path: Path) -> bool:
    """``True`` when ``path`` names a GeoPackage file rather than a dataset folder."""
    return path.suffix.lower() == ".gpkg" and not path.is_dir()


def read_raw(path: Any) -> RawDataset:
    """Read a dataset folder or GeoPackage; see the module docstring.

    Raises :class:`DataError` only when ``path`` does not exist or is not a
    readable GeoPackage.
    """
    source = Path(path)
    if is_geopackage(source):
        return _read_gpkg(source)
    if not source.is_dir():
        raise DataError("dataset folder not found; pass a folder holding nodes.geojson, services.geojson "
                        "and links.geojson", file=source)
    return _read_folder(source)


# --------------------------------------------------------------------------- folders


def _read_folder(folder: Path) -> RawDataset:
    out = Collector()
    files = {name: str(folder / filename) for name, filename in schema.LAYER_FILES.items()}
    files["scenarios"] = str(folder / schema.SCENARIO_FILE)
    layers = {name: read_geojson(folder / filename, name, out, required=name in _REQUIRED_LAYERS)
              for name, filename in schema.LAYER_FILES.items()}
    scenarios = _read_scenarios_file(folder / schema.SCENARIO_FILE, out)
    extras = {}
    for p in sorted(folder.glob("*.json")):
        if p.name == schema.SCENARIO_FILE:
            continue
        files[p.stem] = str(p)
        doc = _read_json(p, out)
        if doc is not _BAD:
            extras[p.stem] = doc
    return RawDataset(folder, layers, scenarios, extras, files, out.problems)


_BAD = object()


def _kind_of(mode: int) -> str:
    for test, name in ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "not a regular file"


def file_problem(path: Path) -> str | None:
    """Why ``path`` may not be read as a dataset file (not a regular file, over the size cap), or ``None``.

    Links are followed: a link to a device or a FIFO is refused like the device itself.
    Nothing is opened, so a FIFO never blocks.
    """
    try:
        info = path.stat()
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc})"
    if not stat.S_ISREG(info.st_mode):
        return f"is {_kind_of(info.st_mode)}, not a regular file"
    if info.st_size > MAX_FILE_BYTES:
        return f"is {info.st_size:,} bytes, over the cap of {MAX_FILE_BYTES:,} bytes per dataset file"
    return None


def _bound_fix() -> str:
    return f"give a regular file of at most {MAX_FILE_BYTES:,} bytes"


def _read_capped(path: Path) -> bytes | str:
    """The file's bytes, or why it is refused (text)."""
    problem = file_problem(path)
    if problem is not None:
        return problem
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc})"
    with os.fdopen(fd, "rb") as fh:
        mode = os.fstat(fh.fileno()).st_mode
        if not stat.S_ISREG(mode):
            return f"is {_kind_of(mode)}, not a regular file"
        data = fh.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        return f"is over the cap of {MAX_FILE_BYTES:,} bytes per dataset file"
    return data


def read_bounded(path: Path) -> bytes:
    """The bytes of a regular dataset file of at most :data:`MAX_FILE_BYTES`; :class:`DataError` otherwise.

    The file is opened without blocking and checked again on the open descriptor,
    so a file swapped for a FIFO or a device after the first check is still refused.
    """
    data = _read_capped(Path(path))
    if isinstance(data, str):
        raise DataError(f"{data}; {_bound_fix()}", file=path)
    return data


def _read_json(path: Path, out: Collector) -> Any:
    data = _read_capped(path)
    if isinstance(data, str):
        out.add(path, None, None, data, _bound_fix())
        return _BAD
    try:
        return json.loads(data.decode("utf-8"))
    except RecursionError:
        out.add(path, None, None, "JSON nested too deeply", "flatten the structure")
    except UnicodeDecodeError:
        out.add(path, None, None, "not UTF-8 text", "save the file as UTF-8")
    except json.JSONDecodeError as exc:
        out.add(path, None, None, f"not valid JSON ({exc.msg}, line {exc.lineno} column {exc.colno})",
                "fix the syntax or re-export the file")
    except ValueError as exc:  # e.g. an integer literal longer than Python converts
        out.add(path, None, None, f"not usable JSON ({exc})", "fix the value or re-export the file")
    return _BAD


def read_geojson(path: Path, layer: str | None, out: Collector, *, required: bool = True) -> list[Record] | None:
    """Records of a GeoJSON layer file, or ``None`` when it is missing or unusable (noted in ``out``)."""
    if not path.exists():
        if required:
            out.add(path, None, None, "missing layer file",
                    "a dataset folder needs nodes.geojson, services.geojson and links.geojson")
        return None
    raw = _read_json(path, out)
    if raw is _BAD:
        return None
    if not isinstance(raw, dict) or raw.get("type") != "FeatureCollection":
        out.add(path, None, None, "not a GeoJSON FeatureCollection",
                'the top level needs "type": "FeatureCollection" and a "features" list')
        return None
    feats = raw.get("features")
    if not isinstance(feats, list):
        out.add(path, None, "features", "missing or not a list", 'give "features": [...]')
        return None
    records = []
    for i, feat in enumerate(feats):
        if not isinstance(feat, dict) or feat.get("type") != "Feature":
            out.add(path, f"#{i}", None, "not a GeoJSON Feature", 'each feature needs "type": "Feature"')
            continue
        records.append(_feature_record(path, layer, i, feat, out))
    return records


def _feature_record(path: Path, layer: str | None, i: int, feat: dict, out: Collector) -> Record:
    from shapely.errors import ShapelyError
    from shapely.geometry import shape

    props = feat.get("properties")
    if not isinstance(props, dict):
        out.add(path, f"#{i}", "properties", "missing or not an object", 'give "properties": {...}')
        props = {}
    rid = props.get("id") if isinstance(props.get("id"), str) and props.get("id") else f"#{i}"
    nan = frozenset(n for n in NUMERIC_FIELDS.get(layer or "", ())
                    if isinstance(props.get(n), float) and math.isnan(props[n]))
    for name in sorted(nan):
        out.add(path, rid, name, "NaN is not a number", "give a number, or null when unknown")
    geom = feat.get("geometry")
    if geom is None:
        kinds = " or ".join(GEOMETRY_TYPES.get(layer or "", ("valid",)))
        out.add(path, rid, "geometry", "missing geometry", f"give a {kinds} geometry in WGS-84 [lon, lat]")
        return Record(props, None, nan)
    problem = geometry_problem(geom)
    if problem is None:
        try:
            return Record(props, shape(geom), nan)
        except (ShapelyError, ValueError, TypeError, KeyError, IndexError) as exc:
            problem = f"{type(exc).__name__}: {exc}"
    out.add(path, rid, "geometry", f"bad geometry: {problem}", "give a valid GeoJSON geometry with [lon, lat] positions")
    return Record(props, None, nan)


def _position_problem(pos: Any) -> str | None:
    if not isinstance(pos, list) or len(pos) not in (2, 3):
        return f"position {json.dumps(pos)[:40]} is not [lon, lat]"
    if not all(is_number(v) for v in pos):
        return f"position {json.dumps(pos)[:40]} has a non-number"
    return None


def _coords_problem(value: Any, level: int, gtype: str) -> str | None:
    if level == 0:
        return _position_problem(value)
    if not isinstance(value, list):
        return f"coordinates nested too shallowly for a {gtype}"
    for item in value:
        found = _coords_problem(item, level - 1, gtype)
        if found:
            return found
    return None


def geometry_problem(geom: Any) -> str | None:
    """What is structurally wrong with a GeoJSON geometry object, or ``None``."""
    if not isinstance(geom, dict):
        return "not an object"
    gtype = geom.get("type")
    depth = _DEPTH.get(gtype) if isinstance(gtype, str) else None
    if depth is None or not isinstance(gtype, str):
        return f"unknown type {gtype!r}"
    coords = geom.get("coordinates")
    if coords is None:
        return "no coordinates"
    found = _coords_problem(coords, depth, gtype)
    if found:
        return found
    if gtype == "LineString" and len(coords) < 2:
        return f"a LineString needs at least 2 positions, got {len(coords)}"
    return None


def _read_scenarios_file(path: Path, out: Collector) -> list | None:
    if not path.exists():
        return None
    raw = _read_json(path, out)
    if raw is _BAD:
        return None
    if not isinstance(raw, dict) or not isinstance(raw.get("scenarios"), list):
        out.add(path, None, "scenarios", "no scenario list", 'the file needs {"scenarios": [...]}')
        return None
    for key in sorted(set(raw) - {"scenarios"}):
        out.add(path, None, key, f"unknown top-level field {key!r}", 'the file holds only {"scenarios": [...]}')
    return raw["scenarios"]


# --------------------------------------------------------------------------- GeoPackages


def decode_lists(df: Any, *, extra: tuple = ()) -> Any:
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


def _read_gpkg(target: Path) -> RawDataset:
    if not target.exists():
        raise DataError("GeoPackage not found", file=target)
    problem = file_problem(target)
    if problem is not None:
        raise DataError(f"{problem}; {_bound_fix()}", file=target)
    import pyogrio

    try:
        present = {name for name, _ in pyogrio.list_layers(target)}
    except (RuntimeError, OSError) as exc:  # pyogrio's DataSourceError: GDAL cannot open it
        raise DataError(f"not a readable GeoPackage ({exc})", file=target) from None
    out = Collector()
    files = {name: f"{target} (table {name})" for name in (*schema.LAYER_FILES, SCENARIO_TABLE, EXTRAS_TABLE)}
    missing = [n for n in _REQUIRED_LAYERS if n not in present]
    if missing:
        out.add(target, None, None, f"missing table(s) {', '.join(missing)}",
                "a dataset GeoPackage needs nodes, services and links (write one with `qjnet export --format gpkg`)")
    layers = {name: (_gpkg_records(target, name) if name in present else None) for name in schema.LAYER_FILES}
    scenarios = _gpkg_scenarios(target) if SCENARIO_TABLE in present else None
    extras = _gpkg_extras(target, files[EXTRAS_TABLE], out) if EXTRAS_TABLE in present else {}
    files.update({name: f"{target} (table {EXTRAS_TABLE}, {name}.json)" for name in extras})
    return RawDataset(target, layers, scenarios, extras, files, out.problems)


def read_gpkg_table(path: Path, layer: str | None) -> Any:
    """One GeoPackage table as a GeoDataFrame in EPSG:4326 with JSON list columns decoded."""
    import pyogrio

    try:
        gdf = pyogrio.read_dataframe(path, layer=layer)
    except (RuntimeError, OSError, ValueError) as exc:  # pyogrio's DataSourceError/DataLayerError
        raise DataError(f"cannot read GeoPackage layer {layer or '(first)'} ({exc})", file=path) from None
    gdf = decode_lists(gdf)
    return gdf.set_crs(schema.CRS) if gdf.crs is None else gdf


def _gpkg_records(path: Path, layer: str) -> list[Record]:
    gdf = read_gpkg_table(path, layer)
    props = gdf.drop(columns=[gdf.geometry.name]).to_dict("records")
    return [Record(p, g) for p, g in zip(props, gdf.geometry, strict=True)]


def _gpkg_scenarios(path: Path) -> list:
    import pyogrio

    frame = pyogrio.read_dataframe(path, layer=SCENARIO_TABLE, read_geometry=False)
    frame = decode_lists(frame, extra=("add", "modify", "remove"))
    return [{k: to_plain(v) for k, v in rec.items()} for rec in frame.to_dict("records")]


def _gpkg_extras(path: Path, where: str, out: Collector) -> dict:
    import pyogrio

    frame = pyogrio.read_dataframe(path, layer=EXTRAS_TABLE, read_geometry=False)
    extras = {}
    for name, text in zip(frame["name"], frame["json"], strict=True):
        try:
            extras[str(name)] = json.loads(text)
        except (TypeError, json.JSONDecodeError) as exc:
            out.add(where, str(name), "json", f"not valid JSON ({exc})", "re-export the dataset")
    return extras
