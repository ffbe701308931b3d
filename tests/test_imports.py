"""The package's modules import one another in one direction only: no import cycle anywhere.

Every module under geodata/, network/, maps/ and src/qjnet/cli/ is parsed with ``ast``;
every import of a project module counts, at the top of the file or inside a function,
relative imports resolved against the importing module.
"""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx
import pytest

ROOT = Path(__file__).resolve().parent.parent
#: repository folder -> the package it installs as
PACKAGES = {"geodata": "qjnet.geodata", "network": "qjnet.network", "maps": "qjnet.maps",
            "src/qjnet/cli": "qjnet.cli"}


def module_files() -> dict[str, Path]:
    """Dotted module name -> source file, for every module of the checked packages."""
    out = {}
    for folder, package in PACKAGES.items():
        base = ROOT / folder
        for path in sorted(base.rglob("*.py")):
            if "data" in path.relative_to(base).parts[:-1]:
                continue
            parts = list(path.relative_to(base).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            out[".".join([package, *parts])] = path
    return out


def _resolve(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    """The absolute module an ``ImportFrom`` names (relative imports resolved)."""
    if node.level == 0:
        return node.module or ""
    base = module.split(".")
    if not is_package:
        base = base[:-1]
    if node.level > 1:
        base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def imports_of(module: str, path: Path, known: set[str]) -> set[str]:
    """Project modules that ``module`` imports anywhere in its source."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    is_package = path.name == "__init__.py"
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(module, is_package, node)
            # ``from . import schema`` imports the submodule ``schema``
            names = [f"{target}.{alias.name}" for alias in node.names if f"{target}.{alias.name}" in known]
            names.append(target)
        else:
            continue
        for name in names:
            while name and name not in known:  # ``import qjnet.geodata.io.x`` -> the deepest known module
                name = name.rpartition(".")[0]
            if name and name != module:
                found.add(name)
    return found


def import_graph(files: dict[str, Path]) -> nx.DiGraph:
    """Edge a -> b when module a imports module b."""
    known = set(files)
    graph = nx.DiGraph()
    graph.add_nodes_from(known)
    for module, path in files.items():
        for target in imports_of(module, path, known):
            if not (module.startswith(target + ".")):  # a submodule importing its own package's __init__
                graph.add_edge(module, target)
    return graph


def find_cycle(graph: nx.DiGraph) -> list[str] | None:
    """One import cycle as ``[a, b, ..., a]``, or ``None``."""
    try:
        edges = nx.find_cycle(graph)
    except nx.NetworkXNoCycle:
        return None
    return [u for u, _ in edges] + [edges[0][0]]


def test_modules_are_found():
    files = module_files()
    assert {"qjnet.geodata.io", "qjnet.geodata.validate", "qjnet.network.build", "qjnet.maps.base",
            "qjnet.cli._data"} <= set(files)


def test_relative_imports_resolve():
    files = module_files()
    graph = import_graph(files)
    assert graph.has_edge("qjnet.geodata.io", "qjnet.geodata.formats")
    assert graph.has_edge("qjnet.geodata.validate", "qjnet.geodata.schema")  # ``from . import schema``
    assert graph.has_edge("qjnet.network.build", "qjnet.geodata.io")          # inside a function


def test_no_import_cycle():
    cycle = find_cycle(import_graph(module_files()))
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_geodata_imports_neither_network_nor_maps():
    graph = import_graph(module_files())
    bad = [(a, b) for a, b in graph.edges if a.startswith("qjnet.geodata") and not b.startswith("qjnet.geodata")]
    assert bad == []


def test_a_cycle_is_found_and_named(tmp_path):
    (tmp_path / "a.py").write_text("def f():\n    from .b import g\n")
    (tmp_path / "b.py").write_text("from . import c\n")
    (tmp_path / "c.py").write_text("import pkg.a\n")
    files = {f"pkg.{n}": tmp_path / f"{n}.py" for n in "abc"}
    cycle = find_cycle(import_graph(files))
    assert cycle is not None and set(cycle) == {"pkg.a", "pkg.b", "pkg.c"} and cycle[0] == cycle[-1]
    (tmp_path / "c.py").write_text("import os\n")
    assert find_cycle(import_graph(files)) is None


@pytest.mark.parametrize("module", sorted(m for m in module_files() if m.startswith("qjnet.geodata")))
def test_every_geodata_module_imports_on_its_own(module):
    import subprocess
    import sys

    subprocess.run([sys.executable, "-c", f"import {module}"], check=True, cwd=ROOT)
