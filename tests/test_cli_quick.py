"""What keeps a map command quick on a warm cache: compiled templates and the loaded dataset are kept
between runs (signed like graph entries), the page is byte for byte what it was without them, and the
command imports no engine it does not use."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import pickle
import re
import subprocess
import sys
import zipfile

import jinja2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qjnet.cli import _cache, _templates
from qjnet.cli._common import Source

REACH = ("reach", "黔江", "--minutes", "180", "--date", "2025-07-03")


@pytest.fixture()
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("QJNET_CACHE_DIR", str(tmp_path / "c"))
    monkeypatch.delenv("QJNET_CACHE", raising=False)
    return tmp_path / "c"


def _qjnet(*args, cwd, env_extra=None):
    env = {**os.environ, **(env_extra or {})}
    return subprocess.run([sys.executable, "-m", "qjnet", *map(str, args)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=180)


def _page(path) -> str:
    """A map page with folium's random element ids made equal."""
    return re.sub(r"_[0-9a-f]{32}", "_id", path.read_text(encoding="utf-8"))


# --- the code of a text without template syntax ---------------------------------------------

_ENVS = [jinja2.Environment(), jinja2.Environment(autoescape=True),
         jinja2.Environment(keep_trailing_newline=True, newline_sequence="\r\n"),
         jinja2.Environment(trim_blocks=True, lstrip_blocks=True)]
_PLAIN = st.text(st.sampled_from(list("ab {}%#'\"\\\n\r\t\x00é黔</>")), max_size=40).filter(
    lambda t: not any(s in t for s in ("{{", "{%", "{#")))


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """jinja's compile with the command line's cache in front (as in a ``qjnet`` process)."""
    mp = pytest.MonkeyPatch()
    mp.setenv("QJNET_CACHE_DIR", str(tmp_path_factory.mktemp("templates")))
    mp.delenv("QJNET_CACHE", raising=False)
    _templates.install()  # False if a command of this session installed it already
    mp.undo()
    assert getattr(jinja2.Environment.compile, "_qjnet", False)
    return jinja2.Environment.compile.__wrapped__  # jinja's own


@settings(max_examples=150, deadline=None)
@given(text=_PLAIN, env=st.sampled_from(_ENVS), defer_init=st.booleans())
def test_text_without_syntax_compiles_to_jinjas_own_code(installed, text, env, defer_init):
    """For a text without syntax the cache makes the very code object jinja compiles, and it renders the same."""
    expected = installed(env, text, defer_init=defer_init)
    made = jinja2.Environment.compile(env, text, defer_init=defer_init)
    assert made == expected
    assert env.from_string(text).render() == env.template_class.from_code(env, expected, {}, None).render()


def test_templates_compile_to_jinjas_own_code(installed):
    source = "{% for x in xs %}{{ x|e }}, {% endfor %}{# note #}\n"
    env = jinja2.Environment(autoescape=True)
    assert jinja2.Environment.compile(env, source) == installed(env, source)
    assert env.from_string(source).render(xs=["<a>", 2]) == "&lt;a&gt;, 2, "


def test_sources_with_syntax_or_other_delimiters_are_left_to_jinja():
    assert _templates._plain_text(jinja2.Environment(), "a {{ x }}", None, None, False) is None
    assert _templates._plain_text(jinja2.Environment(variable_start_string="<<"), "a", None, None, False) is None
    assert _templates._plain_text(jinja2.Environment(), "a", "named", None, False) is None
    assert _templates._is_template("{% if x %}y{% endif %}", None, None, False)
    assert not _templates._is_template("plain text", None, None, False)


# --- across runs ----------------------------------------------------------------------------


def test_warm_map_command_is_the_same_page_and_compiles_no_template(tmp_path, private_cache):
    """First run fills the cache; the second reads it, writes nothing new and draws the same page."""
    cold = _qjnet(*REACH, "--map", tmp_path / "cold.html", cwd=tmp_path)
    assert cold.returncode == 0, cold.stderr
    code = list(private_cache.glob("templates-*.code"))
    assert len(code) == 1 and len(list(private_cache.glob("*.dataset"))) == 1
    written = code[0].stat().st_mtime_ns
    warm = _qjnet(*REACH, "--map", tmp_path / "warm.html", cwd=tmp_path)
    assert warm.returncode == 0 and warm.stdout == cold.stdout
    assert code[0].stat().st_mtime_ns == written  # nothing new compiled
    off = _qjnet(*REACH, "--map", tmp_path / "off.html", cwd=tmp_path, env_extra={"QJNET_CACHE": "0"})
    assert off.returncode == 0 and off.stdout == cold.stdout
    assert _page(tmp_path / "warm.html") == _page(tmp_path / "cold.html") == _page(tmp_path / "off.html")


