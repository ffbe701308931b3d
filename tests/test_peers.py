"""qjnet against peer engines (bench/peers.py): peartree and ferrobus on qjnet's GTFS feed.

Behind the ``peers`` marker, deselected by default: the first run installs the peers from PyPI
into their own environments (network access), and a run takes more than a minute.  Run with
``python -m pytest -m peers tests/test_peers.py``.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.peers


@pytest.fixture(scope="module")
def results() -> dict:
    from bench.peers import cache_dir, run

    found = run(["peartree", "ferrobus"], cache_dir())
    assert not found["unavailable"], found["unavailable"]
    return {c["name"]: c for c in found["comparisons"]}


def _only(comparison: dict, *reasons: str) -> None:
    assert set(comparison["reasons"]) <= set(reasons), comparison["reasons"]


def test_ferrobus_equals_qjnet_departures(results):
    from bench.peers_compare import TRANSFER_REASON

    exact = results["ferrobus vs qjnet --depart, no minimum transfer"]
    assert exact["different"] == 0 and exact["equal"] > 10_000
    usual = results["ferrobus vs qjnet --depart, 10-minute transfer (default)"]
    assert usual["equal"] > 0
    _only(usual, TRANSFER_REASON)
    assert all(d["diff_min"] > 0 for d in usual["differences"]), "a minimum transfer only ever makes a trip later"


def test_peartree_single_line_trips(results):
    from bench.peers_compare import COUNTS, FALLBACK, MEAN_GAP

    window = results["peartree (window / trips / 2) vs qjnet expected, single-line trips"]
    assert window["equal"] > 0
    _only(window, COUNTS)  # and the same in-vehicle minutes on every pair (checked before a reason is given)
    default = results["peartree (its default boarding cost) vs qjnet expected, single-line trips"]
    _only(default, MEAN_GAP, FALLBACK)
    assert window["equal"] + window["different"] == default["equal"] + default["different"]


def test_peartree_multi_line_differences_are_explained(results):
    from bench.peers_compare import CHANGES, ORIGIN_COUNTS, RIDE, SHARED

    whole = results["peartree (window / trips / 2) vs qjnet expected, whole feed"]
    _only(whole, CHANGES, ORIGIN_COUNTS, RIDE, SHARED)
    # every difference is exactly the sum of its parts: waits at changes, origin wait, in-vehicle
    for d in whole["differences"]:
        assert d["diff_min"] == pytest.approx(d["wait_at_changes"] + d["origin_wait"] + d["in_vehicle"], abs=0.02)
        assert d["wait_at_changes"] >= 0 and (d["wait_at_changes"] > 0) == (d["changes"] > 0)
