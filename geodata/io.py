"""Loading datasets: :func:`load_dataset` reads, validates and selects in one step.

A dataset is a folder laid out as :mod:`geodata.schema` describes, or a
GeoPackage written by :func:`geodata.formats.write_dataset`.  The embedded
Qianjiang dataset ships as package data and is used when no path is given.

This module also re-exports the names that callers import from here:
:class:`~geodata.dataset.Dataset`, :func:`~geodata.dataset.default_dataset_path`,
:func:`~geodata.select.apply_selection` and :func:`~geodata._util.parse_date`.
"""

from __future__ import annotations

import logging
import os
from dataclasses import replace
from typing import Any

from ._raw import read_raw
from ._util import is_null, parse_date
from .dataset import DEFAULT_DATASET, Dataset, default_dataset_path
from .errors import OptionError, ValidationError
from .formats import dataset_from_raw, read_dataset
from .gtfs import is_gtfs, read_gtfs_raw
from .select import apply_selection
from .validate import raw_problems

__all__ = ["DEFAULT_DATASET", "Dataset", "apply_selection", "default_dataset_path", "derive_link_minutes",
           "load_dataset", "parse_date", "read_layers"]

log = logging.getLogger(__name__)


def read_layers(path: Any = None) -> Dataset:
    """Read every layer of a dataset folder (or GeoPackage) without validating or filtering.

    ``None`` reads the embedded dataset; see :func:`geodata.formats.read_dataset`.

    Examples
    --------
    >>> len(read_layers().nodes) > 0
    True
    """
    return read_dataset(path if path is not None else default_dataset_path())


def derive_link_minutes(links: Any) -> Any:
    """Fill ``minutes`` where null from ``length_km * circuity / speed_kmh * 60`` (circuity defaults to 1).

    Returns a copy; ``links`` is not changed.
    """
    links = links.copy()
    for col in ("minutes", "length_km", "speed_kmh", "circuity"):
        if col not in links.columns:
            links[col] = None
    minutes = []
    for row in links[["minutes", "length_km", "speed_kmh", "circuity"]].to_dict("records"):
        m = row["minutes"]
        if is_null(m):
            length, speed = row["length_km"], row["speed_kmh"]
            circ = 1.0 if is_null(row["circuity"]) else row["circuity"]
            m = float(length) * float(circ) / float(speed) * 60.0 if length and speed else None
        minutes.append(None if m is None else float(m))
    links["minutes"] = minutes
    return links


def load_dataset(path: Any = None, *, date: Any = None, scenario: str | None = None) -> Dataset:
    """Load a dataset folder, validated, optionally restricted to a date and scenario.

    Parameters
    ----------
    path
        Dataset folder, a GeoPackage written by :func:`geodata.formats.write_dataset`,
        or a GTFS feed (``.zip``, read by :func:`geodata.gtfs.read_gtfs`);
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
        The folder or a file is missing or invalid (the message names file, record and field;
        a :class:`~geodata.errors.ValidationError` carries every problem, as ``qjnet validate`` lists them).
    ScenarioError
        ``scenario`` is not defined in the dataset.

    Examples
    --------
    >>> ds = load_dataset(date="2025-07-01")
    >>> "qianjiang" in ds.nodes.index
    True
    """
    raw = read_gtfs_raw(path) if path is not None and is_gtfs(path) else read_raw(
        path if path is not None else default_dataset_path())
    problems, _ = raw_problems(raw)
    if problems:
        raise ValidationError(problems, file=raw.path)
    ds = dataset_from_raw(raw)
    ds = replace(ds, links=derive_link_minutes(ds.links))
    ds = apply_selection(ds, date=date, scenario=scenario)
    log.info("Loaded dataset %s: %d nodes, %d services, %d links%s", ds.path.name, len(ds.nodes),
             len(ds.services), len(ds.links), f", date {ds.date}" if ds.date else "")
    return ds


def as_dataset(dataset: Any, *, caller: str) -> Dataset:
    """``dataset`` itself if it is a :class:`Dataset`; a folder, file or ``None`` (embedded) loaded.

    ``caller`` names the function for the error raised on anything else.

    Examples
    --------
    >>> as_dataset(None, caller="example").path.name
    'qianjiang'
    """
    if isinstance(dataset, Dataset):
        return dataset
    if dataset is None or isinstance(dataset, (str, os.PathLike)):
        return load_dataset(dataset)
    raise OptionError(f"{caller} needs a Dataset or a dataset folder, got {type(dataset).__name__}")
