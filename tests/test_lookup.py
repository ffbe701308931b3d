"""Place lookup: ids, Chinese full/short names, English, pinyin, "lat,lon", ambiguity, suggestions."""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Point

from qjnet.geodata.errors import AmbiguousPlaceError, PlaceNotFoundError
from qjnet.geodata.io import Dataset, default_dataset_path, load_dataset
from qjnet.geodata.lookup import (
    nearest_node,
    pinyin_key,
    resolve_id,
    resolve_place,
    short_name_zh,
)

NODES = [
    # id, name_zh, name_en, kind, lon, lat
    ("qianjiang_dist", "黔江区", "Qianjiang District", "place", 108.7706, 29.5333),
    ("qianjiang", "黔江站", "Qianjiang", "hsr_station", 108.7900, 29.5600),
    ("qianjiang_airport", "黔江武陵山机场", "Qianjiang Wulingshan Airport", "airport", 108.8300, 29.5100),
    ("youyang_cty", "酉阳土家族苗族自治县", "Youyang County", "place", 108.7677, 28.8416),
    ("pengshui", "彭水县", "Pengshui County", "place", 108.1660, 29.2938),
    ("chongqing", "重庆市", "Chongqing", "place", 106.5500, 29.5600),
    ("cq_east", "重庆东站", "Chongqing East", "hsr_station", 106.6620, 29.5050),
    ("wulong_dist", "武隆区", "Wulong District", "place", 107.7601, 29.3255),
    ("wulong", "武隆站", "Wulong", "rail_station", 107.7550, 29.3300),
    ("wulong_s", "武隆南站", "Wulong South", "hsr_station", 107.7500, 29.3000),
    ("xiannvshan_airport", "武隆仙女山机场", "Wulong Xiannüshan Airport", "airport", 107.7300, 29.4700),
    ("zhuoshui", "濯水古镇", "Zhuoshui Ancient Town", "poi", 108.7400, 29.3800),
    ("zhuoshui_a", "濯水站", "Zhuoshui", "rail_station", 108.7450, 29.3700),
    ("zhuoshui_b", "濯水站", "Zhuoshui Halt", "logistics", 108.7460, 29.3650),
]


def make_ds(rows=NODES) -> Dataset:
    gdf = gpd.GeoDataFrame(
        [{"id": r[0], "name_zh": r[1], "name_en": r[2], "kind": r[3]} for r in rows],
        geometry=[Point(r[4], r[5]) for r in rows], crs="EPSG:4326",
    ).set_index("id", drop=False)
    gdf.index.name = None
    return Dataset(nodes=gdf, services=None, links=None, boundaries=None, scenarios={}, path=Path("."))


@pytest.fixture(scope="module")
def ds():
    return make_ds()


@pytest.mark.parametrize("text, expected, how", [
    ("qianjiang_dist", "qianjiang_dist", "id"),
    ("QIANJIANG_DIST", "qianjiang_dist", "id"),
    ("qianjiang", "qianjiang", "id"),  # an exact id always wins
    ("黔江区", "qianjiang_dist", "name_zh"),
    ("黔江", "qianjiang_dist", "short_name"),  # place preferred over its station
    ("黔江站", "qianjiang", "name_zh"),
    ("黔江县", "qianjiang_dist", "short_name"),  # an old suffix still finds the place
    ("qianjiangzhan", "qianjiang", "pinyin"),
    ("qian jiang zhan", "qianjiang", "pinyin"),
    ("qian jiang", "qianjiang_dist", "name_en"),  # also its short English name
    ("Qianjiang District", "qianjiang_dist", "name_en"),
    ("qianjiang district", "qianjiang_dist", "name_en"),
    ("酉阳", "youyang_cty", "short_name"),
    ("酉阳土家族苗族自治县", "youyang_cty", "name_zh"),
    ("youyang", "youyang_cty", "name_en"),
    ("Youyang", "youyang_cty", "name_en"),
    ("pengshuixian", "pengshui", "pinyin"),
    ("重庆", "chongqing", "short_name"),
    ("重庆东", "cq_east", "short_name"),
    ("chongqing east", "cq_east", "name_en"),
    ("Chongqing East", "cq_east", "name_en"),
    ("chongqingdong", "cq_east", "pinyin"),
    ("  黔江  ", "qianjiang_dist", "short_name"),
    ("武隆", "wulong_dist", "short_name"),
    ("黔江武陵山", "qianjiang_airport", "short_name"),
])
def test_resolves(ds, text, expected, how):
    place = resolve_place(ds, text)
    assert (place.id, place.matched_by) == (expected, how)
    row = ds.nodes.loc[expected]
    assert (place.lon, place.lat) == (row.geometry.x, row.geometry.y)
    assert place.name_zh == row["name_zh"] and place.kind == row["kind"]


