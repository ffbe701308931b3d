"""Provenance of answers: minutes by source kind, and error ranges checked against the published facts."""

from __future__ import annotations

import csv
import itertools
import json
import math
import re
from pathlib import Path

import pytest

from qjnet.geodata.errors import OptionError, QjnetError
from qjnet.geodata.io import default_dataset_path, load_dataset
from qjnet.network import build_graph, route
from qjnet.network.facts import ASSERTED_KINDS, MODES, ON_BOARD, fact_dataset, fact_date
from qjnet.network.provenance import (
    DERIVED_RESIDUAL,
    KINDS,
    PUBLISHED_SPREAD,
    check_share,
    format_range,
    provenance,
)
from qjnet.network.route import reach_provenance

DATA = default_dataset_path()
CALIBRATION = Path(__file__).resolve().parent.parent / "docs" / "calibration.md"
#: The rate at which the stated ranges claim to cover the published values.
CLAIMED_COVERAGE = 0.90


@pytest.fixture(scope="module")
def G():
    return build_graph(date="2025-07-02")


def test_edges_carry_their_source(G):
    ride = G.edges["yuxia_fast|f|cq_east", "yuxia_fast|f|qianjiang", "ride"]
    assert ride["time_source"] == "published" and ride["service"] == "yuxia_fast"
    assert G.edges["cq_east", "yuxia_fast|f|cq_east", "board"]["wait_source"] == "assumed"
    links = [d for _, _, d in G.edges(data=True) if d["kind"] == "link"]
    assert links and all(d["time_source"] in ("published", "derived") and d["link"] for d in links)


def test_reverse_direction_reverses_the_segment_sources(G):
    ds = load_dataset()
    for sid, row in ds.services.iterrows():
        if not row["bidirectional"] or f"{sid}|r|{row['stops'][0]}" not in G:
            continue
        stops, ts = list(row["stops"]), list(row["time_source"])
        for i, (a, b) in enumerate(itertools.pairwise(stops)):
            assert G.edges[f"{sid}|f|{a}", f"{sid}|f|{b}", "ride"]["time_source"] == ts[i]
            assert G.edges[f"{sid}|r|{b}", f"{sid}|r|{a}", "ride"]["time_source"] == ts[i]


@pytest.mark.parametrize("pair", [("cq_east", "qianjiang"), ("qianjiang", "changsha"),
                                  ("qianjiang_dist", "ckg"), ("qianjiang_dist", "cq_east")])
def test_split_adds_up_to_the_answer(G, pair):
    it = route(G, *pair)
    p = provenance(it, G)
    assert p.total == pytest.approx(it.minutes, abs=1e-6)
    assert sum(p.shares.values()) == pytest.approx(1.0)
    assert p.range[0] <= it.minutes <= p.range[1]
    assert it.provenance == p
    for leg, lp in zip(it.legs, p.legs, strict=True):
        assert sum(lp.minutes.values()) == pytest.approx(leg.minutes + leg.wait_minutes, abs=1e-6)
        assert lp.range[0] <= leg.minutes + leg.wait_minutes <= lp.range[1]


def test_published_trip_is_published_with_a_rounding_range(G):
    p = route(G, "cq_east", "qianjiang").provenance
    assert p.minutes["published"] == pytest.approx(61) and p.published_share == pytest.approx(1.0)
    assert p.legs[0].records == ("yuxia_fast",) and p.legs[0].source == "published"
    assert p.label() == "61 min (59-63)"


def test_access_and_assumed_minutes(G):
    it = route(G, "qianjiang_dist", "ckg")
    p = it.provenance
    assert p.minutes["access"] == pytest.approx(sum(leg.access_minutes for leg in it.legs))
    split = it.split
    assert p.minutes["assumed"] == pytest.approx(split["wait"] + split["transfer"] + split["processing"])
    access = [lp for lp in p.legs if lp.source == "access"]
    assert access and all(lp.records and lp.records[0].startswith("acc_") for lp in access)


def test_reach_provenance_matches_route(G):
    out = reach_provenance(G, "qianjiang_dist", ["cq_east", "ckg", "changsha"])
    for t, p in out.items():
        assert p.minutes == pytest.approx(route(G, "qianjiang_dist", t).provenance.minutes)


def test_share_option_is_checked():
    assert check_share(None) is None and check_share("0.5") == 0.5
    with pytest.raises(OptionError, match="between 0 and 1"):
        check_share(1.5)
    with pytest.raises(OptionError, match="between 0 and 1"):
        check_share("half")


def test_format_range_rounds_outward():
    assert format_range((159.6, 190.2)) == "159-191"


# --- the bands against the calibration report and the published facts ----------------------------


def _md_rows(header: str) -> list[list[str]]:
    text = CALIBRATION.read_text(encoding="utf-8")
    block = text.split(header, 1)[1].split("\n## ", 1)[0]
    return [[c.strip() for c in line.strip("|").split("|")] for line in block.splitlines()
            if line.startswith("| ") and not line.startswith("| published fact")]


