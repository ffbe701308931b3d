"""What-if commands: ``qjnet services`` and ``qjnet scenario new|validate|show``.

Thin: parse options, call :mod:`geodata.whatif`, render.  A what-if file is
checked against the dataset as selected by --data/--date/--scenario (today's
network when neither --date nor --scenario is given, as the graph commands do).
"""

from __future__ import annotations

import json

import click

from ..geodata.schema import SERVICE_MODES
from ._common import DATE_HELP, Result, check_date, data_option, dataset_options, emit, open_dataset, output_options

SERVICE_COLUMNS = ["id", "mode", "line", "name_zh", "stops", "stop_names", "minutes", "per_day", "headway_min",
                   "days", "bidirectional", "status"]


def _service_records(ds) -> list[dict]:
    from ..geodata._util import unbox

    names = {nid: unbox(zh) for nid, zh in zip(ds.nodes.index, ds.nodes["name_zh"], strict=True)}
    out = []
    for sid, row in zip(ds.services.index, ds.services.to_dict("records"), strict=True):
        stops = [str(s) for s in row["stops"]]
        out.append({"id": str(sid), "mode": row["mode"], "line": unbox(row.get("line")),
                    "name_zh": unbox(row.get("name_zh")), "stops": stops,
                    "stop_names": [names.get(s) or s for s in stops],
                    "minutes": float(list(row["minutes"])[-1]), "per_day": unbox(row.get("per_day")),
                    "headway_min": unbox(row.get("headway_min")), "days": [int(d) for d in row["days"]],
                    "bidirectional": bool(unbox(row.get("bidirectional"))), "status": row.get("status"),
                    "departures": unbox(row.get("departures")), "assumptions": unbox(row.get("assumptions"))})
    return out


@click.command("services")
@click.option("--mode", "modes", multiple=True, type=click.Choice(SERVICE_MODES),
              help="Only services of this mode (repeat for several).")
@dataset_options
@output_options
def services_command(modes, data, date, scenario, fmt, output):
    """List the dataset's services (stopping patterns): mode, line, stops, frequency, days.

    The ids are what a what-if scenario file names.  Example: qjnet services --date 2025-07-03
    """
    ds = open_dataset(data, date, scenario)
    records = [r for r in _service_records(ds) if not modes or r["mode"] in modes]
    meta = {"date": ds.date.isoformat() if ds.date else None, "scenario": ds.scenario, "count": len(records)}
    meta = {k: v for k, v in meta.items() if v is not None}
    emit(Result(payload=records, rows=records, columns=SERVICE_COLUMNS, meta=meta,
                gdf=ds.services[ds.services.index.isin([r["id"] for r in records])]), fmt, output)


@click.group("scenario")
def scenario():
    """What-if scenario files: write a template, check a file, show what it changes."""


_EVERY_DAY = dict.fromkeys(("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"), True)
#: one example of each modification type; the ids are the embedded dataset's (see `qjnet services`, `qjnet places`)
TEMPLATE = {
    "name": "example what-if",
    "description": "One example of each modification type on the embedded Qianjiang dataset. The values are "
                   "examples to replace with the plan's own; delete what you do not need. Applied in this order "
                   "whatever the order below: remove-trips, add-trips, reroute, remove-stops, adjust-dwell-time, "
                   "adjust-speed, adjust-frequency, add-link, modify-link.",
    "modifications": [
        {"type": "add-trips", "comment": "a new service: stops by id, name or 'lat,lon' (a new stop); without "
                                         "hopTimes the running time is derived from the mode's median speed",
         "id": "qianjiang_jishou_hourly", "name": "黔江-吉首 hourly", "mode": "hsr", "bidirectional": True,
         "stops": ["qianjiang", "jishou_e"],
         "frequencies": [{"startTime": "07:00", "endTime": "22:00", "headwaySecs": 3600, **_EVERY_DAY}]},
        {"type": "adjust-frequency", "comment": "a train every 30 minutes (or give per_day)",
         "service": "yuxia_fast", "headwaySecs": 1800},
        {"type": "adjust-speed", "comment": "running times divided by scale; optional hops [[from, to], ...]",
         "services": ["qzc_conv"], "scale": 1.25},
        {"type": "adjust-dwell-time", "comment": "seconds added at each listed stop (default: every intermediate "
                                                 "stop)", "services": ["yuxia_all"], "stops": ["wulong_s"],
         "dwellSecs": 120},
        {"type": "remove-stops", "comment": "the service no longer calls at these stops",
         "services": ["yuxia_all"], "stops": ["banan_hsr"], "secondsSavedAtEachStop": 120},
        {"type": "remove-trips", "comment": "the service no longer runs", "services": ["air_ckg_cqw"]},
        {"type": "reroute", "comment": "new stops between fromStop and toStop; hopTimes in seconds (here the "
                                       "qzc_emu times between these stations), derived when left out",
         "service": "through_cq_zjj", "fromStop": "qianjiang", "toStop": "zjj_w", "stops": ["laifeng"],
         "hopTimes": [1698, 4350]},
        {"type": "add-link", "comment": "a new road: length_km and speed_kmh, or minutes",
         "id": "new_road_laifeng_youyang", "from": "laifeng_cty", "to": "youyang_cty", "mode": "expressway",
         "length_km": 95, "speed_kmh": 80},
        {"type": "modify-link", "comment": "a new speed (speed_kmh), a new time (minutes) or closed: true",
         "link": "expy_g65_qianjiang_dist_youyang_cty", "speed_kmh": 100},
    ],
}


