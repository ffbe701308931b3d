"""Time-semantics parameters: how waiting, transfers and processing are costed.

Every figure here is a modelling assumption, not a published number; each is
written down in :class:`TimeParams` and in the documentation page "Time semantics", and each
can be overridden (``TimeParams(transfer_minutes=15)``, or
``TimeParams.from_dict({...})`` for values read from JSON).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, fields

from ..geodata import schema
from ..geodata.errors import OptionError

#: Modes a passenger can use.  Freight trains carry no passengers, so they are
#: left out unless asked for (``modes=[..., "freight_rail"]``).
PASSENGER_MODES = tuple(m for m in schema.MODES if m != "freight_rail")

#: Link modes that glue places to stations; kept whatever ``modes`` says,
#: otherwise a place could never reach its own station.
CONNECTOR_MODES = ("access", "walk", "transfer")

#: Longest budget accepted anywhere (one week); anything above is a typo.
MAX_MINUTES = 7 * 24 * 60


@dataclass(frozen=True)
class TimeParams:
    """Parameters of the time semantics (all minutes unless said otherwise).

    A trip starts when the traveller leaves the origin.  The first boarding
    costs no wait and no transfer penalty (the traveller plans for the
    departure); every later boarding costs ``transfer_minutes`` plus the
    expected wait ``wait_factor * headway``.  ``headway`` is ``headway_min``
    from the dataset, else ``service_day_minutes / per_day``.  When the graph
    is built without a date, a service that does not run every day also costs,
    at a later boarding, the expected days of waiting for its next operating
    day (arrival on a uniformly random weekday) times 1440.  With a date, only
    services that run on that weekday exist and there is no day wait.

    Parameters
    ----------
    transfer_minutes
        Penalty for each boarding after the first (walking, security, margin).
        Assumption: 10 minutes.
    wait_factor
        Share of the headway waited on average; 0.5 is random arrival.
    service_day_minutes
        Length of the service day used to turn ``per_day`` into a headway.
        Assumption: 06:00-23:00, 1020 minutes.
    max_wait_minutes
        Cap on the expected headway wait (not on the day wait); ``None``: no cap.
    board_processing
        Minutes spent before every boarding of a mode, the first included
        (check-in and security for flights).  Assumption: air 60, GA 30.
    alight_processing
        Minutes after alighting from a mode (deplaning, baggage).
        Assumption: air 15, GA 10.
    first_boarding_free
        ``False`` costs the first boarding like every other (no planning).

    Examples
    --------
    >>> TimeParams().headway_wait(per_day=6, headway_min=None)
    85.0
    >>> TimeParams(transfer_minutes=15).transfer_minutes
    15.0
    """

    transfer_minutes: float = 10.0
    wait_factor: float = 0.5
    service_day_minutes: float = 1020.0
    max_wait_minutes: float | None = None
    board_processing: dict = field(default_factory=lambda: {"air": 60.0, "ga": 30.0})
    alight_processing: dict = field(default_factory=lambda: {"air": 15.0, "ga": 10.0})
    first_boarding_free: bool = True

    def __post_init__(self):
        for name in ("transfer_minutes", "wait_factor", "service_day_minutes"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
                raise OptionError(f"time parameter {name}={value!r} must be a finite number >= 0")
            object.__setattr__(self, name, float(value))
        if self.service_day_minutes <= 0 or self.service_day_minutes > 1440:
            raise OptionError(f"time parameter service_day_minutes={self.service_day_minutes!r} must be in (0, 1440]")
        if self.max_wait_minutes is not None:
            if not isinstance(self.max_wait_minutes, (int, float)) or not self.max_wait_minutes >= 0:
                raise OptionError(f"time parameter max_wait_minutes={self.max_wait_minutes!r} must be >= 0 or null")
            object.__setattr__(self, "max_wait_minutes", float(self.max_wait_minutes))
        for name in ("board_processing", "alight_processing"):
            table = dict(getattr(self, name) or {})
            for mode, value in table.items():
                if mode not in schema.SERVICE_MODES:
                    raise OptionError(f"time parameter {name} names unknown mode {mode!r}; "
                                      f"use one of {', '.join(schema.SERVICE_MODES)}")
                if not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
                    raise OptionError(f"time parameter {name}[{mode!r}]={value!r} must be a finite number >= 0")
                table[mode] = float(value)
            object.__setattr__(self, name, table)

    def headway(self, *, per_day: float | None, headway_min: float | None) -> float | None:
        """Mean minutes between departures (``None`` when neither figure is known)."""
        hw, pd_ = _num(headway_min), _num(per_day)
        if hw is not None and hw > 0:
            return hw
        if pd_ is not None and pd_ > 0:
            return self.service_day_minutes / pd_
        return None

    def headway_wait(self, *, per_day: float | None, headway_min: float | None) -> float:
        """Expected wait for a later boarding (``wait_factor * headway``, capped)."""
        h = self.headway(per_day=per_day, headway_min=headway_min)
        wait = 0.0 if h is None else self.wait_factor * h
        if self.max_wait_minutes is not None:
            wait = min(wait, self.max_wait_minutes)
        return wait

    def to_dict(self) -> dict:
        """Plain JSON-able dict (recorded in every output)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict | None) -> TimeParams:
        """Build from a dict, rejecting unknown keys with a clear message."""
        data = dict(data or {})
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise OptionError(f"unknown time parameter(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        return cls(**data)


def expected_day_wait(days: Iterable[int]) -> float:
    """Expected whole days until the next operating weekday, arriving on a random weekday.

    Examples
    --------
    >>> expected_day_wait([1, 2, 3, 4, 5, 6, 7])
    0.0
    >>> round(expected_day_wait([1, 3, 4, 7]), 4)  # Tue 1, Fri 2, Sat 1 day
    0.5714
    """
    running = {int(d) for d in days or ()}
    if not running:
        return math.inf
    total = 0
    for day in range(1, 8):
        k = 0
        while ((day - 1 + k) % 7) + 1 not in running:
            k += 1
        total += k
    return total / 7.0


def parse_modes(modes: str | Iterable[str] | None) -> tuple[str, ...]:
    """Normalise a mode selection (``None``: :data:`PASSENGER_MODES`; a comma string or iterable).

    Raises :class:`OptionError` naming an unknown mode and listing the known ones.

    Examples
    --------
    >>> parse_modes("HSR, rail")
    ('hsr', 'rail')
    """
    if modes is None:
        return PASSENGER_MODES
    if isinstance(modes, str):
        modes = modes.split(",")
    out = []
    for m in modes:
        m = str(m).strip().lower()
        if not m:
            continue
        if m not in schema.MODES:
            raise OptionError(f"unknown mode {m!r}; choose from {', '.join(schema.MODES)}")
        if m not in out:
            out.append(m)
    if not out:
        raise OptionError(f"no mode selected; choose from {', '.join(schema.MODES)}")
    return tuple(out)


def check_minutes(minutes: float | str, *, name: str = "minutes") -> float:
    """Validate a time budget: a finite number in (0, :data:`MAX_MINUTES`]."""
    try:
        value = float(minutes)
    except (TypeError, ValueError):
        raise OptionError(f"{name} must be a number of minutes, got {minutes!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise OptionError(f"{name} must be a positive number of minutes, got {minutes!r}")
    if value > MAX_MINUTES:
        raise OptionError(f"{name}={minutes!r} is more than a week ({MAX_MINUTES} minutes); give a budget up to {MAX_MINUTES}")
    return value


def _num(value: object) -> float | None:
    if value is None:
        return None
    try:
        v = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if math.isnan(v) else v
