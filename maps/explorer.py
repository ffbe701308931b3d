"""An accessibility explorer in one offline HTML file (after Conveyal Analysis).

The page holds the travel times of every place and station to every other
one, precomputed by the caller with :func:`network.matrix.node_minutes` on the baseline graph
and, optionally, on a scenario graph; JavaScript in the page (no server, no
network) then answers the questions as the user moves the controls: choose
an origin (click a marker or pick it from the list), a time budget (15-240
minutes) and a view (baseline, scenario, or the difference in minutes saved);
the page shows the places and population reached, a chart of population
reached against minutes, the reached nodes coloured by minutes and,
optionally, simple isochrone circles (each reached node buffered by the time
left at 20 km/h, at most 60 minutes of local travel, as
:mod:`network.isochrones` does).

Minutes are embedded as base64 of little-endian ``uint16`` tenths of a
minute, rounded up (``65535``: not reached), so "within B minutes" in the
page is exactly ``minutes <= B`` of the matrix for whole-minute budgets.
Counts follow :func:`network.access.accessibility`: the other county-level
places reached and their population (places without a figure count 0).

With the provenance of every pair (:func:`network.pair_provenance.node_provenance`)
each tooltip also gives the range of the answer and its published share
(``"131 min (85–179) · published 0%"``), and places reached mostly on
modelled minutes are drawn paler with a dashed outline, whatever origin,
budget and view the user picks.  The range is embedded as two more
``uint16`` matrices (tenths: the low end rounded down, the high end up), the
share as ``uint8`` percent (``255``: unknown).
"""

from __future__ import annotations

import base64
import json
import logging
import math
from collections.abc import Hashable
from typing import TYPE_CHECKING, Any

import networkx as nx
import numpy as np
from branca.element import MacroElement
from folium.template import Template

from ._explorer_assets import EXPLORER_CSS, EXPLORER_JS
from .base import base_map
from .escape import esc
from .offline import render

if TYPE_CHECKING:
    from collections.abc import Sequence

    from ..geodata.io import Dataset
    from ..network.matrix import NodeMinutes
    from ..network.pair_provenance import NodeProvenance

log = logging.getLogger(__name__)

__all__ = ["BUDGET_RANGE", "explorer_data", "explorer_html"]

#: Slider range of the time budget, minutes.
BUDGET_RANGE = (15, 240)
#: Encoded value of a pair not reached.
UNREACHED = 65535
#: Isochrone circles: local travel speed and the most minutes of it (the defaults of network.isochrones).
ACCESS_SPEED_KMH = 20.0
MAX_ACCESS_MINUTES = 60.0


def _attrs(graphs: list[nx.MultiDiGraph], node: Hashable) -> dict:
    """The node's attributes from the first graph that has it."""
    return next(G.nodes[node] for G in graphs if node in G)


def _population(value: Any) -> int | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return int(value)


def encode_minutes(minutes: np.ndarray) -> str:
    """Minutes as base64 of little-endian uint16 tenths, rounded up; NaN and > 6553.4 min as 65535."""
    tenths = np.ceil(np.round(np.asarray(minutes, dtype=float) * 10.0, 6))
    tenths = np.where(np.isfinite(tenths) & (tenths < UNREACHED), tenths, UNREACHED)
    return base64.b64encode(tenths.astype("<u2").tobytes()).decode("ascii")


def encode_provenance(prov: NodeProvenance | None) -> dict | None:
    """``{"low", "high", "share"}`` base64: low end floored and high end ceiled to uint16 tenths, share uint8 %."""
    if prov is None:
        return None
    low = np.floor(np.round(np.asarray(prov.low, dtype=float) * 10.0, 6))
    low = np.where(np.isfinite(low) & (low < UNREACHED), low, UNREACHED)
    share = np.round(np.asarray(prov.published_share, dtype=float) * 100.0)
    share = np.where(np.isfinite(share), np.clip(share, 0, 100), 255)
    return {"low": base64.b64encode(low.astype("<u2").tobytes()).decode("ascii"),
            "high": encode_minutes(prov.high),
            "share": base64.b64encode(share.astype("u1").tobytes()).decode("ascii")}


def graph_label(G: nx.MultiDiGraph) -> str:
    """What a graph shows: its scenario (if any) and date, e.g. ``plan-2035 2035-12-31``."""
    parts = [str(G.graph.get(k)) for k in ("scenario", "date") if G.graph.get(k)]
    return " ".join(parts) or "network"


