"""The :class:`Dataset` value (a dataset's layers in memory) and where the embedded dataset lives.

Reading is :func:`geodata.formats.read_dataset` (raw) and :func:`geodata.io.load_dataset`
(validated, optionally selected by date and scenario).
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_DATASET = "qianjiang"


def default_dataset_path() -> Path:
    """Folder of the embedded Qianjiang dataset (package data).

    Examples
    --------
    >>> default_dataset_path().name
    'qianjiang'
    """
    return Path(__file__).resolve().parent / "data" / DEFAULT_DATASET


@dataclass(frozen=True)
class Dataset:
    """The layers of a dataset as GeoDataFrames (EPSG:4326), indexed by ``id``.

    ``date`` and ``scenario`` record the selection applied: when ``date`` is
    ``None`` nothing was filtered (every status, every date).  ``extras`` holds
    the folder's other JSON files by stem (e.g. ``extras["freight"]``).
    """

    nodes: Any
    services: Any
    links: Any
    boundaries: Any | None
    scenarios: dict
    path: Path
    date: _dt.date | None = None
    scenario: str | None = None
    extras: dict = field(default_factory=dict)

    def node(self, node_id: str) -> dict:
        """One node's attributes as a dict (raises :class:`KeyError` if absent)."""
        row = self.nodes.loc[node_id]
        return {"id": node_id, **row.to_dict()}
