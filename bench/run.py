"""Side-by-side benchmark: networkx, raw scipy.sparse.csgraph, igraph, rustworkx and qjnet.

Run from the repository root::

    python -m bench.run --sizes 10k,250k,1M

For each size, on the same seeded synthetic network (:mod:`bench.synth`):

* ``build``: networkx graph from the arrays; scipy CSR from the arrays; igraph
  and rustworkx graphs from the arrays; qjnet: compiling the networkx graph
  to CSR (``network.csr.compile_graph``; the networkx graph is the model, so
  qjnet's total build is the networkx column plus this).
* ``reach 60``: one origin, every node within 60 minutes.  qjnet runs the
  public ``network.reach.reach`` (GeoDataFrame with names, minutes, mode of
  arrival) and, as ``qjnet csr``, ``network.csr.nearest_times`` plus a
  GeoDataFrame of id, minutes and point (geometries taken from
  ``CompiledGraph.points()``, built once per graph).  igraph and rustworkx have no cutoff:
  they compute the full tree and filter.
  A note gives qjnet's reach again, on other origins, once every node's
  point is made (``compile_graph(G).points()``, with its time and memory).
* ``tree``: one origin, every node (full shortest-path tree).
* ``matrix N``: N origins to the same N points, pairs within 60 minutes.
  qjnet: ``network.matrix.matrix_long`` (a DataFrame of ids; ``engine="dijkstra"``);
  qjnet ch: the same
  with ``engine="ch"`` on the contraction hierarchy built once beforehand
  (its build time is the ``build`` cell of that column); scipy: the same
  chunked ``dijkstra(limit=60)`` loop that returns a bare array.
* ``peak MB``: peak resident memory added by building the library's graph and
  answering one reach, each in a fresh process.
* ``dask``: a 2,000-origin matrix on a LocalCluster of 1 and of 2 workers.
* ``ch``: the many-to-many comparison of :mod:`bench.ch` (qjnet's contraction
  hierarchy, scipy's Dijkstra and pandana's hierarchy on one 1,000 x 1,000
  matrix, with preprocessing time and memory), printed after the main table.

Every timing is the median of ``--repeat`` runs (default 5), each on a
different origin, after one warm-up run; a cell shows ``(n)`` when the time
budget (``--budget`` seconds per cell) allowed fewer runs.  A ``~`` marks a
matrix time extrapolated from a subset of the origins (libraries without a
cutoff or without many-origin calls would take many minutes per run).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from bench.synth import parse_size, synth_arrays, to_networkx

LIBS = ("networkx", "scipy", "igraph", "rustworkx", "qjnet", "qjnet csr", "qjnet ch")
REACH_MIN = 60.0
MATRIX_SIZES = (200, 1000)
DASK_ORIGINS = 2000
DEFAULT_OPS = ("build", "reach", "tree", "matrix", "memory", "dask", "ch")
BIG_OPS = ("build", "reach", "tree", "memory", "ch")  # for sizes of 1M nodes and more


def _rss_mb(field: str = "VmRSS") -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return math.nan


def _reset_peak() -> None:
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
    except OSError:
        pass


class Timer:
    """Median of up to ``repeat`` runs within ``budget`` seconds (at least one run)."""

    def __init__(self, repeat: int, budget: float):
        self.repeat, self.budget = repeat, budget

    def __call__(self, fn, args_list, *, warmup: bool = True):
        if warmup:
            fn(args_list[0])
        times: list[float] = []
        for k in range(self.repeat):
            t0 = time.perf_counter()
            fn(args_list[k % len(args_list)])
            times.append(time.perf_counter() - t0)
            if sum(times) > self.budget:
                break
        return {"s": statistics.median(times), "n": len(times)}


# --- the libraries -------------------------------------------------------------------


def build_all(s, which):
    """Build each library's graph once (kept for the queries)."""
    out = {}
    if "networkx" in which or "qjnet" in which or "qjnet csr" in which:
        out["networkx"] = to_networkx(s)
    if "scipy" in which:
        from scipy.sparse import csr_matrix

        out["scipy"] = csr_matrix((s.minutes, (s.src, s.dst)), shape=(s.n, s.n))
    if "igraph" in which:
        import igraph

        g = igraph.Graph(n=s.n, edges=np.column_stack([s.src, s.dst]), directed=True)
        g.es["w"] = s.minutes
        out["igraph"] = g
    if "rustworkx" in which:
        import rustworkx as rx

        r = rx.PyDiGraph()
        r.add_nodes_from(range(s.n))
        r.add_edges_from(list(zip(s.src.tolist(), s.dst.tolist(), s.minutes.tolist(), strict=False)))
        out["rustworkx"] = r
    return out


