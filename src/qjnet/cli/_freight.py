"""``qjnet freight`` and ``qjnet catchment``: freight chains to the port, Pareto sets, catchments.

Thin layer over :mod:`network.freight`: parse, resolve places, call, render.  Heavy imports stay
inside the command functions.
"""

from __future__ import annotations

import datetime as _dt

import click

from ._common import Result, check_date, dataset_options, emit, output_options


def _common_options(func):
    func = click.option("--set", "overrides", multiple=True, metavar="KEY=VALUE",
                        help="Override a freight figure of freight.json, e.g. modes.rail.cost_cny_per_teu_km=2.5 "
                             "or nodes.qj_freight.capacity_mt_per_year=5 (repeatable).")(func)
    func = click.option("--objective", default=None,
                        help="What to minimise: time (hours), cost (CNY) or co2 (kg).")(func)
    func = click.option("--cargo", default="teu", show_default=True,
                        help="Unit of cargo: teu (one loaded 20-ft container) or tonne.")(func)
    return dataset_options(func, date_help="Date of the network (default: the scenario's date, else today).")


def _resolve(ds, text: str) -> str:
    """A dataset node id for what the user typed (id, name, pinyin, lat,lon)."""
    from ..geodata.resolve import resolve_node

    return str(resolve_node(ds, text))


def _day(date, scenario):
    if date is None and scenario is None:
        return _dt.date.today().isoformat()
    return date


def _sources_meta(sources) -> dict:
    meta = {}
    for s in sources:
        text = []
        if "value" in s:
            value = "not set" if s["value"] is None else f"{s['value']:g}"
            text.append(f"{value} {s.get('unit', '')}".strip())
        if s.get("time_source"):
            ts = s["time_source"]
            text.append("times " + (", ".join(ts) if isinstance(ts, list) else str(ts)))
        if s.get("source"):
            text.append(f"source: {s['source']}")
        if s.get("assumption"):
            text.append(f"assumption: {s['assumption']}")
        meta[f"figure {s['key']}"] = " | ".join(text)
    return meta


def _union_sources(chains) -> list:
    seen = {}
    for c in chains:
        for s in c.sources:
            seen.setdefault(s["key"], s)
    return list(seen.values())


def _leg_rows(chain) -> list:
    rows = []
    for i, leg in enumerate(chain.legs, 1):
        rows.append({"step": i, "mode": leg.mode, "from": leg.from_id, "to": leg.to_id,
                     "hours": leg.hours, "cost_cny": leg.cost, "co2_kg": leg.co2, "km": leg.km,
                     "wait_h": leg.wait_h, "ref": leg.ref or "", "name": leg.name or ""})
    rows.append({"step": "total", "mode": chain.label, "from": chain.origin, "to": chain.destination,
                 "hours": chain.hours, "cost_cny": chain.cost, "co2_kg": chain.co2, "km": chain.km,
                 "wait_h": sum(leg.wait_h for leg in chain.legs), "ref": "", "name": ""})
    return rows


def _chain_row(chain, **extra) -> dict:
    return {**extra, "chain": chain.label, "hours": chain.hours, "cost_cny": chain.cost, "co2_kg": chain.co2,
            "km": chain.km, "legs": " > ".join(f"{leg.mode}:{leg.to_id}" if leg.mode != "handling"
                                               else f"handling@{leg.from_id}" for leg in chain.legs)}


@click.command("freight")
@click.argument("origin")
@click.argument("destination")
@_common_options
@click.option("--pareto", is_flag=True, help="List every non-dominated chain over (time, cost, CO2).")
@click.option("--before", "before", default=None, metavar="YYYY-MM-DD", callback=check_date,
              help="Compare: first date (with --after).")
@click.option("--after", "after", default=None, metavar="YYYY-MM-DD", callback=check_date,
              help="Compare: second date (with --before).")
@click.option("--map", "map_file", type=click.Path(dir_okay=False), default=None,
              help="Also write a map: yards, freight trains and the chain(s) (.html interactive, or "
                   ".png/.svg/.pdf static).")
