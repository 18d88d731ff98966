// Draws the charts a page declares. A chart's data sits in a JSON script
// inside its element (written by the server from the same result as the
// page's tables), or, for the overview, comes from the page's own table, so
// a chart never shows a figure the page does not.
document.addEventListener("DOMContentLoaded", function () {
  if (typeof echarts === "undefined") return;
  var red = "#c4302b", palette = [red, "#3b6fb6", "#e0a020", "#1a7f37", "#7a4cb0", "#888"];

  function draw(el, option) {
    var chart = echarts.init(el);
    option.color = palette;
    chart.setOption(option);
    window.addEventListener("resize", function () { chart.resize(); });
  }

  var overview = document.getElementById("orders-chart");
  if (overview) {
    var names = [], orders = [];
    document.querySelectorAll("tr.shop").forEach(function (tr) {
      names.push(tr.dataset.shopName);
      orders.push(Number(tr.dataset.orders || 0));
    });
    draw(overview, {
      title: { text: overview.dataset.title, left: 10, top: 6, textStyle: { fontSize: 13 } },
      grid: { left: 50, right: 20, top: 40, bottom: 70 }, tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: names, axisLabel: { rotate: 40, fontSize: 10 } },
      yAxis: { type: "value" }, series: [{ type: "bar", data: orders }]
    });
  }

  document.querySelectorAll("[data-chart]").forEach(function (el) {
    var script = el.querySelector("script[type='application/json']");
    if (!script) return;
    var d = JSON.parse(script.textContent);
    var title = { text: el.dataset.title || "", left: 10, top: 6, textStyle: { fontSize: 13 } };
    switch (el.dataset.chart) {
      case "trend":
        draw(el, {
          title: title, tooltip: { trigger: "axis" }, legend: { top: 6 },
          grid: { left: 70, right: 60, top: 40, bottom: 40 },
          xAxis: { type: "category", data: d.x },
          yAxis: [{ type: "value" }, { type: "value" }],
          series: d.series
        });
        break;
      case "bar":
        draw(el, {
          title: title, tooltip: { trigger: "axis" }, grid: { left: 70, right: 20, top: 40, bottom: 60 },
          xAxis: { type: "category", data: d.x, axisLabel: { rotate: 30 } }, yAxis: { type: "value" }, series: d.series
        });
        break;
      case "pie":
        draw(el, { title: title, tooltip: { trigger: "item" }, series: [{ type: "pie", radius: ["35%", "65%"], data: d.pie }] });
        break;
    }
  });
});
