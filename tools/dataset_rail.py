"""Rail running-time model of the dataset build: line geometry, train classes and their fit to published times.

A rail service is a stopping pattern (non-stop, limited or all-stop) of one train class (G, D, C, K)
that may run over several lines.  Its segment times come from a start-to-stop running model
(acceleration, cruise, braking, dwell at every intermediate stop) whose cruise speed and dwell are
fitted per line section and train class to *all* the published times that concern that section
(``FIT_GROUPS``), not to one figure per line.  Sections and classes without a published time use the
pooled ratio of fitted cruise speed to design speed and the pooled fitted dwell of their class family.
Used by ``tools/build_dataset.py``; every fitted value is written to ``docs/calibration.md``.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class TrainModel:
    """Running-time model: cruise at ``cruise_kmh``, constant acceleration and braking, dwell per stop."""

    name: str
    cruise_kmh: float
    accel_ms2: float
    decel_ms2: float
    dwell_min: float


HSR = TrainModel("G/D EMU on a 250-350 km/h line", cruise_kmh=300.0, accel_ms2=0.30, decel_ms2=0.50, dwell_min=2.0)
EMU200 = TrainModel("D EMU on a 200 km/h line", cruise_kmh=200.0, accel_ms2=0.35, decel_ms2=0.50, dwell_min=2.0)
CONV = TrainModel("K conventional train", cruise_kmh=120.0, accel_ms2=0.12, decel_ms2=0.35, dwell_min=4.0)
CLASS_DEFAULT = {"G": HSR, "D": EMU200, "C": EMU200, "K": CONV}
EMU_CLASSES = ("G", "D", "C")

# Line sections: a line is one section unless published times show that parts of it run at clearly
# different speeds (Qian-Zhang-Chang at opening: Qianjiang-Zhangjiajie "1 h" but Qianjiang-Changde 3 h 09).
SECTION_BREAKS = {"qzc_rail": ("zjj_w",)}
# Design speeds (km/h) of the lines, from lines.csv; the cruise of a fit never exceeds it.
DESIGN_KMH = {"yuxia_hsr": 350, "qzc_rail": 200, "cyc_hsr": 350, "zjh_hsr": 350, "yuhuai_rail": 120,
              "yuwan_ic": 250, "yuli_rail": 200, "yiwan_rail": 160, "qianji_hsr": 350, "wanqian_hsr": 350}
CRUISE_GRID = range(40, 351)                      # km/h, step 1
DWELL_GRID = [x / 2 for x in range(2, 21)]        # 1 to 10 min, step 0.5
REGULARISE = 1e-4                                 # pull towards the class default where facts do not decide


def run_minutes(length_km: float, model: TrainModel) -> float:
    """Start-to-stop running time: accelerate, cruise, brake (triangular profile on short segments)."""
    v = model.cruise_kmh / 3.6
    a, b = model.accel_ms2, model.decel_ms2
    dist = length_km * 1000.0
    d_acc, d_brk = v * v / (2 * a), v * v / (2 * b)
    if dist >= d_acc + d_brk:
        seconds = (dist - d_acc - d_brk) / v + v / a + v / b
    else:
        vp = math.sqrt(2 * dist * a * b / (a + b))
        seconds = vp / a + vp / b
    return seconds / 60.0


class Track:
    """Kilometre posts of the stations of every line and the section each stretch belongs to."""

    def __init__(self) -> None:
        self.km: dict[str, dict[str, float]] = {}
        self.order: dict[str, list[str]] = {}

    def add_line(self, line: str, stops: list[str], lengths: list[float]) -> None:
        self.order[line] = list(stops)
        self.km[line] = dict(zip(stops, itertools.accumulate([0.0, *lengths]), strict=True))

    def length(self, line: str, a: str, b: str) -> float:
        return abs(self.km[line][b] - self.km[line][a])

    def section(self, line: str, a: str, b: str) -> str:
        """The section of ``line`` the stretch a-b lies in (a and b never straddle a break)."""
        order = self.order[line]
        lo = min(order.index(a), order.index(b))
        breaks = [order.index(s) for s in SECTION_BREAKS.get(line, ())]
        part = sum(1 for i in breaks if lo >= i)
        return line if not breaks else f"{line}#{part}"

    def between(self, line: str, a: str, b: str) -> list[str]:
        """The stations of ``line`` from a to b, both included, in running order."""
        order = self.order[line]
        i, j = order.index(a), order.index(b)
        return order[i:j + 1] if i <= j else order[j:i + 1][::-1]


@dataclass(frozen=True)
class Pattern:
    """Stops of a train and, for each segment, the line it runs on."""

    stops: tuple[str, ...]
    lines: tuple[str, ...]


def pattern(track: Track, legs: list[tuple[str, list[str]]]) -> Pattern:
    """A pattern from legs ``(line, stops on that line)``; consecutive legs share their joining stop."""
    stops: list[str] = []
    lines: list[str] = []
    for line, leg in legs:
        missing = [s for s in leg if s not in track.km[line]]
        if missing:
            raise KeyError(f"{line}: stops {missing} are not on the line")
        start = 1 if stops and stops[-1] == leg[0] else 0
        stops += leg[start:]
        lines += [line] * (len(leg) - 1)
    return Pattern(tuple(stops), tuple(lines))


class Calibration:
    """Fitted models per (section, class) and what each published time gives under them."""

    def __init__(self, track: Track) -> None:
        self.track = track
        self.fitted: dict[tuple[str, str], TrainModel] = {}
        self.rows: list[dict] = []

    def model(self, section: str, cls: str) -> TrainModel:
        if (section, cls) in self.fitted:
            return self.fitted[(section, cls)]
        line = section.split("#")[0]
        if cls == "G" and DESIGN_KMH[line] <= 250:
            for c in ("D", "C"):
                if (section, c) in self.fitted:
                    return self.fitted[(section, c)]
        pooled = self.pooled(line, cls)
        # an EMU class fitted on this section gives its speed limit, which no other class exceeds
        limit = min((m.cruise_kmh for (s, c), m in self.fitted.items() if s == section and c in EMU_CLASSES),
                    default=pooled.cruise_kmh)
        if limit < pooled.cruise_kmh:
            pooled = replace(pooled, name=f"{pooled.name}, capped at the section's fitted speed", cruise_kmh=limit)
        return pooled

    def pooled(self, line: str, cls: str) -> TrainModel:
        """Class-family default: pooled ratio fitted cruise / design speed and pooled fitted dwell."""
        family = EMU_CLASSES if cls in EMU_CLASSES else (cls,)
        fits = [(s, m) for (s, c), m in self.fitted.items() if c in family]
        base = CLASS_DEFAULT[cls]
        if not fits:
            return replace(base, cruise_kmh=min(base.cruise_kmh, DESIGN_KMH[line]))
        ratio = sum(m.cruise_kmh / DESIGN_KMH[s.split("#")[0]] for s, m in fits) / len(fits)
        dwell = sum(m.dwell_min for _, m in fits) / len(fits)
        return replace(base, name=f"{base.name}, pooled from {len(fits)} fitted section(s)",
                       cruise_kmh=round(ratio * DESIGN_KMH[line], 1), dwell_min=round(dwell * 2) / 2)

    def minutes(self, p: Pattern, cls: str, overrides: dict | None = None) -> list[float]:
        """Cumulative minutes at each stop of ``p`` for a train of class ``cls``."""
        out = [0.0]
        for i, (a, b, line) in enumerate(zip(p.stops[:-1], p.stops[1:], p.lines, strict=True)):
            sec = self.track.section(line, a, b)
            m = (overrides or {}).get(sec) or self.model(sec, cls)
            dwell = m.dwell_min if i > 0 else 0.0
            out.append(out[-1] + dwell + run_minutes(self.track.length(line, a, b), m))
        return out

    def fit(self, name: str, sections: tuple[str, ...], cls: str, facts: list[dict]) -> TrainModel:
        """Grid-search cruise and dwell of ``sections`` x ``cls`` on ``facts`` (relative least squares)."""
        base = self.model(sections[0], cls)
        design = min(DESIGN_KMH[s.split("#")[0]] for s in sections)
        best = None
        for cruise, dwell in itertools.product(CRUISE_GRID, DWELL_GRID):
            if cruise > design:
                continue
            m = replace(base, cruise_kmh=float(cruise), dwell_min=dwell)
            over = dict.fromkeys(sections, m)
            err = sum(f["weight"] * ((self.minutes(f["pattern"], cls, over)[-1] - f["minutes"]) / f["minutes"]) ** 2
                      for f in facts)
            err += REGULARISE * (((cruise - base.cruise_kmh) / base.cruise_kmh) ** 2 + ((dwell - base.dwell_min) / base.dwell_min) ** 2)
            if best is None or err < best[0] - 1e-12:
                best = (err, m)
        model = replace(best[1], name=f"{CLASS_DEFAULT[cls].name}, fitted ({name})")
        for s in sections:
            self.fitted[(s, cls)] = model
        return model

    def report(self, label: str, group: str, cls: str, p: Pattern, published: float, source: str) -> None:
        got = self.minutes(p, cls)[-1]
        self.rows.append({"fact": label, "group": group, "class": cls, "published": published,
                          "model": round(got, 1), "residual": round(got - published, 1),
                          "residual_pct": round((got - published) / published * 100, 1), "source": source})


def speed_note(m: TrainModel) -> str:
    """One line naming the model's parameters, for a record's ``assumptions``."""
    return (f"segment times derived: {m.name} (cruise {m.cruise_kmh:g} km/h, accel {m.accel_ms2:g} m/s2, "
            f"braking {m.decel_ms2:g} m/s2, dwell {m.dwell_min:g} min)")


def calibration_markdown(cal: Calibration) -> str:
    """The calibration report: fitted models and every published time against the model."""
    out = ["# Calibration of the rail running-time model", "",
           "Generated by `python tools/build_dataset.py`; do not edit by hand.", "",
           ("Rail segment times are derived from a start-to-stop running model (acceleration, cruise, braking, "
           "dwell at each intermediate stop).  Cruise speed and dwell are fitted per line section and train "
           "class to all the published times that concern them (relative least squares on a 1 km/h x 0.5 min "
           "grid, cruise capped at the line's design speed; a passenger quote is reported but not fitted).  A published fastest time is "
           "read as a non-stop run between the two stations it names (stopping only where a section changes), a timetable time with stops as all-stops.  Sections without a published time use the pooled "
           "ratio fitted cruise / design speed and the pooled dwell of their class family (G/D/C or K)."), "",
           "## Fitted models", "", "| section | class | cruise km/h | dwell min | accel m/s2 | braking m/s2 |",
           "|---|---|---|---|---|---|"]
    for (sec, cls), m in sorted(cal.fitted.items()):
        out.append(f"| {sec} | {cls} | {m.cruise_kmh:g} | {m.dwell_min:g} | {m.accel_ms2:g} | {m.decel_ms2:g} |")
    out += ["", "`qzc_rail#0` is Qianjiang-Zhangjiajie West, `qzc_rail#1` Zhangjiajie West-Changde.", "",
            "## Published times against the model", "",
            "| published fact | fit group | class | published min | model min | residual min | residual % |",
            "|---|---|---|---|---|---|---|"]
    for r in cal.rows:
        out.append(f"| {r['fact']} | {r['group']} | {r['class']} | {r['published']:g} | {r['model']:g} | "
                   f"{r['residual']:+g} | {r['residual_pct']:+g} |")
    out += ["", ("End-to-end routing of every row of `sources/published_times.csv` (access, changes, other modes) "
                 "is checked by `tests/test_published_facts.py`."), ""]
    return "\n".join(out)
