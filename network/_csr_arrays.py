"""Array steps of compiling a graph to CSR (see :mod:`.csr`): edge arrays, layers, fastest parallel edge."""

from __future__ import annotations

import math
from typing import Any

import networkx as nx
import numpy as np

from ..geodata.errors import GraphError


def _as_csr(m):
    m.indices = m.indices.astype(np.int32, copy=False)
    m.indptr = m.indptr.astype(np.int32, copy=False)
    return m


#: Edge kinds that move the traveller (their ``mode`` is a mode of arrival); board,
#: alight and other edges are "non-moving" (mode code 0).
MOVING_KINDS = ("ride", "link")


#: Edges gathered in Python lists before they are copied into the preallocated arrays:
#: keeps the peak memory of compiling near the size of the arrays themselves.
_CHUNK = 1 << 15


class _EdgeArrays:
    """Preallocated edge arrays filled chunk by chunk from Python lists (see :func:`_edge_lists`)."""

    def __init__(self, G: nx.Graph, size: int, multi: bool):
        self.G, self.top = G, 0
        self.r = np.empty(size, dtype=np.int32)
        self.c = np.empty(size, dtype=np.int32)
        self.w = np.empty(size, dtype=np.float64)
        self.mc = np.empty(size, dtype=np.int16)
        # multigraph keys: int16 while every key is a small Python int (as networkx numbers them), else objects
        self.k = np.empty(size, dtype=np.int16) if multi else None
        self.lists: tuple[list, list, list, list, list] = ([], [], [], [], [])

    def flush(self, mode_index: dict) -> None:
        if len(mode_index) >= np.iinfo(np.int16).max:
            raise GraphError(f"graph has {len(mode_index)} distinct edge modes; at most 32766 are supported")
        rows, cols, vals, keys, modes = self.lists
        a, b = self.top, self.top + len(rows)
        self.r[a:b] = rows
        self.c[a:b] = cols
        self.w[a:b] = _checked_minutes(self.G, vals)
        self.mc[a:b] = modes
        if self.k is not None:
            self.k = _stored_keys(self.k, a, b, keys)
        self.top = b
        for lst in self.lists:
            lst.clear()

    def done(self, mode_index: dict) -> tuple:
        self.flush(mode_index)
        t = self.top
        return self.r[:t], self.c[:t], self.w[:t], None if self.k is None else self.k[:t], self.mc[:t]


_SMALL = np.iinfo(np.int16)


def _stored_keys(k: np.ndarray, a: int, b: int, keys: list) -> np.ndarray:
    """``keys`` stored at ``k[a:b]``; an int16 ``k`` turns into an object array at the first other key."""
    if keys and k.dtype != object and not (all(type(x) is int for x in keys)
                                           and _SMALL.min <= min(keys) and max(keys) <= _SMALL.max):
        k = k.astype(object)  # the keys so far come back as Python ints
    k[a:b] = keys
    return k


def _edge_lists(G: nx.Graph, index: dict, mode_index: dict) -> tuple[tuple, list]:
    """Rows, columns, minutes, keys and mode codes of every edge (self-loops dropped), and the board/ride/alight ones.

    The arrays are filled :data:`_CHUNK` edges at a time.  ``mode_index``
    (mode -> code, codes from 1) grows as new modes are met.
    """
    multi = G.is_multigraph()
    # an undirected graph's adjacency holds each edge twice
    out = _EdgeArrays(G, G.number_of_edges() * (1 if G.is_directed() else 2), multi)
    rows, cols, vals, keys, modes = out.lists
    special: list[tuple[int, int, Any]] = []  # (position, 1 board / 2 ride or alight, first minutes)
    codes = {"board": 1, "ride": 2, "alight": 2}
    for u, nbrs in G._adj.items():
        iu = index[u]
        for v, data in nbrs.items():
            if v == u:
                continue
            iv = index[v]
            for k, d in (data.items() if multi else ((None, data),)):
                code = codes.get(d.get("kind"))
                if code:
                    fm = d.get("first_minutes") if code == 1 else None
                    special.append((out.top + len(vals), code, d.get("minutes") if fm is None else fm))
                rows.append(iu)
                cols.append(iv)
                vals.append(d.get("minutes"))
                keys.append(k)
                modes.append(_mode_code(d, mode_index))
        if len(rows) >= _CHUNK:
            out.flush(mode_index)
    return out.done(mode_index), special