def test_forged_template_file_is_ignored_and_replaced(tmp_path, private_cache):
    first = _qjnet(*REACH, "--map", tmp_path / "a.html", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    entry = next(private_cache.glob("templates-*.code"))
    forged = entry.read_bytes()
    entry.write_bytes(forged[:32] + b"\x00" + forged[33:])  # body changed, signature kept
    again = _qjnet(*REACH, "--map", tmp_path / "b.html", cwd=tmp_path)
    assert again.returncode == 0 and _page(tmp_path / "b.html") == _page(tmp_path / "a.html")
    key = (private_cache / "key").read_bytes()
    body = entry.read_bytes()[32:]
    assert hmac.compare_digest(entry.read_bytes()[:32], hmac.new(key, body, hashlib.sha256).digest())


def test_template_file_keeps_only_used_entries_past_the_limit(tmp_path, monkeypatch):
    folder = tmp_path / "c"
    folder.mkdir(mode=0o700)
    monkeypatch.setenv("QJNET_CACHE_DIR", str(folder))
    monkeypatch.setattr(_templates, "MAX_ENTRIES", 2)
    store = _templates._Store("templates-test.code", folder)
    assert store.get("a") is None
    for key, text in (("a", "x = 1"), ("b", "y = 2"), ("c", "z = 3")):
        store.put(key, compile(text, "<t>", "exec"))
    store.save()
    again = _templates._Store("templates-test.code", folder)
    assert again.get("c") is not None and again.get("a") is not None
    again.codes.update({"old": compile("w = 0", "<t>", "exec")})
    again.used.discard("old")
    again.put("d", compile("v = 4", "<t>", "exec"))
    again.save()
    last = _templates._Store("templates-test.code", folder)
    assert last.get("old") is None and last.get("d") is not None


def test_install_does_nothing_with_the_cache_off(monkeypatch):
    monkeypatch.setenv("QJNET_CACHE", "0")
    before = jinja2.Environment.compile
    assert _templates.install() is False
    assert jinja2.Environment.compile is before


# --- the loaded dataset ----------------------------------------------------------------------


def test_dataset_from_cache_equals_a_fresh_load(data_dir, private_cache):
    fresh = Source(data_dir / "mini").ds
    entries = list(private_cache.glob("*.dataset"))
    assert len(entries) == 1
    cached = Source(data_dir / "mini").ds
    assert cached is not fresh
    assert cached.nodes.equals(fresh.nodes) and cached.links.equals(fresh.links)
    assert cached.services.equals(fresh.services) and cached.scenarios == fresh.scenarios


def test_dataset_key_follows_files_and_place(data_dir, tmp_path):
    import shutil

    copy = tmp_path / "m"
    shutil.copytree(data_dir / "mini", copy)
    base = _cache.dataset_key(data_dir / "mini")
    moved = _cache.dataset_key(copy)
    assert base != moved  # a dataset records where it was read from
    (copy / "scenarios.json").write_text((copy / "scenarios.json").read_text() + " ")
    assert _cache.dataset_key(copy) not in (base, moved)
    assert _cache.cache_key(data_dir / "mini") != base


def test_dataset_entry_of_another_type_is_refused(data_dir, private_cache, caplog):
    assert Source(data_dir / "mini").ds is not None
    entry = next(private_cache.glob("*.dataset"))
    key = entry.name.split(".")[0]
    secret = (private_cache / "key").read_bytes()
    body = pickle.dumps({"not": "a dataset"})
    entry.write_bytes(hmac.new(secret, body, hashlib.sha256).digest() + body)
    assert _cache.load(key, kind="dataset") is None
    assert "not a dataset" in caplog.text


# --- what the quick command imports -----------------------------------------------------------


def test_map_command_imports_no_engine_it_does_not_use(tmp_path, private_cache):
    """The expected-measure reach with a map needs neither scipy, numba, matplotlib, the timetable engines
    nor the HTTP client folium imports."""
    script = ("import sys\nfrom qjnet.cli import main\n"
              "sys.argv = ['qjnet', *sys.argv[1:]]\n"
              "try:\n    main()\n"
              "except SystemExit:\n    pass\n"
              "print(' '.join(sorted(sys.modules)), file=sys.stderr)\n")
    p = subprocess.run([sys.executable, "-c", script, *REACH, "--map", str(tmp_path / "m.html")], cwd=tmp_path,
                       env=dict(os.environ), capture_output=True, text=True, timeout=180)
    assert p.returncode == 0, p.stderr
    loaded = set(p.stderr.strip().splitlines()[-1].split())
    assert "folium" in loaded and "networkx" in loaded  # it did draw the map
    for name in ("scipy", "numba", "matplotlib", "qjnet.network.measures", "qjnet.network.raptor",
                 "qjnet.maps.static", "qjnet.maps.explorer", "dask", "urllib3"):
        assert name not in loaded, name


def test_maps_package_loads_a_module_only_when_its_function_is_used():
    script = ("import sys, qjnet.maps as m\n"
              "print('folium' in sys.modules, 'reach_map' in dir(m), callable(m.network_map), "
              "'qjnet.maps.static' in sys.modules)")
    p = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert p.stdout.split() == ["False", "True", "True", "False"], p.stderr


def test_quick_benchmark_times_the_four_cases(tmp_path):
    from bench.quick import measure, table

    result = measure(1, str(tmp_path / "c"))
    assert set(result) == {"warm cache", "full shutdown", "imports", "no cache"}
    assert all(0 < r["wall_min"] <= r["wall_median"] for r in result.values())
    assert (tmp_path / "c").is_dir() and list((tmp_path / "c").glob("templates-*.code"))
    assert "median / warm" in table(result).splitlines()[0]


def test_key_follows_the_filters_a_template_calls():
    """Code calling a filter depends on what the filter is passed (context, environment, ...): so does the key."""
    plain, other = jinja2.Environment(), jinja2.Environment()
    other.filters["upper"] = jinja2.pass_context(lambda ctx, v: str(v).upper())
    source = "{{ name|upper }}"
    assert _templates._key(plain, source, False, "v") != _templates._key(other, source, False, "v")
    assert _templates._key(plain, source, False, "v") == _templates._key(jinja2.Environment(), source, False, "v")


@pytest.mark.parametrize("given", [None, "4"])
def test_command_line_starts_one_blas_thread_unless_told(given):
    """The command does no dense linear algebra: OpenBLAS starts one thread, unless the user set a number."""
    script = ("import os, sys\nfrom qjnet.cli import main\nsys.argv = ['qjnet', '--version']\n"
              "try:\n    main()\nexcept SystemExit:\n    pass\nprint(os.environ.get('OPENBLAS_NUM_THREADS'))")
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    if given:
        env["OPENBLAS_NUM_THREADS"] = given
    p = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60)
    assert p.stdout.split()[-1] == (given or "1"), p.stderr