@output_options
def freight(origin, destination, data, cargo, objective, date, scenario, overrides, pareto, before, after,
            map_file, fmt, output):
    """Freight chain from ORIGIN to DESTINATION by time, cost or CO2 per TEU or tonne.

    \b
    Examples:
      qjnet freight 黔江 qinzhou_port_e --objective cost
      qjnet freight qianjiang qinzhou_port_e --pareto --format json
      qjnet freight 黔江 qinzhou_port_e --before 2024-02-28 --after 2024-03-01
    Every figure used is printed with its source or the assumption behind it.
    """
    from ..geodata.errors import OptionError
    from ..network.freight import (
        _check_cargo,
        _check_objective,
        build_freight_graph,
        compare_freight,
        freight_pareto,
        freight_route,
        parse_overrides,
    )
    from ._common import open_dataset

    _check_map_file(map_file)
    cargo = _check_cargo(cargo)
    objective = _check_objective(objective or "time")
    params = parse_overrides(overrides)
    ds = open_dataset(data, None, None)  # with the --scenario-file applied
    a, b = _resolve(ds, origin), _resolve(ds, destination)
    if (before is None) != (after is None):
        raise OptionError("--before and --after go together: give both dates")
    if before is not None:
        if pareto:
            raise OptionError("--pareto cannot be combined with --before/--after; run it once per --date")
        cmp = compare_freight(ds, a, b, before=before, after=after, scenario_before=scenario,
                              scenario_after=scenario, cargo=cargo, objective=objective, params=params)
        chains = [c for c in (cmp.before, cmp.after) if c is not None]
        rows = []
        for when, day, c in (("before", cmp.before_date, cmp.before), ("after", cmp.after_date, cmp.after)):
            if c is None:
                rows.append({"when": when, "date": day, "chain": "no chain", "hours": None, "cost_cny": None,
                             "co2_kg": None, "km": None, "legs": ""})
            else:
                rows.append(_chain_row(c, when=when, date=day))
        delta = cmp.delta()
        rows.append({"when": "change", "date": "", "chain": "", "hours": delta["hours"],
                     "cost_cny": delta["cost"], "co2_kg": delta["co2"], "km": None, "legs": ""})
        payload = {"origin": a, "destination": b, "cargo": cargo, "objective": objective,
                   "before": cmp.before.to_dict() if cmp.before else None,
                   "after": cmp.after.to_dict() if cmp.after else None, "change": delta,
                   "sources": _union_sources(chains)}
        meta = {"origin": a, "destination": b, "cargo": f"{cargo} (figures per {cargo})", "objective": objective,
                **_sources_meta(payload["sources"])}
        emit(Result(payload=payload, rows=rows, columns=list(rows[0]), meta=meta), fmt, output)
        if map_file:
            G = build_freight_graph(ds, date=after, scenario=scenario, cargo=cargo, params=params)
            _write_map(G, ds, map_file, chains=[c for c in (cmp.after,) if c is not None])
        return
    G = build_freight_graph(ds, date=_day(date, scenario), scenario=scenario, cargo=cargo, params=params)
    if pareto:
        chains = freight_pareto(G, a, b, cargo=cargo)
        rows = [_chain_row(c, rank=i) for i, c in enumerate(chains, 1)]
    else:
        chains = [freight_route(G, a, b, cargo=cargo, objective=objective)]
        rows = _leg_rows(chains[0])
    sources = _union_sources(chains)
    payload = {"origin": a, "destination": b, "cargo": cargo, "objective": None if pareto else objective,
               "pareto": bool(pareto), "date": G.graph.get("date"), "scenario": scenario,
               "chains": [c.to_dict() for c in chains], "sources": sources}
    meta = {"origin": a, "destination": b, "date": G.graph.get("date"), "cargo": f"{cargo} (figures per {cargo})",
            "objective": "pareto (time, cost, co2)" if pareto else objective, **_sources_meta(sources)}
    emit(Result(payload=payload, rows=rows, columns=list(rows[0]), meta=meta), fmt, output)
    if map_file:
        _write_map(G, ds, map_file, chains=chains)


def _check_map_file(path) -> None:
    if path is not None:
        from ._maps import check_map_path

        check_map_path(path, "--map")


def _write_map(G, ds, path, *, chains=(), catchment=None) -> None:
    from ._maps import is_static

    if is_static(path):
        from ..maps.static import freight_figure, save_figure

        save_figure(freight_figure(G, chains=chains, catchment=catchment, dataset=ds), path)
    else:
        from ._lazy import before_folium

        before_folium()
        from ..maps.freight import freight_map, save_map

        save_map(freight_map(G, chains=chains, catchment=catchment, dataset=ds), path)
    click.echo(f"wrote {path}", err=True)


@click.command("catchment")
@click.argument("yard")
@_common_options
@click.option("--port", default=None, help="Destination port (default: qinzhou_port_e).")
@click.option("--map", "map_file", type=click.Path(dir_okay=False), default=None,
              help="Also write a map of the catchment (.html interactive, or .png/.svg/.pdf static).")
@output_options
def catchment(yard, data, cargo, objective, date, scenario, overrides, port, map_file, fmt, output):
    """Places that ship to the port more cheaply through YARD than any other way.

    \b
    Examples:
      qjnet catchment qj_freight
      qjnet catchment xiushan_freight --objective time --format csv
    """
    from ..network.freight import (
        _check_cargo,
        _check_objective,
        build_freight_graph,
        parse_overrides,
    )
    from ..network.freight import catchment as _catchment
    from ._common import open_dataset

    _check_map_file(map_file)
    cargo = _check_cargo(cargo)
    objective = _check_objective(objective or "cost")
    params = parse_overrides(overrides)
    ds = open_dataset(data, None, None)  # with the --scenario-file applied
    y = _resolve(ds, yard)
    p = _resolve(ds, port) if port else None
    G = build_freight_graph(ds, date=_day(date, scenario), scenario=scenario, cargo=cargo, params=params)
    gdf = _catchment(G, y, port=p, cargo=cargo, objective=objective)
    cols = ["id", "name_en", "in_catchment", "saving", "via_hours", "via_cost", "via_co2", "alt_chain",
            "alt_hours", "alt_cost", "alt_co2"]
    rows = [{c: (None if r[c] != r[c] else r[c]) if isinstance(r[c], float) else r[c] for c in cols}
            for _, r in gdf.iterrows()]
    rows.sort(key=lambda r: (not r["in_catchment"], -(r["saving"] or 0)))
    payload = {"yard": y, "port": gdf.attrs.get("port"), "cargo": cargo, "objective": objective,
               "date": G.graph.get("date"), "places": rows, "sources": gdf.attrs.get("sources", []),
               "in_catchment": [r["id"] for r in rows if r["in_catchment"]]}
    unit = {"cost": "CNY", "time": "h", "co2": "kg CO2"}[objective]
    meta = {"yard": y, "port": gdf.attrs.get("port"), "date": G.graph.get("date"),
            "cargo": f"{cargo} (figures per {cargo})", "objective": objective,
            "saving": f"best alternative minus via {y}, in {unit}",
            **_sources_meta(gdf.attrs.get("sources", []))}
    emit(Result(payload=payload, rows=rows, columns=cols, gdf=gdf, meta=meta), fmt, output)
    if map_file:
        _write_map(G, ds, map_file, catchment=gdf)
