"""Place lookup: turn what a user types into a node of a dataset.

Accepted forms, tried in this order:

1. an id (``qianjiang_dist``) — an exact id always wins;
2. a full name: Chinese (``黔江区``, ``黔江站``), English (``Qianjiang District``,
   case-insensitive) or tone-less pinyin of the Chinese name (``qianjiangqu``,
   ``qian jiang zhan``);
3. a short name: the Chinese name without its administrative or station
   suffix (``黔江`` for 黔江区 and 黔江站, ``酉阳`` for 酉阳土家族苗族自治县), its
   pinyin (``qianjiang``, ``youyang``) or the English name without
   District/County/City/Station (``Youyang``);
4. a name with a kind word: ``机场``/airport, ``站``/``火车站``/``高铁站``/station,
   ``港``/port, ``县``/``区``/``市``/``州`` (a place) steer the kind, so ``黔江机场`` is
   Qianjiang airport and ``重庆机场`` Chongqing Jiangbei airport (several airports
   named 重庆...: the one nearest to the place 重庆); a kind word that matches no
   node of its kind is an error ("no airport named '秀山'; did you mean ...");
5. ``"lat,lon"`` in degrees (``29.53,108.77``): a coordinate place with
   ``id=None`` and the nearest node in ``nearest``; :func:`resolve_id` refuses a
   point farther than :data:`MAX_SNAP_KM` from every node instead of snapping it.

Text is normalised first (:func:`normalise`): NFKC (full-width letters, digits
and punctuation), zero-width characters removed, spaces collapsed and dropped
between Chinese characters, and traditional characters of the dataset's names
mapped to simplified (``黔江區`` is ``黔江区``).

When a name matches several nodes and exactly one of them is a county-level
place (``kind == "place"``), the place wins: ``黔江`` is Qianjiang District,
not Qianjiang station (type ``黔江站`` for the station).  Any other tie raises
:class:`~geodata.errors.AmbiguousPlaceError` listing the candidates; an
unknown name raises :class:`~geodata.errors.PlaceNotFoundError` with "did you
mean" suggestions.
"""

from __future__ import annotations

import math
import re
import weakref
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ._names import KIND_WORDS_LATIN, KIND_WORDS_ZH, PLACE_KINDS, normalise
from ._util import haversine_km, is_null
from .errors import AmbiguousPlaceError, PlaceNotFoundError

__all__ = ["MAX_SNAP_KM", "Place", "nearest_node", "normalise", "pinyin_key", "resolve_id", "resolve_place",
           "short_name_zh"]

#: farthest a ``"lat,lon"`` point may lie from a node for :func:`resolve_id` to use that node (km)
MAX_SNAP_KM = 30.0

_ETHNIC = ("土家族", "苗族", "侗族", "仡佬族", "彝族", "回族", "蒙古族", "藏族", "瑶族", "壮族", "白族",
           "布依族", "水族", "满族", "畲族", "哈尼族", "傣族", "黎族", "羌族", "纳西族", "傈僳族")
_AUTONOMOUS = re.compile("(?:" + "|".join(_ETHNIC) + ")*自治(?:县|州|旗|区)$")
# longest first: 机场 before 场, 新区 before 区
_ZH_SUFFIXES = ("国际机场", "通用机场", "机场", "中心城区", "主城区", "城区", "新区", "街道", "古镇", "区", "县", "市", "站",
                "镇", "乡")
_EN_SUFFIXES = re.compile(r"\s+(district|county|city|station|railway station|airport|autonomous county)$",
                          re.IGNORECASE)
_PARENS = re.compile(r"\s*[(（][^)）]*[)）]")
_CJK = re.compile("[\u3400-\u9fff]")
_COORD = re.compile(r"^\s*([-+]?\d+(?:\.\d+)?)\s*[,，]\s*([-+]?\d+(?:\.\d+)?)\s*$")


