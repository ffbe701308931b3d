"""Travel times under a labelled measure, on the exact timetable (range-RAPTOR).

Three measures answer "how long from A to B" (see ``docs/time.rst``):

* ``fastest``: the best scheduled trip leaving within a window (what the news
  quotes);
* ``percentile``: the ``p``-th percentile (default the median) of the travel
  time over every departure minute of a window (Conveyal/R5's measure);
* ``expected``: the frequency-based approximation on the graph
  (:func:`network.route`, :func:`network.reach`), not computed here.

A single departure (``depart``) is the earliest arrival leaving at that
clock time, labelled ``departure``.

The functions take a :class:`TimedNetwork` (timetable, link times and graph
of one date, built by :func:`timed_network`); it keeps one range-RAPTOR per
origin and window, so a circle, an accessibility table or a matrix runs the
search once per origin.  Every result carries its :class:`Measure` label.
"""

from __future__ import annotations

import datetime as _dt
import logging
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ..geodata.errors import OptionError
from ._measure import (
    DEFAULT_PERCENTILE,
    DEFAULT_WINDOW,
    MEASURES,
    WEEKDAYS,
    Measure,
    _as_measure,
    _pkey,
    _window_text,
    departure_day,
    on_weekday,
    parse_depart,
    parse_percentiles,
    parse_window,
    resolve_measure,
    weekday_note,
)
from ._measure_values import _arrival_modes, _best_pair, _points, _station_values, _values
from ._timed import TimedNetwork, timed_network
from .params import check_minutes
from .raptor import EPS, Journey, earliest_arrival
from .timetable import format_clock

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from .route import Itinerary

log = logging.getLogger(__name__)

#: Columns of :func:`reach_window` besides geometry (network.reach's columns plus ``measure``).
REACH_COLUMNS = ("name_zh", "name_en", "kind", "population", "minutes", "mode", "origin", "measure")

__all__ = [
    "DEFAULT_PERCENTILE",
    "DEFAULT_WINDOW",
    "MEASURES",
    "WEEKDAYS",
    "Measure",
    "TimedNetwork",
    "WindowRoute",
    "access_window",
    "circle_window",
    "compare_window",
    "departure_day",
    "journey_itinerary",
    "matrix_window",
    "on_weekday",
    "parse_depart",
    "parse_percentiles",
    "parse_window",
    "reach_window",
    "resolve_measure",
    "route_at",
    "route_window",
    "timed_network",
    "weekday_note",
]


# --------------------------------------------------------------------------- routes

def journey_itinerary(journey: Journey, tn: TimedNetwork) -> Itinerary:
    """A timetabled journey as an :class:`network.route.Itinerary` (for GeoJSON and maps).

    Each leg's ``wait_minutes`` is the time since the previous leg ended (check-in included), its
    ``minutes`` the time from departure to arrival with alighting; ``depart`` the offset from the start.
    """
    from .route import Itinerary, Leg

    legs = []
    clock = journey.depart
    for leg in journey.legs:
        legs.append(Leg(mode=leg.mode, service=leg.service, from_=leg.from_, to=leg.to,
                        depart=leg.depart - journey.depart, minutes=leg.minutes + leg.alight_minutes,
                        wait_minutes=max(leg.depart - clock, 0.0), stops=leg.stops))
        clock = leg.arrive + leg.alight_minutes
    return Itinerary(origin=journey.origin, destination=journey.destination, minutes=journey.minutes,
                     legs=tuple(legs), date=tn.date.isoformat(), scenario=tn.timetable.scenario,
                     modes=tuple(tn.graph.graph.get("modes") or ()), params=dict(tn.timetable.params))


