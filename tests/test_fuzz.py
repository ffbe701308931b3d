"""Fuzzing the command line: every command, generated option values and hostile dataset folders.

Each run must end with exit code 0, 1 or 2 (never a crash, never 130); an exit 2
prints exactly one line on stderr (``validate`` prints its report on stdout) and
no traceback; no partial or stray file is left (only the requested outputs may
exist); the input dataset and everything outside the test's folder stay unchanged.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import shutil
import traceback
from dataclasses import dataclass
from pathlib import Path

import click
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qjnet.cli import COMMANDS

DATA = Path(__file__).resolve().parent / "data"
REPO = Path(__file__).resolve().parent.parent
PACKAGE_DATA = REPO / "geodata" / "data"
FUZZ = settings(max_examples=40, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

SCRIPT = "<script>alert(1)</script>"
ODD = ["", " ", "\u200b", "\u202e黔江", "黔江區", "ｑｉａｎｊｉａｎｇ", "🚄", "𝔮𝔧", "\x00", "a\nb", "é" * 300,
       SCRIPT, "${7*7}", "`id`", "'; DROP TABLE nodes; --", "../../../etc/passwd", "%s%n", "\\", "null", "NaN"]
PLACES = ["town_a", "sta_b", "甲", "黔江", "qianjiang", "黔江机场", "秀山机场", "29.53,108.77", "0,0", "91,0",
          "1e309,1", "nan,nan", "29.5 , 108.7", "２９．５，１０８．７"]
NUMBERS = ["0", "-1", "-0.0", "1", "45", "60", "1e308", "1e309", "-1e309", "nan", "inf", "-inf",
           "99999999999999999999999999", "3.5", "abc", "1,5", "0x10"]
DATES = ["2025-07-03", "2025-06-26", "2035-01-01", "2025-02-30", "2025-13-01", "0001-01-01", "9999-12-31", "2025",
         "2025-07", "tomorrow", "", " ", "20250703", "-2025-01-01"]
SUFFIXES = [".csv", ".json", ".geojson", ".html", ".parquet", ".gpkg", ".txt", ".CSV", "", ".tar.gz"]
ANY_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)


@dataclass
class Outcome:
    code: int
    stdout: str
    stderr: str
    outputs: set


def _command(name: str) -> click.Command:
    """The command ``name``; a group's subcommand as ``"group sub"``."""
    top, _, sub = name.partition(" ")
    module, attr, _ = COMMANDS[top]
    command = getattr(importlib.import_module(module), attr)
    return command.commands[sub] if sub else command


def _flag(param: click.Option) -> str:
    return max(param.opts, key=len)


GOOD = {"date": ["2025-07-03", "2035-01-01", "2025-06-26"], "before": ["2025-06-26"], "after": ["2025-07-03"],
        "scenario": ["plan", "before-hsr", "today"], "minutes": ["60", "120", "30.5"], "max_minutes": ["90"],
        "half_life": ["30", "45"], "bands": ["60,120", "30,60,90"], "modes": ["hsr", "hsr,road,access", "road"],
        "cargo": ["teu", "tonne"], "objective": ["time", "cost", "co2"], "port": ["sta_d", "丁站"],
        "origins": ["town_a", "town_a,town_b", "甲区"], "destinations": ["town_c", "sta_c"],
        "chunk_size": ["1", "64"], "data": [str(DATA / "valid_freight")]}
GOOD_PLACES = ["town_a", "town_b", "town_c", "town_d", "sta_a", "sta_c", "甲区", "乙", "丁站", "丙站", "甲东站"]


