"""The documentation builds offline, and every example in README.md and docs/ runs.

* Python examples (``>>>`` lines in ``python``/``pycon`` blocks) run as doctests on the file text,
  one namespace per file, in a temporary folder.
* Shell examples (``$ qjnet ...`` lines in ``console`` blocks) run in-process through click's
  ``CliRunner`` on ``qjnet.cli:cli``; the exit code must be 0 (2 when the shown output is a
  ``qjnet: error:`` line) and every output line shown must appear, in order, in the real output
  (runs of spaces compare equal, ``...`` stands for any text).
* Every example names its date, so that none can change with the day it runs.
* ``sphinx-build -W`` builds the site with warnings as errors; the CLI reference lists every command.
"""

from __future__ import annotations

import doctest
import re
import shlex
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from click.testing import CliRunner

from qjnet.cli import COMMANDS, cli

REPO = Path(__file__).resolve().parent.parent
DOCS = REPO / "docs"
README = REPO / "README.md"
DOC_FILES = [README, *sorted(p for p in DOCS.rglob("*") if p.suffix in {".md", ".rst"} and "_build" not in p.parts)]
TEST_COMMAND = "python3 -m venv .venv && .venv/bin/pip install -q '.[test]' && .venv/bin/python -m pytest -q"
# Library calls whose answer depends on the date: every example passes date= explicitly.
DATED_CALLS = re.compile(r"\b(build_graph|build_freight_graph|load_dataset)\(")


def _rel(path: Path) -> str:
    return str(path.relative_to(REPO))


# --- finding the blocks --------------------------------------------------------------------


def _markdown_blocks(lines: list[str], languages: set[str]) -> list[tuple[int, list[str]]]:
    """``(first line index, lines)`` of every fenced block in one of ``languages``."""
    blocks, current, start = [], None, 0
    for i, line in enumerate(lines):
        stripped = line.strip()
        if current is None and stripped.startswith("```"):
            if stripped[3:].strip() in languages:
                current, start = [], i + 1
        elif current is not None and stripped == "```":
            blocks.append((start, current))
            current = None
        elif current is not None:
            current.append(line)
    return blocks


def _rst_blocks(lines: list[str], languages: set[str]) -> list[tuple[int, list[str]]]:
    """``(first line index, lines)`` of every ``.. code-block:: LANG`` in one of ``languages``."""
    blocks = []
    for i, line in enumerate(lines):
        match = re.match(r"\s*\.\. code-block::\s*(\S+)", line)
        if not match or match.group(1) not in languages:
            continue
        indent = len(line) - len(line.lstrip()) + 1
        j = i + 1
        while j < len(lines) and (not lines[j].strip() or len(lines[j]) - len(lines[j].lstrip()) >= indent):
            j += 1
        body = lines[i + 1:j]
        while body and not body[-1].strip():
            body.pop()
        blocks.append((i + 1, body))
    return blocks


