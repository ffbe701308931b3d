"""``qjnet explore``: the accessibility explorer, one offline HTML file.

Thin: get the baseline graph (``--date``, ``--scenario``, ``--scenario-file``)
and, when asked, a scenario graph (``--after-date``, ``--after-scenario``,
``--after-scenario-file``), hand both to :func:`maps.explorer.explorer_html`
and write the page atomically.  folium and geopandas are imported only here.
"""

from __future__ import annotations

import click

from ._common import Source, check_date, graph_options, read_whatif


def _after_date(src: Source, date, after_date, after_scenario):
    """The scenario side's date: --after-date, else the scenario's own fixed date, else --date."""
    if after_date is not None:
        return after_date
    if after_scenario is not None and (src.ds.scenarios.get(after_scenario) or {}).get("date"):
        return None
    return date


def _check_output(output: str) -> None:
    from pathlib import Path

    from ..geodata._atomic import check_target
    from ..geodata.errors import OptionError

    if Path(output).suffix.lower() not in (".html", ".htm"):
        raise OptionError(f"--output {output}: the explorer is an HTML page; name the file .html")
    check_target(output)


def _scenario_graph(src: Source, base: tuple, after: tuple, modes):
    """The scenario side's graph, or ``None`` when no --after-* option was given."""
    from ..geodata.errors import OptionError

    date, scenario, whatif = base
    after_date, after_scenario, after_file = after
    if after_date is None and after_scenario is None and after_file is None:
        return None
    a_date = _after_date(src, date, after_date, after_scenario)
    a_scenario = after_scenario if after_scenario is not None else scenario
    a_whatif = read_whatif(after_file) if after_file is not None else whatif
    if (a_date, a_scenario, after_file) == (date, scenario, None):
        raise OptionError("the scenario side is the baseline network; give another --after-date, "
                          "--after-scenario or an --after-scenario-file")
    return src.graph(a_date, a_scenario, modes, whatif=a_whatif)


@click.command("explore")
@click.option("--output", "-o", "output", required=True, type=click.Path(dir_okay=False), metavar="FILE.html",
              help="HTML file to write (atomically); self-contained, works offline.")
@click.option("--after-date", default=None, metavar="YYYY-MM-DD", callback=check_date,
              help="Date of the scenario side (the views baseline, scenario and difference).")
@click.option("--after-scenario", default=None, metavar="NAME", help="Scenario of the scenario side.")
@click.option("--after-scenario-file", default=None, metavar="FILE", type=click.Path(dir_okay=False),
              help="What-if scenario file of the scenario side (applied on top of the baseline's date).")
@click.option("--title", default=None, help="Title shown in the page's panel.")
@graph_options
def explore(output, after_date, after_scenario, after_scenario_file, title, data, date, scenario, modes):
    """Write an accessibility explorer: one offline HTML page, answers computed in the browser.

    Pick an origin (click a marker or use the list), a time budget (15-240
    min) and a view (baseline, scenario, difference in minutes saved); the
    page counts the places and population reached, charts population against
    minutes and colours the reached places; tooltips give each answer's range
    and published share.  Example:
    qjnet explore --output explorer.html --date 2025-07-03 --after-scenario plan-2035
    """
    from ..geodata._atomic import write_text
    from ._lazy import before_folium

    before_folium()
    from ..maps.explorer import explorer_html

    _check_output(output)
    src = Source(data)
    G0 = src.graph(date, scenario, modes)
    G1 = _scenario_graph(src, (date, scenario, src.whatif), (after_date, after_scenario, after_scenario_file), modes)
    from ..network.matrix import node_minutes
    from ..network.pair_provenance import node_provenance

    minutes = node_minutes(G0, G1)
    provenance = (node_provenance(G0, minutes.nodes), node_provenance(G1, minutes.nodes) if G1 is not None else None)
    page = explorer_html(G0, G1, minutes=minutes, dataset=src.ds, title=title, provenance=provenance)
    write_text(output, page)
    click.echo(f"wrote {output}", err=True)
