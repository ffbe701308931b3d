"""A seeded synthetic regional network: a perturbed grid of roads with class speeds plus fast rail lines.

The grid spacing is 0.005 degrees (about 500 m); nodes are jittered, about 8 %
of grid links are missing and 5 % are one-way.  Road classes by grid line:
every 40th an expressway (90 km/h), every 8th a primary road (60 km/h), the
rest local roads (30 km/h); lengths are straight-line distance times 1.15.
Rail lines cross the region with a station about every 15 km, 200 km/h
between stations, and an 8-minute access link each way between a station and
its grid node.  All figures are benchmark assumptions, not data.

Everything is vectorised: :func:`synth_arrays` returns numpy arrays (what
scipy, igraph and rustworkx are built from) and :func:`to_networkx` the
networkx graph in qjnet's graph contract (``x``/``y`` on nodes, ``minutes``,
``mode`` and ``kind`` on edges).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

SPACING = 0.005
LON0, LAT0 = 107.5, 28.5
ROAD_CLASSES = ((40, 90.0, "expressway"), (8, 60.0, "road"), (1, 30.0, "road"))
DETOUR = 1.15
RAIL_KMH = 200.0
STATION_EVERY = 30  # grid cells
ACCESS_MIN = 8.0


@dataclass
class Synth:
    """Arrays of one synthetic network: nodes ``0..n-1``, directed edges ``src -> dst``."""

    x: np.ndarray
    y: np.ndarray
    kind: np.ndarray  # object: "road", "place", "rail_station"
    src: np.ndarray
    dst: np.ndarray
    minutes: np.ndarray
    mode: np.ndarray  # object

    @property
    def n(self) -> int:
        return len(self.x)

    @property
    def m(self) -> int:
        return len(self.src)


def parse_size(text: str) -> int:
    """``"250k"`` -> 250000, ``"1M"`` -> 1000000."""
    t = text.strip().lower()
    mult = 1_000_000 if t.endswith("m") else 1000 if t.endswith("k") else 1
    return int(float(t.rstrip("km")) * mult)


def _km(x1, y1, x2, y2):
    kx = 111.32 * np.cos(np.radians((y1 + y2) / 2))
    return np.hypot((x2 - x1) * kx, (y2 - y1) * 110.574)


def synth_arrays(nodes: int, *, seed: int = 0) -> Synth:
    """The network with about ``nodes`` nodes (a square grid plus stations), reproducible by ``seed``."""
    rng = np.random.default_rng(seed)
    side = max(2, math.isqrt(nodes))
    ii, jj = np.divmod(np.arange(side * side), side)
    x = LON0 + jj * SPACING + rng.uniform(-0.3, 0.3, side * side) * SPACING
    y = LAT0 + ii * SPACING + rng.uniform(-0.3, 0.3, side * side) * SPACING
    kind = np.full(side * side, "road", dtype=object)
    kind[(ii % 20 == 10) & (jj % 20 == 10)] = "place"

    srcs, dsts, mins, modes = [], [], [], []
    for horizontal in (True, False):
        if horizontal:
            a = (ii * side + jj)[jj < side - 1]
            b = a + 1
            line = ii[jj < side - 1]
        else:
            a = (ii * side + jj)[ii < side - 1]
            b = a + side
            line = jj[ii < side - 1]
        keep = rng.random(len(a)) > 0.08
        a, b, line = a[keep], b[keep], line[keep]
        speed = np.full(len(a), ROAD_CLASSES[-1][1])
        mode = np.full(len(a), "road", dtype=object)
        for every, kmh, name in reversed(ROAD_CLASSES[:-1]):
            on = line % every == 0
            speed[on] = kmh
            mode[on] = name
        minutes = _km(x[a], y[a], x[b], y[b]) * DETOUR / speed * 60.0
        oneway = rng.random(len(a)) < 0.05
        flip = rng.random(len(a)) < 0.5
        fa, fb = np.where(flip, b, a), np.where(flip, a, b)
        srcs += [fa, fb[~oneway]]
        dsts += [fb, fa[~oneway]]
        mins += [minutes, minutes[~oneway]]
        modes += [mode, mode[~oneway]]

    # rail lines: straight across the region, stations every STATION_EVERY cells
    lines = max(2, side // 150)
    sx, sy, skind = [x], [y], [kind]
    next_id = side * side
    for k in range(lines):
        r0, r1 = rng.integers(0, side, 2)
        horizontal = k % 2 == 0
        steps = np.arange(0, side, STATION_EVERY)
        rows = np.round(r0 + (r1 - r0) * steps / max(1, side - 1)).astype(int)
        grid = rows * side + steps if horizontal else steps * side + rows
        st = np.arange(next_id, next_id + len(grid))
        next_id += len(grid)
        sx.append(x[grid] + SPACING * 0.1)
        sy.append(y[grid] + SPACING * 0.1)
        skind.append(np.full(len(grid), "rail_station", dtype=object))
        ride = _km(x[grid[:-1]], y[grid[:-1]], x[grid[1:]], y[grid[1:]]) * 1.1 / RAIL_KMH * 60.0
        srcs += [st[:-1], st[1:], st, grid]
        dsts += [st[1:], st[:-1], grid, st]
        mins += [ride, ride, np.full(len(st), ACCESS_MIN), np.full(len(st), ACCESS_MIN)]
        modes += [np.full(2 * len(ride), "rail", dtype=object), np.full(2 * len(st), "access", dtype=object)]
    return Synth(np.concatenate(sx), np.concatenate(sy), np.concatenate(skind), np.concatenate(srcs),
                 np.concatenate(dsts), np.concatenate(mins), np.concatenate(modes))


def to_networkx(s: Synth):
    """The network as an ``nx.MultiDiGraph`` in qjnet's graph contract (integer node ids)."""
    import networkx as nx

    G = nx.MultiDiGraph(crs="EPSG:4326")
    G.add_nodes_from((i, {"x": a, "y": b, "kind": k}) for i, a, b, k in
                     zip(range(s.n), s.x.tolist(), s.y.tolist(), s.kind.tolist(), strict=False))
    G.add_edges_from((u, v, {"minutes": m, "mode": md, "kind": "link"}) for u, v, m, md in
                     zip(s.src.tolist(), s.dst.tolist(), s.minutes.tolist(), s.mode.tolist(), strict=False))
    return G
