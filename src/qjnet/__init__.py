"""qjnet: transport and logistics network model of Qianjiang and the Wuling Mountain region.

The model lives in the ``geodata``, ``network`` and ``maps`` packages; this package holds the
version and the command-line interface.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("qjnet")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"
