"""Engine commands: route, reach, circle, compare, access.

Thin: parse options, build the graph, call one library function, emit.
Heavy imports (geopandas, networkx, scipy) happen inside the commands.
"""

from __future__ import annotations

import click

from ._common import (
    Result,
    Source,
    check_date,
    data_option,
    emit,
    graph_options,
    measure_label,
    measure_options,
    output_options,
    polygons_option,
    read_whatif,
    roads_option,
    write_polygons,
)
from ._maps import map_options, write_map


def _meta(G, **extra) -> dict:
    meta = {"date": G.graph.get("date"), "weekday": G.graph.get("weekday"), "scenario": G.graph.get("scenario"),
            "modes": G.graph.get("modes"), "params": G.graph.get("params")}
    meta.update(extra)
    return meta


def _timed(src, G, date, scenario, modes, measure, whatif=None):
    """The timed network, measure and services with published departures of a window or departure question
    (a departure after 24:00: next date)."""
    from ..geodata.errors import OptionError
    from ..network.measures import departure_day, timed_network
    from ..network.timed_provenance import published_departures

    if date is None:
        raise OptionError(f"--measure {measure.label()['measure']} runs on the timetable of one date: give "
                          "--date YYYY-MM-DD (or --measure expected)")
    day, measure = departure_day(date, measure)
    whatif = src.whatif if whatif is None else whatif
    if day != date:
        G = src.graph(day, scenario, modes, whatif=whatif)
    dataset = src.ds if whatif is None else src.modified(day, scenario, whatif)
    tn = timed_network(dataset, date=day, scenario=scenario, modes=modes, graph=G)
    return tn, measure, published_departures(dataset)


def _no_reverse(reverse, measure):
    if reverse and measure is not None:
        from ..geodata.errors import OptionError

        raise OptionError("--reverse is answered by the expected measure only; drop --reverse or use "
                          "--measure expected")


def _min_published_option(func):
    return click.option("--min-published", "min_published", default=None, type=float, metavar="SHARE",
                        help="Share 0-1: mark (route) or leave out (reach, circle) answers whose published "
                             "share of minutes is below SHARE, i.e. that rest mostly on modelled times.")(func)


def _provenance_meta(prov, min_published=None) -> dict:
    """Meta lines ``provenance`` and ``range`` (and a mark below ``--min-published``)."""
    from ..network.provenance import KINDS, format_range

    shares = prov.shares
    meta = {"provenance": ", ".join(f"{k} {prov.minutes[k]:.0f} min ({shares[k]:.0%})" for k in KINDS),
            "range": f"{prov.total:.0f} min ({format_range(prov.range)})"}
    if min_published is not None and prov.published_share < min_published:
        meta["mostly_modelled"] = (f"published share {prov.published_share:.0%} is below --min-published "
                                   f"{min_published:.0%}: the answer rests mostly on modelled or assumed times")
    return meta


def _provenance_columns(frame, provs, suffix=""):
    """The frame with its places' provenance columns (for maps and GeoJSON), unchanged without ``provs``."""
    if provs is None:
        return frame
    from ..network.provenance import with_place_provenance

    return with_place_provenance(frame, provs, suffix=suffix)


def _place_provenance(G, origin, ids, min_published=None) -> dict:
    """``{id: Provenance}`` of the fastest expected trip from ``origin`` to each of ``ids``."""
    from ..network.route import reach_provenance

    return reach_provenance(G, origin, [i for i in ids if i in G])


def _with_provenance(places: list[dict], provs: dict | None, min_published=None) -> list[dict]:
    """Rows with ``range`` and ``published_share`` (``None`` when unknown); below ``min_published`` left out."""
    from ..network.provenance import format_range

    out = []
    for row in places:
        p = (provs or {}).get(row["id"])
        if p is not None and min_published is not None and p.published_share < min_published:
            continue
        row["range"] = format_range(p.range) if p is not None else None
        row["published_share"] = round(p.published_share, 3) if p is not None else None
        out.append(row)
    return out


def _provenance_summary(provs: dict | None, ids) -> dict:
    """How many of ``ids`` rest mostly on each kind of minutes (the kind with most minutes)."""
    from ..network.provenance import KINDS, main_kind

    counts = dict.fromkeys(KINDS, 0)
    for i in ids:
        p = (provs or {}).get(i)
        if p is not None and p.total > 0:
            counts[main_kind(p)] += 1
    return counts


