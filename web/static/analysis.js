// The analyses page: runs POST /api/v1/analyses/{kind} for the chosen
// client, shop and dates, draws the result with ECharts and offers the
// result tables as CSV/XLSX downloads. Every figure drawn comes from the
// API's JSON, the same the CLI prints.
(function () {
  "use strict";
  var L = {};
  var charts = [];

  function $(id) { return document.getElementById(id); }

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function fmt(v, d) {
    if (v === null || v === undefined) return "–";
    if (typeof v !== "number") return String(v);
    return v.toLocaleString(undefined, { maximumFractionDigits: d === undefined ? 2 : d });
  }

  function pct(v) { return v === null || v === undefined ? "–" : (100 * v).toFixed(1) + "%"; }

  function chart(id) {
    var box = $(id);
    box.style.display = "";
    var c = echarts.getInstanceByDom(box) || echarts.init(box);
    c.clear();
    charts.push(c);
    return c;
  }

  function table(header, rows) {
    var t = el("table"), tr = el("tr");
    header.forEach(function (h) { tr.appendChild(el("th", {}, h)); });
    var thead = el("thead"); thead.appendChild(tr); t.appendChild(thead);
    var tb = el("tbody");
    rows.forEach(function (r) {
      var row = el("tr");
      r.forEach(function (c) { row.appendChild(el("td", typeof c === "number" ? { "class": "num" } : {}, typeof c === "number" ? fmt(c) : c)); });
      tb.appendChild(row);
    });
    t.appendChild(tb);
    return t;
  }

  function heat(c, title, rowsLabels, colsLabels, cells) {
    c.setOption({
      title: { text: title, left: 10, top: 6, textStyle: { fontSize: 13 } },
      tooltip: { formatter: function (p) { return rowsLabels[p.value[1]] + " +" + colsLabels[p.value[0]] + ": " + pct(p.value[2]); } },
      grid: { left: 90, right: 30, top: 40, bottom: 60 },
      xAxis: { type: "category", data: colsLabels },
      yAxis: { type: "category", data: rowsLabels, inverse: true },
      visualMap: { min: 0, max: 1, calculable: true, orient: "horizontal", left: "center", bottom: 5, inRange: { color: ["#fff5f4", "#c4302b"] } },
      series: [{ type: "heatmap", data: cells, label: { show: cells.length <= 150, formatter: function (p) { return pct(p.value[2]); }, fontSize: 9 } }]
    });
  }

  var draw = {
    funnel: function (r, out) {
      var names = r.steps.map(function (s) { return s.name; });
      chart("an-chart").setOption({
        title: { text: L.persons, left: 10, top: 6, textStyle: { fontSize: 13 } },
        tooltip: { trigger: "axis" },
        grid: { left: 110, right: 40, top: 40, bottom: 30 },
        xAxis: { type: "value" },
        yAxis: { type: "category", data: names, inverse: true },
        series: [{ type: "bar", data: r.steps.map(function (s) { return s.count; }), itemStyle: { color: "#c4302b" },
          label: { show: true, position: "right", formatter: function (p) { return fmt(p.value, 0) + " · " + pct(r.steps[p.dataIndex].conversion_rate); } } }]
      });
      chart("an-chart2").setOption({
        title: { text: L.rate + " · " + L.channel, left: 10, top: 6, textStyle: { fontSize: 13 } },
        tooltip: { trigger: "axis", valueFormatter: pct },
        legend: { top: 28, type: "scroll" },
        grid: { left: 60, right: 20, top: 70, bottom: 30 },
        xAxis: { type: "category", data: names },
        yAxis: { type: "value", axisLabel: { formatter: function (v) { return (100 * v) + "%"; } } },
        series: r.by_channel.map(function (c) {
          return { name: c.channel || "(none)", type: "bar", data: c.steps.map(function (s) { return s.conversion_rate; }) };
        })
      });
      if (r.weakest_step) {
        out.appendChild(el("strong", {}, L.weakest + ": " + r.weakest_step.from + " → " + r.weakest_step.to + " (" + pct(r.weakest_step.rate) + ")"));
      }
      return table(["channel"].concat(names).concat([L.weakest]), r.by_channel.map(function (c) {
        return [c.channel].concat(c.steps.map(function (s) { return s.count; })).concat([c.weakest_step ? c.weakest_step.to + " " + pct(c.weakest_step.rate) : "–"]);
      }));
    },
    retention: function (r) {
      var rows = r.cohorts.map(function (c) { return c.start + " (" + c.size + ")"; });
      var n = r.cohorts.length, cols = [], cells = [];
      for (var j = 0; j < n; j++) cols.push(String(j));
      r.cohorts.forEach(function (c, i) {
        c.values.forEach(function (v, j) { if (c.size > 0) cells.push([j, i, v / c.size]); });
      });
      heat(chart("an-chart"), L.rate, rows, cols, cells);
    },
    cohort: function (r) {
      var rows = r.cohorts.map(function (c) { return c.month + " (" + c.size + ")"; });
      var max = 0, cells = [];
      r.cohorts.forEach(function (c, i) {
        c.months.forEach(function (m) { max = Math.max(max, m.offset); if (m.share !== null) cells.push([m.offset, i, m.share]); });
      });
      var cols = [];
      for (var j = 0; j <= max; j++) cols.push(String(j));
      heat(chart("an-chart"), L.rate, rows, cols, cells);
      return table(["cohort", "size", "repeat_rate"], r.cohorts.map(function (c) { return [c.month, c.size, pct(c.repeat_rate)]; }));
    },
    rfm: function (r) {
      chart("an-chart").setOption({
        title: { text: L.customers, left: 10, top: 6, textStyle: { fontSize: 13 } },
        tooltip: { formatter: function (p) { return p.name + ": " + fmt(p.value, 0) + " · " + fmt(p.data.revenue); } },
        series: [{ type: "treemap", top: 36, roam: false, nodeClick: false, breadcrumb: { show: false },
          data: r.segments.filter(function (s) { return s.customers > 0; }).map(function (s) { return { name: s.segment, value: s.customers, revenue: s.revenue }; }) }]
      });
      return table(["segment", L.customers, "revenue", "avg_recency_days", "avg_frequency", "avg_monetary", "vips"], r.segments.map(function (s) {
        return [s.segment, s.customers, s.revenue, s.avg_recency_days, s.avg_frequency, s.avg_monetary, s.vips];
      }));
    },
    clv: function (r, out) {
      chart("an-chart").setOption({
        title: { text: L.clv + " · " + L.customers, left: 10, top: 6, textStyle: { fontSize: 13 } },
        tooltip: { trigger: "axis" },
        grid: { left: 60, right: 20, top: 40, bottom: 50 },
        xAxis: { type: "category", data: r.distribution.map(function (b) { return fmt(b.from, 0) + "–" + fmt(b.to, 0); }), axisLabel: { rotate: 35, fontSize: 10 } },
        yAxis: { type: "value" },
        series: [{ type: "bar", data: r.distribution.map(function (b) { return b.customers; }), itemStyle: { color: "#c4302b" } }]
      });
      out.appendChild(el("span", {}, L.model + ": " + r.model.name + " · " + L.total + " " + L.clv + ": " + fmt(r.total_clv)));
      var bc = r.by_channel || [];
      chart("an-chart2").setOption({
        title: { text: "LTV · CAC · " + L.channel, left: 10, top: 6, textStyle: { fontSize: 13 } },
        tooltip: { trigger: "axis" }, legend: { top: 28 },
        grid: { left: 60, right: 20, top: 70, bottom: 50 },
        xAxis: { type: "category", data: bc.map(function (c) { return c.channel || "(none)"; }), axisLabel: { rotate: 25, fontSize: 10 } },
        yAxis: { type: "value" },
        series: [{ name: "LTV", type: "bar", data: bc.map(function (c) { return c.ltv; }) },
          { name: "CAC", type: "bar", data: bc.map(function (c) { return c.cac; }) }]
      });
      return table(["channel", L.customers, "historical_ltv", "predicted_clv", "ltv", "spend", "cac", "ltv_cac"], bc.map(function (c) {
        return [c.channel || "(none)", c.customers, c.historical_ltv, c.predicted_clv, c.ltv, c.spend, c.cac === null ? "–" : c.cac, c.ltv_cac === null ? "–" : fmt(c.ltv_cac, 2)];
      }));
    },
    attribution: function (r) {
      var models = ["first_touch", "last_touch", "linear", "time_decay", "position_based", "markov", "shapley"];
      chart("an-chart").setOption({
        title: { text: L.conversions, left: 10, top: 6, textStyle: { fontSize: 13 } },
        tooltip: { trigger: "axis" }, legend: { top: 28, type: "scroll" },
        grid: { left: 60, right: 20, top: 70, bottom: 50 },
        xAxis: { type: "category", data: r.channels, axisLabel: { rotate: 25, fontSize: 10 } },
        yAxis: { type: "value" },
        series: models.map(function (m) {
          return { name: m, type: "bar", data: r.channels.map(function (c) { return r.models[m][c].conversions; }) };
        })
      });
      var rois = r.roi.filter(function (x) { return x.roi !== null; });
      chart("an-chart2").setOption({
        title: { text: L.roi, left: 10, top: 6, textStyle: { fontSize: 13 } },
        tooltip: { trigger: "axis" },
        grid: { left: 60, right: 20, top: 40, bottom: 70 },
        xAxis: { type: "category", data: rois.map(function (x) { return x.kind + ": " + x.name; }), axisLabel: { rotate: 30, fontSize: 10 } },
        yAxis: { type: "value" },
        series: [{ type: "bar", data: rois.map(function (x) { return { value: x.roi, itemStyle: { color: x.below_floor ? "#c4302b" : "#3a7bd5" } }; }),
          markLine: { symbol: "none", data: [{ yAxis: r.roi_floor, name: L.floor }, { yAxis: r.kol_roi_floor, name: L.floor + " KOL" }] } }]
      });
      return table(["kind", "name", "spend", "value", L.roi, L.floor, L.below], r.roi.map(function (x) {
        return [x.kind, x.name, x.spend, x.value, x.roi === null ? "–" : fmt(x.roi, 3), x.floor, x.below_floor ? "⚠" : ""];
      }));
    },
    paths: function (r) {
      chart("an-chart").setOption({
        tooltip: { trigger: "item" },
        series: [{ type: "sankey", top: 20, bottom: 20, left: 10, right: 120, emphasis: { focus: "adjacency" },
          data: r.sankey.nodes.map(function (n) { return { name: n.name }; }),
          links: r.sankey.links.map(function (l) { return { source: l.source, target: l.target, value: l.value }; }) }]
      });
      return table(["path", "journeys", L.conversions, "drop_offs", L.rate], r.paths.map(function (p) {
        return [p.text, p.journeys, p.conversions, p.drop_offs, pct(p.conversion_rate)];
      }));
    },
    forecast: function (r, out) {
      var dates = r.history.map(function (h) { return h.date; }).concat(r.forecast.map(function (p) { return p.date; }));
      var pad = r.history.map(function () { return null; });
      chart("an-chart").setOption({
        title: { text: r.measure + " · " + r.model, left: 10, top: 6, textStyle: { fontSize: 13 } },
        tooltip: { trigger: "axis" }, legend: { top: 28 },
        grid: { left: 70, right: 20, top: 70, bottom: 40 },
        xAxis: { type: "category", data: dates },
        yAxis: { type: "value" },
        series: [
          { name: L.history, type: "line", showSymbol: false, data: r.history.map(function (h) { return h.value; }) },
          { name: "lo95", type: "line", stack: "band", lineStyle: { opacity: 0 }, showSymbol: false, data: pad.concat(r.forecast.map(function (p) { return p.lo95; })) },
          { name: L.band95, type: "line", stack: "band", lineStyle: { opacity: 0 }, showSymbol: false, areaStyle: { color: "rgba(196,48,43,0.18)" },
            data: pad.concat(r.forecast.map(function (p) { return p.hi95 - p.lo95; })) },
          { name: L.forecast, type: "line", showSymbol: false, lineStyle: { color: "#c4302b" }, data: pad.concat(r.forecast.map(function (p) { return p.value; })) }
        ]
      });
      if (r.stock) {
        var s = r.stock;
        out.appendChild(el("span", {}, L.stock + ": on_hand " + fmt(s.on_hand, 0) + " · run_out " + (s.run_out_date || "–") +
          " · reorder " + (s.reorder_date || "–") + " × " + fmt(s.reorder_quantity, 0)));
      }
    }
  };

  function exportLinks(res, q) {
    var box = $("an-exports");
    box.textContent = "";
    var base = "/api/v1/analyses/" + res.kind + "/export?" + q;
    res.tables.forEach(function (t) {
      var a = el("a", { href: base + "&format=csv&table=" + encodeURIComponent(t), "class": "export", download: "" }, L["export"] + " " + t + " (CSV)");
      box.appendChild(a);
      box.appendChild(document.createTextNode(" · "));
    });
    box.appendChild(el("a", { href: base + "&format=xlsx", "class": "export", download: "" }, L.xlsx));
  }

  function run(ev) {
    if (ev) ev.preventDefault();
    var form = $("an-form");
    var kind = $("an-kind").value;
    var body = { client_id: Number(form.dataset.clientId), shop_id: Number($("an-shop").value), from: $("an-from").value, to: $("an-to").value };
    var opts = $("an-options").value.trim();
    var status = $("an-status");
    if (opts) {
      try { body.options = JSON.parse(opts); } catch (e) { status.textContent = L.failed + ": options: " + e.message; return; }
    }
    charts.forEach(function (c) { c.clear(); });
    charts = [];
    $("an-chart2").style.display = "none";
    $("an-table").textContent = "";
    $("an-summary").textContent = "";
    $("an-exports").textContent = "";
    status.textContent = L.running;
    fetch("/api/v1/analyses/" + kind, { method: "POST", credentials: "same-origin", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) })
      .then(function (resp) { return resp.json().then(function (j) { return { ok: resp.ok, j: j }; }); })
      .then(function (x) {
        if (!x.ok) { status.textContent = L.failed + ": " + (x.j.detail || x.j.title); return; }
        var res = x.j;
        status.textContent = res.from + " – " + res.to + " · " + res.timezone + (res.currency ? " · " + res.currency : "") + " · " + L.rows + " " + fmt(res.input_rows, 0);
        var t = draw[res.kind](res.result, $("an-summary"));
        if (t) $("an-table").appendChild(t);
        var q = "client_id=" + body.client_id + "&shop_id=" + body.shop_id + "&from=" + body.from + "&to=" + body.to;
        if (body.options) q += "&options=" + encodeURIComponent(JSON.stringify(body.options));
        exportLinks(res, q);
      })
      .catch(function (e) { status.textContent = L.failed + ": " + e.message; });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = $("an-form");
    if (!form || typeof echarts === "undefined") return;
    L = JSON.parse($("an-labels").textContent);
    form.addEventListener("submit", run);
    var pick = $("an-client");
    if (pick) pick.addEventListener("change", function () { location.href = "/clients/" + pick.value + "/analyses?kind=" + $("an-kind").value; });
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
    if (form.dataset.autorun) run();
  });
})();
