"""Every map type opened in headless Chromium with all network access blocked.

Skipped when Chromium is missing, unless ``QJNET_REQUIRE_BROWSER=1`` (CI), where
a missing browser is a failure.  On failure a screenshot goes to
``tests/artifacts/``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from browser import Browser, missing, offsite
from mapdata import XSS_SCRIPT, XSS_TEMPLATE, XSS_TICK, hostile_dataset

import qjnet.maps as maps
from qjnet.geodata.io import apply_selection, load_dataset

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


@pytest.fixture
def page(browser, request, tmp_path):
    """Open a saved map; on failure keep a screenshot in tests/artifacts/."""
    opened = []
    failures_before = request.session.testsfailed

    def open_map(m, name="map.html"):
        path = maps.save(m, tmp_path / name)
        browser.open(path)
        opened.append(path)
        return browser

    yield open_map
    if opened and request.session.testsfailed > failures_before:  # this test's call phase failed
        browser.screenshot(ARTIFACTS / f"{request.node.name}.png")


def assert_clean(b: Browser) -> None:
    """No console errors and no request that would leave the machine."""
    assert b.console_errors() == []
    urls = b.requested_urls()
    assert urls, "the browser logged no request at all (logging broken?)"
    assert offsite(urls) == []
    assert b.js("return performance.getEntriesByType('resource').every("
                "e => e.name.startsWith('file:') || e.name.startsWith('data:'))")


@pytest.fixture
def mini(data_dir):
    return load_dataset(data_dir / "mini")


def test_network_map_in_browser(page, mini):
    m = maps.network_map(mini)
    b = page(m)
    assert b.leaflet_type() == "object"
    overlays = b.overlays()
    assert [o["name"] for o in overlays] == list(m.qjnet_layers)
    hidden = sum(n for name, n in m.qjnet_layers.items() if name.startswith("接驳"))
    assert b.interactive_features() == sum(m.qjnet_layers.values()) - hidden
    assert "甲区" in b.hover_text("甲区", markers_only=True)
    assert "甲丙高铁" in b.hover_text("甲丙高铁")
    popup = b.click_feature("乙县", markers_only=True)
    assert "Town B" in popup and "300,000" in popup and "test fixture" in popup
    # the layer control toggles: HSR off removes its lines, access on adds its links
    b.toggle_overlay("高铁 High-speed rail")
    assert b.interactive_features() == sum(m.qjnet_layers.values()) - hidden - m.qjnet_layers["高铁 High-speed rail"]
    b.toggle_overlay("接驳 Access / transfer")
    b.toggle_overlay("高铁 High-speed rail")
    assert b.interactive_features() == sum(m.qjnet_layers.values())
    assert b.js("return !!document.querySelector('.qjnet-legend')")
    assert_clean(b)


def test_hostile_names_do_not_run_script(browser, page, tmp_path):
    ds = load_dataset(hostile_dataset(tmp_path / "bad"))
    browser.driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {
        "source": "window.__alerts = []; window.alert = function(x) { window.__alerts.push(String(x)); };"})
    b = page(maps.network_map(ds))
    assert b.leaflet_type() == "object"
    # hover and open the hostile features so their tooltip and popup HTML is parsed
    assert XSS_SCRIPT in b.hover_text(XSS_SCRIPT, markers_only=True)
    popup = b.click_feature(XSS_SCRIPT, markers_only=True)
    assert XSS_TEMPLATE in popup and "<img src=x onerror=alert(1)>" in popup
    assert XSS_TICK in b.hover_text(XSS_TICK, markers_only=True)
    b.click_feature(XSS_TICK, markers_only=True)
    assert XSS_TEMPLATE + XSS_SCRIPT in b.hover_text(XSS_TEMPLATE + XSS_SCRIPT)
    b.click_feature(XSS_TEMPLATE + XSS_SCRIPT)
    assert b.js("return window.__alerts") == []
    assert b.js("return document.querySelectorAll('.leaflet-pane script, .leaflet-pane img').length") == 0
    assert_clean(b)


def test_network_map_with_date_selection_in_browser(page, data_dir):
    full = load_dataset(data_dir / "mini")
    m = maps.network_map(apply_selection(full, date="2025-06-26"), full=full)
    b = page(m)
    assert b.leaflet_type() == "object"
    tip = b.hover_text("甲丙高铁")
    assert "甲丙高铁" in tip
    assert b.js("""var n = 0; __qjnetMap().eachLayer(function(l) { if (l.options && l.options.dashArray) n++; });
                   return n;""") == 2  # hsr_ac (opens 2025-06-27) and the planned hsr_cd_plan
    assert_clean(b)


def check_standard(b: Browser, m, *, hover: str, toggle: str, markers_only: bool = False) -> None:
    """The checks every map type passes: Leaflet, layers, features, tooltip, layer toggle, offline."""
    assert b.leaflet_type() == "object"
    base = list(getattr(m, "qjnet_base_layers", []))
    overlays = [k for k in m.qjnet_layers if k not in base]
    assert [o["name"] for o in b.overlays()] == overlays
    assert all(o["checked"] for o in b.overlays())
    assert [o["name"] for o in b.base_layers()] == base
    shown = [o["name"] for o in b.base_layers() if o["checked"]]
    assert len(shown) == (1 if base else 0)
    total = sum(m.qjnet_layers[k] for k in overlays + shown)
    assert b.interactive_features() == total
    assert hover in b.hover_text(hover, markers_only=markers_only)
    if toggle in base:  # the radio toggle: show another base layer instead
        b.choose_base(toggle)
        assert b.interactive_features() == total - m.qjnet_layers[shown[0]] + m.qjnet_layers[toggle]
        b.choose_base(shown[0])
    else:
        b.toggle_overlay(toggle)
        assert b.interactive_features() == total - m.qjnet_layers[toggle]
        b.toggle_overlay(toggle)
    assert b.interactive_features() == total
    assert b.js("return !!document.querySelector('.qjnet-legend')")
    assert_clean(b)


def test_reach_map_in_browser(page):
    from test_maps_results import reach_gdf, reach_map

    m = reach_map(reach_gdf(), minutes=180)
    b = page(m)
    check_standard(b, m, hover="彭水县", toggle="≤ 120 min", markers_only=True)
    assert "41 min" in b.hover_text("彭水县", markers_only=True)
    assert "reachable within 180 min" in b.hover_text("reachable within 180 min")
    popup = b.click_feature("重庆中心城区", markers_only=True)
    assert "110" in popup and "10,000,000" in popup


def test_route_map_in_browser(page):
    from test_maps_results import graph, itinerary

    m = maps.route_map(itinerary(), graph())
    b = page(m)
    check_standard(b, m, hover="黔江站 → 重庆东站", toggle="站点 Stops")
    popup = b.click_feature("黔江站 → 重庆东站")
    assert "yuxia_fast" in popup and "total" in popup and "110" in popup


def test_compare_map_in_browser(page, mini_graphs):
    from qjnet.network.compare import compare
    from qjnet.network.isochrones import compare_isochrones

    ds, G0, G1 = mini_graphs
    diff = compare(G0, G1, "town_a")
    bands_before, bands_after = compare_isochrones(diff, G1)
    m = maps.compare_map(diff, bands_before=bands_before, bands_after=bands_after, G=G1, dataset=ds)
    b = page(m)
    check_standard(b, m, hover="丙区", toggle="之前 Before: 2025-06-26", markers_only=True)
    tip = b.hover_text("丙区", markers_only=True)
    assert "2025-06-26" in tip and "2025-07-01" in tip and "saved" in tip
    check_standard(b, m, hover="出发地 Origin", toggle="节省时间 Minutes saved", markers_only=True)


def test_circle_map_in_browser(page, mini_graphs):
    from qjnet.network.access import economic_circle
    from qjnet.network.isochrones import circle_isochrones

    ds, _, G1 = mini_graphs
    result = economic_circle(G1, "town_a")
    station, centre = circle_isochrones(result)
    m = maps.circle_map(result, bands_station=station, bands_centre=centre, G=G1, dataset=ds)
    b = page(m)
    check_standard(b, m, hover="丙区", toggle="城区到城区 Centre to centre", markers_only=True)
    b.choose_base("城区到城区 Centre to centre")
    popup = b.click_feature("丙区", markers_only=True)
    assert "station to station" in popup and "centre to centre" in popup


@pytest.fixture(scope="module")
def mini_graphs(data_dir_module):
    from qjnet.network import build_graph

    ds = load_dataset(data_dir_module / "mini")
    return ds, build_graph(ds, date="2025-06-26"), build_graph(ds, date="2025-07-01")


@pytest.fixture(scope="module")
def data_dir_module():
    return Path(__file__).resolve().parent / "data"


def test_screenshot_helper_writes_a_png(browser, mini, tmp_path):
    import struct

    from make_screenshots import screenshot

    path = screenshot(maps.network_map(mini), tmp_path / "network.png", browser, hover="甲区")
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert width >= 800 and height >= 600
    assert len(data) > 20_000  # a drawn map, not a blank page


COVERED = """
    var box = document.querySelector('.folium-map').getBoundingClientRect(), covered = 0;
    document.querySelectorAll('.leaflet-control').forEach(function(el) {
        var r = el.getBoundingClientRect();
        var w = Math.max(0, Math.min(r.right, box.right) - Math.max(r.left, box.left));
        var h = Math.max(0, Math.min(r.bottom, box.bottom) - Math.max(r.top, box.top));
        covered += w * h;
    });
    return covered / (box.width * box.height);"""


def test_print_friendly_controls_cover_little_of_a_small_window(tmp_path):
    """At 800x600 the legend and layer list start folded; the button shows them; labels from zoom 8."""
    why = missing()
    if why:
        if os.environ.get("QJNET_REQUIRE_BROWSER") == "1":
            pytest.fail(f"QJNET_REQUIRE_BROWSER=1 but {why}")
        pytest.skip(why)
    full = load_dataset()
    m = maps.network_map(apply_selection(full, date="2025-07-02"), full=full)
    small = Browser(width=800, height=600)
    try:  # the page gets exactly 800x600 whatever the browser's own frame takes
        small.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                                     {"width": 800, "height": 600, "deviceScaleFactor": 1, "mobile": False})
        small.open(maps.save(m, tmp_path / "network.html"))
        size = small.js("var r = document.querySelector('.folium-map').getBoundingClientRect();"
                        " return [r.width, r.height];")
        assert size == [800, 600]
        folded = small.js(COVERED)
        assert folded < 0.20, f"controls cover {folded:.0%} of the map"
        assert small.js("return document.querySelector('.qjnet-toggle').textContent") == "☰ 图例 Legend"
        assert small.js("return getComputedStyle(document.querySelector('.qjnet-legend')).display") == "none"
        # the first view holds every place (county seat) of the network
        assert small.js("""var map = __qjnetMap(), b = map.getBounds(), n = 0, all = 0;
            map.eachLayer(function(l) { if (l.options && l.options.icon && l.options.icon.options.className
                === 'qjnet-label') { all++; if (b.contains(l.getLatLng())) n++; } });
            return [n, all];""") == [34, 34]
        small.js("document.querySelector('.qjnet-toggle').click();")
        assert small.js("return getComputedStyle(document.querySelector('.qjnet-legend')).display") == "block"
        assert small.js(COVERED) > folded
        assert [o["name"] for o in small.overlays()] == list(m.qjnet_layers)
        # county seats named on the map from zoom 8, hidden when zoomed out
        labels_shown = ("return getComputedStyle(Array.from(document.querySelectorAll('.qjnet-label'))"
                        ".find(e => e.textContent.indexOf('黔江区') >= 0)).display")
        small.js("__qjnetMap().setView([29.53, 108.77], 8, {animate: false});")
        assert small.js(labels_shown) != "none"
        small.js("__qjnetMap().setView([29.53, 108.77], 6, {animate: false});")
        assert small.js(labels_shown) == "none"
        assert_clean(small)
    finally:
        small.close()
