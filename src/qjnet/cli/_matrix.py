"""``qjnet matrix``: travel-time matrices to Parquet or CSV, on one machine or a Dask cluster.

Thin: parse options, get the graph (dataset via ``network.build``, or a
GraphML file), call :mod:`network.matrix`, report.  pandas, scipy and dask are
imported only inside the command.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time

import click

from ._common import graph_options, measure_options

log = logging.getLogger(__name__)

ALL_PLACES = "all-places"


def _split(text: str) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()]


def _graph(graph_file, data, date, scenario, modes):
    """The graph to run on: a GraphML file, or the dataset's graph (joined to the ``--roads`` network if given)."""
    from ..geodata.errors import OptionError
    from ._common import Source

    src = Source(data)
    if graph_file and (data or date or scenario or modes or src.roads is not None or src.whatif is not None):
        raise OptionError("--graph FILE is a complete graph: leave out --data, --date, --scenario, "
                          "--scenario-file, --modes and --roads")
    if graph_file:
        from ..network.roads import read_graphml

        return read_graphml(graph_file)
    return src.build(date, scenario, modes)


def _resolve(G, text: str, what: str, *, names: bool) -> list:
    """Node ids for a comma-separated list of places or ``all-places``; ``names``: also names, pinyin."""
    from ..geodata.errors import OptionError

    if text.strip() == ALL_PLACES:
        ids = [n for n, k in G.nodes(data="kind") if k == "place"]
        if not ids:
            raise OptionError(f"--{what} all-places: the graph has no nodes of kind 'place'; list node ids")
        return ids
    items = _split(text)
    if not items:
        raise OptionError(f"--{what} is empty; give comma-separated places or {ALL_PLACES}")
    return [_node(G, item, names=names) for item in items]


def _node(G, text: str, *, names: bool):
    if not names:  # a GraphML graph: ids only (digits match integer ids); others are named by network.csr
        return int(text) if text not in G and text.lstrip("-").isdigit() and int(text) in G else text
    from ..geodata.resolve import resolve_node

    return resolve_node(G, text)


def _default_destinations(G) -> list:
    """Every node except the internal service-stop nodes of the model graph."""
    return [n for n, k in G.nodes(data="kind") if k != "service_stop"]


def _run(compiled, origin_ids, dest_ids, max_minutes, output, wide, client, chunk_size):
    """Compute and write; a tqdm bar (on a terminal only) shows chunks done."""
    from tqdm import tqdm

    from ..network.matrix import matrix_wide, write_matrix, write_wide

    bar = tqdm(total=None, unit="chunk", desc="matrix", disable=None, leave=False)

    def progress(done, total):
        bar.total = total
        bar.update(done - bar.n)

    try:
        if wide:
            frame = matrix_wide(compiled, origin_ids, dest_ids, max_minutes=max_minutes, client=client,
                                chunk_size=chunk_size, progress=progress)
            write_wide(frame, output)
            return int(frame.notna().to_numpy().sum()), None
        written = write_matrix(compiled, origin_ids, output, dest_ids, max_minutes=max_minutes,
                               client=client, chunk_size=chunk_size, progress=progress)
        return written.rows, written.chunks
    finally:
        bar.close()


@click.command("matrix")
@click.option("--origins", required=True, metavar="A,B,...|all-places",
              help="Origins: comma-separated ids or names, or all-places (every node of kind place).")
@click.option("--destinations", default=None, metavar="A,B,...|all-places",
              help="Destinations (default: every node except service stops).")
@click.option("--max-minutes", type=float, default=None, metavar="T",
              help="Leave out pairs more than T minutes apart (and search no farther: faster).")
@click.option("--output", "-o", required=True, type=click.Path(),
              help="m.parquet, m.csv, or a folder name without suffix for Parquet partitions (one per chunk).")
@click.option("--wide", is_flag=True, help="One row per origin, one column per destination (.parquet or .csv).")
@click.option("--scheduler", default=None, metavar="tcp://HOST:8786", help="Run on this Dask scheduler's workers.")
@click.option("--workers", type=click.IntRange(min=1), default=None, metavar="N",
              help="Run on a local Dask cluster of N worker processes.")
@click.option("--chunk-size", type=click.IntRange(min=1), default=None, metavar="K",
              help="Origins per chunk (default: by graph size and workers).")
@click.option("--graph", "graph_file", type=click.Path(), default=None, metavar="FILE",
              help="Use this GraphML graph or road network (OSMnx conventions) instead of the dataset.")
