"""Applying checked what-if modifications (see :mod:`geodata.whatif`) to a dataset's layers.

The layers are worked on as plain records (``{id: row}``) and turned back into
GeoDataFrames at the end; the input dataset is never changed.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from itertools import pairwise
from typing import Any

from ._util import haversine_km, is_null, is_number, unbox
from .dataset import Dataset
from .errors import DataError

_NEW_KIND = {"hsr": "hsr_station", "rail": "rail_station", "freight_rail": "rail_station", "air": "airport",
             "ga": "ga_airport"}


@dataclass
class _State:
    ds: Dataset
    name: str
    file: str
    services: dict[str, dict]
    links: dict[str, dict]
    new_nodes: dict[str, dict] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def xy(self, nid: str) -> tuple[float, float]:
        if nid in self.new_nodes:
            g = self.new_nodes[nid]["geometry"]
        else:
            g = self.ds.nodes.geometry.loc[nid]
        return float(g.x), float(g.y)

    def km(self, a: str, b: str) -> float:
        return haversine_km(*self.xy(a), *self.xy(b))

    def error(self, mod: dict, fld: str, message: str) -> DataError:
        return DataError(message, file=self.file, record=f"modifications[{mod['index']}] ({mod['type']})", field=fld)


def _records(gdf: Any) -> dict[str, dict]:
    out = {}
    for rid, row, geom in zip(gdf.index, gdf.drop(columns=gdf.geometry.name).to_dict("records"), gdf.geometry,
                              strict=True):
        out[str(rid)] = {**{k: unbox(v) for k, v in row.items()}, "geometry": geom}
    return out


def _line(state: _State, stops: list[str]) -> Any:
    from shapely.geometry import LineString

    return LineString([state.xy(s) for s in stops])


def _median_speed(state: _State, mod: dict, mode: str) -> float:
    """Median straight-line km per minute of the dataset's services of ``mode``."""
    speeds = []
    for row in state.ds.services.to_dict("records"):
        stops, minutes = list(row.get("stops") or []), list(row.get("minutes") or [])
        if row.get("mode") != mode or len(stops) < 2 or len(minutes) != len(stops) or not minutes[-1]:
            continue
        if all(s in state.ds.nodes.index for s in stops):
            km = sum(state.km(a, b) for a, b in pairwise(stops))
            speeds.append(km / float(minutes[-1]))
    if not speeds:
        raise state.error(mod, "hopTimes", f"the dataset has no {mode} service to derive running times from; "
                                           "give hopTimes (seconds per hop)")
    return statistics.median(speeds)


def _derived_hops(state: _State, mod: dict, mode: str, stops: list[str]) -> tuple[list[float], str]:
    speed = _median_speed(state, mod, mode)
    hops = [state.km(a, b) / speed for a, b in pairwise(stops)]
    note = (f"running times derived: straight-line distance between stops at {speed * 60:.1f} km/h, the median "
            f"straight-line speed of the dataset's {mode} services (what-if file {state.file})")
    return hops, note


def _new_stop(state: _State, spec: tuple, mode: str) -> str:
    """Create a node at ``("new", lat, lon)`` with an access link to the nearest county-level place."""
    from shapely.geometry import Point

    from .lookup import nearest_node

    _, lat, lon = spec
    nid = f"whatif_stop_{len(state.new_nodes) + 1}"
    place = nearest_node(state.ds, lon, lat, kinds=["place"])
    state.new_nodes[nid] = {
        "id": nid, "name_zh": f"新站({lat:g},{lon:g})", "name_en": f"New stop ({lat:g}, {lon:g})",
        "kind": _NEW_KIND.get(mode, "rail_station"), "county": place.id, "status": "open",
        "coord_quality": "estimate", "coord_note": f"position given in the what-if file {state.file}",
        "source": f"what-if scenario {state.name!r} ({state.file})", "geometry": Point(lon, lat)}
    speeds = [state.km(r["from"], r["to"]) / float(r["minutes"]) for r in state.links.values()
              if r.get("mode") == "access" and is_number(r.get("minutes")) and r["minutes"] > 0
              and r["from"] in state.ds.nodes.index and r["to"] in state.ds.nodes.index]
    speed = statistics.median(speeds) if speeds else 0.5  # fallback stated in the link's assumptions
    km = state.km(str(place.id), nid)
    state.links[f"acc_{place.id}_{nid}"] = {
        "id": f"acc_{place.id}_{nid}", "from": place.id, "to": nid, "mode": "access", "minutes": km / speed,
        "length_km": round(km, 3), "speed_kmh": None, "time_source": "derived", "bidirectional": True,
        "status": "open", "source": f"what-if scenario {state.name!r} ({state.file}); assumption: straight-line "
        f"distance at {speed * 60:.1f} km/h, the median straight-line speed of the dataset's access links",
        "geometry": _line(state, [str(place.id), nid])}
    return nid