def builders(s):
    from scipy.sparse import csr_matrix

    def nx_build(_):
        to_networkx(s)

    def sp_build(_):
        csr_matrix((s.minutes, (s.src, s.dst)), shape=(s.n, s.n))

    def ig_build(_):
        import igraph

        g = igraph.Graph(n=s.n, edges=np.column_stack([s.src, s.dst]), directed=True)
        g.es["w"] = s.minutes

    def rx_build(_):
        import rustworkx as rx

        r = rx.PyDiGraph()
        r.add_nodes_from(range(s.n))
        r.add_edges_from(list(zip(s.src.tolist(), s.dst.tolist(), s.minutes.tolist(), strict=False)))

    return {"networkx": nx_build, "scipy": sp_build, "igraph": ig_build, "rustworkx": rx_build}


def queries(graphs, s):
    """``{lib: (reach(o), tree(o), matrix(origins), many)}``; matrix returns cells or None."""
    q = {}
    if graphs.get("networkx") is not None:
        q.update(_networkx_queries(graphs["networkx"]))
    if graphs.get("scipy") is not None:
        q["scipy"] = _scipy_queries(graphs["scipy"])
    if graphs.get("igraph") is not None:
        q["igraph"] = _igraph_queries(graphs["igraph"])
    if graphs.get("rustworkx") is not None:
        q["rustworkx"] = _rustworkx_queries(graphs["rustworkx"])
    return q


def _networkx_queries(G):
    """networkx itself, qjnet's public functions, and qjnet's compiled form on the same graph."""
    import importlib

    import geopandas as gpd
    import networkx as nx
    import pandas as pd

    csr = importlib.import_module("qjnet.network.csr")
    matrix = importlib.import_module("qjnet.network.matrix")
    reach = importlib.import_module("qjnet.network.reach")

    def nx_reach(o):
        return nx.single_source_dijkstra_path_length(G, o, cutoff=REACH_MIN, weight="minutes")

    def nx_tree(o):
        return nx.single_source_dijkstra_path_length(G, o, weight="minutes")

    def nx_matrix(origins):
        dest = set(origins)
        return [{d: t for d, t in nx_reach(o).items() if d in dest} for o in origins]

    def qj_reach(o):
        return reach.reach(G, o, minutes=REACH_MIN)

    def qj_tree(o):
        return csr.shortest_times(G, [o]).minutes

    def qj_matrix(origins):
        return matrix.matrix_long(G, origins, origins, max_minutes=REACH_MIN, engine="dijkstra")

    def qjch_matrix(origins):
        return matrix.matrix_long(G, origins, origins, max_minutes=REACH_MIN, engine="ch")

    def qjc_reach(o):
        t = csr.nearest_times(G, [o], limit=REACH_MIN)
        idx = t.reached()
        C = t.compiled
        frame = pd.DataFrame({"minutes": t.minutes[idx]}, index=pd.Index(C.nodes[idx], name="id"))
        return gpd.GeoDataFrame(frame, geometry=C.points().take(idx))

    return {"networkx": (nx_reach, nx_tree, nx_matrix, False), "qjnet": (qj_reach, qj_tree, qj_matrix, True),
            "qjnet csr": (qjc_reach, None, None, True), "qjnet ch": (None, None, qjch_matrix, True)}