def _summary_line(counts: dict) -> str:
    return (f"{counts['published']} places rest mostly on published times, {counts['derived']} on derived, "
            f"{counts['assumed']} on assumed (waits, penalties), {counts['access']} on the access model")


def _leg_rows(G, legs, clock: bool, provs=None) -> list[dict]:
    """Table rows of legs, with each leg's ``source`` and ``range`` (``provs``: one LegProvenance per leg)."""
    from ..network.provenance import format_range

    rows = []
    for i, leg in enumerate(legs):
        d = leg.to_dict()
        if not clock:
            d["depart"] = leg.depart
        d["from_name"] = G.nodes[leg.from_].get("name_zh")
        d["to_name"] = G.nodes[leg.to].get("name_zh")
        prov = provs[i] if provs is not None else getattr(leg, "provenance", None)
        if prov is not None:
            if provs is not None:
                d.update(prov.to_dict())
            d["range"] = format_range(prov.range)
        rows.append(d)
    return rows


@click.command("route")
@click.argument("origin")
@click.argument("destination")
@graph_options
@measure_options(many=True)
@_min_published_option
@output_options
@map_options
def route(origin, destination, data, date, scenario, modes, measure, percentiles, min_published, fmt, output):
    """Fastest trip from ORIGIN to DESTINATION, leg by leg.

    Default measure expected (frequency-based); --window gives the percentiles
    over every departure minute and the fastest trip, --depart one departure
    with clock times.  Exits 1 when no trip exists.
    Example: qjnet route cq_east qianjiang --date 2025-07-03 --window 07:00-09:00
    """
    from ..network.provenance import check_share

    min_published = check_share(min_published)
    src = Source(data)
    G = src.graph(date, scenario, modes)
    a, b = src.place(G, origin), src.place(G, destination)
    if measure is None:
        return _route_expected(src, G, a, b, fmt, output, min_published)
    tn, measure, published = _timed(src, G, date, scenario, modes, measure)
    if measure.depart is not None:
        return _route_departure(src, tn, a, b, measure, fmt, output, published, min_published)
    return _route_window(src, tn, a, b, measure, percentiles, fmt, output, published, min_published)


def _route_expected(src, G, a, b, fmt, output, min_published=None):
    from ..network.route import route as find_route

    it = find_route(G, a, b)
    payload = {**it.to_dict(), "weekday": G.graph.get("weekday"), "measure": "expected"}
    meta = _meta(G, **{"from": a, "to": b, "measure": "expected", "minutes": round(it.minutes, 3)},
                 **_provenance_meta(it.provenance, min_published))
    if min_published is not None:
        payload["mostly_modelled"] = "mostly_modelled" in meta
    write_map("route", lambda: src.ds, itinerary=it, G=G)
    emit(Result(payload=payload, rows=_leg_rows(G, it.legs, clock=False),
                gdf=it.to_gdf(G, dataset=src.ds) if fmt in ("geojson", "gpkg") else None,
                columns=["mode", "service", "from", "from_name", "to", "to_name", "depart", "wait_minutes",
                         "minutes", "source", "range"],
                meta=meta), fmt, output)


_CLOCK_COLUMNS = ["mode", "service", "from", "from_name", "to", "to_name", "depart", "arrive", "minutes", "source",
                  "range"]


def _prov_fields(prov) -> dict:
    """JSON fields ``provenance`` and ``range`` of an answer."""
    return {"provenance": prov.to_dict(), "range": [round(prov.range[0], 1), round(prov.range[1], 1)]}


