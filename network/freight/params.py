"""Freight figures: reading and checking ``freight.json``, user overrides, the option checks.

Every figure of ``freight.json`` is ``{"value", "unit", "source" or "assumption"}``; they are
flattened to dotted keys (``modes.rail.cost_cny_per_teu_km``) in a :class:`FreightParams`.
"""

from __future__ import annotations

import datetime as _dt
import difflib
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ...geodata.errors import DataError, OptionError
from ...geodata.schema import FREIGHT_NULLABLE, FREIGHT_REQUIRED

CARGOS = ("teu", "tonne")
OBJECTIVES = ("time", "cost", "co2")
FREIGHT_MODES = ("road", "rail", "air")
ROAD_LINK_MODES = ("expressway", "road", "access", "transfer")
#: node kinds that send or receive freight (plus every node listed in freight.json); stations,
#: GA airfields and sights are passenger places: roads to them are left out of the freight graph
FREIGHT_KINDS = ("place", "logistics", "airport")
_OBJ_INDEX = {"time": 0, "cost": 1, "co2": 2}


@dataclass(frozen=True)
class Param:
    """One freight figure with its provenance (``source`` or ``assumption``)."""

    key: str
    value: float | None
    unit: str = ""
    source: str | None = None
    assumption: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The figure as plain JSON values (``source`` and ``assumption`` only when given)."""
        out: dict[str, Any] = {"key": self.key, "value": self.value, "unit": self.unit}
        if self.source:
            out["source"] = self.source
        if self.assumption:
            out["assumption"] = self.assumption
        return out


@dataclass(frozen=True)
class FreightParams:
    """Freight figures of a dataset (from ``freight.json``), after user overrides.

    ``values`` maps dotted keys (``modes.rail.cost_cny_per_teu_km``,
    ``nodes.qj_freight.handling_h``, ...) to :class:`Param`; ``node_modes`` maps a node id to the
    modes it handles; ``capacity`` maps a node id to its dated capacity periods.
    """

    values: Mapping[str, Param]
    node_modes: Mapping[str, tuple[str, ...]]
    capacity: Mapping[str, tuple[dict, ...]]
    trunk_roads: tuple[dict, ...] = ()
    file: str = "freight.json"

    def __getitem__(self, key: str) -> float | None:
        """The number under ``key``; ``None`` for a figure left unset (``modes.rail.running_speed_kmh``)."""
        return self.values[key].value

    def figure(self, key: str) -> float:
        """The number under ``key``, which must be set (:class:`KeyError` when absent or unset)."""
        value = self.values[key].value
        if value is None:
            raise KeyError(f"{key} is not set in {self.file}")
        return value

    def get(self, key: str) -> Param | None:
        """The :class:`Param` under ``key`` or ``None``."""
        return self.values.get(key)

    def capacity_on(self, node: str, date: _dt.date | None) -> dict | None:
        """Capacity period of ``node`` valid on ``date`` (the latest one when ``date`` is None)."""
        from ...geodata.io import parse_date

        periods = self.capacity.get(node) or ()
        if not periods:
            return None
        if date is None:
            return dict(periods[-1])
        for p in periods:
            start, end = parse_date(p.get("from")), parse_date(p.get("until"))
            if (start is None or start <= date) and (end is None or date < end):
                return dict(p)
        return None

    def capacity_tonnes(self, node: str, date: _dt.date | None) -> float | None:
        """Annual capacity of ``node`` on ``date`` in tonnes (TEU converted with ``cargo.teu_payload_t``)."""
        p = self.capacity_on(node, date)
        if p is None or p.get("value") is None:
            return None
        unit = str(p.get("unit", "")).lower()
        if unit.startswith("teu"):
            return float(p["value"]) * self.figure("cargo.teu_payload_t")
        if unit.startswith("mt"):
            return float(p["value"]) * 1e6
        return float(p["value"])


# keys every freight.json must provide, and those that may be null: the schema's rules
_REQUIRED_KEYS = FREIGHT_REQUIRED
_NULLABLE = FREIGHT_NULLABLE


ErrorFactory = Callable[[str], Exception]


def _data_error(file: str, record: str, field: str) -> ErrorFactory:
    """A builder of :class:`DataError` for one record and field of ``file``."""
    def where(msg: str) -> Exception:
        return DataError(msg, file=file, record=record, field=field)
    return where


def _check_number(key: str, value: Any, *, where: ErrorFactory) -> float:
    """Parse and range-check one figure; ``where`` builds the error."""
    if isinstance(value, bool):
        raise where(f"{key}={value!r} is not a number; give a number such as 2.5")
    try:
        num = float(value)
    except (TypeError, ValueError):
        raise where(f"{key}={value!r} is not a number; give a number such as 2.5") from None
    if not math.isfinite(num):
        raise where(f"{key}={value!r} is not a finite number; give a number such as 2.5")
    if num < 0:
        raise where(f"{key}={value!r} is negative; costs, times, capacities and factors must be >= 0")
    last = key.rsplit(".", 1)[-1]
    positive = ("speed" in key or last in ("circuity", "teu_payload_t"))
    if positive and num == 0:
        raise where(f"{key}=0 is not allowed; speeds, circuity and the TEU payload must be > 0")
    if last == "wait_fraction" and num > 1:
        raise where(f"{key}={value!r} must be between 0 and 1 (share of the gap between departures)")
    return num


def _flatten(doc: Mapping[str, Any], prefix: str, out: dict[str, Param], path: str) -> None:
    """Collect every ``{"value": ...}`` figure under ``doc`` into ``out`` by dotted key, checked."""
    for name, val in doc.items():
        key = f"{prefix}.{name}" if prefix else name
        if isinstance(val, dict) and "value" in val:
            rec, fld = key.rsplit(".", 1) if "." in key else (key, "value")
            if val["value"] is None and key in _NULLABLE:
                num = None
            else:
                num = _check_number(key, val["value"], where=_data_error(path, rec, fld))
            if not (val.get("source") or val.get("assumption")):
                raise DataError("figure without provenance; give a \"source\" (citation) or an "
                                "\"assumption\" (what was assumed and why)", file=path, record=rec, field=fld)
            out[key] = Param(key, num, str(val.get("unit", "")), val.get("source"), val.get("assumption"))
        elif isinstance(val, dict):
            _flatten(val, key, out, path)


def load_freight_params(doc: Mapping[str, Any] | None, *, overrides: Mapping[str, Any] | None = None,
                        file: str = "freight.json") -> FreightParams:
    """Read and check freight figures, then apply user ``overrides``.

    Parameters
    ----------
    doc
        The parsed ``freight.json`` (``ds.extras["freight"]``).
    overrides
        ``{key: value}``; keys are the dotted paths of ``freight.json`` (``modes.`` may be
        omitted: ``rail.running_speed_kmh``), plus ``nodes.<id>.capacity_mt_per_year`` and
        ``nodes.<id>.capacity_teu_per_year``.  Values may be strings (as typed on the command line).

    Returns
    -------
    FreightParams

    Raises
    ------
    DataError
        ``doc`` is missing a figure, a figure is not a non-negative number or has no provenance.
    OptionError
        An override names an unknown key or its value is not a valid number.

    Examples
    --------
    >>> from qjnet.geodata.io import load_dataset
    >>> from qjnet.network.freight import load_freight_params
    >>> p = load_freight_params(load_dataset().extras["freight"], overrides={"rail.circuity": "1.5"})
    >>> p["modes.rail.circuity"], p.get("modes.rail.circuity").source
    (1.5, 'user override')
    """
    if not isinstance(doc, Mapping):
        raise DataError("the dataset has no freight parameters; add a freight.json to the dataset folder "
                        "(see geodata/data/qianjiang/freight.json)", file=file)
    values: dict[str, Param] = {}
    _flatten({k: v for k, v in doc.items() if k in ("cargo", "modes", "nodes")}, "", values, file)
    _check_required(values, file)
    node_modes: dict[str, tuple[str, ...]] = {}
    capacity: dict[str, tuple[dict, ...]] = {}
    for nid, spec in (doc.get("nodes") or {}).items():
        node_modes[nid] = _node_modes(nid, spec, values, file)
        capacity[nid] = _capacity_periods(nid, spec, file)
    trunk = tuple(_trunk_road(i, t, values, file) for i, t in enumerate(doc.get("trunk_roads") or []))
    params = FreightParams(values, node_modes, capacity, trunk, file)
    return apply_overrides(params, overrides) if overrides else params


def _check_required(values: Mapping[str, Param], file: str) -> None:
    """Every mode figure of :data:`_REQUIRED_KEYS` is present."""
    for key in _REQUIRED_KEYS:
        if key not in values:
            rec, fld = key.rsplit(".", 1)
            raise DataError("missing figure; give {\"value\": ..., \"unit\": ..., \"source\" or \"assumption\": ...}",
                            file=file, record=rec, field=fld)


def _node_modes(nid: str, spec: Mapping[str, Any], values: Mapping[str, Param], file: str) -> tuple[str, ...]:
    """The modes a node handles; a node that changes modes needs its handling figures."""
    modes = tuple(spec.get("modes") or ("road",))
    bad = [m for m in modes if m not in FREIGHT_MODES]
    if bad:
        raise DataError(f"unknown mode {bad[0]!r}; use {', '.join(FREIGHT_MODES)}", file=file,
                        record=f"nodes.{nid}", field="modes")
    if len(modes) > 1:
        need = ["handling_h", "handling_cny_per_tonne"] + (["handling_cny_per_teu"] if "rail" in modes else [])
        for fld in need:
            if f"nodes.{nid}.{fld}" not in values:
                raise DataError(f"a node that changes modes ({', '.join(modes)}) needs {fld}",
                                file=file, record=f"nodes.{nid}", field=fld)
    return modes


def _capacity_periods(nid: str, spec: Mapping[str, Any], file: str) -> tuple[dict, ...]:
    """A node's dated capacity periods, each a number (or null) with provenance."""
    periods = []
    for i, p in enumerate(spec.get("capacity") or []):
        if p.get("value") is not None:
            _check_number(f"nodes.{nid}.capacity[{i}]", p["value"],
                          where=_data_error(file, f"nodes.{nid}", f"capacity[{i}].value"))
        if not (p.get("source") or p.get("assumption")):
            raise DataError("capacity without provenance; give a \"source\" or an \"assumption\"",
                            file=file, record=f"nodes.{nid}", field=f"capacity[{i}]")
        periods.append(dict(p))
    return tuple(periods)


