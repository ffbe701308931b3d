"""Dataset validation: every problem of a dataset in one report.

:func:`validate_dataset` reads a dataset folder (or GeoPackage) with the one
reader (:func:`geodata._raw.read_raw`) and returns a :class:`ValidationReport`
listing every problem it finds — malformed files, missing or duplicate ids,
dangling references, bad times, coordinates outside China, unknown codes, bad
dates, scenario references that name nothing, bad freight figures — with the
file, record and field of each and how to fix it.  It never stops at the first
problem.  :func:`check_dataset` runs the same checks on a
:class:`~geodata.dataset.Dataset` in memory and raises
:class:`~geodata.errors.ValidationError` carrying every problem;
:func:`geodata.io.load_dataset` validates before it selects, so a dataset is
never half-loaded.  The layer checks live in :mod:`geodata._check_layers`, the
rules of ``freight.json`` in :func:`geodata.schema.check_freight`.
"""

from __future__ import annotations

import logging
from collections.abc import Container
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import schema
from ._check_layers import (
    Anything,
    check_boundaries,
    check_boundary_ids,
    check_common,
    check_links,
    check_modified,
    check_nodes,
    check_services,
    choices,
)
from ._raw import EXTRAS_TABLE, SCENARIO_TABLE, Collector, Record, is_geopackage, read_raw
from ._util import is_null, parse_date
from .dataset import DEFAULT_DATASET, Dataset, default_dataset_path
from .errors import Problem, ValidationError
from .gtfs import is_gtfs, read_gtfs_raw

__all__ = ["Problem", "ValidationReport", "check_dataset", "validate_dataset"]

log = logging.getLogger(__name__)

SCENARIO_KEYS = ("name", "date", "description", "add", "modify", "remove")
_LAYERS = ("nodes", "services", "links", "boundaries")
_LAYER_FIELDS = {"nodes": schema.NODE_FIELDS, "services": schema.SERVICE_FIELDS, "links": schema.LINK_FIELDS}


@dataclass
class ValidationReport:
    """Every problem found in one dataset, with the record counts checked.

    Attributes
    ----------
    path
        The dataset folder or file that was checked.
    problems
        Every :class:`Problem`, in file order.
    counts
        Records checked per layer (``nodes``, ``services``, ``links``, ``boundaries``, ``scenarios``).
    """

    path: str
    problems: list[Problem] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """``True`` when no problem was found."""
        return not self.problems

    def summary(self) -> str:
        """One line: what was checked and how many problems were found."""
        counted = ", ".join(f"{n} {layer}" for layer, n in self.counts.items())
        if self.ok:
            return f"{self.path}: OK ({counted}); no problems"
        n = len(self.problems)
        return f"{self.path}: {n} problem{'s' if n != 1 else ''} ({counted})"

    def lines(self) -> list[str]:
        """The full report: one line per problem, then the summary."""
        return [str(p) for p in self.problems] + [self.summary()]


@dataclass
class _Input:
    """What the checks look at: records per layer, scenarios, other JSON documents, where each lives."""

    layers: dict[str, list[Record] | None]
    scenarios: list | None
    extras: dict[str, Any]
    files: dict[str, str]
    columns: dict[str, set[str]]


# --------------------------------------------------------------------------- scenarios


@dataclass
class _Known:
    """What scenario entries may name: ids and records per layer, fields per layer, node kinds."""

    records: dict[str, dict[str, Record]]
    fields: dict[str, set]
    node_kinds: dict[str, Any]

    def layer_of(self, rid: Any) -> str | None:
        if not isinstance(rid, str):
            return None
        return next((name for name, recs in self.records.items() if rid in recs), None)


def _check_scenario_ids(out: Collector, path: Any, label: str, sc: dict, known: _Known) -> None:
    for key in ("add", "remove"):
        ids = sc.get(key)
        if is_null(ids):
            continue
        if not isinstance(ids, list):
            out.add(path, label, key, f"not a list ({ids!r})", "give a list of ids")
            continue
        for rid in ids:
            if not isinstance(rid, str):
                out.add(path, label, key, f"{rid!r} is not an id", "give ids as text")
            elif known.layer_of(rid) is None:
                out.add(path, label, key, f"{rid!r} names no node, service or link",
                        "use ids from nodes/services/links.geojson")


def _check_modify(out: Collector, path: Any, label: str, mods: Any, known: _Known) -> None:
    if is_null(mods):
        return
    if not isinstance(mods, list):
        out.add(path, label, "modify", f"not a list ({mods!r})", 'give [{"id": ..., "set": {...}}]')
        return
    for j, mod in enumerate(mods):
        if not isinstance(mod, dict) or not isinstance(mod.get("set"), dict):
            out.add(path, label, "modify", f"modify[{j}] is not {{\"id\": ..., \"set\": {{...}}}}",
                    'give [{"id": ..., "set": {field: value}}]')
            continue
        extra = sorted(str(k) for k in set(mod) - {"id", "set"})
        if extra:
            out.add(path, label, "modify", f"modify[{j}] has unknown key(s) {', '.join(extra)}", 'use "id" and "set"')
        rid = mod.get("id")
        layer = known.layer_of(rid)
        if layer is None:
            out.add(path, label, "modify", f"modify[{j}] id {rid!r} names no node, service or link",
                    "use ids from nodes/services/links.geojson")
            continue
        changes = {}
        for key, value in mod["set"].items():
            if key not in known.fields[layer] or key == "id":
                out.add(path, label, "modify", f"modify[{j}] sets unknown {layer} field {key!r}",
                        f"use a field of {layer}, e.g. headway_min, minutes, speed_kmh")
            else:
                changes[key] = value
        check_modified(out, path, (label, f"modify[{j}]"), layer, known.records[layer][str(rid)], changes,
                       known.node_kinds)