# --- the end of a qjnet process -------------------------------------------------------------

_ENDING = ("import atexit, sys\nfrom qjnet.cli import _exit\n"
           "class Held:\n    def __del__(self):\n        print('torn down', flush=True)\n"
           "held = Held()\n"
           "atexit.register(lambda: print('exit handler', flush=True))\n"
           "print('buffered output')\n"  # not flushed yet: stdout is a pipe
           "_exit(int(sys.argv[1]))\n")


@pytest.mark.parametrize("fast", ["1", "0"])
def test_program_ends_after_exit_handlers_and_flushed_output(fast):
    """The exit code, buffered output and exit handlers are kept; only the object-by-object teardown is skipped."""
    env = {**os.environ, "QJNET_FAST_EXIT": fast}
    p = subprocess.run([sys.executable, "-c", _ENDING, "5"], env=env, capture_output=True, text=True, timeout=60)
    assert p.returncode == 5, p.stderr
    lines = p.stdout.splitlines()
    assert lines[:2] == ["buffered output", "exit handler"]
    assert ("torn down" in lines) == (fast == "0")


@pytest.mark.parametrize("daemon", [False, True])
def test_program_waits_for_a_thread_still_running_unless_a_daemon(daemon):
    """Python waits for a thread that is not a daemon at exit; so does qjnet's end. A daemon is left."""
    script = ("import threading, time\nfrom qjnet.cli import _exit\n"
              "threading.Thread(target=lambda: (time.sleep(0.3), print('thread done', flush=True)), "
              f"daemon={daemon}).start()\n"
              "_exit(3)\n")
    p = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert p.returncode == 3, p.stderr
    assert ("thread done" in p.stdout) == (not daemon)


