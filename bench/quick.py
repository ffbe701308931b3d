"""How long a one-shot map command takes on a warm cache, in fresh processes.

    python -m bench.quick [--runs 15] [--cache-dir DIR] [--python PYTHON]

Runs ``qjnet reach 黔江 --minutes 180 --date 2025-07-03 --map reach.html``
once to fill the cache (graph, loaded dataset, compiled templates), then
``--runs`` times, and reports the minimum and median wall-clock and CPU
seconds.  For comparison, in the same run and the same way:

* ``imports``: a process that only imports what the command needs to draw
  (geopandas with pandas, folium, networkx), with folium's templates compiled
  by jinja as usual;
* ``full shutdown``: the warm command with ``QJNET_FAST_EXIT=0``, so that Python
  frees every object and module at exit instead of ending the process once the
  exit handlers have run;
* ``no cache``: the command with ``QJNET_CACHE=0`` (graph built, dataset read,
  templates compiled every time).

Python's own bytecode cache is on (as after a normal install), whatever
``PYTHONDONTWRITEBYTECODE`` says.  ``--python`` times another installation
(e.g. a virtual environment with an earlier version) instead of this one.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

COMMAND = ("reach", "黔江", "--minutes", "180", "--date", "2025-07-03")
IMPORTS = "import geopandas, folium, networkx"


def _run(argv: list[str], env: dict) -> tuple[float, float]:
    """Wall-clock and CPU seconds (user + system) of one process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(argv, env=env, check=True, capture_output=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def measure(runs: int, cache_dir: str | None = None, python: str = sys.executable) -> dict:
    """``{case: {"wall_min", "wall_median", "cpu_median"}}`` for the warm command and the cases it is compared with."""
    with tempfile.TemporaryDirectory() as tmp:
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "QJNET_CACHE")}
        env["QJNET_CACHE_DIR"] = cache_dir or str(Path(tmp) / "cache")
        page = str(Path(tmp) / "reach.html")
        cases = {"warm cache": ([python, "-m", "qjnet", *COMMAND, "--map", page], env),
                 "full shutdown": ([python, "-m", "qjnet", *COMMAND, "--map", page], {**env, "QJNET_FAST_EXIT": "0"}),
                 "imports": ([python, "-c", IMPORTS], env),
                 "no cache": ([python, "-m", "qjnet", *COMMAND, "--map", page], {**env, "QJNET_CACHE": "0"})}
        for argv, e in cases.values():
            _run(argv, e)  # fills the caches (and Python's bytecode cache)
        times: dict[str, list[tuple[float, float]]] = {name: [] for name in cases}
        for _ in range(runs):  # interleaved, so a busy moment costs every case alike
            for name, (argv, e) in cases.items():
                times[name].append(_run(argv, e))
    return {name: {"wall_min": min(w for w, _ in t), "wall_median": statistics.median(w for w, _ in t),
                   "cpu_median": statistics.median(c for _, c in t)} for name, t in times.items()}


def table(result: dict) -> str:
    warm = result["warm cache"]["wall_median"]
    lines = ["case           wall min  wall median  CPU median  median / warm"]
    for name, r in result.items():
        lines.append(f"{name:13s}  {r['wall_min']:7.2f}s  {r['wall_median']:10.2f}s  {r['cpu_median']:9.2f}s"
                     f"  {r['wall_median'] / warm:12.2f}x")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--cache-dir", default=None, help="cache folder to use (default: a new temporary one)")
    ap.add_argument("--python", default=sys.executable, help="the Python of the installation to time")
    args = ap.parse_args(argv)
    print(f"qjnet {' '.join(COMMAND)} --map reach.html; load average {os.getloadavg()[0]:.2f}")
    print(table(measure(args.runs, args.cache_dir, args.python)))


if __name__ == "__main__":
    main()