@dataclass(frozen=True)
class Place:
    """A resolved place: a dataset node, or a coordinate (``id is None``).

    ``matched_by`` says how the text matched: ``"id"``, ``"name_zh"``,
    ``"name_en"``, ``"pinyin"``, ``"short_name"`` or ``"coordinates"``.  For a
    coordinate place ``nearest`` is the id of the closest node (among the
    requested kinds) and ``nearest_km`` its great-circle distance.
    """

    id: str | None
    name_zh: str | None
    name_en: str | None
    kind: str | None
    lon: float
    lat: float
    matched_by: str
    nearest: str | None = None
    nearest_km: float | None = None

    @property
    def label(self) -> str:
        """``id (name_zh, name_en)`` for messages; the coordinates for a coordinate place."""
        if self.id is None:
            return f"{self.lat:.5f},{self.lon:.5f}"
        names = ", ".join(n for n in (self.name_zh, self.name_en) if n)
        return f"{self.id} ({names})" if names else self.id


def short_name_zh(name: str) -> str:
    """A Chinese name without its autonomous-county, administrative or station suffix.

    Examples
    --------
    >>> short_name_zh("酉阳土家族苗族自治县"), short_name_zh("黔江区"), short_name_zh("黔江站")
    ('酉阳', '黔江', '黔江')
    >>> short_name_zh("重庆东站"), short_name_zh("重庆中心城区(都市核心)"), short_name_zh("长寿站 (渝怀)")
    ('重庆东', '重庆', '长寿')
    """
    text = _PARENS.sub("", name).strip() or name.strip()
    stripped = _AUTONOMOUS.sub("", text)
    if stripped != text and len(stripped) >= 2:
        return stripped
    for suffix in _ZH_SUFFIXES:
        if text.endswith(suffix) and len(text) - len(suffix) >= 2:
            return text[: -len(suffix)]
    return text


def _latin(text: str) -> str:
    """Lower-case letters and digits only (``"Xi'an North"`` -> ``"xiannorth"``); ü -> v."""
    text = text.lower().replace("ü", "v").replace("u:", "v")
    return "".join(ch for ch in text if ch.isascii() and ch.isalnum())


def pinyin_key(name_zh: str) -> str:
    """Tone-less pinyin of a Chinese name, no spaces (``黔江区`` -> ``qianjiangqu``).

    Examples
    --------
    >>> pinyin_key("重庆东站")
    'chongqingdongzhan'
    """
    from pypinyin import Style, lazy_pinyin

    return _latin("".join(lazy_pinyin(name_zh, style=Style.NORMAL, errors="ignore")))


def _text(value: Any) -> str | None:
    if is_null(value):
        return None
    text = str(value).strip()
    return text or None


@dataclass
class _Index:
    ids: dict[str, str]                     # lower-case id -> id
    tiers: tuple[dict[str, dict[str, str]], ...]  # (full, short): key -> {node id: how it matched}
    nodes: dict[str, tuple]                 # id -> (name_zh, name_en, kind, lon, lat)
    choices: dict[str, set[str]]            # every key (for suggestions) -> node ids
    pinyin_ready: bool = False              # pinyin keys are added on the first Latin query
    keys: dict[str, dict[str, tuple[int, str]]] = field(default_factory=dict)  # node id -> key -> (tier, how)

    def put(self, tier: int, key: str, nid: str, how: str) -> None:
        if key:
            self.tiers[tier].setdefault(key, {}).setdefault(nid, how)
            self.choices.setdefault(key, set()).add(nid)
            self.keys.setdefault(nid, {}).setdefault(key, (tier, how))

    def ensure_pinyin(self) -> None:
        """Add the pinyin keys (pypinyin loads its dictionaries only when a Latin query needs them)."""
        if self.pinyin_ready:
            return
        for nid, (name, *_rest) in self.nodes.items():
            if not name:
                continue
            zh = normalise(name)
            self.put(0, pinyin_key(zh), nid, "pinyin")
            plain = _PARENS.sub("", zh).strip()
            if plain and plain != zh:
                self.put(0, pinyin_key(plain), nid, "pinyin")
            short = short_name_zh(zh)
            if short != zh:
                self.put(1, pinyin_key(short), nid, "pinyin")
        self.pinyin_ready = True


_CACHE: dict[int, tuple[weakref.ref, int, _Index]] = {}