def _stop_ids(state: _State, stops: list, mode: str) -> list[str]:
    return [s if isinstance(s, str) else _new_stop(state, s, mode) for s in stops]


def _departures(seconds: list[float]) -> list[str]:
    minutes = sorted({round(s / 60.0) for s in seconds})
    return [f"{m // 60:02d}:{m % 60:02d}" for m in minutes]


def _add_trips(state: _State, mod: dict) -> None:
    mode = mod["mode"]
    stops = _stop_ids(state, mod["stops"], mode)
    notes = []
    if mod["hops"] is not None:
        hops = [h / 60.0 for h in mod["hops"]]
    else:
        hops, note = _derived_hops(state, mod, mode, stops)
        notes.append(note)
    dwells = [d / 60.0 for d in (mod["dwells"] or [0.0] * len(stops))]
    cum = [0.0]
    for i, hop in enumerate(hops):
        cum.append(cum[-1] + (dwells[i] if i > 0 else 0.0) + hop)
    groups = sorted(mod["groups"].items())
    for k, (days, seconds) in enumerate(groups):
        sid = mod["id"] if k == 0 else f"{mod['id']}_{k + 1}"
        deps = _departures(seconds)
        state.services[sid] = {
            "id": sid, "line": mod["line"] or mod["id"], "name_zh": mod["name"] or sid, "name_en": mod["name"] or sid,
            "mode": mode, "stops": stops, "minutes": [round(m, 2) for m in cum],
            "time_source": ["derived"] * len(hops), "headway_min": None, "per_day": float(len(deps)),
            "days": list(days), "bidirectional": bool(mod["bidirectional"]), "departures": deps,
            "opened": None, "closed": None, "status": "open", "capacity": None,
            "source": f"what-if scenario {state.name!r} ({state.file})",
            "assumptions": "; ".join(notes) or None, "geometry": _line(state, stops)}


def _service(state: _State, mod: dict, sid: str) -> dict:
    row = state.services.get(sid)
    if row is None:
        raise state.error(mod, "services", f"service {sid!r} was removed by an earlier modification")
    return row


def _assume(row: dict, note: str) -> None:
    row["assumptions"] = "; ".join(x for x in (row.get("assumptions"), note) if x)


def _set_times(state: _State, mod: dict, row: dict, stops: list[str], cum: list[float], note: str) -> None:
    if any(b <= a for a, b in pairwise(cum)):
        raise state.error(mod, "stops", f"service {row['id']!r} would have times that do not increase; "
                                        "give smaller savings or larger hop times")
    if len(stops) < 2:
        raise state.error(mod, "stops", f"service {row['id']!r} would keep fewer than 2 stops")
    first = cum[0]
    row.update(stops=stops, minutes=[round(m - first, 2) for m in cum], time_source=["derived"] * (len(stops) - 1),
               geometry=_line(state, stops))
    _assume(row, note)


def _position(state: _State, mod: dict, row: dict, stop: str, fld: str) -> int:
    if stop not in row["stops"]:
        raise state.error(mod, fld, f"{stop!r} is not a stop of service {row['id']!r}; its stops are "
                                    + ", ".join(row["stops"]))
    return list(row["stops"]).index(stop)


def _remove_trips(state: _State, mod: dict) -> None:
    for sid in mod["services"]:
        state.services.pop(sid, None)


def _reroute(state: _State, mod: dict) -> None:
    row = _service(state, mod, mod["service"])
    stops, cum = list(row["stops"]), [float(m) for m in row["minutes"]]
    i, j = _position(state, mod, row, mod["from"], "fromStop"), _position(state, mod, row, mod["to"], "toStop")
    if j <= i:
        raise state.error(mod, "toStop", "toStop does not come after fromStop on the service")
    middle = _stop_ids(state, mod["stops"], row["mode"])
    path = [stops[i], *middle, stops[j]]
    note = f"rerouted between {stops[i]} and {stops[j]} by the what-if file {state.file}"
    if mod["hops"] is not None:
        hops = [h / 60.0 for h in mod["hops"]]
    else:
        hops, derived = _derived_hops(state, mod, row["mode"], path)
        note += f"; {derived}"
    new_cum = cum[: i + 1]
    for hop in hops:
        new_cum.append(new_cum[-1] + hop)
    shift = new_cum[-1] - cum[j]
    new_cum += [m + shift for m in cum[j + 1:]]
    _set_times(state, mod, row, stops[: i + 1] + middle + stops[j:], new_cum, note)


