"""The explorer page's script and style (:mod:`maps.explorer`), kept as text so the page reads no files.

``qjnetExplorer(map, data, title)`` draws the markers and the panel on the
Leaflet map and answers every question from ``data`` (see
:func:`maps.explorer.explorer_data`); names in ``data`` and ``title`` are
already escaped and go into ``innerHTML`` as they are.
"""

EXPLORER_CSS = """\
.qjnet-explorer { background: rgba(255,255,255,0.95); padding: 8px 10px; border-radius: 4px; width: 270px;
  box-shadow: 0 1px 4px rgba(0,0,0,0.3); font: 12px/1.4 'WenQuanYi Micro Hei', sans-serif; max-height: 90vh;
  overflow-y: auto; }
.qjnet-explorer .qx-title { font-weight: bold; font-size: 14px; margin-bottom: 4px; }
.qjnet-explorer select { width: 100%; margin: 2px 0 4px; }
.qjnet-explorer .qx-row { display: block; margin: 3px 0; }
.qjnet-explorer input[type=range] { width: 130px; vertical-align: middle; }
.qjnet-explorer .qx-view { display: block; }
.qjnet-explorer .qx-counts { margin: 4px 0; }
.qjnet-explorer .qx-delta { color: #08519c; }
.qjnet-explorer .qx-chart text { font-size: 10px; fill: #444; }
.qjnet-explorer .qx-dot { display: inline-block; width: 10px; height: 10px; border-radius: 50%; margin-right: 6px;
  vertical-align: middle; }
"""