def _rows(source):
    """``(id, name_zh, name_en, kind, lon, lat)`` of every node of a Dataset or a qjnet graph."""
    nodes = getattr(source, "nodes", None)
    if nodes is not None and hasattr(nodes, "columns"):  # a Dataset: GeoDataFrame nodes
        cols = {c: (nodes[c] if c in nodes.columns else [None] * len(nodes)) for c in ("name_zh", "name_en", "kind")}
        for nid, zh, en, kind, geom in zip(nodes.index, cols["name_zh"], cols["name_en"], cols["kind"],
                                           nodes.geometry, strict=False):
            lon, lat = (geom.x, geom.y) if geom is not None and not geom.is_empty else (math.nan, math.nan)
            yield str(nid), zh, en, kind, lon, lat
        return
    # a networkx graph built by network: place/station nodes carry x, y, kind and names
    for nid, attrs in source.nodes(data=True):
        if attrs.get("kind") == "service_stop" or "x" not in attrs:
            continue
        yield str(nid), attrs.get("name_zh"), attrs.get("name_en"), attrs.get("kind"), attrs["x"], attrs["y"]


def _table(source):
    nodes = getattr(source, "nodes", None)
    return nodes if nodes is not None and hasattr(nodes, "columns") else source


def _index(source) -> _Index:
    """The lookup index of a Dataset's nodes (or a graph's), built once and cached."""
    table = _table(source)
    size = len(table)
    hit = _CACHE.get(id(table))
    if hit is not None and hit[0]() is table and hit[1] == size:
        return hit[2]
    idx = _Index(ids={}, tiers=({}, {}), nodes={}, choices={})
    for nid, zh, en, kind, lon, lat in _rows(source):
        zh, en = _text(zh), _text(en)
        idx.nodes[nid] = (zh, en, _text(kind), float(lon), float(lat))
        zh, en = (normalise(zh) if zh else None), (normalise(en) if en else None)
        idx.ids[nid.lower()] = nid
        idx.choices.setdefault(nid, set()).add(nid)
        if zh:
            idx.put(0, zh, nid, "name_zh")
            plain_zh = _PARENS.sub("", zh).strip()
            if plain_zh and plain_zh != zh:
                # 长寿站 (渝怀) is also the full name 长寿站; 酉阳(黔吉高铁,规划) is only the bare 酉阳,
                # which ranks as a short name so that the county 酉阳县 is preferred to it
                idx.put(0 if short_name_zh(plain_zh) != plain_zh else 1, plain_zh, nid,
                        "name_zh" if short_name_zh(plain_zh) != plain_zh else "short_name")
            short = short_name_zh(zh)
            if short != zh:
                idx.put(1, short, nid, "short_name")
        if en:
            idx.put(0, _latin(en), nid, "name_en")
            plain = _PARENS.sub("", en).strip()
            bare = plain != en.strip() and _EN_SUFFIXES.sub("", plain) == plain
            idx.put(1 if bare else 0, _latin(plain), nid, "name_en")
            short = _EN_SUFFIXES.sub("", plain)
            if short != plain:
                idx.put(1, _latin(short), nid, "name_en")
    if len(_CACHE) > 16:
        _CACHE.clear()
    _CACHE[id(table)] = (weakref.ref(table), size, idx)
    return idx


def _place(idx: _Index, nid: str, how: str) -> Place:
    zh, en, kind, lon, lat = idx.nodes[nid]
    return Place(id=nid, name_zh=zh, name_en=en, kind=kind, lon=lon, lat=lat, matched_by=how)


def nearest_node(ds: Any, lon: float, lat: float, *, kinds: Iterable[str] | None = None) -> Place:
    """The node closest to ``(lon, lat)`` (great-circle distance), optionally of some kinds.

    Parameters
    ----------
    ds
        A :class:`geodata.io.Dataset`.
    lon, lat
        WGS-84 degrees.
    kinds
        Keep only nodes of these kinds (e.g. ``["place"]``).

    Returns
    -------
    Place
        The node, ``matched_by="nearest"``, with ``nearest_km`` set.

    Raises
    ------
    PlaceNotFoundError
        No node of the requested kinds exists.

    Examples
    --------
    >>> from qjnet.geodata.io import load_dataset
    >>> nearest_node(load_dataset(), 108.77, 29.53, kinds=["place"]).id
    'qianjiang_dist'
    """
    idx = _index(ds)
    wanted = set(kinds) if kinds is not None else None
    best, best_km = None, math.inf
    for nid, (_, _, kind, nlon, nlat) in idx.nodes.items():
        if (wanted is not None and kind not in wanted) or math.isnan(nlon):
            continue
        km = haversine_km(lon, lat, nlon, nlat)
        if km < best_km:
            best, best_km = nid, km
    if best is None:
        raise PlaceNotFoundError(f"no node of kind {', '.join(sorted(wanted or []))} in the dataset; "
                                 "choose other kinds (see `qjnet places`)")
    place = _place(idx, best, "nearest")
    return Place(**{**place.__dict__, "nearest": best, "nearest_km": best_km})


