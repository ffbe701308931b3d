"""Compiled page templates kept between runs of the command line.

folium and branca define their HTML and JavaScript as about a hundred jinja
templates, and jinja turns each into Python code when the module defining it
is imported: about 0.3 s of every command that draws a map, the same work each
time.  :func:`install` makes the command line keep that compiled code in its
cache folder (the one of :mod:`._cache`), as jinja's own bytecode cache does
for templates read from files:

* only templates are kept, that is sources with jinja syntax (``{{``, ``{%``
  or ``{#``);
* a map's rendered pieces, which branca wraps as templates again, hold the
  query's data and no syntax: jinja would turn each into code that yields the
  text.  That code is made from the Python source jinja generates once for a
  marker text, with the text in the marker's place: the same code object
  jinja makes, without reading the text as a template;
* an entry is found by a SHA-256 key over the source, the jinja and Python
  versions and every environment setting that changes the generated code;
* the file is signed like the graph entries (compiled code runs when loaded),
  written atomically, and only when a run compiled something new; past
  :data:`MAX_ENTRIES`, only the templates the run used are kept.

The library never does this: only the ``qjnet`` process patches jinja, and
``QJNET_CACHE=0`` switches it off with the rest of the cache.
"""

from __future__ import annotations

import atexit
import hashlib
import logging
import marshal
import re
import sys
from pathlib import Path
from types import CodeType
from typing import Any

from . import _cache

log = logging.getLogger(__name__)

#: the most compiled templates kept in the file
MAX_ENTRIES = 1000
_SYNTAX = ("{{", "{%", "{#")
_MARK = "\x00qjnet text\x00"
_NEWLINES = re.compile(r"\r\n|\r|\n")
_DEFAULT_SYNTAX = ("{%", "%}", "{{", "}}", "{#", "#}", None, None)


class _Store:
    """Compiled code by key: read from the cache file on first use, written back at exit if it grew."""

    def __init__(self, name: str, folder: Path):
        self.name, self.folder = name, folder
        self.codes: dict[str, CodeType] | None = None
        self.used: set[str] = set()
        self.added = 0

    def get(self, key: str) -> CodeType | None:
        if self.codes is None:
            self.codes = _read(self.name, self.folder)
        code = self.codes.get(key)
        if code is not None:
            self.used.add(key)
        return code

    def put(self, key: str, code: CodeType) -> None:
        assert self.codes is not None  # get() ran first
        self.codes[key] = code
        self.used.add(key)
        self.added += 1

    def save(self) -> None:
        if not self.added or self.codes is None:
            return
        codes = self.codes
        if len(codes) > MAX_ENTRIES:
            codes = {k: v for k, v in codes.items() if k in self.used}
        _cache.write_signed(self.name, marshal.dumps(codes), self.folder)


def _read(name: str, folder: Path) -> dict[str, CodeType]:
    body = _cache.read_signed(name, folder)
    if body is None:
        return {}
    try:
        codes = marshal.loads(body)
    except (EOFError, ValueError, TypeError) as exc:
        log.info("Ignoring the compiled templates in the cache (%s)", exc)
        return {}
    if not isinstance(codes, dict) or not all(isinstance(c, CodeType) for c in codes.values()):
        return {}
    return codes


def _settings(env: Any) -> list:
    """Every setting of a jinja environment that changes the code it generates for a source."""
    def name(value: Any) -> Any:
        return value if value is None or isinstance(value, (bool, str)) else getattr(value, "__qualname__", repr(value))

    def passes(functions: dict) -> list:  # the generated call passes context, environment, ... by this mark
        return sorted((k, str(getattr(f, "jinja_pass_arg", None))) for k, f in functions.items())

    return [type(env).__module__, type(env).__qualname__, name(env.code_generator_class), env.block_start_string,
            env.block_end_string, env.variable_start_string, env.variable_end_string, env.comment_start_string,
            env.comment_end_string, env.line_statement_prefix, env.line_comment_prefix, env.trim_blocks,
            env.lstrip_blocks, env.newline_sequence, env.keep_trailing_newline, sorted(env.extensions),
            env.optimized, env.is_async, name(env.autoescape), name(env.finalize), passes(env.filters),
            passes(env.tests), sorted((k, name(v)) for k, v in env.policies.items())]


def _key(env: Any, source: str, defer_init: bool, version: str) -> str:
    head = repr((version, sys.version, defer_init, _settings(env)))  # strings, numbers, None and lists only
    return hashlib.sha256(f"{head}\0{source}".encode()).hexdigest()


def install() -> bool:
    """Keep jinja's compiled templates in the command line's cache from now on; True if active.

    Call it before folium is imported.  Does nothing (False) when the cache
    is switched off, or twice.
    """
    import jinja2

    folder = _cache.cache_dir()
    if folder is None or getattr(jinja2.Environment.compile, "_qjnet", False):
        return False
    version = jinja2.__version__
    store = _Store(f"templates-{hashlib.sha256(f'{version}|{sys.version}'.encode()).hexdigest()[:16]}.code", folder)
    original = jinja2.Environment.compile

    models: dict[str, str] = {}  # the Python source jinja generates for the marker text

    def cached_compile(self, source, name=None, filename=None, raw=False, defer_init=False):
        if not _is_template(source, name, filename, raw):
            text = _plain_text(self, source, name, filename, raw)
            if text is None:
                return original(self, source, name, filename, raw, defer_init)
            key = _key(self, _MARK, defer_init, version)
            if key not in models:
                models[key] = original(self, _MARK, None, None, True, defer_init)
            return self._compile(models[key].replace(repr(_MARK), repr(text), 1), "<template>")
        key = _key(self, source, defer_init, version)
        code = store.get(key)
        if code is None:
            code = original(self, source, name, filename, raw, defer_init)
            store.put(key, code)
        return code

    cached_compile._qjnet = True  # type: ignore[attr-defined]
    cached_compile.__wrapped__ = original  # type: ignore[attr-defined]
    jinja2.Environment.compile = cached_compile  # type: ignore[method-assign]
    atexit.register(store.save)
    return True


def _unnamed_source(source: Any, name: Any, filename: Any, raw: bool) -> bool:
    """Whether a ``compile`` call is for an unnamed source string, to be compiled to code."""
    return not raw and name is None and filename is None and isinstance(source, str)


def _is_template(source: Any, name: Any, filename: Any, raw: bool) -> bool:
    """Whether a ``compile`` call is for an unnamed template source with jinja syntax (the kind kept)."""
    return _unnamed_source(source, name, filename, raw) and any(s in source for s in _SYNTAX)


def _plain_text(env: Any, source: Any, name: Any, filename: Any, raw: bool) -> str | None:
    """The text an unnamed source without jinja syntax renders to, as jinja's lexer makes it; else ``None``.

    Only for environments with the default delimiters and no extensions (an
    extension may rewrite a source before it is read); ``None`` also for a
    text that renders to nothing.
    """
    if not _unnamed_source(source, name, filename, raw) or env.extensions:
        return None
    syntax = (env.block_start_string, env.block_end_string, env.variable_start_string, env.variable_end_string,
              env.comment_start_string, env.comment_end_string, env.line_statement_prefix, env.line_comment_prefix)
    if syntax != _DEFAULT_SYNTAX or any(s in source for s in _SYNTAX):
        return None
    lines = _NEWLINES.split(source)  # jinja reads every newline as one, and drops one at the end
    if not env.keep_trailing_newline and lines[-1] == "":
        del lines[-1]
    return env.newline_sequence.join(lines) or None

