"""Every published travel time of the embedded dataset's sources, routed end to end with the library.

Each row of ``sources/published_times.csv`` is routed on its date (``as_of``; a month means its last
day) between the nodes of its ``from_id``/``to_id`` columns, resolved with
:func:`qjnet.geodata.resolve.resolve_node`, over the modes of its ``mode`` (a ``train_class`` or
``stopping`` given in the row restricts the services to that class and to patterns that stop, or
not, between the two stations).  The model's answer is the time on board (rail, air, GA: without
access, waits, changes and check-in, which no published figure includes) or the whole door-to-door
time (road).  It must lie within +-10 % (HSR, air), +-15 % (conventional rail, GA) or +-25 % (road).

Rows not asserted, each for a stated reason: an end outside the dataset (empty id), passenger quotes
and projections (``kind`` quote/projection: approximate, not timetable data), an unspecified mode,
freight (no tolerance is set for container-train transit times), and facts whose line is not in the
dataset on their date (``NOT_ROUTABLE``).  Their model values are still printed by ``--report``.
"""

from __future__ import annotations

import csv

import pytest

from qjnet.geodata.errors import NoRouteError, QjnetError
from qjnet.geodata.io import default_dataset_path, load_dataset
from qjnet.geodata.resolve import resolve_node
from qjnet.network import build_graph, route
from qjnet.network.facts import ASSERTED_KINDS, MODES, ON_BOARD, TOLERANCE, fact_dataset, fact_date

DATA = default_dataset_path()
# (from_id, to_id, as_of): why no route exists on that date in the dataset.
NOT_ROUTABLE = {
    ("changsha", "zjj_w", "2019-12"): "in 2019 Changsha-Zhangjiajie ran over the Shimen-Changsha railway, "
                                      "which is outside the dataset (Chang-Yi-Chang opened 2022)",
}