EXPLORER_JS = """\
/* qjnet accessibility explorer: every answer is computed here from the embedded matrices. */
function qjnetExplorer(map, data, title) {
  "use strict";
  var N = data.ids.length, UNREACHED = 65535;
  var BIN_COLORS = ["#1a9850", "#66bd63", "#a6d96a", "#fee08b", "#fdae61", "#f46d43", "#d73027", "#a50026"];
  var DIFF = {more: "#08519c", some: "#3182bd", little: "#9ecae1", same: "#bdbdbd", worse: "#de2d26",
              gained: "#7b3294", lost: "#67000d"};
  var GREY = "#9e9e9e";

  function decode(b64) {
    if (!b64) return null;
    var bin = atob(b64), out = new Uint16Array(bin.length / 2);
    for (var i = 0; i < out.length; i++) out[i] = bin.charCodeAt(2 * i) | (bin.charCodeAt(2 * i + 1) << 8);
    return out;
  }

  var mats = {base: decode(data.base), scen: decode(data.scen)};
  function decodeBytes(b64) {
    var bin = atob(b64), out = new Uint8Array(bin.length);
    for (var i = 0; i < out.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }
  function decodeProv(p) { return p ? {low: decode(p.low), high: decode(p.high), share: decodeBytes(p.share)} : null; }
  var prov = {base: decodeProv(data.prov && data.prov.base), scen: decodeProv(data.prov && data.prov.scen)};
  var state = {origin: 0, budget: 60, view: "base", circles: false};
  var markers = [], circleLayer = L.layerGroup().addTo(map), el = {};

  function tenths(side, o, d) { return mats[side][o * N + d]; }
  function within(v) { return v !== UNREACHED && v <= state.budget * 10; }
  function fmtMin(v) { return String(Math.round(v / 10)); }
  function fmtPop(p) { return Math.round(p).toLocaleString("en-US"); }
  function binColor(v) { return BIN_COLORS[Math.min(BIN_COLORS.length - 1, Math.floor(v / 300.0001))]; }
  function name(i) { return data.zh[i] + (data.en[i] ? " " + data.en[i] : ""); }

  /* the answer's range and published share: "61 min (59–63) · published 100%" ("" when unknown) */
  function share(side, o, d) {
    var p = prov[side], k = o * N + d;
    return p && p.share[k] !== 255 && p.low[k] !== UNREACHED ? p.share[k] : null;
  }
  function rangeText(side, o, d) {
    var s = share(side, o, d), k = o * N + d;
    if (s === null) return "";
    var p = prov[side];
    return fmtMin(tenths(side, o, d)) + " min (" + Math.floor(p.low[k] / 10) + "–" + Math.ceil(p.high[k] / 10) +
      ") · published " + s + "% 公布";
  }
  function modelled(side, o, d) { var s = share(side, o, d); return s !== null && s < 50; }

  /* counts as network.access.accessibility: other county-level places within the budget */
  function counts(side, o) {
    var places = 0, pop = 0;
    for (var d = 0; d < data.places; d++) {
      if (d !== o && within(tenths(side, o, d))) { places++; pop += data.pop[d] || 0; }
    }
    return {places: places, pop: pop};
  }

  function curve(side, o) {
    var pts = [];
    for (var d = 0; d < data.places; d++) {
      var v = tenths(side, o, d);
      if (d !== o && v !== UNREACHED && v <= data.budget[1] * 10) pts.push([v / 10, data.pop[d] || 0]);
    }
    pts.sort(function(a, b) { return a[0] - b[0]; });
    var out = [[0, 0]], sum = 0;
    pts.forEach(function(p) { out.push([p[0], sum]); sum += p[1]; out.push([p[0], sum]); });
    out.push([data.budget[1], sum]);
    return out;
  }

  function diffStyle(b, s) {
    var inB = within(b), inS = within(s);
    if (!inB && !inS) return null;
    if (inS && !inB) return {color: DIFF.gained, text: "newly reached 新可达 (" + fmtMin(s) + " min)"};
    if (inB && !inS) return {color: DIFF.lost, text: "no longer reached 不再可达"};
    var saved = (b - s) / 10, color = DIFF.same;
    if (saved >= 30) color = DIFF.more; else if (saved >= 10) color = DIFF.some;
    else if (saved >= 0.5) color = DIFF.little; else if (saved <= -0.5) color = DIFF.worse;
    return {color: color, text: "saves " + Math.round(saved) + " min 节省 (" + fmtMin(b) + " → " + fmtMin(s) + ")"};
  }

  function nodeStyle(i) {
    var o = state.origin;
    if (i === o) return {color: "#000", text: "origin 出发地"};
    if (state.view === "diff") {
      var st = diffStyle(tenths("base", o, i), tenths("scen", o, i)), r = rangeText("scen", o, i);
      if (st && r && within(tenths("scen", o, i))) { st.text += "<br>" + r; st.pale = modelled("scen", o, i); }
      return st;
    }
    var v = tenths(state.view, o, i), text = rangeText(state.view, o, i);
    return within(v) ? {color: binColor(v), text: text || fmtMin(v) + " min 分钟", pale: modelled(state.view, o, i)} : null;
  }

  function radius(i) {
    var p = data.pop[i];
    if (data.kind[i] !== "place") return 4;
    return p ? Math.min(20, 4 + Math.sqrt(p / 1e5) * 1.5) : 5;
  }

  function drawMarkers() {
    for (var i = 0; i < N; i++) {
      var st = nodeStyle(i), m = markers[i], reached = st !== null;
      m.qjnetReached = reached;
      var pale = reached && st.pale;
      m.setStyle({fillColor: reached ? st.color : GREY, color: i === state.origin ? "#000" : (reached ? "#333" : GREY),
                  weight: i === state.origin ? 3 : 1, fillOpacity: reached ? (pale ? 0.4 : 0.9) : 0.35,
                  opacity: reached ? 1 : 0.5, dashArray: pale ? "4 3" : null});
      m.setTooltipContent("<b>" + name(i) + "</b><br>" + (reached ? st.text : "not reached 未到达"));
      if (reached) m.bringToFront();
    }
  }

  function drawCircles() {
    circleLayer.clearLayers();
    if (!state.circles) return;
    var side = state.view === "base" ? "base" : "scen";
    for (var i = 0; i < N; i++) {
      var v = tenths(side, state.origin, i);
      if (!within(v)) continue;
      var left = Math.min(state.budget - v / 10, data.max_access_min);
      if (left <= 0) continue;
      L.circle([data.lat[i], data.lon[i]], {radius: left / 60 * data.speed_kmh * 1000, stroke: false,
        fillColor: "#3182bd", fillOpacity: 0.12, interactive: false}).addTo(circleLayer);
    }
  }

  function showCounts() {
    var o = state.origin, b = counts("base", o), shown = b, html = countLine(b.places, b.pop);
    if (state.view !== "base" && mats.scen) {
      var s = counts("scen", o);
      shown = s;
      html = (state.view === "diff" ? countLine(b.places, b.pop) + " → " : "") + countLine(s.places, s.pop)
             + deltaLine(s.places - b.places, s.pop - b.pop);
    }
    el.places.textContent = String(shown.places);
    el.counts.innerHTML = html;
  }

  function countLine(places, pop) { return "<span>" + places + " 区县 places, " + fmtPop(pop) + " 人 people</span>"; }
  function deltaLine(dp, dpop) {
    var sign = function(x) { return x > 0 ? "+" : ""; };
    return "<div class='qx-delta'>" + sign(dp) + dp + " places, " + sign(dpop) + fmtPop(dpop) + " people</div>";
  }

  function path(points, sx, sy) {
    return points.map(function(p, k) { return (k ? "L" : "M") + sx(p[0]).toFixed(1) + "," + sy(p[1]).toFixed(1); }).join("");
  }

  function drawChart() {
    var W = 260, H = 130, left = 44, bottom = 22, top = 8, right = 8, o = state.origin;
    var curves = [["base", "#555"]];
    if (mats.scen && state.view !== "base") curves.push(["scen", "#d7191c"]);
    var lines = curves.map(function(c) { return [curve(c[0], o), c[1]]; });
    var ymax = Math.max(1, Math.max.apply(null, lines.map(function(l) { return l[0][l[0].length - 1][1]; })));
    var sx = function(x) { return left + x / data.budget[1] * (W - left - right); };
    var sy = function(y) { return H - bottom - y / ymax * (H - bottom - top); };
    var svg = "<svg xmlns='http://www.w3.org/2000/svg' width='" + W + "' height='" + H + "' class='qx-chart'>";
    svg += "<line x1='" + left + "' y1='" + sy(0) + "' x2='" + (W - right) + "' y2='" + sy(0) + "' stroke='#999'/>";
    svg += "<line x1='" + left + "' y1='" + top + "' x2='" + left + "' y2='" + sy(0) + "' stroke='#999'/>";
    [0, 60, 120, 180, 240].forEach(function(t) {
      svg += "<text x='" + sx(t) + "' y='" + (H - 8) + "' text-anchor='middle'>" + t + "</text>";
    });
    svg += "<text x='" + (left - 3) + "' y='" + (top + 8) + "' text-anchor='end'>" + (ymax / 1e6).toFixed(1) + "M</text>";
    svg += "<text x='" + (left - 3) + "' y='" + sy(0) + "' text-anchor='end'>0</text>";
    svg += "<line x1='" + sx(state.budget) + "' y1='" + top + "' x2='" + sx(state.budget) + "' y2='" + sy(0)
           + "' stroke='#3182bd' stroke-dasharray='3 3'/>";
    lines.forEach(function(l) {
      svg += "<path d='" + path(l[0], sx, sy) + "' fill='none' stroke='" + l[1] + "' stroke-width='1.8'/>";
    });
    svg += "<text x='" + (W - right) + "' y='" + (H - 1) + "' text-anchor='end'>min 分钟</text></svg>";
    el.chart.innerHTML = svg;
  }

  function drawLegend() {
    var html = "";
    if (state.view === "diff") {
      [[DIFF.more, "saves ≥ 30 min"], [DIFF.some, "saves 10-30 min"], [DIFF.little, "saves < 10 min"],
       [DIFF.same, "no change"], [DIFF.worse, "slower"], [DIFF.gained, "newly reached"], [DIFF.lost, "no longer reached"]]
        .forEach(function(r) { html += swatch(r[0], r[1]); });
    } else {
      for (var k = 0; k * 30 < state.budget; k++) {
        html += swatch(BIN_COLORS[Math.min(k, 7)], (k * 30) + "-" + Math.min(state.budget, (k + 1) * 30) + " min");
      }
    }
    el.legend.innerHTML = html + swatch(GREY, "not reached 未到达");
  }

  function swatch(color, text) { return "<div><span class='qx-dot' style='background:" + color + "'></span>" + text + "</div>"; }

  function update() {
    drawMarkers();
    drawCircles();
    showCounts();
    drawChart();
    drawLegend();
    el.budgetText.textContent = state.budget + " min";
    el.origin.value = String(state.origin);
  }

  function option(i) {
    var opt = document.createElement("option");
    opt.value = String(i);
    opt.innerHTML = name(i);
    return opt;
  }

  function originList() {
    var select = L.DomUtil.create("select", "qx-origin"), groups = [["区县 Places", 0, data.places], ["车站等 Stations and others", data.places, N]];
    select.id = "qx-origin";
    groups.forEach(function(g) {
      if (g[2] <= g[1]) return;
      var og = document.createElement("optgroup");
      og.label = g[0];
      for (var i = g[1]; i < g[2]; i++) og.appendChild(option(i));
      select.appendChild(og);
    });
    select.addEventListener("change", function() { state.origin = Number(select.value); update(); });
    return select;
  }

  function viewButtons(div) {
    var views = [["base", "基准 Baseline: " + data.labels[0]]];
    if (mats.scen) views.push(["scen", "方案 Scenario: " + data.labels[1]], ["diff", "差异 Difference (minutes saved)"]);
    views.forEach(function(v) {
      var lab = L.DomUtil.create("label", "qx-view", div), input = L.DomUtil.create("input", "", lab);
      input.type = "radio"; input.name = "qx-view"; input.value = v[0]; input.checked = v[0] === state.view;
      lab.appendChild(document.createElement("span")).innerHTML = " " + v[1];
      input.addEventListener("change", function() { state.view = v[0]; update(); });
    });
  }

  function slider(div) {
    var row = L.DomUtil.create("div", "qx-row", div);
    row.appendChild(document.createElement("span")).textContent = "时间 Budget ";
    var input = L.DomUtil.create("input", "", row);
    input.type = "range"; input.id = "qx-budget"; input.min = data.budget[0]; input.max = data.budget[1];
    input.step = 5; input.value = state.budget;
    el.budgetText = L.DomUtil.create("b", "", row);
    input.addEventListener("input", function() { state.budget = Number(input.value); update(); });
    el.budget = input;
  }

  function panel() {
    var control = L.control({position: "topright"});
    control.onAdd = function() {
      var div = L.DomUtil.create("div", "qjnet-explorer");
      div.innerHTML = "<div class='qx-title'>" + title + "</div>";
      el.origin = div.appendChild(originList());
      slider(div);
      viewButtons(L.DomUtil.create("div", "qx-views", div));
      var c = L.DomUtil.create("div", "qx-counts", div);
      c.innerHTML = "可达 Reached: <b id='qx-places'></b> <span id='qx-counts'></span>";
      el.places = c.querySelector("#qx-places");
      el.counts = c.querySelector("#qx-counts");
      el.chart = L.DomUtil.create("div", "qx-chartbox", div);
      var circ = L.DomUtil.create("label", "qx-row", div), box = L.DomUtil.create("input", "", circ);
      box.type = "checkbox"; box.id = "qx-circles";
      circ.appendChild(document.createElement("span")).textContent = " 等时圈 Isochrone circles (" + data.speed_kmh + " km/h)";
      box.addEventListener("change", function() { state.circles = box.checked; update(); });
      el.legend = L.DomUtil.create("div", "qx-legend", div);
      L.DomEvent.disableClickPropagation(div);
      L.DomEvent.disableScrollPropagation(div);
      return div;
    };
    control.addTo(map);
  }

  function addMarkers() {
    for (var i = 0; i < N; i++) {
      var m = L.circleMarker([data.lat[i], data.lon[i]], {radius: radius(i), weight: 1, qjnetNode: i});
      m.bindTooltip(name(i), {sticky: true});
      m.on("click", (function(k) { return function() { state.origin = k; update(); }; })(i));
      m.addTo(map);
      markers.push(m);
    }
  }

  addMarkers();
  panel();
  update();
  window.qjnetExplorerApi = {
    state: state, counts: counts, update: update,
    reached: function() {
      return markers.filter(function(m) { return m.qjnetReached; }).map(function(m) { return m.options.qjnetNode; });
    },
    colors: function() { return markers.map(function(m) { return m.options.fillColor; }); }
  };
}
"""