def test_program_keeps_exit_codes_and_a_profilers_report(tmp_path):
    bad = _qjnet("reach", "nowhere_at_all", "--minutes", "30", cwd=tmp_path)
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and bad.stderr.startswith("qjnet: error:")
    out = tmp_path / "r.json"
    good = _qjnet(*REACH, "-o", out, cwd=tmp_path)
    assert good.returncode == 0 and good.stderr.startswith("wrote ")
    assert json.loads(out.read_text(encoding="utf-8"))["origin"] == "qianjiang_dist"
    profiled = subprocess.run([sys.executable, "-m", "cProfile", "-m", "qjnet", "--version"], cwd=tmp_path,
                              capture_output=True, text=True, timeout=120)
    assert profiled.returncode == 0 and "function calls" in profiled.stdout, profiled.stderr


def test_main_raises_system_exit_for_callers_in_python():
    """Only the program ends at once: a script calling ``main()`` gets SystemExit and carries on."""
    script = ("import sys\nfrom qjnet.cli import main\nsys.argv = ['qjnet', 'reach', 'nowhere_at_all']\n"
              "try:\n    main()\nexcept SystemExit as end:\n    print('carried on', end.code)\n")
    p = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0 and p.stdout.strip() == "carried on 2", p.stderr


_WRITES = {
    "table.csv": (*REACH, "-o", "{out}"),
    "places.geojson": (*REACH, "-o", "{out}"),
    "places.gpkg": (*REACH, "-o", "{out}"),
    "matrix.parquet": ("matrix", "--origins", "黔江,恩施,万州", "--date", "2025-07-03", "-o", "{out}"),
    "matrix.csv": ("matrix", "--origins", "黔江,恩施", "--workers", "1", "--date", "2025-07-03", "-o", "{out}"),
    "feed.zip": ("export", "--date", "2025-07-03", "-o", "{out}"),
    "explorer.html": ("explore", "--date", "2025-07-03", "--output", "{out}"),
}


@pytest.mark.parametrize("name", _WRITES)
def test_files_written_by_the_program_are_complete(name, tmp_path, run_qjnet, private_cache):
    """What the ``qjnet`` process writes before it ends at once (tables, a GTFS feed, a page) equals what
    the same command writes in a process that stays (a Dask cluster of one worker included)."""
    import geopandas as gpd
    import pandas as pd

    args = [a.format(out=tmp_path / "p" / name) for a in _WRITES[name]]
    (tmp_path / "p").mkdir()
    ran = _qjnet(*args, cwd=tmp_path)
    assert ran.returncode == 0 and ran.stderr.startswith("wrote "), ran.stderr
    (tmp_path / "i").mkdir()
    here = run_qjnet(*[a.replace(str(tmp_path / "p"), str(tmp_path / "i")) for a in args])
    assert here.returncode == 0, here.stderr

    def read(path):
        if path.suffix == ".zip":  # a GTFS feed: its tables
            with zipfile.ZipFile(path) as z:
                return pd.DataFrame({"file": z.namelist(), "text": [z.read(n).decode() for n in z.namelist()]})
        if path.suffix == ".html":
            return pd.DataFrame({"page": [_page(path)]})
        if path.suffix in (".geojson", ".gpkg"):
            return gpd.read_file(path)
        return pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path, comment="#")

    got, expected = read(tmp_path / "p" / name), read(tmp_path / "i" / name)
    assert len(got) > (0 if name.endswith(".html") else 1)
    pd.testing.assert_frame_equal(pd.DataFrame(got), pd.DataFrame(expected))


def test_a_deferred_module_is_imported_when_first_used():
    """folium binds a stand-in for ``requests``; the first use through it imports the real module."""
    script = ("import sys\nfrom qjnet.cli._lazy import defer\n"
              "print(defer(), defer())\n"  # the second call finds it there already
              "import folium, folium.features as f\n"
              "print('urllib3' in sys.modules)\n"
              "get = f.requests.get\n"
              "import requests, requests.adapters\n"
              "print(get is requests.get, type(sys.modules['requests']).__name__, 'urllib3' in sys.modules,\n"
              "      requests.adapters.HTTPAdapter.__name__, f.requests.Session is requests.Session)\n")
    p = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert p.stdout.splitlines() == ["['requests'] []", "False", "True module True HTTPAdapter True"]


def test_defer_leaves_imported_and_missing_modules_alone():
    import types

    from qjnet.cli._lazy import defer

    assert defer(("json", "no_such_module_here")) == []
    assert isinstance(sys.modules["json"], types.ModuleType) and "no_such_module_here" not in sys.modules