def _trunk_road(i: int, t: Mapping[str, Any], values: dict[str, Param], file: str) -> dict:
    """Check trunk road number ``i`` and add its circuity to ``values``."""
    for fld in ("id", "from", "to", "road_class"):
        if not t.get(fld):
            raise DataError(f"trunk road needs {fld!r}", file=file, record=f"trunk_roads[{i}]", field=fld)
    if t["road_class"] not in ROAD_LINK_MODES:
        raise DataError(f"unknown road_class {t['road_class']!r}; use {', '.join(ROAD_LINK_MODES)}",
                        file=file, record=t["id"], field="road_class")
    circ = t.get("circuity") or {}
    if not isinstance(circ, dict) or "value" not in circ:
        raise DataError("trunk road needs circuity {\"value\", \"assumption\"}", file=file,
                        record=t["id"], field="circuity")
    key = f"trunk_roads.{t['id']}.circuity"
    num = _check_number(key, circ["value"], where=_data_error(file, t["id"], "circuity"))
    values[key] = Param(key, num, "road km per great-circle km", circ.get("source"), circ.get("assumption"))
    return dict(t)


def parse_overrides(items: Iterable[str]) -> dict[str, str]:
    """Parse ``KEY=VALUE`` strings (from ``--set``) into a dict; values stay strings.

    Parameters
    ----------
    items
        Strings such as ``"modes.rail.cost_cny_per_teu_km=2.5"``.

    Returns
    -------
    dict
        ``{key: value}``, both stripped of surrounding blanks.

    Raises
    ------
    OptionError
        An item has no ``=``.

    Examples
    --------
    >>> from qjnet.network.freight import parse_overrides
    >>> parse_overrides(["rail.circuity = 1.3"])
    {'rail.circuity': '1.3'}
    """
    out = {}
    for item in items:
        if "=" not in item:
            raise OptionError(f"--set {item!r}: write KEY=VALUE, e.g. --set modes.rail.cost_cny_per_teu_km=2.5")
        key, value = item.split("=", 1)
        out[key.strip()] = value.strip()
    return out


