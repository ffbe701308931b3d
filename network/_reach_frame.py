"""The reach GeoDataFrame from either engine's answer (see :func:`network.reach.reach`).

The networkx engine's dict becomes a frame through the public pandas
constructors (:func:`_to_gdf`); the compiled engine's arrays are gathered
column by column from node columns kept once per compiled graph
(:func:`_node_table`) and assembled without copies (:func:`_geoframe`).
Both give the same frame: the same columns, dtypes, order and values (int64
node ids and origins when every node id of the graph is an integer).
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np


def _to_gdf(G, found: dict):
    """The reach GeoDataFrame from the networkx engine's dict (small graphs)."""
    import geopandas as gpd
    import numpy as np
    import pandas as pd

    ids = sorted(found, key=lambda n: (found[n][0], str(n)))
    attrs = [G.nodes[n] for n in ids]
    rows = [found[n] for n in ids]
    as_ints = _int_ids(list(G)) is not None  # the compiled engine's rule: ids of the whole graph

    def objects(values):
        return pd.Series(values, index=index, dtype=object)

    def node_ids(values):
        return np.array(values, dtype=np.int64) if as_ints else pd.Series(values, index=index, dtype=object)

    index = pd.Index(node_ids(ids), name="id") if as_ints else pd.Index(ids, dtype=object, name="id")
    frame = pd.DataFrame({
        "name_zh": objects([d.get("name_zh") for d in attrs]),
        "name_en": objects([d.get("name_en") for d in attrs]),
        "kind": objects([d.get("kind") for d in attrs]),
        "population": pd.array([d.get("population") for d in attrs], dtype="Int64"),
        "minutes": np.fromiter((r[0] for r in rows), dtype=float, count=len(rows)),
        "mode": objects([r[1] for r in rows]),
        "origin": node_ids([r[2] for r in rows]),
    }, index=index)
    xs = np.fromiter((d["x"] for d in attrs), dtype=float, count=len(attrs))
    ys = np.fromiter((d["y"] for d in attrs), dtype=float, count=len(attrs))
    return gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(xs, ys), crs=G.graph.get("crs"))


def _int_ids(ids: list) -> np.ndarray | None:
    """Node ``ids`` as int64 when every one is an integer (as in OSMnx graphs), else ``None``.

    Both engines index the reach GeoDataFrame (and fill ``origin``) with
    int64 ids then, as pandas does for integer labels; any other id keeps
    them all as objects.
    """
    import numpy as np

    if not ids or not all(isinstance(i, (int, np.integer)) and not isinstance(i, bool) for i in ids):
        return None
    try:
        return np.array([int(i) for i in ids], dtype=np.int64)
    except OverflowError:  # beyond 64 bits: keep the Python ints
        return None


class _Same:
    """A node column whose value is the same object on every node (kept once, not per node)."""

    def __init__(self, value):
        self.value = value


class _Coded:
    """A node column of few distinct values: small integer codes per node into ``values``.

    Gathering codes reads a byte per node where an object array reads a
    pointer and then touches the object: far fewer cache misses.
    """

    def __init__(self, codes, values):
        self.codes, self.values = codes, values


#: Most distinct values of a node column kept as :class:`_Coded`.
_MAX_CODES = 127


