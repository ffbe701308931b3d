"""Many-to-many benchmark: qjnet's contraction hierarchy against scipy's Dijkstra and pandana's hierarchy.

Run from the repository root (``bench.run --ops ch`` runs the same)::

    python -m bench.ch --sizes 250k,1M

For each size, on the seeded synthetic network of :mod:`bench.synth`, one
set of ``--origins`` random nodes (default 1,000) is both the origins and the
destinations:

* ``preprocess``: qjnet builds the hierarchy (``network.ch.build_ch``, numba
  compilation excluded: a small graph is contracted first), with the peak
  resident memory it adds, its shortcuts and the MB of its arrays; pandana
  builds its own (``pandana.Network``, its C++ hierarchy with 2 threads).
* ``matrix 60``: every pair within 60 minutes.  scipy: chunked
  ``dijkstra(limit=60)`` returning a bare array; qjnet ch: the public
  ``network.matrix.matrix_wide(..., engine="ch")`` DataFrame.
* ``matrix all``: every pair, no cutoff.  scipy is timed on ``--subset``
  origins and scaled up (marked ``~``); pandana: ``shortest_path_lengths``
  over the same pairs (it has no cutoff).

Every answer is checked: qjnet's minutes against scipy's (same pairs reached,
within 1e-9 minutes), pandana's against scipy's (pandana keeps weights in
thousandths of a minute, so only close: the largest difference is reported).
pandana runs in a fresh process of ``--pandana-python`` (default: this Python),
so it can live in its own environment; if it is missing there, the table says
so.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from bench.synth import parse_size, synth_arrays

LIMIT = 60.0
ORIGINS = 1000
SUBSET = 100


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def pairs(n: int, k: int, seed: int) -> np.ndarray:
    """The ``k`` random nodes that are both origins and destinations."""
    return np.sort(np.random.default_rng(seed + 7).choice(n, size=min(k, n), replace=False))


def scipy_matrix(M, idx: np.ndarray, dest: np.ndarray, limit: float) -> np.ndarray:
    """Chunked ``dijkstra`` from ``idx``, read at ``dest`` (chunks of at most 64 MB, as qjnet's)."""
    from scipy.sparse.csgraph import dijkstra

    size = max(1, (64 * 2**20) // (8 * M.shape[0]))
    return np.vstack([dijkstra(M, indices=idx[i:i + size], limit=limit)[:, dest] for i in range(0, len(idx), size)])


def _peak_mb(fn):
    from bench.run import _reset_peak, _rss_mb

    base = _rss_mb()
    _reset_peak()
    out = fn()
    return out, _rss_mb("VmHWM") - base


def _warm_numba() -> None:
    """Compile (or load) the kernels on a tiny graph, so the timings below are the work alone."""
    import networkx as nx

    from qjnet.network import ch, csr

    G = nx.DiGraph([(0, 1, {"minutes": 1.0}), (1, 2, {"minutes": 1.0})])
    ch.ch_times(ch.build_ch(csr.compile_graph(G)), [0], [2])


def bench_qjnet(s, idx: np.ndarray, args) -> tuple[dict, dict]:
    """qjnet's hierarchy and scipy's Dijkstra on the same pairs: ``(cells, answers)``."""
    from scipy.sparse import csr_matrix

    from bench.synth import to_networkx
    from qjnet.network import ch, csr
    from qjnet.network.matrix import matrix_wide

    _warm_numba()
    G = to_networkx(s)
    C = csr.compile_graph(G)
    h, peak = _peak_mb(lambda: ch.build_ch(C, refresh=True))
    cells: dict = {"preprocess": {"qjnet ch": {"s": h.seconds, "peak_mb": peak, "shortcuts": h.shortcuts,
                                               "mb": h.nbytes / 1e6, "csr_mb": C.nbytes / 1e6}}}
    _log(f"  qjnet ch preprocess: {cells['preprocess']['qjnet ch']}")
    M = csr_matrix((s.minutes, (s.src, s.dst)), shape=(s.n, s.n))
    nodes = idx.tolist()
    answers = {}
    for name, limit in (("matrix 60", LIMIT), ("matrix all", np.inf)):
        t0 = time.perf_counter()
        wide = matrix_wide(G, nodes, nodes, max_minutes=None if np.isinf(limit) else limit, engine="ch")
        t_ch = time.perf_counter() - t0
        answers[name] = got = wide.to_numpy(dtype=float, na_value=np.inf)
        k = len(idx) if np.isfinite(limit) else min(args.subset, len(idx))
        t0 = time.perf_counter()
        want = scipy_matrix(M, idx[:k], idx, limit)
        t_sp = (time.perf_counter() - t0) * len(idx) / k
        same = bool(np.array_equal(np.isfinite(want), np.isfinite(got[:k]))
                    and np.allclose(want[np.isfinite(want)], got[:k][np.isfinite(want)], rtol=0, atol=1e-9))
        cells[name] = {"scipy": {"s": t_sp, "est": k if k < len(idx) else None},
                       "qjnet ch": {"s": t_ch, "engine": wide.attrs["engine"], "equal_to_scipy": same}}
        _log(f"  {name}: {cells[name]}")
    auto = matrix_wide(G, nodes[:2], nodes[:2]).attrs["engine"]
    cells["auto engine"] = {"qjnet ch": {"engine": auto}}
    return cells, answers


def run_pandana(n: int, seed: int, k: int, python: str) -> dict:
    """pandana's preprocessing and many-to-many lengths, in a fresh process of ``python``."""
    root = Path(__file__).resolve().parent.parent
    out = root / f".pandana-{n}-{os.getpid()}.npy"
    env = dict(os.environ, PYTHONPATH=str(root))
    r = subprocess.run([python, "-m", "bench.ch", "--pandana-probe", str(n), "--seed", str(seed),
                        "--origins", str(k), "--out", str(out)],
                       capture_output=True, text=True, env=env, cwd=root, check=False)
    if r.returncode != 0:
        return {"error": (r.stderr.strip().splitlines() or ["failed"])[-1]}
    res = json.loads(r.stdout.strip().splitlines()[-1])
    res["lengths"] = np.load(out)
    out.unlink()
    return res


def pandana_probe(n: int, seed: int, k: int, out: str) -> dict:
    """Inside pandana's Python: build its network, answer every pair, save the lengths."""
    import pandana
    import pandas as pd

    from bench.run import _reset_peak, _rss_mb

    s = synth_arrays(n, seed=seed)
    idx = pairs(s.n, k, seed)
    base = _rss_mb()
    _reset_peak()
    t0 = time.perf_counter()
    net = pandana.Network(pd.Series(s.x), pd.Series(s.y), pd.Series(s.src), pd.Series(s.dst),
                          pd.DataFrame({"minutes": s.minutes}), twoway=False)
    build = time.perf_counter() - t0
    peak = _rss_mb("VmHWM") - base
    o, d = np.repeat(idx, len(idx)), np.tile(idx, len(idx))
    t0 = time.perf_counter()
    lengths = np.asarray(net.shortest_path_lengths(o, d, imp_name="minutes"), dtype=float)
    query = time.perf_counter() - t0
    np.save(out, lengths.reshape(len(idx), len(idx)))
    return {"preprocess_s": build, "peak_mb": peak, "query_s": query, "version": pandana.__version__}


def compare_pandana(lengths: np.ndarray, exact: np.ndarray) -> dict:
    """pandana's lengths against the exact minutes (its ``2**32 - 1`` thousandths mean unreached)."""
    reached = lengths < 4294967.0
    same_reach = bool(np.array_equal(reached, np.isfinite(exact)))
    both = reached & np.isfinite(exact)
    diff = np.abs(lengths[both] - exact[both])
    rel = diff / np.maximum(exact[both], 1e-9)
    return {"same_pairs_reached": same_reach, "max_abs_diff_min": float(diff.max(initial=0.0)),
            "max_rel_diff": float(rel.max(initial=0.0))}


def bench_size(n: int, args) -> dict:
    s = synth_arrays(n, seed=args.seed)
    idx = pairs(s.n, args.origins, args.seed)
    _log(f"{n:,}: {s.n:,} nodes, {s.m:,} edges, {len(idx):,} origins = destinations")
    cells, answers = bench_qjnet(s, idx, args)
    res = {"nodes": s.n, "edges": s.m, "origins": len(idx), "cells": cells}
    python = args.pandana_python or sys.executable
    p = run_pandana(n, args.seed, args.origins, python)
    if "error" in p:
        res["pandana"] = p
    else:
        lengths = p.pop("lengths")
        res["pandana"] = {**p, **compare_pandana(lengths, answers["matrix all"])}
    _log(f"  pandana: {res['pandana']}")
    return res


def _fmt(s: float | None, est=None) -> str:
    if s is None:
        return "-"
    text = f"{s * 1000:.0f} ms" if s < 1 else f"{s:.2f} s"
    return "~" + text if est else text


def table(results: dict) -> str:
    """A plain-text table per size, with the ratios."""
    lines = []
    for size, r in results.items():
        c, p = r["cells"], r.get("pandana", {})
        q = c["preprocess"]["qjnet ch"]
        lines.append(f"\n{r['nodes']:,} nodes, {r['edges']:,} edges ({size}); {r['origins']:,} x {r['origins']:,}")
        lines.append(f"  preprocess: qjnet ch {_fmt(q['s'])} (+{q['peak_mb']:.0f} MB peak, {q['shortcuts']:,} "
                     f"shortcuts, {q['mb']:.0f} MB arrays; CSR {q['csr_mb']:.0f} MB)"
                     + (f"; pandana {_fmt(p['preprocess_s'])} (+{p['peak_mb']:.0f} MB peak)" if "preprocess_s" in p
                        else f"; pandana: {p.get('error')}"))
        for op in ("matrix 60", "matrix all"):
            sp, qc = c[op]["scipy"], c[op]["qjnet ch"]
            line = (f"  {op}: scipy {_fmt(sp['s'], sp.get('est'))}, qjnet ch {_fmt(qc['s'])} "
                    f"({sp['s'] / qc['s']:.0f}x faster, engine {qc['engine']}, equal: {qc['equal_to_scipy']})")
            if op == "matrix all" and "query_s" in p:
                line += (f", pandana {_fmt(p['query_s'])} ({p['query_s'] / qc['s']:.1f}x qjnet's time; "
                         f"same pairs: {p['same_pairs_reached']}, max diff {p['max_abs_diff_min']:.4f} min, "
                         f"{100 * p['max_rel_diff']:.3f} %)")
            lines.append(line)
        lines.append(f"  engine='auto' with the hierarchy cached: {c['auto engine']['qjnet ch']['engine']}")
    return "\n".join(lines) + "\n"


def main(argv=None) -> None:
    p = argparse.ArgumentParser(prog="python -m bench.ch", description=__doc__.split("\n")[0])
    p.add_argument("--sizes", default="250k", help="comma-separated sizes, e.g. 250k,1M (default 250k)")
    p.add_argument("--origins", type=int, default=ORIGINS, help="origins = destinations (default 1000)")
    p.add_argument("--subset", type=int, default=SUBSET, help="origins scipy runs without cutoff (default 100)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--pandana-python", default=None, help="a Python with pandana installed")
    p.add_argument("--json", default=None, help="also write the raw results here")
    p.add_argument("--pandana-probe", type=int, default=None, help=argparse.SUPPRESS)
    p.add_argument("--out", default=None, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.pandana_probe:
        print(json.dumps(pandana_probe(args.pandana_probe, args.seed, args.origins, args.out)))
        return
    results = {size: bench_size(parse_size(size), args) for size in args.sizes.split(",")}
    print(table(results))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1, default=str))


if __name__ == "__main__":
    main()