_CAPACITY_KEYS = {"capacity_mt_per_year": "Mt/yr", "capacity_teu_per_year": "TEU/yr"}


def _option_error(msg: str) -> Exception:
    return OptionError(f"--set {msg}")


def apply_overrides(params: FreightParams, overrides: Mapping[str, Any]) -> FreightParams:
    """A copy of ``params`` with ``overrides`` applied.

    Parameters
    ----------
    params
        Figures from :func:`load_freight_params`.
    overrides
        ``{key: value}`` as in :func:`load_freight_params`; values may be strings.

    Returns
    -------
    FreightParams
        The overridden figures have ``source="user override"``; ``params`` is unchanged.

    Raises
    ------
    OptionError
        An unknown key (with the closest known ones) or a value that is not a valid number.

    Examples
    --------
    >>> from qjnet.geodata.io import load_dataset
    >>> from qjnet.network.freight import apply_overrides, load_freight_params
    >>> p = load_freight_params(load_dataset().extras["freight"])
    >>> apply_overrides(p, {"nodes.qj_freight.capacity_mt_per_year": 6}).capacity_tonnes("qj_freight", None)
    6000000.0
    """
    values = dict(params.values)
    capacity = dict(params.capacity)
    for raw_key, raw in overrides.items():
        key = raw_key
        if key.split(".", 1)[0] in FREIGHT_MODES:
            key = "modes." + key
        parts = key.split(".")
        if len(parts) == 3 and parts[0] == "nodes" and parts[2] in _CAPACITY_KEYS:
            capacity[parts[1]] = _capacity_override(params, raw_key, parts[1], _CAPACITY_KEYS[parts[2]], raw)
            continue
        if key not in values:
            close = difflib.get_close_matches(key, list(values), n=3, cutoff=0.6)
            hint = f"; did you mean {', '.join(close)}?" if close else f"; see the keys in {params.file}"
            raise OptionError(f"--set {raw_key}: unknown freight parameter{hint}")
        num = _check_number(raw_key, raw, where=_option_error)
        values[key] = Param(key, num, values[key].unit, "user override", None)
    return FreightParams(values, params.node_modes, capacity, params.trunk_roads, params.file)


