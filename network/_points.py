"""Node point geometries of a compiled graph: made once per node, and only when read.

A :class:`PointStore` (one per compiled graph) makes each node's shapely
point the first time it is asked for and keeps it, so repeated queries on one
area make no geometry.  A :class:`NodePoints` is the geometry column of a
reach GeoDataFrame: a ``geopandas`` GeometryArray of node rows whose points
are taken from the store when its values are first read (plotting, writing,
spatial operations, ``repr``), not when the frame is made.  Reading the other
columns, filtering, sorting or taking rows never makes a point; each such
step gives another :class:`NodePoints` of the rows kept, so only the points of
the rows finally read are made.

Making points is most of what a reach into a new area of a big graph costs
(a shapely point is about 216 bytes of fresh memory, and first touching fresh
memory is slow), so the frame is as quick as the search that fills it.
"""

from __future__ import annotations

import functools
import numbers
import threading
from typing import Any

import numpy as np
import pandas as pd
from geopandas.array import GeometryArray

__all__ = ["NodePoints", "PointStore", "lazy_supported"]

#: Newest geopandas major version :class:`NodePoints` is tested on (it relies on
#: GeometryArray keeping its values in ``_data``, as 0.14 to 1.x do).
NEWEST_TESTED_GEOPANDAS = 1


@functools.cache
def lazy_supported() -> bool:
    """Whether the installed geopandas is one :class:`NodePoints` is tested on (else points are made at once)."""
    import geopandas

    try:
        return int(geopandas.__version__.split(".")[0]) <= NEWEST_TESTED_GEOPANDAS
    except ValueError:
        return False


class PointStore:
    """The kept points of a compiled graph's nodes, each made on first use.

    Parameters
    ----------
    x, y
        Node coordinates in row order (held, not copied).
    crs
        Their CRS (anything ``pyproj.CRS.from_user_input`` takes), or ``None``.
    """

    def __init__(self, x: np.ndarray, y: np.ndarray, crs: Any = None):
        from pyproj import CRS

        self.x, self.y = x, y
        self.crs = None if crs is None else CRS.from_user_input(crs)
        self.points = np.empty(len(x), dtype=object)
        self.made = np.zeros(len(x), dtype=bool)
        self._lock = threading.Lock()

    def objects(self, rows: np.ndarray) -> np.ndarray:
        """The points of node ``rows`` (an object array), making the missing ones."""
        if not self.made[rows].all():
            import shapely

            with self._lock:
                missing = rows[~self.made[rows]]
                self.points[missing] = shapely.points(self.x[missing], self.y[missing])
                self.made[missing] = True
        return np.take(self.points, rows)

    def lazy(self, rows: np.ndarray) -> NodePoints:
        """A :class:`NodePoints` of node ``rows`` in the store's CRS (no point made)."""
        return NodePoints._of(self, rows, self.crs)


class NodePoints(GeometryArray):
    """A GeometryArray of node points whose points are made when its values are first read.

    Length, dtype, CRS and missing values are known without any point;
    ``take``, slicing, masks and ``copy`` give another :class:`NodePoints` of
    the rows kept.  Any other use reads the values, which takes the points from
    the :class:`PointStore` once (making those not made yet) and from then on
    behaves as a plain GeometryArray.  Pickled, it is a plain GeometryArray.
    """

    @classmethod
    def _of(cls, store: PointStore, rows: np.ndarray, crs) -> NodePoints:
        self = cls.__new__(cls)
        rows = np.asarray(rows, dtype=np.intp)
        if rows.ndim != 1:
            raise ValueError("node rows must be one-dimensional")
        rows = rows.view()
        rows.flags.writeable = False  # shared by the arrays taken from this one
        self.__dict__.update(_store=store, _rows=rows, _crs=crs, _sindex=None)
        return self

    @property
    def made(self) -> bool:
        """Whether the points have been taken from the store (the values were read)."""
        return "_data" in self.__dict__

    @property
    def _data(self) -> np.ndarray:
        data = self.__dict__.get("_data")
        if data is None:
            data = self.__dict__["_data"] = self._store.objects(self._rows)
            self.__dict__.update(_store=None, _rows=None)  # the store may go with its graph now
        return data

    @_data.setter
    def _data(self, value: np.ndarray) -> None:
        self.__dict__["_data"] = value

    def _with_rows(self, rows: np.ndarray) -> NodePoints:
        """A lazy array of node ``rows`` from the same store, in this array's CRS."""
        return NodePoints._of(self._store, rows, self._crs)

    @property
    def size(self) -> int:
        return self._data.size if self.made else self._rows.size

    @property
    def nbytes(self) -> int:
        return self._data.nbytes if self.made else self._rows.size * np.dtype(object).itemsize

    def isna(self) -> np.ndarray:
        return super().isna() if self.made else np.zeros(self._rows.size, dtype=bool)  # node points are never missing

    def __getitem__(self, idx):
        if self.made:
            return super().__getitem__(idx)
        if isinstance(idx, numbers.Integral):  # one point: made alone (IndexError as a plain array)
            return self._store.objects(np.array([self._rows[idx]]))[0]
        idx = pd.api.indexers.check_array_indexer(self, idx)
        rows = self._rows[idx]
        return self._with_rows(rows) if rows.ndim == 1 else super().__getitem__(idx)  # else as a plain array does

    def take(self, indices, allow_fill: bool = False, fill_value=None) -> GeometryArray:
        if self.made:
            return super().take(indices, allow_fill=allow_fill, fill_value=fill_value)
        indices = np.asarray(indices, dtype=np.intp)
        if allow_fill and (indices < 0).any():  # missing rows to fill: a plain array
            return super().take(indices, allow_fill=allow_fill, fill_value=fill_value)
        from pandas.api.extensions import take

        return self._with_rows(take(self._rows, indices))

    def copy(self, *args, **kwargs) -> GeometryArray:
        return super().copy(*args, **kwargs) if self.made else self._with_rows(self._rows)

    def __iter__(self):
        return iter(self._data)

    def __reduce_ex__(self, protocol):
        import shapely
        from geopandas.array import from_wkb

        return from_wkb, (shapely.to_wkb(self._data), self._crs)  # as GeometryArray pickles its points