def _coordinates(ds, text: str, kinds) -> Place | None:
    m = _COORD.match(text)
    if not m:
        return None
    lat, lon = float(m.group(1)), float(m.group(2))
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        hint = (f"; did you mean {lon:g},{lat:g}?" if -90 <= lon <= 90 and -180 <= lat <= 180 else "")
        raise PlaceNotFoundError(f"coordinates {text.strip()!r} out of range: write \"lat,lon\" in degrees, "
                                 f"latitude -90..90 first, e.g. 29.53,108.77{hint}")
    near = nearest_node(ds, lon, lat, kinds=kinds)
    return Place(id=None, name_zh=None, name_en=None, kind="coordinates", lon=lon, lat=lat,
                 matched_by="coordinates", nearest=near.id, nearest_km=near.nearest_km)


def _suggest(idx: _Index, query: str, wanted, limit: int = 5) -> list[str]:
    from rapidfuzz import fuzz, process

    if not _CJK.search(query):
        idx.ensure_pinyin()
    keys = list(idx.choices)
    probes = {query, _latin(query)} - {""}
    scored: dict[str, float] = {}
    for probe in probes:
        for key, score, _ in process.extract(probe, keys, scorer=fuzz.WRatio, limit=30, score_cutoff=60):
            for nid in idx.choices[key]:
                if wanted is None or idx.nodes[nid][2] in wanted:
                    scored[nid] = max(scored.get(nid, 0.0), score)
    ranked = sorted(scored, key=lambda n: (-scored[n], n))[:limit]
    return [_place(idx, n, "suggestion").label for n in ranked]


def _tiers(idx: _Index, raw: str) -> list[list[tuple[dict, str, bool]]]:
    """The lookup tiers for ``raw``, best first: (table, key, is a full name).

    Chinese text is tried as a full name first, then as a short name; Latin
    text (English or pinyin) is matched against full and short forms at once,
    so that ``qianjiang`` sees both the station named "Qianjiang" and the
    district whose short pinyin is qianjiang.
    """
    full, short = idx.tiers
    if _CJK.search(raw):
        return [[(full, raw, True)], [(short, raw, False), (short, short_name_zh(raw), False)]]
    idx.ensure_pinyin()
    latin = _latin(raw)
    return [[(full, latin, True), (short, latin, False)]]


def _match(tier: list[tuple[dict, str, bool]], ok) -> dict[str, tuple[str, bool]]:
    """Matching nodes of one tier -> (how, matched a full name)."""
    found: dict[str, tuple[str, bool]] = {}
    for table, key, is_full in tier:
        for cand, how in table.get(key, {}).items():
            if ok(cand) and (cand not in found or (is_full and not found[cand][1])):
                found[cand] = (how, is_full)
    return found


def _split_kind(raw: str) -> tuple[str, tuple[str, ...], str] | None:
    """``(base name, kinds, what)`` when ``raw`` ends with a kind word after a usable name, else ``None``.

    A place word (县/区/市/州) after a name that already has a suffix (``黔江区区``)
    steers nothing; another kind word after such a name drops it (``梁平区机场``).
    """
    if _CJK.search(raw):
        for word, kinds, what in KIND_WORDS_ZH:
            base = raw[: -len(word)] if raw.endswith(word) else ""
            if len(base) < 2:
                continue
            if short_name_zh(base) != base:
                if kinds == PLACE_KINDS:
                    return None
                base = short_name_zh(base)
            return base, kinds, what
        return None
    latin = _latin(raw)
    for word, kinds, what in KIND_WORDS_LATIN:
        if latin.endswith(word) and len(latin) - len(word) >= 3:
            return latin[: -len(word)], kinds, what
    return None


