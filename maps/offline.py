"""Self-contained (offline) HTML for folium maps.

folium links Leaflet, jQuery, Bootstrap and Font Awesome from public CDNs,
which are often blocked or slow in mainland China.  Here the page is rewritten
so it needs no network at all:

* Leaflet 1.9.3 (JS and CSS) and jQuery 3.7.1 are inlined from the
  ``xstatic-leaflet`` and ``xstatic-jquery`` packages; the images Leaflet's CSS
  refers to become ``data:`` URIs, and Leaflet's default marker icon is set to
  ``data:`` URIs too.
* Bootstrap, Font Awesome and awesome-markers (which have no local package) are
  dropped; qjnet's maps use CircleMarkers and an HTML legend instead.  A page
  that still uses awesome-markers (``folium.Icon``) is refused.
* Any other remote reference left in the page (``<script src>``,
  ``<link href>``, ``<img src>``, CSS ``url()``/``@import``, a tile layer not
  asked for) raises :class:`OfflineError` naming the URL, so a new folium
  feature cannot silently put a map online.

Maps made by :mod:`maps` sit in an :class:`OfflineFigure`, so both
``folium.Map.save`` and the notebook's ``_repr_html_`` give the offline page;
:func:`save` writes either form atomically.
"""

from __future__ import annotations

import base64
import functools
import json
import logging
import re
from pathlib import Path

from branca.element import Figure

from ..geodata.errors import QjnetError

log = logging.getLogger(__name__)

LEAFLET_VERSION = "1.9.3"
JQUERY_VERSION = "3.7.1"

#: folium's CDN assets that have no local package and that qjnet's maps do not use.
DROPPED = (
    re.compile(r"^https://cdn\.jsdelivr\.net/npm/bootstrap@[\d.]+/dist/(js/bootstrap\.bundle|css/bootstrap)\.min\.(js|css)$"),
    re.compile(r"^https://cdnjs\.cloudflare\.com/ajax/libs/Leaflet\.awesome-markers/[\d.]+/leaflet\.awesome-markers\.(js|css)$"),
    re.compile(r"^https://netdna\.bootstrapcdn\.com/bootstrap/[\d.]+/css/bootstrap-glyphicons\.css$"),
    re.compile(r"^https://cdn\.jsdelivr\.net/npm/@fortawesome/fontawesome-free@[\d.]+/css/all\.min\.css$"),
    re.compile(r"^https://cdn\.jsdelivr\.net/gh/python-visualization/folium/folium/templates/leaflet\.awesome\.rotate\.min\.css$"),
)
_LEAFLET_JS = re.compile(r"^https://cdn\.jsdelivr\.net/npm/leaflet@([\d.]+)/dist/leaflet\.js$")
_LEAFLET_CSS = re.compile(r"^https://cdn\.jsdelivr\.net/npm/leaflet@([\d.]+)/dist/leaflet\.css$")
_JQUERY_JS = re.compile(r"^https://code\.jquery\.com/jquery-([\d.]+)\.min\.js$")

_SCRIPT_LINK = re.compile(r'<script\s+src="([^"]*)"\s*>\s*</script>')
_CSS_LINK = re.compile(r'<link\s+rel="stylesheet"\s+href="([^"]*)"\s*/?>')
# resource loads that may remain after rewriting; each is checked
_RESOURCE_PATTERNS = (
    re.compile(r"<(?:script|img|iframe|embed|source|audio|video)\b[^>]*?\ssrc\s*=\s*[\"']?([^\"'\s>]+)", re.IGNORECASE),
    re.compile(r"<link\b[^>]*?\shref\s*=\s*[\"']?([^\"'\s>]+)", re.IGNORECASE),
    re.compile(r"url\(\s*[\"']?((?:[a-z][a-z0-9+.-]*:)?//[^\"')\s]+)", re.IGNORECASE),
    re.compile(r"@import\s+(?:url\()?\s*[\"']?([^\"')\s;]+)", re.IGNORECASE),
)
# URLs given to Leaflet in JavaScript (JSON strings: decode their escapes)
_JS_URL = re.compile(r"L\.(?:tileLayer(?:\.wms)?|imageOverlay|videoOverlay)\(\s*(\"(?:[^\"\\]|\\.)*\")")
#: CDN hosts whose name must not appear anywhere in an offline page.
CDN_HOSTS = ("cdn.jsdelivr.net", "code.jquery.com", "cdnjs.cloudflare.com", "netdna.bootstrapcdn.com",
             "unpkg.com", "d3js.org", "maxcdn.bootstrapcdn.com", "stackpath.bootstrapcdn.com",
             "ajax.googleapis.com", "rawcdn.githack.com", "cdn.plot.ly")