def _route_departure(src, tn, a, b, measure, fmt, output, published=(), min_published=None):
    from ..network.measures import journey_itinerary, route_at
    from ..network.timed_provenance import attach_provenance, journey_provenance

    journey = route_at(tn, a, b, depart=measure.depart)
    prov = journey_provenance(journey, tn, published=published)
    it = attach_provenance(journey_itinerary(journey, tn), prov)
    payload = {**journey.to_dict(), **measure.label(), **tn.meta(), **_prov_fields(prov)}
    for leg, lp in zip(payload["legs"], prov.legs, strict=True):
        leg.update(lp.to_dict())
    meta = {**tn.meta(), "from": a, "to": b, **measure.label(), "arrive": payload["arrive"],
            "minutes": payload["minutes"], **_provenance_meta(prov, min_published)}
    if min_published is not None:
        payload["mostly_modelled"] = "mostly_modelled" in meta
    write_map("route", lambda: src.ds, itinerary=it, G=tn.graph)
    emit(Result(payload=payload, rows=_leg_rows(tn.graph, journey.legs, clock=True, provs=prov.legs),
                columns=_CLOCK_COLUMNS, gdf=it.to_gdf(tn.graph, dataset=src.ds) if fmt in ("geojson", "gpkg") else None,
                meta=meta), fmt, output)


def _route_window(src, tn, a, b, measure, percentiles, fmt, output, published=(), min_published=None):
    from ..network.measures import journey_itinerary, route_window
    from ..network.timed_provenance import attach_provenance, journey_provenance, timed_provenance

    wr = route_window(tn, a, b, window=measure.window, percentiles=percentiles)
    fastest = journey_provenance(wr.fastest, tn, published=published, leave_at_will=True)
    it = attach_provenance(journey_itinerary(wr.fastest, tn), fastest)
    prov = timed_provenance(tn, a, [b], measure, published=published).get(b, fastest)
    label = {"measure": measure.name, "window": measure.label()["window"]}
    if measure.name == "percentile":
        label["percentile"] = measure.percentile
    payload = {**wr.to_dict(), **label, **tn.meta(), **_prov_fields(prov)}
    payload["fastest"].update(_prov_fields(fastest))
    for leg, lp in zip(payload["fastest"]["legs"], fastest.legs, strict=True):
        leg.update(lp.to_dict())
    meta = {**tn.meta(), "from": a, "to": b, **label, "percentiles": payload["percentiles"],
            "fastest": f"{payload['fastest']['minutes']} minutes leaving {payload['fastest']['depart']}",
            **_provenance_meta(prov, min_published), "legs": "of the fastest trip"}
    if min_published is not None:
        payload["mostly_modelled"] = "mostly_modelled" in meta
    write_map("route", lambda: src.ds, itinerary=it, G=tn.graph)
    emit(Result(payload=payload, rows=_leg_rows(tn.graph, wr.fastest.legs, clock=True, provs=fastest.legs),
                columns=_CLOCK_COLUMNS, gdf=it.to_gdf(tn.graph, dataset=src.ds) if fmt in ("geojson", "gpkg") else None,
                meta=meta), fmt, output)


@click.command("reach")
@click.argument("origin")
@click.option("--minutes", "-m", "minutes", default=60.0, show_default=True, type=float,
              help="Time budget in minutes.")
