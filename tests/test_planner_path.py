"""The planner's path in two commands: a what-if file, then a before/after PNG map and an Excel-ready table."""

from __future__ import annotations

import json

import pandas as pd
import pytest

HOURLY_JISHOU = {
    "name": "Qianjiang-Jishou HSR every hour",
    "modifications": [{
        "type": "add-trips", "id": "qj_jishou_hourly", "name": "黔江-吉首", "mode": "hsr", "bidirectional": True,
        "stops": ["黔江站", "吉首东站"],
        "frequencies": [{"startTime": "07:00", "endTime": "22:00", "headwaySecs": 3600,
                         **dict.fromkeys(("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"), True)}],
    }],
}


@pytest.mark.slow
def test_what_if_to_png_map_and_excel_table(run_qjnet, tmp_path):
    # command 1: the planner's what-if file is checked (written by hand or from `qjnet scenario new`)
    (tmp_path / "jishou.json").write_text(json.dumps(HOURLY_JISHOU, ensure_ascii=False), encoding="utf-8")
    p = run_qjnet("scenario", "validate", "jishou.json", "--date", "2025-07-03")
    assert p.returncode == 0, p.stderr
    # command 2: before/after on the same day, a PNG map for the report and a CSV for Excel
    p = run_qjnet("compare", "黔江", "--before", "2025-07-03", "--after", "2025-07-03",
                  "--after-scenario-file", "jishou.json", "--map", "jishou.png", "--output", "jishou.csv")
    assert p.returncode == 0, p.stderr
    png = (tmp_path / "jishou.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert (width, height) == (3508, 2480)  # A4 landscape at 300 dpi
    raw = (tmp_path / "jishou.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM: Chinese text opens correctly in Excel
    table = pd.read_csv(tmp_path / "jishou.csv", encoding="utf-8-sig")
    jishou = table.set_index("id").loc["jishou_city"]
    assert jishou["change"] < -30  # the hourly train saves more than half an hour to Jishou
    assert jishou["name_zh"] == "吉首市"
    meta = json.loads((tmp_path / "jishou.csv.json").read_text(encoding="utf-8"))
    assert meta["after"]["date"] == "2025-07-03"