def _mode_code(d: dict, mode_index: dict) -> int:
    """0 for a non-moving edge, else 1 + the index of its mode in ``mode_index`` (added if new)."""
    if d.get("kind") not in MOVING_KINDS:
        return 0
    mode = d.get("mode")
    code = mode_index.get(mode)
    if code is None:
        code = mode_index[mode] = len(mode_index) + 1
    return code


def _edge_arrays(G: nx.Graph, index: dict, mode_index: dict):
    """``(r, c, w, k, code, first, mc)`` arrays of the edges.

    ``first`` holds first-boarding minutes (or None); ``mc`` the int16 mode
    codes (see :func:`_mode_code`).
    """
    (r, c, w, k, mc), special = _edge_lists(G, index, mode_index)
    code_arr = np.zeros(len(w), dtype=np.int8)
    first = w.copy() if any(sp[1] == 1 for sp in special) else None
    if special:
        pos = np.fromiter((sp[0] for sp in special), dtype=np.int64, count=len(special))
        code_arr[pos] = [sp[1] for sp in special]
        if first is not None:
            board_pos = [sp[0] for sp in special if sp[1] == 1]
            first[board_pos] = _checked_minutes(G, [sp[2] for sp in special if sp[1] == 1],
                                                field="first_minutes")
    return r, c, w, k, code_arr, first, mc


def _both_ways(r, c, w, k, code_arr, first, mc):
    """An undirected graph's edges in both directions."""
    r, c, w = np.concatenate([r, c]), np.concatenate([c, r]), np.concatenate([w, w])
    code_arr = np.concatenate([code_arr, code_arr])
    mc = np.concatenate([mc, mc])
    if first is not None:
        first = np.concatenate([first, first])
    if k is not None:
        k = np.concatenate([k, k])
    return r, c, w, k, code_arr, first, mc


def _three_blocks(r, c, w, k, code_arr, first, mc, n: int):
    """The first-boarding expansion: layer 0 (not yet boarded), layer 1 (boarded), end states."""
    board = code_arr == 1
    both = code_arr == 0
    ar = np.arange(n, dtype=np.int64)
    none = np.zeros(n, dtype=np.int16)
    parts = [
        (r + n, c + n, w, k, mc),                               # every edge in layer 1
        (r[both], c[both], w[both], None if k is None else k[both], mc[both]),  # links also in layer 0
        (r[board], c[board] + n, first[board], None if k is None else k[board], mc[board]),  # first boarding
        (ar, ar + 2 * n, np.zeros(n), None, none),              # layer 0 -> end
        (ar + n, ar + 2 * n, np.zeros(n), None, none),          # layer 1 -> end
    ]
    r = np.concatenate([p[0] for p in parts])
    c = np.concatenate([p[1] for p in parts])
    w = np.concatenate([p[2] for p in parts])
    mc = np.concatenate([p[4] for p in parts])
    if k is not None:
        k = np.concatenate([p[3] if p[3] is not None else np.empty(len(p[0]), dtype=object) for p in parts])
    return r, c, w, k, mc


