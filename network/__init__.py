"""network: qjnet's model — graph building, scenarios, routing, reachability, accessibility, matrices.

The public functions are imported here eagerly: three of them share their
module's name (``route``, ``reach``, ``compare``), and a lazy export would be
shadowed by the submodule as soon as anything imported ``network.route``.
These modules import only networkx at load time (geopandas and scipy are
imported inside the functions that need them).  The timetable measures of
:mod:`network.measures` (numpy) are exported lazily: their names differ from
their module's, so nothing shadows them.
"""

from __future__ import annotations

from .access import accessibility, circle_summary, economic_circle
from .build import build_graph
from .compare import compare, entered_by_band
from .convert import graph_from_gdfs, graph_to_gdfs, validate_graph
from .params import PASSENGER_MODES, TimeParams
from .reach import reach, reach_times
from .route import Itinerary, Leg, route
from .routes import routes

#: Exported from :mod:`network.measures` on first use (it imports numpy).
_MEASURES = ("Measure", "TimedNetwork", "access_window", "circle_window", "compare_window", "matrix_window",
             "reach_window", "route_at", "route_window", "timed_network")


def __getattr__(name: str) -> object:
    if name in _MEASURES:
        from . import measures

        return getattr(measures, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "PASSENGER_MODES",
    "Itinerary",
    "Leg",
    "Measure",
    "TimeParams",
    "TimedNetwork",
    "access_window",
    "accessibility",
    "build_graph",
    "circle_summary",
    "circle_window",
    "compare",
    "compare_window",
    "economic_circle",
    "entered_by_band",
    "graph_from_gdfs",
    "graph_to_gdfs",
    "matrix_window",
    "reach",
    "reach_times",
    "reach_window",
    "route",
    "route_at",
    "route_window",
    "routes",
    "timed_network",
    "validate_graph",
]
