"""Timings of the timetable engine on the embedded dataset.

Run from the repository root::

    python -m bench.timetable [--date 2025-07-03] [--repeat 5]

Prints the time to build the timetable and the link minutes, one departure
(:func:`network.raptor.earliest_arrival`, median over several origins and
times), one origin over the service day 06:00-22:00 every minute
(:func:`network.raptor.range_raptor`), and the whole day from every
county-level place (nodes of kind ``place``) in total, then the
Qianjiang - Wanzhou figures of the 07:00-09:00 window.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

from qjnet.geodata.io import load_dataset
from qjnet.network import build_graph
from qjnet.network.raptor import PERCENTILES, earliest_arrival, range_raptor
from qjnet.network.timetable import build_timetable, format_clock, links_from_graph

DAY = (6 * 60.0, 22 * 60.0)


def timed(fn: Callable[[], object], repeat: int) -> tuple[float, object]:
    """Median seconds of ``repeat`` runs and the last result."""
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--date", default="2025-07-03", help="query date (default a Thursday)")
    parser.add_argument("--repeat", type=int, default=5, help="runs per timing (median)")
    args = parser.parse_args(argv)

    ds = load_dataset()
    t_tt, tt = timed(lambda: build_timetable(ds, date=args.date), args.repeat)
    G = build_graph(ds, date=args.date)
    t_links, links = timed(lambda: links_from_graph(G, tt), args.repeat)
    places = [n for n in tt.nodes if ds.nodes.loc[n, "kind"] == "place"]
    print(f"date {args.date}: {len(tt.nodes)} nodes, {len(tt.patterns)} patterns, {tt.n_trips} trips, "
          f"{len(places)} county-level places")
    print(f"build timetable            {t_tt * 1000:8.1f} ms")
    print(f"link minutes (all pairs)   {t_links * 1000:8.1f} ms")

    singles = []
    for k, origin in enumerate(places):
        depart = DAY[0] + (k * 97) % (DAY[1] - DAY[0])
        singles.append(timed(lambda o=origin, d=depart: earliest_arrival(tt, links, o, d), 1)[0])
    print(f"one departure (median of {len(singles)})  {statistics.median(singles) * 1000:8.2f} ms "
          f"(max {max(singles) * 1000:.2f} ms)")

    t_one, _ = timed(lambda: range_raptor(tt, links, "qianjiang_dist", window=DAY), args.repeat)
    print(f"one origin, 06:00-22:00    {t_one * 1000:8.1f} ms (960 departures)")
    t0 = time.perf_counter()
    results = [range_raptor(tt, links, o, window=DAY) for o in places]
    total = time.perf_counter() - t0
    events = sum(len(r.events) for r in results)
    print(f"every place, 06:00-22:00   {total * 1000:8.1f} ms ({len(places)} origins x 960 departures, "
          f"{events} departure events)")

    rr = range_raptor(tt, links, "qianjiang_dist", window=(7 * 60.0, 9 * 60.0))
    pct = ", ".join(f"p{p} {m:.1f}" for p, m in rr.percentiles("wanzhou_dist", PERCENTILES).items())
    best = rr.fastest("wanzhou_dist")
    print(f"qianjiang_dist -> wanzhou_dist, 07:00-09:00: {pct}; fastest {best.minutes:.1f} min "
          f"leaving {format_clock(best.depart)} by {'+'.join(leg.mode for leg in best.journey.legs)}")
    day = next(r for r, o in zip(results, places, strict=True) if o == "qianjiang_dist")
    best = day.fastest("wanzhou_dist")
    print(f"qianjiang_dist -> wanzhou_dist, 06:00-22:00: p50 {day.percentile('wanzhou_dist'):.1f}; fastest "
          f"{best.minutes:.1f} min leaving {format_clock(best.depart)} by "
          f"{'+'.join(leg.mode for leg in best.journey.legs)}")


if __name__ == "__main__":
    main()
