"""The exception hierarchy shared by every qjnet layer.

All user-facing errors derive from :class:`QjnetError`; each also inherits the
matching built-in so ``except ValueError`` keeps working.  The CLI prints
``str(err)`` on one line and exits with ``err.exit_code``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class QjnetError(Exception):
    """Base of all qjnet errors.  ``exit_code`` is what the CLI exits with."""

    exit_code = 2


class DataError(QjnetError, ValueError):
    """A problem in an input file: names the file, the record and the field.

    Parameters
    ----------
    message
        What is wrong and how to fix it.
    file, record, field
        Where it is; any may be ``None`` when not applicable.
    """

    def __init__(self, message: str, *, file: Any = None, record: Any = None, field: str | None = None) -> None:
        self.file = None if file is None else str(file)
        self.record = record
        self.field = field
        self.message = message
        super().__init__(self._format())

    def _format(self) -> str:
        return located(self.message, file=self.file, record=self.record, field=self.field)


def located(message: str, *, file: Any = None, record: Any = None, field: str | None = None) -> str:
    """``"FILE, record 'R', field 'F': message"``, leaving out the parts that are ``None``."""
    where = []
    if file:
        where.append(str(file))
    if record is not None:
        where.append(f"record {record!r}")
    if field:
        where.append(f"field {field!r}")
    return f"{', '.join(where)}: {message}" if where else message


@dataclass(frozen=True)
class Problem:
    """One problem in a dataset: where it is, what is wrong, how to fix it.

    ``str(problem)`` is the one-line form printed by the CLI, e.g.
    ``nodes.geojson, record 'x', field 'kind': unknown kind 'town'; use one of place, ...``.
    """

    file: str | None
    record: str | None
    field: str | None
    message: str
    fix: str = ""

    def __str__(self) -> str:
        text = self.message + (f"; {self.fix}" if self.fix else "")
        return located(text, file=self.file, record=self.record, field=self.field)


class ValidationError(DataError):
    """Several data problems gathered in one report (``.problems``)."""

    def __init__(self, problems: list, *, file: Any = None) -> None:
        self.problems = list(problems)
        first = self.problems[0] if self.problems else None
        more = len(self.problems) - 1
        msg = str(first) if first is not None else "invalid dataset"
        if more > 0:
            msg += f" (and {more} more problem{'s' if more > 1 else ''}; run `qjnet validate` for the full report)"
        QjnetError.__init__(self, msg)
        self.file, self.record, self.field, self.message = (str(file) if file else None), None, None, msg


class PlaceNotFoundError(QjnetError, LookupError):
    """A place name or id that matches nothing; ``.suggestions`` holds close matches."""

    def __init__(self, message: str, suggestions: Any = ()) -> None:
        self.suggestions = list(suggestions)
        super().__init__(message)


class AmbiguousPlaceError(PlaceNotFoundError):
    """A place name that matches more than one node; ``.suggestions`` lists them."""


class ScenarioError(QjnetError, ValueError):
    """An unknown scenario, or one whose modifications cannot be applied."""


class OptionError(QjnetError, ValueError):
    """A bad or contradictory option value (minutes, dates, modes, ...)."""


class GraphError(QjnetError, ValueError):
    """A graph that breaks the graph contract (missing ``minutes``, negative times, ...)."""


class MissingDependencyError(QjnetError, ImportError):
    """An optional package a feature needs is not installed; the message says which extra brings it."""


def require(module: str, *, extra: str, purpose: str, alternative: str = "") -> None:
    """Raise :class:`MissingDependencyError` unless ``module`` can be imported (found, not imported).

    ``purpose`` says what needs it ("writing Parquet"); ``extra`` is the
    qjnet extra that installs it; ``alternative`` what to do without it.
    """
    import importlib.util

    try:
        found = importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # a parent package missing, or a module without a spec
        found = False
    if not found:
        instead = f", or {alternative}" if alternative else ""
        raise MissingDependencyError(f"{purpose} needs {module}, which is not installed: "
                                     f"pip install 'qjnet[{extra}]'{instead}")


class NoRouteError(QjnetError):
    """No path exists between the requested places; the CLI exits 1."""

    exit_code = 1
