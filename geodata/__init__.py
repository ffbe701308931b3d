"""geodata: qjnet's data layer — datasets, schemas, validation, CRS and GCJ-02, file formats.

Imports neither ``network`` nor ``maps``.
"""

from .errors import (
    AmbiguousPlaceError,
    DataError,
    GraphError,
    NoRouteError,
    OptionError,
    PlaceNotFoundError,
    QjnetError,
    ScenarioError,
    ValidationError,
)

__all__ = [
    "AmbiguousPlaceError",
    "DataError",
    "GraphError",
    "NoRouteError",
    "OptionError",
    "PlaceNotFoundError",
    "QjnetError",
    "ScenarioError",
    "ValidationError",
]