def _fastest_parallel(arrays: list) -> None:
    """Sort the edges ``[r, c, w, k, mc]`` by (row, col, minutes) and keep the fastest of parallel edges.

    Works on the list in place, one array at a time, so that no more than one
    array is held twice at any moment.
    """
    r, c, w = arrays[0], arrays[1], arrays[2]
    order = np.lexsort((w, c, r))
    del r, c, w
    for i, a in enumerate(arrays):
        if a is not None:
            arrays[i] = None  # drop the list's reference before the permuted copy is made
            arrays[i] = a[order]
            del a
    del order
    r, c = arrays[0], arrays[1]
    if r.size:
        keep = np.ones(r.size, dtype=bool)
        keep[1:] = (r[1:] != r[:-1]) | (c[1:] != c[:-1])
        del r, c
        if not keep.all():
            for i, a in enumerate(arrays):
                if a is not None:
                    arrays[i] = None
                    arrays[i] = a[keep]
                    del a


def compact_keys(k: np.ndarray | None) -> np.ndarray | None:
    """Edge keys as the smallest integer array when every key is a Python int, else as they are."""
    if k is None or not k.size:
        return k
    if k.dtype == object:
        if not all(type(x) is int for x in k[:: max(1, k.size // 64)]):
            return k
        import pandas as pd

        if pd.api.types.infer_dtype(k, skipna=False) != "integer":
            return k
    try:
        values = k.astype(np.int64)
    except OverflowError:  # keys beyond 64 bits stay Python ints
        return k
    for dtype in (np.int8, np.int16, np.int32):
        info = np.iinfo(dtype)
        if values.min() >= info.min and values.max() <= info.max:
            return values.astype(dtype)
    return values


def _checked_minutes(G: nx.Graph, vals: list, *, field: str = "minutes") -> np.ndarray:
    w = np.asarray(vals) if vals else np.empty(0, dtype=float)
    if w.dtype.kind not in "fiu" or (w.size and not (np.isfinite(w).all() and (w >= 0).all())):
        _raise_bad_minutes(G, field)
    return w.astype(np.float64, copy=False)


def _raise_bad_minutes(G: nx.Graph, field: str = "minutes") -> None:
    """Find the edges whose ``field`` breaks the contract and raise one GraphError."""
    bad: list[tuple[tuple, str]] = []
    edges = G.edges(keys=True, data=True) if G.is_multigraph() else G.edges(data=True)
    for e in edges:
        d = e[-1]
        if field == "first_minutes" and (d.get("kind") != "board" or d.get(field) is None):
            continue
        if field not in d or d[field] is None:
            bad.append((e[:-1], f"has no {field!r}"))
            continue
        m = d[field]
        if isinstance(m, (bool, np.bool_)) or not isinstance(m, (int, float, np.integer, np.floating)):
            bad.append((e[:-1], f"has non-numeric minutes {m!r}"))
        elif math.isnan(m):
            bad.append((e[:-1], "has minutes NaN"))
        elif math.isinf(m):
            bad.append((e[:-1], "has infinite minutes"))
        elif m < 0:
            bad.append((e[:-1], f"has negative minutes {m!r}"))
    if not bad:  # pragma: no cover - only reachable if the graph changed during compilation
        raise GraphError("graph changed while it was being compiled; try again")
    edge, what = bad[0]
    more = f" ({len(bad) - 1} more edges have the same kind of problem)" if len(bad) > 1 else ""
    raise GraphError(
        f"edge {edge!r}, field {field!r}: {what}{more}; "
        "every edge needs a finite travel time in minutes >= 0"
    )


def entry_positions(indptr: np.ndarray, indices: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Positions in ``data`` of the stored entries ``(rows[i], cols[i])`` of a CSR with sorted rows.

    A binary search in every row at once (about log2 of the largest degree
    numpy steps); every pair must be a stored entry.
    """
    lo = indptr[rows].astype(np.int64)
    hi = indptr[np.asarray(rows) + 1].astype(np.int64)
    active = lo < hi
    while active.any():
        mid = (lo + hi) // 2
        go_right = indices[np.minimum(mid, len(indices) - 1)] < cols
        lo = np.where(active & go_right, mid + 1, lo)
        hi = np.where(active & ~go_right, mid, hi)
        active = lo < hi
    return lo