@graph_options
@measure_options
def matrix(origins, destinations, max_minutes, output, wide, scheduler, workers, chunk_size, graph_file,
           data, date, scenario, modes, measure):
    """Travel times from every origin to every destination, written to OUTPUT.

    Long output has columns origin, destination, minutes (reached pairs only);
    --wide writes one row per origin.  Example:
    qjnet matrix --origins all-places --max-minutes 240 --output m.parquet
    The default measure is expected (the compiled graph, optionally on Dask);
    --window/--depart/--measure percentile|fastest read the timetable of
    --date in one process, and the long table gains the measure's columns.
    """
    from ..geodata.errors import OptionError
    from ..network.matrix import check_output

    if measure is not None:
        _matrix_timed(origins, destinations, max_minutes, output, wide, scheduler, workers, graph_file,
                      data, date, scenario, modes, measure)
        return
    if scheduler and workers:
        raise OptionError("give either --scheduler or --workers, not both")
    cores = os.cpu_count() or 1
    if workers and workers > cores:
        raise OptionError(f"--workers {workers}: this machine has {cores} cores; give at most {cores} "
                          "(or run on a cluster with --scheduler)")
    check_output(output, wide=wide)
    started = time.perf_counter()
    with contextlib.ExitStack() as stack:
        client = None
        if scheduler:  # first, so an address that does not answer fails before any work
            from ..network.distributed import connect

            client = connect(scheduler)
            stack.callback(client.close)
        G = _graph(graph_file, data, date, scenario, modes)
        names = graph_file is None  # the dataset's graph: places also by name, pinyin, "lat,lon"
        origin_ids = _resolve(G, origins, "origins", names=names)
        dest_ids = (_default_destinations(G) if destinations is None
                    else _resolve(G, destinations, "destinations", names=names))

        from ..network.csr import compile_graph

        compiled = compile_graph(G)
        compiled.indices_of(origin_ids, what="origin")
        compiled.indices_of(dest_ids, what="destination")
        if workers:
            from ..network.distributed import local_client

            client = stack.enter_context(local_client(workers))
        rows, chunks = _run(compiled, origin_ids, dest_ids, max_minutes, output, wide, client, chunk_size)
    where = f"Dask scheduler {scheduler}" if scheduler else (f"{workers} local Dask workers" if workers
                                                             else "one process")
    click.echo(
        f"wrote {output}: {rows:,} {'cells' if wide else 'rows'}, {len(dict.fromkeys(origin_ids)):,} origins x "
        f"{len(dict.fromkeys(dest_ids)):,} destinations"
        + (f", {chunks} chunk{'s' if chunks > 1 else ''}" if chunks else "")
        + f", {where}, {time.perf_counter() - started:.1f} s",
        err=True,
    )


def _matrix_timed(origins, destinations, max_minutes, output, wide, scheduler, workers, graph_file,
                  data, date, scenario, modes, measure):
    """The matrix under a timetable measure (one range-RAPTOR per origin, in this process)."""
    from ..geodata.errors import OptionError
    from ..network.matrix import check_output, write_wide
    from ..network.measures import departure_day, matrix_window, timed_network
    from ._common import Source

    if graph_file or Source(data).roads is not None or scheduler or workers:
        raise OptionError("--measure percentile/fastest, --window and --depart run on the dataset's timetable in "
                          "one process: leave out --graph, --roads, --scheduler and --workers (or use "
                          "--measure expected)")
    if date is None:
        raise OptionError(f"--measure {measure.label()['measure']} runs on the timetable of one date: give "
                          "--date YYYY-MM-DD (or --measure expected)")
    fmt = check_output(output, wide=wide)
    if fmt == "parquet-folder":
        raise OptionError(f"{output}: a timetable measure writes one file; name it .parquet or .csv")
    started = time.perf_counter()
    day, measure = departure_day(date, measure)
    tn = timed_network(data, date=day, scenario=scenario, modes=modes)
    origin_ids = _resolve(tn.graph, origins, "origins", names=True)
    dest_ids = None if destinations is None else _resolve(tn.graph, destinations, "destinations", names=True)
    frame = matrix_window(tn, origin_ids, dest_ids, measure=measure, max_minutes=max_minutes)
    label = {k: str(v) for k, v in measure.label().items()}
    if wide:
        table = frame.pivot(index="origin", columns="destination", values="minutes")
        table.attrs.update(label)
        write_wide(table, output)
        rows = int(table.notna().to_numpy().sum())
    else:
        rows = len(frame)
        _write_long(frame.assign(**label), output, fmt)
    click.echo(f"wrote {output}: {rows:,} {'cells' if wide else 'rows'}, {len(dict.fromkeys(origin_ids)):,} "
               f"origins, {', '.join(f'{k} {v}' for k, v in label.items())}, date {tn.date.isoformat()}, "
               f"one process, {time.perf_counter() - started:.1f} s", err=True)


def _write_long(frame, output, fmt):
    from ..geodata._atomic import atomic_path

    with atomic_path(output) as tmp:
        if fmt == "csv":
            frame.to_csv(tmp, index=False)
        else:
            frame.to_parquet(tmp, index=False)
