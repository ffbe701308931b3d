"""maps: qjnet results as folium maps (self-contained offline HTML) or static figures (PNG, SVG, PDF).

Each ``*_map`` function returns a ``folium.Map`` (it renders inline in
notebooks); :func:`save` writes it as one HTML file that works with no
network.  Each ``*_figure`` function draws the same map as an A4
matplotlib figure for reports; :func:`save_figure` writes PNG, SVG or PDF.
"""

from .circle import circle_map
from .compare import compare_map
from .escape import esc
from .explorer import explorer_html
from .network import network_map
from .offline import OfflineError, save
from .reach import reach_map
from .route import route_map
from .static import (
    FontMissingError,
    circle_figure,
    compare_figure,
    freight_figure,
    network_figure,
    reach_figure,
    route_figure,
    save_figure,
    static_map,
)

__all__ = ["FontMissingError", "OfflineError", "circle_figure", "circle_map", "compare_figure", "compare_map", "esc",
           "explorer_html",
           "freight_figure", "network_figure", "network_map", "reach_figure", "reach_map", "route_figure", "route_map", "save",
           "save_figure", "static_map"]