@click.option("--reverse", is_flag=True, help="Who reaches ORIGIN within the budget (instead of where ORIGIN reaches).")
@graph_options
@measure_options
@_min_published_option
@output_options
@map_options
@polygons_option
def reach(origin, minutes, reverse, data, date, scenario, modes, measure, min_published, fmt, output, polygons):
    """Every place and station reached from ORIGIN within --minutes, fastest first.

    Example: qjnet reach qianjiang_dist --minutes 120 --date 2025-07-03 --window 07:00-09:00
    """
    from ..network.params import check_minutes
    from ..network.provenance import check_share
    from ..network.reach import reach as find_reach

    budget = check_minutes(minutes, name="--minutes")
    min_published = check_share(min_published)
    _no_reverse(reverse, measure)
    src = Source(data)
    G = src.graph(date, scenario, modes)
    a = src.place(G, origin)
    if measure is None:
        gdf = find_reach(G, a, minutes=budget, reverse=reverse).assign(measure="expected")
        meta = _meta(G, origin=a, minutes=budget, reverse=reverse, measure="expected")
        provs = _place_provenance(G, a, gdf.index) if not reverse else None
    else:
        from ..network.measures import reach_window
        from ..network.timed_provenance import timed_provenance

        tn, measure, published = _timed(src, G, date, scenario, modes, measure)
        gdf = reach_window(tn, a, minutes=budget, measure=measure)
        meta = {**tn.meta(), "origin": a, "minutes": budget, "reverse": False, **measure.label()}
        provs = timed_provenance(tn, a, gdf.index, measure, published=published)
    gdf = _provenance_columns(gdf, provs)
    columns = ["name_zh", "name_en", "kind", "minutes", "mode"]
    places = _records(gdf.assign(minutes=gdf["minutes"].astype(float).round(3)), columns)
    places = _with_provenance(places, provs, min_published)
    counts = _provenance_summary(provs, [p["id"] for p in places])
    if provs is not None:
        meta["provenance"] = _summary_line(counts)
    payload = {**{k: meta[k] for k in ("origin", "minutes", "reverse")}, **measure_label(measure),
               "places": places, "provenance_summary": counts if provs is not None else None,
               **{k: meta[k] for k in ("date", "weekday", "scenario", "modes", "params")}}
    out = gdf.reset_index().rename(columns={"index": "id"})
    write_map("reach", lambda: src.ds, reached=gdf, minutes=budget, reverse=reverse)
    write_polygons(polygons, gdf, meta, budget)
    emit(Result(payload=payload, rows=places, columns=["id", *columns, "range", "published_share"], gdf=out,
                meta=meta), fmt, output)


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
@measure_options
@_min_published_option
@output_options
@map_options
def circle(centre, bands, data, date, scenario, modes, measure, min_published, fmt, output):
    """Economic circle of CENTRE: county-level places per band, station-to-station and centre-to-centre.

    Station-to-station: fastest scheduled trip between the railway stations of
    CENTRE and of each place.  Centre-to-centre: door to door, access to and
    from the stations included.  Population totals per band are cumulative.
    With --window (or --measure percentile/fastest) the table gives the
    fastest trip and the window percentile side by side; the bands follow
    --measure (default percentile).
    """
    from ..network.access import circle_summary, parse_bands
    from ..network.provenance import check_share

    bands_t = parse_bands(bands)
    min_published = check_share(min_published)
    src = Source(data)
    G = src.graph(date, scenario, modes)
    c = src.place(G, centre)
    table, meta, provs = _circle_table(src, G, c, bands_t, date, scenario, modes, measure)
    cols = ["name_zh", "name_en", "population", "station_minutes", "from_station", "to_station",
            "centre_minutes", "station_band", "centre_band"]
    if measure is not None:
        cols[3:3] = ["station_fastest", "station_percentile", "centre_fastest", "centre_percentile"]
    table = _provenance_columns(table, provs)
    places = _records(table, cols)
    places = _with_provenance(places, provs, min_published)
    counts = _provenance_summary(provs, [p["id"] for p in places])
    if provs is not None:
        meta["provenance"] = "centre-to-centre: " + _summary_line(counts)
    summary = circle_summary(table, bands=bands_t)
    payload = {"centre": c, "centre_place": table.attrs["centre_place"], "stations": table.attrs["stations"],
               "bands": list(bands_t), **measure_label(measure), "summary": summary, "places": places,
               "provenance_summary": counts if provs is not None else None,
               **{k: meta[k] for k in ("date", "weekday", "scenario", "modes", "params")}}
    if measure is not None:
        payload["percentile"] = measure.percentile
    for entry in summary:
        meta[f"band {entry['band']:g}"] = (
            f"station-to-station {len(entry['station_to_station']['places'])} places, "
            f"population {entry['station_to_station']['population']}; centre-to-centre "
            f"{len(entry['centre_to_centre']['places'])} places, population {entry['centre_to_centre']['population']}")
    write_map("circle", lambda: src.ds, result=table, G=G)
    emit(Result(payload=payload, rows=places, columns=["id", *cols, "range", "published_share"],
                gdf=table.reset_index(), meta=meta),
         fmt, output)


def _circle_table(src, G, c, bands, date, scenario, modes, measure):
    """The circle table and its meta lines under ``measure`` (``None``: expected, on the graph)."""
    if measure is None:
        from ..network.access import economic_circle

        table = economic_circle(G, c, bands=bands)
        meta = _meta(G, measure="expected")
        provs = _place_provenance(G, table.attrs["centre_place"], table.index)
    else:
        from ..geodata.errors import OptionError
        from ..network.measures import circle_window
        from ..network.timed_provenance import timed_provenance

        if measure.depart is not None:
            raise OptionError("circle gives the fastest trip and the window percentile side by side; give "
                              "--window (not --depart)")
        tn, measure, published = _timed(src, G, date, scenario, modes, measure)
        table = circle_window(tn, c, window=measure.window, percentile=measure.percentile, bands=bands,
                              measure=measure.name)
        provs = timed_provenance(tn, str(table.attrs["centre_place"]), table.index, measure, published=published)
        meta = {**tn.meta(), **measure.label(), "percentile": measure.percentile,
                "columns": "station_/centre_fastest and station_/centre_percentile side by side; "
                           f"*_minutes and bands: {measure.name}"}
    meta.update(centre=c, centre_place=table.attrs["centre_place"], stations=table.attrs["stations"],
                bands=list(bands))
    return table, meta, provs


