import math

import pytest

from qjnet.network import build_graph, compare, entered_by_band


@pytest.fixture(scope="module")
def mini_graphs():
    from pathlib import Path

    path = Path(__file__).parent / "data" / "mini"
    return build_graph(path, date="2025-06-26"), build_graph(path, date="2025-07-01"), \
        build_graph(path, scenario="plan")


def test_compare_two_dates(mini_graphs):
    before, after, _ = mini_graphs
    c = compare(before, after, "town_a")
    road = 150 * 1.25 / 80 * 60 + 110 * 1.3 / 80 * 60
    row = c.loc["town_c"]
    assert row["before"] == pytest.approx(road) and row["after"] == pytest.approx(98)
    assert row["change"] == pytest.approx(98 - road)
    assert math.isnan(row["band_before"]) and (row["band_after"], row["entered"]) == (120, 120)
    assert c.loc["town_b", "change"] < 0
    assert "town_a" not in c.index and list(c.index) == list(c.sort_values("after").index)
    assert entered_by_band(c) == {60: [], 120: ["town_b", "town_c"], 180: ["town_c"]}
    assert c.attrs["before"]["date"] == "2025-06-26" and c.attrs["after"]["date"] == "2025-07-01"


def test_compare_scenarios(mini_graphs):
    _, after, plan = mini_graphs
    c = compare(after, plan, "town_a")
    assert c.loc["town_d", "change"] < 0  # planned C-D HSR
    assert (c["change"].fillna(0) <= 1e-9).all()


def test_compare_station_not_yet_open(mini_graphs):
    before, after, _ = mini_graphs
    before = before.copy()
    before.remove_node("sta_a")  # as if the station opened with the line
    c = compare(before, after, "sta_a")
    assert c["before"].isna().all() and c.loc["town_c", "after"] == pytest.approx(61 + 12)
    assert c.loc["town_c", "entered"] == 120


def test_embedded_hsr_speeds_chongqing_qianjiang():
    before, after = build_graph(date="2025-06-26"), build_graph(date="2025-07-01")
    c = compare(before, after, "chongqing_core")
    assert c.loc["qianjiang_dist", "change"] < -30
    assert not math.isnan(c.loc["qianjiang_dist", "before"])
