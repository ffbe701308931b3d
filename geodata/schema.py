"""The dataset contract: layers, fields, allowed values.

A dataset is a folder with these files (all GeoJSON in WGS-84, EPSG:4326):

``nodes.geojson`` (Point), one feature per node
    id            str, unique slug ``[a-z0-9_]+``
    name_zh       str, Chinese name (full form, e.g. 黔江区, 黔江站)
    name_en       str, English name
    kind          one of :data:`NODE_KINDS`
    province      str or null
    county        id of the county-level ``place`` node the point lies in, or null
    population    int or null (places only; null where not found)
    pop_year      str or null, what the population figure is (e.g. "2020 census")
    opened        date or null (see *Dates*); closed: date or null
    status        one of :data:`STATUSES`
    coord_quality one of :data:`COORD_QUALITIES`; coord_note: str, how the position was obtained
    source        str, URL(s) or citation, ``" ; "``-separated
    (logistics nodes may add handling_min, handling_cny_per_teu, capacity_mt_per_year, capacity_teu_per_year)

``services.geojson`` (LineString through the stops), one feature per service pattern
    id, line, name_zh, name_en
    mode          one of :data:`SERVICE_MODES`
    stops         list of node ids, in running order (>= 2, no repeats)
    minutes       list of numbers, cumulative minutes at each stop, ``minutes[0] == 0``, strictly increasing
    time_source   list of :data:`TIME_SOURCES`, one per segment (``len(stops) - 1``)
    headway_min   number or null: mean minutes between departures over the service day
    per_day       number or null: departures per operating day (one of headway_min / per_day is required)
    days          list of ISO weekdays 1..7 (Mon = 1) on which it runs
    bidirectional bool: the reverse pattern runs too, with the same segment times
    opened, closed, status, capacity (str or null), source, assumptions (str: what was assumed and why)
    train_class   optional, one of :data:`TRAIN_CLASSES` or null: the class of train of a rail pattern

``links.geojson`` (LineString), continuous links: roads, access/egress, walking transfers
    id, from, to, mode (one of :data:`LINK_MODES`), road (str or null, e.g. "G65")
    minutes       number or null; when null it is derived as length_km * circuity / speed_kmh * 60
    length_km, speed_kmh, circuity: numbers or null
    time_source   one of :data:`TIME_SOURCES`
    bidirectional bool; opened, closed, status, source

``scenarios.json``: ``{"scenarios": [{"name", "date", "description", "add", "modify", "remove"}]}``
    date     ISO date the scenario is evaluated on (null: the date given at query time, else today)
    add      ids of services/links/nodes that are not yet open but count as open in the scenario
    modify   list of ``{"id": ..., "set": {field: value}}`` (e.g. headway_min, speed_kmh, minutes)
    remove   ids of services/links that are closed in the scenario

``boundaries.geojson`` (optional, Polygon/MultiPolygon): county boundaries for the basemap
    id (county place id), name_zh, name_en, source

Dates: ``YYYY-MM-DD``, or ``YYYY-MM`` / ``YYYY`` where only that much is published; a partial date
means the first day of the period.  A record exists on date D when its status is ``open`` (or the
scenario adds it), ``opened`` is null or <= D, and ``closed`` is null or > D.
"""

from __future__ import annotations

NODE_KINDS = (
    "place",          # county-level place (district, county, county-level city) or city centre
    "hsr_station",
    "rail_station",
    "airport",
    "ga_airport",
    "logistics",      # freight yards, logistics hubs, ports
    "poi",            # sights
)
SERVICE_MODES = ("hsr", "rail", "air", "ga", "freight_rail")
LINK_MODES = ("expressway", "road", "access", "walk", "transfer")
MODES = SERVICE_MODES + LINK_MODES
STATUSES = ("open", "under_construction", "planned")
COORD_QUALITIES = ("surveyed", "estimate")
TIME_SOURCES = ("published", "derived")
#: Train classes of a rail service pattern (optional field ``train_class``): G/D/C high-speed and
#: intercity EMUs, K conventional passenger trains, freight trains.
TRAIN_CLASSES = ("G", "D", "C", "K", "freight")

LAYER_FILES = {
    "nodes": "nodes.geojson",
    "services": "services.geojson",
    "links": "links.geojson",
    "boundaries": "boundaries.geojson",
}
SCENARIO_FILE = "scenarios.json"
CRS = "EPSG:4326"

NODE_FIELDS = ("id", "name_zh", "name_en", "kind", "province", "county", "population", "pop_year",
               "opened", "closed", "status", "coord_quality", "coord_note", "source")
SERVICE_FIELDS = ("id", "line", "name_zh", "name_en", "mode", "stops", "minutes", "time_source",
                  "headway_min", "per_day", "days", "bidirectional", "opened", "closed", "status",
                  "capacity", "source", "assumptions", "train_class")
LINK_FIELDS = ("id", "from", "to", "mode", "road", "minutes", "length_km", "speed_kmh", "circuity",
               "time_source", "bidirectional", "opened", "closed", "status", "source")
REQUIRED = {
    "nodes": ("id", "name_zh", "name_en", "kind", "status", "coord_quality", "source"),
    "services": ("id", "mode", "stops", "minutes", "time_source", "days", "status", "source"),
    "links": ("id", "from", "to", "mode", "status", "source"),
}
