"""Measure labels and the parsing of departures, windows, percentiles and weekdays (:mod:`network.measures`)."""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from ..geodata.errors import OptionError
from .timetable import format_clock, parse_clock

#: Names of the measures, as ``--measure`` accepts them.
MEASURES = ("fastest", "percentile", "expected")
#: Default window of the ``percentile`` and ``fastest`` measures: the morning peak, 07:00-09:00.
DEFAULT_WINDOW = (420.0, 540.0)
#: Default percentile: the median.
DEFAULT_PERCENTILE = 50.0

def parse_depart(text: str | float) -> float:
    """A departure ``"HH:MM"`` (00:00-47:59) or minutes as minutes after midnight.

    Examples
    --------
    >>> parse_depart("08:00"), parse_depart("25:30")
    (480.0, 1530.0)
    """
    if isinstance(text, (int, float)):
        value = float(text)
        if not (math.isfinite(value) and 0 <= value < 2880):
            raise OptionError(f"departure {text!r} must be from 00:00 to 47:59")
        return value
    try:
        return parse_clock(text)
    except ValueError:
        raise OptionError(f"departure {text!r} must be a clock time HH:MM from 00:00 to 47:59, e.g. 08:00") from None


def parse_window(window: str | Sequence[str | float]) -> tuple[float, float]:
    """A window ``"HH:MM-HH:MM"`` or ``(start, end)`` as clock minutes, within one day (end up to 24:00).

    Examples
    --------
    >>> parse_window("07:00-09:00"), parse_window(("06:00", "22:00"))
    ((420.0, 540.0), (360.0, 1320.0))
    """
    parts = window.split("-") if isinstance(window, str) else list(window)
    if len(parts) != 2:
        raise OptionError(f"window {window!r} must be START-END as HH:MM-HH:MM, e.g. 07:00-09:00")
    start, end = (parse_depart(p.strip() if isinstance(p, str) else p) for p in parts)
    if end <= start:
        raise OptionError(f"window {_window_text((start, end))} ends before it starts; write START-END, "
                          "e.g. 07:00-09:00")
    if end > 1440:
        raise OptionError(f"window {_window_text((start, end))} must lie within one day (00:00-24:00); "
                          "for later departures give the next date")
    return start, end


def parse_percentiles(values: str | float | Iterable[float]) -> tuple[float, ...]:
    """Percentiles ``"5,50,95"`` or numbers, each from 0 to 100.

    Examples
    --------
    >>> parse_percentiles("5,50,95"), parse_percentiles(50)
    ((5.0, 50.0, 95.0), (50.0,))
    """
    if isinstance(values, str):
        items: list[Any] = [v.strip() for v in values.split(",") if v.strip()]
    elif isinstance(values, (int, float)):
        items = [values]
    else:
        items = list(values)
    if not items:
        raise OptionError("give at least one percentile from 0 to 100, e.g. 5,50,95")
    out = []
    for v in items:
        try:
            p = float(v)
        except (TypeError, ValueError):
            raise OptionError(f"percentile {v!r} must be a number from 0 to 100") from None
        if not (math.isfinite(p) and 0 <= p <= 100):
            raise OptionError(f"percentile {v!r} must be from 0 to 100")
        out.append(p)
    return tuple(out)


def _window_text(window: tuple[float, float]) -> str:
    return f"{format_clock(window[0])}-{format_clock(window[1])}"


def _pkey(p: float) -> str:
    return f"{p:g}"


@dataclass(frozen=True)
class Measure:
    """What a travel time means: ``fastest`` or ``percentile`` over ``window``, or one ``departure``.

    Examples
    --------
    >>> Measure("percentile").label()
    {'measure': 'percentile', 'window': '07:00-09:00', 'percentile': 50.0}
    >>> Measure.at("08:00").label()
    {'measure': 'departure', 'depart': '08:00'}
    """

    name: str = "percentile"
    window: tuple[float, float] = DEFAULT_WINDOW
    percentile: float = DEFAULT_PERCENTILE
    depart: float | None = None

    def __post_init__(self) -> None:
        if self.name not in ("fastest", "percentile", "departure"):
            raise OptionError(f"measure {self.name!r} is not computed on the timetable; use fastest, percentile "
                              "(or expected on the graph: network.route, network.reach)")
        if (self.name == "departure") != (self.depart is not None):
            raise OptionError("a departure measure needs its time and only it has one: use Measure.at('08:00')")
        object.__setattr__(self, "window", parse_window(self.window))
        object.__setattr__(self, "percentile", parse_percentiles(self.percentile)[0])

    @classmethod
    def at(cls, depart: str | float) -> Measure:
        """The measure of one departure time."""
        return cls("departure", depart=parse_depart(depart))

    def label(self) -> dict[str, Any]:
        """The measure as it is stated in every output."""
        if self.depart is not None:
            return {"measure": "departure", "depart": format_clock(self.depart)}
        out: dict[str, Any] = {"measure": self.name, "window": _window_text(self.window)}
        if self.name == "percentile":
            out["percentile"] = self.percentile
        return out