@click.command("compare")
@click.argument("origin")
@click.option("--before", "before_date", default=None, metavar="YYYY-MM-DD", callback=check_date,
              help="Date of the 'before' network.")
@click.option("--after", "after_date", default=None, metavar="YYYY-MM-DD", callback=check_date,
              help="Date of the 'after' network.")
@click.option("--before-scenario", default=None, help="Scenario of the 'before' network.")
@click.option("--after-scenario", default=None, help="Scenario of the 'after' network.")
@click.option("--weekday", default=None, metavar="DAY",
              help="Move both dates to the first date on or after them on DAY (1-7 or mon..sun): like with like.")
@click.option("--before-scenario-file", type=click.Path(dir_okay=False), default=None, metavar="FILE",
              help="What-if scenario file applied to the 'before' network.")
@click.option("--after-scenario-file", type=click.Path(dir_okay=False), default=None, metavar="FILE",
              help="What-if scenario file applied to the 'after' network.")
@click.option("--reverse", is_flag=True, help="Compare trips to ORIGIN instead of from it.")
@_bands_option
@roads_option
@data_option
@click.option("--modes", default=None, metavar="M1,M2", help="Modes to use (default: every passenger mode).")
@measure_options
@output_options
@map_options
def compare(origin, before_date, after_date, before_scenario, after_scenario, weekday, before_scenario_file,
            after_scenario_file, reverse, bands, data, modes, measure, fmt, output):
    """Minutes from ORIGIN to every county-level place on two dates or in two scenarios.

    Two dates on different weekdays are flagged in the output; --weekday
    compares like with like.  Example:
    qjnet compare chongqing_core --before 2025-06-26 --after 2025-07-03
    """
    from ..network.access import parse_bands
    from ..network.compare import entered_by_band
    from ..network.measures import weekday_note

    before_date, after_date = _compare_dates(before_date, after_date, before_scenario, after_scenario, weekday,
                                             (before_scenario_file, after_scenario_file))
    _no_reverse(reverse, measure)
    bands_t = parse_bands(bands)
    w0, w1 = read_whatif(before_scenario_file), read_whatif(after_scenario_file)
    src = Source(data, whatif=None)
    G0 = src.graph(before_date, before_scenario, modes, whatif=w0)
    G1 = src.graph(after_date, after_scenario, modes, whatif=w1)
    o = src.place(G1, origin)
    table, measure, provs = _compare_table(src, (G0, G1), o, (before_date, after_date),
                                           (before_scenario, after_scenario), modes, measure, bands_t, reverse, (w0, w1))
    table = _provenance_columns(_provenance_columns(table, provs[0], "_before"), provs[1])
    cols = ["name_zh", "name_en", "population", "before", "after", "change", "band_before", "band_after", "entered"]
    places = _records(table, cols)
    entered = {f"{b:g}": ids for b, ids in entered_by_band(table, bands=bands_t).items()}
    before = {"date": G0.graph["date"], "weekday": G0.graph["weekday"], "scenario": G0.graph["scenario"]}
    after = {"date": G1.graph["date"], "weekday": G1.graph["weekday"], "scenario": G1.graph["scenario"]}
    note = weekday_note(before_date, after_date)
    common = {"before": before, "after": after, **measure_label(measure), "weekdays_differ": note is not None,
              **({"note": note} if note else {})}
    payload = {"origin": o, "reverse": reverse, **common, "bands": list(bands_t), "entered": entered,
               "places": places, "modes": G1.graph["modes"], "params": G1.graph["params"]}
    meta = {"origin": o, **common, "modes": G1.graph["modes"], "params": G1.graph["params"],
            "bands": list(bands_t), "entered": entered}
    if not reverse:
        counts = {k: _provenance_summary(p, table.index) for k, p in zip(("before", "after"), provs, strict=True)
                  if p is not None}
        payload["provenance_summary"] = counts
        meta.update({f"provenance {k}": _summary_line(v) for k, v in counts.items()})
    if note:
        click.echo(f"qjnet: warning: {note}", err=True)
    write_map("compare", lambda: src.ds, diff=table, G=G1)
    emit(Result(payload=payload, rows=places, columns=["id", *cols], gdf=table.reset_index(), meta=meta),
         fmt, output)


