"""The freight graph: sites, yard layers, truck roads, freight trains, air cargo and transshipment."""

from __future__ import annotations

import itertools
import logging
import math
from collections.abc import Mapping

import networkx as nx

from .params import FREIGHT_KINDS, ROAD_LINK_MODES, _check_cargo, load_freight_params

log = logging.getLogger(__name__)


_EARTH_KM = 6371.0088


def _gc_km(a: tuple, b: tuple) -> float:
    lon1, lat1, lon2, lat2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * _EARTH_KM * math.asin(min(1.0, math.sqrt(h)))


def _isnull(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def _departures_per_week(svc) -> float | None:
    days = svc.get("days")
    ndays = len(days) if isinstance(days, (list, tuple)) and len(days) else 7
    if not _isnull(svc.get("per_day")) and float(svc["per_day"]) > 0:
        return float(svc["per_day"]) * ndays
    if not _isnull(svc.get("headway_min")) and float(svc["headway_min"]) > 0:
        return 1440.0 / float(svc["headway_min"]) * ndays
    return None


def _record(ds_row, layer: str) -> dict:
    out = {"key": f"{layer}:{ds_row['id']}", "source": ds_row.get("source")}
    if layer == "services":
        if ds_row.get("assumptions"):
            out["assumption"] = ds_row.get("assumptions")
        ts = ds_row.get("time_source")
        if isinstance(ts, (list, tuple)):
            out["time_source"] = sorted(set(ts))
    elif layer == "links" and not _isnull(ds_row.get("time_source")):
        out["time_source"] = ds_row.get("time_source")
    return out


def build_freight_graph(dataset=None, *, date=None, scenario: str | None = None, cargo: str = "teu",
                        params: Mapping | None = None) -> nx.MultiDiGraph:
    """Build the freight graph of a dataset (see the module docstring for the contract).

    Parameters
    ----------
    dataset
        A :class:`geodata.io.Dataset`, a dataset folder, or ``None`` for the embedded dataset.
    date, scenario
        Keep only what exists on ``date`` under ``scenario`` (as :func:`geodata.io.load_dataset`);
        e.g. before 2024-02-29 the Qianjiang yard's corridor train does not exist.
    cargo
        Default unit of the routing functions: ``"teu"`` (one loaded 20-ft container) or
        ``"tonne"``.  Edges carry both; air edges only serve tonnes.
    params
        Overrides of the freight figures, ``{key: value}`` (see :func:`load_freight_params`).

    Returns
    -------
    networkx.MultiDiGraph
        ``G.graph`` holds ``kind="freight"``, ``crs``, ``date``, ``scenario``, ``cargo``,
        ``params`` (:class:`FreightParams`), ``records`` (provenance of dataset records) and
        ``dataset_nodes`` (id -> ``(kind, (lon, lat))`` for every node of the dataset, to tell
        "unknown" from "no freight access" and point to the nearest freight node).

    Raises
    ------
    OptionError
        Unknown ``cargo`` or a bad override.
    DataError
        The dataset has no valid ``freight.json``.

    Examples
    --------
    >>> from qjnet.network.freight import build_freight_graph
    >>> G = build_freight_graph(date="2025-07-01")
    >>> G.graph["kind"], "qj_freight|rail:dep" in G
    ('freight', True)
    """
    from ...geodata.io import Dataset, apply_selection, load_dataset, parse_date

    cargo = _check_cargo(cargo)
    if isinstance(dataset, Dataset):
        ds = apply_selection(dataset, date=date, scenario=scenario) if (date or scenario) else dataset
    else:
        ds = load_dataset(dataset, date=date, scenario=scenario)
    fparams = load_freight_params(ds.extras.get("freight"), overrides=params,
                                  file=str(ds.path / "freight.json"))
    P = fparams.__getitem__
    G = nx.MultiDiGraph(kind="freight", crs="EPSG:4326", date=ds.date if ds.date else parse_date(date),
                        scenario=ds.scenario, cargo=cargo, params=fparams, records={},
                        dataset_nodes={nid: (kind, (g.x, g.y) if g is not None else None)
                                       for nid, kind, g in zip(ds.nodes.index, ds.nodes["kind"], ds.nodes.geometry, strict=False)})
    nodes = ds.nodes
    coords = {nid: (geom.x, geom.y) for nid, geom in zip(nodes.index, nodes.geometry, strict=False) if geom is not None}
    payload = P("cargo.teu_payload_t")

    def add_site(nid):
        if nid not in G:
            row = nodes.loc[nid]
            x, y = coords.get(nid, (None, None))
            G.add_node(nid, site=nid, layer="site", x=x, y=y, kind=row.get("kind"),
                       name_zh=row.get("name_zh"), name_en=row.get("name_en"))

    def add_layer(nid, layer):
        name = f"{nid}|{layer}"
        if name not in G:
            add_site(nid)
            G.add_node(name, **{**G.nodes[nid], "layer": layer})
        return name

    # roads ------------------------------------------------------------------
    freight_nodes = {nid for nid, kind in zip(nodes.index, nodes["kind"], strict=False) if kind in FREIGHT_KINDS}
    freight_nodes |= set(fparams.node_modes) & set(nodes.index)
    n_road = 0
    links = ds.links
    for lid, row in links.iterrows():
        mode = row.get("mode")
        if mode not in ROAD_LINK_MODES:
            continue
        a, b = row["from"], row["to"]
        if a not in coords or b not in coords or a not in freight_nodes or b not in freight_nodes:
            continue
        refs = [f"links:{lid}", f"modes.road.speed_kmh.{mode}"]
        length = row.get("length_km")
        if not _isnull(length) and float(length) > 0:
            circ = row.get("circuity")
            km = float(length) * (float(circ) if not _isnull(circ) else 1.0)
        else:
            geom = row.geometry
            pts = list(geom.coords) if geom is not None and len(geom.coords) >= 2 else [coords[a], coords[b]]
            km = sum(_gc_km(p, q) for p, q in itertools.pairwise(pts)) * P("modes.road.circuity")
            refs.append("modes.road.circuity")
        geom_coords = tuple(row.geometry.coords) if row.geometry is not None else (coords[a], coords[b])
        G.graph["records"][f"links:{lid}"] = _record(row, "links")
        attrs = _road_attrs(P, km, mode, payload, refs)
        add_site(a)
        add_site(b)
        G.add_edge(a, b, key=f"links:{lid}", ref=lid, name=row.get("road") if not _isnull(row.get("road")) else None,
                   coords=geom_coords, **attrs)
        n_road += 1
        if bool(row.get("bidirectional")):
            G.add_edge(b, a, key=f"links:{lid}", ref=lid,
                       name=row.get("road") if not _isnull(row.get("road")) else None,
                       coords=tuple(reversed(geom_coords)), **attrs)
            n_road += 1
    for t in fparams.trunk_roads:
        a, b = t["from"], t["to"]
        if a not in coords or b not in coords:
            log.debug("trunk road %s skipped: %s or %s not in the dataset on this date", t["id"], a, b)
            continue
        ckey = f"trunk_roads.{t['id']}.circuity"
        km = _gc_km(coords[a], coords[b]) * P(ckey)
        refs = [ckey, f"modes.road.speed_kmh.{t['road_class']}"]
        attrs = _road_attrs(P, km, t["road_class"], payload, refs)
        add_site(a)
        add_site(b)
        for u, v in ((a, b), (b, a)):
            G.add_edge(u, v, key=f"trunk:{t['id']}", ref=t["id"], name=t.get("name"),
                       coords=(coords[u], coords[v]), **attrs)
            n_road += 1

    # scheduled services: freight trains and air cargo ------------------------
    n_ride = 0
    services = ds.services
    for sid, row in services.iterrows():
        smode = row.get("mode")
        mode = {"freight_rail": "rail", "air": "air"}.get(smode)
        if mode is None:
            continue
        stops = list(row["stops"])
        minutes = [float(m) for m in row["minutes"]]
        tsrc = list(row.get("time_source") or ["derived"] * (len(stops) - 1))
        if any(s not in coords for s in stops):
            continue
        handling = [s for s in stops if mode in fparams.node_modes.get(s, ())]
        if len(handling) < 2:
            log.debug("service %s skipped: fewer than two stops handle %s freight", sid, mode)
            continue
        G.graph["records"][f"services:{sid}"] = _record(row, "services")
        per_week = _departures_per_week(row)
        if per_week:
            wait = P(f"modes.{mode}.wait_fraction") * 168.0 / per_week
            wait_refs = [f"modes.{mode}.wait_fraction"]
        else:
            wait = P(f"modes.{mode}.wait_h_if_frequency_unknown")
            wait_refs = [f"modes.{mode}.wait_h_if_frequency_unknown"]
        seg_km, seg_h, seg_refs = [], [], []
        for i in range(len(stops) - 1):
            km = _gc_km(coords[stops[i]], coords[stops[i + 1]]) * P(f"modes.{mode}.circuity")
            refs = [f"modes.{mode}.circuity"]
            speed = P("modes.rail.running_speed_kmh") if mode == "rail" else None
            if speed is not None and (tsrc[i] if i < len(tsrc) else "derived") != "published":
                hours = km / speed
                refs.append("modes.rail.running_speed_kmh")
            else:
                hours = (minutes[i + 1] - minutes[i]) / 60.0
            seg_km.append(km)
            seg_h.append(hours)
            seg_refs.append(refs)
        directions = [list(range(len(stops)))]
        if bool(row.get("bidirectional")):
            directions.append(list(reversed(range(len(stops)))))
        for order in directions:
            for ii, jj in itertools.combinations(range(len(order)), 2):
                i, j = order[ii], order[jj]
                if stops[i] not in handling or stops[j] not in handling:
                    continue
                segs = range(min(i, j), max(i, j))
                km = sum(seg_km[s] for s in segs)
                run = sum(seg_h[s] for s in segs)
                refs = [f"services:{sid}", *wait_refs, *sorted({r for s in segs for r in seg_refs[s]})]
                path = tuple(coords[stops[order[k]]] for k in range(ii, jj + 1))
                attrs = _ride_attrs(P, mode, km, run, wait, payload, refs)
                u = add_layer(stops[i], f"{mode}:dep")
                v = add_layer(stops[j], f"{mode}:arr")
                G.add_edge(u, v, key=f"services:{sid}", ref=sid, name=row.get("name_en"), coords=path,
                           run_h=run, wait_h=wait, **attrs)
                n_ride += 1

    # transshipment at nodes that handle several modes -------------------------
    n_handling = 0
    for nid, modes in fparams.node_modes.items():
        for mode in modes:
            if mode == "road":
                continue
            dep, arr = f"{nid}|{mode}:dep", f"{nid}|{mode}:arr"
            attrs = _handling_attrs(P, nid)
            if dep in G:
                G.add_edge(nid, dep, key="handling:load", ref=nid, name="load", coords=(), **attrs)
                n_handling += 1
            if arr in G:
                G.add_edge(arr, nid, key="handling:unload", ref=nid, name="unload", coords=(), **attrs)
                n_handling += 1
            if dep in G and arr in G:
                G.add_edge(arr, dep, key="handling:transfer", ref=nid, name=f"{mode} to {mode}",
                           coords=(), **attrs)
                n_handling += 1
    log.info("Built freight graph: %d nodes, %d road, %d ride, %d handling edges%s", G.number_of_nodes(),
             n_road, n_ride, n_handling, f", date {G.graph['date']}" if G.graph["date"] else "")
    return G


def _road_attrs(P, km, road_class, payload, refs) -> dict:
    hours = km / P(f"modes.road.speed_kmh.{road_class}")
    co2_t = km * P("modes.road.co2_kg_per_tonne_km")
    return {"mode": "road", "road_class": road_class, "hours": hours, "km": km,
                "cost_teu": km * P("modes.road.cost_cny_per_teu_km"),
                "cost_tonne": km * P("modes.road.cost_cny_per_tonne_km"),
                "co2_teu": co2_t * payload, "co2_tonne": co2_t, "teu_ok": True,
                "refs_teu": tuple([*refs, "modes.road.cost_cny_per_teu_km", "modes.road.co2_kg_per_tonne_km", "cargo.teu_payload_t"]),
                "refs_tonne": tuple([*refs, "modes.road.cost_cny_per_tonne_km", "modes.road.co2_kg_per_tonne_km"])}


def _ride_attrs(P, mode, km, run, wait, payload, refs) -> dict:
    co2_t = km * P(f"modes.{mode}.co2_kg_per_tonne_km")
    teu_ok = mode == "rail"
    return {"mode": mode, "hours": wait + run, "km": km,
                "cost_teu": km * P(f"modes.{mode}.cost_cny_per_teu_km") if teu_ok else math.inf,
                "cost_tonne": km * P(f"modes.{mode}.cost_cny_per_tonne_km"),
                "co2_teu": co2_t * payload if teu_ok else math.inf, "co2_tonne": co2_t, "teu_ok": teu_ok,
                "refs_teu": tuple([*refs, f"modes.{mode}.cost_cny_per_teu_km", f"modes.{mode}.co2_kg_per_tonne_km", "cargo.teu_payload_t"]) if teu_ok else (),
                "refs_tonne": tuple([*refs, f"modes.{mode}.cost_cny_per_tonne_km", f"modes.{mode}.co2_kg_per_tonne_km"])}


def _handling_attrs(P, nid) -> dict:
    base = f"nodes.{nid}"
    has_teu = f"{base}.handling_cny_per_teu"
    try:
        cost_teu = P(has_teu)
        teu_ok = True
    except KeyError:
        cost_teu, teu_ok = math.inf, False
    return {"mode": "handling", "hours": P(f"{base}.handling_h"), "km": 0.0, "cost_teu": cost_teu,
                "cost_tonne": P(f"{base}.handling_cny_per_tonne"), "co2_teu": 0.0, "co2_tonne": 0.0, "teu_ok": teu_ok,
                "refs_teu": (f"{base}.handling_h", has_teu) if teu_ok else (),
                "refs_tonne": (f"{base}.handling_h", f"{base}.handling_cny_per_tonne")}

