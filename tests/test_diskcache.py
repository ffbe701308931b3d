import pickle

import networkx as nx
import pytest

from qjnet.network import build_graph
from qjnet.network.diskcache import cache_key, cached_build_graph, load, store
from qjnet.network.params import TimeParams


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("QJNET_CACHE_DIR", str(tmp_path / "c"))
    return tmp_path / "c"


def test_key_depends_on_every_input(data_dir, tmp_path):
    import shutil

    mini = data_dir / "mini"
    base = cache_key(mini, date="2025-07-01")
    assert base == cache_key(mini, date="2025-07-01")
    others = [cache_key(mini, date="2025-07-02"), cache_key(mini, date="2025-07-01", modes="hsr"),
              cache_key(mini, date="2025-07-01", scenario="plan"),
              cache_key(mini, date="2025-07-01", params=TimeParams(transfer_minutes=5))]
    assert len({base, *others}) == 5
    copy = tmp_path / "m"
    shutil.copytree(mini, copy)
    assert cache_key(copy, date="2025-07-01") == base  # same bytes, same key
    (copy / "scenarios.json").write_text((mini / "scenarios.json").read_text() + " ")
    assert cache_key(copy, date="2025-07-01") != base


def test_cached_graph_equals_fresh_build(data_dir, private_cache):
    a = cached_build_graph(data_dir / "mini", date="2025-07-01")
    assert len(list(private_cache.glob("*.pickle"))) == 1
    b = cached_build_graph(data_dir / "mini", date="2025-07-01")
    fresh = build_graph(data_dir / "mini", date="2025-07-01")
    assert b is not a and b.graph == fresh.graph
    assert nx.utils.edges_equal(b.edges(keys=True, data=True), fresh.edges(keys=True, data=True))


def test_damaged_entry_is_rebuilt(data_dir, private_cache):
    key = cache_key(data_dir / "mini", date="2025-07-01")
    private_cache.mkdir()
    (private_cache / f"{key}.pickle").write_bytes(b"not a pickle")
    assert load(key) is None
    G = cached_build_graph(data_dir / "mini", date="2025-07-01")
    assert pickle.loads((private_cache / f"{key}.pickle").read_bytes()).graph == G.graph


def test_switched_off(data_dir, private_cache, monkeypatch):
    monkeypatch.setenv("QJNET_CACHE", "off")
    store("k", nx.MultiDiGraph())
    assert not private_cache.exists() and load("k") is None