class OfflineError(QjnetError, RuntimeError):
    """The page refers to something that cannot be made self-contained."""


def _xstatic_dir(package: str) -> Path:
    if package == "leaflet":
        import xstatic.pkg.leaflet as pkg
    else:
        import xstatic.pkg.jquery as pkg
    return Path(pkg.BASE_DIR)


def _xstatic_version(package: str) -> str:
    if package == "leaflet":
        import xstatic.pkg.leaflet as pkg
    else:
        import xstatic.pkg.jquery as pkg
    return pkg.VERSION


def _data_uri(path: Path, mime: str = "image/png") -> str:
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


def _script_safe(js: str) -> str:
    """Make JS text safe inside ``<script>``: no closing tag, no comment opener, no source map."""
    js = re.sub(r"//# sourceMappingURL=\S+", "", js)
    return js.replace("</script", "<\\/script").replace("<!--", "<\\!--")


@functools.cache
def leaflet_js() -> str:
    """Leaflet's minified JavaScript from ``xstatic-leaflet`` plus data-URI default icons."""
    folder = _xstatic_dir("leaflet")
    images = folder / "images"
    icons = (
        "L.Icon.Default.imagePath = '';\n"
        "L.Icon.Default.mergeOptions({"
        f"iconUrl: '{_data_uri(images / 'marker-icon.png')}', "
        f"iconRetinaUrl: '{_data_uri(images / 'marker-icon-2x.png')}', "
        f"shadowUrl: '{_data_uri(images / 'marker-shadow.png')}'}});"
    )
    return _script_safe((folder / "leaflet.js").read_text(encoding="utf-8")) + "\n" + icons


@functools.cache
def leaflet_css() -> str:
    """Leaflet's CSS with its images as ``data:`` URIs."""
    folder = _xstatic_dir("leaflet")

    def inline(match: re.Match) -> str:
        path = folder / match.group(1)
        return f"url({_data_uri(path)})"

    css = re.sub(r"url\((images/[\w.-]+\.png)\)", inline, (folder / "leaflet.css").read_text(encoding="utf-8"))
    return css.replace("</style", "<\\/style")


@functools.cache
def jquery_js() -> str:
    """jQuery's minified JavaScript from ``xstatic-jquery``."""
    return _script_safe((_xstatic_dir("jquery") / "jquery.min.js").read_text(encoding="utf-8"))


def _check_version(match: re.Match, package: str, url: str) -> None:
    have = _xstatic_version(package)
    if match.group(1) != have:
        raise OfflineError(f"folium asks for {package} {match.group(1)} ({url}) but xstatic-{package} has {have}; "
                           f"install xstatic-{package}=={match.group(1)}.* or pass cdn=True")


def _is_local(url: str) -> bool:
    return url.startswith(("data:", "#"))


def inline_assets(html: str, *, allowed: frozenset[str] | set[str] = frozenset()) -> str:
    """Rewrite a rendered folium page so it needs no network.

    Parameters
    ----------
    html
        The page as ``Figure.render()`` gives it (folium's CDN links).
    allowed
        Remote URL templates the caller asked for on purpose (tile layers).

    Returns
    -------
    str
        The page with Leaflet and jQuery inlined and the unused CDN assets dropped.

    Raises
    ------
    OfflineError
        A remote or relative reference is left that has no local copy (the
        message names it), the page uses awesome-markers, or folium asks for a
        Leaflet/jQuery version the xstatic packages do not have.

    Examples
    --------
    >>> import folium
    >>> page = inline_assets(folium.Map(tiles=None).get_root().render())
    >>> "cdn.jsdelivr.net" in page, "Leaflet 1.9.3 (xstatic-leaflet)" in page
    (False, True)
    """
    if "L.AwesomeMarkers" in html:
        raise OfflineError("the map uses folium.Icon (awesome-markers), which has no offline copy; "
                           "use folium.CircleMarker, or save with cdn=True")

    def script(url: str) -> str:
        m = _LEAFLET_JS.match(url)
        if m:
            _check_version(m, "leaflet", url)
            return f"<script>/* Leaflet {LEAFLET_VERSION} (xstatic-leaflet) */\n{leaflet_js()}\n</script>"
        m = _JQUERY_JS.match(url)
        if m:
            _check_version(m, "jquery", url)
            return f"<script>/* jQuery {JQUERY_VERSION} (xstatic-jquery) */\n{jquery_js()}\n</script>"
        if any(p.match(url) for p in DROPPED):
            return ""
        raise OfflineError(f"the map links {url}, which has no offline copy; remove the feature that needs it "
                           "or save with cdn=True")

    def css(url: str) -> str:
        m = _LEAFLET_CSS.match(url)
        if m:
            _check_version(m, "leaflet", url)
            return f"<style>/* Leaflet {LEAFLET_VERSION} (xstatic-leaflet) */\n{leaflet_css()}\n</style>"
        if any(p.match(url) for p in DROPPED):
            return ""
        raise OfflineError(f"the map links the stylesheet {url}, which has no offline copy; remove the feature "
                           "that needs it or save with cdn=True")

    tags = re.compile(f"{_SCRIPT_LINK.pattern}|{_CSS_LINK.pattern}")
    check_offline(tags.sub("", html), allowed=allowed)
    return tags.sub(lambda m: script(m.group(1)) if m.group(1) is not None else css(m.group(2)), html)


