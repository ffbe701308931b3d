"""Engine commands: route, reach, circle, compare, access.

Thin: parse options, build the graph, call one library function, emit.
Heavy imports (geopandas, networkx, scipy) happen inside the commands.
"""

from __future__ import annotations

import click

from qjnet.cli._common import Result, emit, output_options


def graph_options(func):
    """``--data``, ``--date``, ``--scenario`` and ``--modes`` for commands that build a graph."""
    func = click.option("--modes", default=None, metavar="M1,M2",
                        help="Modes to use (hsr,rail,air,ga,freight_rail,expressway,road); "
                             "default: every passenger mode. Access links are always kept.")(func)
    func = click.option("--scenario", "-s", default=None, help="Scenario name from the dataset's scenarios.json.")(func)
    func = click.option("--date", "-d", default=None, metavar="YYYY-MM-DD",
                        help="Travel date: only what exists then, only services running that weekday.")(func)
    func = click.option("--data", "data", default=None, type=click.Path(),
                        help="Dataset folder (default: the embedded Qianjiang dataset).")(func)
    return func


def _graph(data, date, scenario, modes, *, dataset=None):
    from network.build import build_graph

    if dataset is None:
        from geodata.io import load_dataset

        dataset = load_dataset(data)
    return build_graph(dataset, date=date, scenario=scenario, modes=modes)


def _place(G, text: str) -> str:
    """Resolve a place argument to a node id of ``G``."""
    from network import _layers

    try:
        from geodata import lookup
    except ImportError:
        lookup = None
    if text in G and G.nodes[text].get("kind") != "service_stop":
        return text
    if lookup is not None and hasattr(lookup, "resolve_id"):
        return lookup.resolve_id(G, text)
    _layers.check_node(G, text)
    return text


def _meta(G, **extra) -> dict:
    meta = {"date": G.graph.get("date"), "weekday": G.graph.get("weekday"), "scenario": G.graph.get("scenario"),
            "modes": G.graph.get("modes"), "params": G.graph.get("params")}
    meta.update(extra)
    return meta


@click.command("route")
@click.argument("origin")
@click.argument("destination")
@graph_options
@output_options
def route(origin, destination, data, date, scenario, modes, fmt, output):
    """Fastest trip from ORIGIN to DESTINATION, leg by leg.

    Exits 1 when no trip exists.  Example: qjnet route chongqing_east qianjiang_stn --date 2025-07-01
    """
    from network.route import route as find_route

    G = _graph(data, date, scenario, modes)
    a, b = _place(G, origin), _place(G, destination)
    it = find_route(G, a, b)
    payload = it.to_dict()
    payload["weekday"] = G.graph.get("weekday")
    rows = []
    for leg in it.legs:
        d = leg.to_dict()
        d["depart"] = leg.depart
        d["from_name"] = G.nodes[leg.from_].get("name_zh")
        d["to_name"] = G.nodes[leg.to].get("name_zh")
        rows.append(d)
    meta = _meta(G, **{"from": a, "to": b, "minutes": round(it.minutes, 3)})
    emit(Result(payload=payload, rows=rows, gdf=_legs_gdf(G, it, meta) if fmt == "geojson" else None,
                columns=["mode", "service", "from", "from_name", "to", "to_name", "depart", "wait_minutes", "minutes"],
                meta=meta), fmt, output)


def _legs_gdf(G, it, meta):
    import geopandas as gpd
    from shapely.geometry import LineString

    rows, geoms = [], []
    for leg in it.legs:
        pts = [(G.nodes[s]["x"], G.nodes[s]["y"]) for s in (leg.stops or (leg.from_, leg.to))]
        if len(pts) < 2:
            pts = pts * 2
        rows.append({**leg.to_dict(), "depart": leg.depart})
        geoms.append(LineString(pts))
    return gpd.GeoDataFrame(rows, geometry=geoms, crs=G.graph.get("crs"))


@click.command("reach")
@click.argument("origin")
@click.option("--minutes", "-m", "minutes", default=60.0, show_default=True, type=float,
              help="Time budget in minutes.")
@click.option("--reverse", is_flag=True, help="Who reaches ORIGIN within the budget (instead of where ORIGIN reaches).")
@graph_options
@output_options
def reach(origin, minutes, reverse, data, date, scenario, modes, fmt, output):
    """Every place and station reached from ORIGIN within --minutes, fastest first."""
    from network.params import check_minutes
    from network.reach import reach as find_reach

    budget = check_minutes(minutes, name="--minutes")
    G = _graph(data, date, scenario, modes)
    a = _place(G, origin)
    gdf = find_reach(G, a, minutes=budget, reverse=reverse)
    places = []
    for nid, row in gdf.iterrows():
        places.append({"id": nid, "name_zh": row["name_zh"], "name_en": row["name_en"], "kind": row["kind"],
                       "minutes": round(float(row["minutes"]), 3), "mode": row["mode"]})
    meta = _meta(G, origin=a, minutes=budget, reverse=reverse)
    payload = {"origin": a, "minutes": budget, "reverse": reverse, "places": places,
               "date": meta["date"], "weekday": meta["weekday"], "scenario": meta["scenario"],
               "modes": meta["modes"], "params": meta["params"]}
    out = gdf.reset_index().rename(columns={"index": "id"})
    emit(Result(payload=payload, rows=places, columns=["id", "name_zh", "name_en", "kind", "minutes", "mode"],
                gdf=out, meta=meta), fmt, output)
