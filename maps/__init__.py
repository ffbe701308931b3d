"""maps: folium rendering of qjnet results; self-contained (offline) HTML.

Each function returns a ``folium.Map`` (it renders inline in notebooks);
:func:`save` writes it as one HTML file that works with no network.
"""

from maps.circle import circle_map
from maps.compare import compare_map
from maps.escape import esc
from maps.network import network_map
from maps.offline import OfflineError, save
from maps.reach import reach_map
from maps.route import route_map

__all__ = ["OfflineError", "circle_map", "compare_map", "esc", "network_map", "reach_map", "route_map", "save"]
