"""Where the minutes of a timetabled answer come from: :func:`journey_provenance`, :func:`timed_provenance`.

The timetable measures (one ``departure``, the ``fastest`` trip of a window,
a window ``percentile``) answer with journeys on clock times.  Their minutes
fall in the four kinds of :mod:`network.provenance`, by these rules
(``docs/provenance.rst``):

* a ride's running minutes keep their segment's ``time_source`` and band,
  exactly as in the expected measure; alighting processing (deplaning) is
  ``assumed`` (+-50 %);
* the time before a ride is boarding processing (check-in) and, after the
  first ride, the minimum transfer time: ``assumed`` (+-50 %); the rest is
  the wait for the departure.  Waiting for a *published* departure is
  ``published`` with no band (the clock times are exact; their spread is in
  the run); waiting for a *generated* departure (the phase fixed from the
  frequency, :mod:`network.timetable`) is ``assumed``, +- half a headway
  (never below 0): the real departure may lie anywhere in its headway slot.
  The fastest trip of a window leaves when its first vehicle does, wherever
  the phase puts it: its first wait has no band;
* link legs (access, roads, walks) are split as in the expected measure.

An answer over a window is the travel time of one departure: the fastest
trip's, or, for the ``p``-th percentile (nearest rank), the departure
minute whose travel time is that percentile.  The split and the range are
that journey's.
"""

from __future__ import annotations

import itertools
from collections.abc import Hashable, Iterable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from ._measure_values import _values
from .build import service_stop_id
from .provenance import KINDS, PENALTY_BAND, LegProvenance, Provenance, _band, _link_parts, _scaled, combine
from .raptor import EPS, Journey, JourneyLeg, earliest_arrival

if TYPE_CHECKING:
    import networkx as nx

    from ._measure import Measure
    from ._timed import TimedNetwork
    from .route import Itinerary

__all__ = ["attach_provenance", "journey_provenance", "published_departures", "timed_provenance"]


def published_departures(dataset: Any) -> frozenset[str]:
    """Ids of the services whose departures are published (a ``departures`` field), not generated.

    Examples
    --------
    >>> from qjnet.geodata.io import load_dataset
    >>> published_departures(load_dataset())  # the embedded dataset gives frequencies only
    frozenset()
    """
    services = getattr(dataset, "services", None)
    if services is None or "departures" not in services.columns:
        return frozenset()
    return frozenset(str(sid) for sid, dep in services["departures"].items() if _given(dep))


def _given(value: Any) -> bool:
    if value is None or (isinstance(value, float) and value != value):
        return False
    return bool(len(value)) if hasattr(value, "__len__") else True


def journey_provenance(journey: Journey, tn: TimedNetwork, *, published: Iterable[str] = (),
                       leave_at_will: bool = False) -> Provenance:
    """Split a timetabled journey's minutes into published / derived / assumed / access, with a range.

    Parameters
    ----------
    journey
        From :func:`network.measures.route_at` or a window's fastest trip.
    tn
        The :class:`network.measures.TimedNetwork` it was found on.
    published
        Ids of the services whose departures are published
        (:func:`published_departures` of the dataset); the others' are generated.
    leave_at_will
        The traveller leaves to catch the first vehicle (the fastest trip of a
        window): the wait for it, if any, has no band.

    Returns
    -------
    Provenance
        Minutes by kind summing to ``journey.minutes``, the range and one
        :class:`network.provenance.LegProvenance` per leg of ``journey``
        (the wait before a leg is counted in that leg).

    Examples
    --------
    >>> from qjnet.network.measures import route_at, timed_network
    >>> tn = timed_network(date="2025-07-02")
    >>> p = journey_provenance(route_at(tn, "cq_east", "qianjiang", depart="07:00"), tn)
    >>> round(p.minutes["published"]), round(p.minutes["assumed"]), p.legs[0].source
    (61, 42, 'published')
    """
    pub = frozenset(published)
    legs = []
    clock, rides = journey.depart, 0
    for leg in journey.legs:
        gap = max(leg.depart - clock, 0.0)
        if leg.kind == "ride":
            legs.append(_ride(leg, gap, rides, tn, pub, banded=rides > 0 or not leave_at_will))
            rides += 1
            clock = leg.arrive + leg.alight_minutes
        else:
            legs.append(_links(leg, gap, tn.graph))
            clock = leg.arrive
    return combine(legs)


def _ride(leg: JourneyLeg, gap: float, rides: int, tn: TimedNetwork, published: frozenset[str], *,
          banded: bool = True) -> LegProvenance:
    """A ride leg: its wait and processing before, its run, its alighting."""
    G = tn.graph
    before = min(gap, leg.board_minutes + (tn.timetable.transfer_minutes if rides else 0.0))
    wait, penalty = gap - before, before + leg.alight_minutes
    run = _run_parts(leg, G)
    minutes = dict.fromkeys(KINDS, 0.0)
    low = high = 0.0
    for kind, m in run:
        minutes[kind] += m
        down, up = _band(kind, m, leg.mode)
        low, high = low + m - down, high + m + up
    minutes["assumed"] += penalty
    low += penalty * (1 - PENALTY_BAND)
    high += penalty * (1 + PENALTY_BAND)
    sid = str(leg.service)
    if sid in published:
        minutes["published"] += wait
        low, high = low + wait, high + wait
    else:
        minutes["assumed"] += wait
        half = _headway(leg, G) / 2 if banded else 0.0
        low, high = low + max(wait - half, 0.0), high + wait + half
    running = dict.fromkeys(KINDS, 0.0)
    for kind, m in run:
        running[kind] += m
    return LegProvenance(source=_source(running), records=(sid,),
                         minutes=minutes, range=(max(low, 0.0), high))


