"""End-to-end check of the built dataset against ``published_times.csv`` (table for ``docs/calibration.md``).

Each row is routed with the library on its date between its ``from_id``/``to_id`` nodes over the
modes of its ``mode`` (restricted to the row's ``train_class`` / ``stopping`` when given).  The answer
is the time on board (rail, air, GA) or door to door (road).  ``tests/test_published_facts.py`` asserts
the same figures independently.
"""

from __future__ import annotations

import csv
from pathlib import Path

from qjnet.geodata.errors import QjnetError
from qjnet.geodata.io import load_dataset
from qjnet.network import build_graph, route
from qjnet.network.facts import ASSERTED_KINDS, ON_BOARD, TOLERANCE, fact_dataset, fact_date
from qjnet.network.facts import MODES as FACT_MODES

# freight rows are routed too (reported, never asserted: no tolerance is set for them)
MODES = {**FACT_MODES, "freight_rail": "freight_rail"}


def _status(row: dict) -> str | None:
    if not row["from_id"] or not row["to_id"]:
        return "not routed: an end lies outside the dataset"
    if row["mode"] not in MODES:
        return f"not routed: mode {row['mode']}"
    return None


def _verdict(row: dict) -> str:
    if row["mode"] not in TOLERANCE:
        return f"reported (no tolerance set for {row['mode']})"
    if row["kind"] not in ASSERTED_KINDS:
        return f"reported ({row['kind']}: approximate, not timetable data)"
    return f"asserted (+-{TOLERANCE[row['mode']]:.0%})"


def routed_rows(folder: Path) -> list[dict]:
    """Every published row with the model's answer (``None`` when not routed) and a status."""
    ds = load_dataset(folder)
    with open(folder / "sources" / "published_times.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    out = []
    for row in rows:
        pub = float(row["minutes"])
        rec = {"fact": f"{row['from']} -> {row['to']} ({row['mode']}, {row['kind']}, {row['as_of']})",
               "published": pub, "model": None, "residual_pct": None, "status": _status(row)}
        if rec["status"] is None:
            try:
                G = build_graph(fact_dataset(ds, row), date=fact_date(row["as_of"]), modes=MODES[row["mode"]],
                                params=ON_BOARD)
                it = route(G, row["from_id"], row["to_id"])
            except QjnetError as exc:
                rec["status"] = "no route: " + str(exc).split(";")[0]
            else:
                got = it.minutes if row["mode"] == "road" else it.split["in_vehicle"]
                rec.update(model=round(got, 1), residual_pct=round((got - pub) / pub * 100, 1))
                rec["status"] = _verdict(row)
        out.append(rec)
    return out


def facts_markdown(rows: list[dict]) -> str:
    """The end-to-end table."""
    out = ["## Every published time routed end to end", "",
           ("On-board time (rail, air, GA; no waits, changes or check-in) or door-to-door time (road), on the "
            "row's date, between the nodes of its `from_id`/`to_id`."), "",
           "| published fact | published min | model min | residual % | status |", "|---|---|---|---|---|"]
    for r in rows:
        model = "-" if r["model"] is None else f"{r['model']:g}"
        res = "-" if r["residual_pct"] is None else f"{r['residual_pct']:+g}"
        out.append(f"| {r['fact']} | {r['published']:g} | {model} | {res} | {r['status']} |")
    return "\n".join(out) + "\n"
