"""Freight: a multimodal freight graph, routing by time, cost or CO2, Pareto sets, catchments.

The freight graph is built from the same dataset as the passenger graph plus the
dataset's ``freight.json`` (``ds.extras["freight"]``), which holds every freight
figure (handling, unit costs, emission factors, speeds, capacities), each with a
``source`` or an ``assumption``.

Graph contract (a :class:`networkx.MultiDiGraph`, ``G.graph["kind"] == "freight"``)

Nodes
    ``<id>``            a *site*: a dataset node of kind place, logistics or airport (or listed in
                        freight.json) reachable by truck; stations, GA airfields and sights have
                        no freight access.
                        Attributes ``site``, ``layer="site"``, ``x``, ``y`` (WGS-84), ``kind``,
                        ``name_zh``, ``name_en``.
    ``<id>|rail:dep``   the rail side of a yard where boxes wait for a train (``layer="rail:dep"``);
    ``<id>|rail:arr``   where they arrive by train (``layer="rail:arr"``); the same for ``air``.
Edges (every edge: ``mode``, ``hours``, ``km``, ``cost_teu``, ``cost_tonne``, ``co2_teu``,
``co2_tonne`` per unit of cargo, ``teu_ok``, ``refs_teu`` / ``refs_tonne`` = keys of the figures used)
    ``road``      truck on a dataset link (expressway, road, access, transfer) or a freight.json
                  trunk road, between sites; km = ``length_km`` x ``circuity`` of the link (else
                  great circle x ``modes.road.circuity``); time = km / truck speed of the road class.
    ``rail``      a ride on one freight_rail service from a yard to a later yard of its stopping
                  pattern (no transshipment at the stops in between); hours = expected wait for the
                  train + running time (the service's segment minutes; with
                  ``modes.rail.running_speed_kmh`` set, "derived" segments are re-derived as
                  rail km / speed); km = great circle between consecutive stops x ``modes.rail.circuity``.
    ``air``       a ride on an air service between cargo airports (tonnes only: no containers fly).
    ``handling``  a transshipment at a node that handles both modes (listed in freight.json):
                  site -> ``|rail:dep`` (load), ``|rail:arr`` -> site (unload),
                  ``|rail:arr`` -> ``|rail:dep`` (train to train); costs the node's handling time
                  and money.  Modes change nowhere else.

A chain starts at the origin site (the box is on a truck there) and ends when the box reaches the
destination by any mode (a train arriving at the port ends the chain; the onward sea transfer is
the same for every chain and not counted).

Modules: :mod:`.params` (the figures of ``freight.json`` and overrides), :mod:`.graph`
(:func:`build_freight_graph`), :mod:`.routing` (:func:`freight_route`, :func:`freight_pareto`),
:mod:`.analysis` (:func:`catchment`, :func:`compare_freight`, :func:`yards`).
"""

from __future__ import annotations

# the public names, and the option checks the command line uses
from .analysis import DEFAULT_PORT as DEFAULT_PORT
from .analysis import FreightComparison, catchment, compare_freight, yards
from .graph import build_freight_graph
from .params import CARGOS, OBJECTIVES, FreightParams, Param, apply_overrides, load_freight_params, parse_overrides
from .params import FREIGHT_KINDS as FREIGHT_KINDS
from .params import FREIGHT_MODES as FREIGHT_MODES
from .params import ROAD_LINK_MODES as ROAD_LINK_MODES
from .params import _check_cargo as _check_cargo
from .params import _check_objective as _check_objective
from .routing import FreightChain, FreightLeg, freight_pareto, freight_route

__all__ = [
    "CARGOS",
    "OBJECTIVES",
    "FreightChain",
    "FreightComparison",
    "FreightLeg",
    "FreightParams",
    "Param",
    "apply_overrides",
    "build_freight_graph",
    "catchment",
    "compare_freight",
    "freight_pareto",
    "freight_route",
    "load_freight_params",
    "parse_overrides",
    "yards",
]