def route_at(tn: TimedNetwork, a: str, b: str, *, depart: str | float = "08:00") -> Journey:
    """The earliest-arriving journey from ``a`` to ``b`` leaving at ``depart``.

    Parameters
    ----------
    tn
        From :func:`timed_network`.
    a, b
        Node ids.
    depart
        Departure ``"HH:MM"`` from 00:00 to 23:59 of ``tn.date`` (for a later
        one build the next date's network).

    Returns
    -------
    Journey
        ``minutes``, ``depart``, ``arrive`` and legs with their own clock times (``.to_dict()``).

    Raises
    ------
    NoRouteError
        Nothing reaches ``b`` from that departure.

    Examples
    --------
    >>> tn = timed_network(date="2025-07-03")
    >>> j = route_at(tn, "cq_east", "qianjiang", depart="08:00")
    >>> j.to_dict()["arrive"], [(leg.service, leg.to_dict()["depart"]) for leg in j.legs]
    ('09:08:30', [('through_cq_cs', '08:07:30')])
    """
    a, b = tn.node(a), tn.node(b)
    t = parse_depart(depart)
    if t >= 1440:
        raise OptionError(f"departure {format_clock(t)} is on the next day; build the network of "
                          f"{(tn.date + _dt.timedelta(days=1)).isoformat()} and leave at {format_clock(t - 1440)}")
    return earliest_arrival(tn.timetable, tn.links, a, t).journey(b)


@dataclass(frozen=True)
class WindowRoute:
    """The travel times from ``origin`` to ``destination`` over a window: percentiles and the fastest trip."""

    origin: str
    destination: str
    window: tuple[float, float]
    percentiles: dict[float, float]
    fastest_minutes: float
    fastest_depart: float
    fastest: Journey

    def to_dict(self) -> dict[str, Any]:
        """``{"from", "to", "window", "percentiles": {"50": m}, "fastest": {"minutes", "depart", "legs"}}``."""
        return {"from": self.origin, "to": self.destination, "window": _window_text(self.window),
                "percentiles": {_pkey(p): _round(m) for p, m in self.percentiles.items()},
                "fastest": {"minutes": _round(self.fastest_minutes), "depart": format_clock(self.fastest_depart),
                            "arrive": format_clock(self.fastest.arrive),
                            "legs": [leg.to_dict() for leg in self.fastest.legs]}}


def _round(m: float) -> float | None:
    return round(float(m), 3) if math.isfinite(m) else None


def route_window(tn: TimedNetwork, a: str, b: str, *, window: str | Sequence[str | float] = DEFAULT_WINDOW,
                 percentiles: str | Iterable[float] = (5, 50, 95)) -> WindowRoute:
    """Percentiles of the travel time over every departure minute of ``window``, and the fastest trip.

    Parameters
    ----------
    tn
        From :func:`timed_network`.
    a, b
        Node ids.
    window
        ``"HH:MM-HH:MM"`` or ``(start, end)``; default 07:00-09:00.
    percentiles
        Each from 0 to 100 (nearest rank); default 5, 50, 95.

    Returns
    -------
    WindowRoute

    Raises
    ------
    NoRouteError
        ``b`` is never reached from ``a`` in the window.

    Examples
    --------
    >>> tn = timed_network(date="2025-07-03")
    >>> w = route_window(tn, "cq_east", "qianjiang", window="07:00-09:00", percentiles=(5, 50, 95))
    >>> {p: round(m) for p, m in w.percentiles.items()}, w.to_dict()["fastest"]["depart"]
    ({5.0: 64, 50.0: 90, 95.0: 167}, '08:50')
    """
    a, b = tn.node(a), tn.node(b)
    win = parse_window(window)
    rr = tn.range(a, win)
    best = rr.fastest(b)
    return WindowRoute(a, b, win, rr.percentiles(b, parse_percentiles(percentiles)), best.minutes, best.depart,
                       best.journey)


