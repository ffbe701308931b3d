"""Travel-time matrices: many origins to many destinations, on one machine or on Dask.

The graph is compiled once (:mod:`network.csr`); origins are split into
chunks, each chunk is one multi-origin C Dijkstra whose rows are cut down to
the destinations.  With a ``dask.distributed.Client`` the compiled matrix is
sent to every worker once (``scatter(broadcast=True)``) and chunks run as
tasks; results come back as compact arrays, so writing happens in the
calling process and works with any cluster (no shared file system needed).
A chunk lost with a worker is recomputed by Dask; each chunk is written
exactly once, under its own number.

Long results list only reached pairs (``minutes`` finite and within
``max_minutes``); wide results hold ``NaN`` for the others.
"""

from __future__ import annotations

import logging
import math
import os
import shutil
import uuid
from collections.abc import Callable, Hashable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from ..geodata.errors import GraphError, OptionError, require
from .csr import CompiledGraph, _limit, compile_graph

log = logging.getLogger(__name__)

__all__ = ["MatrixWritten", "check_output", "default_chunk_size", "matrix_long", "matrix_wide", "write_matrix",
           "write_wide"]

#: Target size of one chunk's distance block (origins x graph states x 8 bytes).
CHUNK_BYTES = 64 * 2**20
#: Chunks a Dask run is split into per worker at least (keeps workers busy and retries cheap).
CHUNKS_PER_WORKER = 4

Progress = Callable[[int, int], None]