def _rows() -> list[dict]:
    with open(DATA / "sources" / "published_times.csv", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def skip_reason(row: dict) -> str | None:
    """Why a row is reported but not asserted (``None``: asserted)."""
    if not row["from_id"] or not row["to_id"]:
        return "an end lies outside the dataset"
    if row["kind"] not in ASSERTED_KINDS:
        return f"kind {row['kind']} (approximate, not timetable data)"
    if row["mode"] not in TOLERANCE:
        return f"mode {row['mode']}: no tolerance set"
    return None


_FULL = []
_GRAPHS: dict = {}


def _full():
    if not _FULL:
        _FULL.append(load_dataset())
    return _FULL[0]


def _services_for(row: dict):
    """The services a row's train class / stopping kind allows (all of them when the row names neither)."""
    return fact_dataset(_full(), row)


def model_minutes(row: dict) -> tuple[float, object]:
    """The model's answer for a published row and the itinerary behind it."""
    day = fact_date(row["as_of"])
    key = (day, row["mode"], row["train_class"], row["stopping"], row["from_id"], row["to_id"])
    if key not in _GRAPHS:
        _GRAPHS[key] = build_graph(_services_for(row), date=day, modes=MODES[row["mode"]], params=ON_BOARD)
    G = _GRAPHS[key]
    a = resolve_node(G, row["from_id"], dataset=_full)
    b = resolve_node(G, row["to_id"], dataset=_full)
    it = route(G, a, b)
    if row["mode"] == "road":
        return it.minutes, it
    return it.split["in_vehicle"], it


def _label(row: dict) -> str:
    return f"{row['from']} -> {row['to']} ({row['mode']}, {row['as_of']})"


ASSERTED = [r for r in _rows() if skip_reason(r) is None]


@pytest.mark.parametrize("row", ASSERTED, ids=[_label(r) for r in ASSERTED])
def test_published_time_is_met_within_its_tolerance(row):
    key = (row["from_id"], row["to_id"], row["as_of"])
    if key in NOT_ROUTABLE:
        with pytest.raises(NoRouteError):
            model_minutes(row)
        return
    got, it = model_minutes(row)
    published = float(row["minutes"])
    tol = TOLERANCE[row["mode"]]
    assert abs(got - published) <= tol * published, (
        f"{_label(row)}: model {got:.1f} min vs published {published:g} (+-{tol:.0%}); "
        f"legs {[(leg.service or leg.mode, leg.from_, leg.to) for leg in it.legs]}")


def test_every_row_is_asserted_or_has_a_reason():
    rows = _rows()
    reasons = {_label(r): skip_reason(r) for r in rows}
    assert len(ASSERTED) >= 12
    # every end named by an id exists in the dataset
    ids = set(_full().nodes.index)
    for r in rows:
        for end in (r["from_id"], r["to_id"]):
            assert not end or end in ids, (_label(r), end)
    assert all(reasons[k] for k in reasons if k not in {_label(r) for r in ASSERTED})


# --- corridors north and west of Qianjiang ----------------------------------------------------------

CORRIDOR_DATE = "2025-07-01"
CORRIDORS = {  # destination place: lines the rail trip must use
    "wanzhou_dist": {"yuwan_ic"}, "liangping_dist": {"yuwan_ic"}, "shizhu_cty": {"yuli_rail"},
    "fengdu_cty": {"yuli_rail"}, "lichuan_city": {"yuli_rail", "yiwan_rail"}, "enshi_city": {"yiwan_rail"},
}


@pytest.fixture(scope="module")
def rail_2025():
    return build_graph(date=CORRIDOR_DATE, modes="hsr,rail")


@pytest.mark.parametrize("dest", sorted(CORRIDORS))
def test_chongqing_reaches_the_north_and_west_over_their_corridors(rail_2025, dest):
    ds = _full()
    it = route(rail_2025, resolve_node(rail_2025, "chongqing_core", dataset=_full), dest)
    used = [leg.service for leg in it.legs if leg.service]
    lines = {part for sid in used for part in ds.services.loc[sid, "line"].split("+")}
    assert lines & CORRIDORS[dest], (dest, used)
    visited = {leg.from_ for leg in it.legs} | {leg.to for leg in it.legs}
    visited |= {s for leg in it.legs for s in leg.stops}
    assert "qianjiang" not in visited, (dest, used)
    assert it.minutes < 4 * 60, (dest, it.minutes)


def test_chongqing_to_wanzhou_by_rail_under_three_hours(rail_2025):
    it = route(rail_2025, "chongqing_core", "wanzhou_dist")
    assert it.minutes < 180
    assert "yuwan_all" in {leg.service for leg in it.legs}


def test_fuling_is_served_by_fuling_north(rail_2025):
    it = route(rail_2025, "chongqing_core", "fuling_dist")
    assert any(leg.to == "fuling_n" or leg.from_ == "fuling_n" for leg in it.legs)
    assert it.minutes < 120


def test_chongqing_east_to_changsha_and_zhangjiajie_without_a_change(rail_2025):
    """Through trains run from Yu-Xia onto Qian-Zhang-Chang and Chang-Yi-Chang (one service, no change)."""
    for dest, through in (("changsha", {"through_cq_cs"}), ("zjj_w", {"through_cq_zjj", "through_cq_cs"})):
        it = route(rail_2025, "cq_east", dest)
        used = [leg.service for leg in it.legs if leg.service]
        assert len(used) == 1 and used[0] in through, (dest, used)
    # the fastest Chongqing East -> Qianjiang stays the published 61 min on its own pattern
    it = route(rail_2025, "cq_east", "qianjiang")
    assert it.minutes == 61 and it.legs[0].service == "yuxia_fast"


def report() -> str:
    """The published-facts table: fact, model, residual (``python tests/test_published_facts.py``)."""
    out = ["| fact | published | model | residual % | status |", "|---|---|---|---|---|"]
    for r in _rows():
        why = skip_reason(r)
        if not r["from_id"] or not r["to_id"] or r["mode"] not in MODES:
            out.append(f"| {_label(r)} | {r['minutes']} | - | - | not routed: {why or 'mode'} |")
            continue
        try:
            got, _ = model_minutes(r)
        except QjnetError as exc:
            note = NOT_ROUTABLE.get((r["from_id"], r["to_id"], r["as_of"]), str(exc).split(";")[0])
            out.append(f"| {_label(r)} | {r['minutes']} | no route | - | {note} |")
            continue
        pub = float(r["minutes"])
        out.append(f"| {_label(r)} | {pub:g} | {got:.1f} | {(got - pub) / pub * 100:+.1f} | "
                   f"{'asserted' if why is None else 'reported: ' + why} |")
    return "\n".join(out)


if __name__ == "__main__":
    print(report())
