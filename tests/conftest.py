"""Shared test fixtures.  Tests run offline on small data."""

from __future__ import annotations

import os
import subprocess
import sys
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


@pytest.fixture
def run_qjnet(tmp_path):
    """Run ``qjnet ARGS...`` in a fresh process; returns the CompletedProcess."""

    def run(*args, cwd=None, timeout=120):
        env = dict(os.environ)
        return subprocess.run(
            [sys.executable, "-m", "qjnet", *map(str, args)],
            cwd=cwd or tmp_path, env=env, capture_output=True, text=True, timeout=timeout,
        )

    return run