def _as_measure(measure: str | Measure, window: Any, percentile: float) -> Measure:
    if isinstance(measure, Measure):
        return measure
    return Measure(measure, window=parse_window(window), percentile=percentile)


def resolve_measure(name: str | None = None, *, depart: str | None = None, window: str | None = None,
                    percentiles: str | float | None = None) -> Measure | None:
    """The measure a command line asks for; ``None`` means ``expected`` (the graph's measure).

    ``name`` defaults to ``expected`` unless a window, departure or percentile
    is given (then ``percentile``).  A window together with a departure, or
    ``expected`` with either, is an error; so is a percentile outside 0-100.

    Examples
    --------
    >>> resolve_measure() is None, resolve_measure(window="06:00-10:00").label()["window"]
    (True, '06:00-10:00')
    >>> resolve_measure("fastest", depart="08:00").label()
    {'measure': 'departure', 'depart': '08:00'}
    """
    if name is not None and name not in MEASURES:
        raise OptionError(f"--measure {name!r} is not one of {', '.join(MEASURES)}")
    if window is not None and depart is not None:
        raise OptionError("give either --window (a range of departures) or --depart (one departure), not both")
    if name == "expected" and (window is not None or depart is not None or percentiles is not None):
        raise OptionError("--measure expected is the frequency-based time on the graph and has no departure "
                          "times; drop --window/--depart/--percentile, or use --measure percentile or fastest")
    chosen = _named(parse_percentiles, percentiles, "--percentile") if percentiles is not None else (50.0,)
    if name == "expected" or (name is None and window is None and depart is None and percentiles is None):
        return None
    if depart is not None:
        return Measure.at(_named(parse_depart, depart, "--depart"))
    win = _named(parse_window, window, "--window") if window is not None else DEFAULT_WINDOW
    return Measure(name or "percentile", window=win, percentile=chosen[len(chosen) // 2])


def _named(parse: Any, value: Any, option: str) -> Any:
    try:
        return parse(value)
    except OptionError as err:
        raise OptionError(f"{option}: {err}") from None


def departure_day(date: _dt.date | str, measure: Measure) -> tuple[_dt.date, Measure]:
    """The date and measure to run a departure after 24:00 on: the next date, 24 hours earlier.

    Examples
    --------
    >>> day, m = departure_day("2025-07-03", Measure.at("25:30"))
    >>> day.isoformat(), m.label()
    ('2025-07-04', {'measure': 'departure', 'depart': '01:30'})
    """
    from ..geodata.io import parse_date

    day = parse_date(date)
    if day is None:
        raise OptionError("a departure time needs a date (YYYY-MM-DD)")
    if measure.depart is None or measure.depart < 1440:
        return day, measure
    return day + _dt.timedelta(days=1), Measure.at(measure.depart - 1440)


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def on_weekday(date: _dt.date | str, weekday: int | str) -> _dt.date:
    """The first date on or after ``date`` that falls on ``weekday`` (1-7, Monday 1, or ``mon``..``sun``).

    Examples
    --------
    >>> on_weekday("2025-07-01", "thu").isoformat(), on_weekday("2025-07-03", 4).isoformat()
    ('2025-07-03', '2025-07-03')
    """
    from ..geodata.io import parse_date

    day = parse_date(date)
    if day is None:
        raise OptionError("--weekday needs dates to move: give --before and --after dates")
    text = str(weekday).strip().lower()[:3]
    if text in WEEKDAYS:
        target = WEEKDAYS.index(text) + 1
    elif text.isdigit() and 1 <= int(text) <= 7:
        target = int(text)
    else:
        raise OptionError(f"--weekday {weekday!r} must be 1-7 (Monday 1) or mon, tue, wed, thu, fri, sat, sun")
    return day + _dt.timedelta(days=(target - day.isoweekday()) % 7)


def weekday_note(before: _dt.date | None, after: _dt.date | None) -> str | None:
    """A warning when two compared dates fall on different weekdays (else ``None``).

    Examples
    --------
    >>> import datetime
    >>> weekday_note(datetime.date(2025, 6, 26), datetime.date(2025, 7, 1))
    'before (2025-06-26) is a Thursday, after (2025-07-01) a Tuesday: services that run on some weekdays only change the answer; give --weekday to compare like with like'
    """
    if before is None or after is None or before.isoweekday() == after.isoweekday():
        return None
    return (f"before ({before.isoformat()}) is a {before.strftime('%A')}, after ({after.isoformat()}) a "
            f"{after.strftime('%A')}: services that run on some weekdays only change the answer; give --weekday "
            "to compare like with like")
