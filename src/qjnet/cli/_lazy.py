"""Modules that folium imports and a ``qjnet`` command never uses, imported on first use instead.

folium imports ``requests`` (and with it urllib3, charset_normalizer, http
and ssl: about 45 ms, 6 % of a warm map command) to fetch GeoJSON given as a
URL; qjnet's maps draw only data they hold.  :func:`defer` puts a stand-in in
``sys.modules``: ``import requests`` then binds the stand-in, and the first
attribute read through it imports the real module, puts it back in
``sys.modules`` and answers from it, so code that does use it works as
before.  Only the ``qjnet`` command does this, before it imports folium; the
library leaves imports alone.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types
from typing import Any

#: Imported by folium, used only for GeoJSON given as a URL.
DEFERRED = ("requests",)


class _Deferred(types.ModuleType):
    """Stands in ``sys.modules`` for a module not imported yet; reading an attribute imports it.

    ``__spec__`` is the real module's spec, so that the import system takes
    the stand-in for a module already imported (it reads ``__spec__`` to see
    whether a module is still initialising) without importing anything.
    """

    def __init__(self, name: str, spec: Any):
        super().__init__(name)
        self.__spec__ = spec

    def __getattr__(self, attr: str) -> Any:  # only for attributes the stand-in does not have
        module = real(self.__name__)
        self.__dict__.update(module.__dict__)  # later reads through the stand-in need no lookup
        return getattr(module, attr)


def real(name: str) -> types.ModuleType:
    """The real module ``name``, imported now if only its stand-in was there."""
    if isinstance(sys.modules.get(name), _Deferred):
        del sys.modules[name]
    return importlib.import_module(name)


def defer(names: tuple[str, ...] = DEFERRED) -> list[str]:
    """Put a stand-in in ``sys.modules`` for each of ``names`` not imported yet; returns those deferred."""
    done = []
    for name in names:
        if name in sys.modules:
            continue
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            spec = None
        if spec is None:  # not installed: the import that needs it says so as usual
            continue
        sys.modules[name] = _Deferred(name, spec)
        done.append(name)
    return done


def before_folium() -> None:
    """What a command does before it imports folium (to draw a map): :func:`defer` what folium
    imports and qjnet never uses, and put the template cache in front of jinja
    (:func:`._templates.install`)."""
    from ._templates import install

    defer()
    install()
