"""Screenshots of each map type on the embedded dataset, for the README (``docs/img/*.png``).

Run from the repository root::

    python tests/make_screenshots.py            # writes docs/img/{network,reach,route,compare,circle}.png

Each map is drawn by the library exactly as the CLI draws it, saved offline,
opened in headless Chromium with the network blocked (``tests/browser.py``),
and captured once Leaflet has drawn it.  The test suite calls
:func:`screenshot` too, so the helper keeps working.
"""

from __future__ import annotations

import argparse
import logging
import tempfile
import time
from pathlib import Path

from browser import Browser, offsite  # tests/ is on the path: the script's folder, or pytest's rootdir

HERE = Path(__file__).resolve().parent

log = logging.getLogger("make_screenshots")


def screenshot(m, path: Path, browser: Browser, *, hover: str | None = None) -> Path:
    """Save map ``m`` offline, open it in ``browser`` and write a PNG of the page to ``path``.

    ``hover`` names a feature whose tooltip is shown in the picture.  Raises
    ``AssertionError`` if the page logs an error or asks for anything off the machine.
    """
    import qjnet.maps as maps

    with tempfile.TemporaryDirectory() as tmp:
        page = maps.save(m, Path(tmp) / "map.html")
        browser.open(page)
        if hover:
            browser.hover_text(hover, markers_only=True)
        time.sleep(0.3)
        errors, away = browser.console_errors(), offsite(browser.requested_urls())
        assert not errors and not away, (errors, away)
        return browser.screenshot(path)


def maps_of_the_embedded_dataset() -> dict:
    """name -> (folium.Map, feature to hover) for every map type, on the embedded dataset."""
    import qjnet.maps as maps
    from qjnet.geodata.io import apply_selection, load_dataset
    from qjnet.network import build_graph
    from qjnet.network.access import economic_circle
    from qjnet.network.compare import compare
    from qjnet.network.isochrones import circle_isochrones, compare_isochrones, default_bands, isochrones
    from qjnet.network.reach import reach
    from qjnet.network.route import route

    full = load_dataset()
    day = "2025-07-01"
    G0 = build_graph(full, date="2025-06-26")
    G = build_graph(full, date=day)
    reached = reach(G, "qianjiang_dist", minutes=180)
    diff = compare(G0, G, "chongqing_core")
    bands_before, bands_after = compare_isochrones(diff, G)
    result = economic_circle(G, "chongqing_core")
    station, centre = circle_isochrones(result)
    return {
        "network": (maps.network_map(apply_selection(full, date=day), full=full), "黔江区"),
        "reach": (maps.reach_map(reached, bands=isochrones(reached, bands=default_bands(180)), minutes=180,
                                 dataset=full), "彭水"),
        "route": (maps.route_map(route(G, "chongqing_core", "qianjiang_dist"), G, dataset=full), "黔江区"),
        "compare": (maps.compare_map(diff, bands_before=bands_before, bands_after=bands_after, G=G, dataset=full),
                    "彭水"),
        "circle": (maps.circle_map(result, bands_station=station, bands_centre=centre, G=G, dataset=full), "黔江区"),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(HERE.parent / "docs" / "img"), help="folder for the PNGs")
    parser.add_argument("--only", nargs="*", help="map names to draw (default: all)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    browser = Browser(width=1200, height=800)
    try:
        for name, (m, hover) in maps_of_the_embedded_dataset().items():
            if args.only and name not in args.only:
                continue
            path = screenshot(m, out / f"{name}.png", browser, hover=hover)
            log.info("wrote %s", path)
    finally:
        browser.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
