"""The accessibility explorer: one offline HTML page (``maps.explorer``, ``qjnet explore``).

The browser tests (mark ``browser``) open the page in headless Chromium with
the network blocked; they are skipped when Chromium is missing, unless
``QJNET_REQUIRE_BROWSER=1`` (CI), where that is a failure.
"""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import numpy as np
import pytest
from browser import Browser, offsite
from mapdata import XSS_SCRIPT, XSS_TEMPLATE, XSS_TICK, hostile_dataset

from qjnet.geodata.io import load_dataset
from qjnet.maps import explorer_html
from qjnet.maps.explorer import UNREACHED, encode_minutes, explorer_data
from qjnet.maps.offline import check_offline, remote_references
from qjnet.network import build_graph
from qjnet.network.access import accessibility
from qjnet.network.matrix import node_minutes

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
LIMIT = 5 * 2**20


@pytest.fixture(scope="module")
def region():
    ds = load_dataset()
    return ds, build_graph(ds, date="2025-07-03"), build_graph(ds, scenario="plan-2035")


@pytest.fixture(scope="module")
def page(region):
    ds, G0, G1 = region
    return explorer_html(G0, G1, minutes=node_minutes(G0, G1), dataset=ds)


def _decode(text: str, n: int) -> np.ndarray:
    return np.frombuffer(base64.b64decode(text), dtype="<u2").reshape(n, n)


def _embedded(html: str) -> dict:
    line = next(li for li in html.splitlines() if "window.qjnetExplorerData = " in li)
    return json.loads(line.split(" = ", 1)[1].rstrip().rstrip(";"))


def test_page_is_self_contained_and_small(page):
    check_offline(page)
    assert remote_references(page) == []
    assert "<script src=" not in page and "Leaflet 1.9.3 (xstatic-leaflet)" in page
    assert len(page.encode("utf-8")) < LIMIT
    data = _embedded(page)
    assert len(json.dumps(data).encode("utf-8")) < LIMIT
    assert page.count('"type": "Polygon"') >= 20  # the county basemap from the dataset's boundaries layer


def test_circles_assume_what_the_isochrones_assume():
    from qjnet.maps import explorer
    from qjnet.network import isochrones

    assert (explorer.ACCESS_SPEED_KMH, explorer.MAX_ACCESS_MINUTES) == (isochrones.ACCESS_SPEED_KMH,
                                                                      isochrones.MAX_ACCESS_MINUTES)


def test_encoding_rounds_up_to_tenths_and_marks_unreached():
    values = np.array([0.0, 60.0, 60.01, 59.99, np.nan, np.inf, 7000.0])
    decoded = np.frombuffer(base64.b64decode(encode_minutes(values)), dtype="<u2")
    assert decoded.tolist() == [0, 600, 601, 600, UNREACHED, UNREACHED, UNREACHED]


@pytest.mark.parametrize("budget", [15, 60, 180, 240])
def test_embedded_counts_match_accessibility(region, budget):
    _, G0, _ = region
    data = explorer_data(G0, minutes=node_minutes(G0))
    n, k = len(data["ids"]), data["places"]
    tenths = _decode(data["base"], n)
    pops = np.array([p or 0 for p in data["pop"][:k]])
    table = accessibility(G0, minutes=budget)
    for o in range(k):
        within = (tenths[o, :k] != UNREACHED) & (tenths[o, :k] <= budget * 10)
        within[o] = False
        row = table.loc[data["ids"][o]]
        assert (int(within.sum()), int(pops[within].sum())) == (row["places_within"], row["population_within"])


def test_scenario_side_holds_new_stations(region):
    _, G0, G1 = region
    data = explorer_data(G0, G1, minutes=node_minutes(G0, G1))
    n = len(data["ids"])
    base, scen = _decode(data["base"], n), _decode(data["scen"], n)
    new = [i for i, nid in enumerate(data["ids"]) if nid not in G0]
    assert new and all(data["kind"][i] != "place" for i in new)
    assert (base[new] == UNREACHED).all() and (scen[new] != UNREACHED).any()
    assert data["labels"] == ["2025-07-03", "plan-2035 2035-12-31"]
    assert data["kind"][: data["places"]] == ["place"] * data["places"]
    # the plan saves minutes from Qianjiang to some place and loses none
    q = data["ids"].index("qianjiang_dist")
    both = (base[q] != UNREACHED) & (scen[q] != UNREACHED)
    assert (scen[q][both] < base[q][both]).any()


def test_without_scenario(region):
    ds, G0, _ = region
    data = explorer_data(G0, minutes=node_minutes(G0))
    assert data["scen"] is None and data["labels"][1] == ""
    assert explorer_html(G0, minutes=node_minutes(G0), dataset=ds).count("qjnetExplorer(") == 2  # defined once, called once


def test_every_name_is_escaped(tmp_path):
    ds = load_dataset(hostile_dataset(tmp_path / "hostile"))
    G0, G1 = build_graph(ds, date="2025-07-01"), build_graph(ds, scenario="plan")
    html = explorer_html(G0, G1, minutes=node_minutes(G0, G1), dataset=ds,
                         title=XSS_SCRIPT)
    for raw in (XSS_SCRIPT, XSS_TEMPLATE, XSS_TICK, "</script><script>alert(2)", "<img src=x"):
        assert raw not in html
    data = _embedded(html)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in data["zh"]
    assert "&#36;&#123;alert(1)&#125;" in data["en"]
    assert all(not re.search(r"[<>`$\\]", text) for text in data["zh"] + data["en"] + data["labels"])


# --------------------------------------------------------------------------- command line


