"""Print-friendly HTML maps: a button folds the legend and layer list away, place labels by zoom.

On a map narrower than :data:`COMPACT_WIDTH` pixels (a phone, a small window,
an 800x600 print preview) the legend and the layer control start folded behind
one button, so they no longer cover the map; the button shows them again.  The
county seats are named on the map (Chinese over English) from zoom
:data:`LABEL_ZOOM` on, as plain text the mouse passes through.
"""

from __future__ import annotations

from typing import Any

import folium
from branca.element import MacroElement
from folium.template import Template

from ._batch import script_json
from .escape import esc

#: the legend and layer list fold away behind one button; place labels from zoom 8
PRINT_CSS = (
    ".qjnet-collapsed .qjnet-legend, .qjnet-collapsed .leaflet-control-layers { display: none; }\n"
    "a.qjnet-toggle { display: block; background: #fff; padding: 3px 8px; border-radius: 4px; color: #222;"
    " box-shadow: 0 1px 4px rgba(0,0,0,0.3); font: 12px 'WenQuanYi Micro Hei', sans-serif;"
    " text-decoration: none; }\n"
    ".qjnet-label { pointer-events: none !important; white-space: nowrap; font: 12px/1.1 'WenQuanYi Micro Hei',"
    " sans-serif; color: #1a1a1a; text-shadow: 0 0 2px #fff, 0 0 2px #fff, 0 0 3px #fff; }\n"
    ".qjnet-label small { font-size: 10px; color: #444; }\n"
    ".qjnet-labels-off .qjnet-label { display: none; }\n"
    "@media print { a.qjnet-toggle, .leaflet-control-zoom { display: none; } }\n")
#: below this map width (pixels) the legend and the layer control start folded
COMPACT_WIDTH = 900
#: place labels show from this zoom level on
LABEL_ZOOM = 8


def add_place_labels(canvas: Any, nodes: Any) -> int:
    """Name the county seats (places) on a :class:`maps.base.Canvas`, Chinese over English, from zoom :data:`LABEL_ZOOM`.

    Labels are plain text beside the point (not in the layer control, not
    clickable: the mouse reaches the features under them).  Returns the count.
    """
    if nodes is None or not len(nodes) or "kind" not in nodes.columns:
        return 0
    group = folium.FeatureGroup(name="labels", control=False)
    labels = []
    for nid, row in nodes[nodes["kind"] == "place"].iterrows():
        if row.geometry is None or row.geometry.is_empty:
            continue
        en = str(row.get("name_en") or "").split(" (")[0]
        html = f"{esc(row.get('name_zh') or nid)}<br><small>{esc(en)}</small>"
        labels.append([canvas.latlon(row.geometry.x, row.geometry.y), html])
    Labels(labels).add_to(group)
    group.add_to(canvas.map)
    return len(labels)


class Labels(MacroElement):
    """Text labels ``[[lat, lon], html]`` as non-interactive Leaflet div icons, made by one script."""

    _template = Template("""
        {% macro script(this, kwargs) %}
            {{ this.labels_js }}.forEach(function(it) {
                L.marker(it[0], {interactive: false, icon: L.divIcon({html: it[1], className: "qjnet-label",
                                                                       iconSize: [0, 0], iconAnchor: [-9, 8]})})
                    .addTo({{ this._parent.get_name() }});
            });
        {% endmacro %}
    """)

    def __init__(self, labels: list) -> None:
        super().__init__()
        self._name = "Labels"
        self.labels_js = script_json(labels)


class PrintMode(MacroElement):
    """Print-friendly controls: one button folds the legend and layer list (folded on narrow maps); labels by zoom."""

    _template = Template("""
        {% macro script(this, kwargs) %}
            (function() {
                var map = {{ this._parent.get_name() }}, box = map.getContainer();
                var show = {{ this.show|tojson }}, hide = {{ this.hide|tojson }};
                var button = L.control({position: 'topright'});
                button.onAdd = function() {
                    var a = L.DomUtil.create('a', 'qjnet-toggle');
                    a.href = '#'; a.setAttribute('role', 'button');
                    L.DomEvent.disableClickPropagation(a);
                    L.DomEvent.on(a, 'click', function(e) {
                        L.DomEvent.preventDefault(e);
                        box.classList.toggle('qjnet-collapsed'); label();
                    });
                    return a;
                };
                function label() {
                    var folded = box.classList.contains('qjnet-collapsed'), a = box.querySelector('.qjnet-toggle');
                    a.textContent = folded ? show : hide;
                    a.setAttribute('aria-expanded', folded ? 'false' : 'true');
                }
                function zoomed() {
                    box.classList.toggle('qjnet-labels-off', map.getZoom() < {{ this.label_zoom }});
                }
                button.addTo(map);
                if (box.clientWidth < {{ this.compact_width }}) box.classList.add('qjnet-collapsed');
                label(); zoomed();
                map.on('zoomend', zoomed);
            })();
        {% endmacro %}
    """)

    def __init__(self) -> None:
        super().__init__()
        self._name = "PrintMode"
        self.show = "☰ 图例 Legend"
        self.hide = "✕ 收起 Hide legend"
        self.compact_width = COMPACT_WIDTH
        self.label_zoom = LABEL_ZOOM
