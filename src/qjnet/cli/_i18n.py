"""Chinese names of table and CSV headers and of the transport modes (``--lang zh``).

Only table and CSV output is translated: JSON and GeoJSON keys are an
interface for programs and stay English.  A column or mode without an entry
keeps its English name.
"""

from __future__ import annotations

LANGUAGES = ("en", "zh")

#: Column names and their Chinese headers.
COLUMNS_ZH = {
    "id": "编号",
    "name": "名称",
    "name_zh": "中文名",
    "name_en": "英文名",
    "kind": "类型",
    "lon": "经度",
    "lat": "纬度",
    "minutes": "分钟",
    "mode": "方式",
    "from": "起点",
    "from_name": "起点名称",
    "to": "终点",
    "to_name": "终点名称",
    "depart": "出发",
    "arrive": "到达",
    "wait_minutes": "等候分钟",
    "date": "日期",
    "stops": "停靠站",
    "stop_names": "停靠站名称",
    "per_day": "每日班次",
    "hours": "小时",
    "km": "公里",
    "cost_cny": "费用（元）",
    "co2_kg": "二氧化碳（千克）",
}

#: Mode names and their Chinese names.
MODES_ZH = {
    "hsr": "高铁",
    "rail": "普速铁路",
    "air": "航空",
    "ga": "通用航空",
    "expressway": "高速公路",
    "road": "普通公路",
    "access": "接驳",
    "freight_rail": "铁路货运",
}

#: Columns whose values are mode names.
MODE_COLUMNS = frozenset({"mode", "modes"})


def translate_mode(value: object, lang: str) -> object:
    """The name of a mode (or a list of modes, or ``a+b``) in ``lang``; anything else unchanged.

    Examples
    --------
    >>> translate_mode("hsr", "zh"), translate_mode("road+rail", "zh"), translate_mode("hsr", "en")
    ('高铁', '普通公路+普速铁路', 'hsr')
    """
    if lang != "zh":
        return value
    if isinstance(value, (list, tuple)):
        return [translate_mode(v, lang) for v in value]
    if isinstance(value, str):
        return "+".join(MODES_ZH.get(part, part) for part in value.split("+"))
    return value


def translate_rows(columns: list[str], rows: list[dict], lang: str) -> tuple[list[str], list[dict]]:
    """The headers of ``columns`` and the ``rows`` with mode names, in ``lang``.

    The rows keep their (English) keys; only the values of mode columns change.

    Examples
    --------
    >>> translate_rows(["id", "mode", "minutes"], [{"id": "qianjiang", "mode": "hsr", "minutes": 61.0}], "zh")
    (['编号', '方式', '分钟'], [{'id': 'qianjiang', 'mode': '高铁', 'minutes': 61.0}])
    """
    if lang != "zh":
        return list(columns), rows
    header = [COLUMNS_ZH.get(c, c) for c in columns]
    modal = [c for c in columns if c in MODE_COLUMNS]
    if not modal:
        return header, rows
    return header, [{**row, **{c: translate_mode(row.get(c), lang) for c in modal}} for row in rows]