def _scenario_label(out: Collector, path: Any, i: int, sc: dict, names: dict[str, int]) -> str:
    name = sc.get("name")
    if not (isinstance(name, str) and name):
        out.add(path, f"#{i}", "name", "scenario without a name", 'give each scenario a unique "name"')
        return f"#{i}"
    if name in names:
        out.add(path, name, "name", f"duplicate scenario name (also #{names[name]})", "give each scenario its own name")
    else:
        names[name] = i
    return name


def _check_scenarios(out: Collector, path: Any, scenarios: list, known: _Known) -> None:
    names: dict[str, int] = {}
    for i, sc in enumerate(scenarios):
        if not isinstance(sc, dict):
            out.add(path, f"#{i}", None, "scenario is not an object", 'give {"name": ..., "date": ..., ...}')
            continue
        label = _scenario_label(out, path, i, sc, names)
        for key in sc:
            if key not in SCENARIO_KEYS:
                out.add(path, label, key, f"unknown scenario field {key!r}", choices(SCENARIO_KEYS))
        try:
            parse_date(sc.get("date"), file=path, record=label, field_name="date")
        except ValueError:
            out.add(path, label, "date", f"bad date {sc.get('date')!r}", "write it as YYYY-MM-DD, or null for the query date")
        if not is_null(sc.get("description")) and not isinstance(sc.get("description"), str):
            out.add(path, label, "description", f"not text ({sc['description']!r})", "give the description as a string")
        _check_scenario_ids(out, path, label, sc, known)
        _check_modify(out, path, label, sc.get("modify"), known)


# --------------------------------------------------------------------------- running every check


def _node_kinds(data: _Input, labels: dict[str, list[str]]) -> dict[str, Any] | None:
    nodes = data.layers.get("nodes")
    if nodes is None:
        return None
    kinds: dict[str, Any] = {}
    for rec, label in zip(nodes, labels["nodes"], strict=True):
        kinds.setdefault(label, rec.props.get("kind"))
    return kinds


def _known(data: _Input, ids: dict[str, dict[str, int]], node_kinds: dict[str, Any]) -> _Known:
    records = {n: {rid: (data.layers[n] or [])[i] for rid, i in ids[n].items()} for n in ("nodes", "services", "links")}
    fields = {n: set(f) | data.columns.get(n, set()) for n, f in _LAYER_FIELDS.items()}
    return _Known(records, fields, node_kinds)


def _run_checks(data: _Input, out: Collector) -> dict[str, int]:
    """Run every check on ``data``; returns the record counts."""
    files, layers = data.files, data.layers
    ids: dict[str, dict[str, int]] = {name: {} for name in _LAYERS}
    labels: dict[str, list[str]] = {}
    counts = {name: len(recs) for name, recs in layers.items() if recs is not None}
    for name in ("nodes", "services", "links"):
        if layers.get(name) is not None:
            labels[name] = check_common(out, files[name], name, layers[name] or [], ids[name])
    if layers.get("boundaries") is not None:
        labels["boundaries"] = check_boundary_ids(out, files["boundaries"], layers["boundaries"] or [])
    node_kinds = _node_kinds(data, labels)
    # when the node layer is unreadable, dangling-reference checks would only repeat that problem
    node_ids: Container[str] = Anything() if node_kinds is None else set(node_kinds)
    if node_kinds is not None:
        check_nodes(out, files["nodes"], layers["nodes"] or [], labels["nodes"], node_kinds)
    if layers.get("services") is not None:
        check_services(out, files["services"], layers["services"] or [], labels["services"], node_ids)
    if layers.get("links") is not None:
        check_links(out, files["links"], layers["links"] or [], labels["links"], node_ids)
    if "boundaries" in labels and node_kinds is not None:
        check_boundaries(out, files["boundaries"], labels["boundaries"], node_ids)
    if data.scenarios is not None:
        counts["scenarios"] = len(data.scenarios)
        if all(layers.get(n) is not None for n in ("nodes", "services", "links")):
            _check_scenarios(out, files["scenarios"], data.scenarios, _known(data, ids, node_kinds or {}))
    _check_freight(data, out, None if node_kinds is None else set(node_kinds))
    return {name: counts[name] for name in (*_LAYERS, "scenarios") if name in counts}


