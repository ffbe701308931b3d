"""network: qjnet's model — graph building, scenarios, routing, reachability, accessibility, matrices.

The public functions are imported here eagerly: three of them share their
module's name (``route``, ``reach``, ``compare``), and a lazy export would be
shadowed by the submodule as soon as anything imported ``network.route``.
These modules import only networkx at load time (geopandas and scipy are
imported inside the functions that need them).
"""

from __future__ import annotations

from .access import accessibility, circle_summary, economic_circle
from .build import build_graph
from .compare import compare, entered_by_band
from .convert import graph_from_gdfs, graph_to_gdfs, validate_graph
from .params import PASSENGER_MODES, TimeParams
from .reach import reach, reach_times
from .route import Itinerary, Leg, route

__all__ = [
    "PASSENGER_MODES",
    "Itinerary",
    "Leg",
    "TimeParams",
    "accessibility",
    "build_graph",
    "circle_summary",
    "compare",
    "economic_circle",
    "entered_by_band",
    "graph_from_gdfs",
    "graph_to_gdfs",
    "reach",
    "reach_times",
    "route",
    "validate_graph",
]