def test_kinds_filter_picks_the_station(ds):
    assert resolve_place(ds, "黔江", kinds=["hsr_station"]).id == "qianjiang"
    assert resolve_place(ds, "qianjiang", kinds=["place"]).id == "qianjiang_dist"
    with pytest.raises(PlaceNotFoundError, match="among airport"):
        resolve_place(ds, "重庆东", kinds=["airport"])


def test_ambiguous_without_a_single_place_lists_candidates(ds):
    with pytest.raises(AmbiguousPlaceError, match="ambiguous") as err:
        resolve_place(ds, "濯水站")
    assert [s.split()[0] for s in err.value.suggestions] == ["zhuoshui_a", "zhuoshui_b"]
    assert resolve_place(ds, "武隆", kinds=["rail_station", "hsr_station"]).id == "wulong"


def test_two_places_with_one_short_name_are_ambiguous():
    ds = make_ds([*NODES, ("qianjiang_hb", "潜江市", "Qianjiang City", "place", 112.9, 30.4)])
    with pytest.raises(AmbiguousPlaceError, match="qianjiang_dist .*qianjiang_hb") as err:
        resolve_place(ds, "qian jiang")
    assert {s.split()[0] for s in err.value.suggestions} == {"qianjiang", "qianjiang_dist", "qianjiang_hb"}
    assert resolve_place(ds, "潜江").id == "qianjiang_hb"  # different characters, no tie
    assert resolve_place(ds, "Qianjiang City").id == "qianjiang_hb"


def test_unknown_suggests_close_matches(ds):
    with pytest.raises(PlaceNotFoundError, match="did you mean") as err:
        resolve_place(ds, "qianjaing")
    assert err.value.suggestions[0].startswith("qianjiang")
    assert not isinstance(err.value, AmbiguousPlaceError)
    with pytest.raises(PlaceNotFoundError) as err:
        resolve_place(ds, "黔江区区")
    assert any(s.startswith("qianjiang_dist") for s in err.value.suggestions)


def test_unknown_without_anything_close_says_how_to_list(ds):
    with pytest.raises(PlaceNotFoundError, match="qjnet places") as err:
        resolve_place(ds, "zzzzzzzzzz")
    assert err.value.suggestions == []


def test_empty_text_is_an_error(ds):
    with pytest.raises(PlaceNotFoundError, match="empty place name"):
        resolve_place(ds, "  ")


def test_coordinates_give_a_place_without_id_and_the_nearest_node(ds):
    place = resolve_place(ds, "29.53,108.77")
    assert place.id is None and place.matched_by == "coordinates"
    assert (place.lat, place.lon) == (29.53, 108.77)
    assert place.nearest == "qianjiang_dist" and place.nearest_km < 1
    assert resolve_place(ds, "29.56，108.79", kinds=["hsr_station"]).nearest == "qianjiang"


def test_swapped_coordinates_are_rejected_with_a_hint(ds):
    with pytest.raises(PlaceNotFoundError, match=r"did you mean 29.53,108.77"):
        resolve_place(ds, "108.77,29.53")
    with pytest.raises(PlaceNotFoundError, match="out of range"):
        resolve_place(ds, "100,200")


def test_nearest_node_matches_brute_force(ds):
    near = nearest_node(ds, 107.0, 29.4)
    dists = {nid: math.dist((107.0, 29.4), (g.x, g.y)) for nid, g in zip(ds.nodes.index, ds.nodes.geometry, strict=False)}
    assert near.id == min(dists, key=dists.get)
    with pytest.raises(PlaceNotFoundError, match="no node of kind"):
        nearest_node(ds, 107.0, 29.4, kinds=["ga_airport"])


def test_short_names_strip_suffixes():
    assert short_name_zh("彭水苗族土家族自治县") == "彭水"
    assert short_name_zh("石柱土家族自治县") == "石柱"
    assert short_name_zh("恩施土家族苗族自治州") == "恩施"
    assert short_name_zh("张家界西站") == "张家界西"
    assert short_name_zh("万州五桥机场") == "万州五桥"
    assert short_name_zh("梁平通用机场") == "梁平"
    assert short_name_zh("沙市") == "沙市"  # never shortened to one character
    assert pinyin_key("黔江区") == "qianjiangqu"


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(NODES), st.sampled_from(["id", "name_zh", "name_en", "pinyin"]),
       st.sampled_from([str.lower, str.upper, str.title, lambda s: s]))
