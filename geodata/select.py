"""Selection by date and scenario: keep what exists on a day under a plan.

A record exists on date D when its status is ``open`` (or the scenario adds
it), ``opened`` is null or <= D, and ``closed`` is null or > D (see
:mod:`geodata.schema`, *Dates*).  A scenario first applies its ``modify``
entries, then its ``add`` and ``remove`` lists.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import replace
from typing import Any

from . import schema
from ._util import parse_date
from .dataset import Dataset
from .errors import ScenarioError

__all__ = ["apply_selection", "exists_on", "parse_date", "scenario_day", "services_for"]


def exists_on(record: dict, day: _dt.date, added: set) -> bool:
    """``True`` when ``record`` (a node, service or link) exists on ``day``; ``added`` ids count as open.

    Examples
    --------
    >>> import datetime
    >>> exists_on({"id": "x", "status": "open", "opened": "2025-06-27"}, datetime.date(2025, 7, 1), set())
    True
    >>> exists_on({"id": "x", "status": "planned"}, datetime.date(2025, 7, 1), set())
    False
    """
    status = record.get("status")
    if status != "open" and record.get("id") not in added:
        return False
    opened = parse_date(record.get("opened")) if status == "open" else None
    closed = parse_date(record.get("closed"))
    if opened is not None and opened > day:
        return False
    return closed is None or closed > day


def _scenario(ds: Dataset, scenario: str | None) -> dict:
    if scenario is None:
        return {}
    if scenario not in ds.scenarios:
        known = ", ".join(sorted(ds.scenarios)) or "none"
        raise ScenarioError(f"unknown scenario {scenario!r}; known scenarios: {known}")
    return ds.scenarios[scenario]


def scenario_day(ds: Dataset, *, date: Any = None, scenario: str | None = None) -> _dt.date | None:
    """The day a selection is evaluated on: ``date``, else the scenario's date, else today.

    ``None`` when neither ``date`` nor ``scenario`` is given (nothing to select).
    Raises :class:`~geodata.errors.ScenarioError` for an unknown scenario.
    """
    sc = _scenario(ds, scenario)
    day = parse_date(date) if date is not None else None
    if day is None and sc.get("date"):
        day = parse_date(sc["date"], file=ds.path / schema.SCENARIO_FILE, record=scenario, field_name="date")
    if day is None and date is None and scenario is None:
        return None
    return day if day is not None else _dt.date.today()


def _modified(gdf: Any, mods: list) -> Any:
    for mod in mods:
        if mod.get("id") in gdf.index:
            gdf = gdf.copy()
            for key, value in (mod.get("set") or {}).items():
                if key not in gdf.columns:
                    gdf[key] = None
                gdf.at[mod["id"], key] = value
    return gdf


def apply_selection(ds: Dataset, *, date: Any = None, scenario: str | None = None) -> Dataset:
    """Keep only what exists on ``date`` under ``scenario`` (see :mod:`geodata.schema`, *Dates*).

    Parameters
    ----------
    ds
        A dataset (e.g. from :func:`geodata.io.load_dataset` without a date).
    date
        ``datetime.date`` or ISO text; when not given, the scenario's ``date``
        is used, and a scenario with no date uses today's date.
    scenario
        Name of a scenario of ``ds``.

    Returns
    -------
    Dataset
        A new dataset; ``ds`` is unchanged when neither ``date`` nor
        ``scenario`` is given.  A service or link is kept only if every node it
        touches is kept.

    Raises
    ------
    ScenarioError
        ``scenario`` is not defined in the dataset.
    OptionError
        ``date`` is not a date.

    Examples
    --------
    >>> from qjnet.geodata.io import load_dataset
    >>> ds = load_dataset()
    >>> apply_selection(ds, date="2025-07-01").date
    datetime.date(2025, 7, 1)
    """
    day = scenario_day(ds, date=date, scenario=scenario)
    if day is None:
        return ds
    sc = _scenario(ds, scenario)
    added = set(sc.get("add") or [])
    removed = set(sc.get("remove") or [])
    layers = {}
    for name in ("nodes", "services", "links"):
        gdf = _modified(getattr(ds, name), sc.get("modify") or [])
        keep = [(exists_on(row, day, added) and rid not in removed)
                for rid, row in zip(gdf.index, gdf.drop(columns="geometry").to_dict("records"), strict=True)]
        layers[name] = gdf[keep].copy()
    # a service or link is usable only if every node it touches exists
    alive = set(layers["nodes"].index)
    svc = layers["services"]
    layers["services"] = svc[[all(s in alive for s in stops) for stops in svc["stops"]]] if len(svc) else svc
    lk = layers["links"]
    layers["links"] = lk[[(a in alive and b in alive) for a, b in zip(lk["from"], lk["to"], strict=True)]] if len(lk) else lk
    return replace(ds, **layers, date=day, scenario=scenario)


def services_for(ds: Dataset, a: str, b: str, *, train_class: str | None = None,
                 stopping: str | None = None) -> Dataset:
    """The dataset with only the services a published trip between stops ``a`` and ``b`` can be on.

    A published time names its train class (``"G"``, ``"D"``, ...) and may
    say whether the train stops between ``a`` and ``b`` (``"stopping"``) or
    runs through (``"non-stop"``): services of another class, and patterns
    that call at both stops but stop (or do not stop) between them, are left
    out.  Services that do not call at both stops stay, for the trips to and
    from the stations.

    Examples
    --------
    >>> from qjnet.geodata.io import load_dataset
    >>> ds = load_dataset()
    >>> fast = services_for(ds, "cq_east", "qianjiang", train_class="G", stopping="non-stop")
    >>> len(fast.services) < len(ds.services)
    True
    """
    s = ds.services
    if train_class:
        s = s[s["train_class"] == train_class]
    if stopping:

        def ok(stops: Any) -> bool:
            st = list(stops)
            if a not in st or b not in st:
                return True
            between = abs(st.index(a) - st.index(b)) - 1
            return between > 0 if stopping == "stopping" else between == 0

        s = s[s["stops"].map(ok)]
    return replace(ds, services=s)
