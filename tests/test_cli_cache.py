"""The command line's graph cache: keyed by every input, and never loads what it cannot trust."""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import pickle
import shutil

import networkx as nx
import pytest

from qjnet.cli import _cache
from qjnet.cli._common import Source
from qjnet.network import build_graph
from qjnet.network.params import TimeParams


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("QJNET_CACHE_DIR", str(tmp_path / "c"))
    monkeypatch.delenv("QJNET_CACHE", raising=False)
    return tmp_path / "c"


class _Planted:
    """A pickle that, when loaded, writes a marker file: what an attacker would plant."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def _sign(folder, body: bytes) -> bytes:
    key = (folder / "key").read_bytes()
    return hmac.new(key, body, hashlib.sha256).digest() + body


def test_key_depends_on_every_input(data_dir, tmp_path):
    mini = data_dir / "mini"
    base = _cache.cache_key(mini, date="2025-07-01")
    assert base == _cache.cache_key(mini, date="2025-07-01")
    others = [_cache.cache_key(mini, date="2025-07-02"), _cache.cache_key(mini, date="2025-07-01", modes="hsr"),
              _cache.cache_key(mini, date="2025-07-01", scenario="plan"),
              _cache.cache_key(mini, date="2025-07-01", params=TimeParams(transfer_minutes=5))]
    assert len({base, *others}) == 5
    copy = tmp_path / "m"
    shutil.copytree(mini, copy)
    assert _cache.cache_key(copy, date="2025-07-01") == base  # same bytes, same key
    (copy / "scenarios.json").write_text((mini / "scenarios.json").read_text() + " ")
    assert _cache.cache_key(copy, date="2025-07-01") != base


def test_cached_graph_equals_fresh_build(data_dir, private_cache):
    a = Source(data_dir / "mini").graph("2025-07-01")
    assert len(list(private_cache.glob("*.pickle"))) == 1
    assert (private_cache.stat().st_mode & 0o777) == 0o700
    assert ((private_cache / "key").stat().st_mode & 0o777) == 0o600
    b = Source(data_dir / "mini").graph("2025-07-01")
    fresh = build_graph(data_dir / "mini", date="2025-07-01")
    assert b is not a and b.graph == fresh.graph
    assert nx.utils.edges_equal(b.edges(keys=True, data=True), fresh.edges(keys=True, data=True))


def test_damaged_entry_is_ignored_and_rebuilt(data_dir, private_cache, caplog):
    Source(data_dir / "mini").graph("2025-07-01")
    key = _cache.cache_key(data_dir / "mini", date="2025-07-01")
    (private_cache / f"{key}.pickle").write_bytes(b"not a pickle")
    with caplog.at_level(logging.WARNING):
        assert _cache.load(key) is None
    assert "signature" in caplog.text
    G = Source(data_dir / "mini").graph("2025-07-01")
    assert _cache.load(key).graph == G.graph


def test_unsigned_pickle_in_a_private_folder_never_runs(data_dir, private_cache, tmp_path):
    Source(data_dir / "mini").graph("2025-07-01")
    key = _cache.cache_key(data_dir / "mini", date="2025-07-01")
    marker = tmp_path / "pwned"
    (private_cache / f"{key}.pickle").write_bytes(pickle.dumps(_Planted(marker)))
    assert _cache.load(key) is None
    assert not marker.exists()


def test_world_writable_folder_is_not_used(data_dir, private_cache, tmp_path, caplog):
    private_cache.mkdir(mode=0o777)
    os.chmod(private_cache, 0o777)  # pre-created by someone else, writable by all
    key = _cache.cache_key(data_dir / "mini", date="2025-07-01")
    marker = tmp_path / "pwned"
    (private_cache / "key").write_bytes(b"k" * 32)
    os.chmod(private_cache / "key", 0o600)
    body = pickle.dumps(_Planted(marker))
    (private_cache / f"{key}.pickle").write_bytes(_sign(private_cache, body))
    os.chmod(private_cache / f"{key}.pickle", 0o600)
    with caplog.at_level(logging.WARNING):
        G = Source(data_dir / "mini").graph("2025-07-01")
    assert isinstance(G, nx.MultiDiGraph)
    assert not marker.exists()
    assert "not a private folder" in caplog.text


def test_signed_entry_of_the_wrong_type_is_ignored(data_dir, private_cache, caplog):
    Source(data_dir / "mini").graph("2025-07-01")
    key = _cache.cache_key(data_dir / "mini", date="2025-07-01")
    (private_cache / f"{key}.pickle").write_bytes(_sign(private_cache, pickle.dumps(["not", "a", "graph"])))
    with caplog.at_level(logging.WARNING):
        assert _cache.load(key) is None
    assert "not a graph" in caplog.text
    assert isinstance(Source(data_dir / "mini").graph("2025-07-01"), nx.MultiDiGraph)


def test_a_link_in_place_of_an_entry_is_not_followed(data_dir, private_cache, tmp_path):
    Source(data_dir / "mini").graph("2025-07-01")
    key = _cache.cache_key(data_dir / "mini", date="2025-07-01")
    entry = private_cache / f"{key}.pickle"
    elsewhere = tmp_path / "elsewhere.pickle"
    entry.rename(elsewhere)
    entry.symlink_to(elsewhere)
    assert _cache.load(key) is None


def test_switched_off(private_cache, monkeypatch):
    monkeypatch.setenv("QJNET_CACHE", "off")
    _cache.store("k", nx.MultiDiGraph())
    assert not private_cache.exists() and _cache.load("k") is None
