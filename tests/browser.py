"""Headless Chromium for the map tests, with every network request blocked.

Used by ``tests/test_maps_browser.py`` and by ``tests/make_screenshots.py``.
Chromium is started with a fresh profile, no background services, host
names resolving to nothing and a proxy on a closed port, so a map that tries
to fetch anything over the network fails visibly (console error, request in
the log) instead of quietly working on a connected machine.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

CHROMIUM = os.environ.get("QJNET_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("QJNET_CHROMEDRIVER", "/usr/bin/chromedriver")

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--proxy-server=http://127.0.0.1:9",
    "--lang=zh-CN",
)


def missing() -> str | None:
    """Why the browser tests cannot run here (``None`` when they can)."""
    for path in (CHROMIUM, CHROMEDRIVER):
        if not (Path(path).exists() or shutil.which(path)):
            return f"{path} not found (install Debian packages chromium and chromium-driver)"
    if importlib.util.find_spec("selenium") is None:
        return "selenium not installed (pip install '.[test]')"
    return None


class Browser:
    """One headless Chromium with helpers to inspect a qjnet map."""

    def __init__(self, *, width: int = 1200, height: int = 850):
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        self.profile = tempfile.mkdtemp(prefix="qjnet-chromium-")
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for flag in FLAGS:
            options.add_argument(flag)
        options.add_argument(f"--user-data-dir={self.profile}")
        options.add_argument(f"--window-size={width},{height}")
        options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
        self.driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
        self.driver.set_page_load_timeout(60)

    def close(self) -> None:
        try:
            self.driver.quit()
        finally:
            shutil.rmtree(self.profile, ignore_errors=True)

    # -- page ------------------------------------------------------------------------------------
    def open(self, path: Path) -> None:
        """Open a map file (``file://``) and wait until Leaflet has drawn it."""
        self.driver.get_log("browser")  # drop what an earlier page logged
        self.driver.get_log("performance")
        self.driver.get(Path(path).resolve().as_uri())
        deadline = time.time() + 30
        while time.time() < deadline:
            ready = self.js("return typeof L === 'object' && !!window.__qjnetMap()")
            if ready:
                break
            time.sleep(0.1)
        time.sleep(0.3)

    def js(self, script: str, *args):
        """Run ``script`` in the page, with ``window.__qjnetMap()`` returning the Leaflet map."""
        prelude = ("window.__qjnetMap = window.__qjnetMap || function() {"
                   " var el = document.querySelector('.folium-map'); return el ? window[el.id] : null; };")
        return self.driver.execute_script(prelude + script, *args)

    # -- inspection ------------------------------------------------------------------------------
    def leaflet_type(self) -> str:
        return self.js("return typeof L;")

    def overlays(self) -> list[dict]:
        """The layer control's overlays: ``[{"name", "checked"}]``."""
        return self.js("""
            return Array.from(document.querySelectorAll('.leaflet-control-layers-overlays label')).map(
                l => ({name: l.textContent.trim(), checked: l.querySelector('input').checked}));""")

    def base_layers(self) -> list[dict]:
        """The layer control's radio (base) layers: ``[{"name", "checked"}]``."""
        return self.js("""
            return Array.from(document.querySelectorAll('.leaflet-control-layers-base label')).map(
                l => ({name: l.textContent.trim(), checked: l.querySelector('input').checked}));""")

    def choose_base(self, name: str) -> None:
        """Click the radio button of base layer ``name``."""
        self._click_layer("base", name)

    def _click_layer(self, group: str, name: str) -> None:
        """Click the input of layer ``name`` in the layer control's ``base`` or ``overlays`` list."""
        from selenium.webdriver.common.by import By

        for label in self.driver.find_elements(By.CSS_SELECTOR, f".leaflet-control-layers-{group} label"):
            if label.text.strip() == name:
                label.find_element(By.TAG_NAME, "input").click()
                time.sleep(0.2)
                return
        what = "base layer" if group == "base" else "overlay"
        raise AssertionError(f"no {what} {name!r} in the layer control")

    def interactive_features(self) -> int:
        """Layers on the map that carry a tooltip or a popup (what a user can hover or click)."""
        return self.js("""
            var n = 0; __qjnetMap().eachLayer(function(l) {
                if (l.feature === undefined && ((l.getTooltip && l.getTooltip()) || (l.getPopup && l.getPopup()))) n++;
                if (l.feature !== undefined && l.options.interactive !== false && l.getTooltip && l.getTooltip()) n++;
            }); return n;""")

    def toggle_overlay(self, name: str) -> None:
        """Click the layer control's checkbox of overlay ``name``."""
        self._click_layer("overlays", name)

    def hover_text(self, text: str, *, markers_only: bool = False) -> str:
        """Move the mouse onto the first feature whose tooltip contains ``text``; return the visible tooltip.

        The pointer goes to a point of the feature itself (a circle's centre, the
        middle of a line's first segment, a polygon's first vertex nudged
        inwards), as a user's mouse would.
        """
        from selenium.webdriver.common.action_chains import ActionChains
        from selenium.webdriver.common.by import By

        point = self.js("""
            var want = arguments[0], markersOnly = arguments[1], found = null, map = __qjnetMap();
            map.eachLayer(function(l) {
                if (found || !l.getTooltip || !l.getTooltip() || !l._path) return;
                if (markersOnly && !l.getRadius) return;
                var c = l.getTooltip().getContent(); c = (typeof c === 'string') ? c : (c && c.textContent) || '';
                var tmp = document.createElement('div'); tmp.innerHTML = c;
                if (tmp.textContent.indexOf(want) >= 0) { found = l; }
            });
            if (!found) return null;
            if (found.bringToFront && !(found instanceof L.Polygon)) found.bringToFront();
            var cands = [];
            if (found.getLatLng) { cands.push(found.getLatLng()); }
            else {
                var flat = [], walk = function(a) { a.forEach(function(x) { Array.isArray(x) ? walk(x) : flat.push(x); }); };
                walk(found.getLatLngs());
                for (var i = 0; i + 1 < flat.length; i++)
                    cands.push(L.latLng((flat[i].lat + flat[i + 1].lat) / 2, (flat[i].lng + flat[i + 1].lng) / 2));
                if (found.getBounds) cands.push(found.getBounds().getCenter());
            }
            var rect = map.getContainer().getBoundingClientRect(), size = map.getSize();
            function hit(ll) {
                var p = map.latLngToContainerPoint(ll);
                if (p.x < 5 || p.y < 5 || p.x > size.x - 5 || p.y > size.y - 5) return null;
                var el = document.elementFromPoint(rect.left + p.x, rect.top + p.y);
                return el === found._path ? [p.x - size.x / 2, p.y - size.y / 2] : null;
            }
            for (var round = 0; round < 2; round++) {
                for (var j = 0; j < cands.length; j++) { var h = hit(cands[j]); if (h) return h; }
                map.setView(cands[0], map.getZoom(), {animate: false});
            }
            return null;""", text, markers_only)
        if point is None:
            raise AssertionError(f"no visible feature has a tooltip containing {text!r}")
        time.sleep(0.3)
        container = self.driver.find_element(By.CSS_SELECTOR, ".folium-map")
        ActionChains(self.driver).move_to_element_with_offset(container, int(point[0]), int(point[1])).perform()
        time.sleep(0.4)
        return self.js("var t = document.querySelector('.leaflet-tooltip'); return t ? t.textContent : '';")

    def click_feature(self, text: str, *, markers_only: bool = False) -> str:
        """Click the first feature whose tooltip contains ``text``; return the open popup's text."""
        self.hover_text(text, markers_only=markers_only)
        from selenium.webdriver.common.action_chains import ActionChains

        ActionChains(self.driver).click().perform()
        time.sleep(0.4)
        return self.js("var p = document.querySelector('.leaflet-popup-content'); return p ? p.textContent : '';")

    def console_errors(self) -> list[str]:
        """Console messages of level SEVERE (errors) since the page was opened."""
        return [e["message"] for e in self.driver.get_log("browser") if e.get("level") == "SEVERE"]

    def requested_urls(self) -> list[str]:
        """Every URL the page asked for: network log plus Resource Timing entries."""
        urls = []
        for entry in self.driver.get_log("performance"):
            msg = json.loads(entry["message"])["message"]
            if msg.get("method") == "Network.requestWillBeSent":
                urls.append(msg["params"]["request"]["url"])
        urls += self.js("return performance.getEntriesByType('resource').map(e => e.name)"
                        ".concat(performance.getEntriesByType('navigation').map(e => e.name));")
        return urls

    def screenshot(self, path: Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.driver.save_screenshot(str(path))
        return path


def offsite(urls: list[str]) -> list[str]:
    """The URLs that would leave the machine: any scheme but the browser's local ones."""
    local = ("file", "data", "about", "blob", "chrome", "chrome-extension", "devtools")
    return [u for u in urls if u.split(":", 1)[0].lower() not in local]
