"""Travel minutes to every node under a measure, read from range-RAPTOR results (:mod:`network.measures`)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ..geodata.errors import OptionError
from ._measure import Measure
from .params import CONNECTOR_MODES
from .raptor import EPS, Journey, RangeResult, earliest_arrival
from .timetable import format_clock

if TYPE_CHECKING:
    import networkx as nx

    from ._timed import TimedNetwork

def _percentile_all(travel: np.ndarray, p: float) -> tuple[np.ndarray, np.ndarray]:
    """Nearest-rank ``p``-th percentile of every column, and a departure row that gives it."""
    order = np.argsort(travel, axis=0, kind="stable")
    rank = max(math.ceil(p / 100.0 * travel.shape[0]) - 1, 0)
    rows = order[rank]
    return travel[rows, np.arange(travel.shape[1])], rows


def _fastest_all(rr: RangeResult) -> tuple[np.ndarray, np.ndarray]:
    """The fastest travel to every node within the window (as :meth:`RangeResult.fastest`) and its departure."""
    start, end = rr.window
    inside = (rr.events >= start - EPS) & (rr.events < end)
    times = np.concatenate([rr.events[inside], rr.departures])
    travel = np.vstack([rr.event_arrivals[inside] - rr.events[inside, None], rr.travel])
    best = travel.min(axis=0)
    ok = travel <= best[None, :] + EPS
    depart = np.where(ok, times[:, None], -np.inf).max(axis=0)
    return best, np.clip(depart, 0.0, 1440.0 - EPS)


def _values(tn: TimedNetwork, origin: str, m: Measure, *, stations: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Minutes to every timetable node under ``m``, and the departure that gives each."""
    if m.depart is not None:
        links = tn.station_links() if stations else tn.links
        arr = earliest_arrival(tn.timetable, links, origin, _same_day(m.depart))
        return arr.minutes - m.depart, np.full(len(arr.minutes), m.depart)
    rr = tn.range(origin, m.window, stations=stations)
    if m.name == "fastest":
        return _fastest_all(rr)
    values, rows = _percentile_all(rr.travel, m.percentile)
    return values, rr.departures[rows]


def _same_day(depart: float) -> float:
    if depart >= 1440:
        raise OptionError(f"departure {format_clock(depart)} is on the next day; give the next date and "
                          f"{format_clock(depart - 1440)}")
    return depart


def _main_mode(journey: Journey) -> str | None:
    modes = [leg.mode for leg in journey.legs]
    for mode in reversed(modes):
        if mode not in CONNECTOR_MODES:
            return mode
    return modes[-1] if modes else None


def _arrival_modes(tn: TimedNetwork, origin: str, rows: Sequence[int], departs: np.ndarray) -> list[str | None]:
    """Main mode of the journey into each node row, one search per distinct departure."""
    out: list[str | None] = []
    searches: dict[float, Any] = {}
    for r in rows:
        t = float(departs[r])
        if tn.timetable.nodes[r] == origin:
            out.append(None)
            continue
        if t not in searches:
            searches[t] = earliest_arrival(tn.timetable, tn.links, origin, t)
        out.append(_main_mode(searches[t].journey(tn.timetable.nodes[r])))
    return out


def _points(G: nx.MultiDiGraph, ids: Sequence[str]) -> Any:
    import geopandas as gpd

    return gpd.points_from_xy([G.nodes[n]["x"] for n in ids], [G.nodes[n]["y"] for n in ids])


def _station_values(tn: TimedNetwork, stations: Sequence[str], m: Measure) -> dict[str, np.ndarray]:
    """``{origin station: minutes to every node}`` over walking transfers only (station-to-station)."""
    return {s: _values(tn, s, m, stations=True)[0] for s in stations}


def _best_pair(by_station: dict[str, np.ndarray], targets: Sequence[str],
               tn: TimedNetwork) -> tuple[float, str | None, str | None]:
    """The best (minutes, from station, to station) over every pair of stations."""
    best: tuple[float, str | None, str | None] = (math.inf, None, None)
    for s, values in by_station.items():
        for t in targets:
            v = float(values[tn.timetable.index[t]]) if t in tn.timetable.index else math.inf
            if v < best[0]:
                best = (v, s, t)
    return best if math.isfinite(best[0]) else (math.nan, None, None)
