"""How the model is held against a published travel time (a row of the dataset's ``published_times.csv``).

One set of rules, used by the dataset build (the calibration page), the
published-facts test and the range-coverage tests: which rows are asserted
and with what tolerance, which modes a row may use, on which day it is
routed, on which services (:func:`geodata.select.services_for`), and with
on-board time only (:data:`ON_BOARD`: published block and running times
leave out waits, changes, check-in and deplaning).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from typing import TYPE_CHECKING

from ..geodata.select import services_for
from .params import TimeParams

if TYPE_CHECKING:
    from ..geodata.dataset import Dataset

__all__ = ["ASSERTED_KINDS", "MODES", "ON_BOARD", "TOLERANCE", "fact_dataset", "fact_date"]

#: Share a model time may be off a published one, by mode, for the row to pass.
TOLERANCE = {"hsr": 0.10, "air": 0.10, "rail": 0.15, "ga": 0.15, "road": 0.25}
#: The graph's modes a published row of each passenger mode is routed with.
MODES = {"hsr": "hsr,rail", "rail": "hsr,rail", "air": "air", "ga": "ga", "road": "expressway,road"}
#: Kinds of published time that are asserted (others are reported only).
ASSERTED_KINDS = {"fastest", "scheduled", "timetable", "typical"}
#: On-board time only: no waits, changes, check-in or deplaning.
ON_BOARD = TimeParams(transfer_minutes=0, wait_factor=0, board_processing={}, alight_processing={})


def fact_date(as_of: str) -> dt.date:
    """The day a row is routed on: ``2025-06-27`` -> that day; ``2025-06`` -> its last day; ``~2025 (...)`` -> 2025-12-31.

    Examples
    --------
    >>> fact_date("2025-06"), fact_date("~2025 (news report)")
    (datetime.date(2025, 6, 30), datetime.date(2025, 12, 31))
    """
    m = re.search(r"(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?", as_of)
    if m is None:
        raise ValueError(f"as_of {as_of!r} names no year")
    year, month, day = int(m.group(1)), m.group(2), m.group(3)
    if day:
        return dt.date(year, int(month), int(day))
    mon = int(month) if month else 12
    return dt.date(year, mon, calendar.monthrange(year, mon)[1])


def fact_dataset(ds: Dataset, row: dict) -> Dataset:
    """``ds`` with only the services a row's train class and stopping kind allow (all when it names neither)."""
    return services_for(ds, row["from_id"], row["to_id"], train_class=row["train_class"] or None,
                        stopping=row["stopping"] or None)
