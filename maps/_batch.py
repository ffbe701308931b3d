"""Markers and lines drawn by one script per layer instead of one folium element each.

folium turns every element it renders (a marker, its tooltip, its popup)
into a new jinja template that it compiles again when the page is saved:
three compilations per place, most of the time a reach map took to write.
:func:`add_circle` and :func:`add_line` only record what to draw; at
:func:`flush` each layer gets one :class:`Batch` whose script makes the same
Leaflet objects (``L.circleMarker`` / ``L.polyline`` with the same options,
sticky tooltip, popup of at most 420 px) from a JSON list, in drawing order.
"""

from __future__ import annotations

import json
from typing import Any

from branca.element import MacroElement
from folium.template import Template

__all__ = ["Batch", "add_circle", "add_line", "flush"]


class Batch(MacroElement):
    """One layer's circle markers and lines, drawn in order from a JSON list."""

    _template = Template("""
        {% macro script(this, kwargs) %}
            (function() {
                var target = {{ this._parent.get_name() }};
                /* qjnet-batch */{{ this.items_js }}.forEach(function(it) {
                    var f = it.k === "c" ? L.circleMarker(it.g, it.o) : L.polyline(it.g, it.o);
                    f.addTo(target);
                    if (it.t) { f.bindTooltip("<div>" + it.t + "</div>", {sticky: true}); }
                    if (it.p) {
                        f.bindPopup(L.popup({maxWidth: 420}).setContent(
                            '<div style="width: 100.0%; height: 100.0%;">' + it.p + "</div>"));
                    }
                });
            })();
        {% endmacro %}
    """)

    def __init__(self, items: list[dict]):
        super().__init__()
        self._name = "Batch"
        self.items_js = script_json(items)


def script_json(value: Any) -> str:
    """``value`` as a JavaScript literal safe inside ``<script>``, with its text readable (not ``\\u`` escaped).

    Only the sequences that could end the script element or open an HTML
    comment (``</``, ``<!``) and the two line separators JavaScript once
    rejected in strings are escaped.
    """
    text = json.dumps(value, ensure_ascii=False)
    return (text.replace("</", "<\\/").replace("<!", "\\u003c!")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def _pending(canvas: Any, target: Any) -> list[dict]:
    key = id(target)
    if key not in canvas.pending:
        canvas.pending[key] = (target, [])
    return canvas.pending[key][1]


def add_circle(canvas: Any, target: Any, latlon: list[float], options: dict, tooltip: str | None,
               popup_html: str | None) -> None:
    """Record a circle marker (Leaflet ``options``; ``tooltip`` and ``popup_html`` already escaped HTML)."""
    _pending(canvas, target).append({"k": "c", "g": latlon, "o": options, "t": tooltip, "p": popup_html})


def add_line(canvas: Any, target: Any, parts: list, options: dict, tooltip: str | None,
             popup_html: str | None) -> None:
    """Record a polyline of one part (a list of ``[lat, lon]``)."""
    _pending(canvas, target).append({"k": "l", "g": parts, "o": options, "t": tooltip, "p": popup_html})


def flush(canvas: Any) -> None:
    """Add one :class:`Batch` to every layer that has something recorded, and forget the records."""
    for target, items in canvas.pending.values():
        if items:
            Batch(items).add_to(target)
    canvas.pending.clear()
