"""The side-by-side benchmark (``python -m bench.run``) on a small network: what its reach cells measure."""

import importlib
import json


def test_reach_cells_time_qjnet_before_every_point_is_made(tmp_path, monkeypatch):
    """qjnet's reach column makes the points of the areas it reaches; the note then times it with all points kept."""
    from bench import run

    reach_module = importlib.import_module("qjnet.network.reach")
    csr = importlib.import_module("qjnet.network.csr")
    real = reach_module.reach
    all_points_made = []

    def spy(G, *args, **kw):
        all_points_made.append(bool(csr.compile_graph(G)._points))
        return real(G, *args, **kw)

    monkeypatch.setattr(reach_module, "reach", spy)
    out = tmp_path / "bench.json"
    run.main(["--sizes", "3k", "--ops", "reach", "--libs", "scipy,qjnet,qjnet csr", "--repeat", "3",
              "--json", str(out)])
    result = json.loads(out.read_text(encoding="utf-8"))["3k"]
    assert {"reach 60|qjnet", "reach 60|qjnet csr", "reach 60|scipy"} <= set(result["cells"])
    # warm-up and 3 runs for the cell, the same with the geometry read, then the same with all points
    assert all_points_made == [False] * 8 + [True] * 4
    assert [n for n in result["notes"] if n.startswith("qjnet reach with every node's point kept: ")]
    assert [n for n in result["notes"] if n.startswith("qjnet reach with its geometry read") and "x scipy's" in n]