def _column(values: list):
    """A node attribute column: :class:`_Same`, :class:`_Coded` or an object array."""
    import numpy as np

    first = values[0] if values else None
    if (first is None or type(first) in (str, int, float)) and all(v is first for v in values):
        return _Same(first)
    try:  # keyed by type too: 1, 1.0 and True stay apart
        if len({(type(v), v) for v in values[:: max(1, len(values) // 256)]}) <= _MAX_CODES:
            index: dict = {}
            codes = np.array([index.setdefault((type(v), v), len(index)) for v in values], dtype=np.int16)
            if len(index) <= _MAX_CODES:
                uniques = np.empty(len(index), dtype=object)
                uniques[:] = [v for _, v in index]
                return _Coded(codes.astype(np.int8), uniques)
    except TypeError:  # unhashable values
        pass
    col = np.empty(len(values), dtype=object)
    col[:] = values
    return col


def _population(values: list):
    """``(int64 values, missing mask)`` of the population column, or ``None`` when it is missing everywhere."""
    import numpy as np
    import pandas as pd

    if all(v is None for v in values):
        return None
    pops = np.empty(len(values), dtype=object)
    pops[:] = values
    missing = pd.isna(pops)
    ints = np.zeros(len(values), dtype=np.int64)
    ints[~missing] = pops[~missing].astype(np.int64)
    return ints, missing


def _node_table(G, C) -> dict:
    """Node columns of the reach GeoDataFrame, built once per compiled graph (one pass over the nodes)."""
    table = C._extra.get("reach_nodes")
    if table is None:
        import numpy as np

        attrs = list(G._node.values())  # the row order of C.nodes
        table = {c: _column([d.get(c) for d in attrs]) for c in ("name_zh", "name_en", "kind")}
        table["population"] = _population([d.get("population") for d in attrs])
        ints = _int_ids(C.nodes.tolist())
        table["ids"] = C.nodes if ints is None else ints
        names = np.empty(len(C.mode_names) + 1, dtype=object)
        names[1:] = C.mode_names
        table["modes"] = names
        C._extra["reach_nodes"] = table
    return table


def _take(column, rows):
    """Values of a node column (see :func:`_column`) at ``rows``."""
    import numpy as np

    if isinstance(column, _Same):
        return np.full(len(rows), column.value, dtype=object)
    if isinstance(column, _Coded):
        return np.take(column.values, np.take(column.codes, rows))
    return np.take(column, rows)  # a third faster than ``column[rows]`` on object arrays


def _take_population(population, rows):
    import numpy as np
    import pandas as pd

    if population is None:
        return pd.arrays.IntegerArray(np.zeros(len(rows), dtype=np.int64), np.ones(len(rows), dtype=bool))
    ints, missing = population
    return pd.arrays.IntegerArray(np.take(ints, rows), np.take(missing, rows))


def _arrays_to_gdf(G, found):
    """The reach GeoDataFrame from the compiled engine's arrays, column by column."""
    import numpy as np

    C = found.compiled
    table = _node_table(G, C)
    rows, minutes, codes, sources = found.rows, found.minutes, found.codes, found.sources
    order = _by_minutes_then_id(minutes, C.nodes, rows, ordered=found.ordered)
    if order is not None:
        rows, minutes, codes, sources = rows[order], minutes[order], codes[order], sources[order]
    ids = table["ids"]
    columns = {
        "name_zh": _take(table["name_zh"], rows),
        "name_en": _take(table["name_en"], rows),
        "kind": _take(table["kind"], rows),
        "population": _take_population(table["population"], rows),
        "minutes": minutes,
        "mode": np.take(table["modes"], codes),
        "origin": np.take(ids, sources),
    }
    crs = G.graph.get("crs")
    # the points already carry the compile-time CRS: naming it again costs a CRS parse per call
    return _geoframe(columns, np.take(ids, rows), C.points_at(rows, lazy=True), None if crs == C.crs else crs)


def _geoframe(columns: dict, ids, geometry, crs):
    """A GeoDataFrame indexed by ``ids`` ("id") from column arrays, without copying them.

    pandas' block manager is built from the arrays as they are, one block
    per column (``consolidate=False``): the public constructors check and copy
    every column, and merging the object columns into one block copies them
    again, which together cost more than the search itself on big graphs.
    The public constructors are the fallback.
    """
    import geopandas as gpd
    import pandas as pd

    index = pd.Index(ids, dtype=ids.dtype, name="id", copy=False)
    try:
        from pandas.core.internals.construction import arrays_to_mgr

        mgr = arrays_to_mgr([*columns.values(), geometry], _column_index(tuple(columns)), index,
                            verify_integrity=False, consolidate=False, **_manager_options(arrays_to_mgr))
        gdf = gpd.GeoDataFrame._from_mgr(mgr, axes=mgr.axes)
        gdf._geometry_column_name = "geometry"
    except (ImportError, AttributeError, TypeError, ValueError):  # other pandas or geopandas versions
        frame = pd.DataFrame({k: pd.Series(v, index=index, copy=False) for k, v in columns.items()}, index=index)
        gdf = gpd.GeoDataFrame(frame, geometry=geometry)
    if crs is not None:
        gdf = gdf.set_crs(crs, allow_override=True)
    return gdf


@functools.cache
def _manager_options(arrays_to_mgr) -> dict:
    """``typ="block"`` where pandas' ``arrays_to_mgr`` still asks for it (pandas 2), else nothing."""
    import inspect

    return {"typ": "block"} if "typ" in inspect.signature(arrays_to_mgr).parameters else {}


@functools.cache
def _column_index(columns: tuple):
    """The (immutable) column Index of a reach GeoDataFrame, made once."""
    import pandas as pd

    return pd.Index([*columns, "geometry"])


def _by_minutes_then_id(minutes, nodes, rows, *, ordered: bool = False):
    """The order of ``rows`` by minutes, ties by ``str(nodes[row])``; ``None`` if they are in order already.

    ``ordered``: ``minutes`` is already sorted (ties in any order), so only
    the runs of equal minutes are sorted again.
    """
    import numpy as np

    order = None if ordered else np.argsort(minutes, kind="stable")
    m = minutes if order is None else minutes[order]
    tied = np.flatnonzero(m[1:] == m[:-1])
    if tied.size:
        if order is None:
            order = np.arange(len(minutes))
        at = np.union1d(tied, tied + 1)  # every position in a run of equal minutes; runs stay in place
        sub = order[at]
        order[at] = sub[np.lexsort((nodes[rows[sub]].astype(str), minutes[sub]))]
    return order
