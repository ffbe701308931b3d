"""Quality gates that run with the tests: lint, types, module size, typed public functions."""

from __future__ import annotations

import ast
import importlib.resources
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PACKAGES = {"geodata": REPO / "geodata", "network": REPO / "network", "maps": REPO / "maps",
            "cli": REPO / "src" / "qjnet"}
MAX_LINES = 600


def _modules(*names: str) -> list[Path]:
    return sorted(p for n in names for p in PACKAGES[n].rglob("*.py") if "data" not in p.relative_to(REPO).parts[1:2])


def _tool(name: str) -> str:
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed: pip install -e '.[test]'")
    return found


@pytest.mark.skipif(not (REPO / "ruff.toml").exists(), reason="needs the source checkout")
def test_ruff_finds_nothing():
    proc = subprocess.run([_tool("ruff"), "check", "--output-format", "concise", "--no-cache", str(REPO)],
                          capture_output=True, text=True, cwd=REPO)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.slow
@pytest.mark.skipif(not (REPO / "geodata").is_dir(), reason="needs the source checkout")
def test_mypy_on_geodata_and_network(tmp_path):
    """mypy through a tree laid out as installed (qjnet/geodata, qjnet/network, ...)."""
    root = tmp_path / "qjnet"
    root.mkdir()
    for item in (REPO / "src" / "qjnet").iterdir():
        (root / item.name).symlink_to(item)
    for name in ("geodata", "network", "maps"):
        (root / name).symlink_to(REPO / name)
    proc = subprocess.run([_tool("mypy"), "--config-file", str(REPO / "setup.cfg"), "--no-incremental",
                           "-p", "qjnet.geodata", "-p", "qjnet.network"],
                          capture_output=True, text=True, cwd=tmp_path, env={"MYPYPATH": str(tmp_path),
                                                                             "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 0, proc.stdout[-5000:] + proc.stderr


@pytest.mark.parametrize("path", _modules("geodata", "network", "maps", "cli"), ids=lambda p: str(p.relative_to(REPO)))
def test_no_module_over_600_lines(path):
    lines = path.read_text(encoding="utf-8").count("\n")
    assert lines <= MAX_LINES, f"{path.relative_to(REPO)} has {lines} lines; split it by concern"


@pytest.mark.parametrize("path", _modules("geodata", "network"), ids=lambda p: str(p.relative_to(REPO)))
def test_public_functions_are_typed(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    if path.name.startswith("_") and path.name != "__init__.py":
        return  # a private module
    untyped = []
    for node in tree.body:
        funcs = [node] if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) else []
        if isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
            funcs = [f for f in node.body if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
                     and not f.name.startswith("_")]
        for f in funcs:
            if f.name.startswith("_"):
                continue
            args = [a for a in f.args.posonlyargs + f.args.args + f.args.kwonlyargs if a.arg not in ("self", "cls")]
            if f.returns is None or any(a.annotation is None for a in args):
                untyped.append(f"{f.name} (line {f.lineno})")
    assert not untyped, f"{path.relative_to(REPO)}: add type hints to {', '.join(untyped)}"


def test_the_package_ships_py_typed():
    assert importlib.resources.files("qjnet").joinpath("py.typed").is_file()