def _compare_dates(before_date, after_date, before_scenario, after_scenario, weekday, files=(None, None)):
    """Check what 'before' and 'after' are; with --weekday move both dates to that weekday."""
    from ..geodata.errors import OptionError
    from ..network.measures import on_weekday

    if before_date is None and before_scenario is None:
        raise OptionError("say what 'before' is: give --before DATE or --before-scenario NAME")
    if after_date is None and after_scenario is None:
        raise OptionError("say what 'after' is: give --after DATE or --after-scenario NAME")
    if weekday is not None:
        before_date, after_date = on_weekday(before_date, weekday), on_weekday(after_date, weekday)
    if (before_date, before_scenario, files[0]) == (after_date, after_scenario, files[1]):
        raise OptionError("'before' and 'after' are the same network; give two different dates, scenarios or "
                          "scenario files")
    return before_date, after_date


def _compare_table(src, graphs, o, dates, scenarios, modes, measure, bands, reverse, whatifs=(None, None)):
    """The comparison, its measure and the provenance of each place in each network (``None``: not known)."""
    if measure is None:
        from ..network.compare import compare as run_compare

        table = run_compare(*graphs, o, bands=bands, reverse=reverse)
        provs = tuple(_place_provenance(g, o, table.index) if o in g and not reverse else None for g in graphs)
        return table, None, provs
    from ..network.measures import compare_window
    from ..network.timed_provenance import timed_provenance

    tn0, _, pub0 = _timed(src, graphs[0], dates[0], scenarios[0], modes, measure, whatifs[0])
    tn1, measure, pub1 = _timed(src, graphs[1], dates[1], scenarios[1], modes, measure, whatifs[1])
    table = compare_window(tn0, tn1, o, measure=measure, bands=bands)
    provs = tuple(timed_provenance(tn, o, table.index, measure, published=pub) if o in tn.timetable.index else None
                  for tn, pub in ((tn0, pub0), (tn1, pub1)))
    return table, measure, provs


@click.command("access")
@click.option("--minutes", "-m", "minutes", default=60.0, show_default=True, type=float,
              help="Budget for the cumulative measure.")
@click.option("--half-life", default=60.0, show_default=True, type=float,
              help="Gravity decay: minutes at which a place's weight halves.")
@graph_options
@measure_options
@output_options
def access(minutes, half_life, data, date, scenario, modes, measure, fmt, output):
    """Accessibility of every county-level place: population within --minutes, and gravity."""
    from ..network.params import check_minutes

    budget = check_minutes(minutes, name="--minutes")
    hl = check_minutes(half_life, name="--half-life")
    src = Source(data)
    G = src.graph(date, scenario, modes)
    if measure is None:
        from ..network.access import accessibility

        table = accessibility(G, minutes=budget, half_life=hl)
        meta = _meta(G, measure="expected")
    else:
        from ..network.measures import access_window

        tn, measure, _ = _timed(src, G, date, scenario, modes, measure)
        table = access_window(tn, minutes=budget, half_life=hl, measure=measure)
        meta = {**tn.meta(), **measure.label()}
    cols = ["name_zh", "name_en", "population", "places_within", "population_within", "gravity"]
    places = _records(table, cols)
    meta.update(minutes=budget, half_life=hl, decay="2 ** (-minutes / half_life)",
                population_unknown=table.attrs["population_unknown"])
    payload = {"minutes": budget, "half_life": hl, "decay": meta["decay"], **measure_label(measure),
               "population_unknown": meta["population_unknown"], "places": places,
               **{k: meta[k] for k in ("date", "weekday", "scenario", "modes", "params")}}
    emit(Result(payload=payload, rows=places, columns=["id", *cols], gdf=table.reset_index(), meta=meta),
         fmt, output)
