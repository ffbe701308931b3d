"""Small helpers shared by the geodata modules: nulls, numbers, plain values, dates, distances."""

from __future__ import annotations

import datetime as _dt
import math
from typing import Any

from .errors import DataError, OptionError

EARTH_RADIUS_KM = 6371.0088  # mean Earth radius (IUGG)
_DATE_FORMATS = ("%Y-%m-%d", "%Y-%m", "%Y")
DATE_FIX = "write it as YYYY-MM-DD (or YYYY-MM / YYYY when only that is known)"


def is_null(value: Any) -> bool:
    """``True`` for ``None``, a float NaN, ``pandas.NA`` and ``pandas.NaT``."""
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    if isinstance(value, (str, bool, int, list, tuple, dict)):
        return False
    import pandas as pd

    return value is pd.NA or value is pd.NaT


def is_number(value: Any) -> bool:
    """``True`` for an int or a float that is not a bool."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def unbox(value: Any) -> Any:
    """A numpy/pandas scalar as its Python value; NaN, ``pandas.NA`` and ``NaT`` as ``None``; all else as is.

    Unlike :func:`to_plain` it keeps whole floats as floats and leaves containers alone.

    Examples
    --------
    >>> import numpy as np
    >>> unbox(np.float64(30.0)), unbox(float("nan")), unbox([1, 2])
    (30.0, None, [1, 2])
    """
    if isinstance(value, (str, bytes, list, tuple, dict)):
        return value
    if is_null(value):
        return None
    if hasattr(value, "item"):
        try:
            value = value.item()
        except (ValueError, AttributeError):
            return value
    return None if isinstance(value, float) and math.isnan(value) else value


def to_plain(value: Any) -> Any:
    """A JSON-ready Python value: numpy/pandas scalars unboxed, NaN/NA -> None, whole floats -> int.

    Lists, tuples and dicts are converted item by item; dates become ISO text.

    Examples
    --------
    >>> import numpy as np
    >>> to_plain([np.int64(3), np.float64(2.0), float("nan"), {"a": np.float64(0.5)}])
    [3, 2, None, {'a': 0.5}]
    """
    if isinstance(value, (list, tuple)):
        return [to_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: to_plain(v) for k, v in value.items()}
    if value is None or isinstance(value, (str, bool)):
        return value
    if is_null(value):
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float):
        if math.isnan(value):
            return None
        return int(value) if value.is_integer() and abs(value) < 2**53 else value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def parse_date(value: Any, *, file: Any = None, record: Any = None, field_name: str | None = None) -> _dt.date | None:
    """Parse ``YYYY-MM-DD``, ``YYYY-MM`` or ``YYYY`` (a partial date means its first day).

    ``None``, NaN and empty strings give ``None``; a ``datetime.date`` is returned
    as it is.  Anything else that is not such a text (a number, say) is a bad date.

    Parameters
    ----------
    value
        The text (or date) to parse.
    file, record, field_name
        Where the value comes from, named in the error.

    Returns
    -------
    datetime.date or None

    Raises
    ------
    DataError
        A bad date when ``file`` or ``record`` is given (it names them).
    OptionError
        A bad date otherwise (e.g. a ``--date`` option).

    Examples
    --------
    >>> parse_date("2022-09"), parse_date("2025-06-27"), parse_date(None)
    (datetime.date(2022, 9, 1), datetime.date(2025, 6, 27), None)
    """
    if is_null(value) or value == "":
        return None
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    if isinstance(value, str):
        text = value.strip()
        for fmt in _DATE_FORMATS:
            try:
                return _dt.datetime.strptime(text, fmt).date()
            except ValueError:
                continue
    msg = f"bad date {value!r}; {DATE_FIX}"
    if file is not None or record is not None:
        raise DataError(msg, file=file, record=record, field=field_name)
    raise OptionError(msg)


def haversine_km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in km between two WGS-84 points (degrees).

    Examples
    --------
    >>> round(haversine_km(108.77, 29.53, 106.55, 29.56))  # Qianjiang - central Chongqing
    215
    """
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dlat, dlon = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dlat / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))
