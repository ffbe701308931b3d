import datetime as dt

import pytest

from geodata.errors import DataError, OptionError, ScenarioError
from geodata.io import load_dataset, parse_date


def test_mini_loads_with_every_layer(data_dir):
    ds = load_dataset(data_dir / "mini")
    assert {"town_a", "sta_c"} <= set(ds.nodes.index)
    assert ds.nodes.crs.to_epsg() == 4326
    assert ds.links.loc["road_ab", "minutes"] == pytest.approx(150 * 1.25 / 80 * 60)


def test_date_selects_what_exists(data_dir):
    before = load_dataset(data_dir / "mini", date="2025-06-26")
    after = load_dataset(data_dir / "mini", date="2025-06-27")
    assert "hsr_ac" not in before.services.index
    assert "hsr_ac" in after.services.index
    assert "hsr_cd_plan" not in after.services.index
    assert after.date == dt.date(2025, 6, 27)


def test_scenario_adds_and_modifies(data_dir):
    ds = load_dataset(data_dir / "mini", scenario="plan")
    assert "hsr_cd_plan" in ds.services.index
    assert ds.services.loc["hsr_ac", "headway_min"] == 30
    assert ds.scenario == "plan" and ds.date == dt.date(2035, 1, 1)


def test_unknown_scenario_lists_known(data_dir):
    with pytest.raises(ScenarioError, match="known scenarios: before-hsr, plan, today"):
        load_dataset(data_dir / "mini", scenario="nope")


def test_partial_dates_mean_first_day():
    assert parse_date("2022-09") == dt.date(2022, 9, 1)
    assert parse_date("2024") == dt.date(2024, 1, 1)
    with pytest.raises(OptionError, match="YYYY-MM-DD"):
        parse_date("27/06/2025")
    with pytest.raises(DataError, match="f.geojson, record 'x', field 'opened'"):
        parse_date("soon", file="f.geojson", record="x", field_name="opened")
