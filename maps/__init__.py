"""maps: folium rendering of qjnet results; self-contained (offline) HTML.

Each function returns a ``folium.Map`` (it renders inline in notebooks);
:func:`save` writes it as one HTML file that works with no network.
"""

from .circle import circle_map
from .compare import compare_map
from .escape import esc
from .network import network_map
from .offline import OfflineError, save
from .reach import reach_map
from .route import route_map

__all__ = ["OfflineError", "circle_map", "compare_map", "esc", "network_map", "reach_map", "route_map", "save"]
