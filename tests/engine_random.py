"""Small random datasets for the engine's property tests, and a brute-force trip cost.

``random_dataset(seed)`` gives a :class:`geodata.io.Dataset` with a few
places and stations, scheduled services (some not running daily, some one
way) and links; ``brute_force_minutes`` enumerates every simple path of the
built graph and costs it with the first-boarding rule, independently of the
two-layer expansion.
"""

from __future__ import annotations

import random
from pathlib import Path

import geopandas as gpd
import networkx as nx
from shapely.geometry import LineString, Point

from qjnet.geodata.io import Dataset

SERVICE_MODES = ("hsr", "rail", "air", "ga")
LINK_MODES = ("road", "expressway", "access", "walk")


def random_dataset(seed: int, *, n_nodes: int = 6, n_services: int = 3, n_links: int = 5,
                   max_stops: int = 4) -> Dataset:
    rng = random.Random(seed)
    ids = [f"n{i}" for i in range(n_nodes)]
    pts = {i: (108 + rng.random(), 29 + rng.random()) for i in ids}
    nodes = gpd.GeoDataFrame(
        [{"id": i, "name_zh": f"点{i}", "name_en": f"Node {i}", "kind": rng.choice(["place", "hsr_station"]),
          "population": rng.choice([None, rng.randint(1000, 900000)]), "county": None,
          "status": "open", "opened": None, "closed": None} for i in ids],
        geometry=[Point(pts[i]) for i in ids], crs="EPSG:4326")
    services = []
    for s in range(n_services):
        stops = rng.sample(ids, rng.randint(2, min(max_stops, n_nodes)))
        cum = [0.0]
        for _ in stops[1:]:
            cum.append(cum[-1] + round(rng.uniform(3, 90), 3))
        days = sorted(rng.sample(range(1, 8), rng.randint(1, 7))) if rng.random() < 0.3 else list(range(1, 8))
        freq = {"headway_min": round(rng.uniform(10, 240), 3), "per_day": None} if rng.random() < 0.5 \
            else {"headway_min": None, "per_day": rng.randint(1, 40)}
        services.append({"id": f"s{s}", "mode": rng.choice(SERVICE_MODES), "stops": stops, "minutes": cum,
                         "days": days, "bidirectional": rng.random() < 0.7, "status": "open", "opened": None,
                         "closed": None, **freq})
    svc = gpd.GeoDataFrame(services, geometry=[LineString([pts[x] for x in r["stops"]]) for r in services],
                           crs="EPSG:4326")
    links = []
    for k in range(n_links):
        a, b = rng.sample(ids, 2)
        links.append({"id": f"l{k}", "from": a, "to": b, "mode": rng.choice(LINK_MODES),
                      "minutes": round(rng.uniform(2, 200), 3), "bidirectional": rng.random() < 0.7,
                      "status": "open", "opened": None, "closed": None})
    lk = gpd.GeoDataFrame(links, geometry=[LineString([pts[r["from"]], pts[r["to"]]]) for r in links],
                          crs="EPSG:4326") if links else gpd.GeoDataFrame(
        {"id": [], "from": [], "to": [], "mode": [], "minutes": []}, geometry=[], crs="EPSG:4326")
    for gdf in (nodes, svc, lk):
        if len(gdf):
            gdf.index = list(gdf["id"])
    return Dataset(nodes=nodes, services=svc, links=lk, boundaries=None, scenarios={}, path=Path("random"))


def without_service(ds: Dataset, service_id: str) -> Dataset:
    from dataclasses import replace

    return replace(ds, services=ds.services.drop(index=service_id))


def edge_cost(d: dict, boarded: bool) -> float:
    if d.get("kind") == "board" and not boarded:
        return d.get("first_minutes", d["minutes"])
    return d["minutes"]


def path_cost(G, path) -> float:
    total, boarded = 0.0, False
    for u, v, k in path:
        d = G.edges[u, v, k]
        total += edge_cost(d, boarded)
        if d.get("kind") == "board":
            boarded = True
    return total


def brute_force_minutes(G, a, b) -> float:
    """Cheapest trip a -> b over every simple path of ``G`` (a trip never gains by revisiting a node)."""
    if a == b:
        return 0.0
    best = float("inf")
    for path in nx.all_simple_edge_paths(G, a, b):
        best = min(best, path_cost(G, path))
    return best
