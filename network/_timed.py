"""The timetable, link times and graph of one date, with range-RAPTOR results kept per origin (:mod:`network.measures`)."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..geodata.errors import OptionError
from .raptor import RangeResult, range_raptor
from .timetable import LinkTimes, Timetable, build_timetable, links_from_graph

if TYPE_CHECKING:
    import networkx as nx

@dataclass(frozen=True, eq=False)
class TimedNetwork:
    """The timetable, link times and graph of one date, with range-RAPTOR results kept per origin.

    Build it with :func:`timed_network`.  :meth:`station_links` gives the link
    times allowed inside a station-to-station trip (walking transfers only).
    """

    timetable: Timetable
    links: LinkTimes
    graph: nx.MultiDiGraph = field(repr=False)
    _ranges: dict = field(default_factory=dict, repr=False)
    _station_links: list = field(default_factory=list, repr=False)

    @property
    def date(self) -> _dt.date:
        """The query date."""
        return self.timetable.date

    def meta(self) -> dict[str, Any]:
        """``date``, ``weekday``, ``scenario``, ``modes`` and ``params``, as every output states them."""
        return {"date": self.date.isoformat(), "weekday": self.date.isoweekday(),
                "scenario": self.timetable.scenario, "modes": self.graph.graph.get("modes"),
                "params": self.timetable.params}

    def range(self, origin: str, window: tuple[float, float], *, stations: bool = False) -> RangeResult:
        """The range-RAPTOR of ``origin`` over ``window`` (computed once, then reused)."""
        key = (origin, tuple(window), stations)
        if key not in self._ranges:
            links = self.station_links() if stations else self.links
            self._ranges[key] = range_raptor(self.timetable, links, origin, window)
        return self._ranges[key]

    def station_links(self) -> LinkTimes:
        """Link times over walking transfers only (no roads, no access): station-to-station trips."""
        if not self._station_links:
            from .access import services_only

            self._station_links.append(links_from_graph(services_only(self.graph), self.timetable))
        return self._station_links[0]

    def node(self, text: Hashable) -> str:
        """Check that ``text`` is a node of the timetable; return it."""
        from . import _layers

        _layers.check_node(self.graph, text)
        if text not in self.timetable.index:
            raise OptionError(f"{text!r} is not a dataset node; give a place or station id")
        return str(text)


def timed_network(dataset: Any = None, *, date: _dt.date | str, scenario: str | None = None,
                  modes: str | Iterable[str] | None = None, graph: nx.MultiDiGraph | None = None) -> TimedNetwork:
    """The timetable, link times and graph of ``date``: what the measures run on.

    Parameters
    ----------
    dataset
        A :class:`geodata.io.Dataset` (unfiltered), a dataset folder, or ``None`` for the embedded dataset.
    date
        The travel date (``YYYY-MM-DD``): services run on its weekday.
    scenario, modes
        As for :func:`network.build_graph`.
    graph
        The graph of the same date, scenario and modes, when already built.

    Returns
    -------
    TimedNetwork

    Examples
    --------
    >>> tn = timed_network(date="2025-07-03")
    >>> tn.meta()["date"], tn.meta()["weekday"]
    ('2025-07-03', 4)
    """
    from ..geodata.io import Dataset, load_dataset
    from .build import build_graph

    ds = dataset if isinstance(dataset, Dataset) else load_dataset(dataset)
    tt = build_timetable(ds, date=date, scenario=scenario, modes=modes)
    G = graph if graph is not None else build_graph(ds, date=tt.date, scenario=scenario, modes=modes)
    return TimedNetwork(tt, links_from_graph(G, tt), G)
