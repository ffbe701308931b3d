"""Reading and writing datasets: :func:`load_dataset` and the layer file formats.

A dataset is a folder laid out as :mod:`geodata.schema` describes.  The
embedded Qianjiang dataset ships as package data and is used when no path is
given.
"""

from __future__ import annotations

import datetime as _dt
import json
import logging
import math
from dataclasses import dataclass, field, replace
from pathlib import Path

from . import schema
from .errors import DataError, OptionError, ScenarioError
from .validate import check_dataset

log = logging.getLogger(__name__)

DEFAULT_DATASET = "qianjiang"


def default_dataset_path() -> Path:
    """Folder of the embedded Qianjiang dataset (package data)."""
    return Path(__file__).resolve().parent / "data" / DEFAULT_DATASET


@dataclass(frozen=True)
class Dataset:
    """The layers of a dataset as GeoDataFrames (EPSG:4326), indexed by ``id``.

    ``date`` and ``scenario`` record the selection applied: when ``date`` is
    ``None`` nothing was filtered (every status, every date).
    """

    nodes: object
    services: object
    links: object
    boundaries: object | None
    scenarios: dict
    path: Path
    date: _dt.date | None = None
    scenario: str | None = None
    extras: dict = field(default_factory=dict)  # other JSON files of the folder, by stem

    def node(self, node_id: str) -> dict:
        """One node's attributes as a dict (raises :class:`KeyError` if absent)."""
        row = self.nodes.loc[node_id]
        return {"id": node_id, **row.to_dict()}


