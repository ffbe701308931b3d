"""docs/planner.ipynb runs from top to bottom, offline, and gives the documented answers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

NOTEBOOK = Path(__file__).resolve().parent.parent / "docs" / "planner.ipynb"


def _text(cell) -> str:
    return "".join(str(out.get("data", {}).get("text/plain", out.get("text", ""))) for out in cell.outputs)


def test_notebook_is_stored_clean_and_dated():
    nbformat = pytest.importorskip("nbformat")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(not c.outputs and c.execution_count is None for c in code)
    source = "\n".join(c.source for c in code)
    assert "http" not in source and 'DAY = "2025-07-03"' in source
    assert "build_graph(" in source and all("date=" in line for line in source.splitlines()
                                            if "build_graph(" in line or "load_dataset(" in line)


@pytest.mark.slow
def test_notebook_runs_offline(tmp_path, monkeypatch):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    for proxy in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
        monkeypatch.setenv(proxy, "http://127.0.0.1:9")  # nothing may be fetched
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=600, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    outputs = [_text(c) for c in nb.cells if c.cell_type == "code"]
    assert not [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert "(120.0, 7627695)" in outputs[1]                    # the circle's two-hour population
    assert "(181.8, 133.7)" in outputs[4]                      # Chongqing before and after the line
    assert outputs[5].strip() == "[]"                          # the what-if file is valid on the day
    assert "qianjiang_jishou_hourly" in outputs[6] and "(188.8, 114.7" in outputs[6]
    assert "True" in outputs[7]
    png = tmp_path / "reach-qianjiang-120.png"
    assert png.read_bytes().startswith(b"\x89PNG") and png.stat().st_size > 10_000
    scenario = json.loads((tmp_path / "hourly.json").read_text(encoding="utf-8"))
    assert scenario["modifications"][0]["type"] == "add-trips"