def default_chunk_size(compiled: CompiledGraph, n_origins: int, *, workers: int = 1) -> int:
    """Origins per chunk: the distance block stays under ``CHUNK_BYTES``, enough chunks for ``workers``."""
    states = max(1, compiled.blocks * compiled.n)
    by_memory = max(1, CHUNK_BYTES // (8 * states))
    if workers > 1:
        by_spread = max(1, math.ceil(n_origins / (workers * CHUNKS_PER_WORKER)))
        return int(min(by_memory, by_spread))
    return int(min(by_memory, max(1, n_origins)))


@dataclass(frozen=True)
class _Plan:
    compiled: CompiledGraph
    origins: tuple
    origin_idx: np.ndarray
    origin_ids: np.ndarray
    dest_ids: np.ndarray
    dest_idx: np.ndarray | None  # None: every node, in graph order
    limit: float
    chunks: list[np.ndarray]  # positions into origins


def _unique(ids: Iterable[Hashable]) -> tuple:
    return tuple(dict.fromkeys(ids))


def _id_array(ids) -> np.ndarray:
    """Ids as an int64 array when they are all integers (fast to index, compact), else objects."""
    ids = list(ids)
    if ids and all(type(i) is int for i in ids):
        try:
            return np.asarray(ids, dtype=np.int64)
        except OverflowError:
            pass
    out = np.empty(len(ids), dtype=object)
    out[:] = ids
    return out


def _plan(G, origins, destinations, max_minutes, chunk_size, workers: int = 1) -> _Plan:
    compiled = G if isinstance(G, CompiledGraph) else compile_graph(G)
    if isinstance(origins, (str, bytes)):
        raise OptionError(f"origins must be a list of node ids, not the string {origins!r}")
    origins = _unique(origins)
    if not origins:
        raise OptionError("no origins given; pass at least one node id")
    origin_idx = compiled.indices_of(origins, what="origin")
    if destinations is None and compiled.internal is not None and compiled.internal.any():
        dest_idx = np.flatnonzero(~compiled.internal).astype(np.int32)
        dest_ids = _id_array(compiled.nodes[dest_idx].tolist())
    elif destinations is None:
        dest_idx = None
        dest_ids = _id_array(compiled.nodes.tolist())
    else:
        if isinstance(destinations, (str, bytes)):
            raise OptionError(f"destinations must be a list of node ids, not the string {destinations!r}")
        dest = _unique(destinations)
        dest_idx = compiled.indices_of(dest, what="destination")
        dest_ids = _id_array(dest)
    limit = _limit(max_minutes)
    if chunk_size is None:
        chunk_size = default_chunk_size(compiled, len(origins), workers=workers)
    elif not isinstance(chunk_size, (int, np.integer)) or chunk_size < 1:
        raise OptionError(f"chunk_size {chunk_size!r} must be a whole number >= 1")
    positions = np.arange(len(origins))
    chunks = [positions[i:i + chunk_size] for i in range(0, len(origins), chunk_size)]
    return _Plan(compiled, origins, origin_idx, _id_array(origins), dest_ids, dest_idx, limit, chunks)


def _chunk_arrays(matrix, source_states, read_offset: int, n: int, dest_idx, limit: float):
    """One chunk: Dijkstra from ``source_states``; returns ``(row, col, minutes)`` of reached cells."""
    from scipy.sparse.csgraph import dijkstra

    dist = dijkstra(matrix, directed=True, indices=source_states, limit=limit)
    if dest_idx is None:
        block = dist[:, read_offset:read_offset + n] if dist.shape[1] != n else dist
    else:
        block = dist[:, dest_idx + read_offset]
    rows, cols = np.nonzero(np.isfinite(block))
    return rows.astype(np.int32), cols.astype(np.int32), block[rows, cols]


def _chunk_dense(matrix, source_states, read_offset: int, n: int, dest_idx, limit: float):
    from scipy.sparse.csgraph import dijkstra

    dist = dijkstra(matrix, directed=True, indices=source_states, limit=limit)
    if dest_idx is None:
        return np.ascontiguousarray(dist[:, read_offset:read_offset + n])
    return dist[:, dest_idx + read_offset]


def _task(payload: dict, source_states: np.ndarray, dense: bool):
    """What a Dask worker runs for one chunk (module-level so it pickles by reference)."""
    fn = _chunk_dense if dense else _chunk_arrays
    return fn(payload["matrix"], source_states, payload["read_offset"], payload["n"], payload["dest_idx"],
              payload["limit"])


def _run_ch(plan: _Plan, *, dense: bool, progress: Progress | None, reverse: bool) -> Iterator[tuple[int, Any]]:
    """As :func:`_run`, on the contraction hierarchy (:mod:`.ch`): buckets once, then one sweep per chunk."""
    from .ch import Buckets, build_ch

    compiled = plan.compiled
    ch = build_ch(compiled, reverse=reverse)
    dest = plan.dest_idx if plan.dest_idx is not None else np.arange(compiled.n)
    buckets = Buckets(ch, dest + compiled.read_offset(reverse=reverse), plan.limit)
    for i, c in enumerate(plan.chunks):
        block = buckets.times(compiled.source_states(plan.origin_idx[c], reverse=reverse))
        if dense:
            yield i, block
        else:
            rows, cols = np.nonzero(np.isfinite(block))
            yield i, (rows.astype(np.int32), cols.astype(np.int32), block[rows, cols])
        if progress:
            progress(i + 1, len(plan.chunks))


def _run(plan: _Plan, *, dense: bool, client=None, progress: Progress | None = None,
         reverse: bool = False, engine: str = "dijkstra") -> Iterator[tuple[int, Any]]:
    """Yield ``(chunk number, result)`` as chunks finish (in order without a client)."""
    if engine == "ch":
        yield from _run_ch(plan, dense=dense, progress=progress, reverse=reverse)
        return
    compiled = plan.compiled
    matrix = compiled.transposed() if reverse else compiled.matrix
    read_offset = compiled.read_offset(reverse=reverse)
    total = len(plan.chunks)
    states = [compiled.source_states(plan.origin_idx[c], reverse=reverse) for c in plan.chunks]
    if client is None:
        for i, s in enumerate(states):
            fn = _chunk_dense if dense else _chunk_arrays
            yield i, fn(matrix, s, read_offset, compiled.n, plan.dest_idx, plan.limit)
            if progress:
                progress(i + 1, total)
        return
    from .distributed import run_chunks

    payload = {"matrix": matrix, "read_offset": read_offset, "n": compiled.n, "dest_idx": plan.dest_idx,
               "limit": plan.limit}
    yield from run_chunks(client, _task, payload, states, dense=dense, progress=progress)


def _frame(plan: _Plan, chunk: int, arrays) -> pd.DataFrame:
    rows, cols, minutes = arrays
    positions = plan.chunks[chunk]
    return pd.DataFrame({
        "origin": plan.origin_ids[positions][rows],
        "destination": plan.dest_ids[cols],
        "minutes": minutes,
    })


def matrix_long(
    G: nx.Graph | CompiledGraph,
    origins: Iterable[Hashable],
    destinations: Iterable[Hashable] | None = None,
    *,
    max_minutes: float | None = None,
    reverse: bool = False,
    client: Any = None,
    chunk_size: int | None = None,
    progress: Progress | None = None,
    engine: str = "auto",
) -> pd.DataFrame:
    """Travel times from every origin to every destination, one row per reached pair.

    Parameters
    ----------
    G
        A graph following the graph contract (``build_graph`` output, a road
        network from :mod:`network.roads`, any graph with ``minutes`` on every
        edge), or its :class:`~network.csr.CompiledGraph`.
    origins
        Origin node ids (duplicates are dropped, order kept).
    destinations
        Destination node ids; ``None``: every node of the graph except the
        model's internal service-stop nodes.
    max_minutes
        Leave out pairs farther apart than this (and stop searching there: faster).
    reverse
        Use the reversed graph (times *to* the origins); rarely needed, as a
        matrix has both directions anyway.
    client
        A ``dask.distributed.Client``: run the chunks on its workers.
    chunk_size
        Origins per Dijkstra call / Dask task; default keeps each chunk's
        distance block under 64 MB and gives every Dask worker several chunks.
    progress
        Called as ``progress(chunks_done, chunks_total)`` after each chunk.
    engine
        ``"dijkstra"`` (scipy's C Dijkstra per chunk of origins), ``"ch"``
        (a contraction hierarchy of :mod:`network.ch`, built once per graph
        and cached: much faster for many origins to a listed set of
        destinations; needs numba) or ``"auto"`` (default: the hierarchy when
        one is cached or the query is large enough to repay building it, see
        :func:`network.ch.choose_engine`).  Both give the same minutes.

    Returns
    -------
    pandas.DataFrame
        Columns ``origin``, ``destination``, ``minutes`` (float); rows grouped
        by origin in the order given, destinations in the order given (graph
        order when ``None``); unreached pairs are left out.
        ``attrs["engine"]`` names the engine that ran (``"dijkstra"`` or ``"ch"``).

    Raises
    ------
    GraphError
        An origin or destination not in the graph, or an edge breaking the contract.
    OptionError
        No origins, a bad ``max_minutes`` or ``chunk_size``.

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.DiGraph([("a", "b", {"minutes": 5.0}), ("b", "c", {"minutes": 7.5})])
    >>> matrix_long(G, ["a", "b"], ["b", "c"])
      origin destination  minutes
    0      a           b      5.0
    1      a           c     12.5
    2      b           b      0.0
    3      b           c      7.5
    """
    plan = _plan(G, origins, destinations, _minutes(max_minutes), chunk_size, _workers(client))
    used = _engine(plan, engine, client, reverse)
    parts: dict[int, pd.DataFrame] = {}
    for i, arrays in _run(plan, dense=False, client=client, progress=progress, reverse=reverse, engine=used):
        parts[i] = _frame(plan, i, arrays)
    frame = pd.concat([parts[i] for i in range(len(plan.chunks))], ignore_index=True)
    frame.attrs["engine"] = used
    log.info("Matrix: %s origins x %s destinations, %s reached pairs", f"{len(plan.origins):,}",
             f"{len(plan.dest_ids):,}", f"{len(frame):,}")
    return frame


def matrix_wide(
    G: nx.Graph | CompiledGraph,
    origins: Iterable[Hashable],
    destinations: Iterable[Hashable] | None = None,
    *,
    max_minutes: float | None = None,
    reverse: bool = False,
    client: Any = None,
    chunk_size: int | None = None,
    progress: Progress | None = None,
    engine: str = "auto",
) -> pd.DataFrame:
    """Travel times as a table: one row per origin, one column per destination.

    Parameters are those of :func:`matrix_long`.

    Returns
    -------
    pandas.DataFrame
        Index ``origin`` (origins in the order given), columns the destinations,
        values minutes (float); ``NaN`` where not reached or beyond ``max_minutes``.
        ``attrs["engine"]`` names the engine that ran.

    Raises
    ------
    GraphError, OptionError
        As :func:`matrix_long`.

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.DiGraph([("a", "b", {"minutes": 5.0}), ("b", "c", {"minutes": 7.5})])
    >>> matrix_wide(G, ["a", "c"], ["b", "c"])
    destination    b     c
    origin
    a            5.0  12.5
    c            NaN   0.0
    """
    plan = _plan(G, origins, destinations, _minutes(max_minutes), chunk_size, _workers(client))
    used = _engine(plan, engine, client, reverse)
    out = np.full((len(plan.origins), len(plan.dest_ids)), np.nan)
    for i, block in _run(plan, dense=True, client=client, progress=progress, reverse=reverse, engine=used):
        block = np.where(np.isfinite(block), block, np.nan)
        out[plan.chunks[i]] = block
    frame = pd.DataFrame(out, index=pd.Index(list(plan.origins), name="origin"),
                         columns=pd.Index(plan.dest_ids.tolist(), name="destination"))
    frame.attrs["engine"] = used
    return frame


def _engine(plan: _Plan, engine: str, client, reverse: bool) -> str:
    from .ch import choose_engine

    targets = None if plan.dest_idx is None else len(plan.dest_idx)
    return choose_engine(engine, plan.compiled, len(plan.origins), targets, reverse=reverse, client=client,
                         limit=plan.limit)


def _minutes(max_minutes):
    try:
        return _limit(max_minutes)
    except GraphError as err:
        raise OptionError(str(err).replace("limit", "max_minutes", 1)) from None


def _workers(client) -> int:
    if client is None:
        return 1
    try:
        return max(1, len(client.scheduler_info().get("workers", {})))
    except Exception:
        return 1


@dataclass(frozen=True)
class MatrixWritten:
    """What :func:`write_matrix` wrote."""

    path: Path
    format: str  # "parquet", "parquet-folder" or "csv"
    rows: int
    chunks: int
    origins: int
    destinations: int


def check_output(path: str | os.PathLike, *, wide: bool = False) -> str:
    """Check that ``path`` can be written; return its format (``parquet``, ``csv``, ``parquet-folder``).

    Raises :class:`OptionError` for a missing or read-only folder, an unknown
    suffix, a non-empty existing output folder, or a folder asked for a wide
    matrix (which is one table: use .parquet or .csv), and
    :class:`MissingDependencyError` for Parquet without pyarrow (extra ``dist``).
    """
    path = Path(path)
    fmt = _format_of(path)
    if wide and fmt == "parquet-folder":
        raise OptionError(f"{path}: a wide matrix is one table; use a .parquet or .csv file name")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise OptionError(f"{path}: folder {folder} does not exist; create it or choose another --output")
    if not os.access(folder, os.W_OK):
        raise OptionError(f"{path}: folder {folder} is not writable; choose another --output")
    if path.is_dir() and fmt != "parquet-folder":
        raise OptionError(f"{path} is a folder; choose a file name")
    if fmt == "parquet-folder" and path.exists() and any(path.iterdir()):
        raise OptionError(f"{path}: folder exists and is not empty; remove it or choose another --output")
    if fmt != "csv":
        require("pyarrow", extra="dist", purpose=f"writing Parquet ({path})", alternative="give a .csv file name")
    return fmt


def write_wide(frame: pd.DataFrame, path: str | os.PathLike) -> None:
    """Write a :func:`matrix_wide` table atomically to ``.parquet`` or ``.csv`` (origin as first column)."""
    from ..geodata._atomic import atomic_path

    fmt = check_output(path, wide=True)
    out = frame.copy()
    out.columns = [str(c) for c in out.columns]
    with atomic_path(path) as tmp:
        if fmt == "csv":
            out.to_csv(tmp, index=True, index_label="origin")
        else:
            out.reset_index().to_parquet(tmp, index=False)


def _format_of(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix in (".parquet", ".pq"):
        return "parquet"
    if suffix == "" or path.is_dir():
        return "parquet-folder"
    raise OptionError(f"{path}: unknown output type {suffix!r}; use .parquet, .csv, or a folder name "
                      "(no suffix) for Parquet partitions")


def write_matrix(
    G: nx.Graph | CompiledGraph,
    origins: Iterable[Hashable],
    path: str | os.PathLike,
    destinations: Iterable[Hashable] | None = None,
    *,
    max_minutes: float | None = None,
    client: Any = None,
    chunk_size: int | None = None,
    progress: Progress | None = None,
) -> MatrixWritten:
    """Compute the long matrix and stream it to ``path`` chunk by chunk.

    Memory stays bounded by a few chunks whatever the size of the matrix.
    ``path`` ending in ``.parquet`` gives one Parquet file (one row group per
    chunk), ``.csv`` a CSV file, and a name without suffix (or an existing
    folder) a folder of Parquet partitions ``part-00000.parquet``, ... (one
    per chunk; read it back with ``pandas.read_parquet(folder)``).  Output is
    written to a temporary name beside the target and renamed at the end:
    an interrupted run leaves nothing half-written.

    Parameters
    ----------
    G, origins, destinations, max_minutes, client, chunk_size, progress
        As in :func:`matrix_long`.
    path
        Output file or folder.

    Returns
    -------
    MatrixWritten

    Raises
    ------
    OptionError
        The folder does not exist or cannot be written, or an unknown suffix.
    MissingDependencyError
        Parquet output without pyarrow (extra ``dist``); checked before any work.
    GraphError
        As :func:`matrix_long`.
    """
    path = Path(path)
    fmt = check_output(path)
    folder = path.parent if str(path.parent) else Path(".")
    plan = _plan(G, origins, destinations, _minutes(max_minutes), chunk_size, _workers(client))
    results = _run(plan, dense=False, client=client, progress=progress)
    tmp = folder / f".{path.name}.{uuid.uuid4().hex[:8]}.part"
    rows = 0
    try:
        if fmt == "parquet-folder":
            tmp.mkdir()
            for i, arrays in results:
                frame = _frame(plan, i, arrays)
                frame.to_parquet(tmp / f"part-{i:05d}.parquet", index=False)
                rows += len(frame)
            if path.exists():
                path.rmdir()
            os.replace(tmp, path)
        elif fmt == "parquet":
            rows = _write_parquet_file(plan, results, tmp)
            os.replace(tmp, path)
        else:
            rows = _write_csv(plan, results, tmp)
            os.replace(tmp, path)
    except BaseException:
        if tmp.is_dir():
            shutil.rmtree(tmp, ignore_errors=True)
        elif tmp.exists():
            tmp.unlink()
        raise
    log.info("Wrote %s: %s rows in %s chunks", path, f"{rows:,}", len(plan.chunks))
    return MatrixWritten(path, fmt, rows, len(plan.chunks), len(plan.origins), len(plan.dest_ids))


def _write_parquet_file(plan: _Plan, results, tmp: Path) -> int:
    """Stream chunks into one Parquet file; chunks from Dask may finish out of order, kept in order."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    writer = None
    rows = 0
    pending: dict[int, pd.DataFrame] = {}
    nxt = 0
    try:
        for i, arrays in results:
            pending[i] = _frame(plan, i, arrays)
            while nxt in pending:
                frame = pending.pop(nxt)
                table = pa.Table.from_pandas(frame, preserve_index=False)
                if writer is None:
                    writer = pq.ParquetWriter(tmp, table.schema)
                elif table.schema != writer.schema:
                    table = table.cast(writer.schema)
                writer.write_table(table)
                rows += len(frame)
                nxt += 1
    finally:
        if writer is not None:
            writer.close()
    return rows


def _write_csv(plan: _Plan, results, tmp: Path) -> int:
    rows = 0
    pending: dict[int, pd.DataFrame] = {}
    nxt = 0
    with open(tmp, "w", encoding="utf-8", newline="") as fh:
        fh.write("origin,destination,minutes\n")
        for i, arrays in results:
            pending[i] = _frame(plan, i, arrays)
            while nxt in pending:
                frame = pending.pop(nxt)
                frame.to_csv(fh, header=False, index=False)
                rows += len(frame)
                nxt += 1
    return rows


@dataclass(frozen=True)
class NodeMinutes:
    """Minutes among a list of nodes on one or two graphs (what the accessibility explorer embeds).

    ``nodes``: every place and station of the graphs, county-level places first; ``base`` and
    ``scen``: ``(len(nodes), len(nodes))`` float minutes, row = origin, NaN where not reached or
    where a node is not in that graph; ``scen`` is ``None`` without a second graph.
    """

    nodes: list
    base: np.ndarray
    scen: np.ndarray | None = None


def _places_and_stations(graphs: list[nx.MultiDiGraph]) -> list[Hashable]:
    seen: dict[Hashable, str] = {}
    for G in graphs:
        for n, kind in G.nodes(data="kind"):
            if kind != "service_stop" and n not in seen:
                seen[n] = kind
    return [n for n in seen if seen[n] == "place"] + [n for n in seen if seen[n] != "place"]


def _minutes_among(G: nx.MultiDiGraph, nodes: list[Hashable]) -> np.ndarray:
    present = [n for n in nodes if n in G]
    out = np.full((len(nodes), len(nodes)), np.nan)
    if present:
        wide = matrix_wide(G, present, present)
        where = {n: i for i, n in enumerate(nodes)}
        pos = [where[n] for n in present]
        out[np.ix_(pos, pos)] = wide.to_numpy(dtype=float)
    return out


def node_minutes(baseline: nx.MultiDiGraph, scenario: nx.MultiDiGraph | None = None) -> NodeMinutes:
    """Minutes from every place and station to every one, on a baseline graph and optionally a scenario.

    Examples
    --------
    >>> from qjnet.network import build_graph
    >>> m = node_minutes(build_graph(date="2025-07-03"))
    >>> m.nodes[0], m.base.shape[0] == len(m.nodes), m.scen is None
    ('qianjiang_dist', True, True)
    """
    graphs = [baseline] + ([scenario] if scenario is not None else [])
    nodes = _places_and_stations(graphs)
    return NodeMinutes(nodes, _minutes_among(baseline, nodes),
                       _minutes_among(scenario, nodes) if scenario is not None else None)
