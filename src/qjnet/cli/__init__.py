"""The ``qjnet`` command line: a thin click layer over the library.

Commands live in small modules under ``qjnet.cli`` and are imported only when
invoked, so ``qjnet --help`` starts fast.  Every :class:`geodata.errors.QjnetError`
becomes one line on stderr and the error's exit code (2 for bad input, 1 for
no result); nothing else is printed.
"""

from __future__ import annotations

import importlib
import logging
import os
import sys

import click

# command name -> (module, attribute, one-line help shown by `qjnet --help`)
COMMANDS: dict[str, tuple[str, str, str]] = {
    "places": ("qjnet.cli._data", "places", "List the dataset's nodes (places, stations, airports, ...)."),
    "validate": ("qjnet.cli._data", "validate", "Check a dataset folder and report every problem."),
    "export": ("qjnet.cli._data", "export", "Write the dataset as GeoJSON, GeoPackage or a GTFS feed."),
    "map": ("qjnet.cli._maps", "map_command", "Draw the whole network as an interactive, offline HTML map."),
    "explore": ("qjnet.cli._explore", "explore", "Accessibility explorer: one offline HTML page, origin, budget, scenario."),
    "matrix": ("qjnet.cli._matrix", "matrix", "Travel-time matrix to Parquet or CSV (optionally on Dask)."),
    "route": ("qjnet.cli._engine", "route", "Fastest trip between two places, leg by leg."),
    "reach": ("qjnet.cli._engine", "reach", "Everything reached from a place within a time budget."),
    "circle": ("qjnet.cli._engine", "circle", "Economic circle: places per time band, station and centre based."),
    "compare": ("qjnet.cli._engine", "compare", "Before/after minutes to every place on two dates or scenarios."),
    "access": ("qjnet.cli._engine", "access", "Population reachable and gravity accessibility of every place."),
    "freight": ("qjnet.cli._freight", "freight", "Freight chain to a port by time, cost or CO2; Pareto set; before/after."),
    "catchment": ("qjnet.cli._freight", "catchment", "Places that ship to the port more cheaply through a yard."),
    "services": ("qjnet.cli._scenario", "services_command", "List the dataset's services: mode, stops, frequency."),
    "scenario": ("qjnet.cli._scenario", "scenario", "What-if scenario files: new template, validate, show."),
}


class LazyGroup(click.Group):
    """A click group whose subcommands are imported on first use."""

    def list_commands(self, ctx):
        return sorted(COMMANDS)

    def get_command(self, ctx, name):
        spec = COMMANDS.get(name)
        if spec is None:
            return None
        module, attr, _ = spec
        return getattr(importlib.import_module(module), attr)

    def format_commands(self, ctx, formatter):
        rows = [(name, COMMANDS[name][2]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def main(self, *args, standalone_mode: bool = True, **kwargs):
        """Run the command line; every usage error is one line on stderr, Ctrl-C exits 130."""
        if not standalone_mode:
            return super().main(*args, standalone_mode=False, **kwargs)
        try:
            code = super().main(*args, standalone_mode=False, **kwargs)
        except click.exceptions.Abort:
            # writes are atomic, so an interrupted command leaves no partial file behind
            click.echo("qjnet: interrupted; no output was written", err=True)
            sys.exit(130)
        except click.ClickException as err:
            message = " ".join(err.format_message().split())
            ctx = getattr(err, "ctx", None)
            hint = f" (see '{ctx.command_path} --help')" if isinstance(err, click.UsageError) and ctx else ""
            click.echo(f"qjnet: error: {message}{hint}", err=True)
            sys.exit(err.exit_code)
        sys.exit(code if isinstance(code, int) else 0)

    def invoke(self, ctx):
        from ..geodata.errors import QjnetError

        try:
            return super().invoke(ctx)
        except QjnetError as err:
            message = " ".join(str(err).split("\n")[0].split())
            click.echo(f"qjnet: error: {message}", err=True)
            ctx.exit(err.exit_code)
        except KeyboardInterrupt:
            click.echo("qjnet: interrupted; no output was written", err=True)
            ctx.exit(130)
        except ValueError as err:
            if "null byte" not in str(err):
                raise
            # a file name with a NUL byte (only possible from Python, never from a shell)
            click.echo("qjnet: error: a file name contains a NUL byte; give a usable file name", err=True)
            ctx.exit(2)



@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", count=True, help="Log progress (-v: steps, -vv: details).")
@click.version_option(package_name="qjnet", prog_name="qjnet")
def cli(verbose: int) -> None:
    """qjnet: travel times, reachability and maps for Qianjiang and the Wuling Mountain region.

    Places are given by id, Chinese name (黔江, 黔江区), English name, pinyin
    (qianjiang) or "lat,lon".  Exit codes: 0 success, 1 no result, 2 bad input.
    """
    if verbose:
        logging.basicConfig(
            level=logging.DEBUG if verbose > 1 else logging.INFO,
            format="%(levelname)s %(name)s: %(message)s",
            stream=sys.stderr,
        )


def main() -> None:
    """Run the command line and raise :class:`SystemExit` with its exit code (for callers in Python).

    The command line does no dense linear algebra, so numpy's OpenBLAS starts
    one thread instead of a pool at import (about 70 ms of a one-shot command
    on a 2-core machine); an ``OPENBLAS_NUM_THREADS`` the user set is kept.
    """
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    cli(prog_name="qjnet")


def run() -> None:
    """The ``qjnet`` program (console script and ``python -m qjnet``): :func:`main`, then :func:`_exit`."""
    try:
        main()
    except SystemExit as end:
        if end.code is not None and not isinstance(end.code, int):
            raise
        _exit(end.code or 0)
    _exit(0)


def _exit(code: int) -> None:
    """End the process with ``code`` once its work is done, without tearing the interpreter down.

    A command that has drawn a map holds pandas, geopandas, folium, networkx
    and a thousand modules; freeing all of that object by object when Python
    shuts down takes about a quarter of a second, longer than the command's
    own work on a warm cache.  The exit handlers still run (logging is flushed,
    temporary folders are removed, the template cache is saved), then the
    standard streams are flushed, then the process ends.  Every file qjnet
    writes is complete and closed by then (writes are atomic), so nothing is
    lost.  The usual shutdown is kept when it could matter: another thread
    that is not a daemon is still running (Python would wait for it), a
    profiler or tracer is attached (so ``python -m cProfile -m qjnet ...``
    still prints its report), a stream cannot be flushed (a closed pipe), or
    ``QJNET_FAST_EXIT=0`` is set.
    """
    import atexit
    import threading

    run_exit_handlers = getattr(atexit, "_run_exitfuncs", None)
    if (run_exit_handlers is None or _other_threads(threading) or sys.getprofile() is not None
            or sys.gettrace() is not None or os.environ.get("QJNET_FAST_EXIT", "1") == "0"):
        sys.exit(code)
    run_exit_handlers()
    try:
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:
                stream.flush()
    except (OSError, ValueError):
        sys.exit(code)
    os._exit(code)


def _other_threads(threading) -> bool:
    """Whether a thread other than this one that is not a daemon is still running."""
    me = threading.current_thread()
    return any(t is not me and t.is_alive() and not t.daemon for t in threading.enumerate())
