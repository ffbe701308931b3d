"""maps.escape and maps.offline: escaping and self-contained pages (no browser)."""

from __future__ import annotations

import re

import folium
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import qjnet.maps as maps
from qjnet.maps.escape import esc, table
from qjnet.maps.offline import (
    CDN_HOSTS,
    OfflineError,
    check_offline,
    inline_assets,
    jquery_js,
    leaflet_css,
    leaflet_js,
    make_offline,
    remote_references,
    render,
)


@given(st.text())
@settings(max_examples=300, deadline=None)
def test_esc_leaves_no_html_or_template_literal_syntax(text):
    out = esc(text).replace("<br>", "")  # line breaks are the one tag esc writes
    for ch in "<>\"'`$\\{}":
        assert ch not in out
    # every & starts a character reference
    assert re.fullmatch(r"(?:[^&]|&(?:#\d+|[a-z]+);)*", out)


@given(st.text(alphabet=st.characters(blacklist_characters="\r\n")))
@settings(max_examples=200, deadline=None)
def test_esc_round_trips_through_html_unescape(text):
    import html

    assert html.unescape(esc(text)) == text


def test_esc_examples():
    assert esc("<script>alert(1)</script>") == "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert esc("${alert(1)}") == "&#36;&#123;alert(1)&#125;"
    assert esc(None) == "" and esc(float("nan")) == ""
    assert esc("a\nb") == "a<br>b"
    assert esc("黔江区") == "黔江区"


def test_table_escapes_every_cell_and_drops_empty_rows():
    html = table([("name", "<b>x</b>"), ("empty", None), ("`k`", "${v}")], title="<t>")
    assert "<b>x</b>" not in html and "&lt;b&gt;x&lt;/b&gt;" in html
    assert "empty" not in html
    assert "`" not in html and "${" not in html


def _page(m: folium.Map) -> str:
    return render(make_offline(m))


def test_offline_page_inlines_leaflet_and_jquery_and_drops_cdns():
    page = _page(folium.Map(tiles=None))
    assert leaflet_js()[:2000] in page
    assert jquery_js()[:2000] in page
    assert "leaflet-control-layers-toggle" in page  # Leaflet's CSS
    for host in CDN_HOSTS:
        assert host not in page
    assert remote_references(page) == []
    assert "<script src" not in page and "<link rel=\"stylesheet\"" not in page


def test_leaflet_css_images_are_data_uris_and_scripts_cannot_close_early():
    css = leaflet_css()
    assert "url(images/" not in css and css.count("url(data:image/png;base64,") >= 3
    for js in (leaflet_js(), jquery_js()):
        assert "</script" not in js.lower()
        assert "sourceMappingURL" not in js


def test_cdn_render_keeps_folium_links():
    m = make_offline(folium.Map(tiles=None))
    page = render(m, cdn=True)
    assert 'src="https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js"' in page
    assert leaflet_js()[:500] not in page


def test_unknown_cdn_link_is_an_error_naming_the_url():
    m = folium.Map(tiles=None)
    m.default_js = [*m.default_js, ("newlib", "https://cdn.example.org/newlib.js")]
    with pytest.raises(OfflineError, match=re.escape("https://cdn.example.org/newlib.js")):
        _page(m)
    m = folium.Map(tiles=None)
    m.default_css = [*m.default_css, ("newcss", "https://unpkg.com/newlib.css")]
    with pytest.raises(OfflineError, match=re.escape("https://unpkg.com/newlib.css")):
        _page(m)


def test_awesome_markers_are_refused_offline():
    m = folium.Map(tiles=None)
    folium.Marker([29.5, 108.7], icon=folium.Icon(color="red")).add_to(m)
    with pytest.raises(OfflineError, match="awesome-markers"):
        _page(m)
    assert "awesome-markers" in render(m, cdn=True)  # the CDN form still works


def test_tile_layers_need_to_be_asked_for():
    m = folium.Map(tiles="OpenStreetMap")
    with pytest.raises(OfflineError, match="tile.openstreetmap.org"):
        _page(m)
    url = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    assert url in remote_references(render(folium.Map(tiles=None), cdn=True) + f'L.tileLayer("{url}", {{}})')


def test_other_remote_references_are_found():
    for snippet, url in [('<img src="https://x.org/a.png">', "https://x.org/a.png"),
                         ("<style>@import url(https://fonts.example/f.css);</style>", "https://fonts.example/f.css"),
                         ('<div style="background:url(//x.org/b.png)">', "//x.org/b.png"),
                         ('<link rel="icon" href="http://x.org/favicon.ico">', "http://x.org/favicon.ico")]:
        with pytest.raises(OfflineError, match=re.escape(url)):
            check_offline(snippet)
    check_offline('<img src="data:image/png;base64,AAAA"> <a href="https://leafletjs.com">Leaflet</a>')


def test_leaflet_version_mismatch_is_reported():
    html = '<script src="https://cdn.jsdelivr.net/npm/leaflet@1.9.9/dist/leaflet.js"></script>'
    with pytest.raises(OfflineError, match="leaflet 1.9.9"):
        inline_assets(html)


def test_notebook_repr_contains_inlined_leaflet(data_dir):
    from qjnet.geodata.io import load_dataset

    m = maps.network_map(load_dataset(data_dir / "mini"))
    html = m._repr_html_()
    assert html.startswith(("<div", "<iframe"))
    import html as h

    inner = h.unescape(html)
    assert "Leaflet 1.9.3 (xstatic-leaflet)" in inner
    assert "cdn.jsdelivr.net" not in inner


def test_folium_save_of_a_qjnet_map_is_offline_too(data_dir, tmp_path):
    from qjnet.geodata.io import load_dataset

    m = maps.network_map(load_dataset(data_dir / "mini"))
    m.save(str(tmp_path / "f.html"))
    page = (tmp_path / "f.html").read_text(encoding="utf-8")
    assert "cdn.jsdelivr.net" not in page and "Leaflet 1.9.3 (xstatic-leaflet)" in page


def test_save_is_atomic_and_leaves_nothing_on_error(tmp_path):
    m = folium.Map(tiles="OpenStreetMap")  # not allowed offline
    target = tmp_path / "m.html"
    with pytest.raises(OfflineError):
        maps.save(m, target)
    assert list(tmp_path.iterdir()) == []
    maps.save(m, target, cdn=True)
    assert target.exists() and list(tmp_path.iterdir()) == [target]
