"""Sphinx configuration for the qjnet documentation.

The site is built from the installed package: autodoc reads the numpydoc docstrings of
``qjnet.geodata``, ``qjnet.network`` and ``qjnet.maps``, and sphinx-click documents the
``qjnet`` command line from its click group.  ``sphinx-build -W -b html docs out`` builds
it offline.
"""

from __future__ import annotations

import importlib.util

import qjnet

project = "qjnet"
author = "qjnet contributors"
copyright = "2025-2026, qjnet contributors"
release = qjnet.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "numpydoc",
    "sphinx_click",
]

root_doc = "index"
exclude_patterns = ["_build"]
language = "en"

autodoc_default_options = {"members": True, "member-order": "bysource"}
autodoc_typehints = "none"  # numpydoc's Parameters sections already give the types
autosummary_generate = False
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_validation_checks: set[str] = set()

html_theme = "furo" if importlib.util.find_spec("furo") else "alabaster"
html_title = f"qjnet {release}"
html_static_path: list[str] = []
