"""Maps show where an answer's minutes come from: paler dashed places resting mostly on modelled minutes,
a "mostly published" / "mostly modelled" toggle, and the range in tooltips and popups.

The browser tests (mark ``browser``) open the maps offline in headless Chromium, as ``test_maps_browser``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import qjnet.maps as maps
from qjnet.geodata.io import load_dataset
from qjnet.maps._provenance import MODELLED_LAYER, PUBLISHED_LAYER
from qjnet.network import build_graph, compare, economic_circle, reach, route
from qjnet.network.provenance import with_place_provenance
from qjnet.network.route import reach_provenance

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
DATE = "2025-07-02"


@pytest.fixture(scope="module")
def G():
    return build_graph(date=DATE)


@pytest.fixture(scope="module")
def reached(G):
    r = reach(G, "cq_east", minutes=150)
    return with_place_provenance(r, reach_provenance(G, "cq_east", r.index))


@pytest.fixture
def page(browser, request, tmp_path):
    """Open a saved map; on failure keep a screenshot in tests/artifacts/."""
    failures_before = request.session.testsfailed

    def open_map(m):
        browser.open(maps.save(m, tmp_path / "map.html"))
        return browser

    yield open_map
    if request.session.testsfailed > failures_before:
        browser.screenshot(ARTIFACTS / f"{request.node.name}.png")


def _counts(b) -> dict:
    """Markers of each provenance class on the map, and their fill opacities and dashes."""
    return b.js("""
        var out = {published: 0, modelled: 0, opacity: {}, dashed: {}};
        __qjnetMap().eachLayer(function(l) {
            var c = (l.options && l.options.className) || "";
            ["published", "modelled"].forEach(function(k) {
                if (c.indexOf("qjnet-" + k) < 0 || !l._path) return;
                out[k] += 1;
                out.opacity[k] = parseFloat(l._path.getAttribute("fill-opacity"));
                out.dashed[k] = !!l._path.getAttribute("stroke-dasharray");
            });
        }); return out;""")


def test_frame_columns_and_reach_map_layers(reached):
    assert {"published_share", "range_low", "range_high", "provenance"} <= set(reached.columns)
    assert (reached["range_low"] <= reached["minutes"] + 1e-9).all()
    assert (reached["minutes"] <= reached["range_high"] + 1e-9).all()
    m = maps.reach_map(reached, minutes=150)
    assert m.qjnet_layers[PUBLISHED_LAYER] == 0 and m.qjnet_layers[MODELLED_LAYER] == 0
    html = m.get_root().render()
    assert "qjnet-modelled" in html and "qjnet-published" in html and "mostly modelled" in html
    plain = maps.reach_map(reach(build_graph(date=DATE), "cq_east", minutes=150), minutes=150)
    assert PUBLISHED_LAYER not in plain.qjnet_layers  # no provenance columns: drawn as before


@pytest.mark.browser
def test_reach_map_modelled_paler_toggle_and_range(page, reached):
    b = page(maps.reach_map(reached, minutes=150))
    before = _counts(b)
    assert before["published"] >= 1 and before["modelled"] >= 1
    assert before["opacity"]["modelled"] < before["opacity"]["published"]
    assert before["dashed"]["modelled"] and not before["dashed"]["published"]
    total = b.interactive_features()
    b.toggle_overlay(MODELLED_LAYER)
    assert _counts(b)["modelled"] == 0 and _counts(b)["published"] == before["published"]
    assert b.interactive_features() == total - before["modelled"]
    b.toggle_overlay(MODELLED_LAYER)
    b.toggle_overlay(PUBLISHED_LAYER)
    assert _counts(b)["published"] == 0 and _counts(b)["modelled"] == before["modelled"]
    b.toggle_overlay(PUBLISHED_LAYER)
    assert _counts(b) == before and b.interactive_features() == total
    tip = b.hover_text("黔江站 Qianjiang ·", markers_only=True)
    assert "61 min (59–63)" in tip and "published 100%" in tip
    assert b.console_errors() == []


def test_static_maps_draw_modelled_places_paler(reached, G, tmp_path):
    from matplotlib.colors import to_rgba_array

    from qjnet.maps import static

    fig = static.reach_figure(reached, minutes=150)
    alphas = sorted({round(float(a), 2) for coll in fig.axes[0].collections if hasattr(coll, "get_facecolor")
                     for a in to_rgba_array(coll.get_facecolor())[:, 3]})
    assert 0.35 in alphas and 1.0 in alphas
    labels = [t.get_text() for ax in fig.axes if ax.get_legend() for t in ax.get_legend().get_texts()]
    assert any("mostly modelled" in t for t in labels) and any("mostly published" in t for t in labels)
    it = route(G, "qianjiang_dist", "ckg")
    texts = static.route_figure(it, G).findobj(lambda o: hasattr(o, "get_text") and isinstance(o.get_text(), str))
    text = " ".join(t.get_text() for t in texts).replace("\n", " ")
    assert "131 min (85–179)" in text and "published 0%" in text
    static.save_figure(fig, tmp_path / "reach.png")