def reach_window(tn: TimedNetwork, origin: str, *, minutes: float = 60,
                 measure: str | Measure = "percentile", window: str | Sequence[str | float] = DEFAULT_WINDOW,
                 percentile: float = DEFAULT_PERCENTILE) -> gpd.GeoDataFrame:
    """Every dataset node reached from ``origin`` within ``minutes`` under a measure.

    Parameters
    ----------
    tn
        From :func:`timed_network`.
    origin
        Node id.
    minutes
        Time budget.
    measure
        ``"percentile"`` (default), ``"fastest"``, or a :class:`Measure` (e.g. ``Measure.at("08:00")``).
    window, percentile
        The window (default 07:00-09:00) and percentile (default 50) of a measure given by name.

    Returns
    -------
    geopandas.GeoDataFrame
        The columns of :func:`network.reach` plus ``measure``, sorted by
        minutes; ``attrs`` holds the measure's label.

    Examples
    --------
    >>> tn = timed_network(date="2025-07-03")
    >>> median = reach_window(tn, "qianjiang_dist", minutes=120, window="07:00-09:00")
    >>> "wanzhou_dist" in median.index
    False
    >>> best = reach_window(tn, "qianjiang_dist", minutes=120, measure="fastest", window="00:00-24:00")
    >>> best.loc["wanzhou_dist", ["mode", "measure"]].tolist()
    ['ga', 'fastest']
    """
    import pandas as pd

    budget = check_minutes(minutes)
    m = _as_measure(measure, window, percentile)
    o = tn.node(origin)
    values, departs = _values(tn, o, m)
    rows = [int(r) for r in np.flatnonzero(values <= budget + EPS)]
    rows.sort(key=lambda r: (values[r], tn.timetable.nodes[r]))
    ids = [tn.timetable.nodes[r] for r in rows]
    attrs = [tn.graph.nodes[n] for n in ids]
    index = pd.Index(ids, dtype=object, name="id")
    frame = pd.DataFrame({
        "name_zh": pd.Series([d.get("name_zh") for d in attrs], index=index, dtype=object),
        "name_en": pd.Series([d.get("name_en") for d in attrs], index=index, dtype=object),
        "kind": pd.Series([d.get("kind") for d in attrs], index=index, dtype=object),
        "population": pd.array([d.get("population") for d in attrs], dtype="Int64"),
        "minutes": np.asarray([values[r] for r in rows], dtype=float),
        "mode": pd.Series(_arrival_modes(tn, o, rows, departs), index=index, dtype=object),
        "origin": pd.Series([o] * len(ids), index=index, dtype=object),
        "measure": pd.Series([m.label()["measure"]] * len(ids), index=index, dtype=object),
    }, index=index)
    import geopandas as gpd

    gdf = gpd.GeoDataFrame(frame, geometry=_points(tn.graph, ids), crs=tn.graph.graph.get("crs"))
    gdf.attrs.update({**m.label(), "origin": o, "minutes": budget, **tn.meta()})
    return gdf