def _value(draw, param: click.Parameter, outdir: Path, outputs: set) -> str:
    """A generated value for one parameter: mostly a good one (to get past option parsing), else hostile."""
    name = param.name or ""
    if name not in ("output", "map_file", "polygons", "workers") and draw(st.integers(0, 3)) > 0:
        good = GOOD.get(name) or (list(param.type.choices) if isinstance(param.type, click.Choice) else None)
        if good is None and (isinstance(param, click.Argument) and name != "path"):
            good = GOOD_PLACES
        if good:
            return str(draw(st.sampled_from(good)))
    if name in ("output", "map_file", "polygons"):
        choice = draw(st.sampled_from(["-", "file", "file", "dir", ""]))
        if choice == "-":
            return "-"
        if choice == "dir":  # a folder: refused, except as export's GeoJSON dataset folder
            outputs.add(outdir)
            return str(outdir)
        target = outdir / f"{name}{draw(st.sampled_from(SUFFIXES))}"
        outputs.add(target)
        if target.suffix.lower() == ".csv":
            outputs.add(Path(f"{target}.json"))  # a CSV file's metadata sidecar
        return str(target)
    if name in ("graph_file", "roads_file"):
        return draw(st.sampled_from([str(outdir / "missing.graphml"), str(DATA / "mini" / "nodes.geojson"), ""]))
    if name in ("data", "path"):
        return draw(st.sampled_from([str(DATA / "mini"), str(DATA / "valid_freight"), str(outdir / "nowhere"), ""]))
    if "date" in name or name in ("before", "after"):
        return draw(st.sampled_from(DATES) | ANY_TEXT)
    if name == "workers":  # one worker or more starts a local Dask cluster: only values that are refused
        return draw(st.sampled_from(["0", "-1", "999999", "abc", ""]))
    if isinstance(param.type, click.Choice):
        return draw(st.sampled_from(list(param.type.choices)) | st.sampled_from(ODD))
    if isinstance(param.type, (click.types.IntParamType, click.types.FloatParamType)):
        return draw(st.sampled_from(NUMBERS))
    if isinstance(param, click.Argument) or name in ("origins", "destinations", "port"):
        return draw(st.sampled_from(PLACES) | st.sampled_from(ODD))
    return draw(st.sampled_from(NUMBERS + DATES + ODD + PLACES) | ANY_TEXT)


def _args(draw, name: str, outdir: Path, data_dir: Path | None) -> tuple[list[str], set]:
    """Arguments for ``qjnet NAME``: every positional, every required option, and a random subset of the rest."""
    outputs: set = set()
    args: list[str] = name.split()
    for param in _command(name).params:
        if isinstance(param, click.Argument):
            args.append(str(data_dir) if data_dir is not None and param.name == "path" else
                        _value(draw, param, outdir, outputs))
            continue
        if not isinstance(param, click.Option):
            continue
        if param.name == "data" and data_dir is not None:
            args += [_flag(param), str(data_dir)]
            continue
        if not (param.required or param.name == "data" or draw(st.integers(0, 2)) == 0):
            continue
        if param.is_flag:
            args.append(_flag(param))
        else:
            args += [_flag(param), _value(draw, param, outdir, outputs)]
    return args, outputs