def remote_references(html: str) -> list[str]:
    """Every resource the page would load that is not inline (``data:``), in order."""
    found = []
    for pattern in _RESOURCE_PATTERNS:
        for match in pattern.finditer(html):
            url = match.group(1)
            if not _is_local(url) and url not in found:
                found.append(url)
    for match in _JS_URL.finditer(html):
        url = json.loads(match.group(1))
        if not _is_local(url) and url not in found:
            found.append(url)
    return found


def check_offline(html: str, *, allowed: frozenset[str] | set[str] = frozenset()) -> None:
    """Raise :class:`OfflineError` naming the first resource ``html`` would fetch that is not allowed."""
    for url in remote_references(html):
        if url not in allowed:
            raise OfflineError(f"the map would load {url} over the network; an offline map may only load tile "
                               "layers that were asked for (tiles=...), so remove it or save with cdn=True")
    for host in CDN_HOSTS:
        if host in html:
            raise OfflineError(f"the map still refers to the CDN host {host}; remove the feature that needs it "
                               "or save with cdn=True")


class OfflineFigure(Figure):
    """A :class:`branca.element.Figure` whose rendered page is self-contained.

    ``allowed`` holds the remote URL templates (tile layers) the map's maker
    asked for; everything else must be inline.
    """

    def __init__(self, *args, allowed: set[str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.allowed: set[str] = set(allowed or ())

    def render(self, **kwargs) -> str:
        """Render the page with folium's CDN links replaced by inline assets."""
        return inline_assets(super().render(**kwargs), allowed=self.allowed)

    def render_cdn(self, **kwargs) -> str:
        """Render the page with folium's default CDN links (smaller, needs the network)."""
        return super().render(**kwargs)


def make_offline(m, *, allowed: set[str] | None = None):
    """Put folium map ``m`` into an :class:`OfflineFigure` (in place) and return it.

    After this, ``m.save(...)``, ``m.get_root().render()`` and the notebook's
    ``m._repr_html_()`` all give the self-contained page.
    """
    root = m.get_root()
    if isinstance(root, OfflineFigure):
        root.allowed |= set(allowed or ())
        return m
    fig = OfflineFigure(allowed=allowed)
    fig.add_child(m)
    return m


def render(m, *, cdn: bool = False) -> str:
    """The full HTML page of folium map ``m``: self-contained, or with CDN links when ``cdn``."""
    root = m.get_root()
    if cdn:
        return Figure.render(root)
    if isinstance(root, OfflineFigure):
        return root.render()
    return inline_assets(Figure.render(root))


def save(m, path, *, cdn: bool = False) -> Path:
    """Write folium map ``m`` to ``path`` as one HTML file, atomically.

    Parameters
    ----------
    m
        A ``folium.Map`` (any map, not only qjnet's).
    path
        Output file; its folder must exist.
    cdn
        ``False`` (default): self-contained page that works with no network.
        ``True``: folium's default CDN links (a small file that needs the network).

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    OfflineError
        The map needs a remote asset that has no offline copy (``cdn=False`` only).
    OptionError
        The folder does not exist or cannot be written.
    """
    from ..geodata._atomic import write_text

    html = render(m, cdn=cdn)
    write_text(path, html)
    log.info("Wrote map %s (%d kB%s)", path, len(html.encode("utf-8")) // 1024, ", CDN links" if cdn else "")
    return Path(path)