def parse_date(value, *, file=None, record=None, field_name=None) -> _dt.date | None:
    """Parse ``YYYY-MM-DD``, ``YYYY-MM`` or ``YYYY`` (a partial date means its first day).

    ``None`` and empty strings give ``None``.  Raises :class:`DataError` naming
    ``file``/``record``/``field_name`` when given, else :class:`OptionError`.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)) or value == "":
        return None
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    text = str(value).strip()
    for fmt in ("%Y-%m-%d", "%Y-%m", "%Y"):
        try:
            return _dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    msg = f"bad date {text!r}; write it as YYYY-MM-DD (or YYYY-MM / YYYY when only that is known)"
    if file is not None or record is not None:
        raise DataError(msg, file=file, record=record, field=field_name)
    raise OptionError(msg)


def _read_layer(folder: Path, layer: str, *, required: bool):
    path = folder / schema.LAYER_FILES[layer]
    if not path.exists():
        if required:
            raise DataError(f"missing layer file; a dataset folder needs {', '.join(schema.LAYER_FILES[k] for k in ('nodes', 'services', 'links'))}",
                            file=path)
        return None
    return read_geojson_layer(path)


def read_geojson_layer(path):
    """One GeoJSON layer file as a GeoDataFrame (EPSG:4326) indexed by ``id``; lists stay lists.

    Raises :class:`DataError` naming the file (and record) when it is not
    JSON, not a FeatureCollection, or holds a bad geometry.
    """
    import geopandas as gpd

    path = Path(path)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataError(f"not valid JSON ({exc}); fix the file or re-export it as GeoJSON", file=path) from None
    if not isinstance(raw, dict) or raw.get("type") != "FeatureCollection":
        raise DataError("not a GeoJSON FeatureCollection; the top level needs \"type\": \"FeatureCollection\"",
                        file=path)
    feats = raw.get("features") or []
    props = [dict((f.get("properties") if isinstance(f, dict) else None) or {}) for f in feats]
    from shapely.errors import ShapelyError
    from shapely.geometry import shape

    from .validate import _geometry_problem

    geoms = []
    for i, f in enumerate(feats):
        geom = f.get("geometry") if isinstance(f, dict) else None
        problem = _geometry_problem(geom) if geom else None
        if problem is None:
            try:
                geoms.append(shape(geom) if geom else None)
                continue
            except (ShapelyError, ValueError, TypeError, KeyError, IndexError) as exc:
                problem = f"{type(exc).__name__}: {exc}"
        rid = props[i].get("id", f"#{i}")
        raise DataError(f"bad geometry: {problem}; give a valid GeoJSON geometry with [lon, lat] positions",
                        file=path, record=rid, field="geometry")
    gdf = gpd.GeoDataFrame(props, geometry=geoms, crs=schema.CRS)
    if "id" in gdf.columns and len(gdf):
        gdf = gdf.set_index("id", drop=False)
        gdf.index.name = None
    return gdf


def read_scenarios(folder: Path) -> dict:
    """Scenarios of a dataset folder by name (empty when there is no ``scenarios.json``)."""
    path = Path(folder) / schema.SCENARIO_FILE
    if not path.exists():
        return {}
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataError(f"not valid JSON ({exc})", file=path) from None
    out = {}
    for i, sc in enumerate(raw.get("scenarios", [])):
        name = sc.get("name")
        if not name:
            raise DataError("scenario without a name; give each scenario a unique \"name\"", file=path,
                            record=f"#{i}", field="name")
        out[name] = sc
    return out


def read_layers(path=None) -> Dataset:
    """Read every layer of a dataset folder (or GeoPackage) without validating or filtering."""
    folder = Path(path) if path is not None else default_dataset_path()
    if folder.suffix.lower() == ".gpkg" and not folder.is_dir():
        from .formats import read_dataset

        return read_dataset(folder)
    if not folder.is_dir():
        raise DataError("dataset folder not found; pass a folder holding nodes.geojson, services.geojson "
                        "and links.geojson", file=folder)
    extras = {}
    for p in sorted(folder.glob("*.json")):
        if p.name != schema.SCENARIO_FILE:
            try:
                extras[p.stem] = json.loads(p.read_text(encoding="utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                raise DataError(f"not valid JSON ({exc})", file=p) from None
    return Dataset(
        nodes=_read_layer(folder, "nodes", required=True),
        services=_read_layer(folder, "services", required=True),
        links=_read_layer(folder, "links", required=True),
        boundaries=_read_layer(folder, "boundaries", required=False),
        scenarios=read_scenarios(folder),
        path=folder,
        extras=extras,
    )


def derive_link_minutes(links):
    """Fill ``minutes`` where null from ``length_km * circuity / speed_kmh * 60`` (circuity defaults to 1)."""
    links = links.copy()
    if "minutes" not in links.columns:
        links["minutes"] = None
    for col in ("length_km", "speed_kmh", "circuity"):
        if col not in links.columns:
            links[col] = None
    minutes = []
    for row in links[["minutes", "length_km", "speed_kmh", "circuity"]].to_dict("records"):
        m = row["minutes"]
        if m is None or (isinstance(m, float) and math.isnan(m)):
            length, speed = row["length_km"], row["speed_kmh"]
            circ = row["circuity"] if row["circuity"] is not None and row["circuity"] == row["circuity"] else 1.0
            m = float(length) * float(circ) / float(speed) * 60.0 if length and speed else None
        minutes.append(None if m is None else float(m))
    links["minutes"] = minutes
    return links


def _exists_on(row, day: _dt.date, added: set) -> bool:
    rid = row.get("id")
    status = row.get("status")
    if status != "open" and rid not in added:
        return False
    opened = parse_date(row.get("opened")) if status == "open" else None
    closed = parse_date(row.get("closed"))
    if opened is not None and opened > day:
        return False
    return closed is None or closed > day


def apply_selection(ds: Dataset, *, date=None, scenario: str | None = None) -> Dataset:
    """Keep only what exists on ``date`` under ``scenario`` (see :mod:`geodata.schema`, *Dates*).

    A scenario's ``date`` is used when ``date`` is not given; a scenario with
    no date and no ``date`` argument uses today's date.
    """
    sc = {}
    if scenario is not None:
        if scenario not in ds.scenarios:
            known = ", ".join(sorted(ds.scenarios)) or "none"
            raise ScenarioError(f"unknown scenario {scenario!r}; known scenarios: {known}")
        sc = ds.scenarios[scenario]
    day = parse_date(date) if date is not None else None
    if day is None and sc.get("date"):
        day = parse_date(sc["date"], file=ds.path / schema.SCENARIO_FILE, record=scenario, field_name="date")
    if day is None and date is None and scenario is None:
        return ds
    if day is None:
        day = _dt.date.today()
    added = set(sc.get("add", []))
    removed = set(sc.get("remove", []))
    layers = {}
    for name in ("nodes", "services", "links"):
        gdf = getattr(ds, name)
        for mod in sc.get("modify", []):
            if mod.get("id") in gdf.index:
                gdf = gdf.copy()
                for key, value in (mod.get("set") or {}).items():
                    if key not in gdf.columns:
                        gdf[key] = None
                    gdf.at[mod["id"], key] = value
        keep = [(_exists_on(row, day, added) and rid not in removed)
                for rid, row in zip(gdf.index, gdf.drop(columns="geometry").to_dict("records"), strict=False)]
        layers[name] = gdf[keep].copy()
    # a service or link is usable only if every node it touches exists
    alive = set(layers["nodes"].index)
    svc = layers["services"]
    layers["services"] = svc[[all(s in alive for s in stops) for stops in svc["stops"]]] if len(svc) else svc
    lk = layers["links"]
    layers["links"] = lk[[(a in alive and b in alive) for a, b in zip(lk["from"], lk["to"], strict=False)]] if len(lk) else lk
    return replace(ds, **layers, date=day, scenario=scenario)


def load_dataset(path=None, *, date=None, scenario: str | None = None) -> Dataset:
    """Load a dataset folder, validated, optionally restricted to a date and scenario.

    Parameters
    ----------
    path
        Dataset folder, or a GeoPackage written by :func:`geodata.formats.write_dataset`;
        ``None`` loads the embedded Qianjiang dataset.
    date
        ``datetime.date`` or ISO string: keep only what exists on that day.
    scenario
        Name of a scenario in ``scenarios.json`` (e.g. ``"before-hsr"``).

    Returns
    -------
    Dataset
        Layers as GeoDataFrames in EPSG:4326 indexed by id; links have ``minutes`` filled.

    Raises
    ------
    DataError
        The folder or a file is missing or invalid (the message names file, record and field).
    ScenarioError
        ``scenario`` is not defined in the dataset.

    Examples
    --------
    >>> ds = load_dataset(date="2025-07-01")
    >>> "qianjiang" in ds.nodes.index
    True
    """
    ds = read_layers(path)
    check_dataset(ds)  # raises ValidationError with every problem
    ds = replace(ds, links=derive_link_minutes(ds.links))
    ds = apply_selection(ds, date=date, scenario=scenario)
    log.info("Loaded dataset %s: %d nodes, %d services, %d links%s", ds.path.name, len(ds.nodes),
             len(ds.services), len(ds.links), f", date {ds.date}" if ds.date else "")
    return ds
