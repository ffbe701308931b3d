"""Where the minutes of an answer come from, and how far they could be off: :func:`provenance`.

Every minute of an :class:`network.route.Itinerary` falls in one of four kinds:

``published``
    Running time of a ride segment or road link whose ``time_source`` is
    ``"published"`` (a timetable or an operator's figure).
``derived``
    Running time derived by a model: rail segments from the fitted running
    model (``docs/calibration.md``), roads from length and speed.
``assumed``
    Waits from the frequency model (half a headway, expected days of waiting),
    transfer penalties, boarding and alighting processing, and departures of
    a generated timetable.
``access``
    Access, walk and transfer links: the straight-line access model.

Each kind has an error band (:data:`BANDS`); the ``range`` of an answer adds
the bands of its parts (a worst case: errors of different parts are not
assumed to cancel).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from .build import service_stop_id

if TYPE_CHECKING:
    import networkx as nx


class Leg(Protocol):
    """What :func:`leg_provenance` reads of a :class:`network.route.Leg`."""

    @property
    def mode(self) -> str: ...
    @property
    def service(self) -> str | None: ...
    @property
    def from_(self) -> str: ...
    @property
    def to(self) -> str: ...
    @property
    def minutes(self) -> float: ...
    @property
    def wait_minutes(self) -> float: ...
    @property
    def in_vehicle_minutes(self) -> float: ...
    @property
    def access_minutes(self) -> float: ...
    @property
    def expected_wait_minutes(self) -> float: ...
    @property
    def stops(self) -> tuple: ...


class Run(Protocol):
    """What :func:`_link_parts` reads of a run of links (a route leg or a timetabled journey leg)."""

    @property
    def mode(self) -> str: ...
    @property
    def from_(self) -> str: ...
    @property
    def to(self) -> str: ...
    @property
    def stops(self) -> tuple: ...


class Itinerary(Protocol):
    """What :func:`provenance` reads of a :class:`network.route.Itinerary`."""

    @property
    def legs(self) -> tuple: ...

#: The four kinds of minutes, in display order.
KINDS = ("published", "derived", "assumed", "access")

#: Largest absolute residual (fraction of the published time) of the derived running-time model against
#: the published times that test it (``docs/calibration.md``: the fitted rail times, asserted kinds only,
#: and the road times routed end to end).  ``tests/test_provenance.py`` re-reads them from the report.
DERIVED_RESIDUAL = {"hsr": 0.031, "rail": 0.031, "expressway": 0.104, "road": 0.104}
#: Any other derived mode: the largest residual of all.
DERIVED_RESIDUAL_OTHER = 0.104
#: Published passenger times of one trip differ between sources by up to 2 minutes (Zhangjiajie West -
#: Huaihua South, fastest: 68 and 70 in ``sources/published_times.csv``), more than the rounding of a
#: whole-minute figure: +-2 minutes per published run.
PUBLISHED_SPREAD = 2.0
#: Access model (straight line x circuity at a walking or driving speed): +-30 %, an assumption.
ACCESS_BAND = 0.30
#: Transfer penalties and processing (check-in, security, deplaning): +-50 %, an assumption.
PENALTY_BAND = 0.50

#: The bands as documented (``docs/provenance.rst``).
BANDS = {
    "published": f"+-{PUBLISHED_SPREAD:g} min per published run (spread between sources of one trip)",
    "derived": ("the published value m / (1 + a) to m / (1 - a), a the largest calibration residual of the "
                "mode (hsr/rail 3.1 %, roads 10.4 %), at least 1 min either way"),
    "assumed": ("waits +-half a headway (never below 0); expected days of waiting 0 to twice; "
                f"transfer penalties and processing +-{PENALTY_BAND:.0%}"),
    "access": f"+-{ACCESS_BAND:.0%} (straight-line access model, an assumption)",
}


@dataclass(frozen=True)
class LegProvenance:
    """Where one leg's minutes come from: ``minutes`` by kind, ``source``, ``records`` and ``range``."""

    source: str
    records: tuple
    minutes: dict
    range: tuple

    def to_dict(self) -> dict:
        """``{"source", "records", "provenance": {kind: minutes}, "range": [low, high]}``."""
        return {"source": self.source, "records": list(self.records),
                "provenance": {k: round(v, 3) for k, v in self.minutes.items()},
                "range": [round(self.range[0], 1), round(self.range[1], 1)]}


@dataclass(frozen=True)
class Provenance:
    """Minutes of an answer by kind (``published``, ``derived``, ``assumed``, ``access``) and its range."""

    minutes: dict
    range: tuple
    legs: tuple = field(default=())

    @property
    def total(self) -> float:
        """Sum of the minutes of every kind."""
        return float(sum(self.minutes.values()))

    @property
    def shares(self) -> dict:
        """Fraction of the total per kind (0 when the total is 0)."""
        t = self.total
        return {k: (v / t if t > 0 else 0.0) for k, v in self.minutes.items()}

    @property
    def published_share(self) -> float:
        """Fraction of the minutes taken from published times."""
        return self.shares["published"]

    def to_dict(self) -> dict:
        """``{"published", "derived", "assumed", "access", "shares": {...}}`` in minutes."""
        return {**{k: round(v, 3) for k, v in self.minutes.items()},
                "shares": {k: round(v, 3) for k, v in self.shares.items()}}

    def label(self) -> str:
        """``"172 min (160-190)"``."""
        return f"{self.total:.0f} min ({format_range(self.range)})"


