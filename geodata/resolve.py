"""One resolver from what a user typed to a node id, for every command and notebook.

:func:`resolve_node` looks a place up among the nodes a query can use (a graph,
or a Dataset), and, when that fails, in the whole dataset, so that a place
that exists but not on the query's date or scenario gets an answer that says
why instead of "unknown place".
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Hashable
from typing import Any

from .errors import OptionError, PlaceNotFoundError
from .io import Dataset, parse_date
from .lookup import resolve_id

__all__ = ["resolve_node"]

#: Node kinds that are internal to a model graph and never named by users.
INTERNAL_KINDS = frozenset({"service_stop"})


def _kind(candidates: Any, node: Hashable) -> str | None:
    if isinstance(candidates, Dataset):
        return candidates.nodes.at[node, "kind"] if node in candidates.nodes.index else None
    return candidates.nodes[node].get("kind") if node in candidates else None


def _has(candidates: Any, node: Hashable) -> bool:
    present = node in candidates.nodes.index if isinstance(candidates, Dataset) else node in candidates
    return present and _kind(candidates, node) not in INTERNAL_KINDS


def _exact(candidates: Any, text: str) -> Hashable | None:
    if _has(candidates, text):
        return text
    if text.lstrip("-").isdigit() and _has(candidates, int(text)):  # road networks use integer ids
        return int(text)
    return None


def resolve_node(candidates: Any, text: str, *,
                 dataset: Dataset | Callable[[], Dataset] | None = None) -> Hashable:
    """The node id of ``candidates`` that ``text`` names.

    Parameters
    ----------
    candidates
        Where the answer must lie: a graph built by :mod:`qjnet.network`
        (its place and station nodes; internal service-stop nodes never
        match) or a :class:`~qjnet.geodata.io.Dataset`.
    text
        An id (an exact id always wins; digits also match an integer id), a
        Chinese, English or pinyin name, or ``"lat,lon"`` (nearest node).
    dataset
        The whole dataset behind ``candidates`` (or a function that loads it,
        called only when needed).  A name that matches nothing among the
        candidates is looked up there; if it names a node that is absent from
        ``candidates`` (not yet opened on the graph's date, planned, closed or
        left out by the scenario) the error says which and why.

    Returns
    -------
    Hashable
        The node id.

    Raises
    ------
    PlaceNotFoundError
        Nothing matches (with "did you mean" suggestions), or the match is
        ambiguous (:class:`~qjnet.geodata.errors.AmbiguousPlaceError`).
    OptionError
        The place exists in ``dataset`` but not on the graph's date or scenario.

    Examples
    --------
    >>> from qjnet.geodata.io import load_dataset
    >>> from qjnet.network import build_graph
    >>> full = load_dataset()
    >>> G = build_graph(full, date="2025-07-03")
    >>> resolve_node(G, "黔江"), resolve_node(G, "Chongqing East")
    ('qianjiang_dist', 'cq_east')
    >>> old = build_graph(full, date="2025-06-26")
    >>> resolve_node(old, "重庆东站", dataset=full)
    Traceback (most recent call last):
    ...
    qjnet.geodata.errors.OptionError: Chongqing East (cq_east) does not exist on 2025-06-26 (opened 2025-06-27); ...
    """
    exact = _exact(candidates, text)
    if exact is not None:
        return exact
    try:
        return resolve_id(candidates, text)
    except PlaceNotFoundError as err:
        if dataset is None or type(err) is not PlaceNotFoundError:  # ambiguity is reported as it is
            raise
        first_error = err
    full = dataset() if callable(dataset) else dataset
    nid = text if text in full.nodes.index else resolve_id(full, text)
    if _has(candidates, nid):
        return nid
    if nid not in full.nodes.index:
        raise first_error
    raise OptionError(_absent_message(candidates, full, nid))


def _absent_message(candidates: Any, full: Dataset, nid: Hashable) -> str:
    row = full.nodes.loc[nid]
    graph = getattr(candidates, "graph", {})
    when = parse_date(graph.get("date")) if isinstance(graph, dict) else None
    scenario = graph.get("scenario") if isinstance(graph, dict) else None
    opened = parse_date(row.get("opened")) if isinstance(row.get("opened"), (str, _dt.date)) else None
    status = row.get("status")
    if status not in (None, "open") and status == status:
        why = f"status {status}"
    elif opened is not None and when is not None and opened > when:
        why = f"opened {opened.isoformat()}"
    else:
        why = "closed or not included"
    on = f" on {when.isoformat()}" if when else ""
    in_scenario = f" in scenario {scenario}" if scenario else ""
    return (f"{row.get('name_en')} ({nid}) does not exist{on}{in_scenario} ({why}); choose a later date, "
            "a scenario that adds it, or another place")
