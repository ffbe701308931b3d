"""Engine commands: route, reach, circle, compare, access.

Thin: parse options, build the graph, call one library function, emit.
Heavy imports (geopandas, networkx, scipy) happen inside the commands.
"""

from __future__ import annotations

import click

from ._common import Result, Source, check_date, data_option, emit, graph_options, output_options, read_whatif
from ._maps import map_options, write_map


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
@map_options
def route(origin, destination, data, date, scenario, modes, fmt, output):
    """Fastest trip from ORIGIN to DESTINATION, leg by leg.

    Exits 1 when no trip exists.  Example: qjnet route cq_east qianjiang --date 2025-07-01
    """
    from ..network.route import route as find_route

    src = Source(data)
    G = src.graph(date, scenario, modes)
    a, b = src.place(G, origin), src.place(G, destination)
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
    write_map("route", lambda: src.ds, itinerary=it, G=G)
    emit(Result(payload=payload, rows=rows, gdf=it.to_gdf(G, dataset=src.ds) if fmt == "geojson" else None,
                columns=["mode", "service", "from", "from_name", "to", "to_name", "depart", "wait_minutes", "minutes"],
                meta=meta), fmt, output)


@click.command("reach")
@click.argument("origin")
@click.option("--minutes", "-m", "minutes", default=60.0, show_default=True, type=float,
              help="Time budget in minutes.")
@click.option("--reverse", is_flag=True, help="Who reaches ORIGIN within the budget (instead of where ORIGIN reaches).")
@graph_options
@output_options
@map_options
def reach(origin, minutes, reverse, data, date, scenario, modes, fmt, output):
    """Every place and station reached from ORIGIN within --minutes, fastest first."""
    from ..network.params import check_minutes
    from ..network.reach import reach as find_reach

    budget = check_minutes(minutes, name="--minutes")
    src = Source(data)
    G = src.graph(date, scenario, modes)
    a = src.place(G, origin)
    gdf = find_reach(G, a, minutes=budget, reverse=reverse)
    places = _records(gdf.assign(minutes=gdf["minutes"].astype(float).round(3)),
                      ["name_zh", "name_en", "kind", "minutes", "mode"])
    meta = _meta(G, origin=a, minutes=budget, reverse=reverse)
    payload = {"origin": a, "minutes": budget, "reverse": reverse, "places": places,
               "date": meta["date"], "weekday": meta["weekday"], "scenario": meta["scenario"],
               "modes": meta["modes"], "params": meta["params"]}
    out = gdf.reset_index().rename(columns={"index": "id"})
    write_map("reach", lambda: src.ds, reached=gdf, minutes=budget, reverse=reverse)
    emit(Result(payload=payload, rows=places, columns=["id", "name_zh", "name_en", "kind", "minutes", "mode"],
                gdf=out, meta=meta), fmt, output)


def _bands_option(func):
    return click.option("--bands", default="60,120,180", show_default=True, metavar="B1,B2,...",
                        help="Band limits in minutes, increasing.")(func)


def _records(gdf, columns) -> list[dict]:
    """Rows of a GeoDataFrame as plain dicts (NaN/NA -> None, numpy -> Python)."""
    from ..geodata._util import unbox

    out = []
    for nid, row in zip(gdf.index, gdf[columns].to_dict("records"), strict=False):
        out.append({"id": nid, **{k: unbox(v) for k, v in row.items()}})
    return out


@click.command("circle")
@click.argument("centre")
@_bands_option
@graph_options
@output_options
@map_options
def circle(centre, bands, data, date, scenario, modes, fmt, output):
    """Economic circle of CENTRE: county-level places per band, station-to-station and centre-to-centre.

    Station-to-station: fastest scheduled trip between the railway stations of
    CENTRE and of each place.  Centre-to-centre: door to door, access to and
    from the stations included.  Population totals per band are cumulative.
    """
    from ..network.access import circle_summary, economic_circle, parse_bands

    bands_t = parse_bands(bands)
    src = Source(data)
    G = src.graph(date, scenario, modes)
    c = src.place(G, centre)
    table = economic_circle(G, c, bands=bands_t)
    cols = ["name_zh", "name_en", "population", "station_minutes", "from_station", "to_station",
            "centre_minutes", "station_band", "centre_band"]
    places = _records(table, cols)
    summary = circle_summary(table, bands=bands_t)
    meta = _meta(G, centre=c, centre_place=table.attrs["centre_place"], stations=table.attrs["stations"],
                 bands=list(bands_t))
    payload = {"centre": c, "centre_place": table.attrs["centre_place"], "stations": table.attrs["stations"],
               "bands": list(bands_t), "summary": summary, "places": places,
               **{k: meta[k] for k in ("date", "weekday", "scenario", "modes", "params")}}
    for entry in summary:
        meta[f"band {entry['band']:g}"] = (
            f"station-to-station {len(entry['station_to_station']['places'])} places, "
            f"population {entry['station_to_station']['population']}; centre-to-centre "
            f"{len(entry['centre_to_centre']['places'])} places, population {entry['centre_to_centre']['population']}")
    write_map("circle", lambda: src.ds, result=table, G=G)
    emit(Result(payload=payload, rows=places, columns=["id", *cols], gdf=table.reset_index(), meta=meta),
         fmt, output)