def _remove_stops(state: _State, mod: dict) -> None:
    for sid in mod["services"]:
        row = _service(state, mod, sid)
        stops, cum = list(row["stops"]), [float(m) for m in row["minutes"]]
        drop = {_position(state, mod, row, s, "stops") for s in mod["stops"]}
        saved, keep_stops, keep_cum = 0.0, [], []
        for k, (stop, m) in enumerate(zip(stops, cum, strict=True)):
            if k in drop:
                saved += mod["saved"] / 60.0 if 0 < k < len(stops) - 1 else 0.0
                continue
            keep_stops.append(stop)
            keep_cum.append(m - saved)
        _set_times(state, mod, row, keep_stops, keep_cum,
                   f"stops {', '.join(mod['stops'])} removed by the what-if file {state.file}")


def _adjust_dwell(state: _State, mod: dict) -> None:
    for sid in mod["services"]:
        row = _service(state, mod, sid)
        stops, cum = list(row["stops"]), [float(m) for m in row["minutes"]]
        at = (range(1, len(stops) - 1) if mod["stops"] is None
              else [_position(state, mod, row, s, "stops") for s in mod["stops"]])
        extra = [0.0] * len(stops)
        for k in at:
            for later in range(k + 1, len(stops)):
                extra[later] += mod["dwell"] / 60.0
        _set_times(state, mod, row, stops, [m + e for m, e in zip(cum, extra, strict=True)],
                   f"dwell of {mod['dwell']:g} s added at {len(list(at))} stop(s) by the what-if file {state.file}")


def _adjust_speed(state: _State, mod: dict) -> None:
    for sid in mod["services"]:
        row = _service(state, mod, sid)
        stops, cum = list(row["stops"]), [float(m) for m in row["minutes"]]
        segs = set(range(len(stops) - 1))
        if mod["hops"] is not None:
            segs = set()
            for a, b in mod["hops"]:
                k = _position(state, mod, row, a, "hops")
                if k + 1 >= len(stops) or stops[k + 1] != b:
                    raise state.error(mod, "hops", f"{a!r} -> {b!r} is not a hop of service {sid!r}")
                segs.add(k)
        new = [0.0]
        for k in range(len(stops) - 1):
            hop = cum[k + 1] - cum[k]
            new.append(new[-1] + (hop / mod["scale"] if k in segs else hop))
        _set_times(state, mod, row, stops, new,
                   f"running times of {len(segs)} hop(s) divided by {mod['scale']:g} by the what-if file {state.file}")


def _adjust_frequency(state: _State, mod: dict) -> None:
    row = _service(state, mod, mod["service"])
    row.update(headway_min=mod["headway_min"], per_day=mod["per_day"], departures=None)
    what = (f"headway {mod['headway_min']:g} min" if mod["headway_min"] is not None
            else f"{mod['per_day']:g} departures a day")
    _assume(row, f"{what} set by the what-if file {state.file} (trips generated from it)")


def _add_link(state: _State, mod: dict) -> None:
    lid = mod["id"] or f"whatif_link_{mod['index']}"
    state.links[lid] = {
        "id": lid, "from": mod["from"], "to": mod["to"], "mode": mod["mode"], "road": mod["road"],
        "minutes": mod["minutes"], "length_km": mod["length_km"], "speed_kmh": mod["speed_kmh"], "circuity": None,
        "time_source": "derived", "bidirectional": bool(mod["bidirectional"]), "opened": None, "closed": None,
        "status": "open", "source": f"what-if scenario {state.name!r} ({state.file})",
        "geometry": _line(state, [mod["from"], mod["to"]])}


def _modify_link(state: _State, mod: dict) -> None:
    lid = mod["link"]
    if mod["closed"]:
        state.links.pop(lid, None)
        return
    row = state.links.get(lid)
    if row is None:
        raise state.error(mod, "link", f"link {lid!r} was closed by an earlier modification")
    if mod.get("speed_kmh") is not None:
        circuity = 1.0 if is_null(row.get("circuity")) else float(row["circuity"])
        row.update(speed_kmh=mod["speed_kmh"], minutes=float(row["length_km"]) * circuity / mod["speed_kmh"] * 60.0)
    else:
        row.update(minutes=mod["minutes"])
    row["time_source"] = "derived"


