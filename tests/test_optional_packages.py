"""Features that need an optional package say which extra to install: one line, exit 2, nothing written.

A plain ``pip install .`` has neither pyarrow (Parquet output) nor Dask's
``distributed`` (``--workers``, ``--scheduler``); both come with the ``dist``
extra.  Each command runs in a process in which the package cannot be
imported from the start, as when it is not installed.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from qjnet.geodata.errors import MissingDependencyError
from tests.test_cli_outputs import _one_line_error

_HIDDEN_RUN = """
import sys
for name in sys.argv[1].split(","):
    sys.modules[name] = None  # as if not installed: every import of it fails, and pandas does without
sys.argv[:2] = ["qjnet"]
from qjnet.cli import run
run()
"""


def _run_without(packages, *args, cwd):
    """``qjnet ARGS`` in a new process in which ``packages`` cannot be imported from the start."""
    return subprocess.run([sys.executable, "-c", _HIDDEN_RUN, ",".join(packages), *map(str, args)], cwd=cwd,
                          env=dict(os.environ), capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("output", ["m.parquet", "parts", "wide.parquet"])
def test_parquet_without_pyarrow_names_the_extra_and_writes_nothing(tmp_path, output):
    wide = ["--wide"] if output.startswith("wide") else []
    p = _run_without(["pyarrow"], "matrix", "--origins", "黔江,恩施", "--date", "2025-07-02",
                     "--output", tmp_path / output, *wide, cwd=tmp_path)
    _one_line_error(p, "pyarrow", "pip install 'qjnet[dist]'", "or give a .csv file name", output)
    assert list(tmp_path.iterdir()) == []  # no file, no folder, no temporary part


def test_parquet_without_pyarrow_under_a_timetable_measure(tmp_path):
    p = _run_without(["pyarrow"], "matrix", "--origins", "黔江", "--date", "2025-07-02", "--measure", "fastest",
                     "--output", tmp_path / "m.parquet", cwd=tmp_path)
    _one_line_error(p, "pyarrow", "qjnet[dist]")
    assert list(tmp_path.iterdir()) == []


def test_csv_needs_neither(tmp_path):
    p = _run_without(["pyarrow", "distributed"], "matrix", "--origins", "黔江,恩施", "--date", "2025-07-02",
                     "--output", tmp_path / "m.csv", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert (tmp_path / "m.csv").read_text(encoding="utf-8").startswith("origin,destination")


@pytest.mark.parametrize("option", [["--workers", "1"], ["--scheduler", "tcp://127.0.0.1:8786"]])
def test_dask_options_without_distributed_name_the_extra(tmp_path, option):
    p = _run_without(["distributed"], "matrix", "--origins", "黔江,恩施", "--date", "2025-07-02",
                     "--output", tmp_path / "m.csv", *option, cwd=tmp_path)
    _one_line_error(p, "distributed", "pip install 'qjnet[dist]'", "run without --scheduler and --workers")
    assert list(tmp_path.iterdir()) == []


def test_the_library_raises_an_import_error_before_any_work(tmp_path, monkeypatch):
    from qjnet.network import build_graph, matrix

    G = build_graph(date="2025-07-02")
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # checked before pandas would use it
    monkeypatch.setattr(matrix, "_plan", lambda *a, **k: pytest.fail("work started"))
    with pytest.raises(MissingDependencyError, match=r"writing Parquet \(.*m\.parquet\) needs pyarrow") as err:
        matrix.write_matrix(G, ["qianjiang_dist"], tmp_path / "m.parquet")
    assert isinstance(err.value, ImportError) and err.value.exit_code == 2
    assert list(tmp_path.iterdir()) == []