def _run_parts(leg: JourneyLeg, G: nx.MultiDiGraph) -> list[tuple[str, float]]:
    """(kind, minutes) of each ride segment, scaled to the leg's running minutes."""
    sid, d = str(leg.service), leg.direction or "f"
    parts = []
    for a, b in itertools.pairwise(leg.stops):
        e = G.get_edge_data(service_stop_id(sid, d, a), service_stop_id(sid, d, b), "ride")
        if e is not None:
            parts.append(("published" if e.get("time_source") == "published" else "derived", float(e["minutes"])))
    total = sum(m for _, m in parts)
    if total <= 0:  # not on the graph of this date (e.g. a trip of the day before): its run is derived
        return [("derived", leg.minutes)]
    return [(k, m * leg.minutes / total) for k, m in parts]


def _headway(leg: JourneyLeg, G: nx.MultiDiGraph) -> float:
    board = G.get_edge_data(leg.from_, service_stop_id(str(leg.service), leg.direction or "f", leg.from_), "board")
    return float((board or {}).get("headway") or 0.0)


def _links(leg: JourneyLeg, gap: float, G: nx.MultiDiGraph) -> LegProvenance:
    """A chain of links of one mode (a wait before it, if any, is assumed)."""
    parts = _link_parts(leg, G)
    running = sum(p[1] for p in parts)
    scale = leg.minutes / running if running > 0 else 1.0
    minutes, low, high = _scaled(parts, scale)
    rest = max(leg.minutes + gap - sum(minutes.values()), 0.0)
    minutes["assumed"] += rest
    low, high = low + rest * (1 - PENALTY_BAND), high + rest * (1 + PENALTY_BAND)
    records = tuple(dict.fromkeys(str(p[2]) for p in parts if p[2] is not None))
    return LegProvenance(source=_source(minutes), records=records, minutes=minutes, range=(max(low, 0.0), high))


def _source(minutes: dict) -> str:
    """The kinds of running minutes, most first (``"derived+published"``); waits and penalties are no source."""
    order = sorted((k for k in KINDS if k != "assumed" and minutes[k] > 0), key=lambda k: -minutes[k])
    return "+".join(order) or "assumed"


def timed_provenance(tn: TimedNetwork, origin: str, targets: Iterable[Hashable], measure: Measure, *,
                     published: Iterable[str] = ()) -> dict:
    """The :class:`network.provenance.Provenance` of the answer under ``measure`` from ``origin`` to each target.

    The answer is one journey per target: for a ``departure`` the journey
    leaving then; for ``fastest`` the fastest trip of the window; for a
    ``percentile`` the journey of the departure minute whose travel time is
    that percentile (nearest rank).

    Parameters
    ----------
    tn
        From :func:`network.measures.timed_network`.
    origin
        Node id.
    targets
        Node ids; those not reached are left out.
    measure
        A :class:`network.measures.Measure`.
    published
        Services with published departures (:func:`published_departures`).

    Returns
    -------
    dict
        ``{target: Provenance}``; each one's minutes add up to the measure's minutes.

    Examples
    --------
    >>> from qjnet.network.measures import Measure, timed_network
    >>> tn = timed_network(date="2025-07-02")
    >>> out = timed_provenance(tn, "cq_east", ["qianjiang"], Measure("fastest", window="07:00-09:00"))
    >>> out["qianjiang"].label(), out["qianjiang"].legs[0].source
    ('61 min (59-63)', 'published')
    """
    values, departs = _values(tn, origin, measure)
    searches: dict = {}
    out = {}
    for t in targets:
        row = tn.timetable.index.get(str(t))
        if row is None or not values[row] < float("inf"):
            continue
        depart = float(departs[row])
        if depart not in searches:
            searches[depart] = earliest_arrival(tn.timetable, tn.links, origin, depart)
        journey = searches[depart].journey(str(t))
        if abs(journey.minutes - float(values[row])) > 1e-3 + EPS:
            continue  # a tie broken differently: no journey gives exactly this value
        out[t] = journey_provenance(journey, tn, published=published, leave_at_will=measure.name == "fastest")
    return out


def attach_provenance(itinerary: Itinerary, prov: Provenance) -> Itinerary:
    """The itinerary (:func:`network.measures.journey_itinerary`) with ``prov`` and its legs' attached.

    Examples
    --------
    >>> from qjnet.network.measures import journey_itinerary, route_at, timed_network
    >>> tn = timed_network(date="2025-07-02")
    >>> j = route_at(tn, "cq_east", "qianjiang", depart="07:00")
    >>> it = attach_provenance(journey_itinerary(j, tn), journey_provenance(j, tn))
    >>> it.to_dict()["range"], it.legs[0].to_dict()["source"]
    ([59.0, 218.3], 'published')
    """
    legs = tuple(replace(leg, provenance=lp) for leg, lp in zip(itinerary.legs, prov.legs, strict=True))
    return replace(itinerary, legs=legs, provenance=prov)