def _kind_matches(idx: _Index, base: str, ok) -> list[dict[str, str]]:
    """Nodes (passing ``ok``) named ``base``, node -> how: [exact short names, names starting with
    ``base``, Chinese names holding ``base`` (仙女山机场 is 重庆仙女山机场)]."""
    tiers: list[dict[str, str]] = [{}, {}, {}]
    bare = not _CJK.search(base) or short_name_zh(base) == base
    for nid, keys in idx.keys.items():
        if not ok(nid):
            continue
        for key, (tier, how) in keys.items():
            short_how = "short_name" if how == "name_zh" else how
            if key == base and (tier == 1 or bare):
                tiers[0].setdefault(nid, short_how if tier == 1 else how)
            elif key.startswith(base) and len(key) > len(base):
                tiers[1].setdefault(nid, short_how)
            elif how == "name_zh" and base in key and _CJK.search(base):
                tiers[2].setdefault(nid, short_how)
    return tiers


def _base_node(ds: Any, idx: _Index, base: str) -> str | None:
    """The node the bare name ``base`` resolves to, or ``None`` when it names nothing or several."""
    for tier in _tiers(idx, base):
        found = _match(tier, lambda nid: True)
        if found:
            try:
                return _choose(idx, base, found).id
            except PlaceNotFoundError:
                return None
    return None


def _is_port(zh: str | None, en: str | None) -> bool:
    """A logistics node is a port when its name says so (港, "port", "dry port")."""
    return "港" in normalise(zh or "") or bool(re.search(r"\bport\b", en or "", re.IGNORECASE))


def _nearest_to(idx: _Index, origin: str, nids: Iterable[str]) -> list[str]:
    _, _, _, lon, lat = idx.nodes[origin]
    return sorted(nids, key=lambda n: (haversine_km(lon, lat, idx.nodes[n][3], idx.nodes[n][4]), n))


def _by_kind_word(ds: Any, idx: _Index, raw: str, ok) -> Place | None:
    """The node a name with a kind word names (see the module docstring), ``None`` without a kind word."""
    split = _split_kind(raw)
    if split is None:
        return None
    base, kinds, what = split

    def of_kind(nid: str) -> bool:
        zh, en, kind, _, _ = idx.nodes[nid]
        return ok(nid) and kind in kinds and (what != "port" or _is_port(zh, en))

    for found in _kind_matches(idx, base, of_kind):
        if len(found) == 1:
            (nid, how), = found.items()
            return _place(idx, nid, how)
        if found:
            origin = _base_node(ds, idx, base)
            if origin is None:
                labels = [_place(idx, n, "suggestion").label for n in sorted(found)]
                raise AmbiguousPlaceError(f"{raw!r} is ambiguous: it matches {'; '.join(labels)}; "
                                          "give the id or the full name", suggestions=labels)
            nid = _nearest_to(idx, origin, found)[0]
            return _place(idx, nid, found[nid])
    origin = _base_node(ds, idx, base)
    near = [n for n in idx.nodes if of_kind(n) and not math.isnan(idx.nodes[n][3])]
    kinds = tuple(sorted({idx.nodes[n][2] or "" for n in near})) or kinds
    suggestions = ([_place(idx, n, "suggestion").label for n in _nearest_to(idx, origin, near)[:3]]
                   if origin is not None else _suggest(idx, base, set(kinds)))
    hint = f"did you mean {'; '.join(suggestions)}? " if suggestions else ""
    raise PlaceNotFoundError(f"no {what} named {base!r}; {hint}give an id or a full name "
                             "(`qjnet places` lists them)", suggestions=suggestions)


def _choose(idx: _Index, raw: str, found: dict[str, tuple[str, bool]]) -> Place:
    if len(found) == 1:
        (cand, (how, _)), = found.items()
        return _place(idx, cand, how)
    places = [c for c in found if idx.nodes[c][2] == "place"]
    if len(places) == 1:
        return _place(idx, places[0], found[places[0]][0])
    exact = [c for c, (_, is_full) in found.items() if is_full]
    if len(exact) == 1 and not places:
        return _place(idx, exact[0], found[exact[0]][0])
    labels = [_place(idx, c, found[c][0]).label for c in sorted(found)]
    raise AmbiguousPlaceError(f"place {raw!r} is ambiguous: it matches {'; '.join(labels)}; "
                              "give the id or the full name", suggestions=labels)