def _capacity_override(params: FreightParams, raw_key: str, nid: str, unit: str, raw: Any) -> tuple[dict, ...]:
    """The single capacity period that replaces a node's periods under ``--set``."""
    if nid not in params.node_modes:
        raise OptionError(f"--set {raw_key}: no freight node {nid!r} in {params.file}; "
                          f"known: {', '.join(sorted(params.node_modes))}")
    num = _check_number(raw_key, raw, where=_option_error)
    return ({"from": None, "until": None, "value": num, "unit": unit, "what": "user override",
             "source": "user override"},)


def _check_cargo(cargo: Any) -> str:
    """``"teu"`` or ``"tonne"`` (``t``, ``tons``, ... accepted), else :class:`OptionError`."""
    value = str(cargo).strip().lower() if cargo is not None else ""
    if value in ("tonnes", "t", "ton", "tons"):
        value = "tonne"
    if value not in CARGOS:
        raise OptionError(f"unknown cargo {cargo!r}; use 'teu' (one loaded 20-ft container) or 'tonne'")
    return value


def _check_objective(objective: Any) -> str:
    """``"time"``, ``"cost"`` or ``"co2"`` (``emissions``, ``carbon`` accepted), else :class:`OptionError`."""
    value = str(objective).strip().lower() if objective is not None else ""
    if value in ("emissions", "co2e", "carbon"):
        value = "co2"
    if value not in OBJECTIVES:
        raise OptionError(f"unknown objective {objective!r}; use 'time', 'cost' or 'co2'")
    return value