def test_every_node_is_found_by_its_own_names(row, field, case):
    ds = make_ds()
    nid, zh, en = row[0], row[1], row[2]
    text = {"id": nid, "name_zh": zh, "name_en": en, "pinyin": pinyin_key(zh)}[field]
    if field != "name_zh":
        text = case(text)
    try:
        place = resolve_place(ds, text)
    except AmbiguousPlaceError as err:  # only the deliberately duplicated names may tie
        assert zh == "濯水站" and any(s.startswith(nid) for s in err.suggestions)
        return
    ids = {r[0] for r in NODES}
    expected = text.lower() if text.lower() in ids else nid  # an exact id always wins
    assert place.id == expected


@settings(max_examples=60, deadline=None)
@given(st.floats(-89.9, 89.9), st.floats(-179.9, 179.9))
def test_any_valid_coordinate_resolves_to_itself(lat, lon):
    place = resolve_place(make_ds(), f"{lat:.6f},{lon:.6f}")
    assert place.id is None
    assert place.lat == pytest.approx(lat, abs=1e-6) and place.lon == pytest.approx(lon, abs=1e-6)
    assert place.nearest in {r[0] for r in NODES}


def test_index_is_built_once_per_dataset(ds, monkeypatch):
    import qjnet.geodata.lookup as lookup

    resolve_place(ds, "黔江")
    built = []
    real = lookup._rows
    monkeypatch.setattr(lookup, "_rows", lambda source: built.append(1) or real(source))
    for _ in range(20):
        resolve_place(ds, "黔江")
    assert built == []  # no per-call rebuild (pinyin is the slow part)


@pytest.mark.skipif(not (default_dataset_path() / "nodes.geojson").exists(), reason="embedded dataset not built yet")
def test_embedded_dataset_names():
    ds = load_dataset()
    assert resolve_place(ds, "黔江").kind == "place"
    assert resolve_place(ds, "黔江站").kind == "hsr_station"
    assert resolve_place(ds, "qianjiang", kinds=["place"]).kind == "place"
    assert resolve_place(ds, "重庆东站").kind == "hsr_station"


def test_resolve_id_on_a_graph_skips_service_stops():
    import networkx as nx

    G = nx.MultiDiGraph()
    for nid, zh, en, kind, lon, lat in NODES:
        G.add_node(nid, x=lon, y=lat, kind=kind, name_zh=zh, name_en=en)
    G.add_node("hsr|f|qianjiang", x=108.79, y=29.56, kind="service_stop", name_zh="黔江站", name_en="Qianjiang")
    assert resolve_id(G, "黔江") == "qianjiang_dist"
    assert resolve_id(G, "黔江站") == "qianjiang"  # the service-stop copy is not a candidate
    assert resolve_id(G, "29.56,108.79", kinds=["hsr_station"]) == "qianjiang"
    with pytest.raises(PlaceNotFoundError, match="did you mean"):
        resolve_id(G, "qianjaing")


@pytest.mark.parametrize("text, expected", [
    ("酉阳", "youyang_cty"), ("秀山", "xiushan_cty"), ("彭水", "pengshui_cty"), ("石柱", "shizhu_cty"),
    ("Youyang County", "youyang_cty"), ("长寿站", "changshou_yh"),
])
def test_bare_names_of_planned_stations_do_not_shadow_the_county(text, expected):
    """A planned station named '酉阳(黔吉高铁,规划)' is not the full name '酉阳': the county wins."""
    from qjnet.geodata.io import load_dataset
    from qjnet.geodata.lookup import resolve_place

    assert resolve_place(load_dataset(), text).id == expected


# --------------------------------------------------------------------------- kind words, normalisation, 30 km


@pytest.fixture(scope="module")
def embedded():
    return load_dataset()