def resolve_id(source: Any, text: str, *, kinds: Iterable[str] | None = None) -> str:
    """The node id for a user's place text; ``"lat,lon"`` gives the nearest node.

    Same rules as :func:`resolve_place`; ``source`` is a Dataset or a graph
    built by :mod:`network` (its place and station nodes).  A ``"lat,lon"``
    point farther than :data:`MAX_SNAP_KM` (30 km) from every node raises
    :class:`~geodata.errors.PlaceNotFoundError` naming the nearest node and its
    distance, instead of snapping to it.

    Examples
    --------
    >>> from qjnet.geodata.io import load_dataset
    >>> ds = load_dataset()
    >>> resolve_id(ds, "黔江"), resolve_id(ds, "黔江机场"), resolve_id(ds, "29.53,108.77")
    ('qianjiang_dist', 'jiq', 'qianjiang_dist')
    >>> resolve_id(ds, "0,0")
    Traceback (most recent call last):
    ...
    qjnet.geodata.errors.PlaceNotFoundError: coordinates 0.00000,0.00000 are ... km from the nearest node, ...
    """
    place = resolve_place(source, text, kinds=kinds)
    if place.id is not None:
        return place.id
    if place.nearest is None or place.nearest_km is None:  # a coordinate place always has them
        raise PlaceNotFoundError(f"no node near {place.label}")
    if place.nearest_km > MAX_SNAP_KM:
        near = _place(_index(source), place.nearest, "nearest")
        raise PlaceNotFoundError(f"coordinates {place.label} are {place.nearest_km:,.0f} km from the nearest node, "
                                 f"{near.label}; give a point within {MAX_SNAP_KM:g} km of a node, or a place name "
                                 "(`qjnet places` lists them)", suggestions=[near.label])
    return place.nearest


def resolve_place(ds: Any, text: str, *, kinds: Iterable[str] | None = None) -> Place:
    """Resolve a user's place text against a dataset.

    Parameters
    ----------
    ds
        A :class:`geodata.io.Dataset` (its ``nodes``; the index is built once and cached).
    text
        An id, a Chinese name full or short (``黔江区``, ``黔江``, ``黔江站``), an
        English name (any case), tone-less pinyin with or without spaces
        (``qianjiang``, ``qian jiang``), or ``"lat,lon"``.
    kinds
        Only consider nodes of these kinds (e.g. ``["hsr_station"]``).

    Returns
    -------
    Place
        The node, or for ``"lat,lon"`` a coordinate place with ``id=None`` and
        ``nearest`` set.  A short name that matches a county-level place and
        its station(s) resolves to the place (``kind == "place"``).

    Raises
    ------
    AmbiguousPlaceError
        The text matches several nodes and no single county-level place among
        them; ``.suggestions`` lists the candidates.
    PlaceNotFoundError
        Nothing matches; ``.suggestions`` lists close matches ("did you mean").

    Examples
    --------
    >>> from qjnet.geodata.io import load_dataset
    >>> ds = load_dataset()
    >>> resolve_place(ds, "黔江").id
    'qianjiang_dist'
    >>> resolve_place(ds, "黔江站").kind
    'hsr_station'
    >>> resolve_place(ds, "Qianjiang District").id == resolve_place(ds, "qian jiang").id
    True
    >>> resolve_place(ds, "29.53,108.77").nearest
    'qianjiang_dist'
    """
    raw = "" if text is None else normalise(text)
    if not raw:
        raise PlaceNotFoundError("empty place name; give an id, a name, pinyin or \"lat,lon\"")
    wanted = set(kinds) if kinds is not None else None
    coord = _coordinates(ds, raw, wanted)
    if coord is not None:
        return coord
    idx = _index(ds)

    def ok(nid: str) -> bool:
        return wanted is None or idx.nodes[nid][2] in wanted

    nid = idx.ids.get(raw.lower())
    if nid is not None and ok(nid):
        return _place(idx, nid, "id")
    tiers = _tiers(idx, raw)
    found = _match(tiers[0], ok)
    if found:
        return _choose(idx, raw, found)
    by_kind = _by_kind_word(ds, idx, raw, ok)
    if by_kind is not None:
        return by_kind
    for tier in tiers[1:]:
        found = _match(tier, ok)
        if found:
            return _choose(idx, raw, found)
    suggestions = _suggest(idx, raw, wanted)
    kind_note = f" among {', '.join(sorted(wanted))}" if wanted else ""
    hint = f"did you mean {'; '.join(suggestions)}? " if suggestions else ""
    raise PlaceNotFoundError(f"unknown place {raw!r}{kind_note}; {hint}give an id, a name, pinyin or "
                             "\"lat,lon\" (`qjnet places` lists them)", suggestions=suggestions)
