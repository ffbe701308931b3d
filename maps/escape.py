"""Escaping user-supplied text for folium's HTML and JavaScript templates.

folium writes popups and tooltips into JavaScript template literals
(`` `...` ``) whose content is later parsed as HTML, and layer names into
JavaScript strings that Leaflet inserts as HTML.  A place name such as
``<script>alert(1)</script>`` or ``${alert(1)}`` must therefore be inert in
both languages.  :func:`esc` turns every character that means something in
HTML (``& < > " '``) or in a template literal (`` ` ``, ``$``, ``\\``) into an
HTML character reference: the browser shows the original character, and no
JavaScript or HTML syntax survives.  Every string that reaches a map goes
through :func:`esc` (directly or through :func:`table`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..geodata._util import is_null

_REFS = {
    "&": "&amp;",
    "<": "&lt;",
    ">": "&gt;",
    '"': "&quot;",
    "'": "&#39;",
    "`": "&#96;",
    "$": "&#36;",
    "\\": "&#92;",
    "{": "&#123;",
    "}": "&#125;",
}
_TABLE = str.maketrans(_REFS)


missing = is_null  # None, NaN, pandas NA/NaT: the one definition in qjnet.geodata._util

def esc(value: Any) -> str:
    """Return ``value`` as text safe in HTML and inside a JavaScript template literal.

    ``None`` and NaN become the empty string; other values are converted with
    ``str``.  Newlines become ``<br>`` so multi-line text keeps its lines.

    Examples
    --------
    >>> esc("<script>alert(1)</script>")
    '&lt;script&gt;alert(1)&lt;/script&gt;'
    >>> esc("${alert(1)}")
    '&#36;&#123;alert(1)&#125;'
    >>> esc("黔江区")
    '黔江区'
    """
    if missing(value):
        return ""
    text = str(value).translate(_TABLE)
    return text.replace("\r\n", "\n").replace("\n", "<br>")


def fmt_minutes(value: Any) -> str:
    """Minutes rounded for display (``"61"``, ``"7.5"``); empty for missing values."""
    if missing(value):
        return ""
    value = float(value)
    return f"{value:.0f}" if abs(value - round(value)) < 0.05 else f"{value:.1f}"


def table(rows: Iterable[tuple[Any, Any]], *, title: Any = None) -> str:
    """An HTML ``<table>`` of ``(label, value)`` pairs, every cell escaped.

    Rows whose value is missing (``None``, NaN, empty) are left out.
    """
    parts = []
    if title is not None:
        parts.append(f"<b>{esc(title)}</b>")
    cells = []
    for label, value in rows:
        text = esc(value)
        if text:
            cells.append(f"<tr><th style='text-align:left;padding-right:6px'>{esc(label)}</th><td>{text}</td></tr>")
    if cells:
        parts.append("<table style='font-size:12px'>" + "".join(cells) + "</table>")
    return "".join(parts)


def grid(header: Iterable[Any], rows: Iterable[Iterable[Any]]) -> str:
    """An HTML table with a header row and data rows, every cell escaped."""
    head = "".join(f"<th style='text-align:left;padding:0 4px'>{esc(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td style='padding:0 4px'>{esc(c)}</td>" for c in row) + "</tr>"
                   for row in rows)
    return f"<table style='font-size:12px;border-collapse:collapse'><tr>{head}</tr>{body}</table>"