def _check_freight(data: _Input, out: Collector, node_ids: set[str] | None) -> None:
    stem = schema.FREIGHT_FILE.rsplit(".", 1)[0]
    if stem in data.extras:
        where = data.files.get(stem, schema.FREIGHT_FILE)
        out.problems += schema.check_freight(data.extras[stem], file=where, node_ids=node_ids)


def _layer_files(source: Path) -> dict[str, str]:
    """Where each part lives: ``folder/nodes.geojson``, or ``file.gpkg (table nodes)`` for a GeoPackage."""
    freight = schema.FREIGHT_FILE.rsplit(".", 1)[0]
    if is_geopackage(source):
        return {**{name: f"{source} (table {name})" for name in (*schema.LAYER_FILES, SCENARIO_TABLE)},
                freight: f"{source} (table {EXTRAS_TABLE}, {schema.FREIGHT_FILE})"}
    return {**{name: str(source / filename) for name, filename in schema.LAYER_FILES.items()},
            "scenarios": str(source / schema.SCENARIO_FILE), freight: str(source / schema.FREIGHT_FILE)}


def _records_of(gdf: Any) -> list[Record] | None:
    if gdf is None:
        return None
    geoms = list(gdf.geometry) if "geometry" in gdf.columns else [None] * len(gdf)
    props = gdf.drop(columns=[c for c in ("geometry",) if c in gdf.columns]).to_dict("records")
    return [Record(p, g) for p, g in zip(props, geoms, strict=True)]


_FILE_ORDER = [*schema.LAYER_FILES, "scenarios"]


def _sorted(problems: list[Problem], files: dict[str, str]) -> list[Problem]:
    """Problems grouped by file in dataset order (stable within a file)."""
    rank = {where: _FILE_ORDER.index(name) for name, where in files.items() if name in _FILE_ORDER}
    return sorted(problems, key=lambda p: rank.get(p.file or "", len(_FILE_ORDER)))


# --------------------------------------------------------------------------- public API


def validate_dataset(path: Any = None) -> ValidationReport:
    """Check a dataset and report every problem at once.

    Parameters
    ----------
    path
        Dataset folder (``nodes.geojson``, ``services.geojson``, ``links.geojson``,
        optional ``boundaries.geojson``, ``scenarios.json`` and ``freight.json``)
        or a GeoPackage written by :func:`geodata.formats.write_dataset`;
        ``None`` checks the embedded Qianjiang dataset.

    Returns
    -------
    ValidationReport
        ``.ok`` is ``True`` when nothing is wrong; ``.problems`` lists every
        :class:`Problem` (file, record, field, message, fix); ``.summary()`` is
        one line.

    Raises
    ------
    DataError
        The path does not exist (everything else is reported, not raised).

    Examples
    --------
    >>> report = validate_dataset()
    >>> report.ok
    True
    >>> report.summary().endswith("no problems")
    True
    """
    target = Path(path) if path is not None else default_dataset_path()
    embedded = target.resolve() == default_dataset_path()
    raw = read_gtfs_raw(target) if is_gtfs(target) else read_raw(target)
    report = ValidationReport(path=f"{DEFAULT_DATASET} (embedded dataset)" if embedded else str(target))
    report.problems, report.counts = raw_problems(raw)
    log.info("Validated %s: %d problem(s)", target, len(report.problems))
    return report


def raw_problems(raw: Any) -> tuple[list[Problem], dict[str, int]]:
    """Every problem of what :func:`geodata._raw.read_raw` read (reading and checks), and the counts."""
    out = Collector()
    out.problems += raw.problems
    columns = {name: raw.columns(name) for name in ("nodes", "services", "links")}
    counts = _run_checks(_Input(raw.layers, raw.scenarios, raw.extras, raw.files, columns), out)
    return _sorted(out.problems, raw.files), counts


def dataset_problems(ds: Dataset) -> list[Problem]:
    """Every problem of a :class:`~geodata.dataset.Dataset` in memory (see :func:`check_dataset`)."""
    files = _layer_files(Path(ds.path))
    layers = {name: _records_of(getattr(ds, name)) for name in _LAYERS}
    columns = {name: set(getattr(ds, name).columns) for name in ("nodes", "services", "links")
               if getattr(ds, name) is not None}
    scenarios = list(ds.scenarios.values()) if ds.scenarios is not None else None
    out = Collector()
    _run_checks(_Input(layers, scenarios, ds.extras or {}, files, columns), out)
    return _sorted(out.problems, files)


def check_dataset(ds: Dataset) -> None:
    """Raise :class:`~geodata.errors.ValidationError` listing every problem of a dataset in memory.

    Parameters
    ----------
    ds
        A :class:`geodata.dataset.Dataset` as read by :func:`geodata.formats.read_dataset`
        (or built or changed in memory).

    Raises
    ------
    ValidationError
        With ``.problems`` (every :class:`Problem`); its message is the first
        problem on one line plus how many more there are.

    Examples
    --------
    >>> from qjnet.geodata.formats import read_dataset
    >>> check_dataset(read_dataset(default_dataset_path()))  # the embedded dataset is valid: nothing raised
    """
    problems = dataset_problems(ds)
    if problems:
        raise ValidationError(problems, file=ds.path)
