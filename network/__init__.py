"""network: qjnet's model — graph building, scenarios, routing, reachability, accessibility, matrices.

The public functions are imported lazily so ``import network`` stays cheap.
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "build_graph": "network.build",
    "TimeParams": "network.params",
    "PASSENGER_MODES": "network.params",
    "graph_to_gdfs": "network.convert",
    "graph_from_gdfs": "network.convert",
    "validate_graph": "network.convert",
    "route": "network.route",
    "Itinerary": "network.route",
    "Leg": "network.route",
    "reach": "network.reach",
    "reach_times": "network.reach",
    "economic_circle": "network.access",
    "circle_summary": "network.access",
    "accessibility": "network.access",
    "compare": "network.compare",
    "entered_by_band": "network.compare",
}

__all__ = list(_EXPORTS)


def __getattr__(name):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'network' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))
