"""The freight map: layers and counts, and the saved page in headless Chromium with the network blocked."""

from __future__ import annotations

import os

import pytest

import qjnet.maps as maps
from qjnet.geodata.io import load_dataset
from qjnet.maps.freight import freight_map
from qjnet.network.freight import build_freight_graph, catchment, freight_pareto, yards

YARDS = "货运站场 Yards (size: capacity)"


@pytest.fixture(scope="module")
def embedded():
    ds = load_dataset()
    G = build_freight_graph(ds, date="2025-07-01")
    return ds, G


def test_layers_yards_trains_and_chains(embedded):
    ds, G = embedded
    chains = freight_pareto(G, "qianjiang_dist", "qinzhou_port_e")
    m = freight_map(G, chains=chains, dataset=ds)
    layers = m.qjnet_layers
    assert layers[YARDS] == len(yards(G)) >= 4
    assert layers["货运班列 Freight trains"] >= 3          # Qianjiang, Xiushan, Tuanjiecun corridor trains
    chain_layers = [name for name in layers if name.startswith("货运链")]
    assert len(chain_layers) == len(chains) and any("all road" in n for n in chain_layers)


def test_yard_size_follows_capacity(embedded):
    from qjnet.maps.freight import _yard_radius

    assert _yard_radius(4.5e6, 4.5e6) > _yard_radius(1.0e6, 4.5e6) > _yard_radius(None, 4.5e6)


def test_catchment_layer(embedded):
    ds, G = embedded
    c = catchment(G, "qj_freight")
    m = freight_map(G, catchment=c, dataset=ds)
    assert m.qjnet_layers["腹地 Catchment of qj_freight"] == len(c)


@pytest.mark.browser
def test_freight_map_in_browser(embedded, tmp_path):
    from browser import Browser, missing, offsite

    why = missing()
    if why:
        if os.environ.get("QJNET_REQUIRE_BROWSER") == "1":
            pytest.fail(f"QJNET_REQUIRE_BROWSER=1 but {why}")
        pytest.skip(why)
    ds, G = embedded
    chains = freight_pareto(G, "qianjiang_dist", "qinzhou_port_e")
    m = freight_map(G, chains=chains, dataset=ds)
    path = maps.save(m, tmp_path / "freight.html")
    b = Browser()
    try:
        b.open(path)
        assert b.leaflet_type() == "object"
        assert [o["name"] for o in b.overlays()] == list(m.qjnet_layers)
        hidden = m.qjnet_layers["货运公路 Truck roads"]
        assert b.interactive_features() == sum(m.qjnet_layers.values()) - hidden
        assert "4.5 Mt/yr" in b.hover_text("黔江站铁路货场", markers_only=True)
        popup = b.click_feature("秀山站货场", markers_only=True)
        assert "100000 TEU/yr" in popup and "cygx.china.com.cn" in popup
        assert b.console_errors() == []
        assert offsite(b.requested_urls()) == []
    finally:
        b.close()