def explorer_data(baseline_graph: nx.MultiDiGraph, scenario_graph: nx.MultiDiGraph | None = None, *,
                  minutes: NodeMinutes, labels: tuple[str, str] | None = None,
                  provenance: Sequence[NodeProvenance | None] | None = None) -> dict:
    """The data the explorer page embeds: nodes (names escaped) and the encoded matrices.

    Parameters
    ----------
    baseline_graph, scenario_graph
        Graphs from :func:`network.build_graph`; the scenario is optional.
    minutes
        The minutes among the graphs' places and stations, computed by
        :func:`qjnet.network.matrix.node_minutes` (maps compute nothing of the model).
    labels
        Names of the two sides (default from each graph's scenario and date).
    provenance
        ``(baseline, scenario)`` :class:`network.pair_provenance.NodeProvenance` among
        ``minutes.nodes`` (:func:`network.pair_provenance.node_provenance`), or ``None``.

    Returns
    -------
    dict
        ``ids``, ``zh``, ``en`` (escaped), ``kind``, ``lat``, ``lon``, ``pop``,
        ``places`` (how many leading nodes are county-level places), ``base`` and
        ``scen`` (encoded minutes, row = origin; ``scen`` is ``None`` without a
        scenario), ``prov`` (``{"base", "scen"}`` of :func:`encode_provenance`, or
        ``None``), ``labels``, ``speed_kmh``, ``max_access_min``, ``budget``.

    Examples
    --------
    >>> from qjnet.network import build_graph
    >>> from qjnet.network.matrix import node_minutes
    >>> G = build_graph(date="2025-07-03")
    >>> data = explorer_data(G, minutes=node_minutes(G))
    >>> data["places"], data["scen"] is None, len(data["base"]) == 4 * math.ceil(2 * len(data["ids"]) ** 2 / 3)
    (34, True, True)
    """
    graphs = [baseline_graph] + ([scenario_graph] if scenario_graph is not None else [])
    nodes = minutes.nodes
    attrs = [_attrs(graphs, n) for n in nodes]
    if labels is None:
        labels = (graph_label(baseline_graph), graph_label(scenario_graph) if scenario_graph is not None else "")
    return {
        "ids": [esc(n) for n in nodes],
        "zh": [esc(a.get("name_zh") or n) for n, a in zip(nodes, attrs, strict=True)],
        "en": [esc(a.get("name_en") or "") for a in attrs],
        "kind": [esc(a.get("kind")) for a in attrs],
        "lat": [round(float(a["y"]), 5) for a in attrs],
        "lon": [round(float(a["x"]), 5) for a in attrs],
        "pop": [_population(a.get("population")) for a in attrs],
        "places": sum(a.get("kind") == "place" for a in attrs),
        "base": encode_minutes(minutes.base),
        "scen": encode_minutes(minutes.scen) if minutes.scen is not None else None,
        "prov": _provenance(provenance, nodes),
        "labels": [esc(label) for label in labels],
        "speed_kmh": ACCESS_SPEED_KMH,
        "max_access_min": MAX_ACCESS_MINUTES,
        "budget": list(BUDGET_RANGE),
    }


def _provenance(provenance: Sequence[NodeProvenance | None] | None, nodes: list) -> dict | None:
    """The encoded provenance of both sides, checked to be among the same nodes as the minutes."""
    if provenance is None:
        return None
    from ..geodata.errors import OptionError

    sides = [*provenance, None, None][:2]
    for p in sides:
        if p is not None and list(p.nodes) != list(nodes):
            raise OptionError("the provenance must be among the same nodes as the minutes: "
                              "node_provenance(G, node_minutes(...).nodes)")
    return {"base": encode_provenance(sides[0]), "scen": encode_provenance(sides[1])}


class _Explorer(MacroElement):
    """The explorer's CSS, data and script, attached to a folium map."""

    _template = Template("""
        {% macro header(this, kwargs) %}
            <style>{{ this.css }}</style>
        {% endmacro %}
        {% macro script(this, kwargs) %}
            window.qjnetExplorerData = {{ this.data|tojson }};
            window.qjnetExplorerTitle = {{ this.title|tojson }};
            {{ this.js }}
            qjnetExplorer({{ this._parent.get_name() }}, window.qjnetExplorerData, window.qjnetExplorerTitle);
        {% endmacro %}
    """)

    def __init__(self, data: dict, title: str):
        super().__init__()
        self._name = "Explorer"
        self.data = data
        self.title = title
        self.js = EXPLORER_JS.replace("</", "<\\/")
        self.css = EXPLORER_CSS


def explorer_html(baseline_graph: nx.MultiDiGraph, scenario_graph: nx.MultiDiGraph | None = None, *,
                  minutes: NodeMinutes, dataset: Dataset | None, title: str | None = None,
                  labels: tuple[str, str] | None = None,
                  provenance: Sequence[NodeProvenance | None] | None = None) -> str:
    """One self-contained HTML page to explore accessibility from every place (no server, no network).

    Parameters
    ----------
    baseline_graph
        Graph from :func:`network.build_graph` (e.g. ``date="2025-07-03"``).
    scenario_graph
        Optional second graph (another date, a scenario, a what-if); enables the
        scenario and difference (minutes saved) views.
    minutes
        From :func:`qjnet.network.matrix.node_minutes` on the same graphs.
    dataset
        A loaded :class:`geodata.io.Dataset` whose county boundaries become the
        basemap (``None``: no basemap).
    title
        Plain text shown at the top of the panel (escaped); default names the sides.
    labels
        Names of the baseline and scenario sides (default from the graphs).
    provenance
        ``(baseline, scenario)`` from :func:`network.pair_provenance.node_provenance`
        on the same graphs and nodes: tooltips then give each answer's range and
        published share; ``None`` leaves them out.

    Returns
    -------
    str
        The page: Leaflet inlined, the matrices embedded, every name escaped.

    Raises
    ------
    OfflineError
        Something in the page would need the network (never for qjnet's own page).

    Examples
    --------
    >>> from qjnet.geodata.io import load_dataset
    >>> from qjnet.network import build_graph
    >>> ds = load_dataset()
    >>> from qjnet.network.matrix import node_minutes
    >>> G = build_graph(ds, date="2025-07-03")
    >>> page = explorer_html(G, minutes=node_minutes(G), dataset=ds)
    >>> "qjnetExplorer(" in page, "<script src=" in page
    (True, False)
    """
    data = explorer_data(baseline_graph, scenario_graph, minutes=minutes, labels=labels, provenance=provenance)
    if title is None:
        title = "可达性探索 Accessibility explorer"
    canvas = base_map(dataset)
    _Explorer(data, esc(title)).add_to(canvas.map)
    page = render(canvas.map)
    embedded = len(json.dumps(data, ensure_ascii=False).encode("utf-8"))
    log.info("Explorer page: %d nodes, %d kB embedded data, %d kB in all", len(data["ids"]), embedded // 1024,
             len(page.encode("utf-8")) // 1024)
    return page