def code_blocks(path: Path, languages: set[str]) -> list[tuple[int, list[str]]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    find = _markdown_blocks if path.suffix == ".md" else _rst_blocks
    return find(lines, languages)


# --- shell examples ------------------------------------------------------------------------


@dataclass
class ShellExample:
    where: str
    argv: list[str]
    shown: list[str] = field(default_factory=list)
    exit_code: int | None = None  # from a following ``$ echo $?``

    @property
    def expected_exit_code(self) -> int:
        if self.exit_code is not None:
            return self.exit_code
        return 2 if any(line.startswith("qjnet: error:") for line in self.shown) else 0


def shell_sessions(path: Path) -> list[list[ShellExample]]:
    """The ``$ qjnet`` commands of each console block; a block's commands share one folder."""
    sessions: list[list[ShellExample]] = []
    for start, body in code_blocks(path, {"console"}):
        examples: list[ShellExample] = []
        skip = False
        for offset, line in enumerate(body):
            text = line.strip()
            if text == "$ echo $?":
                examples[-1].exit_code = int(body[offset + 1].strip())
                skip = True
            elif skip:
                skip = False
            elif text.startswith("$ "):
                words = shlex.split(text[2:])
                assert words[0] == "qjnet", f"{_rel(path)}:{start + offset + 1}: console blocks hold qjnet commands only"
                examples.append(ShellExample(f"{_rel(path)}:{start + offset + 1}", words[1:]))
            elif text:
                assert examples, f"{_rel(path)}:{start + offset + 1}: output before any command"
                examples[-1].shown.append(text)
        sessions.append(examples)
    return sessions


SHELL_SESSIONS = [session for path in DOC_FILES for session in shell_sessions(path)]
SHELL_EXAMPLES = [example for session in SHELL_SESSIONS for example in session]


def _line_pattern(shown: str) -> re.Pattern[str]:
    parts = [r"\s+".join(map(re.escape, piece.split())) for piece in shown.split("...")]
    return re.compile(r"\s*" + ".*".join(parts) + r"\s*$")


def missing_lines(shown: list[str], output: str) -> list[str]:
    """The shown lines (in order, ``...`` lines skipped) that the real output lacks."""
    actual = output.splitlines()
    position, missing = 0, []
    for line in shown:
        if line == "...":
            continue
        pattern = _line_pattern(line)
        for i in range(position, len(actual)):
            if pattern.match(actual[i]):
                position = i + 1
                break
        else:
            missing.append(line)
    return missing


@pytest.fixture(scope="module")
def graph_cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("graph-cache")


@pytest.fixture
def run_cli(tmp_path, monkeypatch, graph_cache):
    """Run ``qjnet ARGS`` in-process in a fresh folder; returns click's Result.

    The folder holds ``my_region``, a copy of ``tests/data/invalid_many_problems`` that the
    validation examples check.
    """
    shutil.copytree(REPO / "tests" / "data" / "invalid_many_problems", tmp_path / "my_region")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("QJNET_DATA", raising=False)
    monkeypatch.setenv("QJNET_CACHE_DIR", str(graph_cache))

    def run(argv: list[str]):
        return CliRunner().invoke(cli, argv, catch_exceptions=False)

    return run


def test_every_page_has_examples():
    assert all(SHELL_SESSIONS), "a console block without a qjnet command"
    pages = {example.where.split(":")[0] for example in SHELL_EXAMPLES}
    assert "README.md" in pages


@pytest.mark.parametrize("session", SHELL_SESSIONS, ids=[s[0].where for s in SHELL_SESSIONS])
def test_shell_examples(session: list[ShellExample], run_cli):
    for example in session:
        result = run_cli(example.argv)
        assert result.exit_code == example.expected_exit_code, f"{example.where}: exit {result.exit_code}\n{result.output}"
        missing = missing_lines(example.shown, result.output)
        assert not missing, f"{example.where}: lines not in the output:\n" + "\n".join(missing) + "\n--- output:\n" + result.output


@pytest.mark.parametrize("example", SHELL_EXAMPLES, ids=[e.where for e in SHELL_EXAMPLES])
def test_shell_example_names_its_date(example: ShellExample):
    import click

    command = cli.get_command(click.Context(cli), example.argv[0]) if example.argv else None
    options = {name for param in (command.params if command else []) for name in param.opts}
    words = set(example.argv)
    if "--date" in options and "--before" in options:
        assert "--date" in words or {"--before", "--after"} <= words, f"{example.where}: give --date (or --before/--after)"
    elif "--date" in options:
        assert "--date" in words, f"{example.where}: give --date so the example cannot change with the day"


# --- the README's set-up commands -----------------------------------------------------------


def _setup_commands() -> list[str]:
    """The README's first two indented (or fenced) shell commands, before any heading but the title."""
    head = README.read_text(encoding="utf-8").split("\n## ", 1)[0]
    return [line.strip() for line in head.splitlines() if line.strip().startswith("python3 -m venv")]


def test_readme_setup_commands_come_first():
    commands = _setup_commands()
    assert len(commands) == 2, commands
    assert commands[1] == TEST_COMMAND  # .ci/run runs exactly this
    assert ".venv/bin/pip install ." in commands[0]
    assert "--date " in commands[0]
    index = (DOCS / "index.rst").read_text(encoding="utf-8")
    assert all(command in index for command in commands), "docs/index.rst shows the same two commands"


def test_readme_lists_every_command():
    text = README.read_text(encoding="utf-8")
    for name in COMMANDS:
        assert f"`qjnet {name}" in text or f"`{name}`" in text, f"qjnet {name} missing from the README"


def test_readme_main_job_runs(run_cli, tmp_path):
    """The first set-up command's qjnet call writes the map and prints the reachability table."""
    argv = shlex.split(_setup_commands()[0].split(".venv/bin/qjnet ", 1)[1])
    result = run_cli(argv)
    assert result.exit_code == 0, result.output
    assert "qianjiang_dist" in result.output and "Qianjiang District" in result.output
    map_path = tmp_path / argv[argv.index("--map") + 1]
    assert map_path.stat().st_size > 100_000


# --- Python examples -----------------------------------------------------------------------


def _python_text(path: Path) -> str:
    """The file's Python blocks at their own line numbers, every other line blank."""
    lines = path.read_text(encoding="utf-8").splitlines()
    kept = [""] * len(lines)
    for start, body in code_blocks(path, {"python", "pycon"}):
        for offset, line in enumerate(body):
            kept[start + offset] = line
    return "\n".join(kept) + "\n"


PYTHON_FILES = [path for path in DOC_FILES if ">>>" in _python_text(path)]


def test_python_examples_found():
    assert README in PYTHON_FILES and len(PYTHON_FILES) >= 3


@pytest.mark.parametrize("path", PYTHON_FILES, ids=_rel)
def test_python_examples(path: Path, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # examples that write files write here
    monkeypatch.delenv("QJNET_DATA", raising=False)
    text = _python_text(path)
    test = doctest.DocTestParser().get_doctest(text, {}, _rel(path), _rel(path), 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    out: list[str] = []
    result = runner.run(test, out=out.append)
    assert result.attempted > 0
    assert result.failed == 0, "".join(out)


@pytest.mark.parametrize("path", PYTHON_FILES, ids=_rel)
def test_python_examples_name_their_date(path: Path):
    for number, line in enumerate(_python_text(path).splitlines(), 1):
        if line.lstrip().startswith((">>>", "...")) and DATED_CALLS.search(line):
            assert "date=" in line, f"{_rel(path)}:{number}: pass date= so the example cannot change with the day"


# --- the site ------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::PendingDeprecationWarning:sphinx_click")  # sphinx-click on Sphinx 9; not ours
def test_docs_build_without_warnings(tmp_path):
    pytest.importorskip("sphinx")
    pytest.importorskip("numpydoc")
    pytest.importorskip("sphinx_click")
    from sphinx.cmd.build import build_main

    out = tmp_path / "html"
    code = build_main(["-W", "--keep-going", "-q", "-b", "html", "-d", str(tmp_path / "doctrees"), str(DOCS), str(out)])
    assert code == 0
    cli_page = (out / "cli.html").read_text(encoding="utf-8")
    for name in COMMANDS:
        assert f'id="qjnet-{name}"' in cli_page, f"qjnet {name} missing from the CLI reference"
    api_pages = "".join(p.read_text(encoding="utf-8") for p in (out / "api").glob("*.html"))
    for name in ("qjnet.network.build_graph", "qjnet.network.reach", "qjnet.maps.reach_map", "qjnet.geodata.io.load_dataset"):
        assert f'id="{name}"' in api_pages, f"{name} missing from the API reference"
