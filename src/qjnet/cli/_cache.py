"""The command line's on-disk cache of built graphs (the library never touches the disk).

Importing geopandas and reading the layers costs about a second; a built graph
of the embedded dataset loads in milliseconds.  An entry is found by a SHA-256
key over everything the graph depends on:

* the bytes of every ``*.geojson`` / ``*.json`` file of the dataset folder (or
  of the ``.gpkg`` file), so any edit to the data misses;
* the source of every module of ``qjnet.geodata`` and ``qjnet.network``, so a
  code change misses;
* the Python and networkx versions;
* the request: date (or today's date when none is given), scenario, modes and
  time parameters, and the bytes of the what-if scenario file (``--scenario-file``) when one is given.

Entries are pickles, and a pickle can run code when loaded, so an entry is
only ever loaded when it is trusted:

* the folder (``$QJNET_CACHE_DIR``, else ``$XDG_CACHE_HOME/qjnet/graphs``, else
  ``~/.cache/qjnet/graphs``) is a real directory owned by the user that nobody
  else can write (it is created with mode 0700); otherwise the cache is not
  used at all, with one log line;
* the entry is a regular file (links are not followed) owned by the user;
* the entry carries an HMAC-SHA256 of its bytes made with a per-user secret key
  (``key`` in the folder, mode 0600, 32 random bytes), checked before anything
  is unpickled.

A damaged, foreign, forged or wrong-type entry is ignored with one log line
and rebuilt.  ``QJNET_CACHE=0`` switches the cache off.

The same folder and rules keep the loaded dataset a map draws from
(``KEY.dataset``, :func:`dataset`; its key adds where the dataset lies and the
versions of pandas, geopandas, shapely and pyproj) and, through
:func:`read_signed` / :func:`write_signed`, the compiled page templates of
:mod:`._templates`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import hmac
import importlib.util
import json
import logging
import os
import pickle
import secrets
import stat
import sys
import tempfile
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

_CODE_PACKAGES = ("qjnet.geodata", "qjnet.network")
_MAC_SIZE = 32
_KEY_FILE = "key"


def cache_dir() -> Path | None:
    """The cache folder, or ``None`` when caching is switched off (``QJNET_CACHE=0``)."""
    if os.environ.get("QJNET_CACHE", "1").strip().lower() in ("0", "no", "false", "off"):
        return None
    if os.environ.get("QJNET_CACHE_DIR"):
        return Path(os.environ["QJNET_CACHE_DIR"])
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "qjnet" / "graphs"


def _code_files() -> list[tuple[str, Path]]:
    out = []
    for package in _CODE_PACKAGES:
        spec = importlib.util.find_spec(package)
        for folder in (spec.submodule_search_locations or []) if spec else []:
            for f in sorted(Path(folder).rglob("*.py")):
                out.append((f"{package}/{f.relative_to(folder).as_posix()}", f))
    return out


def _dataset_files(data: str | os.PathLike | None) -> list[Path] | None:
    if data is None:
        spec = importlib.util.find_spec("qjnet.geodata")
        locations = list(spec.submodule_search_locations or []) if spec else []
        if not locations:
            return None
        path = Path(locations[0]) / "data" / "qianjiang"
    else:
        path = Path(data)
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.is_file() and p.suffix in (".geojson", ".json"))
    if path.is_file():
        return [path]
    return None


def _hash_code_and_data(h: Any, data) -> bool:
    """Feed the code of ``qjnet.geodata``/``qjnet.network`` and the dataset's files to ``h``; False if unreadable."""
    for name, f in _code_files():
        h.update(name.encode())
        h.update(f.read_bytes())
    try:
        files = _dataset_files(data)
        if files is None:
            return False
        for f in files:
            h.update(f.name.encode())
            h.update(f.read_bytes())
    except OSError:
        return False
    return True


def cache_key(data, *, date=None, scenario=None, modes=None, params=None, scenario_file=None) -> str | None:
    """SHA-256 key of a build request (``None`` if the dataset cannot be read as files).

    ``scenario_file`` is the bytes of a what-if scenario file applied to the graph.
    """
    import networkx as nx

    from ..network.params import TimeParams, parse_modes

    h = hashlib.sha256()
    if not _hash_code_and_data(h, data):
        return None
    h.update(f"{sys.version}|{nx.__version__}".encode())
    params = params if isinstance(params, TimeParams) else TimeParams.from_dict(params)
    request = {"date": None if date is None else str(date), "today": dt.date.today().isoformat(),
               "scenario": scenario, "modes": list(parse_modes(modes)), "params": params.to_dict()}
    h.update(json.dumps(request, sort_keys=True).encode())
    if scenario_file is not None:
        h.update(b"what-if scenario file:")
        h.update(bytes(scenario_file))
    return h.hexdigest()


def dataset_key(data) -> str | None:
    """SHA-256 key of the whole loaded dataset ``data`` (a folder or a GeoPackage; ``None``: the embedded one).

    Besides the code and the files, the key covers where the dataset lies
    (a loaded dataset records its path) and the versions of the libraries its
    tables are pickled with.  ``None`` if the dataset cannot be read as files.
    """
    import geopandas
    import pandas
    import pyproj
    import shapely

    h = hashlib.sha256(b"dataset:")
    if not _hash_code_and_data(h, data):
        return None
    where = "embedded" if data is None else str(Path(data).resolve())
    versions = [sys.version, pandas.__version__, geopandas.__version__, shapely.__version__, pyproj.__version__]
    h.update(json.dumps([where, versions]).encode())
    return h.hexdigest()


