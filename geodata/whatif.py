"""What-if scenario files: a user's list of modifications applied on top of a dataset.

The file is shaped like a Conveyal Analysis / R5 scenario: a JSON object
``{"name": ..., "description": ..., "modifications": [...]}``.  Each
modification has a ``type`` and the fields of that type (``comment`` is
allowed on every one):

``add-trips``
    A new service: ``stops`` (ids, names, or ``"lat,lon"`` for a new stop),
    ``mode`` (default ``hsr``), ``bidirectional`` (default true), ``frequencies``
    (entries with ``startTime``/``endTime`` as ``"HH:MM"`` and ``headwaySecs``,
    or exact ``firstDepartures``, and ``monday`` ... ``sunday``; an entry that
    names no day runs every day), optional ``hopTimes`` and ``dwellTimes``
    (seconds), ``id``, ``name``, ``line``.  Without ``hopTimes`` each hop takes
    its straight-line distance over the median speed (straight-line km per
    minute) of the dataset's services of that mode; the new service's
    ``assumptions`` says so.  A new stop gets an access link to the nearest
    county-level place, timed at the median speed of the dataset's access links.
``adjust-frequency``
    ``service`` and ``headwaySecs`` or ``per_day``; published departures are dropped.
``adjust-speed``
    ``services`` (or ``service``), ``scale`` (2 halves the running times), optional
    ``hops`` (``[[from, to], ...]`` consecutive stops; default every hop).
``adjust-dwell-time``
    ``services``, ``dwellSecs`` added at each of ``stops`` (default every
    intermediate stop): the dataset gives one time per stop, so its dwell is
    not known and is not replaced.
``remove-stops``
    ``services``, ``stops``, optional ``secondsSavedAtEachStop``.
``remove-trips``
    ``services``.
``reroute``
    ``service``, ``fromStop``, ``toStop``, new intermediate ``stops`` (may be
    empty), optional ``hopTimes`` (one per new hop, seconds; else derived as
    for add-trips).
``add-link``
    A road (or other link): ``from``, ``to``, ``mode`` (default ``road``),
    ``length_km`` + ``speed_kmh`` or ``minutes``, ``bidirectional``, ``id``, ``road``.
``modify-link``
    ``link`` and ``speed_kmh``, ``minutes`` or ``closed: true``.

Modifications are applied in this fixed order, whatever their order in the
file (file order within one type): :data:`APPLY_ORDER`.  Removing first lets a
file replace a service; adding trips before the adjustments lets a file
adjust its own new services.  The file is applied on top of the dataset it is
given, after the date and dataset scenario selection when the dataset is
selected; :func:`apply_whatif` returns a new dataset and never changes its input.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ._whatif_check import APPLY_ORDER, TYPES, check_modifications
from .dataset import Dataset
from .errors import DataError, Problem

__all__ = ["APPLY_ORDER", "TYPES", "WhatIf", "apply_whatif", "read_scenario_file", "validate_scenario_file",
           "whatif_changes"]


@dataclass(frozen=True)
class WhatIf:
    """A parsed what-if scenario file: its ``name``, ``modifications`` and where it came from.

    ``file`` is the name used in messages; ``text`` the file's bytes (``b""``
    for an object built in memory).
    """

    name: str
    modifications: tuple
    description: str = ""
    file: str = "<scenario>"
    text: bytes = b""


def _structure_problems(doc: Any, file: str) -> list[Problem]:
    if not isinstance(doc, dict):
        return [Problem(file, None, None, "not a JSON object",
                        'the file holds {"name": ..., "modifications": [...]}')]
    problems = []
    for key in doc:
        if key not in ("name", "description", "modifications", "comment"):
            problems.append(Problem(file, None, key, f"unknown top-level field {key!r}",
                                    "use name, description, modifications"))
    if not isinstance(doc.get("name"), str) or not doc.get("name", "").strip():
        problems.append(Problem(file, None, "name", "missing scenario name", 'give "name": "what the plan is"'))
    if not isinstance(doc.get("modifications"), list):
        problems.append(Problem(file, None, "modifications", "missing list of modifications",
                                'give "modifications": [{"type": "add-trips", ...}, ...]'))
    return problems


def _from_doc(doc: Any, file: str, text: bytes = b"") -> WhatIf:
    problems = _structure_problems(doc, file)
    if problems:
        raise _error(problems)
    return WhatIf(name=doc["name"].strip(), modifications=tuple(doc["modifications"]),
                  description=str(doc.get("description") or ""), file=file, text=text)


def read_scenario_file(path: Any) -> WhatIf:
    """Read a what-if scenario file (JSON); its modifications are checked later against a dataset.

    Parameters
    ----------
    path
        The file.

    Returns
    -------
    WhatIf

    Raises
    ------
    DataError
        The file is missing, is not JSON, or has no ``name`` / ``modifications``.

    Examples
    --------
    >>> import json, tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "s.json"
    >>> _ = f.write_text(json.dumps({"name": "faster", "modifications": []}))
    >>> read_scenario_file(f).name
    'faster'
    """
    p = Path(path)
    try:
        text = p.read_bytes()
    except OSError as err:
        raise DataError(f"cannot read the scenario file ({err.strerror or err}); check the path",
                        file=p) from None
    try:
        doc = json.loads(text.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise DataError(f"not valid JSON ({err}); write the file as JSON "
                        "(`qjnet scenario new --output FILE` writes a template)", file=p) from None
    return _from_doc(doc, p.name, text)


def _as_whatif(path_or_obj: Any) -> WhatIf:
    if isinstance(path_or_obj, WhatIf):
        return path_or_obj
    if isinstance(path_or_obj, dict):
        return _from_doc(path_or_obj, "<scenario>")
    return read_scenario_file(path_or_obj)


def validate_scenario_file(path_or_obj: Any, dataset: Dataset) -> list[Problem]:
    """Every problem of a what-if scenario file against ``dataset``, one :class:`Problem` each.

    Parameters
    ----------
    path_or_obj
        A file path, a parsed ``dict`` or a :class:`WhatIf`.
    dataset
        The dataset it is meant for (selected or not).

    Returns
    -------
    list of Problem
        Empty when the file applies cleanly.  Each names the file, the
        modification (``modifications[i] (type)``) and the field, and says how to fix it.

    Examples
    --------
    >>> from qjnet.geodata.io import load_dataset
    >>> ds = load_dataset(date="2025-07-03")
    >>> bad = {"name": "x", "modifications": [{"type": "adjust-frequency", "service": "yuxia_fast",
    ...                                        "headwaySecs": 0}]}
    >>> print(validate_scenario_file(bad, ds)[0])
    <scenario>, record 'modifications[0] (adjust-frequency)', field 'headwaySecs': ...
    """
    try:
        wi = _as_whatif(path_or_obj)
    except DataError as err:
        return list(getattr(err, "problems", [Problem(err.file, err.record, err.field, err.message)]))
    problems, _ = check_modifications(wi.modifications, dataset, file=wi.file)
    return problems


def _error(problems: list[Problem]) -> DataError:
    first = problems[0]
    more = len(problems) - 1
    note = (f" (and {more} more problem{'s' if more > 1 else ''}; run `qjnet scenario validate FILE` "
            "for the full report)") if more else ""
    err = DataError(f"{first.message}{'; ' + first.fix if first.fix else ''}{note}", file=first.file,
                    record=first.record, field=first.field)
    err.problems = list(problems)  # type: ignore[attr-defined]
    return err


def apply_whatif(dataset: Dataset, whatif: WhatIf) -> Dataset:
    """Apply a what-if scenario to ``dataset`` and return the modified dataset.

    Parameters
    ----------
    dataset
        A dataset, usually selected by date (and dataset scenario) first; it is not changed.
    whatif
        From :func:`read_scenario_file`.

    Returns
    -------
    Dataset
        New layers; ``extras["whatif"]`` lists the applied files' names and, on a
        selected dataset, ``scenario`` reads ``"<scenario> + <what-if name>"``.

    Raises
    ------
    DataError
        The file does not apply to this dataset (the first problem, with a count of the others).

    Examples
    --------
    >>> from qjnet.geodata.io import load_dataset
    >>> ds = load_dataset(date="2025-07-03")
    >>> wi = WhatIf("hourly", ({"type": "adjust-frequency", "service": "yuxia_fast", "headwaySecs": 3600},))
    >>> new = apply_whatif(ds, wi)
    >>> float(new.services.at["yuxia_fast", "headway_min"]), new.scenario
    (60.0, 'hourly')
    """
    from ._whatif_apply import apply_checked

    problems, checked = check_modifications(whatif.modifications, dataset, file=whatif.file)
    if problems:
        raise _error(problems)
    return apply_checked(dataset, checked, whatif.name, whatif.file)


def whatif_changes(dataset: Dataset, whatif: WhatIf) -> list[dict]:
    """What each modification changes: one row per modification (index, type, action, ids, summary).

    Raises :class:`DataError` like :func:`apply_whatif` when the file does not apply.
    """
    from ._whatif_apply import describe_checked

    problems, checked = check_modifications(whatif.modifications, dataset, file=whatif.file)
    if problems:
        raise _error(problems)
    return describe_checked(dataset, checked, whatif.name, whatif.file)
