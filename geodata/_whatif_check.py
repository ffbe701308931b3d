"""Checking what-if modifications against a dataset; each checked one comes back normalised.

A checked modification is a dict with ``index``, ``type`` and its values with
stops resolved to node ids (a new stop is ``("new", lat, lon)``), times in
seconds and services as ids; :mod:`geodata._whatif_apply` applies them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

from ._util import is_number
from .dataset import Dataset
from .errors import Problem, QjnetError
from .schema import LINK_MODES, SERVICE_MODES

#: the order modifications are applied in (file order within a type)
APPLY_ORDER = ("remove-trips", "add-trips", "reroute", "remove-stops", "adjust-dwell-time", "adjust-speed",
               "adjust-frequency", "add-link", "modify-link")
TYPES = APPLY_ORDER
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_FIELDS = {
    "add-trips": ("id", "name", "line", "mode", "stops", "bidirectional", "frequencies", "hopTimes", "dwellTimes"),
    "adjust-frequency": ("service", "headwaySecs", "per_day"),
    "adjust-speed": ("service", "services", "scale", "hops"),
    "adjust-dwell-time": ("service", "services", "stops", "dwellSecs"),
    "remove-stops": ("service", "services", "stops", "secondsSavedAtEachStop"),
    "remove-trips": ("service", "services"),
    "reroute": ("service", "fromStop", "toStop", "stops", "hopTimes"),
    "add-link": ("id", "from", "to", "mode", "road", "length_km", "speed_kmh", "minutes", "bidirectional"),
    "modify-link": ("link", "speed_kmh", "minutes", "closed"),
}
_FREQ_FIELDS = ("startTime", "endTime", "headwaySecs", "firstDepartures", *DAYS)
_COORD = re.compile(r"^\s*([-+]?\d+(?:\.\d+)?)\s*[,，]\s*([-+]?\d+(?:\.\d+)?)\s*$")
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")
_STOP_KINDS = {"hsr": ("hsr_station", "rail_station"), "rail": ("rail_station", "hsr_station"),
               "freight_rail": ("rail_station", "logistics", "hsr_station"), "air": ("airport", "ga_airport"),
               "ga": ("ga_airport", "airport")}


class _Checker:
    """Collects the problems of one modification; ``add`` records one."""

    def __init__(self, file: str, index: int, mtype: str, ds: Dataset, services: set[str],
                 problems: list[Problem]) -> None:
        self.file, self.record, self.ds, self.services, self.problems = file, f"modifications[{index}] ({mtype})", \
            ds, services, problems
        self.ok = True

    def add(self, field: str | None, message: str, fix: str = "") -> None:
        self.problems.append(Problem(self.file, self.record, field, message, fix))
        self.ok = False

    def number(self, mod: dict, key: str, *, positive: bool = True, required: bool = True,
               example: str = "3600", field: str | None = None) -> float | None:
        """A finite number (> 0, or >= 0 with ``positive=False``); ``None`` when missing or bad."""
        field = field or key
        if key not in mod or mod[key] is None:
            if required:
                self.add(field, f"missing field {key!r}", f'give "{key}": {example}')
            return None
        value = mod[key]
        if not is_number(value) or not math.isfinite(value):
            self.add(field, f"{key} {value!r} is not a number", f"give a number such as {example}")
            return None
        if value < 0 or (positive and value == 0):
            self.add(field, f"{key} {value!r} is {'negative' if value < 0 else 'not allowed'}",
                     f"give a number {'> 0' if positive else '>= 0'} such as {example}")
            return None
        return float(value)

    def seconds_list(self, mod: dict, field: str, length: int) -> list[float] | None:
        value = mod.get(field)
        if value is None:
            return None
        if not isinstance(value, list) or len(value) != length:
            self.add(field, f"{field} needs {length} value(s), one per hop" if field == "hopTimes"
                     else f"{field} needs {length} value(s)", f"give a list of {length} numbers of seconds")
            return None
        out = []
        for i, item in enumerate(value):
            v = self.number({field: item}, field, field=f"{field}[{i}]", positive=field == "hopTimes",
                            example="600")
            out.append(v if v is not None else 0.0)
        return out

    def service(self, sid: Any, field: str) -> str | None:
        if not isinstance(sid, str) or not sid:
            self.add(field, f"{field} {sid!r} is not a service id", "give the id as text (see `qjnet services`)")
            return None
        if sid not in self.services:
            self.add(field, f"unknown service {sid!r}", "use an id listed by `qjnet services` with the same "
                                                      "--data/--date/--scenario, or one added by add-trips")
            return None
        return sid

    def service_list(self, mod: dict) -> list[str]:
        if "service" in mod and "services" in mod:
            self.add("services", "both service and services given", "give one of them")
            return []
        if "service" not in mod and "services" not in mod:
            self.add("services", "missing field 'services'", 'give "services": ["<service id>"]')
            return []
        if "service" in mod:
            sid = self.service(mod["service"], "service")
            return [sid] if sid else []
        ids = mod["services"]
        if not isinstance(ids, list) or not ids:
            self.add("services", f"services {ids!r} is not a non-empty list", 'give ["<service id>", ...]')
            return []
        return [s for i, x in enumerate(ids) if (s := self.service(x, f"services[{i}]"))]

    def stop(self, text: Any, field: str, mode: str | None = None, *, new_ok: bool = False) -> Any:
        """A node id, or ``("new", lat, lon)`` for ``"lat,lon"`` when ``new_ok``; ``None`` when bad."""
        if not isinstance(text, str) or not text.strip():
            self.add(field, f"stop {text!r} is not text", 'give a node id, a name or "lat,lon"')
            return None
        m = _COORD.match(text)
        if m:
            lat, lon = float(m.group(1)), float(m.group(2))
            if not new_ok:
                self.add(field, f"{text!r} is not a stop of the dataset", "give a node id or name")
                return None
            if not (-90 <= lat <= 90 and -180 <= lon <= 180) or not (15 < lat < 55 and 70 < lon < 140):
                self.add(field, f"{text!r} is not a position in China", 'give "lat,lon" in degrees, e.g. "28.3,109.7"')
                return None
            return ("new", lat, lon)
        from .lookup import resolve_id

        kinds = _STOP_KINDS.get(mode or "")
        hints: list = []
        for ks in ((kinds, None) if kinds else (None,)):
            try:
                return resolve_id(self.ds, text, kinds=ks)
            except QjnetError as err:
                hints = list(getattr(err, "suggestions", []))[:3]
        did = f" (did you mean {', '.join(map(str, hints))}?)" if hints else ""
        self.add(field, f"unknown stop {text!r}{did}",
                 'use an id from `qjnet places` on the same date, or "lat,lon" for a new stop')
        return None


def _clock(ch: _Checker, value: Any, field: str) -> float | None:
    if is_number(value) and not isinstance(value, bool) and 0 <= value <= 48 * 3600:
        return float(value)
    m = _CLOCK.match(value) if isinstance(value, str) else None
    if m is None or int(m.group(2)) > 59 or int(m.group(1)) > 47:
        ch.add(field, f"{field.rsplit('.', 1)[-1]} {value!r} is not a time of day",
               'give "HH:MM" (hours up to 47 for after midnight) or seconds after midnight')
        return None
    return int(m.group(1)) * 3600.0 + int(m.group(2)) * 60.0 + int(m.group(3) or 0)


def _frequency(ch: _Checker, entry: Any, i: int) -> tuple[tuple[int, ...], list[float]] | None:
    """``(days, departure seconds)`` of one frequency entry."""
    f = f"frequencies[{i}]"
    if not isinstance(entry, dict):
        ch.add(f, "not an object", 'give {"startTime": "06:00", "endTime": "22:00", "headwaySecs": 3600}')
        return None
    for key in entry:
        if key not in _FREQ_FIELDS and key != "comment":
            ch.add(f"{f}.{key}", f"unknown field {key!r}", "use " + ", ".join(_FREQ_FIELDS))
    for day in DAYS:
        if day in entry and not isinstance(entry[day], bool):
            ch.add(f"{f}.{day}", f"{day} {entry[day]!r} is not true or false", f'give "{day}": true')
    days = tuple(n for n, day in enumerate(DAYS, 1) if entry.get(day) is True)
    if not any(day in entry for day in DAYS):
        days = tuple(range(1, 8))
    elif not days:
        ch.add(f, "runs on no day", 'set at least one of "monday" ... "sunday" to true')
    if "firstDepartures" in entry:
        deps = entry["firstDepartures"]
        if not isinstance(deps, list) or not deps:
            ch.add(f"{f}.firstDepartures", "not a non-empty list", 'give ["07:00", "08:30", ...]')
            return None
        times = [_clock(ch, d, f"{f}.firstDepartures[{k}]") for k, d in enumerate(deps)]
        return (days, sorted(t for t in times if t is not None)) if all(t is not None for t in times) else None
    start = _clock(ch, entry["startTime"], f"{f}.startTime") if "startTime" in entry else None
    end = _clock(ch, entry["endTime"], f"{f}.endTime") if "endTime" in entry else None
    for key in ("startTime", "endTime"):
        if key not in entry:
            ch.add(f"{f}.{key}", f"missing field {key!r}", f'give "{key}": "06:00", or give "firstDepartures"')
    head = ch.number(entry, "headwaySecs", field=f"{f}.headwaySecs") if "headwaySecs" in entry else None
    if "headwaySecs" not in entry:
        ch.add(f"{f}.headwaySecs", "missing field 'headwaySecs'", 'give "headwaySecs": 3600, or "firstDepartures"')
    if start is None or end is None or head is None:
        return None
    if end <= start:
        ch.add(f"{f}.endTime", "endTime is not after startTime", "give an endTime later than startTime")
        return None
    n = math.floor((end - start - 1e-9) / head) + 1
    return days, [start + k * head for k in range(n)]


def _check_add_trips(ch: _Checker, mod: dict) -> dict:
    mode = mod.get("mode", "hsr")
    if mode not in SERVICE_MODES:
        ch.add("mode", f"unknown mode {mode!r}", "use one of " + ", ".join(SERVICE_MODES))
        mode = None
    stops = mod.get("stops")
    resolved: list[Any] = []
    if not isinstance(stops, list) or len(stops) < 2:
        ch.add("stops", "add-trips needs a list of at least 2 stops", 'give ["qianjiang", "jishou_e"]')
    else:
        resolved = [ch.stop(s, f"stops[{i}]", mode, new_ok=True) for i, s in enumerate(stops)]
        ids = [s for s in resolved if isinstance(s, str)]
        if len(set(ids)) != len(ids):
            ch.add("stops", "a stop appears twice", "list each stop once, in running order")
    freqs = mod.get("frequencies")
    groups: dict[tuple[int, ...], list[float]] = {}
    if not isinstance(freqs, list) or not freqs:
        ch.add("frequencies", "missing list of frequencies",
               'give "frequencies": [{"startTime": "06:00", "endTime": "22:00", "headwaySecs": 3600}]')
    else:
        for i, entry in enumerate(freqs):
            got = _frequency(ch, entry, i)
            if got is not None:
                groups.setdefault(got[0], []).extend(got[1])
    for key in ("bidirectional",):
        if key in mod and not isinstance(mod[key], bool):
            ch.add(key, f"{key} {mod[key]!r} is not true or false", f'give "{key}": true')
    for key in ("id", "name", "line"):
        if key in mod and (not isinstance(mod[key], str) or not mod[key].strip()):
            ch.add(key, f"{key} {mod[key]!r} is not text", f'give "{key}" as text')
    sid = mod.get("id") if isinstance(mod.get("id"), str) else None
    if sid and not re.fullmatch(r"[a-z0-9_]+", sid):
        ch.add("id", f"id {sid!r} is not a slug", "use lower-case letters, digits and _")
    n = len(resolved)
    hops = ch.seconds_list(mod, "hopTimes", n - 1) if n >= 2 else None
    dwells = ch.seconds_list(mod, "dwellTimes", n) if n >= 2 else None
    return {"mode": mode, "stops": resolved, "groups": groups, "hops": hops, "dwells": dwells, "id": sid,
            "name": mod.get("name"), "line": mod.get("line"), "bidirectional": mod.get("bidirectional", True)}


def _check_adjust_frequency(ch: _Checker, mod: dict) -> dict:
    sid = ch.service(mod.get("service"), "service") if "service" in mod else None
    if "service" not in mod:
        ch.add("service", "missing field 'service'", 'give "service": "<service id>"')
    if ("headwaySecs" in mod) == ("per_day" in mod):
        ch.add("headwaySecs", "give exactly one of headwaySecs and per_day", 'e.g. "headwaySecs": 3600')
        return {"service": sid}
    head = ch.number(mod, "headwaySecs") if "headwaySecs" in mod else None
    per_day = ch.number(mod, "per_day", example="16") if "per_day" in mod else None
    return {"service": sid, "headway_min": None if head is None else head / 60.0, "per_day": per_day}


def _check_adjust_speed(ch: _Checker, mod: dict) -> dict:
    services = ch.service_list(mod)
    scale = ch.number(mod, "scale", example="1.25")
    hops = mod.get("hops")
    pairs = None
    if hops is not None:
        if not isinstance(hops, list) or not all(isinstance(h, list) and len(h) == 2 for h in hops) or not hops:
            ch.add("hops", f"hops {hops!r} is not a list of [from, to] pairs", 'give [["qianjiang", "jishou_e"]]')
        else:
            pairs = [(ch.stop(a, f"hops[{i}][0]"), ch.stop(b, f"hops[{i}][1]")) for i, (a, b) in enumerate(hops)]
    return {"services": services, "scale": scale, "hops": pairs}


def _stop_list(ch: _Checker, mod: dict, *, required: bool) -> list[str] | None:
    stops = mod.get("stops")
    if stops is None and not required:
        return None
    if not isinstance(stops, list) or not stops:
        ch.add("stops", f"stops {stops!r} is not a non-empty list", 'give ["<stop id or name>", ...]')
        return []
    return [s for i, x in enumerate(stops) if (s := ch.stop(x, f"stops[{i}]"))]


def _check_adjust_dwell(ch: _Checker, mod: dict) -> dict:
    return {"services": ch.service_list(mod), "stops": _stop_list(ch, mod, required=False),
            "dwell": ch.number(mod, "dwellSecs", positive=False, example="120")}


def _check_remove_stops(ch: _Checker, mod: dict) -> dict:
    saved = ch.number(mod, "secondsSavedAtEachStop", positive=False, required=False, example="120")
    return {"services": ch.service_list(mod), "stops": _stop_list(ch, mod, required=True), "saved": saved or 0.0}


def _check_remove_trips(ch: _Checker, mod: dict) -> dict:
    return {"services": ch.service_list(mod)}


def _check_reroute(ch: _Checker, mod: dict) -> dict:
    sid = ch.service(mod.get("service"), "service") if "service" in mod else None
    if "service" not in mod:
        ch.add("service", "missing field 'service'", 'give "service": "<service id>"')
    ends = {}
    for key in ("fromStop", "toStop"):
        if key not in mod:
            ch.add(key, f"missing field {key!r}", f'give "{key}": "<a stop of the service>"')
        else:
            ends[key] = ch.stop(mod[key], key)
    stops = mod.get("stops", [])
    if not isinstance(stops, list):
        ch.add("stops", f"stops {stops!r} is not a list", 'give the new stops between fromStop and toStop, or []')
        stops = []
    new = [ch.stop(s, f"stops[{i}]", new_ok=True) for i, s in enumerate(stops)]
    hops = ch.seconds_list(mod, "hopTimes", len(new) + 1)
    return {"service": sid, "from": ends.get("fromStop"), "to": ends.get("toStop"), "stops": new, "hops": hops}


def _check_add_link(ch: _Checker, mod: dict) -> dict:
    ends = {}
    for key in ("from", "to"):
        if key not in mod:
            ch.add(key, f"missing field {key!r}", f'give "{key}": "<place id or name>"')
        else:
            ends[key] = ch.stop(mod[key], key)
    mode = mod.get("mode", "road")
    if mode not in LINK_MODES:
        ch.add("mode", f"unknown mode {mode!r}", "use one of " + ", ".join(LINK_MODES))
    if "minutes" in mod:
        minutes = ch.number(mod, "minutes", example="45")
    elif "length_km" in mod or "speed_kmh" in mod:
        length, speed = ch.number(mod, "length_km", example="60"), ch.number(mod, "speed_kmh", example="80")
        minutes = length / speed * 60.0 if length and speed else None
    else:
        ch.add("minutes", "missing travel time", 'give "length_km" and "speed_kmh", or "minutes"')
        minutes = None
    if "bidirectional" in mod and not isinstance(mod["bidirectional"], bool):
        ch.add("bidirectional", f"bidirectional {mod['bidirectional']!r} is not true or false", "give true or false")
    if "id" in mod and not (isinstance(mod["id"], str) and re.fullmatch(r"[a-z0-9_]+", mod["id"])):
        ch.add("id", f"id {mod['id']!r} is not a slug", "use lower-case letters, digits and _")
    return {"from": ends.get("from"), "to": ends.get("to"), "mode": mode, "minutes": minutes,
            "length_km": mod.get("length_km"), "speed_kmh": mod.get("speed_kmh"), "road": mod.get("road"),
            "bidirectional": mod.get("bidirectional", True), "id": mod.get("id")}


def _check_modify_link(ch: _Checker, mod: dict) -> dict:
    lid = mod.get("link")
    links = ch.ds.links
    if "link" not in mod:
        ch.add("link", "missing field 'link'", 'give "link": "<link id>"')
    elif not isinstance(lid, str) or lid not in links.index:
        ch.add("link", f"unknown link {lid!r}", "use a link id of the dataset (links.geojson) on the same date")
        lid = None
    given = [k for k in ("speed_kmh", "minutes", "closed") if k in mod]
    if len(given) != 1:
        ch.add("speed_kmh", "give exactly one of speed_kmh, minutes, closed", 'e.g. "speed_kmh": 60')
        return {"link": lid}
    if "closed" in mod and mod["closed"] is not True:
        ch.add("closed", f"closed {mod['closed']!r} is not true", 'give "closed": true to close the link')
    out = {"link": lid, "closed": mod.get("closed") is True}
    if "speed_kmh" in mod:
        out["speed_kmh"] = ch.number(mod, "speed_kmh", example="60")
        if lid and out["speed_kmh"] and not is_number(links.at[lid, "length_km"]):
            ch.add("speed_kmh", f"link {lid!r} has no length_km to time at a new speed", 'give "minutes" instead')
    if "minutes" in mod:
        out["minutes"] = ch.number(mod, "minutes", example="45")
    return out


_CHECKS: dict[str, Callable[[_Checker, dict], dict]] = {
    "add-trips": _check_add_trips, "adjust-frequency": _check_adjust_frequency, "adjust-speed": _check_adjust_speed,
    "adjust-dwell-time": _check_adjust_dwell, "remove-stops": _check_remove_stops,
    "remove-trips": _check_remove_trips, "reroute": _check_reroute, "add-link": _check_add_link,
    "modify-link": _check_modify_link,
}


def _added_ids(mods: Any, ds: Dataset) -> list[str]:
    """Ids of the services the file's add-trips create (default ``whatif_<n>``)."""
    out = []
    for i, mod in enumerate(mods if isinstance(mods, (list, tuple)) else []):
        if isinstance(mod, dict) and mod.get("type") == "add-trips":
            out.append(mod["id"] if isinstance(mod.get("id"), str) else f"whatif_{i}")
    return out