@pytest.mark.parametrize("text, expected", [
    ("黔江机场", "jiq"),            # not the district 黔江区
    ("重庆机场", "ckg"),            # several airports named 重庆...: the one nearest to the place 重庆
    ("铜仁机场", "ten"),            # not the station 铜仁站
    ("黔江火车站", "qianjiang"),
    ("黔江高铁站", "qianjiang"),
    ("恩施州", "enshi_city"),
    ("钦州港", "qinzhou_port_e"),
    ("武隆火车站", "wulong"),       # the exact short name before a longer one (武隆南站)
    ("武隆高铁站", "wulong_s"),     # 高铁站 asks for a high-speed rail station
    ("梁平区机场", "lia"),
    ("仙女山机场", "cqw"),          # a name inside the full name: 重庆仙女山机场
    ("江北机场", "ckg"),
    ("秀山港", "xiushan_hub"),      # the dry port 武陵山(秀山)国际物流枢纽
    ("Qianjiang airport", "jiq"),
    ("Chongqing Airport", "ckg"),
    ("qianjiang station", "qianjiang"),
    ("qianjiangjichang", "jiq"),
    ("黔江县", "qianjiang_dist"),
    ("重庆市", "chongqing_core"),
])
def test_kind_words_steer_the_kind(embedded, text, expected):
    assert resolve_id(embedded, text) == expected


@pytest.mark.parametrize("text, words", [
    ("秀山机场", "no airport named '秀山'; did you mean xxbc"),
    ("黔江港", "no port named '黔江'; did you mean"),
    ("石柱机场", "no airport named '石柱'; did you mean"),
])
def test_a_kind_word_without_a_node_of_its_kind_is_a_clear_error(embedded, text, words):
    with pytest.raises(PlaceNotFoundError, match=words) as err:
        resolve_place(embedded, text)
    assert err.value.suggestions and "\n" not in str(err.value)


def test_kind_word_error_exits_2_in_one_line(run_qjnet):
    ran = run_qjnet("route", "秀山机场", "黔江", "--date", "2025-07-03")
    assert ran.returncode == 2
    assert ran.stderr.strip().splitlines() == [ran.stderr.strip()] and "no airport named '秀山'" in ran.stderr


@pytest.mark.parametrize("text, expected", [
    ("黔江區", "qianjiang_dist"),
    ("黔江機場", "qianjiang_airport"),
    ("黔江火車站", "qianjiang"),
    ("重慶東站", "cq_east"),
    ("ｑｉａｎｊｉａｎｇ＿ｄｉｓｔ", "qianjiang_dist"),
    ("Ｑｉａｎｊｉａｎｇ　Ｄｉｓｔｒｉｃｔ", "qianjiang_dist"),
    ("黔\u200b江\u200d区", "qianjiang_dist"),
    ("\ufeff 黔 江  区 ", "qianjiang_dist"),
    ("qian\u00a0jiang  zhan", "qianjiang"),
])
def test_text_is_normalised(ds, text, expected):
    assert resolve_id(ds, text) == expected


def test_full_width_coordinates(ds):
    place = resolve_place(ds, "２９．５３，１０８．７７")
    assert (place.lat, place.lon, place.nearest) == (29.53, 108.77, "qianjiang_dist")


def test_normalise_examples():
    from qjnet.geodata.lookup import normalise

    assert normalise("黔江區") == "黔江区"
    assert normalise("  a \t b  ") == "a b"
    assert normalise("黔 江") == "黔江" and normalise("Wulong 南") == "Wulong南"


@pytest.mark.parametrize("text", ["0,0", "39.9,116.4", "-33.9,151.2"])
def test_far_coordinates_are_an_error_naming_the_nearest_node(embedded, text):
    place = resolve_place(embedded, text)  # the place itself still says where the nearest node is
    assert place.nearest_km > 30
    with pytest.raises(PlaceNotFoundError, match=rf"km from the nearest node, {place.nearest} \(") as err:
        resolve_id(embedded, text)
    assert f"{place.nearest_km:,.0f} km" in str(err.value) and "within 30 km" in str(err.value)


def test_far_coordinates_exit_2_in_the_cli(run_qjnet):
    ran = run_qjnet("route", "39.9,116.4", "黔江", "--date", "2025-07-03")
    assert ran.returncode == 2 and "km from the nearest node" in ran.stderr and "Traceback" not in ran.stderr


def test_near_coordinates_still_snap(embedded):
    assert resolve_id(embedded, "29.53,108.77") == "qianjiang_dist"


@settings(max_examples=60, deadline=None)
@given(st.floats(-89.9, 89.9), st.floats(-179.9, 179.9))
def test_resolve_id_snaps_only_within_30_km(lat, lon):
    from qjnet.geodata.lookup import MAX_SNAP_KM

    ds = make_ds()
    place = resolve_place(ds, f"{lat:.6f},{lon:.6f}")
    if place.nearest_km <= MAX_SNAP_KM:
        assert resolve_id(ds, f"{lat:.6f},{lon:.6f}") == place.nearest
    else:
        with pytest.raises(PlaceNotFoundError, match="km from the nearest node"):
            resolve_id(ds, f"{lat:.6f},{lon:.6f}")