def template() -> dict:
    """A what-if file with one example of each modification type, valid on the embedded dataset."""
    return TEMPLATE


@scenario.command("new")
@click.option("--output", "-o", "output", required=True, type=click.Path(dir_okay=False, allow_dash=True),
              metavar="FILE", help="File to write (JSON, atomically); - for standard output.")
def new(output):
    """Write a what-if scenario file with one commented example of each modification type.

    Edit it, check it with `qjnet scenario validate FILE`, use it with --scenario-file FILE.
    """
    from ..geodata._atomic import check_target, write_text

    text = json.dumps(template(), ensure_ascii=False, indent=2) + "\n"
    if output == "-":
        click.echo(text, nl=False)
        return
    check_target(output)
    write_text(output, text)
    click.echo(f"wrote {output}", err=True)


def _base_options(func):
    func = click.option("--scenario", "-s", default=None, metavar="NAME",
                        help="Dataset scenario applied before the file (e.g. plan-2035).")(func)
    func = click.option("--date", "-d", default=None, metavar="YYYY-MM-DD", callback=check_date,
                        help=DATE_HELP.replace("default: everything", "default: today"))(func)
    return data_option(func)


def _base(data, date, scenario):
    """The dataset a file is checked against: selected as the graph commands select it."""
    import datetime as dt

    if date is None and scenario is None:
        date = dt.date.today()
    return open_dataset(data, date, scenario, whatif=None)


@scenario.command("validate")
@click.argument("file", type=click.Path(dir_okay=False))
@_base_options
@click.pass_context
def validate(ctx, file, data, date, scenario):
    """Check FILE against the dataset and list every problem, one per line.

    Exits 0 when the file applies cleanly, 2 when it does not.
    """
    from ..geodata.whatif import read_scenario_file, validate_scenario_file

    whatif = read_scenario_file(file)
    problems = validate_scenario_file(whatif, _base(data, date, scenario))
    for problem in problems:
        click.echo(str(problem))
    n = len(whatif.modifications)
    if problems:
        click.echo(f"{file}: {len(problems)} problem{'s' if len(problems) > 1 else ''} in {n} modifications")
        ctx.exit(2)
    click.echo(f"{file}: ok, {n} modifications ({whatif.name})")


@scenario.command("show")
@click.argument("file", type=click.Path(dir_okay=False))
@_base_options
@output_options
def show(file, data, date, scenario, fmt, output):
    """What each modification of FILE changes: services, stops and links added, removed, changed.

    Rows come in the order the modifications are applied.
    """
    from ..geodata.whatif import read_scenario_file, whatif_changes

    whatif = read_scenario_file(file)
    ds = _base(data, date, scenario)
    rows = whatif_changes(ds, whatif)
    meta = {"scenario file": file, "name": whatif.name, "date": ds.date.isoformat() if ds.date else None,
            "modifications": len(whatif.modifications), "changes": len(rows)}
    emit(Result(payload={**meta, "changes": rows}, rows=rows,
                columns=["index", "type", "action", "layer", "id", "what"], meta=meta), fmt, output)