def test_cli_writes_the_page(run_qjnet, tmp_path):
    out = tmp_path / "explorer.html"
    r = run_qjnet("explore", "--output", out, "--date", "2025-07-03", "--after-scenario", "plan-2035")
    assert r.returncode == 0, r.stderr
    assert r.stderr.strip() == f"wrote {out}" and r.stdout == ""
    html = out.read_text(encoding="utf-8")
    check_offline(html)
    assert _embedded(html)["labels"] == ["2025-07-03", "plan-2035 2035-12-31"]


def test_cli_after_date_and_what_if_file(run_qjnet, data_dir, tmp_path):
    out = tmp_path / "e.html"
    r = run_qjnet("explore", "-o", out, "--data", data_dir / "mini", "--date", "2025-06-26", "--after-date",
                  "2025-07-01")
    assert r.returncode == 0, r.stderr
    assert _embedded(out.read_text(encoding="utf-8"))["labels"] == ["2025-06-26", "2025-07-01"]
    r = run_qjnet("explore", "-o", out, "--date", "2025-07-03", "--after-scenario-file",
                  data_dir / "whatif_qianjiang_jishou_hourly.json")
    assert r.returncode == 0, r.stderr
    labels = _embedded(out.read_text(encoding="utf-8"))["labels"]
    assert labels[0] == "2025-07-03" and labels[1] != labels[0]


@pytest.mark.parametrize(("args", "message"), [
    (["--output", "e.txt", "--date", "2025-07-03"], "name the file .html"),
    (["--output", "e.html", "--date", "2025-07-03", "--after-date", "2025-07-03"], "is the baseline network"),
    (["--output", "missing/e.html", "--date", "2025-07-03"], "does not exist"),
    (["--output", "e.html", "--after-scenario", "nope"], "unknown scenario 'nope'"),
    (["--output", "e.html", "--after-date", "2025-13-01"], "--after-date"),
])
def test_cli_bad_input_is_one_line(run_qjnet, tmp_path, args, message):
    r = run_qjnet("explore", *args, cwd=tmp_path)
    assert r.returncode == 2 and message in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr
    assert not any(p.suffix in (".html", ".txt") for p in tmp_path.rglob("*"))


# --------------------------------------------------------------------------- in the browser


@pytest.fixture
def opened(browser, page, request, tmp_path):
    """The explorer page open in the browser; on failure a screenshot goes to tests/artifacts/."""
    path = tmp_path / "explorer.html"
    path.write_text(page, encoding="utf-8")
    failures_before = request.session.testsfailed
    browser.open(path)
    yield browser
    if request.session.testsfailed > failures_before:
        browser.screenshot(ARTIFACTS / f"{request.node.name}.png")


def _shown(b: Browser) -> dict:
    return b.js("""return {places: document.getElementById('qx-places').textContent,
                           counts: document.getElementById('qx-counts').textContent,
                           reached: qjnetExplorerApi.reached(), colors: qjnetExplorerApi.colors(),
                           chart: document.querySelectorAll('.qx-chart path').length,
                           circles: document.querySelectorAll('.leaflet-overlay-pane path').length};""")


def _set_budget(b: Browser, minutes: int) -> None:
    b.js("var s = document.getElementById('qx-budget'); s.value = arguments[0];"
         "s.dispatchEvent(new Event('input'));", minutes)


def _choose(b: Browser, node_id: str, data: dict) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    Select(b.driver.find_element(By.ID, "qx-origin")).select_by_value(str(data["ids"].index(node_id)))


def _assert_clean(b: Browser) -> None:
    assert b.console_errors() == []
    urls = b.requested_urls()
    assert urls and offsite(urls) == []


@pytest.mark.browser
def test_origin_and_slider_change_the_answer(opened, page, region):
    b, data = opened, _embedded(page)
    table = {m: accessibility(region[1], minutes=m) for m in (60, 180)}
    first = _shown(b)
    origin = data["ids"][0]
    assert first["places"] == str(table[60].loc[origin, "places_within"])
    _set_budget(b, 180)
    wider = _shown(b)
    assert wider["places"] == str(table[180].loc[origin, "places_within"])
    assert len(wider["reached"]) > len(first["reached"]) and wider["colors"] != first["colors"]
    assert f"{table[180].loc[origin, 'population_within']:,}" in wider["counts"]
    _choose(b, "chongqing_core", data)
    other = _shown(b)
    assert other["places"] == str(table[180].loc["chongqing_core", "places_within"])
    assert other["reached"] != wider["reached"] and other["colors"] != wider["colors"]
    assert other["chart"] == 1
    _assert_clean(b)


@pytest.mark.browser
def test_clicking_a_marker_picks_the_origin(opened, page):
    b, data = opened, _embedded(page)
    b.click_feature("万州区", markers_only=True)
    assert b.js("return document.getElementById('qx-origin').value") == str(data["ids"].index("wanzhou_dist"))
    assert b.js("return qjnetExplorerApi.state.origin") == data["ids"].index("wanzhou_dist")
    _assert_clean(b)


@pytest.mark.browser
def test_views_and_circles(opened):
    b = opened
    _set_budget(b, 120)
    base = _shown(b)
    b.js("document.querySelector('input[name=qx-view][value=diff]').click();")
    diff = _shown(b)
    assert diff["chart"] == 2 and "places" in diff["counts"] and diff["colors"] != base["colors"]
    b.js("document.querySelector('input[name=qx-view][value=scen]').click();")
    scen = _shown(b)
    assert int(scen["places"]) >= int(base["places"])
    b.js("document.getElementById('qx-circles').click();")
    with_circles = _shown(b)
    assert with_circles["circles"] > scen["circles"] + 1
    _assert_clean(b)
