"""Rail stopping patterns of the dataset build (see ``dataset_rail`` for the running-time model).

Every pattern names its train class (``train_class``: G, D, C, K) and how it stops (``stopping``:
non-stop, limited, all-stop); patterns may run over several lines (``line`` "a+b").
"""

from __future__ import annotations

from collections.abc import Callable

from dataset_rail import DESIGN_KMH, Calibration, Pattern, Track, pattern, speed_note

SPREAD = "segment lengths: the published line length spread in proportion to straight-line distances"
# Published part lengths (km) spread separately inside a line: (from, to, km).
LINE_PARTS = {"yiwan_rail": [("yichang_e", "lichuan", 377 - 100.3), ("lichuan", "wanzhou_yw", 100.3)]}
QUOTE_WEIGHT = 0.0  # a passenger quote (approximate, not timetable data) is reported, not fitted
QJ_SCALE = 28 / 42  # Qianjiang handled 28 trains/day in 2024 Q2 against 42 from the 2019 figures


def build_track(lines: dict, nodes: dict, segment_lengths: Callable, leading_number: Callable) -> Track:
    """Kilometre posts of every rail line: published length spread over straight-line distances."""
    track = Track()
    for line in DESIGN_KMH:
        stops = lines[line]["stations_in_order"].split(";")
        parts = LINE_PARTS.get(line, [(stops[0], stops[-1], leading_number(lines[line]["length_km"]))])
        lengths: list[float] = []
        for a, b, km in parts:
            sub = stops[stops.index(a):stops.index(b) + 1]
            lengths += segment_lengths([nodes[s]["_lonlat"] for s in sub], km)
        track.add_line(line, stops, lengths)
    return track


def _facts(pub, track: Track) -> list[tuple[str, tuple[str, ...], str, list[tuple[dict, Pattern]]]]:
    """Fit groups: (name, sections, class, [(published row, pattern the fact is read on)])."""
    t = track

    def allstop(line, a, b):
        return pattern(t, [(line, t.between(line, a, b))])

    yx = [(pub.get("重庆东", "黔江", kind="fastest"), pattern(t, [("yuxia_hsr", ["cq_east", "qianjiang"])])),
          (pub.get("重庆东", "南川北"), allstop("yuxia_hsr", "cq_east", "nanchuan_n")),
          (pub.get("重庆东", "武隆南"), allstop("yuxia_hsr", "cq_east", "wulong_s")),
          (pub.get("重庆东", "黔江", kind="timetable"), allstop("yuxia_hsr", "cq_east", "qianjiang"))]
    qz0 = [(pub.get("黔江", "张家界"), pattern(t, [("qzc_rail", ["qianjiang", "zjj_w"])]))]
    qz1 = [(pub.get("黔江", "常德"), pattern(t, [("qzc_rail", ["qianjiang", "zjj_w", "changde"])]))]
    cy = [(pub.get("常德", "长沙"), pattern(t, [("cyc_hsr", ["changde", "changsha"])])),
          (pub.get("益阳", "长沙"), allstop("cyc_hsr", "yiyang_s", "changsha"))]
    zj = [(pub.get("张家界西", "怀化南"), pattern(t, [("zjh_hsr", ["zjj_w", "huaihua_s"])])),
          (pub.get("张家界 ", "怀化 "), pattern(t, [("zjh_hsr", ["zjj_w", "huaihua_s"])]))]
    yc = [(pub.get("宜昌", "重庆"), pattern(t, [("yiwan_rail", t.between("yiwan_rail", "yichang_e", "lichuan")),
                                                 ("yuli_rail", t.between("yuli_rail", "lichuan", "cq_north"))]))]
    return [("Yu-Xia G", ("yuxia_hsr",), "G", yx),
            ("Qian-Zhang-Chang D, Qianjiang-Zhangjiajie West", ("qzc_rail#0",), "D", qz0),
            ("Qian-Zhang-Chang D, Zhangjiajie West-Changde", ("qzc_rail#1",), "D", qz1),
            ("Chang-Yi-Chang G", ("cyc_hsr",), "G", cy),
            ("Zhang-Ji-Huai G", ("zjh_hsr",), "G", zj),
            ("Yi-Wan + Yu-Li K", ("yiwan_rail", "yuli_rail"), "K", yc)]


