"""maps: qjnet results as folium maps (self-contained offline HTML) or static figures (PNG, SVG, PDF).

Each ``*_map`` function returns a ``folium.Map`` (it renders inline in
notebooks); :func:`save` writes it as one HTML file that works with no
network.  Each ``*_figure`` function draws the same map as an A4
matplotlib figure for reports; :func:`save_figure` writes PNG, SVG or PDF.
"""

from __future__ import annotations

import importlib

#: public name -> the module that defines it; each module (and folium or
#: matplotlib with it) is imported on first use, so drawing one map loads
#: only that map's code
_EXPORTS = {
    "circle_map": "circle", "compare_map": "compare", "esc": "escape", "explorer_html": "explorer",
    "network_map": "network", "OfflineError": "offline", "save": "offline", "reach_map": "reach",
    "route_map": "route", **dict.fromkeys(
        ("FontMissingError", "circle_figure", "compare_figure", "freight_figure", "network_figure", "reach_figure",
         "route_figure", "save_figure", "static_map"), "static"),
}


def __getattr__(name: str) -> object:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})


__all__ = ["FontMissingError", "OfflineError", "circle_figure", "circle_map", "compare_figure", "compare_map", "esc",
           "explorer_html",
           "freight_figure", "network_figure", "network_map", "reach_figure", "reach_map", "route_figure", "route_map", "save",
           "save_figure", "static_map"]