def _scipy_queries(M):
    import importlib

    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import dijkstra

    matrix = importlib.import_module("qjnet.network.matrix")
    M = csr_matrix(M)

    def sp_reach(o):
        d = dijkstra(M, indices=o, limit=REACH_MIN)
        return np.flatnonzero(np.isfinite(d))

    def sp_tree(o):
        return dijkstra(M, indices=o)

    def sp_matrix(origins):
        idx = np.asarray(origins)
        size = max(1, matrix.CHUNK_BYTES // (8 * M.shape[0]))
        return [dijkstra(M, indices=idx[i:i + size], limit=REACH_MIN)[:, idx]
                for i in range(0, len(idx), size)]

    return (sp_reach, sp_tree, sp_matrix, True)


def _igraph_queries(g):
    def ig_tree(o):
        return g.distances(source=[o], weights="w")[0]

    def ig_reach(o):
        d = np.asarray(ig_tree(o))
        return np.flatnonzero(d <= REACH_MIN)

    def ig_matrix(origins):
        return g.distances(source=list(origins), target=list(origins), weights="w")

    return (ig_reach, ig_tree, ig_matrix, False)


def _rustworkx_queries(r):
    import rustworkx as rx

    def rx_tree(o):
        return rx.digraph_dijkstra_shortest_path_lengths(r, o, edge_cost_fn=float)

    def rx_reach(o):
        return {k: v for k, v in rx_tree(o).items() if v <= REACH_MIN}

    def rx_matrix(origins):
        dest = set(origins)
        return [{d: t for d, t in rx_reach(o).items() if d in dest} for o in origins]

    return (rx_reach, rx_tree, rx_matrix, False)


# --- memory probes (fresh process each) ----------------------------------------------


def probe(lib: str, n: int, seed: int) -> dict:
    """Peak MB added by building ``lib``'s graph and answering one reach (run in a fresh process)."""
    import importlib

    s = synth_arrays(n, seed=seed)
    o = int(np.random.default_rng(seed).integers(0, s.n))
    out = {}
    # imports first: the figure is the graph and the query, not the library's code
    for mod in {"networkx": ["networkx"], "scipy": ["scipy.sparse.csgraph"], "igraph": ["igraph"],
                "rustworkx": ["rustworkx"], "qjnet": ["networkx", "scipy.sparse.csgraph", "geopandas", "qjnet.network.reach"]}[lib]:
        importlib.import_module(mod)
    queries({}, s)  # the modules the query functions use
    if lib == "qjnet":  # load the compiled search kernel too (code, like an import): one reach on a small graph
        small = to_networkx(synth_arrays(5_000, seed=seed + 1))
        importlib.import_module("qjnet.network.reach").reach(small, next(iter(small)), minutes=REACH_MIN)
        del small
    base = _rss_mb()
    _reset_peak()
    if lib in ("networkx", "qjnet"):
        G = to_networkx(s)
        if lib == "networkx":
            import networkx as nx

            nx.single_source_dijkstra_path_length(G, o, cutoff=REACH_MIN, weight="minutes")
        else:
            from qjnet.network import csr

            reach = importlib.import_module("qjnet.network.reach")
            mid = _rss_mb()
            _reset_peak()
            r = reach.reach(G, o, minutes=REACH_MIN)  # the public call: compiles, searches, builds the GeoDataFrame
            np.asarray(r.geometry.values)  # and its points, made when first read
            out["compiled_mb"] = _rss_mb("VmHWM") - mid
            out["compiled_nbytes_mb"] = csr.compile_graph(G).nbytes / 2**20
            out["peak_mb"] = _rss_mb("VmHWM") - base
            return out
    else:
        graphs = build_all(s, {lib})
        reach_fn = queries(graphs, s)[lib][0]
        reach_fn(o)
    out["peak_mb"] = _rss_mb("VmHWM") - base
    return out


def run_probe(lib: str, n: int, seed: int) -> dict:
    env = dict(os.environ)
    root = Path(__file__).resolve().parent.parent
    env["PYTHONPATH"] = str(root) + os.pathsep + env.get("PYTHONPATH", "")
    r = subprocess.run([sys.executable, "-m", "bench.run", "--probe", lib, "--sizes", str(n), "--seed", str(seed)],
                       capture_output=True, text=True, env=env, cwd=root, check=False)
    if r.returncode != 0:
        return {"error": (r.stderr.strip().splitlines() or ["failed"])[-1]}
    return json.loads(r.stdout.strip().splitlines()[-1])


# --- dask ---------------------------------------------------------------------------


def bench_dask(G, origins, timer: Timer) -> dict:
    from qjnet.network.distributed import local_client
    from qjnet.network.matrix import matrix_long

    out = {}
    for workers in (1, 2):
        with local_client(workers) as client:
            matrix_long(G, origins[:4], origins[:4], client=client)  # workers import qjnet
            out[workers] = timer(lambda os_: matrix_long(G, os_, os_, max_minutes=REACH_MIN, client=client),
                                 [origins], warmup=False)
    out["speedup"] = out[1]["s"] / out[2]["s"]
    return out


# --- driver --------------------------------------------------------------------------


def bench_size(n: int, args) -> dict:
    rng = np.random.default_rng(args.seed)
    t0 = time.perf_counter()
    s = synth_arrays(n, seed=args.seed)
    res: dict = {"nodes": s.n, "edges": s.m, "cells": {}, "notes": []}
    ops = set(args.ops or (BIG_OPS if n >= 1_000_000 else DEFAULT_OPS))
    timer = Timer(args.repeat, args.budget)
    log(f"{n:,}: {s.n:,} nodes, {s.m:,} edges generated in {time.perf_counter() - t0:.1f} s")
    cells = res["cells"]
    graphs = build_all(s, set(args.libs) | {"networkx"})
    G = graphs["networkx"]
    if "build" in ops:
        _bench_build(cells, s, G, timer, args)
    from qjnet.network import csr

    csr.compile_graph(G)
    q = {lib: fns for lib, fns in queries(graphs, s).items() if lib in args.libs}
    origins = [int(v) for v in rng.choice(s.n, size=max(args.repeat, 1), replace=False)]
    if "reach" in ops:
        _bench_reach(cells, res["notes"], q, s, origins, timer, G)
    if "tree" in ops:
        for lib, (_, tree_fn, _, _) in q.items():
            if tree_fn is not None:
                cells[("tree", lib)] = timer(tree_fn, origins)
                log(f"  tree {lib}: {cells[('tree', lib)]}")
    if "matrix" in ops and "qjnet ch" in q:
        _bench_ch_build(cells, res["notes"], G)
    if "matrix" in ops:
        _bench_matrix(cells, q, s, rng, timer, args)
    if "memory" in ops:
        for lib in ("networkx", "scipy", "igraph", "rustworkx", "qjnet"):
            if lib in args.libs:
                cells[("peak MB", lib)] = run_probe(lib, n, args.seed)
                log(f"  memory {lib}: {cells[('peak MB', lib)]}")
    if "dask" in ops and s.n >= DASK_ORIGINS and "qjnet" in args.libs:
        do = [int(v) for v in rng.choice(s.n, size=DASK_ORIGINS, replace=False)]
        res["dask"] = bench_dask(G, do, Timer(min(args.repeat, 3), args.budget))
        log(f"  dask: {res['dask']}")
    if "ch" in ops:
        from bench import ch as bench_ch

        del graphs, G, q
        res["ch"] = bench_ch.bench_size(n, args)
    return res


def _bench_build(cells, s, G, timer, args) -> None:
    from qjnet.network import csr

    for lib, fn in builders(s).items():
        if lib in args.libs:
            cells[("build", lib)] = timer(fn, [None], warmup=False)
            log(f"  build {lib}: {cells[('build', lib)]}")
    if "qjnet" in args.libs:
        cells[("build", "qjnet")] = timer(lambda _: csr.compile_graph(G, refresh=True), [None], warmup=False)
        log(f"  build qjnet: {cells[('build', 'qjnet')]}")


def _bench_reach(cells, notes, q, s, origins, timer, G) -> None:
    # qjnet csr makes every node's point, which qjnet's reach would then reuse: it runs last, after qjnet's notes
    for lib in [lib for lib in q if lib != "qjnet csr"]:
        _bench_reach_cell(cells, q, lib, origins, timer)
    if "qjnet" in q:
        _bench_reach_geometry_read(cells, notes, q["qjnet"][0], _other_origins(s, origins, 1), timer)
        _bench_reach_points_kept(notes, q["qjnet"][0], _other_origins(s, origins, 2), timer, G)
    if "qjnet csr" in q:
        _bench_reach_cell(cells, q, "qjnet csr", origins, timer)


def _bench_reach_cell(cells, q, lib, origins, timer) -> None:
    reach_fn = q[lib][0]
    if reach_fn is not None:
        cells[("reach 60", lib)] = timer(reach_fn, origins)
        log(f"  reach {lib}: {cells[('reach 60', lib)]}")


def _other_origins(s, origins, salt: int) -> list:
    """As many origins again, none of ``origins`` (so no search runs in an area searched just before)."""
    others = np.setdiff1d(np.arange(s.n), origins)
    rng = np.random.default_rng([origins[0], salt])
    return [int(v) for v in rng.choice(others, size=len(origins), replace=False)]


def _bench_reach_geometry_read(cells, notes, reach_fn, origins, timer) -> None:
    """qjnet's reach with every point of its frame read too (a reach's points are made when first read)."""
    def read(o):
        return np.asarray(reach_fn(o).geometry.values)

    both = timer(read, origins)
    scipy = cells.get(("reach 60", "scipy"), {}).get("s")
    versus = f", {both['s'] / scipy:.2f}x scipy's reach" if scipy else ""
    notes.append(f"qjnet reach with its geometry read (every point of the frame made): {both['s'] * 1e3:.1f} ms "
                 f"(median of {both['n']}, origins in new areas){versus}")
    log(f"  reach qjnet, geometry read: {both}")


def _bench_reach_points_kept(notes, reach_fn, origins, timer, G) -> None:
    """qjnet's reach once every node's point is made (``compile_graph(G).points()``): the memory-for-speed option."""
    from qjnet.network import csr

    C = csr.compile_graph(G)
    r0, t0 = _rss_mb(), time.perf_counter()
    C.points()
    made, grew = time.perf_counter() - t0, _rss_mb() - r0
    kept = timer(reach_fn, origins)
    notes.append(f"qjnet reach with every node's point kept: {kept['s'] * 1e3:.1f} ms (median of {kept['n']}); "
                 f"making the points took {made:.2f} s, resident memory +{grew:.0f} MB (compiled CSR {C.nbytes / 2**20:.0f} MB)")
    log(f"  reach qjnet, points kept: {kept}")


def _bench_ch_build(cells, notes, G) -> None:
    """Build the contraction hierarchy once (timed, with its memory); the ch matrix cells are queries only."""
    from qjnet.network import ch, csr

    C = csr.compile_graph(G)
    r0 = _rss_mb()
    h = ch.build_ch(C, refresh=True)
    cells[("build", "qjnet ch")] = {"s": h.seconds, "n": 1}
    notes.append(f"qjnet ch: contraction hierarchy built in {h.seconds:.1f} s ({h.shortcuts:,} shortcuts, "
                 f"{h.nbytes / 1e6:.0f} MB of arrays, resident memory +{_rss_mb() - r0:.0f} MB; "
                 f"compiled CSR {C.nbytes / 1e6:.0f} MB); its matrix cells exclude this")
    log(f"  build qjnet ch: {h.seconds:.1f} s")


def _bench_matrix(cells, q, s, rng, timer, args) -> None:
    for size in MATRIX_SIZES:
        if size > s.n:
            continue
        mo = [int(v) for v in rng.choice(s.n, size=size, replace=False)]
        per_tree = {lib: cells.get(("tree", lib), {}).get("s", 0.0) for lib in q}
        for lib, (_, _, mat_fn, many) in q.items():
            if mat_fn is None:
                continue
            guess = per_tree.get(lib, 0.0) * size
            if not many and guess > args.budget / 2:
                k = min(size, max(2, int(args.budget / 2 / max(per_tree[lib], 1e-3))))
                sub = timer(mat_fn, [mo[:k]], warmup=False)
                cells[(f"matrix {size}", lib)] = {"s": sub["s"] * size / k, "n": sub["n"], "est": k}
            else:
                cells[(f"matrix {size}", lib)] = timer(mat_fn, [mo], warmup=False)
            log(f"  matrix {size} {lib}: {cells[(f'matrix {size}', lib)]}")


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _fmt_cell(c: dict | None) -> str:
    if not c:
        return "-"
    if "error" in c:
        return "failed"
    if "peak_mb" in c:
        return f"{c['peak_mb']:,.0f}"
    s = c["s"]
    text = f"{s * 1000:.1f} ms" if s < 1 else f"{s:.2f} s"
    if c.get("est"):
        text = "~" + text
    if c["n"] < 5:
        text += f" ({c['n']})"
    return text


def _ratio(r: float) -> str:
    return f"{r:.0f}x" if r >= 10 else f"{r:.2f}x"


def table(results: dict) -> str:
    lines = []
    for n, res in results.items():
        cells = res["cells"]
        lines.append(f"\n### {res['nodes']:,} nodes, {res['edges']:,} edges (size {n})\n")
        lines.append("| operation | " + " | ".join(LIBS) + " | qjnet / scipy | networkx / qjnet |")
        lines.append("|---|" + "---|" * (len(LIBS) + 2))
        ops = list(dict.fromkeys(op for op, _ in cells))
        for op in ops:
            row = [_fmt_cell(cells.get((op, lib))) for lib in LIBS]
            qj, sp, nx_ = (cells.get((op, k)) for k in ("qjnet", "scipy", "networkx"))
            if op == "peak MB":
                r1 = r2 = ""
            elif op == "build":  # qjnet compiles the networkx graph: its build is networkx + this
                r1, r2 = (_ratio(qj["s"] / sp["s"]) if qj and sp else ""), ""
            else:
                r1 = _ratio(qj["s"] / sp["s"]) if qj and sp else ""
                r2 = _ratio(nx_["s"] / qj["s"]) if qj and nx_ else ""
            qh = cells.get((op, "qjnet ch"))
            if op.startswith("matrix") and qh and sp:
                r1 = f"{r1} (ch: {_ratio(qh['s'] / sp['s'])})"
            if op == "reach 60":
                qc = cells.get((op, "qjnet csr"))
                r1 = f"{r1} (csr: {_ratio(qc['s'] / sp['s'])})" if qc and sp else r1
                r2 = f"{r2} (csr: {_ratio(nx_['s'] / qc['s'])})" if qc and nx_ else r2
            lines.append(f"| {op} | " + " | ".join(row) + f" | {r1} | {r2} |")
        mem = cells.get(("peak MB", "qjnet"))
        if mem and "compiled_mb" in mem:
            lines.append(f"\nCompiled CSR: {mem['compiled_nbytes_mb']:.0f} MB of arrays; resident memory "
                         f"grew {mem['compiled_mb']:.0f} MB while compiling and answering a reach.")
        for note in res.get("notes", []):
            lines.append(f"\nNote: {note}.")
        if res.get("ch"):
            from bench import ch as bench_ch

            lines.append("\nMany-to-many (python -m bench.ch):" + bench_ch.table({n: res["ch"]}))
        d = res.get("dask")
        if d:
            lines.append(f"\nDask, {DASK_ORIGINS:,}-origin matrix (within {REACH_MIN:g} min): 1 worker "
                         f"{_fmt_cell(d[1])}, 2 workers {_fmt_cell(d[2])}: {d['speedup']:.2f}x")
    return "\n".join(lines) + "\n"


def load(path: str) -> dict:
    """Results written by ``--json``, back in the form :func:`table` takes."""
    raw = json.loads(Path(path).read_text())
    for res in raw.values():
        res["cells"] = {tuple(k.split("|", 1)): v for k, v in res["cells"].items()}
        if "dask" in res:
            res["dask"] = {(int(k) if k.isdigit() else k): v for k, v in res["dask"].items()}
    return raw


def main(argv=None) -> None:
    p = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    p.add_argument("--sizes", default="10k", help="comma-separated sizes, e.g. 10k,250k,1M (default 10k)")
    p.add_argument("--repeat", type=int, default=5, help="runs per cell; the median is shown (default 5)")
    p.add_argument("--budget", type=float, default=60.0, help="seconds per cell before fewer runs (default 60)")
    p.add_argument("--ops", default=None, help="comma-separated: " + ",".join(DEFAULT_OPS))
    p.add_argument("--libs", default=None, help="comma-separated subset of: " + ",".join(LIBS))
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", default=None, help="also write the raw results here")
    p.add_argument("--table", default=None, metavar="JSON", help="print the table of a --json file and stop")
    p.add_argument("--origins", type=int, default=1000, help="origins = destinations of the ch op (default 1000)")
    p.add_argument("--subset", type=int, default=100, help="origins scipy runs without cutoff in the ch op")
    p.add_argument("--pandana-python", default=None, help="a Python with pandana installed (ch op)")
    p.add_argument("--probe", default=None, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    args.ops = args.ops.split(",") if args.ops else None
    args.libs = set(args.libs.split(",")) if args.libs else set(LIBS)
    if args.table:
        print(table(load(args.table)))
        return
    if args.probe:
        print(json.dumps(probe(args.probe, parse_size(args.sizes), args.seed)))
        return
    results = {}
    for size in args.sizes.split(","):
        results[size] = bench_size(parse_size(size), args)
    print(table(results))
    if args.json:
        raw = {k: {**v, "cells": {f"{op}|{lib}": c for (op, lib), c in v["cells"].items()}}
               for k, v in results.items()}
        Path(args.json).write_text(json.dumps(raw, indent=1, default=str))


if __name__ == "__main__":
    main()