def calibrate(pub, track: Track) -> Calibration:
    """Fit every group in order, then record each published time against the fitted model."""
    cal = Calibration(track)
    groups = _facts(pub, track)
    for name, sections, cls, facts in groups:
        cal.fit(name, sections, cls, [{"pattern": p, "minutes": row["minutes"], "weight": QUOTE_WEIGHT if
                                       row["kind"] == "quote" else 1.0} for row, p in facts])
    for name, _, cls, facts in groups:
        for row, p in facts:
            label = f"{row['from']} -> {row['to']} ({row['kind']}, {row['as_of']})"
            cal.report(label, name, cls, p, row["minutes"], row["source"])
    return cal


class RailBuilder:
    """Adds the rail patterns to the service list through the build's ``add``."""

    def __init__(self, cal: Calibration, lines: dict, add: Callable, src: Callable, leading_date: Callable) -> None:
        self.cal, self.lines, self._add, self.src, self.date = cal, lines, add, src, leading_date
        # published fastest non-stop runs: a pattern running non-stop between the same stations uses them
        self.nonstop: dict[tuple[str, str], float] = {}

    def _with_published(self, p: Pattern, mins: list[float], cls: str) -> tuple[list[float], list[str]]:
        """Segments that run non-stop between stations with a published fastest time take that time."""
        out, how = [0.0], []
        for i, (a, b) in enumerate(zip(p.stops[:-1], p.stops[1:], strict=True)):
            seg = mins[i + 1] - mins[i]
            pub = self.nonstop.get((a, b)) or self.nonstop.get((b, a))
            if pub is not None and cls in ("G", "D"):
                dwell = self.cal.model(self.cal.track.section(p.lines[i], a, b), cls).dwell_min if i else 0.0
                seg, src = dwell + pub, "published"
            else:
                src = "derived"
            out.append(out[-1] + seg)
            how.append(src)
        return out, how

    def derived(self, sid: str, legs: list[tuple[str, list[str]]], cls: str, stopping: str, **kw) -> list[float]:
        p = pattern(self.cal.track, legs)
        mins, how = self._with_published(p, self.cal.minutes(p, cls), cls)
        line = "+".join(dict.fromkeys(p.lines))
        models = {self.cal.model(self.cal.track.section(ln, a, b), cls)
                  for a, b, ln in zip(p.stops[:-1], p.stops[1:], p.lines, strict=True)}
        notes = "; ".join(speed_note(m) for m in sorted(models, key=lambda m: (m.name, m.cruise_kmh, m.dwell_min)))
        kw["assumptions"] = f"{notes}; {SPREAD}. {kw.get('assumptions', '')}".strip()
        if "published" in how:
            kw["assumptions"] += (" Segments run non-stop between stations with a published fastest time take "
                                  "that time (time_source published).")
        self._add(id=sid, line=line, stops=list(p.stops), minutes=mins, time_source=how,
                  train_class=cls, stopping=stopping, **kw)
        return mins

    def published(self, sid: str, line: str, stops: list[str], row: dict, cls: str, **kw) -> None:
        self.nonstop[(stops[0], stops[1])] = row["minutes"]
        self._add(id=sid, line=line, stops=stops, minutes=[0, row["minutes"]], time_source=["published"],
                  train_class=cls, stopping="non-stop", **kw)

    def all_lines(self, pub) -> None:
        for frm, to, a, b in (("常德", "长沙", "changde", "changsha"), ("张家界西", "怀化南", "zjj_w", "huaihua_s")):
            self.nonstop[(a, b)] = pub.get(frm, to)["minutes"]
        self.yuxia(pub)
        self.qzc()
        self.cyc(pub)
        self.zjh(pub)
        self.yuhuai()
        self.north()
        self.planned()

    def yuxia(self, pub) -> None:
        yx = self.lines["yuxia_hsr"]
        fast = pub.get("重庆东", "黔江", kind="fastest")
        opened = self.date(yx["opened_or_planned"])
        share = 54 / 2 / 3
        split = (f"54 EMU trains/day published ('up to', daily + peak timetables) = 27 per direction; the split "
                 f"between fast, all-stops and through patterns is not published: assumed equal thirds "
                 f"({share:g} each per direction), the through third halved between Zhangjiajie West and Changsha")
        cls_note = "train class G assumed for every Yu-Xia pattern (the first train G8699 is a G train)"
        self.published("yuxia_fast", "yuxia_hsr", ["cq_east", "qianjiang"], fast, "G",
                       name_zh="渝厦高铁 重庆东-黔江 快速", name_en="Yu-Xia HSR Chongqing East-Qianjiang (fast)",
                       mode="hsr", per_day=share, opened=opened, source=self.src(yx["source"], fast["source"]),
                       assumptions=(f"published fastest Chongqing East-Qianjiang {fast['minutes']:g} min; the "
                                    f"intermediate stops of the fastest train are not published, so the pattern "
                                    f"serves the two ends only. {split}. {cls_note}."))
        self.derived("yuxia_all", [("yuxia_hsr", self.cal.track.order["yuxia_hsr"])], "G", "all-stop",
                     name_zh="渝厦高铁 重庆东-黔江 站站停", name_en="Yu-Xia HSR Chongqing East-Qianjiang (all stops)",
                     mode="hsr", per_day=share, opened=opened, source=yx["source"],
                     assumptions=f"{split}. {cls_note}; the first train G8699 (89 min, with stops) read as all-stops.")
        through = ("through EMUs started with the Yu-Xia opening (2025-06-27), running on through Qianjiang onto "
                   "Qian-Zhang-Chang (and Chang-Yi-Chang to Changsha) without a change of train (facts-2.md); "
                   "their stops are not published: limited pattern assumed (the junction and terminal stations); "
                   "on Qian-Zhang-Chang (200 km/h) the G train runs at the fitted D-train speed of that section")
        qz, cy = self.lines["qzc_rail"], self.lines["cyc_hsr"]
        self.derived("through_cq_zjj", [("yuxia_hsr", ["cq_east", "qianjiang"]), ("qzc_rail", ["qianjiang", "zjj_w"])],
                     "G", "limited", name_zh="重庆东-张家界西 直通动车", name_en="Through EMU Chongqing East-Zhangjiajie West",
                     mode="hsr", per_day=share / 2, opened=opened, source=self.src(yx["source"], qz["source"]),
                     assumptions=f"{through}. {split}.")
        self.derived("through_cq_cs", [("yuxia_hsr", ["cq_east", "qianjiang"]), ("qzc_rail", ["qianjiang", "zjj_w", "changde"]),
                                       ("cyc_hsr", ["changde", "changsha"])],
                     "G", "limited", name_zh="重庆东-长沙 直通动车", name_en="Through EMU Chongqing East-Changsha",
                     mode="hsr", per_day=share / 2, opened=opened,
                     source=self.src(yx["source"], qz["source"], cy["source"],
                                     "http://www.handmsg.com/page/2025/0713/29010336.shtml"),
                     assumptions=f"{through}. {split}.")

    def qzc(self) -> None:
        qz = self.lines["qzc_rail"]
        opened = self.date(qz["opened_or_planned"])
        stops = self.cal.track.order["qzc_rail"]
        scale = ("Qianjiang station handled 28 passenger trains a day in 2024 Q2 (published, "
                 "http://www.cqdsrb.com.cn/article-49968-1.html) against 42 from the 2019 figures of its lines: "
                 "each pre-HSR Qianjiang pattern's published frequency is scaled by 28/42")
        emu = (f"12 EMU pairs/day published from 2019-12-30 (8 at opening, +8 peak pairs not modelled). {scale}. "
               f"Stopping patterns not published: half the EMUs assumed all-stops, half limited (Qianjiang, "
               f"Zhangjiajie West, Changde: the published fastest times at opening, Qianjiang-Zhangjiajie '1 h' and "
               f"Qianjiang-Changde 3 h 09, are read on it); "
               f"EMUs on a 200 km/h line: class D assumed")
        self.derived("qzc_fast", [("qzc_rail", ["qianjiang", "zjj_w", "changde"])], "D", "limited",
                     name_zh="黔张常铁路 动车 快速", name_en="Qian-Zhang-Chang EMU (limited stops)", mode="rail",
                     per_day=round(12 * QJ_SCALE / 2, 4), opened=opened,
                     source=self.src(qz["source"], "http://www.cqdsrb.com.cn/article-49968-1.html"), assumptions=emu + ".")
        self.derived("qzc_emu", [("qzc_rail", stops)], "D", "all-stop", name_zh="黔张常铁路 动车",
                     name_en="Qian-Zhang-Chang EMU (all stops)", mode="rail", per_day=round(12 * QJ_SCALE / 2, 4),
                     opened=opened, source=self.src(qz["source"], "http://www.cqdsrb.com.cn/article-49968-1.html"),
                     assumptions=emu + ".")
        self.derived("qzc_conv", [("qzc_rail", stops)], "K", "all-stop", name_zh="黔张常铁路 普速",
                     name_en="Qian-Zhang-Chang conventional trains", mode="rail", per_day=round(7 * QJ_SCALE, 4),
                     opened=opened, source=self.src(qz["source"], "http://www.cqdsrb.com.cn/article-49968-1.html"),
                     assumptions=f"7 conventional pairs/day published (2019-12-30). {scale}. All-stops assumed; class K assumed.")

    def cyc(self, pub) -> None:
        cy = self.lines["cyc_hsr"]
        fast = pub.get("常德", "长沙")
        half = 29.5 / 2
        split = f"29.5 EMU pairs/day published at full opening; fast/all-stops split not published: assumed half each ({half:g})"
        station = ("Chang-Yi-Chang trains use Changsha station (intercity yard): Changsha West has been closed to "
                   "passengers since 2020-05-08 for rebuilding (facts-2.md)")
        self.published("cyc_fast", "cyc_hsr", ["changde", "changsha"], fast, "G",
                       name_zh="常益长高铁 常德-长沙 快速", name_en="Chang-Yi-Chang HSR Changde-Changsha (fast)",
                       mode="hsr", per_day=half, opened="2022-12-26", source=self.src(cy["source"], fast["source"]),
                       assumptions=(f"published fastest Changde-Changsha {fast['minutes']:g} min (2022-12); "
                                    f"intermediate stops not published. {split}. {station}. Class G assumed."))
        self.derived("cyc_all", [("cyc_hsr", self.cal.track.order["cyc_hsr"])], "G", "all-stop",
                     name_zh="常益长高铁 站站停", name_en="Chang-Yi-Chang HSR (all stops)", mode="hsr", per_day=half,
                     opened="2022-12-26", source=cy["source"], assumptions=f"{split}. {station}. Class G assumed.")
        self.derived("cyc_yiyang", [("cyc_hsr", self.cal.track.between("cyc_hsr", "yiyang_s", "changsha"))], "G",
                     "all-stop", name_zh="常益长高铁 益阳南-长沙(首段)", name_en="Chang-Yi-Chang HSR Yiyang South-Changsha (first section)",
                     mode="hsr", per_day=half, opened="2022-09-06", closed="2022-12-26",
                     source=self.src(cy["source"], pub.get("益阳", "长沙")["source"]),
                     assumptions=(f"the Yiyang-Changsha section opened 2022-09-06 (fastest 31 min); its frequency "
                                  f"is not published: the later all-stops frequency ({half:g}) assumed until the "
                                  f"full line opened 2022-12-26. {station}. Class G assumed."))

    def zjh(self, pub) -> None:
        zj = self.lines["zjh_hsr"]
        fast = pub.get("张家界西", "怀化南")
        opened = self.date(zj["opened_or_planned"])
        split = "16 EMU pairs/day published at opening; fast/all-stops split not published: assumed 8 each"
        self.published("zjh_fast", "zjh_hsr", ["zjj_w", "huaihua_s"], fast, "G",
                       name_zh="张吉怀高铁 张家界西-怀化南 快速", name_en="Zhang-Ji-Huai HSR Zhangjiajie West-Huaihua South (fast)",
                       mode="hsr", per_day=8, opened=opened, source=self.src(zj["source"], fast["source"]),
                       assumptions=f"published fastest {fast['minutes']:g} min (another report: 70); intermediate stops not published. {split}. Class G assumed.")
        self.derived("zjh_all", [("zjh_hsr", self.cal.track.order["zjh_hsr"])], "G", "all-stop",
                     name_zh="张吉怀高铁 站站停", name_en="Zhang-Ji-Huai HSR (all stops)", mode="hsr", per_day=8,
                     opened=opened, source=zj["source"],
                     assumptions=f"initial operation 300-310 km/h published; 245 km ticketing length. {split}. Class G assumed.")

    def yuhuai(self) -> None:
        yh = self.lines["yuhuai_rail"]
        order = self.cal.track.order["yuhuai_rail"]
        self.derived("yuhuai_cq_xs", [("yuhuai_rail", order[:order.index("xiushan") + 1])], "K", "all-stop",
                     name_zh="渝怀铁路 重庆北-秀山 普速", name_en="Yu-Huai conventional trains Chongqing North-Xiushan",
                     mode="rail", per_day=2, opened="2006-11-01", closed="2007-04-18", source=yh["source"],
                     assumptions=("2 round trips/day Chongqing North-Xiushan published (2006-11-01) until the whole "
                                  "line opened to passengers (2007-04-18); all stations of lines.csv assumed served; class K."))
        self.derived("yuhuai_conv", [("yuhuai_rail", order)], "K", "all-stop", name_zh="渝怀铁路 普速",
                     name_en="Yu-Huai conventional trains", mode="rail", per_day=round(2 * QJ_SCALE, 4),
                     opened="2007-04-18", source=yh["source"],
                     assumptions=("through passenger service from 2007-04-18 (published). Current frequency not "
                                  "found: the only published figure, 2 round trips/day (2006), scaled by 28/42 (Qianjiang "
                                  "station's 28 trains/day in 2024 against 42 from the 2019 figures); all stations "
                                  "assumed served; class K. Fuxing EMUs on Yu-Huai (from 2021) not modelled: no time "
                                  "or frequency found."))

    def north(self) -> None:
        """Corridors north of Qianjiang: Yu-Wan intercity, Yu-Li, Yi-Wan."""
        t = self.cal.track
        yw, yl, yi = self.lines["yuwan_ic"], self.lines["yuli_rail"], self.lines["yiwan_rail"]
        self.derived("yuwan_all", [("yuwan_ic", t.order["yuwan_ic"])], "D", "all-stop",
                     name_zh="渝万城际 重庆北-万州北", name_en="Chongqing-Wanzhou intercity Chongqing North-Wanzhou North",
                     mode="hsr", per_day=14.5, opened="2016-11-28", source=yw["source"],
                     assumptions=("21 EMU pairs/day at opening, 14.5 of them Chongqing North-Wanzhou North (published); "
                                  "the other 6.5 run beyond the dataset (not modelled). Stops not published: all-stops "
                                  "assumed; EMUs on a 250 km/h line: class D assumed. No published time inside the "
                                  "dataset: running model pooled from the fitted lines."))
        self.derived("yuli_d", [("yuli_rail", t.order["yuli_rail"])], "D", "limited",
                     name_zh="渝利铁路 重庆北-利川 动车", name_en="Chongqing-Lichuan railway D trains",
                     mode="rail", per_day=11, opened="2013-12-28", source=yl["source"],
                     assumptions=("11 pairs of D trains at opening (published); stops of D2261 (Chongqing North, "
                                  "Changshou North, Fuling North, Fengdu, Shizhu County, Lichuan) assumed for all; "
                                  "short runs (D8504, D8528, D8534) exist but their frequency is not published. No "
                                  "published time inside the dataset: running model pooled from the fitted lines."))
        self.derived("yiwan_yuli_d", [("yiwan_rail", ["yichang_e", "jianshi", "enshi", "lichuan"]),
                                      ("yuli_rail", ["lichuan", "fuling_n", "cq_north"])], "D", "limited",
                     name_zh="宜昌东-重庆北 动车(宜万、渝利)", name_en="D trains Yichang East-Chongqing North over Yi-Wan and Yu-Li",
                     mode="rail", per_day=28, opened="2014-07-01", source=self.src(yi["source"], yl["source"]),
                     assumptions=("D2251 Hankou-Chongqing North (from 2014-07-01) stops at Yichang, Jianshi, Enshi, "
                                  "Lichuan, Fuling North (published); Hankou-Yichang lies outside the dataset. 112 EMUs a "
                                  "day between Wuhan and Chengdu/Chongqing were published for 2019 (56 per direction): "
                                  "half assumed to run this pattern (28 per direction), the rest assumed beyond the "
                                  "dataset; class D."))
        self.derived("yiwan_yuli_k", [("yiwan_rail", t.between("yiwan_rail", "yichang_e", "lichuan")),
                                      ("yuli_rail", t.between("yuli_rail", "lichuan", "cq_north"))], "K", "all-stop",
                     name_zh="宜昌东-重庆北 普速(宜万、渝利)", name_en="Conventional trains Yichang East-Chongqing North",
                     mode="rail", per_day=1, opened="2013-12-28", source=self.src(yi["source"], yl["source"],
                                                                                  "http://hb.ifeng.com/news/fygc/detail_2014_05/06/2225074_0.shtml"),
                     assumptions=("Yichang-Chongqing by train 5 h 46 min before the EMUs (2014-05, published); route "
                                  "over Yu-Li (open from 2013-12-28) and stops assumed; frequency not found: 1/day "
                                  "assumed; class K."))
        self.derived("yiwan_k", [("yiwan_rail", ["yichang_e", "enshi", "lichuan", "wanzhou_yw"])], "K", "limited",
                     name_zh="宜万铁路 K1268/K1270", name_en="Yi-Wan conventional trains K1268/K1270 Yichang East-Wanzhou",
                     mode="rail", per_day=1, opened="2025-01-05", source=yi["source"],
                     assumptions=("passenger trains on the Wanzhou section restored 2025-01-05 with K1268/K1270 via "
                                  "Yichang East, Enshi, Lichuan, Wanzhou (published): one pair; class K."))

    def planned(self) -> None:
        plan = ("planned, no opening date: present only in scenarios that add it. Frequency not published: assumed "
                "16/day per direction, the opening frequency of Zhang-Ji-Huai, the comparable 350 km/h line of the region.")
        qj, wq = self.lines["qianji_hsr"], self.lines["wanqian_hsr"]
        self.derived("qianji_plan", [("qianji_hsr", self.cal.track.order["qianji_hsr"])], "G", "all-stop",
                     name_zh="黔吉高铁(规划)", name_en="Qianjiang-Jishou HSR (planned)", mode="hsr", per_day=16,
                     status="planned", source=qj["source"],
                     assumptions=("224 km (one source; another gives 225 km and does not mention Baojing, kept here). "
                                  "Station sites not fixed: county seats used. " + plan))
        self.derived("wanqian_plan", [("wanqian_hsr", self.cal.track.order["wanqian_hsr"])], "G", "all-stop",
                     name_zh="万黔高铁(规划)", name_en="Wanzhou-Qianjiang HSR (planned)", mode="hsr", per_day=16,
                     status="planned", source=wq["source"],
                     assumptions=("~220 km incl. the shared Yu-Wan Zhongxian-Wanzhou section; station sites not fixed "
                                  "(county seats used), so segment lengths are approximate. " + plan))
