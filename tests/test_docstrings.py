"""Every example in the library's docstrings runs, on the installed package."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import qjnet


def _modules() -> list[str]:
    names = ["qjnet"]
    for sub in ("geodata", "network", "maps", "cli"):
        package = importlib.import_module(f"qjnet.{sub}")
        names.append(package.__name__)
        names += [m.name for m in pkgutil.walk_packages(package.__path__, f"{package.__name__}.")]
    return sorted(set(names))


MODULES = _modules()


#: Modules whose public functions are shown at work in their docstrings.
WITH_EXAMPLES = ["qjnet.network.build", "qjnet.network.params", "qjnet.network.convert", "qjnet.network.route",
                 "qjnet.network.reach", "qjnet.network.access", "qjnet.network.compare", "qjnet.network.csr",
                 "qjnet.network.matrix", "qjnet.network.timetable", "qjnet.network.raptor",
                 "qjnet.geodata.validate", "qjnet.geodata.lookup", "qjnet.geodata.formats", "qjnet.geodata.resolve"]


@pytest.mark.parametrize("name", WITH_EXAMPLES)
def test_public_modules_have_examples(name):
    tests = doctest.DocTestFinder().find(importlib.import_module(name), name)
    assert sum(len(t.examples) for t in tests) > 0, f"{name} has no docstring examples"


def test_every_subpackage_is_found():
    assert {"qjnet.geodata.io", "qjnet.network.reach", "qjnet.maps.offline", "qjnet.cli._engine"} <= set(MODULES)
    assert qjnet.__version__


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_pass(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # examples that save files write here
    module = importlib.import_module(name)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    failures = []
    for test in doctest.DocTestFinder().find(module, name):
        out: list[str] = []
        result = runner.run(test, out=out.append)
        if result.failed:
            failures.append("".join(out))
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("name", ["geodata", "network", "maps"])
def test_only_the_qjnet_name_is_installed(name, tmp_path):
    """The folders install under ``qjnet.``; their bare names stay free for other packages."""
    import subprocess
    import sys

    code = f"import importlib.util, sys; sys.exit(importlib.util.find_spec({name!r}) is not None)"
    assert subprocess.run([sys.executable, "-c", code], cwd=tmp_path).returncode == 0
    assert importlib.import_module(f"qjnet.{name}").__name__ == f"qjnet.{name}"
