"""Static maps for reports (maps/static.py): every map type as PNG, SVG and PDF, library and CLI."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from qjnet.geodata.io import apply_selection, load_dataset
from qjnet.maps import static
from qjnet.maps._static_page import A4_INCHES, PNG_DPI

DATE = "2025-07-02"
A4_PIXELS = (3508, 2480)
KINDS = ("network", "reach", "route", "compare", "circle", "freight")


@pytest.fixture(scope="module")
def figures():
    """One figure of each kind, drawn on the bundled dataset (built once for the module)."""
    from qjnet.network import build_graph, compare, economic_circle, reach, route
    from qjnet.network.isochrones import circle_isochrones, compare_isochrones, default_bands, isochrones

    ds = load_dataset()
    G = build_graph(ds, date=DATE)
    reached = reach(G, "qianjiang", minutes=120)
    diff = compare(build_graph(ds, date="2025-06-26"), G, "chongqing_core")
    b0, b1 = compare_isochrones(diff, G)
    circle = economic_circle(G, "chongqing_core")
    s, c = circle_isochrones(circle)
    from qjnet.network.freight import build_freight_graph, catchment, freight_route

    FG = build_freight_graph(ds, date=DATE)
    chain = freight_route(FG, "qianjiang_dist", "qinzhou_port_e", objective="cost")
    return {
        "freight": lambda: static.static_map("freight", FG, chains=[chain], catchment=catchment(FG, "qj_freight"),
                                             dataset=ds),
        "network": lambda: static.network_figure(apply_selection(ds, date=DATE), full=ds),
        "reach": lambda: static.reach_figure(reached, bands=isochrones(reached, bands=default_bands(120)),
                                             minutes=120, dataset=ds, date=DATE),
        "route": lambda: static.route_figure(route(G, "cq_east", "qianjiang"), G, dataset=ds),
        "compare": lambda: static.compare_figure(diff, bands_before=b0, bands_after=b1, G=G, dataset=ds),
        "circle": lambda: static.circle_figure(circle, bands_station=s, bands_centre=c, G=G, dataset=ds),
    }


def check_png(path) -> None:
    """A4 landscape at 300 dpi, and not blank: the pixels vary, inside the map too."""
    with Image.open(path) as im:
        assert im.size == A4_PIXELS
        assert im.info["dpi"] == pytest.approx((PNG_DPI, PNG_DPI), abs=0.01)
        grey = np.asarray(im.convert("L"), dtype=float)
    assert grey.std() > 10
    w, h = A4_PIXELS
    assert grey[int(h * 0.2):int(h * 0.8), int(w * 0.1):int(w * 0.6)].std() > 10


def check_svg(path) -> str:
    text = path.read_text(encoding="utf-8")
    assert text.startswith("<?xml") and "</svg>" in text
    assert 'id="WenQuanYiMicroHei-' in text  # glyphs from the CJK font
    return text


def check_pdf(path) -> None:
    data = path.read_bytes()
    assert data.startswith(b"%PDF-") and b"WenQuanYiMicroHei" in data and b"CreationDate" not in data


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_as_png_svg_pdf_through_the_library(figures, kind, tmp_path):
    fig = figures[kind]()
    assert tuple(fig.get_size_inches()) == pytest.approx(A4_INCHES)
    assert static.save_figure(fig, tmp_path / f"{kind}.png") == tmp_path / f"{kind}.png"
    check_png(tmp_path / f"{kind}.png")
    svg = check_svg(static.save_figure(fig, tmp_path / f"{kind}.svg"))
    assert "qjnet" in svg  # the data-source line
    check_pdf(static.save_figure(fig, tmp_path / f"{kind}.PDF"))
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"{kind}.{s}" for s in ("PDF", "png", "svg"))


def test_labels_are_drawn_with_the_cjk_font_and_name_places_in_both_languages(figures, tmp_path):
    svg = check_svg(static.save_figure(figures["reach"](), tmp_path / "r.svg"))
    assert "黔江" in svg
    assert 'id="label 黔江区 Qianjiang District"' in svg and 'id="label 万州区 Wanzhou District"' in svg
    for piece in ("Data: qianjiang", f"date {DATE}", "scenario none", "km", "可达性 Reachability"):
        assert piece in svg


def test_two_runs_give_identical_svg_bytes(figures, tmp_path):
    a = static.save_figure(figures["circle"](), tmp_path / "a.svg").read_bytes()
    b = static.save_figure(figures["circle"](), tmp_path / "b.svg").read_bytes()
    assert a == b


def test_static_map_dispatches_by_kind_and_refuses_unknown_kinds():
    ds = load_dataset(date=DATE)
    assert static.static_map("network", ds).texts[0].get_text() == f"交通网络 Transport network · {DATE}"
    with pytest.raises(ValueError, match="unknown static map kind 'heat'; use one of network, reach"):
        static.static_map("heat", ds)


def test_save_figure_refuses_other_suffixes(figures, tmp_path):
    from qjnet.geodata.errors import OptionError

    with pytest.raises(OptionError, match=r"map\.jpg: static maps are written as \.png, \.svg or \.pdf"):
        static.save_figure(figures["route"](), tmp_path / "map.jpg")
    assert list(tmp_path.iterdir()) == []


def test_scale_bar_lengths_are_round():
    from qjnet.maps._static_page import nice_length_km

    assert [nice_length_km(s) for s in (3, 40, 230, 700)] == [1, 5, 20, 100]


def _no_font(monkeypatch):
    import qjnet.maps._static_page as page

    monkeypatch.setattr(page, "FONT_FAMILY", "No Such Font")
    monkeypatch.setattr(page, "FONT_FILES", ("/nonexistent/font.ttc",))


def test_missing_font_is_a_one_line_error(monkeypatch, tmp_path, run_qjnet):
    _no_font(monkeypatch)
    with pytest.raises(static.FontMissingError, match=r"^static maps need the CJK font No Such Font; install it "
                                                      r"\(Debian/Ubuntu: apt-get install fonts-wqy-microhei\)$"):
        static.network_figure(load_dataset(date=DATE))
    r = run_qjnet("map", "--output", tmp_path / "n.png", "--date", DATE)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    expected = ("qjnet: error: static maps need the CJK font No Such Font; install it "
                "(Debian/Ubuntu: apt-get install fonts-wqy-microhei)")
    assert r.stderr.strip().splitlines() == [expected]
    assert not (tmp_path / "n.png").exists()


# --- through the CLI ------------------------------------------------------------------------------


def test_cli_reach_writes_a_png_and_keeps_the_answer(run_qjnet, tmp_path):
    r = run_qjnet("reach", "黔江", "--minutes", "120", "--date", DATE, "--map", "r.png")
    assert r.returncode == 0, r.stderr
    assert "黔江" in r.stdout and "wrote map r.png" in r.stderr
    check_png(tmp_path / "r.png")


def test_cli_map_writes_a_pdf_and_an_svg(run_qjnet, tmp_path):
    r = run_qjnet("map", "--output", "n.pdf", "--date", DATE)
    assert r.returncode == 0, r.stderr
    check_pdf(tmp_path / "n.pdf")
    r = run_qjnet("map", "--output", "n.svg", "--date", DATE, "--scenario", "plan-2035")
    assert r.returncode == 0, r.stderr
    svg = check_svg(tmp_path / "n.svg")
    assert "scenario plan-2035" in svg


@pytest.mark.parametrize(("args", "name"), [
    (("route", "cq_east", "qianjiang", "--date", DATE), "route.svg"),
    (("compare", "chongqing_core", "--before", "2025-06-26", "--after", DATE), "compare.pdf"),
    (("circle", "chongqing_core", "--date", DATE), "circle.png"),
])
def test_cli_route_compare_circle_write_static_maps(run_qjnet, tmp_path, args, name):
    r = run_qjnet(*args, "--map", name)
    assert r.returncode == 0, r.stderr
    {"svg": check_svg, "pdf": check_pdf, "png": check_png}[name.rsplit(".", 1)[1]](tmp_path / name)


@pytest.mark.parametrize("flag", [("--tiles", "osm"), ("--cdn",)])
def test_cli_refuses_tiles_and_cdn_with_a_static_suffix(run_qjnet, tmp_path, flag):
    r = run_qjnet("reach", "黔江", "--date", DATE, "--map", "r.png", *flag)
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr.strip() == (f"qjnet: error: --map r.png: {flag[0]} applies to HTML maps only; "
                                "static maps are drawn offline on the county basemap")
    r = run_qjnet("map", "--output", "n.svg", *flag)
    assert r.returncode == 2 and f"--output n.svg: {flag[0]} applies to HTML maps only" in r.stderr
    assert list(tmp_path.iterdir()) == []


def test_cli_refuses_other_suffixes(run_qjnet, tmp_path):
    r = run_qjnet("map", "--output", "n.jpg")
    assert r.returncode == 2
    assert r.stderr.strip() == ("qjnet: error: --output n.jpg: name the map file .html (interactive) or .png, "
                                ".svg or .pdf (static, for reports)")


def test_freight_and_catchment_maps_as_png(run_qjnet, tmp_path):
    p = run_qjnet("freight", "黔江", "qinzhou_port_e", "--date", "2025-07-02", "--map", tmp_path / "f.png")
    assert p.returncode == 0, p.stderr
    assert (tmp_path / "f.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    p = run_qjnet("catchment", "qj_freight", "--date", "2025-07-02", "--map", tmp_path / "c.svg")
    assert p.returncode == 0, p.stderr
    assert "<svg" in (tmp_path / "c.svg").read_text(encoding="utf-8")[:500]
