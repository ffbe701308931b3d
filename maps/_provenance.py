"""How result maps show where an answer's minutes come from.

A place whose answer rests mostly on modelled minutes (derived, assumed or
the access model: published share below one half) is drawn paler with a
dashed outline; two layers of the layer control, "mostly published" and
"mostly modelled", show or hide each kind; tooltips and popups give the
range and the published share.  The numbers come in with the frame: the
columns of :func:`network.provenance.with_place_provenance`
(``published_share``, ``range_low``, ``range_high``); a frame without them
is drawn as before.
"""

from __future__ import annotations

import math
from typing import Any

import folium
from branca.element import MacroElement
from jinja2 import Template

from .base import Canvas, layer
from .escape import esc, missing

#: A place is "mostly published" from this published share of its minutes on.
MOSTLY = 0.5
PUBLISHED_LAYER = "主要公布 Mostly published"
MODELLED_LAYER = "主要模型 Mostly modelled"
#: Fill opacity of a mostly-modelled place (a published one keeps the map's usual 0.85) and its outline dashes.
MODELLED_FILL_OPACITY = 0.35
MODELLED_DASH = "4 3"
#: CSS classes of the two kinds of places (the toggle finds them by class).
CLASSES = {"published": "qjnet-published", "modelled": "qjnet-modelled"}


def kind_of(row: Any, suffix: str = "") -> str | None:
    """``"published"`` or ``"modelled"`` by the row's ``published_share``; ``None`` when unknown."""
    share = row.get(f"published_share{suffix}") if hasattr(row, "get") else None
    if missing(share):
        return None
    return "published" if float(share) >= MOSTLY else "modelled"


def style(row: Any, suffix: str = "", *, fill_opacity: float = 0.85) -> dict:
    """Keyword arguments of :func:`maps.base.circle` for the row: paler and dashed when mostly modelled."""
    kind = kind_of(row, suffix)
    if kind is None:
        return {"fill_opacity": fill_opacity}
    if kind == "modelled":
        return {"fill_opacity": MODELLED_FILL_OPACITY, "dash_array": MODELLED_DASH, "class_name": CLASSES[kind]}
    return {"fill_opacity": fill_opacity, "class_name": CLASSES[kind]}


def range_label(minutes: Any, low: Any, high: Any) -> str:
    """``"131 min (85–179)"`` (the range outward to whole minutes); ``""`` when unknown."""
    if missing(minutes) or missing(low) or missing(high):
        return ""
    return f"{float(minutes):.0f} min ({math.floor(float(low) + 1e-9)}–{math.ceil(float(high) - 1e-9)})"


def tooltip_part(row: Any, minutes: Any, suffix: str = "") -> str:
    """``" · 131 min (85–179) · published 0%"`` for a tooltip; ``""`` without provenance."""
    text = range_label(minutes, row.get(f"range_low{suffix}"), row.get(f"range_high{suffix}"))
    if not text:
        return ""
    return f" · {text} · published {float(row.get(f'published_share{suffix}')):.0%}"


def popup_rows(row: Any, minutes: Any, suffix: str = "", *, label: str = "") -> list[tuple[str, str]]:
    """Popup rows ``range`` and ``published share`` (none without provenance)."""
    text = range_label(minutes, row.get(f"range_low{suffix}"), row.get(f"range_high{suffix}"))
    if not text:
        return []
    share = float(row.get(f"published_share{suffix}"))
    kind = row.get(f"provenance{suffix}")
    return [(f"range{label}", text),
            (f"published share{label}", f"{share:.0%}" + (f" (mostly {kind})" if isinstance(kind, str) else ""))]


def has_provenance(frame: Any, suffix: str = "") -> bool:
    """Whether the frame carries a known published share for at least one place."""
    col = f"published_share{suffix}"
    return col in getattr(frame, "columns", ()) and bool(frame[col].notna().any())


class _Toggle(MacroElement):
    """Hide / show the places of one kind when its (empty) layer is switched off / on in the layer control."""

    _template = Template("""
        {% macro script(this, kwargs) %}
            (function() {
                var map = {{ this._parent.get_name() }};
                var groups = [{{ this.groups|join(', ') }}];
                var toggles = [[{{ this.published }}, {{ this.classes.published|tojson }}],
                               [{{ this.modelled }}, {{ this.classes.modelled|tojson }}]];
                var hidden = {};
                function has(l, cls) {
                    var c = (l.options && l.options.className) || "";
                    return (" " + c + " ").indexOf(" " + cls + " ") >= 0;
                }
                function hide(cls) {
                    hidden[cls] = hidden[cls] || [];
                    groups.forEach(function(g) {
                        var out = [];
                        g.eachLayer(function(l) { if (has(l, cls)) out.push(l); });
                        out.forEach(function(l) { g.removeLayer(l); hidden[cls].push([g, l]); });
                    });
                }
                function show(cls) {
                    (hidden[cls] || []).forEach(function(p) { p[0].addLayer(p[1]); });
                    hidden[cls] = [];
                }
                map.on("overlayremove", function(e) {
                    toggles.forEach(function(t) { if (e.layer === t[0]) hide(t[1]); });
                });
                map.on("overlayadd", function(e) {
                    toggles.forEach(function(t) { if (e.layer === t[0]) show(t[1]); });
                });
            })();
        {% endmacro %}
    """)

    def __init__(self, groups: list[str], published: str, modelled: str):
        super().__init__()
        self._name = "ProvenanceToggle"
        self.groups, self.published, self.modelled, self.classes = groups, published, modelled, CLASSES


def add_toggle(canvas: Canvas) -> None:
    """The two layers "mostly published" / "mostly modelled" and the script that makes them show or hide places.

    Call after every place is drawn (the script lists the map's layers as they are then).
    """
    groups = [c.get_name() for c in canvas.map._children.values() if isinstance(c, folium.FeatureGroup)]
    published, modelled = layer(canvas, PUBLISHED_LAYER), layer(canvas, MODELLED_LAYER)
    _Toggle(groups, published.get_name(), modelled.get_name()).add_to(canvas.map)


def legend_part(what: str = "places") -> str:
    """Escaped legend lines: a full and a pale dashed swatch, and how to read the range."""
    full = "<span class='dot' style='background:#31a354;border:1.5px solid #333'></span>"
    pale = (f"<span class='dot' style='background:#31a354;opacity:{MODELLED_FILL_OPACITY + 0.15};"
            "border:1.5px dashed #333'></span>")
    return (f"<div>{full}{esc(f'mostly published (≥ {MOSTLY:.0%} of the minutes)')}</div>"
            f"<div>{pale}{esc('mostly modelled: derived, assumed, access model')}</div>"
            f"<div style='color:#555;max-width:260px'>"
            f"{esc(f'Tooltips give each answer as minutes (range) and its published share; the layers “mostly published” / “mostly modelled” show or hide the {what}.')}"
            "</div>")
