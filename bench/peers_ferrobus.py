"""Driver run by ``bench/peers.py`` inside the ferrobus venv (ferrobus, osmium): no qjnet import.

    python peers_ferrobus.py INPUT.json OUT.json

``INPUT.json`` holds ``feed`` (a GTFS zip without frequencies), ``date``
(``YYYY-MM-DD``), ``points`` (``[id, lat, lon]``: the stations), ``nodes``
(``[osm id, lat, lon]``) and ``ways`` (``[osm id, [node ids]]``) of the
walking network, ``departures`` (seconds after midnight), ``max_transfers``,
``max_walking_s`` and ``max_transfer_s``.  Writes the OSM PBF with osmium,
builds ferrobus's model, and writes the travel seconds between every two
points at every departure (``None``: not reached).
"""

from __future__ import annotations

import datetime as _dt
import json
import sys
import tempfile
import zipfile
from importlib.metadata import version
from pathlib import Path

import ferrobus
import osmium


def write_pbf(path: Path, nodes: list, ways: list) -> None:
    """The walking network as an OSM PBF: every way a footway."""
    writer = osmium.SimpleWriter(str(path))
    try:
        for nid, lat, lon in nodes:
            writer.add_node(osmium.osm.mutable.Node(id=nid, location=(lon, lat), version=1, visible=True))
        for wid, refs in ways:
            writer.add_way(osmium.osm.mutable.Way(id=wid, nodes=refs, tags={"highway": "footway"}, version=1,
                                                  visible=True))
    finally:
        writer.close()


def main(argv: list[str]) -> None:
    spec = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    work = Path(tempfile.mkdtemp())
    with zipfile.ZipFile(spec["feed"]) as zf:
        zf.extractall(work / "gtfs")
    write_pbf(work / "walk.osm.pbf", spec["nodes"], spec["ways"])
    model = ferrobus.create_transit_model(str(work / "walk.osm.pbf"), [str(work / "gtfs")],
                                          _dt.date.fromisoformat(spec["date"]), spec["max_transfer_s"])
    points = [ferrobus.create_transit_point(lat, lon, model, spec["max_walking_s"], 1) for _, lat, lon in spec["points"]]
    matrices = {str(dep): ferrobus.travel_time_matrix(model, points, dep, spec["max_transfers"])
                for dep in spec["departures"]}
    out = {"versions": {"ferrobus": version("ferrobus"), "osmium": version("osmium")},
           "stops": model.stop_count(), "routes": model.route_count(),
           "ids": [p[0] for p in spec["points"]], "matrices": matrices}
    Path(argv[1]).write_text(json.dumps(out), encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1:])