@click.command("compare")
@click.argument("origin")
@click.option("--before", "before_date", default=None, metavar="YYYY-MM-DD", callback=check_date,
              help="Date of the 'before' network.")
@click.option("--after", "after_date", default=None, metavar="YYYY-MM-DD", callback=check_date,
              help="Date of the 'after' network.")
@click.option("--before-scenario", default=None, help="Scenario of the 'before' network.")
@click.option("--after-scenario", default=None, help="Scenario of the 'after' network.")
@click.option("--before-scenario-file", type=click.Path(dir_okay=False), default=None, metavar="FILE",
              help="What-if scenario file applied to the 'before' network.")
@click.option("--after-scenario-file", type=click.Path(dir_okay=False), default=None, metavar="FILE",
              help="What-if scenario file applied to the 'after' network.")
@click.option("--reverse", is_flag=True, help="Compare trips to ORIGIN instead of from it.")
@_bands_option
@data_option
@click.option("--modes", default=None, metavar="M1,M2", help="Modes to use (default: every passenger mode).")
@output_options
@map_options
def compare(origin, before_date, after_date, before_scenario, after_scenario, before_scenario_file,
            after_scenario_file, reverse, bands, data, modes, fmt, output):
    """Minutes from ORIGIN to every county-level place on two dates or in two scenarios.

    Example: qjnet compare chongqing_core --before 2025-06-26 --after 2025-07-01
    """
    from ..geodata.errors import OptionError
    from ..network.access import parse_bands
    from ..network.compare import compare as run_compare
    from ..network.compare import entered_by_band

    if before_date is None and before_scenario is None:
        raise OptionError("say what 'before' is: give --before DATE or --before-scenario NAME")
    if after_date is None and after_scenario is None:
        raise OptionError("say what 'after' is: give --after DATE or --after-scenario NAME")
    if (before_date, before_scenario, before_scenario_file) == (after_date, after_scenario, after_scenario_file):
        raise OptionError("'before' and 'after' are the same network; give two different dates, scenarios or "
                          "scenario files")
    bands_t = parse_bands(bands)
    w0, w1 = read_whatif(before_scenario_file), read_whatif(after_scenario_file)
    src = Source(data, whatif=None)
    G0 = src.graph(before_date, before_scenario, modes, whatif=w0)
    G1 = src.graph(after_date, after_scenario, modes, whatif=w1)
    o = src.place(G1, origin)
    table = run_compare(G0, G1, o, bands=bands_t, reverse=reverse)
    cols = ["name_zh", "name_en", "population", "before", "after", "change", "band_before", "band_after", "entered"]
    places = _records(table, cols)
    entered = {f"{b:g}": ids for b, ids in entered_by_band(table, bands=bands_t).items()}
    before = {"date": G0.graph["date"], "weekday": G0.graph["weekday"], "scenario": G0.graph["scenario"]}
    after = {"date": G1.graph["date"], "weekday": G1.graph["weekday"], "scenario": G1.graph["scenario"]}
    payload = {"origin": o, "reverse": reverse, "before": before, "after": after, "bands": list(bands_t),
               "entered": entered, "places": places, "modes": G1.graph["modes"], "params": G1.graph["params"]}
    meta = {"origin": o, "before": before, "after": after, "modes": G1.graph["modes"],
            "params": G1.graph["params"], "bands": list(bands_t), "entered": entered}
    write_map("compare", lambda: src.ds, diff=table, G=G1)
    emit(Result(payload=payload, rows=places, columns=["id", *cols], gdf=table.reset_index(), meta=meta),
         fmt, output)


@click.command("access")
@click.option("--minutes", "-m", "minutes", default=60.0, show_default=True, type=float,
              help="Budget for the cumulative measure.")
@click.option("--half-life", default=60.0, show_default=True, type=float,
              help="Gravity decay: minutes at which a place's weight halves.")
@graph_options
@output_options
def access(minutes, half_life, data, date, scenario, modes, fmt, output):
    """Accessibility of every county-level place: population within --minutes, and gravity."""
    from ..network.access import accessibility
    from ..network.params import check_minutes

    budget = check_minutes(minutes, name="--minutes")
    hl = check_minutes(half_life, name="--half-life")
    G = Source(data).graph(date, scenario, modes)
    table = accessibility(G, minutes=budget, half_life=hl)
    cols = ["name_zh", "name_en", "population", "places_within", "population_within", "gravity"]
    places = _records(table, cols)
    meta = _meta(G, minutes=budget, half_life=hl, decay="2 ** (-minutes / half_life)",
                 population_unknown=table.attrs["population_unknown"])
    payload = {"minutes": budget, "half_life": hl, "decay": meta["decay"],
               "population_unknown": meta["population_unknown"], "places": places,
               **{k: meta[k] for k in ("date", "weekday", "scenario", "modes", "params")}}
    emit(Result(payload=payload, rows=places, columns=["id", *cols], gdf=table.reset_index(), meta=meta),
         fmt, output)
