"""Matrices on a real Dask cluster: a scheduler and workers started as processes on localhost.

Skipped when dask.distributed is not installed, unless QJNET_REQUIRE_DIST=1
(CI), where a missing dependency fails instead.  Every process started here is
stopped in the fixture's teardown, whatever happens.
"""

from __future__ import annotations

import os
import random
import socket
import subprocess
import sys
import time
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest

REPO = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.dist

if os.environ.get("QJNET_REQUIRE_DIST") == "1":
    import distributed
else:
    distributed = pytest.importorskip("distributed")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    return env


class Cluster:
    """A `dask scheduler` and `dask worker` processes on 127.0.0.1, stopped by :meth:`close`."""

    def __init__(self, tmp: Path):
        self.port = free_port()
        self.address = f"tcp://127.0.0.1:{self.port}"
        self.tmp = tmp
        self.procs: list[subprocess.Popen] = []
        self.scheduler = self._start("scheduler", ["--host", "127.0.0.1", "--port", str(self.port),
                                                   "--no-dashboard", "--no-show"])

    def _start(self, name: str, args: list[str]) -> subprocess.Popen:
        with open(self.tmp / f"{name}-{len(self.procs)}.log", "w") as log:
            proc = subprocess.Popen([sys.executable, "-m", "dask", name, *args], env=_env(), cwd=self.tmp,
                                    stdout=log, stderr=subprocess.STDOUT)
        self.procs.append(proc)
        return proc

    def add_worker(self, name: str) -> subprocess.Popen:
        # no nanny: the process we hold is the worker itself, so killing it loses the worker
        return self._start("worker", [self.address, "--nthreads", "1", "--no-nanny", "--no-dashboard",
                                      "--name", name, "--host", "127.0.0.1", "--local-directory", str(self.tmp)])

    def wait_for_workers(self, client, n: int, timeout: float = 40) -> None:
        deadline = time.monotonic() + timeout
        while len(client.scheduler_info()["workers"]) != n:
            if time.monotonic() > deadline:
                logs = "\n".join(p.read_text()[-2000:] for p in self.tmp.glob("*.log"))
                raise AssertionError(f"cluster did not reach {n} workers:\n{logs}")
            time.sleep(0.2)

    def close(self) -> None:
        for proc in reversed(self.procs):
            if proc.poll() is None:
                proc.terminate()
        for proc in reversed(self.procs):
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    from qjnet.network.distributed import connect

    c = Cluster(tmp_path_factory.mktemp("dask"))
    client = None
    try:
        c.add_worker("w1")
        c.add_worker("w2")
        deadline = time.monotonic() + 30
        while client is None:
            try:
                client = connect(c.address, timeout=5)
            except Exception:
                if time.monotonic() > deadline:
                    raise
        c.wait_for_workers(client, 2)
        yield c, client
    finally:
        if client is not None:
            client.close()
        c.close()


def grid_graph(side: int, seed: int) -> nx.MultiDiGraph:
    """A perturbed grid road network with a few fast links and one-way streets."""
    rng = random.Random(seed)
    G = nx.MultiDiGraph()
    for i in range(side):
        for j in range(side):
            G.add_node(f"{i}-{j}", x=108 + j * 0.01, y=29 + i * 0.01, kind="place" if (i * j) % 37 == 0 else "road")
    for i in range(side):
        for j in range(side):
            for di, dj in ((0, 1), (1, 0)):
                if i + di < side and j + dj < side:
                    a, b = f"{i}-{j}", f"{i + di}-{j + dj}"
                    m = rng.uniform(0.5, 3.0)
                    G.add_edge(a, b, minutes=m)
                    if rng.random() > 0.1:
                        G.add_edge(b, a, minutes=m * rng.uniform(0.9, 1.1))
    for _ in range(side):
        G.add_edge(f"{rng.randrange(side)}-{rng.randrange(side)}", f"{rng.randrange(side)}-{rng.randrange(side)}",
                   minutes=rng.uniform(1, 10))
    return G


