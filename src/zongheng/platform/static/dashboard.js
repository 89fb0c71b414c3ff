// The dashboard's charts (驾驶舱图表): options come from the page's JSON data island
// (#dash-charts); the CSP forbids inline script, so this file draws them. ECharts itself is
// loaded before this file (both deferred, in order), from our origin.
(function () {
  "use strict";
  function draw() {
    var island = document.getElementById("dash-charts");
    if (!island || typeof echarts === "undefined") { return; }
    var data = JSON.parse(island.textContent);
    var charts = [];
    var line = document.getElementById("dash-trajectory");
    if (line) {
      var trajectory = echarts.init(line, null, { renderer: "canvas" });
      trajectory.setOption(data.trajectory);
      charts.push(trajectory);
    }
    var box = document.getElementById("dash-map");
    if (box) {
      fetch(data.geo, { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (geo) {
          echarts.registerMap(data.map_name, geo);
          var map = echarts.init(box, null, { renderer: "canvas" });
          map.setOption(data.map);
          charts.push(map);
          box.setAttribute("data-ready", "1");
        });
    }
    window.addEventListener("resize", function () {
      charts.forEach(function (c) { c.resize(); });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
