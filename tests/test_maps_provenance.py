"""Maps show where an answer's minutes come from: paler dashed places resting mostly on modelled minutes,
a "mostly published" / "mostly modelled" toggle, and the range in tooltips and popups.

The browser tests (mark ``browser``) open the maps offline in headless Chromium, as ``test_maps_browser``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import qjnet.maps as maps
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


def test_circle_and_compare_maps_take_the_columns(G):
    circ = economic_circle(G, "qianjiang_dist")
    circ = with_place_provenance(circ, reach_provenance(G, circ.attrs["centre_place"], circ.index))
    m = maps.circle_map(circ, G=G)
    assert "qjnet-modelled" in m.get_root().render() and m.qjnet_layers[MODELLED_LAYER] == 0
    G0 = build_graph(date="2025-06-26")
    diff = compare(G0, G, "chongqing_core")
    diff = with_place_provenance(with_place_provenance(diff, reach_provenance(G0, "chongqing_core", diff.index),
                                                       suffix="_before"),
                                 reach_provenance(G, "chongqing_core", diff.index))
    m = maps.compare_map(diff, G=G)
    html = m.get_root().render()
    assert m.qjnet_layers[PUBLISHED_LAYER] == 0 and "range 2025-06-26" in html and "qjnet-published" in html


@pytest.mark.browser
def test_circle_map_toggle_in_the_centre_view(page, G):
    circ = economic_circle(G, "qianjiang_dist")
    circ = with_place_provenance(circ, reach_provenance(G, circ.attrs["centre_place"], circ.index))
    m = maps.circle_map(circ, G=G)
    b = page(m)
    b.choose_base("城区到城区 Centre to centre")
    before = _counts(b)
    assert before["modelled"] >= 1 and before["opacity"]["modelled"] < 0.85
    b.toggle_overlay(MODELLED_LAYER)
    assert _counts(b)["modelled"] == 0
    b.toggle_overlay(MODELLED_LAYER)
    assert _counts(b) == before
    tip = b.hover_text("酉阳", markers_only=True)
    assert "min (" in tip and "published" in tip
    assert b.console_errors() == []


@pytest.mark.browser
def test_compare_map_toggle_and_ranges(page, G):
    G0 = build_graph(date="2025-06-26")
    diff = compare(G0, G, "chongqing_core")
    diff = with_place_provenance(with_place_provenance(diff, reach_provenance(G0, "chongqing_core", diff.index),
                                                       suffix="_before"),
                                 reach_provenance(G, "chongqing_core", diff.index))
    b = page(maps.compare_map(diff, G=G))
    before = _counts(b)
    assert before["modelled"] >= 1 and before["opacity"]["modelled"] < 0.85 and before["dashed"]["modelled"]
    b.toggle_overlay(MODELLED_LAYER)
    assert _counts(b)["modelled"] == 0 and _counts(b)["published"] == before["published"]
    b.toggle_overlay(MODELLED_LAYER)
    assert _counts(b) == before
    tip = b.hover_text("黔江", markers_only=True)
    assert "min (" in tip and "published" in tip
    assert b.console_errors() == []


@pytest.mark.browser
def test_route_map_leg_table_and_modelled_legs(page, G):
    it = route(G, "qianjiang_dist", "ckg")
    m = maps.route_map(it, G)
    b = page(m)
    counts = b.js("""var n = {modelled: 0, published: 0}; __qjnetMap().eachLayer(function(l) {
                        var c = (l.options && l.options.className) || "";
                        if (l.getTooltip && l.getTooltip() && c.indexOf("qjnet-modelled") >= 0) n.modelled++;
                        if (l.getTooltip && l.getTooltip() && c.indexOf("qjnet-published") >= 0) n.published++;
                     }); return n;""")
    assert counts["modelled"] == len(it.legs) and counts["published"] == 0
    popup = b.click_feature("重庆江北")
    assert "source" in popup and "range" in popup and "131 min (85–179)" in popup
    b.toggle_overlay(MODELLED_LAYER)
    assert b.interactive_features() == m.qjnet_layers["站点 Stops"]  # every leg rests mostly on modelled minutes
    assert b.console_errors() == []