def format_range(rng: tuple) -> str:
    """``(159.6, 190.2)`` -> ``"159-191"`` (outward to whole minutes)."""
    return f"{math.floor(rng[0] + 1e-9):.0f}-{math.ceil(rng[1] - 1e-9):.0f}"


def provenance(itinerary: Itinerary, G: nx.MultiDiGraph) -> Provenance:
    """Split an itinerary's minutes into published / derived / assumed / access, with a range.

    Parameters
    ----------
    itinerary
        :class:`network.route.Itinerary` (from :func:`network.route` or a
        timetable itinerary).
    G
        The graph the itinerary was found on (edges carry ``time_source``).

    Returns
    -------
    Provenance
        ``minutes`` by kind (summing to the itinerary's minutes), ``shares``,
        ``range`` (low, high) in minutes and one :class:`LegProvenance` per leg.

    Examples
    --------
    >>> from qjnet.network import build_graph, route
    >>> G = build_graph(date="2025-07-01")
    >>> p = provenance(route(G, "cq_east", "qianjiang"), G)
    >>> round(p.minutes["published"]), p.legs[0].source, p.legs[0].records
    (61, 'published', ('yuxia_fast',))
    >>> p.label()
    '61 min (59-63)'
    """
    legs = tuple(leg_provenance(leg, G) for leg in itinerary.legs)
    return combine(legs)


def combine(legs: Iterable[LegProvenance]) -> Provenance:
    """Add legs' minutes and ranges into one :class:`Provenance`."""
    legs = tuple(legs)
    minutes = dict.fromkeys(KINDS, 0.0)
    low = high = 0.0
    for lp in legs:
        for k in KINDS:
            minutes[k] += lp.minutes[k]
        low += lp.range[0]
        high += lp.range[1]
    return Provenance(minutes=minutes, range=(low, high), legs=legs)


def leg_provenance(leg: Leg, G: nx.MultiDiGraph) -> LegProvenance:
    """One leg's minutes by kind, the source of its running time, its record ids and its range."""
    if leg.service is not None:
        parts, wait_band = _service_parts(leg, G)
        records: tuple = (str(leg.service),)
    else:
        parts, wait_band = _link_parts(leg, G), (0.0, 0.0)
        records = tuple(dict.fromkeys(p[2] for p in parts if p[2] is not None))
    running = sum(p[1] for p in parts)
    target = leg.in_vehicle_minutes + leg.access_minutes
    scale = target / running if running > 0 and target > 0 else 1.0
    minutes, low, high = _scaled(parts, scale)
    assumed = max(leg.minutes + leg.wait_minutes - sum(minutes.values()), 0.0)
    minutes["assumed"] = assumed
    wait = min(leg.expected_wait_minutes, assumed)
    penalties = assumed - wait
    low += wait + wait_band[0] + penalties * (1 - PENALTY_BAND)
    high += wait + wait_band[1] + penalties * (1 + PENALTY_BAND)
    order = sorted((k for k in KINDS if k != "assumed" and minutes[k] > 0), key=lambda k: -minutes[k])
    return LegProvenance(source="+".join(order) or "assumed", records=records, minutes=minutes,
                         range=(max(low, 0.0), high))


def _scaled(parts: list, scale: float) -> tuple[dict, float, float]:
    """Minutes by kind and the (low, high) sum of ``parts`` ``(kind, minutes, record, mode)``, each times ``scale``."""
    minutes = dict.fromkeys(KINDS, 0.0)
    low = high = 0.0
    for kind, m, _rec, mode in parts:
        m *= scale
        minutes[kind] += m
        down, up = _band(kind, m, mode)
        low, high = low + m - down, high + m + up
    return minutes, low, high


def _band(kind: str, m: float, mode: str) -> tuple[float, float]:
    """Minutes (down, up) that ``m`` minutes of ``kind`` could be off."""
    if m <= 0:
        return (0.0, 0.0)
    if kind == "published":
        return (min(PUBLISHED_SPREAD, m), PUBLISHED_SPREAD)
    if kind == "derived":  # residual r = (model - published) / published, |r| <= a: published in [m/(1+a), m/(1-a)]
        a = DERIVED_RESIDUAL.get(mode, DERIVED_RESIDUAL_OTHER)
        return (max(m - m / (1 + a), 1.0), max(m / (1 - a) - m, 1.0))
    return (ACCESS_BAND * m, ACCESS_BAND * m)


