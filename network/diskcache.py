"""A content-addressed on-disk cache of built graphs, for one-shot commands.

Importing geopandas and reading the layers costs about a second; a built
graph of the embedded dataset unpickles in milliseconds.  The cache is safe
because its key is a SHA-256 over everything the graph depends on:

* the bytes of every ``*.geojson`` / ``*.json`` file of the dataset folder
  (or the bytes of a ``.gpkg`` file), so any edit to the data misses;
* the source of every module of ``geodata`` and ``network`` (the code that
  reads, validates, selects and builds), so a code change misses;
* the Python and networkx versions (pickle compatibility);
* the request: date, scenario, modes and time parameters.

Entries are only written after a successful (validated) build, atomically,
in a private folder (mode 0700): ``$QJNET_CACHE_DIR``, else
``$XDG_CACHE_HOME/qjnet/graphs``, else ``~/.cache/qjnet/graphs``.  Set
``QJNET_CACHE=0`` to switch it off.  An unreadable entry is ignored and
rebuilt.  The library's :func:`network.build_graph` never touches the disk.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import pickle
import sys
import tempfile
from pathlib import Path

log = logging.getLogger(__name__)

_CODE_PACKAGES = ("geodata", "network")


def cache_dir() -> Path | None:
    """The cache folder, or ``None`` when caching is switched off (``QJNET_CACHE=0``)."""
    if os.environ.get("QJNET_CACHE", "1").strip().lower() in ("0", "no", "false", "off"):
        return None
    if os.environ.get("QJNET_CACHE_DIR"):
        return Path(os.environ["QJNET_CACHE_DIR"])
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "qjnet" / "graphs"


def _dataset_path(data) -> Path:
    if data is None:
        from ..geodata.io import default_dataset_path

        return default_dataset_path()
    return Path(data)


def cache_key(data, *, date=None, scenario=None, modes=None, params=None) -> str | None:
    """SHA-256 key of a build request (``None`` if the dataset cannot be read as files)."""
    import networkx as nx

    from .params import TimeParams, parse_modes

    path = _dataset_path(data)
    h = hashlib.sha256()
    root = Path(__file__).resolve().parent
    for package in _CODE_PACKAGES:
        folder = root if package == "network" else root.parent / package
        for f in sorted(folder.glob("*.py")):
            h.update(f"{package}/{f.name}".encode())
            h.update(f.read_bytes())
    h.update(f"{sys.version}|{nx.__version__}".encode())
    try:
        if path.is_dir():
            files = sorted(p for p in path.iterdir() if p.is_file() and p.suffix in (".geojson", ".json"))
        elif path.is_file():
            files = [path]
        else:
            return None
        for f in files:
            h.update(f.name.encode())
            h.update(f.read_bytes())
    except OSError:
        return None
    params = params if isinstance(params, TimeParams) else TimeParams.from_dict(params)
    import datetime as _dt

    # with no date, what exists is decided by today's date: a new day is a new key
    request = {"date": None if date is None else str(date), "today": _dt.date.today().isoformat(),
               "scenario": scenario,
               "modes": list(parse_modes(modes)), "params": params.to_dict()}
    h.update(json.dumps(request, sort_keys=True).encode())
    return h.hexdigest()


def load(key: str):
    """The cached graph for ``key`` or ``None``."""
    folder = cache_dir()
    if folder is None or key is None:
        return None
    f = folder / f"{key}.pickle"
    try:
        with open(f, "rb") as fh:
            G = pickle.load(fh)
    except FileNotFoundError:
        return None
    except (OSError, EOFError, ValueError, AttributeError, ImportError, IndexError, TypeError,
            pickle.UnpicklingError) as exc:  # a damaged entry is rebuilt, never trusted
        log.warning("Ignoring unreadable graph cache %s (%s)", f, exc)
        return None
    log.info("Graph from cache %s", f.name[:12])
    return G


def store(key: str, G) -> None:
    """Write ``G`` under ``key`` atomically (silently skipped if the folder is not writable)."""
    folder = cache_dir()
    if folder is None or key is None:
        return
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(prefix=".graph.", suffix=".part", dir=folder)
        try:
            with os.fdopen(fd, "wb") as fh:
                pickle.dump(G, fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, folder / f"{key}.pickle")
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
    except OSError as exc:
        log.info("Graph cache not written (%s)", exc)


def cached_build_graph(data=None, *, date=None, scenario=None, modes=None, params=None, dataset=None):
    """:func:`network.build_graph` through the cache: same graph, built at most once per input.

    ``dataset`` is an already-loaded unfiltered Dataset of ``data`` to use on a miss.
    """
    key = cache_key(data, date=date, scenario=scenario, modes=modes, params=params)
    G = load(key) if key is not None else None
    if G is not None:
        return G
    from .build import build_graph

    if dataset is None:
        from ..geodata.io import load_dataset

        dataset = load_dataset(data)
    G = build_graph(dataset, date=date, scenario=scenario, modes=modes, params=params)
    store(key, G)
    return G