def _tree(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` with a hash of its content (links and special files by kind)."""
    found = {}
    for root, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        for f in files:
            p = Path(root) / f
            if p.is_symlink() or not p.is_file():
                found[str(p)] = "special"
            else:
                found[str(p)] = hashlib.sha256(p.read_bytes()).hexdigest()
    return found


def _invoke(args: list[str], cwd: Path, monkeypatch) -> Outcome:
    from click.testing import CliRunner

    from qjnet.cli import cli

    monkeypatch.chdir(cwd)
    result = CliRunner().invoke(cli, args, prog_name="qjnet", catch_exceptions=True)
    stderr = result.stderr
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        stderr += "".join(traceback.format_exception(result.exception))
    return Outcome(result.exit_code, result.stdout, stderr, set())


def _check(args: list[str], ran: Outcome, workdir: Path, outputs: set) -> None:
    where = f"qjnet {' '.join(repr(a) for a in args)}"
    assert ran.code in (0, 1, 2), f"{where}: exit {ran.code}\n{ran.stderr[-3000:]}"
    assert "Traceback" not in ran.stderr, f"{where}\n{ran.stderr[-3000:]}"
    if ran.code == 2:
        lines = ran.stderr.strip().splitlines()
        if args[0] == "validate" and not lines:
            assert ran.stdout.strip(), f"{where}: exit 2 without a report"
        else:
            assert len(lines) == 1 and lines[0].startswith("qjnet: error:"), f"{where}: {ran.stderr!r}"
    left = {Path(p) for p in _tree(workdir)}
    stray = {p for p in left if not any(p == o or o in p.parents for o in map(Path, outputs))}
    assert not stray, f"{where}: left {sorted(map(str, stray))}"
    if ran.code != 0:
        return
    for out in outputs:
        if out.exists() and out.suffix == ".html":
            assert SCRIPT not in out.read_text(encoding="utf-8", errors="replace"), f"{where}: unescaped script"


def _top(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir() if p.name not in (".hypothesis", ".pytest_cache", "__pycache__")}


@pytest.fixture(scope="module")
def outside():
    """What must not change: the repository's data folders, its top level, the user's home folder."""
    home = Path.home()
    before = ({**_tree(DATA), **_tree(PACKAGE_DATA)}, _top(REPO), _top(home))
    yield
    assert {**_tree(DATA), **_tree(PACKAGE_DATA)} == before[0]
    assert _top(REPO) == before[1] and _top(home) <= before[2] | {".cache"}


# --------------------------------------------------------------------------- options


def _fresh(tmp_path: Path, n: list) -> tuple[Path, Path]:
    n[0] += 1
    workdir = tmp_path / f"run{n[0]}"
    outdir = workdir / "out"
    outdir.mkdir(parents=True)
    return workdir, outdir


LIGHT = ["places", "validate", "export", "route", "reach", "circle", "access", "freight", "catchment", "services",
         "scenario new", "scenario validate", "scenario show"]
HEAVY = ["map", "matrix", "compare", "explore"]


def _fuzz_options(names, tmp_path, monkeypatch, data):
    counter = [0]

    @FUZZ
    @given(st.data())
    def run(draw_data):
        name = draw_data.draw(st.sampled_from(names), label="command")
        workdir, outdir = _fresh(tmp_path, counter)
        args, outputs = _args(draw_data.draw, name, outdir, None)
        ran = _invoke(args, workdir, monkeypatch)
        _check(args, ran, workdir, outputs)
        shutil.rmtree(workdir)

    run()


def test_every_command_takes_generated_options(tmp_path, monkeypatch, outside):
    _fuzz_options(LIGHT, tmp_path, monkeypatch, DATA)


@pytest.mark.slow
def test_heavier_commands_take_generated_options(tmp_path, monkeypatch, outside):
    _fuzz_options(HEAVY, tmp_path, monkeypatch, DATA)


def test_every_command_is_fuzzed():
    fuzzed = {name.split()[0] for name in LIGHT + HEAVY}
    assert fuzzed == set(COMMANDS)
    groups = {name: cmd for name in COMMANDS if isinstance(cmd := _command(name), click.Group)}
    for name, group in groups.items():
        assert {f"{name} {sub}" for sub in group.commands} <= set(LIGHT + HEAVY)


# --------------------------------------------------------------------------- hostile datasets

HOSTILE_VALUES = [None, -1, 0, 1e308, -1e308, 10**30, "abc", "", [], {}, [[[]]], True, SCRIPT, "\u202e\u200b",
                  "黔江區", "🚄" * 50, {"$ref": "#"}, ["town_a", 3], 2**63, -0.0]
FIELDS = {"nodes": ["id", "name_zh", "name_en", "kind", "population", "status", "opened", "county", "coord_quality"],
          "services": ["id", "mode", "stops", "minutes", "headway_min", "per_day", "days", "status", "opened",
                       "time_source", "bidirectional", "departures"],
          "links": ["id", "from", "to", "mode", "minutes", "length_km", "speed_kmh", "circuity", "status"]}
HOSTILE_MODIFY = [[{"id": "hsr_ac", "set": {"per_day": 0}}], [{"id": "hsr_ac", "set": {"minutes": "x"}}],
                  [{"id": "road_ab", "set": {"speed_kmh": -5}}], [{"id": "hsr_ac", "set": {"headway_min": 1e-9}}]]
GEOMETRIES = [None, {}, {"type": "Point"}, {"type": "Point", "coordinates": [1e308, 1e308]},
              {"type": "Point", "coordinates": ["a", "b"]}, {"type": "LineString", "coordinates": [[108, 29]]},
              {"type": "Polygon", "coordinates": [[[0, 0]]]}, {"type": "Point", "coordinates": [108.7, 29.5, 1, 2]}]


# values a validator accepts but that stress what follows: script and odd Unicode in names, extreme numbers
ODD_BUT_VALID = [
    ("nodes", "name_zh", SCRIPT), ("nodes", "name_en", SCRIPT), ("nodes", "name_zh", "\u202e黔江\u200b"),
    ("nodes", "name_en", "🚄" * 60), ("nodes", "name_zh", "黔江區"), ("nodes", "population", 10**15),
    ("nodes", "population", 0), ("nodes", "opened", "9999-12-31"), ("nodes", "opened", "0001-01-01"),
    ("services", "headway_min", 1e-9), ("services", "headway_min", 1e9), ("services", "per_day", 1e9),
    ("services", "name_en", SCRIPT), ("services", "days", [7]), ("services", "opened", "9999"),
    ("links", "minutes", 0), ("links", "minutes", 1e12), ("links", "length_km", 1e300),
    ("links", "speed_kmh", 1e-9), ("links", "circuity", 1e-300), ("links", "bidirectional", False),
]


@st.composite
def hostile_edits(draw):
    """A list of edits to apply to a copy of the mini dataset."""
    edits = []
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["odd", "odd", "odd", "value", "value", "geometry", "broken", "scenario",
                                     "extra", "drop"]))
        layer = draw(st.sampled_from(sorted(FIELDS)))
        if kind == "odd":
            layer, name, value = draw(st.sampled_from(ODD_BUT_VALID))
            edits.append(("value", layer, draw(st.integers(0, 7)), name, value))
        elif kind == "value":
            edits.append(("value", layer, draw(st.integers(0, 7)), draw(st.sampled_from(FIELDS[layer])),
                          draw(st.sampled_from(HOSTILE_VALUES) | ANY_TEXT)))
        elif kind == "geometry":
            edits.append(("geometry", layer, draw(st.integers(0, 7)), None, draw(st.sampled_from(GEOMETRIES))))
        elif kind == "broken":
            edits.append(("broken", draw(st.sampled_from([f"{layer}.geojson", "scenarios.json"])), None, None,
                          draw(st.sampled_from([b"", b"{", b"\xff\xfe", b"[]", b"null", b'{"type": "FeatureCollection"}',
                                                b"NaN", b"[" * 5000, b'{"scenarios": 1}', b"1" * 5000]))))
        elif kind == "scenario":
            edits.append(("scenario", None, None, draw(st.sampled_from(["add", "modify", "remove", "date", "name"])),
                          draw(st.sampled_from([*HOSTILE_VALUES, *HOSTILE_MODIFY]))))
        elif kind == "extra":
            edits.append(("extra", None, None, None, draw(st.sampled_from([b"{", b"[]", b'{"a": NaN}', b"\x00"]))))
        else:
            edits.append(("drop", layer, draw(st.integers(0, 7)), draw(st.sampled_from(FIELDS[layer])), None))
    return edits


def _load(path: Path):
    try:
        return json.loads(path.read_text())
    except (ValueError, RecursionError, OSError):
        return None


def _apply(folder: Path, edits) -> None:
    for kind, where, index, field, value in edits:
        if kind == "broken":
            (folder / where).write_bytes(value)
        elif kind == "extra":
            (folder / "extra.json").write_bytes(value)
        elif kind == "scenario":
            path = folder / "scenarios.json"
            doc = _load(path)
            if isinstance(doc, dict) and isinstance(doc.get("scenarios"), list) and len(doc["scenarios"]) > 2:
                doc["scenarios"][2][field] = value
                path.write_text(json.dumps(doc))
        else:
            path = folder / f"{where}.geojson"
            try:
                doc = _load(path)
                feature = doc["features"][index % len(doc["features"])]
            except (KeyError, TypeError, IndexError, ZeroDivisionError):
                continue
            if not isinstance(feature, dict):
                continue
            if kind == "geometry":
                feature["geometry"] = value
            elif kind == "drop":
                feature.get("properties", {}).pop(field, None)
            else:
                feature.setdefault("properties", {})[field] = value
            path.write_text(json.dumps(doc, ensure_ascii=False))


DATASET_COMMANDS = [
    ["validate"], ["places"], ["places", "-o", "{out}/p.csv"], ["route", "town_a", "sta_c", "--date", "2025-07-03"],
    ["reach", "甲", "--minutes", "90", "-o", "{out}/r.geojson"], ["access", "--date", "2025-07-03"],
    ["export", "-o", "{out}/x.gpkg"], ["route", "town_a", "town_d", "--scenario", "plan"],
]


def _fuzz_datasets(commands, tmp_path, monkeypatch):
    counter = [0]

    @FUZZ
    @given(hostile_edits(), st.sampled_from(commands))
    def run(edits, template):
        workdir, outdir = _fresh(tmp_path, counter)
        folder = workdir / "ds"
        shutil.copytree(DATA / "mini", folder)
        _apply(folder, edits)
        before = _tree(folder)
        args = [a.replace("{out}", str(outdir)) for a in template]
        args = [*args, str(folder)] if args[0] == "validate" else [*args, "--data", str(folder)]
        outputs = {Path(a) for a in args if a.startswith(str(outdir))}
        outputs |= {Path(f"{o}.json") for o in outputs if o.suffix == ".csv"}  # a CSV file's metadata sidecar
        ran = _invoke(args, workdir, monkeypatch)
        assert _tree(folder) == before, f"{args}: the dataset changed"
        _check(args, ran, workdir, outputs | set(map(Path, before)))
        shutil.rmtree(workdir)

    run()


def test_hostile_datasets(tmp_path, monkeypatch, outside):
    _fuzz_datasets(DATASET_COMMANDS[:3], tmp_path, monkeypatch)


@pytest.mark.slow
def test_hostile_datasets_through_the_engine(tmp_path, monkeypatch, outside):
    _fuzz_datasets(DATASET_COMMANDS[3:], tmp_path, monkeypatch)


def test_a_hostile_name_is_escaped_in_maps(tmp_path, monkeypatch, outside):
    folder = tmp_path / "ds"
    shutil.copytree(DATA / "mini", folder)
    _apply(folder, [("value", "nodes", 0, "name_zh", SCRIPT), ("value", "nodes", 1, "name_en", SCRIPT)])
    out = tmp_path / "m.html"
    ran = _invoke(["map", "-o", str(out), "--data", str(folder)], tmp_path, monkeypatch)
    assert ran.code == 0, ran.stderr
    text = out.read_text(encoding="utf-8")
    assert SCRIPT not in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in text


# --------------------------------------------------------------------------- what the fuzzing found


@pytest.mark.parametrize("output, words", [
    ("-", "not standard output"),
    ("out.txt", "cannot tell the dataset format from the suffix '.txt'"),
    ("out.CSV", "cannot tell the dataset format from the suffix '.csv'"),
])
def test_export_refuses_stdout_and_suffixes_of_no_dataset_format(tmp_path, monkeypatch, output, words):
    """``export -o -`` made a folder named "-", and ``-o out.txt`` a folder named out.txt."""
    ran = _invoke(["export", "-o", output, "--data", str(DATA / "mini")], tmp_path, monkeypatch)
    assert ran.code == 2 and words in ran.stderr and len(ran.stderr.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []
