"""The explorer gives each answer's range and published share, for any origin, budget and view (offline)."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import numpy as np
import pytest

from qjnet.geodata.errors import OptionError
from qjnet.geodata.io import load_dataset
from qjnet.maps import explorer_html
from qjnet.maps.explorer import UNREACHED, explorer_data
from qjnet.network import build_graph
from qjnet.network.matrix import node_minutes
from qjnet.network.pair_provenance import node_provenance

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


@pytest.fixture(scope="module")
def region():
    ds = load_dataset()
    G0, G1 = build_graph(ds, date="2025-07-03"), build_graph(ds, scenario="plan-2035")
    minutes = node_minutes(G0, G1)
    return ds, G0, G1, minutes, (node_provenance(G0, minutes.nodes), node_provenance(G1, minutes.nodes))


def _u16(text: str, n: int) -> np.ndarray:
    return np.frombuffer(base64.b64decode(text), dtype="<u2").reshape(n, n)


def test_embedded_ranges_hold_the_minutes(region):
    _, G0, G1, minutes, provs = region
    data = explorer_data(G0, G1, minutes=minutes, provenance=provs)
    n = len(data["ids"])
    for side in ("base", "scen"):
        tenths = _u16(data[side], n)
        low, high = _u16(data["prov"][side]["low"], n), _u16(data["prov"][side]["high"], n)
        share = np.frombuffer(base64.b64decode(data["prov"][side]["share"]), dtype="u1").reshape(n, n)
        known = (tenths != UNREACHED) & (share != 255)
        assert known.sum() > 0.5 * (tenths != UNREACHED).sum()
        assert (low[known] <= tenths[known]).all() and (tenths[known] <= high[known]).all()
        assert (share[known] <= 100).all()
    i, j = data["ids"].index("cq_east"), data["ids"].index("qianjiang")
    assert (_u16(data["prov"]["base"]["low"], n)[i, j], _u16(data["prov"]["base"]["high"], n)[i, j]) == (590, 630)
    assert explorer_data(G0, minutes=node_minutes(G0))["prov"] is None


def test_provenance_on_other_nodes_is_refused(region):
    _, G0, G1, minutes, _ = region
    with pytest.raises(OptionError, match="same nodes"):
        explorer_data(G0, G1, minutes=minutes, provenance=(node_provenance(G0, minutes.nodes[:3]), None))


@pytest.fixture
def opened(browser, region, request, tmp_path):
    ds, G0, G1, minutes, provs = region
    path = tmp_path / "explorer.html"
    path.write_text(explorer_html(G0, G1, minutes=minutes, dataset=ds, provenance=provs), encoding="utf-8")
    failures_before = request.session.testsfailed
    browser.open(path)
    yield browser
    if request.session.testsfailed > failures_before:
        browser.screenshot(ARTIFACTS / f"{request.node.name}.png")


def _choose(b, index: int, budget: int) -> None:
    b.js("qjnetExplorerApi.state.origin = arguments[0]; var s = document.getElementById('qx-budget');"
         "s.value = arguments[1]; s.dispatchEvent(new Event('input'));", index, budget)


@pytest.mark.browser
def test_tooltips_give_the_range_and_modelled_places_are_paler(opened, region):
    b = opened
    ids = region[3].nodes
    _choose(b, ids.index("cq_east"), 90)
    tip = b.hover_text("黔江站 Qianjiang", markers_only=True)
    assert "61 min (59–63)" in tip and "published 100%" in tip
    styles = b.js("""var out = {}; __qjnetMap().eachLayer(function(l) {
                        if (l.options && l.options.qjnetNode !== undefined && qjnetExplorerApi.reached().indexOf(l.options.qjnetNode) >= 0)
                            out[l.options.qjnetNode] = [l.options.fillOpacity, l.options.dashArray || null];
                     }); return out;""")
    opacities = {tuple(v) for v in styles.values()}
    assert (0.9, None) in opacities and (0.4, "4 3") in opacities
    b.js("document.querySelector('input[name=qx-view][value=diff]').click();")
    assert "published" in b.hover_text("黔江站 Qianjiang", markers_only=True)
    b.js("document.querySelector('input[name=qx-view][value=base]').click();")
    _choose(b, ids.index("qianjiang_dist"), 240)
    tip = b.hover_text("重庆东站 Chongqing East", markers_only=True)
    assert "min (" in tip and "published" in tip
    assert b.console_errors() == []


def test_cli_page_embeds_the_provenance(run_qjnet, tmp_path):
    out = tmp_path / "explorer.html"
    r = run_qjnet("explore", "--output", out, "--date", "2025-07-03")
    assert r.returncode == 0, r.stderr
    line = next(li for li in out.read_text(encoding="utf-8").splitlines() if "window.qjnetExplorerData = " in li)
    data = json.loads(line.split(" = ", 1)[1].rstrip().rstrip(";"))
    assert data["prov"]["base"] is not None and data["prov"]["scen"] is None
