import math

import pytest

from qjnet.geodata.errors import OptionError
from qjnet.network import accessibility, build_graph, circle_summary, economic_circle
from qjnet.network.access import band_of, parse_bands, stations_of
from qjnet.network.reach import reach_times


@pytest.fixture(scope="module")
def qj_after():
    return build_graph(date="2025-07-01")


@pytest.fixture(scope="module")
def mini_after():
    from pathlib import Path

    return build_graph(Path(__file__).parent / "data" / "mini", date="2025-07-01")


def test_chongqing_circle_shows_qianjiang_61_station_to_station(qj_after):
    c = economic_circle(qj_after, "chongqing_core")
    row = c.loc["qianjiang_dist"]
    assert row["station_minutes"] == pytest.approx(61, abs=1)
    assert (row["from_station"], row["to_station"]) == ("cq_east", "qianjiang")
    # the honest door-to-door figure adds access at both ends
    assert row["centre_minutes"] > row["station_minutes"] + 30
    assert row["station_band"] == 120 and row["centre_band"] == 180
    assert "chongqing_core" not in c.index


def test_circle_summary_counts_cumulative_population(mini_after):
    c = economic_circle(mini_after, "town_a", bands=(60, 120))
    assert c.loc["town_c", "station_minutes"] == pytest.approx(61)
    assert c.loc["town_c", "centre_minutes"] == pytest.approx(25 + 61 + 12)
    s = circle_summary(c, bands=(60, 120))
    assert s[0]["station_to_station"]["places"] == ["town_b"]  # sta_a -> sta_b 30
    assert s[0]["centre_to_centre"]["population"] == 0
    assert set(s[1]["station_to_station"]["places"]) == {"town_b", "town_c"}
    assert s[1]["centre_to_centre"]["population"] == 300000 + 480000


def test_station_to_station_uses_no_roads(data_dir):
    G = build_graph(data_dir / "mini", date="2025-06-26")
    c = economic_circle(G, "town_a")
    assert math.isnan(c.loc["town_c", "station_minutes"])  # no HSR yet, the road does not count
    assert c.loc["town_c", "centre_minutes"] == pytest.approx(150 * 1.25 / 80 * 60 + 110 * 1.3 / 80 * 60)


def test_circle_from_a_station_uses_its_place(mini_after):
    c = economic_circle(mini_after, "sta_a")
    assert c.attrs["centre_place"] == "town_a" and c.attrs["stations"] == ["sta_a"]
    assert stations_of(mini_after, "town_c") == ["sta_c"]


def test_bands():
    assert parse_bands("60, 120,180") == (60, 120, 180)
    assert band_of(61, (60, 120)) == 120 and band_of(121, (60, 120)) is None and band_of(math.inf, (60,)) is None
    for bad in ("", "120,60", "60,60", "-5", "x"):
        with pytest.raises(OptionError):
            parse_bands(bad)


def test_accessibility_by_hand(mini_after):
    a = accessibility(mini_after, minutes=100, half_life=60)
    t = reach_times(mini_after, "town_a")
    pops = {"town_b": 300000, "town_c": 480000, "town_d": 600000}
    assert a.loc["town_a", "places_within"] == 2
    assert a.loc["town_a", "population_within"] == 300000 + 480000
    assert a.loc["town_a", "gravity"] == pytest.approx(sum(p * 2 ** (-t[n] / 60) for n, p in pops.items()))
    assert set(a.index) == {"town_a", "town_b", "town_c", "town_d"}
    assert a["population_within"].is_monotonic_decreasing


def test_accessibility_grows_with_budget_and_decays_with_half_life(qj_after):
    small, large = accessibility(qj_after, minutes=60), accessibility(qj_after, minutes=180)
    assert (large.loc[small.index, "population_within"] >= small["population_within"]).all()
    assert large.loc["qianjiang_dist", "population_within"] > small.loc["qianjiang_dist", "population_within"]
    short = accessibility(qj_after, minutes=60, half_life=30)
    assert (short.loc[small.index, "gravity"] <= small["gravity"]).all()
    assert small.attrs["population_unknown"]  # places without a population figure are listed


def test_accessibility_times_match_reach(qj_after):
    # the matrix engine (network.csr) and reach agree on every origin
    from qjnet.network.csr import shortest_times

    places = [n for n, k in qj_after.nodes(data="kind") if k == "place"][:8]
    times = shortest_times(qj_after, places)
    for i, o in enumerate(places):
        r = reach_times(qj_after, o)
        for n, m in r.items():
            assert times.minutes[i, times.compiled.index[n]] == pytest.approx(m)