def _trusted_folder(folder: Path) -> bool:
    """True if ``folder`` is a directory owned by this user that no one else can write."""
    try:
        st = os.lstat(folder)
    except OSError:
        return False
    if not stat.S_ISDIR(st.st_mode):
        log.warning("Graph cache not used: %s is not a directory", folder)
        return False
    if st.st_uid != os.getuid() or st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        log.warning("Graph cache not used: %s is not a private folder of this user "
                    "(it must be owned by you with mode 0700)", folder)
        return False
    return True


def _read_private(path: Path, limit: int | None = None) -> bytes | None:
    """The bytes of ``path`` if it is a regular file owned by this user and not writable by others."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except FileNotFoundError:
        return None
    except OSError as exc:
        log.warning("Ignoring graph cache entry %s (%s)", path.name, exc)
        return None
    with os.fdopen(fd, "rb") as fh:
        st = os.fstat(fh.fileno())
        if (not stat.S_ISREG(st.st_mode) or st.st_uid != os.getuid()
                or st.st_mode & (stat.S_IWGRP | stat.S_IWOTH)):
            log.warning("Ignoring graph cache entry %s: not a private file of this user", path.name)
            return None
        return fh.read(limit) if limit else fh.read()


def _secret(folder: Path, *, create: bool) -> bytes | None:
    key = _read_private(folder / _KEY_FILE, 64)
    if key is not None and len(key) == 32:
        return key
    if not create:
        return None
    key = secrets.token_bytes(32)
    try:
        _write_private(folder / _KEY_FILE, key)
    except OSError as exc:
        log.info("Graph cache key not written (%s)", exc)
        return None
    return key


def _write_private(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=".part.", dir=path.parent)  # mode 0600
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def read_signed(name: str, folder: Path | None = None) -> bytes | None:
    """The body of the signed entry ``name`` of the cache folder, or ``None`` (absent, untrusted or forged).

    The signature is checked before the caller does anything with the bytes
    (they may be unpickled or hold compiled code).  ``folder``: default
    :func:`cache_dir`.
    """
    folder = folder or cache_dir()
    if folder is None or not folder.exists() or not _trusted_folder(folder):
        return None
    blob = _read_private(folder / name)
    secret = _secret(folder, create=False)
    if blob is None or secret is None:
        return None
    mac, body = blob[:_MAC_SIZE], blob[_MAC_SIZE:]
    if not hmac.compare_digest(mac, hmac.new(secret, body, hashlib.sha256).digest()):
        log.warning("Ignoring cache entry %s: its signature does not match", name[:24])
        return None
    return body


def write_signed(name: str, body: bytes, folder: Path | None = None) -> None:
    """Write ``body`` as the entry ``name``, signed and atomically (skipped, with a log line, if that is not possible).

    ``folder``: default :func:`cache_dir`.
    """
    folder = folder or cache_dir()
    if folder is None:
        return
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        if not _trusted_folder(folder):
            return
        secret = _secret(folder, create=True)
        if secret is None:
            return
        _write_private(folder / name, hmac.new(secret, body, hashlib.sha256).digest() + body)
    except OSError as exc:
        log.info("Cache entry not written (%s)", exc)


#: kind of entry -> its file name (what it must unpickle to: :func:`_expected`)
_KINDS = {"graph": "{key}.pickle", "dataset": "{key}.dataset"}


def _expected(kind: str) -> type:
    if kind == "graph":
        import networkx as nx

        return nx.MultiDiGraph
    from ..geodata.dataset import Dataset

    return Dataset


def load(key: str | None, *, kind: str = "graph") -> Any:
    """The cached graph (or, ``kind="dataset"``, loaded dataset) for ``key``, or ``None``.

    ``None`` when the entry is absent, untrusted, damaged or of another type.
    """
    if key is None:
        return None
    body = read_signed(_KINDS[kind].format(key=key))
    if body is None:
        return None
    try:
        value = pickle.loads(body)
    except Exception as exc:  # a signed entry of an older code version that no longer loads
        log.warning("Ignoring unreadable %s cache entry %s (%s)", kind, key[:12], exc)
        return None
    wanted = _expected(kind)
    if not isinstance(value, wanted):
        log.warning("Ignoring %s cache entry %s: it holds a %s, not a %s", kind, key[:12], type(value).__name__,
                    kind)
        return None
    log.info("%s from cache %s", kind.capitalize(), key[:12])
    return value


def store(key: str | None, value: Any, *, kind: str = "graph") -> None:
    """Write ``value`` (a graph, or a loaded dataset for ``kind="dataset"``) under ``key``, signed and atomically."""
    if key is None or cache_dir() is None:
        return
    write_signed(_KINDS[kind].format(key=key), pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))


def dataset(data) -> Any:
    """The whole dataset ``data`` (``None``: the embedded one), from the cache when possible, else loaded and kept."""
    key = dataset_key(data)
    ds = load(key, kind="dataset")
    if ds is None:
        from ..geodata.io import load_dataset

        ds = load_dataset(data)
        store(key, ds, kind="dataset")
    return ds
