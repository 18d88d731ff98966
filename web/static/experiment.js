// The experiment page's chart: conversion rate per arm as bars with the
// Wilson interval as whiskers. The data is the JSON the server wrote into
// the chart element from the same result as the page's table.
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  var el = document.querySelector("[data-exp-chart]");
  if (!el || typeof echarts === "undefined") return;
  var d = JSON.parse(el.querySelector("script[type='application/json']").textContent);
  var pct = function (v) { return v === null || v === undefined ? "–" : (100 * v).toFixed(2) + "%"; };
  var whiskers = d.x.map(function (_, i) { return [i, d.lo[i], d.hi[i]]; }).filter(function (w) { return w[1] !== null; });
  var chart = echarts.init(el);
  chart.setOption({
    color: ["#3b6fb6", "#c4302b"],
    title: { text: d.title, left: 10, top: 6, textStyle: { fontSize: 13 } },
    grid: { left: 60, right: 20, top: 40, bottom: 40 },
    tooltip: { trigger: "axis", formatter: function (ps) {
      var i = ps[0].dataIndex;
      return d.x[i] + ": " + pct(d.rate[i]) + " [" + pct(d.lo[i]) + ", " + pct(d.hi[i]) + "]";
    } },
    xAxis: { type: "category", data: d.x },
    yAxis: { type: "value", axisLabel: { formatter: function (v) { return (100 * v).toFixed(1) + "%"; } } },
    series: [
      { type: "bar", data: d.rate, barMaxWidth: 80 },
      { type: "custom", data: whiskers, z: 10, renderItem: function (params, api) {
        var lo = api.coord([api.value(0), api.value(1)]), hi = api.coord([api.value(0), api.value(2)]);
        var w = 12, style = { stroke: "#333", lineWidth: 1.5 };
        return { type: "group", children: [
          { type: "line", shape: { x1: lo[0], y1: lo[1], x2: hi[0], y2: hi[1] }, style: style },
          { type: "line", shape: { x1: lo[0] - w, y1: lo[1], x2: lo[0] + w, y2: lo[1] }, style: style },
          { type: "line", shape: { x1: hi[0] - w, y1: hi[1], x2: hi[0] + w, y2: hi[1] }, style: style }
        ] };
      } }
    ]
  });
  window.addEventListener("resize", function () { chart.resize(); });
});