def _service_parts(leg: Leg, G: nx.MultiDiGraph) -> tuple[list, tuple]:
    """Ride segments as (kind, minutes, record, mode) and the wait band (low, high offsets)."""
    sid = str(leg.service)
    stops = list(leg.stops) if len(leg.stops) >= 2 else [leg.from_, leg.to]
    direction = next((d for d in ("f", "r") if G.has_edge(service_stop_id(sid, d, stops[0]),
                                                          service_stop_id(sid, d, stops[1]), "ride")), None)
    if direction is None:  # not on this graph (a generated departure): its running time is assumed
        return [], _wait_band(leg, None)
    parts = []
    for a, b in itertools.pairwise(stops):
        d = G.edges[service_stop_id(sid, direction, a), service_stop_id(sid, direction, b), "ride"]
        kind = "published" if d.get("time_source") == "published" else "derived"
        parts.append((kind, float(d["minutes"]), sid, leg.mode))
    board = G.get_edge_data(stops[0], service_stop_id(sid, direction, stops[0]), "board")
    return parts, _wait_band(leg, board)


def _wait_band(leg: Leg, board: dict | None) -> tuple[float, float]:
    """Offsets (low, high) around the expected wait: half a headway either way, days 0 to twice."""
    w = leg.expected_wait_minutes
    if w <= 0 or board is None:
        return (0.0, 0.0)
    day = min(float(board.get("day_wait_minutes", 0.0)), w)
    headway_wait = w - day
    half = float(board.get("headway") or 0.0) / 2
    return (-min(half, headway_wait) - day, half + day)


def _link_parts(leg: Run, G: nx.MultiDiGraph) -> list:
    """Each link of a run as (kind, minutes, link id, mode), the fastest link of the leg's mode per hop."""
    stops = list(leg.stops) if len(leg.stops) >= 2 else [leg.from_, leg.to]
    parts = []
    for a, b in itertools.pairwise(stops):
        cands = [d for d in (G.get_edge_data(a, b) or {}).values() if d.get("kind") == "link" and d.get("mode") == leg.mode]
        if not cands:
            continue
        d = min(cands, key=lambda x: float(x["minutes"]))
        if d.get("component") == "access":
            kind = "access"
        else:
            kind = "published" if d.get("time_source") == "published" else "derived"
        parts.append((kind, float(d["minutes"]), d.get("link"), leg.mode))
    return parts


def check_share(share: float | str | None, *, name: str = "--min-published") -> float | None:
    """Validate a share in [0, 1] (``None`` passes through)."""
    from ..geodata.errors import OptionError

    if share is None:
        return None
    try:
        value = float(share)
    except (TypeError, ValueError):
        raise OptionError(f"{name} must be a share between 0 and 1, got {share!r}") from None
    if not 0.0 <= value <= 1.0:
        raise OptionError(f"{name} must be a share between 0 and 1 (0.5 = half the minutes published), got {share!r}")
    return value


def main_kind(p: Provenance) -> str:
    """The kind with the most minutes (``"published"`` on a tie with it)."""
    return max(KINDS, key=lambda k: (p.minutes[k], k == "published"))


#: Columns :func:`with_place_provenance` adds (each with the suffix given).
PLACE_COLUMNS = ("published_share", "range_low", "range_high", "provenance")


def with_place_provenance(frame: Any, provs: dict, *, suffix: str = "") -> Any:
    """A copy of a result frame with each place's provenance: the columns of :data:`PLACE_COLUMNS`.

    Parameters
    ----------
    frame
        A (Geo)DataFrame indexed by node id: a reach, circle or compare result.
    provs
        ``{id: Provenance}`` (:func:`network.route.reach_provenance`,
        :func:`network.timed_provenance.timed_provenance`); rows without one get NaN / ``None``.
    suffix
        Appended to the column names (``"_before"`` for the first network of a comparison).

    Returns
    -------
    same type as ``frame``
        With ``published_share`` (0-1), ``range_low`` and ``range_high`` (minutes) and
        ``provenance`` (the kind most minutes come from, :func:`main_kind`).

    Examples
    --------
    >>> from qjnet.network import build_graph, reach
    >>> from qjnet.network.route import reach_provenance
    >>> G = build_graph(date="2025-07-02")
    >>> r = reach(G, "cq_east", minutes=70)
    >>> out = with_place_provenance(r, reach_provenance(G, "cq_east", r.index))
    >>> row = out.loc["qianjiang"]
    >>> float(row["published_share"]), float(row["range_low"]), float(row["range_high"]), row["provenance"]
    (1.0, 59.0, 63.0, 'published')
    """
    out = frame.copy()
    known = [provs.get(i) for i in out.index]
    out[f"published_share{suffix}"] = [p.published_share if p is not None else math.nan for p in known]
    out[f"range_low{suffix}"] = [p.range[0] if p is not None else math.nan for p in known]
    out[f"range_high{suffix}"] = [p.range[1] if p is not None else math.nan for p in known]
    out[f"provenance{suffix}"] = [main_kind(p) if p is not None and p.total > 0 else None for p in known]
    out.attrs = dict(getattr(frame, "attrs", {}) or {})
    return out

