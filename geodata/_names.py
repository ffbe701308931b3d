"""Text normalisation and kind words for place lookup (:mod:`geodata.lookup`)."""

from __future__ import annotations

import re
import unicodedata

__all__ = ["KIND_WORDS_LATIN", "KIND_WORDS_ZH", "PLACE_KINDS", "normalise"]

# traditional -> simplified for the characters of the dataset's names and of the kind words
# (a hand-written table: no converter is a dependency)
_T2S = str.maketrans("萬東豐鄉鳳劃區縣國場堊埡寧壽峽慶張懷樞橋漢濤紀紐結規許貨車邊遺欽鐵銅鎮長陽際順馬魚鶴龍機團來",
                     "万东丰乡凤划区县国场垩垭宁寿峡庆张怀枢桥汉涛纪纽结规许货车边遗钦铁铜镇长阳际顺马鱼鹤龙机团来")
_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))
_CJK_SPACE = re.compile(r"(?<=[\u3400-\u9fff])\s+|\s+(?=[\u3400-\u9fff])")
_AIR, _STATIONS, PLACE_KINDS = ("airport", "ga_airport"), ("hsr_station", "rail_station"), ("place",)
# kind words, longest first: (suffix, kinds, what the message calls it)
KIND_WORDS_ZH = (("国际机场", _AIR, "airport"), ("通用机场", ("ga_airport",), "airport"), ("机场", _AIR, "airport"),
                 ("高铁站", ("hsr_station",), "high-speed rail station"), ("火车站", _STATIONS, "station"),
                 ("站", _STATIONS, "station"), ("港", ("logistics",), "port"), ("县", PLACE_KINDS, "place"),
                 ("区", PLACE_KINDS, "place"), ("市", PLACE_KINDS, "place"), ("州", PLACE_KINDS, "place"))
KIND_WORDS_LATIN = (("airport", _AIR, "airport"), ("jichang", _AIR, "airport"),
                    ("railwaystation", _STATIONS, "station"), ("trainstation", _STATIONS, "station"),
                    ("gaotiezhan", ("hsr_station",), "high-speed rail station"),
                    ("huochezhan", _STATIONS, "station"), ("station", _STATIONS, "station"),
                    ("zhan", _STATIONS, "station"), ("port", ("logistics",), "port"),
                    ("district", PLACE_KINDS, "place"), ("county", PLACE_KINDS, "place"),
                    ("city", PLACE_KINDS, "place"))


def normalise(text: str) -> str:
    """What a user typed, normalised for lookup.

    NFKC (full-width letters, digits and punctuation become plain), zero-width
    characters removed, runs of spaces collapsed and dropped next to Chinese
    characters, traditional characters of the dataset's names made simplified.

    Examples
    --------
    >>> normalise("黔江區"), normalise(" 黔 江\u200b区 "), normalise("ｑｉａｎｊｉａｎｇ"), normalise("２９．５３，１０８．７７")
    ('黔江区', '黔江区', 'qianjiang', '29.53,108.77')
    """
    text = unicodedata.normalize("NFKC", str(text)).translate(_ZERO_WIDTH)
    text = " ".join(text.split())
    return _CJK_SPACE.sub("", text).translate(_T2S)