def test_derived_bands_are_the_largest_calibration_residuals():
    rail = [abs(float(r[-1])) for r in _md_rows("## Published times against the model")
            if re.search(r"\((fastest|timetable|typical|scheduled),", r[0])]
    road = [abs(float(r[3])) for r in _md_rows("## Every published time routed end to end")
            if "(road," in r[0] and r[4].startswith("asserted")]
    assert rail and road
    assert DERIVED_RESIDUAL["hsr"] == DERIVED_RESIDUAL["rail"] == pytest.approx(max(rail) / 100)
    assert DERIVED_RESIDUAL["road"] == DERIVED_RESIDUAL["expressway"] == pytest.approx(max(road) / 100)


def test_published_band_is_the_spread_between_sources_of_one_trip():
    groups: dict = {}
    with open(DATA / "sources" / "published_times.csv", encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            if r["from_id"] and r["to_id"] and r["mode"] in MODES and r["kind"] in ASSERTED_KINDS:
                key = (r["from_id"], r["to_id"], r["mode"], r["kind"], r["train_class"], r["stopping"])
                groups.setdefault(key, []).append(float(r["minutes"]))
    spreads = [max(v) - min(v) for v in groups.values() if len(v) > 1]
    assert spreads and max(max(spreads), 1.0) == PUBLISHED_SPREAD


def _asserted_ranges() -> list[tuple[str, float, tuple]]:
    ds = load_dataset()
    with open(DATA / "sources" / "published_times.csv", encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["from_id"] and r["to_id"] and r["mode"] in MODES
                and r["kind"] in ASSERTED_KINDS]
    out = []
    for row in rows:
        try:
            G = build_graph(fact_dataset(ds, row), date=fact_date(row["as_of"]), modes=MODES[row["mode"]],
                            params=ON_BOARD)
            it = route(G, row["from_id"], row["to_id"])
        except QjnetError:
            continue  # not routable on its date: test_published_facts says why
        out.append((f"{row['from']} -> {row['to']} ({row['as_of']})", float(row["minutes"]), it.provenance.range))
    return out


def assert_claimed_coverage(facts: list[tuple[str, float, tuple]]) -> None:
    """At least 10 facts, and the stated ranges (rounded outwards to whole minutes) cover the claimed share."""
    assert len(facts) >= 10
    covered = [math.floor(lo + 1e-9) <= pub <= math.ceil(hi - 1e-9) for _, pub, (lo, hi) in facts]
    missed = [f for f, ok in zip(facts, covered, strict=True) if not ok]
    assert sum(covered) / len(covered) >= CLAIMED_COVERAGE, missed


def test_ranges_cover_the_published_facts_at_the_claimed_rate():
    assert_claimed_coverage(_asserted_ranges())


def test_cli_route_json_reports_split_and_range(run_qjnet):
    p = run_qjnet("route", "黔江站", "长沙站", "--date", "2025-07-02", "--format", "json")
    assert p.returncode == 0, p.stderr
    d = json.loads(p.stdout)
    assert set(d["provenance"]) == {*KINDS, "shares"}
    lo, hi = d["range"]
    assert lo <= d["minutes"] <= hi
    assert sum(d["provenance"][k] for k in KINDS) == pytest.approx(d["minutes"], abs=0.01)
    assert all("source" in leg and "records" in leg for leg in d["legs"])


def test_cli_route_table_marks_answers_below_min_published(run_qjnet):
    p = run_qjnet("route", "qianjiang_dist", "ckg", "--date", "2025-07-02", "--min-published", "0.5")
    assert p.returncode == 0, p.stderr
    assert "# provenance: published 0 min" in p.stdout and "# range: " in p.stdout
    assert "# mostly_modelled:" in p.stdout and re.search(r"minutes +source +range", p.stdout)
    bad = run_qjnet("route", "qianjiang_dist", "ckg", "--date", "2025-07-02", "--min-published", "2")
    assert bad.returncode == 2 and "--min-published" in bad.stderr


def test_cli_reach_and_circle_columns_and_filter(run_qjnet):
    p = run_qjnet("reach", "qianjiang_dist", "--minutes", "120", "--date", "2025-07-02", "--format", "json")
    assert p.returncode == 0, p.stderr
    d = json.loads(p.stdout)
    assert all({"range", "published_share"} <= set(r) for r in d["places"])
    assert sum(d["provenance_summary"].values()) >= len(d["places"]) - 1  # the origin itself has no minutes
    q = run_qjnet("reach", "qianjiang_dist", "--minutes", "120", "--date", "2025-07-02", "--format", "json",
                  "--min-published", "0.5")
    kept = json.loads(q.stdout)["places"]
    assert kept and len(kept) < len(d["places"]) and all(r["published_share"] >= 0.5 for r in kept)
    c = run_qjnet("circle", "qianjiang_dist", "--date", "2025-07-02")
    assert c.returncode == 0, c.stderr
    assert "# provenance: centre-to-centre:" in c.stdout and "published_share" in c.stdout


def test_cli_compare_counts_places_by_kind(run_qjnet):
    p = run_qjnet("compare", "chongqing_core", "--before", "2025-06-26", "--after", "2025-07-03", "--format", "json")
    assert p.returncode == 0, p.stderr
    d = json.loads(p.stdout)
    assert set(d["provenance_summary"]) == {"before", "after"}
    assert set(d["provenance_summary"]["after"]) == set(KINDS)