def circle_window(tn: TimedNetwork, centre: str, *, window: str | Sequence[str | float] = DEFAULT_WINDOW,
                  percentile: float = DEFAULT_PERCENTILE, bands: Sequence[float] = (60.0, 120.0, 180.0),
                  measure: str = "percentile") -> gpd.GeoDataFrame:
    """Economic circle of ``centre`` with the fastest trip and the window percentile side by side.

    Parameters
    ----------
    tn
        From :func:`timed_network`.
    centre
        A place or a station (as :func:`network.economic_circle`).
    window, percentile
        Window (default 07:00-09:00) and percentile (default 50).
    bands
        Increasing band limits in minutes.
    measure
        Which of the two fills ``station_minutes``/``centre_minutes`` and the bands:
        ``"percentile"`` (default) or ``"fastest"``.

    Returns
    -------
    geopandas.GeoDataFrame
        Indexed by place id: ``name_zh``, ``name_en``, ``population``,
        ``station_fastest``, ``station_percentile``, ``centre_fastest``,
        ``centre_percentile``, ``station_minutes``, ``from_station``,
        ``to_station``, ``centre_minutes`` (the chosen measure),
        ``station_band``, ``centre_band``, Point geometry.
        Station-to-station: the best pair of a station of the centre and a
        station of the place, scheduled services and walking transfers only.

    Examples
    --------
    >>> tn = timed_network(date="2025-07-03")
    >>> c = circle_window(tn, "qianjiang_dist", window="07:00-09:00")
    >>> bool(c.loc["wanzhou_dist", "centre_percentile"] > 120), c.attrs["measure"]
    (True, 'percentile')
    """
    import geopandas as gpd

    from .access import band_of, home_place, parse_bands, places_of, stations_of

    bands = parse_bands(bands)
    win = parse_window(window)
    chosen = Measure(measure, window=win, percentile=percentile)
    c = tn.node(centre)
    G = tn.graph
    centre_place, origin_stations = home_place(G, c), stations_of(G, c)
    by = {}
    for name in ("fastest", "percentile"):
        m = Measure(name, window=win, percentile=percentile)
        by[name] = (_values(tn, str(centre_place), m)[0], _station_values(tn, origin_stations, m))
    rows = []
    for p in places_of(G):
        if p in (centre_place, c):
            continue
        d = G.nodes[p]
        targets = stations_of(G, p)
        row = {"id": p, "name_zh": d.get("name_zh"), "name_en": d.get("name_en"), "population": d.get("population")}
        for name, (door, station) in by.items():
            cm = float(door[tn.timetable.index[p]])
            value, s, t = _best_pair(station, targets, tn)
            row[f"station_{name}"] = value
            if name == chosen.name:
                row["from_station"], row["to_station"] = s, t
            row[f"centre_{name}"] = cm if math.isfinite(cm) else math.nan
        row["station_minutes"], row["centre_minutes"] = row[f"station_{chosen.name}"], row[f"centre_{chosen.name}"]
        row["station_band"] = band_of(row["station_minutes"], bands)
        row["centre_band"] = band_of(row["centre_minutes"], bands)
        rows.append({**row, "geometry": _points(G, [p])[0]})
    cols = ["id", "name_zh", "name_en", "population", "station_fastest", "station_percentile", "centre_fastest",
            "centre_percentile", "station_minutes", "from_station", "to_station", "centre_minutes", "station_band",
            "centre_band", "geometry"]
    gdf = gpd.GeoDataFrame(rows, columns=cols, geometry="geometry", crs=G.graph.get("crs")).set_index("id")
    gdf["population"] = gdf["population"].astype("Int64")
    gdf = gdf.sort_values(["centre_minutes", "station_minutes"], na_position="last", kind="stable")
    gdf.attrs.update({"centre": c, "centre_place": centre_place, "stations": origin_stations, "bands": list(bands),
                      **chosen.label(), "percentile": chosen.percentile, **tn.meta()})
    return gdf


def access_window(tn: TimedNetwork, *, minutes: float = 60, half_life: float = 60.0,
                  measure: str | Measure = "percentile", window: str | Sequence[str | float] = DEFAULT_WINDOW,
                  percentile: float = DEFAULT_PERCENTILE,
                  origins: Iterable[str] | None = None) -> gpd.GeoDataFrame:
    """Cumulative and gravity accessibility of every county-level place under a measure.

    The columns and rules are those of :func:`network.accessibility`; the
    travel times come from the timetable (one range-RAPTOR per place).

    Examples
    --------
    >>> tn = timed_network(date="2025-07-03")
    >>> a = access_window(tn, minutes=120, window="07:00-09:00")
    >>> int(a.loc["qianjiang_dist", "places_within"]) > 0, a.attrs["measure"]
    (True, 'percentile')
    """
    import geopandas as gpd

    from .access import places_of

    budget = check_minutes(minutes)
    hl = check_minutes(half_life, name="half_life")
    m = _as_measure(measure, window, percentile)
    G = tn.graph
    places = places_of(G)
    cols_idx = [tn.timetable.index[p] for p in places]
    pops = np.array([G.nodes[p].get("population") or 0 for p in places], dtype=float)
    rows = []
    for o in places if origins is None else [tn.node(x) for x in origins]:
        t = _values(tn, o, m)[0][cols_idx]
        other = np.array([p != o for p in places])
        within, reached = other & (t <= budget), other & np.isfinite(t)
        d = G.nodes[o]
        rows.append({"id": o, "name_zh": d.get("name_zh"), "name_en": d.get("name_en"),
                     "population": d.get("population"), "places_within": int(within.sum()),
                     "population_within": int(pops[within].sum()),
                     "gravity": float(np.sum(pops[reached] * np.exp2(-t[reached] / hl))),
                     "geometry": _points(G, [o])[0]})
    cols = ["id", "name_zh", "name_en", "population", "places_within", "population_within", "gravity", "geometry"]
    gdf = gpd.GeoDataFrame(rows, columns=cols, geometry="geometry", crs=G.graph.get("crs")).set_index("id")
    gdf["population"] = gdf["population"].astype("Int64")
    gdf = gdf.sort_values(["population_within", "gravity"], ascending=False, kind="stable")
    gdf.attrs.update({"minutes": budget, "half_life": hl, **m.label(), **tn.meta(),
                      "population_unknown": [p for p in places if G.nodes[p].get("population") is None]})
    return gdf


