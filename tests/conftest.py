"""Shared test fixtures.  Tests run offline on small data."""

from __future__ import annotations

import os
import subprocess
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture
def repo_root() -> Path:
    return REPO


@pytest.fixture
def data_dir() -> Path:
    return DATA


@dataclass
class Ran:
    """What a ``qjnet`` run gave: the fields of :class:`subprocess.CompletedProcess` that tests read."""

    returncode: int
    stdout: str
    stderr: str


@pytest.fixture(scope="session")
def graph_cache_dir(tmp_path_factory) -> Path:
    """One private graph cache for the whole session (never the user's)."""
    folder = tmp_path_factory.mktemp("graph-cache")
    folder.chmod(0o700)
    return folder


@pytest.fixture(autouse=True)
def _session_graph_cache(monkeypatch, graph_cache_dir):
    """Every test uses the session's graph cache unless it sets ``QJNET_CACHE_DIR`` itself."""
    monkeypatch.setenv("QJNET_CACHE_DIR", str(graph_cache_dir))


@pytest.fixture
def run_qjnet(tmp_path, monkeypatch):
    """Run ``qjnet ARGS...`` in this process (click's CliRunner) in ``tmp_path``; returns a :class:`Ran`.

    An unexpected exception is reported as a subprocess would: exit code 1 and
    the traceback on stderr, so "no traceback" assertions keep their meaning.
    """
    from click.testing import CliRunner

    from qjnet.cli import cli

    def run(*args, cwd=None, timeout=None, env=None):
        monkeypatch.chdir(cwd or tmp_path)
        runner = CliRunner()
        result = runner.invoke(cli, [str(a) for a in args], prog_name="qjnet", catch_exceptions=True,
                               env=env)
        stderr = result.stderr
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            stderr += "".join(traceback.format_exception(result.exception))
        return Ran(result.exit_code, result.stdout, stderr)

    return run


@pytest.fixture
def run_qjnet_process(tmp_path):
    """Run ``qjnet ARGS...`` as a new process (for the few smoke tests of the real entry point)."""

    def run(*args, cwd=None, timeout=120):
        env = dict(os.environ)
        return subprocess.run(
            [sys.executable, "-m", "qjnet", *map(str, args)],
            cwd=cwd or tmp_path, env=env, capture_output=True, text=True, timeout=timeout,
        )

    return run


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the session's browser tests (skipped without it, unless required)."""
    from browser import Browser, missing

    why = missing()
    if why:
        if os.environ.get("QJNET_REQUIRE_BROWSER") == "1":
            pytest.fail(f"QJNET_REQUIRE_BROWSER=1 but {why}")
        pytest.skip(why)
    b = Browser()
    yield b
    b.close()


@pytest.fixture
def numba_broken(monkeypatch):
    """``numba_broken(module)``: from now on in the test, importing numba fails as with a numba built
    for another numpy, and ``module`` (a qjnet module of numba kernels) is imported anew when used."""
    import builtins

    real_import = builtins.__import__

    def no_numba(name, *args, **kwargs):
        if name == "numba" or name.startswith("numba."):
            raise ImportError("numba built for another numpy")
        return real_import(name, *args, **kwargs)

    def broken(module: str) -> None:
        monkeypatch.delitem(sys.modules, module, raising=False)
        monkeypatch.setattr(builtins, "__import__", no_numba)

    return broken