def test_matrix_on_cluster_equals_single_process(cluster):
    from qjnet.network.matrix import matrix_long, matrix_wide

    _, client = cluster
    G = grid_graph(25, seed=1)
    origins = [n for n in G if G.nodes[n]["kind"] == "place"]
    dests = list(G)[::7]
    local = matrix_long(G, origins, dests, max_minutes=45)
    done = []
    remote = matrix_long(G, origins, dests, max_minutes=45, client=client, chunk_size=20,
                         progress=lambda d, t: done.append((d, t)))
    pd.testing.assert_frame_equal(remote, local)
    total = -(-len(origins) // 20)
    assert done == [(i, total) for i in range(1, total + 1)]
    wide_local = matrix_wide(G, origins, dests)
    wide_remote = matrix_wide(G, origins, dests, client=client, chunk_size=30)
    pd.testing.assert_frame_equal(wide_remote, wide_local)


def test_worker_killed_mid_run_loses_and_duplicates_nothing(cluster, tmp_path):
    from qjnet.network.matrix import matrix_long, write_matrix

    c, client = cluster
    extra = c.add_worker("extra")
    c.wait_for_workers(client, 3)
    extra_address = next(a for a, w in client.scheduler_info()["workers"].items() if w["name"] == "extra")
    G = grid_graph(60, seed=2)
    origins = list(G)[::15]
    expected = matrix_long(G, origins, max_minutes=30)
    killed = []

    def progress(done, total):
        if not killed and done < total - 5 and client.processing(workers=[extra_address])[extra_address]:
            extra.kill()  # mid-run, while it holds a chunk
            extra.wait()
            killed.append(done)

    written = write_matrix(G, origins, tmp_path / "parts", max_minutes=30, client=client, chunk_size=6,
                           progress=progress)
    assert killed, "the extra worker never held a chunk; nothing was tested"
    got = pd.read_parquet(tmp_path / "parts")
    parts = sorted(p.name for p in (tmp_path / "parts").iterdir())
    assert parts == [f"part-{i:05d}.parquet" for i in range(written.chunks)]
    assert written.rows == len(expected) == len(got)
    key = ["origin", "destination"]
    assert not got.duplicated(key).any()
    merged = expected.merge(got, on=key, how="outer", suffixes=("", "_dask"), indicator=True)
    assert (merged["_merge"] == "both").all()
    np.testing.assert_allclose(merged["minutes_dask"], merged["minutes"])
    c.wait_for_workers(client, 2)


def test_cli_scheduler_option_runs_on_the_cluster(cluster, run_qjnet, tmp_path):
    c, _ = cluster
    G = grid_graph(12, seed=3)
    nx.write_graphml(G, tmp_path / "g.graphml")
    r = run_qjnet("matrix", "--graph", tmp_path / "g.graphml", "--origins", "all-places", "--max-minutes", "20",
                  "--scheduler", c.address, "--chunk-size", "3", "--output", tmp_path / "m.csv")
    assert r.returncode == 0, r.stderr
    assert f"Dask scheduler {c.address}" in r.stderr
    from qjnet.network.matrix import matrix_long
    from qjnet.network.roads import read_graphml

    H = read_graphml(tmp_path / "g.graphml")
    want = matrix_long(H, [n for n, k in H.nodes(data="kind") if k == "place"], max_minutes=20)
    got = pd.read_csv(tmp_path / "m.csv")
    assert got.origin.tolist() == want.origin.tolist()
    assert got.destination.tolist() == want.destination.tolist()
    np.testing.assert_allclose(got.minutes, want.minutes)


def test_unanswered_scheduler_fails_fast():
    from qjnet.geodata.errors import OptionError
    from qjnet.network.distributed import connect

    t0 = time.monotonic()
    with pytest.raises(OptionError, match=r"no answer within 1 s.*dask scheduler"):
        connect(f"tcp://127.0.0.1:{free_port()}", timeout=1)
    assert time.monotonic() - t0 < 60  # bounded, not hung; the CLI's default (5 s) is tested in test_matrix.py
