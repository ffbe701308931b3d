"""Driver run by ``bench/peers.py`` inside the peartree venv (pandas 1.5.3, numpy 1.26): no qjnet import.

    python peers_peartree.py FEED.zip YYYYMMDD START_SEC END_SEC OUT.json

Builds peartree's graph of the feed's trips on one date over ``[START, END]``,
for the whole feed and for each route alone (every trip on one line), each
twice: with peartree's own boarding cost (half the mean gap between arrivals at
a stop, the gaps from the window start to the first arrival and from the last
arrival to the window end included) and with the window divided by the number
of trips, halved (qjnet's convention).  Writes, per method, every stop's
boarding cost, the in-vehicle seconds of every edge and of the shortest path
between every two stops, in seconds.
"""

from __future__ import annotations

import json
import sys

import networkx as nx
import partridge as ptg
import peartree as pt


def window_wait(start: float, end: float, arrivals) -> float:
    """Half the window over the number of trips (qjnet's expected wait)."""
    return (end - start) / len(arrivals) / 2 if len(arrivals) else float("nan")


def graph_of(feed, start: int, end: int, method) -> dict:
    kwargs = {} if method is None else {"stop_cost_method": method}
    G = pt.load_feed_as_graph(feed, start, end, name="p", use_multiprocessing=False, **kwargs)
    stop = {n: n.split("_", 1)[1] for n in G.nodes}  # peartree's node id is "{name}_{stop_id}"
    boarding = {stop[n]: float(d["boarding_cost"]) for n, d in G.nodes(data=True)}
    edges = [[stop[u], stop[v], float(d["length"])] for u, v, d in G.edges(data=True)]
    ride = {}
    for n, lengths in nx.all_pairs_dijkstra_path_length(G, weight="length"):
        ride[stop[n]] = {stop[m]: float(s) for m, s in lengths.items() if m != n}
    return {"boarding": boarding, "edges": edges, "ride": ride}


def both(feed, start: int, end: int) -> dict:
    return {name: graph_of(feed, start, end, method) for name, method in (("default", None), ("window", window_wait))}


def main(argv: list[str]) -> None:
    path, date, start, end, out = argv
    service_ids = ptg.read_service_ids_by_date(path)
    day = next(d for d in service_ids if d.strftime("%Y%m%d") == date)
    view = {"service_id": service_ids[day]}
    result = {"versions": {"peartree": pt.__version__, "networkx": nx.__version__,
                           "pandas": __import__("pandas").__version__, "numpy": __import__("numpy").__version__},
              "all": both(ptg.load_feed(path, view={"trips.txt": view}), int(start), int(end)), "lines": {}}
    for route in sorted(ptg.load_feed(path, view={"trips.txt": view}).trips.route_id.unique()):
        feed = ptg.load_feed(path, view={"trips.txt": {**view, "route_id": route}})
        result["lines"][route] = both(feed, int(start), int(end))
    with open(out, "w", encoding="utf-8") as fh:
        json.dump(result, fh)


if __name__ == "__main__":
    main(sys.argv[1:])