def compare_window(before: TimedNetwork, after: TimedNetwork, origin: str, *,
                   measure: str | Measure = "percentile", window: str | Sequence[str | float] = DEFAULT_WINDOW,
                   percentile: float = DEFAULT_PERCENTILE,
                   bands: Sequence[float] = (60.0, 120.0, 180.0)) -> gpd.GeoDataFrame:
    """Minutes from ``origin`` to every county-level place on two timed networks, and the change.

    The columns are those of :func:`network.compare`; ``attrs`` holds the
    measure, both dates and weekdays, and ``weekdays_differ`` (the two dates
    fall on different weekdays, so services that run on some weekdays only
    may explain part of the change).

    Examples
    --------
    >>> c = compare_window(timed_network(date="2025-06-26"), timed_network(date="2025-07-03"),
    ...                    "chongqing_core", window="07:00-09:00")
    >>> bool(c.loc["qianjiang_dist", "change"] < 0), c.attrs["weekdays_differ"]
    (True, False)
    """
    from .compare import compare_times

    m = _as_measure(measure, window, percentile)
    o = after.node(origin)
    t0 = _times_dict(before, o, m) if o in before.timetable.index else {}
    table = compare_times(before.graph, after.graph, o, t0, _times_dict(after, o, m), bands=bands)
    table.attrs.update({**m.label(), "before": before.meta(), "after": after.meta(),
                        "weekdays_differ": before.date.isoweekday() != after.date.isoweekday()})
    return table


def _times_dict(tn: TimedNetwork, origin: str, m: Measure) -> dict[str, float]:
    values = _values(tn, origin, m)[0]
    return {n: float(v) for n, v in zip(tn.timetable.nodes, values, strict=True) if math.isfinite(v)}


def matrix_window(tn: TimedNetwork, origins: Iterable[str], destinations: Iterable[str] | None = None, *,
                  measure: str | Measure = "percentile", window: str | Sequence[str | float] = DEFAULT_WINDOW,
                  percentile: float = DEFAULT_PERCENTILE, max_minutes: float | None = None) -> pd.DataFrame:
    """Long travel-time matrix (``origin``, ``destination``, ``minutes``) under a measure.

    Reached pairs only (within ``max_minutes`` when given); ``attrs`` holds the measure.

    Examples
    --------
    >>> tn = timed_network(date="2025-07-03")
    >>> m = matrix_window(tn, ["qianjiang_dist"], ["wanzhou_dist"], measure="fastest", window="00:00-24:00")
    >>> m.to_dict("records")
    [{'origin': 'qianjiang_dist', 'destination': 'wanzhou_dist', 'minutes': 118.683}]
    """
    import pandas as pd

    m = _as_measure(measure, window, percentile)
    limit = math.inf if max_minutes is None else check_minutes(max_minutes, name="max_minutes")
    dests = list(tn.timetable.nodes) if destinations is None else [tn.node(d) for d in destinations]
    cols = np.asarray([tn.timetable.index[d] for d in dests], dtype=np.intp)
    parts = []
    for o in dict.fromkeys(tn.node(x) for x in origins):
        t = _values(tn, o, m)[0][cols]
        keep = np.isfinite(t) & (t <= limit)
        parts.append(pd.DataFrame({"origin": o, "destination": np.asarray(dests, dtype=object)[keep],
                                   "minutes": np.round(t[keep], 3)}))
    frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["origin", "destination",
                                                                                  "minutes"])
    frame.attrs.update({**m.label(), **tn.meta()})
    return frame