_APPLY: dict[str, Callable[[_State, dict], None]] = {
    "remove-trips": _remove_trips, "add-trips": _add_trips, "reroute": _reroute, "remove-stops": _remove_stops,
    "adjust-dwell-time": _adjust_dwell, "adjust-speed": _adjust_speed, "adjust-frequency": _adjust_frequency,
    "add-link": _add_link, "modify-link": _modify_link,
}


def _ordered(checked: list[dict]) -> list[dict]:
    from ._whatif_check import APPLY_ORDER

    return sorted(checked, key=lambda m: (APPLY_ORDER.index(m["type"]), m["index"]))


def _frame(records: dict[str, dict], like: Any) -> Any:
    import geopandas as gpd

    if not records:
        return like.iloc[0:0].copy()
    gdf = gpd.GeoDataFrame(list(records.values()), geometry="geometry", crs=like.crs)
    gdf.index = list(records)
    gdf.index.name = like.index.name
    return gdf


def _start(ds: Dataset, name: str, file: str) -> _State:
    return _State(ds=ds, name=name, file=file, services=_records(ds.services), links=_records(ds.links))


def _finish(state: _State) -> Dataset:
    import pandas as pd

    ds = state.ds
    nodes = ds.nodes
    if state.new_nodes:
        nodes = pd.concat([nodes, _frame(state.new_nodes, nodes)])
    label = state.name if ds.scenario is None else f"{ds.scenario} + {state.name}"
    extras = {**ds.extras, "whatif": [*ds.extras.get("whatif", []), state.name]}
    return replace(ds, nodes=nodes, services=_frame(state.services, ds.services), links=_frame(state.links, ds.links),
                   scenario=label if ds.date is not None else ds.scenario, extras=extras)


def apply_checked(ds: Dataset, checked: list[dict], name: str, file: str = "<scenario>") -> Dataset:
    """Apply checked modifications in :data:`APPLY_ORDER`; a new dataset."""
    state = _start(ds, name, file)
    for mod in _ordered(checked):
        _APPLY[mod["type"]](state, mod)
    return _finish(state)


def _diff(before: dict[str, dict], after: dict[str, dict]) -> tuple[list[str], list[str], list[str]]:
    added = [k for k in after if k not in before]
    removed = [k for k in before if k not in after]
    changed = [k for k in after if k in before and _plain(after[k]) != _plain(before[k])]
    return added, removed, changed


def _plain(row: dict) -> dict:
    return {k: (v.wkt if hasattr(v, "wkt") else v) for k, v in row.items()}


def _summary(row: dict) -> str:
    if "stops" in row:
        freq = (f"{row['per_day']:g}/day" if is_number(row.get("per_day"))
                else f"every {row['headway_min']:g} min" if is_number(row.get("headway_min")) else "")
        return (f"{row['mode']} {' > '.join(row['stops'])}, {float(row['minutes'][-1]):.1f} min, {freq}, "
                f"days {','.join(str(d) for d in row['days'])}")
    return f"{row['mode']} {row['from']} - {row['to']}, {float(row['minutes']):.1f} min"


def describe_checked(ds: Dataset, checked: list[dict], name: str = "", file: str = "<scenario>") -> list[dict]:
    """One row per change, in application order: index, type, action, layer, id, what."""
    state = _start(ds, name, file)
    rows = []
    for mod in _ordered(checked):
        before = {"service": {k: dict(v) for k, v in state.services.items()},
                  "link": {k: dict(v) for k, v in state.links.items()}}
        nodes_before = set(state.new_nodes)
        _APPLY[mod["type"]](state, mod)
        for layer, now in (("service", state.services), ("link", state.links)):
            added, removed, changed = _diff(before[layer], now)
            for action, ids in (("added", added), ("removed", removed), ("changed", changed)):
                for rid in ids:
                    what = _summary(now[rid]) if action != "removed" else _summary(before[layer][rid])
                    if action == "changed":
                        what = f"{_summary(before[layer][rid])}  ->  {what}"
                    rows.append({"index": mod["index"], "type": mod["type"], "action": action, "layer": layer,
                                 "id": rid, "what": what})
        for nid in set(state.new_nodes) - nodes_before:
            node = state.new_nodes[nid]
            rows.append({"index": mod["index"], "type": mod["type"], "action": "added", "layer": "node", "id": nid,
                         "what": f"{node['name_en']}, county {node['county']}"})
    return rows
