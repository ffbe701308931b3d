"""qjnet: transport and logistics network model of Qianjiang and the Wuling Mountain region.

The model lives in the ``geodata``, ``network`` and ``maps`` packages; this package holds the
version and the command-line interface.
"""

from __future__ import annotations

import functools


@functools.cache
def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("qjnet")
    except PackageNotFoundError:  # running from a source tree that is not installed
        return "0+unknown"


def __getattr__(name: str) -> str:
    # ``__version__`` is read from the installed metadata on first use: reading it costs more
    # than the rest of the package's import, which every command pays.
    if name == "__version__":
        return _version()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
