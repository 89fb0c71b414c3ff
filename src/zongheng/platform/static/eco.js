// The 生态文明 page's chart (attainment and red lights by period): its option comes from the page's
// JSON data island (#eco-charts); the CSP forbids inline script, so this file draws it. ECharts
// itself is loaded before this file (both deferred, in order), from our origin.
(function () {
  "use strict";
  function draw() {
    var island = document.getElementById("eco-charts");
    var box = document.getElementById("eco-trend");
    if (!island || !box || typeof echarts === "undefined") { return; }
    var chart = echarts.init(box, null, { renderer: "canvas" });
    chart.setOption(JSON.parse(island.textContent).trend);
    box.setAttribute("data-ready", "1");
    window.addEventListener("resize", function () { chart.resize(); });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