def check_modifications(mods: Any, ds: Dataset, *, file: str) -> tuple[list[Problem], list[dict]]:
    """``(problems, checked)`` for a list of modifications against ``ds``."""
    problems: list[Problem] = []
    added = _added_ids(mods, ds)
    services = set(ds.services.index) | set(added)
    checked = []
    for i, mod in enumerate(mods):
        mtype = mod.get("type") if isinstance(mod, dict) else None
        ch = _Checker(file, i, str(mtype), ds, services, problems)
        if not isinstance(mod, dict):
            ch.record = f"modifications[{i}]"
            ch.add(None, "not an object", 'give {"type": "add-trips", ...}')
            continue
        if mtype not in _CHECKS:
            ch.record = f"modifications[{i}] ({mtype})" if "type" in mod else f"modifications[{i}]"
            ch.add("type", f"unknown type {mtype!r}" if "type" in mod else "missing field 'type'",
                   "use one of " + ", ".join(TYPES))
            continue
        for key in mod:
            if key not in _FIELDS[mtype] and key not in ("type", "comment"):
                ch.add(key, f"unknown field {key!r} for {mtype}", "use " + ", ".join(_FIELDS[mtype]))
        values = _CHECKS[mtype](ch, mod)
        if mtype == "add-trips" and not values["id"]:
            values["id"] = f"whatif_{i}"
        checked.append({"index": i, "type": mtype, **values})
    removed = {s for c in checked if c["type"] == "remove-trips" for s in c["services"]}
    for sid in added:
        if sid in ds.services.index and sid not in removed:
            problems.append(Problem(file, None, "id", f"add-trips id {sid!r} is already a service of the dataset",
                                    "give the new service another id, or remove the old one with remove-trips"))
    if len(set(added)) != len(added):
        problems.append(Problem(file, None, "id", "two add-trips modifications have the same id",
                                "give each new service its own id"))
    return problems, checked
